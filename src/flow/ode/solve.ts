/**
 * The single entry point: `solve(field, y0, [t0, t1], method, options)` (diffrax `diffeqsolve`,
 * scipy `solve_ivp`). Core arguments are positional; everything else is in one
 * {@link SolveOptions} object whose defaults are applied in one place.
 *
 * Loop per attempt: propose h (controller, dtMax, land on t1) → `stepper.step` → non-finite check →
 * error norm → accept/reject. On acceptance: f(t + h, y₁) (free for FSAL methods) → dense
 * coefficients if anything needs them → events → saves → steady-state check → callback.
 * Forward (t1 > t0) and backward (t1 < t0) spans are both supported: h carries the sign.
 */
import { ConstantStepSize, PIController, PIState, errorScale, selectInitialStep, type StepSizeController } from './controller.js';
import { EventTracker, validateEvents, type EventSpec, type LocatedEvent } from './events.js';
import { exponentialStepper, type ExponentialMethod } from './exponential.js';
import { DenseHistory, evaluateDense } from './interpolation.js';
import { bdfStepper, type BdfMethod } from './bdf.js';
import { radau5Stepper, type Radau5Method } from './radau5.js';
import { rosenbrockStepper, type RosenbrockMethod } from './rosenbrock.js';
import { SaveRecorder, validateSaveAt, type SaveAt } from './saveat.js';
import { explicitRK } from './stepper.js';
import type { ButcherTableau } from './tableau.js';
import type { Stepper, StepWorkspace, VectorField } from './types.js';

/**
 * A method accepted by {@link solve}: an explicit RK tableau, a Rosenbrock method
 * (`rosenbrock(rodas4, { linearSolver })`), the implicit Radau IIA method (`radau5({ jac })`), the
 * variable-order BDF/NDF (`bdf({ jac })` or `bdf({ linearSolver })`), or an exponential method for semilinear problems (`exponential(etd4, { ell, scaleRef })`, with the
 * field = N only; see `types.ts`).
 */
export type Method = ButcherTableau | RosenbrockMethod | Radau5Method | BdfMethod | ExponentialMethod;

/** The stepper that drives `method` (one per solve; the method objects are plain data). */
function stepperOf(method: Method): Stepper<StepWorkspace> {
  switch (method.kind) {
    case 'explicitRK':
      return explicitRK(method);
    case 'rosenbrock':
      return rosenbrockStepper(method);
    case 'exponential':
      return exponentialStepper(method);
    case 'radau5':
      return radau5Stepper(method);
    case 'bdf':
      return bdfStepper(method);
  }
}

/**
 * Smallest accepted relative tolerance, 100·eps ≈ 2.2e-14 (scipy's floor). A tighter rtol asks for
 * more than double precision can deliver — error estimates are then round-off noise and steps
 * collapse — so `solve` rejects it with a RangeError (scipy raises it to the floor with a warning;
 * a library should not print, and a silently changed tolerance is a silent default).
 */
export const MIN_RTOL = 100 * Number.EPSILON;

/** Default cap on step attempts (accepted + rejected). */
export const DEFAULT_MAX_STEPS = 100_000;
/**
 * Consecutive non-finite attempts tolerated by an adaptive solve: each one is rejected and the
 * step shrunk by the controller's minimum factor (0.2 → a 10⁻⁷ reduction after 10); one more
 * gives status `'nonFiniteState'` (unless the step first falls below the minimum step:
 * `'stepSizeTooSmall'`). Fixed-step solves stop at the first non-finite step. A Rosenbrock
 * attempt whose iteration matrix the provider reports singular is handled the same way.
 * The returned state is always the last finite accepted one.
 */
export const MAX_NONFINITE_RETRIES = 10;
/** Minimum step as a multiple of eps·|t| (scipy: 10 ulp of t). */
export const MIN_STEP_EPS_FACTOR = 10;
/**
 * Fixed steps: a step that would end within CONSTANT_STEP_SNAP·dt (plus a few ulp of t) of t1
 * lands exactly on t1 instead of leaving a sliver.
 */
export const CONSTANT_STEP_SNAP = 1e-9;

