/**
 * Event functions g(t, y) located on the dense output by Brent's bracketing root finder
 * (scipy `solve_ivp(events=…)`, diffrax `Event`).
 */

/** Relative tolerance in t of located events: |t_found − t_root| ≲ EVENT_T_RTOL · max(|t_old|, |t_new|). */
export const EVENT_T_RTOL = 1e-12;
/** Iteration cap of the root finder (Brent converges far sooner on a bracket). */
export const EVENT_MAX_ITERATIONS = 100;

/** An event: a sign change of `g` along the trajectory. */
export interface EventSpec {
  /** Event function; the event is a zero of g(t, y(t)). Must not keep `y` (a reused buffer). */
  readonly g: (t: number, y: Float64Array) => number;
  /**
   * Which crossings count, judged along the direction of integration: 1 = g goes from < 0 to ≥ 0,
   * −1 = from > 0 to ≤ 0, 0 = both.
   * @defaultValue 0
   */
  readonly direction?: -1 | 0 | 1;
  /** Whether the solve stops at the first such crossing (status `'event'`). @defaultValue false */
  readonly terminal?: boolean;
  /** Label copied into located events. @defaultValue undefined */
  readonly name?: string;
}

/** A located event. */
export interface LocatedEvent {
  /** Index of the event in `options.events`. */
  readonly index: number;
  /** The event's `name`, if any. */
  readonly name: string | undefined;
  /** Time of the crossing. */
  readonly t: number;
  /** Interpolated state at `t` (a fresh copy, length n). */
  readonly y: Float64Array;
  /** Direction of the crossing along the integration: 1 upward, −1 downward. */
  readonly direction: -1 | 1;
  /** Whether this event stopped the solve. */
  readonly terminal: boolean;
}

/**
 * Brent's root finder (R. P. Brent, *Algorithms for Minimization without Derivatives*, 1973,
 * ch. 4, procedure `zero`): inverse quadratic interpolation / secant safeguarded by bisection on
 * the bracket [a, b], where fa = f(a) and fb = f(b) have opposite signs (or one is 0).
 * Stops when the bracket half-width is ≤ 2·eps·|b| + xtol/2.
 *
 * @returns the root estimate.
 */
export function brentRoot(
  f: (x: number) => number,
  a: number,
  b: number,
  fa: number,
  fb: number,
  xtol: number,
  maxIterations: number = EVENT_MAX_ITERATIONS,
): number {
  if (fa === 0) return a;
  if (fb === 0) return b;
  let c = a;
  let fc = fa;
  let e = b - a;
  let d = e;
  for (let iter = 0; iter < maxIterations; iter++) {
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * xtol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) < tol || Math.abs(fa) <= Math.abs(fb)) {
      e = m;
      d = m;
    } else {
      let s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        q = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * q * (q - r) - (b - a) * (r - 1));
        q = (q - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      s = e;
      e = d;
      if (2 * p < 3 * m * q - Math.abs(tol * q) && p < Math.abs(0.5 * s * q)) d = p / q;
      else {
        e = m;
        d = m;
      }
    }
    a = b;
    fa = fb;
    if (Math.abs(d) > tol) b += d;
    else b += m > 0 ? tol : -tol;
    fb = f(b);
    if ((fb > 0 && fc > 0) || (fb <= 0 && fc <= 0)) {
      c = a;
      fc = fa;
      e = b - a;
      d = e;
    }
  }
  return b;
}

/** Validate `options.events`. @throws {TypeError | RangeError} naming `options.events[i]…`. */
export function validateEvents(events: readonly EventSpec[]): void {
  if (!Array.isArray(events)) throw new TypeError('options.events must be an array of { g, direction?, terminal? }');
  events.forEach((ev, i) => {
    if (ev === null || typeof ev !== 'object' || typeof ev.g !== 'function') throw new TypeError(`options.events[${i}].g must be a function (t, y) => number`);
    if (ev.direction !== undefined && ev.direction !== -1 && ev.direction !== 0 && ev.direction !== 1) {
      throw new RangeError(`options.events[${i}].direction must be -1, 0 or 1, got ${String(ev.direction)}`);
    }
    if (ev.terminal !== undefined && typeof ev.terminal !== 'boolean') throw new TypeError(`options.events[${i}].terminal must be a boolean`);
  });
}

/** A crossing found in one step (before the state is interpolated). */
interface Crossing {
  readonly index: number;
  readonly t: number;
  readonly direction: -1 | 1;
}

/**
 * Tracks g at the last accepted state and locates crossings within a step (internal to `solve`).
 */
export class EventTracker {
  private readonly gPrev: Float64Array;
  private readonly found: Crossing[] = [];

  constructor(
    private readonly events: readonly EventSpec[],
    private readonly direction: 1 | -1,
  ) {
    this.gPrev = new Float64Array(events.length);
  }

  /** Evaluate every g at the initial state (a zero there is not an event). */
  start(t0: number, y0: Float64Array): void {
    this.events.forEach((ev, i) => {
      this.gPrev[i] = ev.g(t0, y0);
    });
  }

  /**
   * Locate the crossings in the accepted step (tOld, tNew] and return them ordered along the
   * integration, cut after the first terminal one. `interp(t, buf)` evaluates the step's dense
   * output; `buf` is a scratch buffer of length n. Updates the stored g values.
   */
  step(
    tOld: number,
    tNew: number,
    yNew: Float64Array,
    interp: (t: number, out: Float64Array) => Float64Array,
    buf: Float64Array,
  ): readonly Crossing[] {
    const found = this.found;
    found.length = 0;
    const xtol = EVENT_T_RTOL * Math.max(Math.abs(tOld), Math.abs(tNew));
    for (let i = 0; i < this.events.length; i++) {
      const ev = this.events[i] as EventSpec;
      const g0 = this.gPrev[i] as number;
      const g1 = ev.g(tNew, yNew);
      this.gPrev[i] = g1;
      const up = g0 < 0 && g1 >= 0;
      const down = g0 > 0 && g1 <= 0;
      const want = ev.direction ?? 0;
      if ((up && want >= 0) || (down && want <= 0)) {
        const root = brentRoot((t) => ev.g(t, interp(t, buf)), tOld, tNew, g0, g1, xtol);
        found.push({ index: i, t: root, direction: up ? 1 : -1 });
      }
    }
    if (found.length > 1) found.sort((p, q) => this.direction * (p.t - q.t) || p.index - q.index);
    const firstTerminal = found.findIndex((c) => this.events[c.index]?.terminal === true);
    if (firstTerminal >= 0) found.length = firstTerminal + 1;
    return found;
  }

  /** Is event `index` terminal? */
  isTerminal(index: number): boolean {
    return this.events[index]?.terminal === true;
  }

  /** Name of event `index`. */
  name(index: number): string | undefined {
    return this.events[index]?.name;
  }
}
