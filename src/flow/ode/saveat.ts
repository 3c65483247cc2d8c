/**
 * What a solve records (diffrax `SaveAt`): every accepted step, requested times through the
 * dense interpolant, or only the final state — plus an optional scalar statistic `fn(t, y)`
 * (e.g. the loss of a gradient flow) recorded at t0 and after every accepted step, whatever `kind`.
 */

/** A scalar statistic of the state, recorded at t0 and after every accepted step. */
export type StepStatistic = (t: number, y: Float64Array) => number;

/**
 * Save policy.
 * - `{ kind: 'steps' }`: t0 and the end of every accepted step (a terminal event's time replaces
 *   the end of the last step).
 * - `{ kind: 'times', ts }`: the given times, monotone in the direction of integration (repeats
 *   allowed) and inside the span; values between step ends come from the dense interpolant.
 *   Times after an early stop (event, steady state, failure) are not saved.
 * - `{ kind: 'final' }`: the final state only.
 *
 * `fn` (optional, any kind) adds a per-step statistic, returned as `fnTs` / `fnValues`.
 */
export type SaveAt =
  | {
      /** Save t0 and the end of every accepted step. */
      readonly kind: 'steps';
      /** Optional per-step statistic, returned as `fnTs` / `fnValues`. */
      readonly fn?: StepStatistic;
    }
  | {
      /** Save at the given times, through the dense interpolant. */
      readonly kind: 'times';
      /** The times, monotone in the direction of integration and inside the span. */
      readonly ts: readonly number[] | Float64Array;
      /** Optional per-step statistic, returned as `fnTs` / `fnValues`. */
      readonly fn?: StepStatistic;
    }
  | {
      /** Save the final state only. */
      readonly kind: 'final';
      /** Optional per-step statistic, returned as `fnTs` / `fnValues`. */
      readonly fn?: StepStatistic;
    };

/** Growable Float64Array (amortised O(1) push). */
class GrowableArray {
  private data = new Float64Array(16);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(2 * this.length);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = x;
  }
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Validate a {@link SaveAt} against the span [t0, t1].
 *
 * @throws {TypeError | RangeError} naming `options.saveAt…`.
 */
export function validateSaveAt(saveAt: SaveAt, t0: number, t1: number): void {
  if (saveAt === null || typeof saveAt !== 'object') throw new TypeError(`options.saveAt must be an object, got ${String(saveAt)}`);
  const kind = (saveAt as { kind?: unknown }).kind;
  if (kind !== 'steps' && kind !== 'times' && kind !== 'final') {
    throw new RangeError(`options.saveAt.kind must be 'steps', 'times' or 'final', got ${String(kind)}`);
  }
  if (saveAt.fn !== undefined && typeof saveAt.fn !== 'function') throw new TypeError('options.saveAt.fn must be a function (t, y) => number');
  if (saveAt.kind === 'times') {
    const ts = saveAt.ts;
    if (!(Array.isArray(ts) || ts instanceof Float64Array)) throw new TypeError('options.saveAt.ts must be an array or Float64Array of times');
    const dir = t1 >= t0 ? 1 : -1;
    const lo = Math.min(t0, t1);
    const hi = Math.max(t0, t1);
    for (let i = 0; i < ts.length; i++) {
      const ti = ts[i] as number;
      if (typeof ti !== 'number' || !Number.isFinite(ti)) throw new RangeError(`options.saveAt.ts[${i}] is ${ti}, must be finite`);
      if (ti < lo || ti > hi) throw new RangeError(`options.saveAt.ts[${i}] = ${ti} lies outside the span [${t0}, ${t1}]`);
      if (i > 0 && dir * (ti - (ts[i - 1] as number)) < 0) {
        throw new RangeError(`options.saveAt.ts must be monotone in the direction of integration: ts[${i}] = ${ti} comes before ts[${i - 1}] = ${ts[i - 1]}`);
      }
    }
  }
}

/** Interpolant of the current step: writes y(t) into `out` for t inside the step. */
export type StepInterpolant = (t: number, out: Float64Array) => Float64Array;

/** Records saved states and the statistic during a solve (internal to `solve`). */
export class SaveRecorder {
  private readonly ts = new GrowableArray();
  private readonly ys: Float64Array[] = [];
  private readonly fnTs = new GrowableArray();
  private readonly fnValues = new GrowableArray();
  private next = 0;

  constructor(
    private readonly saveAt: SaveAt,
    private readonly direction: 1 | -1,
  ) {}

  private recordFn(t: number, y: Float64Array): void {
    const fn = this.saveAt.fn;
    if (fn !== undefined) {
      this.fnTs.push(t);
      this.fnValues.push(fn(t, y));
    }
  }

  /** Record the initial state. */
  start(t0: number, y0: Float64Array): void {
    const sa = this.saveAt;
    if (sa.kind === 'steps') {
      this.ts.push(t0);
      this.ys.push(Float64Array.from(y0));
    } else if (sa.kind === 'times') {
      while (this.next < sa.ts.length && (sa.ts[this.next] as number) === t0) {
        this.ts.push(t0);
        this.ys.push(Float64Array.from(y0));
        this.next++;
      }
    }
    this.recordFn(t0, y0);
  }

  /** Record the accepted step (tOld, tEnd] ending in state yEnd; `interp` covers the step. */
  step(tEnd: number, yEnd: Float64Array, interp: StepInterpolant): void {
    const sa = this.saveAt;
    if (sa.kind === 'steps') {
      this.ts.push(tEnd);
      this.ys.push(Float64Array.from(yEnd));
    } else if (sa.kind === 'times') {
      const dir = this.direction;
      while (this.next < sa.ts.length && dir * ((sa.ts[this.next] as number) - tEnd) <= 0) {
        const tq = sa.ts[this.next] as number;
        this.ts.push(tq);
        this.ys.push(tq === tEnd ? Float64Array.from(yEnd) : interp(tq, new Float64Array(yEnd.length)));
        this.next++;
      }
    }
    this.recordFn(tEnd, yEnd);
  }

  /** Does the step ending at tEnd contain requested times that need the interpolant? */
  needsInterpolant(tEnd: number): boolean {
    const sa = this.saveAt;
    return sa.kind === 'times' && this.next < sa.ts.length && this.direction * ((sa.ts[this.next] as number) - tEnd) < 0;
  }

  /** Finish: for `'final'`, record the final state. Returns the saved series. */
  finish(t: number, y: Float64Array): { ts: Float64Array; ys: Float64Array[]; fnTs: Float64Array; fnValues: Float64Array } {
    if (this.saveAt.kind === 'final') {
      this.ts.push(t);
      this.ys.push(Float64Array.from(y));
    }
    return { ts: this.ts.toArray(), ys: this.ys, fnTs: this.fnTs.toArray(), fnValues: this.fnValues.toArray() };
  }
}