/** One fixed message per status. */
export const STATUS_MESSAGES = {
  /** Reached t1. */
  success: 'The integration reached t1.',
  /** Stopped by a terminal event. */
  event: 'A terminal event stopped the integration.',
  /** Failure: the step cap was hit. */
  maxStepsReached: 'The maximum number of steps (options.maxSteps) was reached before t1.',
  /** Failure: the step size underflowed. */
  stepSizeTooSmall: 'The step size fell below options.dtMin (or 10·eps·|t|) before t1.',
  /** Failure: the state became NaN or ±∞. */
  nonFiniteState: 'The proposed state became non-finite (NaN or ±Infinity); an adaptive solve first retried with smaller steps.',
  /** Stopped at a steady state. */
  steadyState: 'A steady state was reached: ‖f(t, y)‖ fell below options.steadyState.tol.',
  /** Stopped by the callback. */
  cancelled: 'The callback returned "stop".',
} as const;

/** Outcome of a solve. `'maxStepsReached' | 'stepSizeTooSmall' | 'nonFiniteState'` are failures. */
export type SolveStatus = keyof typeof STATUS_MESSAGES;

/** Statuses that throw {@link OdeSolveError} when `options.throwOnFailure` is true. */
export const FAILURE_STATUSES: readonly SolveStatus[] = Object.freeze(['maxStepsReached', 'stepSizeTooSmall', 'nonFiniteState']);

/** Work counters of a solve. */
export interface SolveStats {
  /** Vector-field evaluations (initial f, stages, f at accepted states, step-size probe, dense stages, FD ∂f/∂t). */
  readonly nfev: number;
  /** Jacobian evaluations (Rosenbrock). */
  readonly njev: number;
  /** Linear solves (Rosenbrock). */
  readonly nlinsolve: number;
  /** Factorizations of I − γhJ (Rosenbrock). */
  readonly nfactor: number;
  /** Evaluations of the φ coefficients, one per distinct step size (exponential methods). */
  readonly coefficientFills: number;
  /** Accepted steps. */
  readonly accepted: number;
  /** Rejected attempts (error too large, non-finite, or singular iteration matrix). */
  readonly rejected: number;
}

/** Steady-state stop: ‖f(t, y)‖ < tol at an accepted state (f evaluated fresh at that state). */
export interface SteadyStateOptions {
  /** Threshold, finite and > 0. */
  readonly tol: number;
  /** Norm of f: root-mean-square or max-abs. @defaultValue 'rms' */
  readonly norm?: 'rms' | 'inf';
}

/** Progress information passed to the callback after every accepted step. */
export interface StepInfo {
  /** Time at the end of the step. */
  readonly t: number;
  /** State at `t` — an internal buffer, valid only during the call; copy it to keep it. */
  readonly y: Float64Array;
  /** Number of accepted steps so far (1 for the first). */
  readonly step: number;
  /** Signed size of the step just taken (up to the event time if a terminal event cut it). */
  readonly dt: number;
}

/** Per-step callback; returning `'stop'` ends the solve with status `'cancelled'` (see {@link SolveOptions.callback}). */
export type StepCallback = (info: StepInfo) => void | 'stop';

/** Options of {@link solve}. Unknown keys are rejected. */
export interface SolveOptions {
  /**
   * Step-size control law.
   * @defaultValue `new PIController()` if the method has an embedded error estimate, else `new ConstantStepSize()`
   */
  readonly controller?: StepSizeController;
  /**
   * Relative tolerance, scalar or per component (length n), each ≥ {@link MIN_RTOL} = 100·eps
   * (smaller values throw a RangeError). Required with a {@link PIController}; not allowed with {@link ConstantStepSize}.
   * @defaultValue none — must be given for adaptive stepping
   */
  readonly rtol?: number | Float64Array;
  /**
   * Absolute tolerance, scalar or per component (length n), each ≥ 0. Required with a
   * {@link PIController}; not allowed with {@link ConstantStepSize}.
   * @defaultValue none — must be given for adaptive stepping
   */
  readonly atol?: number | Float64Array;
  /**
   * Step size magnitude (> 0; its sign follows the span). Required with {@link ConstantStepSize};
   * with a {@link PIController} it is the first step.
   * @defaultValue Hairer's heuristic (`selectInitialStep`) for adaptive solves
   */
  readonly dt0?: number;
  /** Minimum step magnitude of an adaptive solve; below it → `'stepSizeTooSmall'`. @defaultValue 0 (only the 10·eps·|t| floor) */
  readonly dtMin?: number;
  /** Maximum step magnitude of an adaptive solve. @defaultValue Infinity */
  readonly dtMax?: number;
  /** Maximum number of step attempts (accepted + rejected); a positive integer or Infinity. @defaultValue {@link DEFAULT_MAX_STEPS} = 100 000 */
  readonly maxSteps?: number;
  /** What to record. @defaultValue `{ kind: 'final' }` */
  readonly saveAt?: SaveAt;
  /**
   * Store every step's dense output so that `solution.evaluate(t)` works over the whole span.
   * Costs (m + 1)·n doubles per step (m ≤ 7): keep off for large n.
   * @defaultValue false (as diffrax `SaveAt(dense=False)`)
   */
  readonly dense?: boolean;
  /** Event functions located on the dense output. @defaultValue [] */
  readonly events?: readonly EventSpec[];
  /** Stop when ‖f(t, y)‖ < tol at an accepted state. @defaultValue undefined (off) */
  readonly steadyState?: SteadyStateOptions;
  /**
   * Called after every accepted step, including the last (with the event state if a terminal
   * event cut the step). Returning `'stop'` ends the solve with `'cancelled'` unless it ended
   * anyway (event, t1, steady state take precedence). @defaultValue undefined
   */
  readonly callback?: StepCallback;
  /** Throw {@link OdeSolveError} on a failure status instead of returning it. @defaultValue true */
  readonly throwOnFailure?: boolean;
}

/** Fields shared by all solutions. */
export interface SolutionCommon {
  /** Final time reached. */
  readonly t: number;
  /** State at `t` (a fresh copy). */
  readonly y: Float64Array;
  /** Saved times (see `options.saveAt`). */
  readonly ts: Float64Array;
  /** Saved states, one fresh Float64Array per entry of `ts`. */
  readonly ys: readonly Float64Array[];
  /** Times at which `saveAt.fn` was recorded (t0 and every accepted step); empty without `fn`. */
  readonly fnTs: Float64Array;
  /** Values of `saveAt.fn`, aligned with `fnTs`. */
  readonly fnValues: Float64Array;
  /** Located events, in order along the integration. */
  readonly events: readonly LocatedEvent[];
  /** Work counters. */
  readonly stats: SolveStats;
  /**
   * Dense solution y(t) for t between t0 and the final `t` (requires `options.dense = true`).
   * Writes into `out` (length n) if given, else into a new array.
   * @throws {Error} if dense output was not stored; `RangeError` if t is outside the span.
   */
  evaluate(t: number, out?: Float64Array): Float64Array;
}

/** Result of {@link solve}: discriminated on `status`, with that status' fixed message. */
export type Solution = {
  [S in SolveStatus]: SolutionCommon & {
    /** How the solve ended (failures only when `throwOnFailure` is false). */
    readonly status: S;
    /** The fixed sentence of {@link STATUS_MESSAGES} for `status`. */
    readonly message: (typeof STATUS_MESSAGES)[S];
  };
}[SolveStatus];

/** Thrown by {@link solve} for a failure status when `throwOnFailure` is true; carries the partial solution. */
export class OdeSolveError extends Error {
  /** The class name, `'OdeSolveError'`. */
  override name = 'OdeSolveError';
  /** The partial solution (state at the failure). */
  readonly solution: Solution;
  constructor(solution: Solution) {
    super(`${solution.status} at t = ${solution.t}: ${solution.message}`);
    this.solution = solution;
  }
}

const OPTION_KEYS: ReadonlySet<string> = new Set([
  'controller', 'rtol', 'atol', 'dt0', 'dtMin', 'dtMax', 'maxSteps', 'saveAt', 'dense', 'events',
  'steadyState', 'callback', 'throwOnFailure',
]);

function checkTolerance(name: string, v: number | Float64Array, n: number, min: 'positive' | 'nonNegative'): void {
  const ok = (x: number): boolean => Number.isFinite(x) && (min === 'positive' ? x > 0 : x >= 0);
  const rule = min === 'positive' ? '> 0' : '≥ 0';
  if (typeof v === 'number') {
    if (!ok(v)) throw new RangeError(`options.${name} must be ${rule} and finite, got ${v}`);
  } else if (v instanceof Float64Array) {
    if (v.length !== n) throw new RangeError(`options.${name} has length ${v.length}, must be a scalar or have length n = ${n}`);
    v.forEach((x, i) => {
      if (!ok(x)) throw new RangeError(`options.${name}[${i}] must be ${rule} and finite, got ${x}`);
    });
  } else {
    throw new TypeError(`options.${name} must be a number or a Float64Array, got ${typeof v}`);
  }
}

function checkRtolFloor(rtol: number | Float64Array): void {
  const values = typeof rtol === 'number' ? [rtol] : Array.from(rtol);
  values.forEach((r, i) => {
    if (r < MIN_RTOL) {
      const where = typeof rtol === 'number' ? 'options.rtol' : `options.rtol[${i}]`;
      throw new RangeError(
        `${where} = ${r} is below 100·eps = ${MIN_RTOL.toExponential(3)} (MIN_RTOL), which double precision cannot deliver: use rtol ≥ MIN_RTOL (and atol for absolute accuracy)`,
      );
    }
  });
}

function checkPositive(name: string, v: unknown, allowInfinity: boolean): number {
  if (typeof v !== 'number' || Number.isNaN(v) || !(v > 0) || (!allowInfinity && !Number.isFinite(v))) {
    throw new RangeError(`options.${name} must be > 0${allowInfinity ? '' : ' and finite'}, got ${String(v)}`);
  }
  return v;
}

function normOf(v: Float64Array, kind: 'rms' | 'inf'): number {
  let s = 0;
  if (kind === 'inf') {
    // Math.max propagates NaN, so a NaN component never passes the steady-state test.
    for (let k = 0; k < v.length; k++) s = Math.max(s, Math.abs(v[k] as number));
    return s;
  }
  for (let k = 0; k < v.length; k++) s += (v[k] as number) * (v[k] as number);
  return Math.sqrt(s / v.length);
}

/** True iff every entry is finite (0·x is 0 for finite x and NaN otherwise). */
function allFinite(v: Float64Array): boolean {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += (v[k] as number) * 0;
  return s === 0;
}

/**
 * Integrate y′ = f(t, y), y(t0) = y0 over [t0, t1] (t1 < t0 integrates backward).
 *
 * @param field - vector field, writes f(t, y) into `out`, allocation-free (see {@link VectorField}).
 * @param y0 - initial state, length n ≥ 1, finite (not modified).
 * @param span - `[t0, t1]`, finite; t0 = t1 returns immediately.
 * @param method - an explicit RK tableau (`euler`, `rk4`, `bosh3`, `dopri5`, `tsit5`, `dop853`, …),
 *   `rosenbrock(rodas4, { linearSolver })` or `radau5({ jac })` for stiff problems, or `exponential(etd4, { ell, scaleRef })`
 *   for semilinear problems y′ = ℓ ⊙ y + N(t, y) — then `field` is N alone.
 * @param options - see {@link SolveOptions}.
 * @returns a {@link Solution} (discriminated on `status`).
 * @throws {TypeError | RangeError} for invalid arguments, naming the field (e.g. "options.rtol must be > 0 and finite, got -1", "y0[3] is NaN, must be finite").
 * @throws {OdeSolveError} for a failure status when `throwOnFailure` is true (the default).
 */
export function solve(
  field: VectorField,
  y0: Float64Array,
  span: readonly [number, number],
  method: Method,
  options: SolveOptions = {},
): Solution {
  // ---- validation at the boundary -------------------------------------------------------------
  if (typeof field !== 'function') throw new TypeError('field must be a function (t, y, out) => void');
  if (!(y0 instanceof Float64Array)) throw new TypeError('y0 must be a Float64Array');
  const n = y0.length;
  if (n === 0) throw new RangeError('y0 must have at least one component');
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y0[i])) throw new RangeError(`y0[${i}] is ${y0[i]}, must be finite`);
  }
  if (!Array.isArray(span) || span.length !== 2) throw new TypeError('span must be a pair [t0, t1]');
  const [t0, t1] = span;
  if (typeof t0 !== 'number' || !Number.isFinite(t0)) throw new RangeError(`span[0] (t0) must be finite, got ${String(t0)}`);
  if (typeof t1 !== 'number' || !Number.isFinite(t1)) throw new RangeError(`span[1] (t1) must be finite, got ${String(t1)}`);
  if (method === null || typeof method !== 'object' || (method.kind !== 'explicitRK' && method.kind !== 'rosenbrock' && method.kind !== 'exponential' && method.kind !== 'radau5' && method.kind !== 'bdf')) {
    throw new TypeError('method must be a Butcher tableau (e.g. dopri5), rosenbrock(rodas4, { linearSolver }), radau5({ jac }), bdf({ jac }) or exponential(etd4, { ell })');
  }
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new RangeError(`options.${key} is not a solve option (known: ${[...OPTION_KEYS].join(', ')})`);
  }
  const stepper = stepperOf(method);
  const {
    controller = stepper.errorOrder !== undefined ? new PIController() : new ConstantStepSize(),
    rtol,
    atol,
    dt0,
    dtMin = 0,
    dtMax = Infinity,
    maxSteps = DEFAULT_MAX_STEPS,
    saveAt = { kind: 'final' } as SaveAt,
    dense = false,
    events = [],
    steadyState,
    callback,
    throwOnFailure = true,
  } = options;

  if (!(controller instanceof PIController) && !(controller instanceof ConstantStepSize)) {
    throw new TypeError('options.controller must be a PIController or a ConstantStepSize');
  }
  const adaptive = controller instanceof PIController;
  if (adaptive) {
    if (stepper.errorOrder === undefined) {
      throw new RangeError(`method ${stepper.name} has no embedded error estimate: use options.controller = new ConstantStepSize() with options.dt0`);
    }
    if (rtol === undefined) throw new RangeError('options.rtol is required with an adaptive (PI) controller: there is no default tolerance');
    if (atol === undefined) throw new RangeError('options.atol is required with an adaptive (PI) controller: there is no default tolerance');
    checkTolerance('rtol', rtol, n, 'positive');
    checkRtolFloor(rtol);
    checkTolerance('atol', atol, n, 'nonNegative');
    if (dt0 !== undefined) checkPositive('dt0', dt0, false);
    if (typeof dtMin !== 'number' || !(dtMin >= 0) || !Number.isFinite(dtMin)) throw new RangeError(`options.dtMin must be ≥ 0 and finite, got ${String(dtMin)}`);
    checkPositive('dtMax', dtMax, true);
    if (dtMin > dtMax) throw new RangeError(`options.dtMin (${dtMin}) must not exceed options.dtMax (${dtMax})`);
  } else {
    for (const key of ['rtol', 'atol', 'dtMin', 'dtMax'] as const) {
      if (options[key] !== undefined) throw new RangeError(`options.${key} has no effect with ConstantStepSize; remove it (or use a PIController)`);
    }
    if (dt0 === undefined) throw new RangeError('options.dt0 is required with ConstantStepSize (the fixed step size)');
    checkPositive('dt0', dt0, false);
  }
  if (maxSteps !== Infinity && (typeof maxSteps !== 'number' || !Number.isInteger(maxSteps) || maxSteps < 1)) {
    throw new RangeError(`options.maxSteps must be a positive integer or Infinity, got ${String(maxSteps)}`);
  }
  validateSaveAt(saveAt, t0, t1);
  if (typeof dense !== 'boolean') throw new TypeError('options.dense must be a boolean');
  validateEvents(events);
  if (steadyState !== undefined) {
    if (steadyState === null || typeof steadyState !== 'object') throw new TypeError('options.steadyState must be { tol, norm? }');
    checkPositive('steadyState.tol', steadyState.tol, false);
    if (steadyState.norm !== undefined && steadyState.norm !== 'rms' && steadyState.norm !== 'inf') {
      throw new RangeError(`options.steadyState.norm must be 'rms' or 'inf', got ${String(steadyState.norm)}`);
    }
  }
  if (callback !== undefined && typeof callback !== 'function') throw new TypeError('options.callback must be a function');
  if (typeof throwOnFailure !== 'boolean') throw new TypeError('options.throwOnFailure must be a boolean');
  const denseInfo = stepper.dense;
  if (denseInfo === undefined && (dense || events.length > 0 || saveAt.kind === 'times')) {
    throw new RangeError(`method ${stepper.name} has no dense output, needed by options.dense, options.events and saveAt 'times'`);
  }

  // ---- set-up: every buffer of the loop is allocated here -------------------------------------
  const direction: 1 | -1 = t1 >= t0 ? 1 : -1;
  const y = Float64Array.from(y0);
  const ws = stepper.init(field, t0, y, adaptive, adaptive ? { rtol: rtol as number | Float64Array, atol: atol as number | Float64Array } : undefined);
  const counters = ws.counters;
  const scale = new Float64Array(n);
  const eventBuf = new Float64Array(n);
  const recorder = new SaveRecorder(saveAt, direction);
  const tracker = events.length > 0 ? new EventTracker(events, direction) : undefined;
  const history = dense && denseInfo !== undefined ? new DenseHistory(n, denseInfo.basis, denseInfo.size, direction) : undefined;
  const located: LocatedEvent[] = [];
  const steadyNorm = steadyState?.norm ?? 'rms';
  const pi = adaptive ? new PIState(controller, stepper.errorOrder as number) : undefined;
  const rtolV = rtol ?? 0;
  const atolV = atol ?? 0;

  let t = t0;
  let accepted = 0;
  let rejected = 0;
  let attempts = 0;
  let nonFiniteStreak = 0;

  const finish = (status: SolveStatus, tEnd: number, yEnd: Float64Array): Solution => {
    const saved = recorder.finish(tEnd, yEnd);
    const tFinal = tEnd;
    const y0Copy = Float64Array.from(y0);
    const solution = {
      status,
      message: STATUS_MESSAGES[status],
      t: tFinal,
      y: Float64Array.from(yEnd),
      ts: saved.ts,
      ys: saved.ys,
      fnTs: saved.fnTs,
      fnValues: saved.fnValues,
      events: located,
      stats: {
        nfev: counters.nfev,
        njev: counters.njev,
        nlinsolve: counters.nlinsolve,
        nfactor: counters.nfactor,
        coefficientFills: counters.coefficientFills,
        accepted,
        rejected,
      },
      evaluate(tq: number, out?: Float64Array): Float64Array {
        if (history === undefined) throw new Error('solution.evaluate needs the dense output: pass options.dense = true to solve');
        if (!Number.isFinite(tq) || direction * (tq - t0) < 0 || direction * (tq - tFinal) > 0) {
          throw new RangeError(`solution.evaluate: t = ${tq} lies outside the solved span [${t0}, ${tFinal}]`);
        }
        const o = out ?? new Float64Array(n);
        if (o.length !== n) throw new RangeError(`solution.evaluate: out has length ${o.length}, must be n = ${n}`);
        if (history.length === 0 || tq === t0) {
          o.set(y0Copy);
          return o;
        }
        return history.evaluate(tq, o);
      },
    } as Solution;
    if (throwOnFailure && FAILURE_STATUSES.includes(status)) throw new OdeSolveError(solution);
    return solution;
  };

  recorder.start(t0, y);
  tracker?.start(t0, y);
  if (t0 === t1) return finish('success', t, y);
  if (steadyState !== undefined && normOf(ws.f, steadyNorm) < steadyState.tol) return finish('steadyState', t, y);

  // Step size magnitude.
  let hAbs: number;
  if (adaptive) {
    if (dt0 !== undefined) hAbs = dt0;
    else if (stepper.initialStep !== undefined) hAbs = stepper.initialStep(ws, t0, y, t1, rtolV, atolV);
    else {
      hAbs = selectInitialStep(field, t0, y, ws.f, t1, stepper.errorOrder as number, rtolV, atolV, dtMax, {
        y1: ws.yNew,
        f1: ws.fNew === ws.f ? new Float64Array(n) : ws.fNew,
        scale,
      });
      counters.nfev++;
    }
    hAbs = Math.min(hAbs, dtMax);
  } else {
    hAbs = dt0 as number;
  }
  const dtFixed = hAbs;
  const snap = CONSTANT_STEP_SNAP * dtFixed + 4 * Number.EPSILON * Math.max(Math.abs(t0), Math.abs(t1));

  // The current step's interpolant; dense coefficients are computed at most once per step and
  // only if something (history, saveAt times, events) asks for them.
  let stepT = t0;
  let stepH = 0;
  let stepTNew = t0;
  let denseReady = false;
  const ensureDense = (): Float64Array => {
    if (!denseReady) {
      stepper.denseCoefficients(ws, stepT, y, stepH);
      denseReady = true;
    }
    return ws.dense;
  };
  const interp = (tq: number, out: Float64Array): Float64Array => {
    if (tq === stepTNew) {
      out.set(ws.yNew);
      return out;
    }
    const info = denseInfo as NonNullable<typeof denseInfo>;
    return evaluateDense(info.basis, info.size, n, ensureDense(), 0, y, 0, (tq - stepT) / stepH, out);
  };

  for (;;) {
    if (attempts >= maxSteps) return finish('maxStepsReached', t, y);

    // ---- propose the step ----------------------------------------------------------------------
    let h: number;
    let tNew: number;
    if (adaptive) {
      hAbs = Math.min(hAbs, dtMax);
      const minStep = Math.max(dtMin, MIN_STEP_EPS_FACTOR * Number.EPSILON * Math.abs(t));
      if (hAbs < minStep && direction * (t1 - t) > minStep) return finish('stepSizeTooSmall', t, y);
      h = direction * hAbs;
      tNew = t + h;
      if (direction * (tNew - t1) >= 0) {
        tNew = t1;
        h = t1 - t;
      }
    } else {
      // Exactly h = ±dt0 per step (gradient descent with learning rate dt0); t is t0 + k·dt0.
      h = direction * dtFixed;
      tNew = t0 + (accepted + 1) * h;
      if (direction * (t1 - tNew) <= snap) {
        tNew = t1;
        if (direction * (t1 - t) < dtFixed - snap || direction * (t1 - t) > dtFixed + snap) h = t1 - t;
      }
    }
    attempts++;

    // ---- attempt -------------------------------------------------------------------------------
    const result = stepper.step(ws, t, y, h);
    const finite = result !== undefined && allFinite(ws.yNew);
    if (pi !== undefined) {
      let err = NaN;
      if (finite) {
        if (stepper.errorScale !== undefined) stepper.errorScale(ws, scale, rtolV, atolV, y, ws.yNew);
        else errorScale(scale, rtolV, atolV, y, ws.yNew);
        err = stepper.errorNorm(ws, scale);
      }
      if (!Number.isFinite(err)) {
        rejected++;
        nonFiniteStreak++;
        if (nonFiniteStreak > MAX_NONFINITE_RETRIES) return finish('nonFiniteState', t, y);
        hAbs = Math.abs(h) * pi.reject(err);
        continue;
      }
      nonFiniteStreak = 0;
      if (err > 1) {
        rejected++;
        hAbs = Math.abs(h) * (stepper.stepFactor !== undefined ? stepper.stepFactor(ws, err, h, false) : pi.reject(err));
        continue;
      }
      hAbs = Math.abs(h) * (stepper.stepFactor !== undefined ? stepper.stepFactor(ws, err, h, true) : pi.accept(err, ws.deadBand));
    } else if (!finite) {
      return finish('nonFiniteState', t, y);
    }

    // ---- accepted step (t, y) → (tNew, yNew) ---------------------------------------------------
    accepted++;
    stepper.complete(ws, t, h);
    const yNew = ws.yNew;
    stepT = t;
    stepH = h;
    stepTNew = tNew;
    denseReady = false;
    if (history !== undefined) history.push(t, h, y, ensureDense());

    let tEnd = tNew;
    let yEnd = yNew;
    let terminal = false;
    if (tracker !== undefined) {
      const crossings = tracker.step(t, tNew, yNew, interp, eventBuf);
      for (const c of crossings) {
        const yc = interp(c.t, new Float64Array(n));
        const isTerminal = tracker.isTerminal(c.index);
        located.push(Object.freeze({ index: c.index, name: tracker.name(c.index), t: c.t, y: yc, direction: c.direction, terminal: isTerminal }));
        if (isTerminal) {
          terminal = true;
          tEnd = c.t;
          yEnd = yc;
        }
      }
    }
    recorder.step(tEnd, yEnd, interp);
    const stop = callback !== undefined && callback({ t: tEnd, y: yEnd, step: accepted, dt: terminal ? tEnd - t : h }) === 'stop';
    if (terminal) return finish('event', tEnd, yEnd);
    if (tNew === t1) return finish('success', tNew, yNew);
    if (steadyState !== undefined && normOf(ws.fNew, steadyNorm) < steadyState.tol) return finish('steadyState', tNew, yNew);
    if (stop) return finish('cancelled', tNew, yNew);
    y.set(yNew);
    stepper.advance(ws);
    t = tNew;
  }
}
