/**
 * Step-size controllers (diffrax `ConstantStepSize` / `PIDController`, scipy `rk.py` constants)
 * and Hairer's automatic initial step (scipy `select_initial_step`).
 *
 * A controller object holds only the control law. The tolerances (`rtol`, `atol`) and step
 * bounds (`dtMin`, `dtMax`) are properties of the problem and are passed to `solve` — `rtol` and
 * `atol` are *required* with an adaptive controller: there is no silent default tolerance.
 *
 * The error of a step is measured as ‖err / scale‖_RMS with
 * scale_i = atol_i + rtol_i · max(|y_i|, |y_new,i|) (Hairer, Nørsett & Wanner I, §II.4, (4.10)–(4.11));
 * a step is accepted iff that norm is ≤ 1.
 */
import type { VectorField } from './types.js';

/** Multiply asymptotic step-size predictions by this (scipy `SAFETY`). */
export const SAFETY = 0.9;
/** Smallest allowed step-size factor per attempt (scipy `MIN_FACTOR`). */
export const MIN_FACTOR = 0.2;
/** Largest allowed step-size factor per step (scipy `MAX_FACTOR`). */
export const MAX_FACTOR = 10;
/**
 * Default exponent weight of the current error, in units of 1/k, k = errorOrder + 1 (Gustafsson).
 * Kept over the I controller (β₁ = 1, β₂ = 0, scipy's steps exactly) by the bench/ode measurement:
 * the I controller is 0–20 % cheaper at matched error on smooth non-stiff problems, but on
 * stability-bound stepping it rejects far more steps (HIRES with dopri5: 1523 rejections at rtol
 * 1e-3 against 0) and as the default it makes the ZFB flows of tests/flow exhaust maxSteps.
 */
export const PI_BETA1 = 0.7;
/** Default exponent weight of the previous error, in units of 1/k (Gustafsson). */
export const PI_BETA2 = 0.4;
/** Floor applied to the stored previous error, so one tiny error cannot blow up the PI factor (Hairer). */
export const PREVIOUS_ERROR_FLOOR = 1e-4;

/**
 * Fixed steps of size `dt0` (passed to `solve`). With explicit Euler this is gradient descent with
 * learning rate `dt0`. Every step uses exactly h = ±dt0 except a final partial step that lands on t1.
 */
export class ConstantStepSize {
  /** Discriminant. */
  readonly kind = 'constant' as const;
}

/** Options of {@link PIController}; every field defaults to the named constant. */
export interface PIControllerOptions {
  /** Weight of the current error exponent (× 1/k). @defaultValue {@link PI_BETA1} = 0.7 */
  readonly beta1?: number;
  /**
   * Weight of the previous error exponent (× 1/k), in [0, beta1) so that a persistent error
   * err > 1 still shrinks the step (the net exponent is −(β1 − β2)/k); 0 gives the I controller.
   * @defaultValue {@link PI_BETA2} = 0.4
   */
  readonly beta2?: number;
  /** Safety factor in (0, 1]. @defaultValue {@link SAFETY} = 0.9 */
  readonly safety?: number;
  /** Minimum factor per attempt, in (0, 1). @defaultValue {@link MIN_FACTOR} = 0.2 */
  readonly minFactor?: number;
  /** Maximum factor per step, > 1. @defaultValue {@link MAX_FACTOR} = 10 */
  readonly maxFactor?: number;
}

/**
 * Proportional–integral step-size controller (Gustafsson 1991; Hairer & Wanner II, §IV.2;
 * OrdinaryDiffEq `PIController`). After an accepted step with error norm err_n (k = errorOrder + 1):
 *
 *     h_{n+1} = h_n · clamp(safety · err_n^(−β1/k) · err_{n−1}^(β2/k), minFactor, maxFactor),
 *
 * with err_{n−1} floored at {@link PREVIOUS_ERROR_FLOOR} and the factor capped at 1 right after a
 * rejection. A rejected step is retried with the I-controller factor
 * max(minFactor, safety · err^(−1/k)). `beta1 = 1, beta2 = 0` gives scipy's / diffrax's default
 * I controller.
 */
export class PIController {
  /** Discriminant. */
  readonly kind = 'pi' as const;
  /** See {@link PIControllerOptions.beta1}. */
  readonly beta1: number;
  /** See {@link PIControllerOptions.beta2}. */
  readonly beta2: number;
  /** See {@link PIControllerOptions.safety}. */
  readonly safety: number;
  /** See {@link PIControllerOptions.minFactor}. */
  readonly minFactor: number;
  /** See {@link PIControllerOptions.maxFactor}. */
  readonly maxFactor: number;

  /** @throws {RangeError} naming the invalid field. */
  constructor(options: PIControllerOptions = {}) {
    const { beta1 = PI_BETA1, beta2 = PI_BETA2, safety = SAFETY, minFactor = MIN_FACTOR, maxFactor = MAX_FACTOR } = options;
    const check = (name: string, v: number, ok: boolean, rule: string): void => {
      if (typeof v !== 'number' || !Number.isFinite(v) || !ok) throw new RangeError(`PIController: ${name} must be ${rule}, got ${v}`);
    };
    check('beta1', beta1, beta1 > 0, '> 0');
    check('beta2', beta2, beta2 >= 0 && beta2 < beta1, 'in [0, beta1)');
    check('safety', safety, safety > 0 && safety <= 1, 'in (0, 1]');
    check('minFactor', minFactor, minFactor > 0 && minFactor < 1, 'in (0, 1)');
    check('maxFactor', maxFactor, maxFactor > 1, '> 1');
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.safety = safety;
    this.minFactor = minFactor;
    this.maxFactor = maxFactor;
    Object.freeze(this);
  }
}

/** A step-size controller: fixed steps or PI-adaptive. */
export type StepSizeController = ConstantStepSize | PIController;

/**
 * Mutable state of a {@link PIController} during one solve (previous error, last-step-rejected
 * flag). Internal to `solve`; exported for tests.
 */
export class PIState {
  private errPrev = 1;
  private rejectedLast = false;
  private readonly k: number;

  constructor(
    private readonly ctrl: PIController,
    errorOrder: number,
  ) {
    this.k = errorOrder + 1;
  }

  /**
   * Factor for the next step after accepting a step with error norm `err` ≤ 1. With a dead band
   * b > 1 (the stepper's `deadBand`), a factor in [1, b] becomes 1 and one in (1/b, 1) becomes 1/b.
   */
  accept(err: number, deadBand = 1): number {
    const c = this.ctrl;
    let factor: number;
    if (err === 0) factor = c.maxFactor;
    else {
      factor = c.safety * Math.pow(err, -c.beta1 / this.k) * Math.pow(this.errPrev, c.beta2 / this.k);
      factor = Math.min(c.maxFactor, Math.max(c.minFactor, factor));
    }
    if (this.rejectedLast) factor = Math.min(1, factor);
    this.errPrev = Math.max(err, PREVIOUS_ERROR_FLOOR);
    this.rejectedLast = false;
    if (deadBand > 1) {
      if (factor >= 1 && factor <= deadBand) factor = 1;
      else if (factor < 1 && factor > 1 / deadBand) factor = 1 / deadBand;
    }
    return factor;
  }

  /** Factor (< 1) for retrying after rejecting a step with error norm `err` > 1 (or non-finite). */
  reject(err: number): number {
    const c = this.ctrl;
    this.rejectedLast = true;
    if (!Number.isFinite(err)) return c.minFactor;
    return Math.min(c.safety, Math.max(c.minFactor, c.safety * Math.pow(err, -1 / this.k)));
  }
}

/**
 * Fill `scale` with atol_i + rtol_i · max(|y_i|, |yNew_i|) (pass `y` twice for a single state).
 * With `ref`, the state is a deviation from it and the scale is relative to the full state:
 * atol_i + rtol_i · max(|ref_i + y_i|, |ref_i + yNew_i|).
 */
export function errorScale(
  scale: Float64Array,
  rtol: number | Float64Array,
  atol: number | Float64Array,
  y: Float64Array,
  yNew: Float64Array,
  ref?: Float64Array,
): Float64Array {
  const rs = typeof rtol === 'number';
  const as = typeof atol === 'number';
  for (let k = 0; k < scale.length; k++) {
    const r = rs ? rtol : (rtol[k] as number);
    const a = as ? atol : (atol[k] as number);
    const o = ref === undefined ? 0 : (ref[k] as number);
    scale[k] = a + r * Math.max(Math.abs(o + (y[k] as number)), Math.abs(o + (yNew[k] as number)));
  }
  return scale;
}

/** Σ_k (v_k / scale_k)², with 0/0 counted as 0 (a component with zero scale and zero error). */
export function scaledSquares(v: Float64Array, scale: Float64Array): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) {
    const sc = scale[k] as number;
    const e = v[k] as number;
    const r = sc > 0 ? e / sc : e === 0 ? 0 : Infinity;
    s += r * r;
  }
  return s;
}

/** ‖v/scale‖_RMS, the norm of every error test and of the initial-step heuristic. */
export function rmsScaled(v: Float64Array, scale: Float64Array): number {
  return Math.sqrt(scaledSquares(v, scale) / v.length);
}

/**
 * Hairer's initial step-size heuristic (Hairer, Nørsett & Wanner I, §II.4, "Starting step size";
 * scipy `select_initial_step`): from d0 = ‖y0‖, d1 = ‖f0‖, an explicit Euler probe of size
 * h0 = 0.01·d0/d1 and d2 = ‖f(t0 + h0, y0 + h0 f0) − f0‖ / h0 (norms scaled by atol + rtol|y0|),
 * returns min(100 h0, (0.01 / max(d1, d2))^{1/(order+1)}, |t1 − t0|, dtMax) (magnitude, > 0).
 * Costs one evaluation of `field`.
 *
 * @param order - order of the error estimator (errorOrder).
 * @param work - two scratch buffers of length n (the probe state and its derivative).
 */
export function selectInitialStep(
  field: VectorField,
  t0: number,
  y0: Float64Array,
  f0: Float64Array,
  t1: number,
  order: number,
  rtol: number | Float64Array,
  atol: number | Float64Array,
  dtMax: number,
  work: { readonly y1: Float64Array; readonly f1: Float64Array; readonly scale: Float64Array },
): number {
  const interval = Math.abs(t1 - t0);
  if (interval === 0) return 0;
  const direction = Math.sign(t1 - t0);
  const { y1, f1, scale } = work;
  errorScale(scale, rtol, atol, y0, y0);
  const d0 = rmsScaled(y0, scale);
  const d1 = rmsScaled(f0, scale);
  let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  h0 = Math.min(h0, interval);
  for (let k = 0; k < y0.length; k++) y1[k] = (y0[k] as number) + h0 * direction * (f0[k] as number);
  field(t0 + h0 * direction, y1, f1);
  for (let k = 0; k < y0.length; k++) y1[k] = (f1[k] as number) - (f0[k] as number);
  const d2 = rmsScaled(y1, scale) / h0;
  const h1 = d1 <= 1e-15 && d2 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / Math.max(d1, d2), 1 / (order + 1));
  const h = Math.min(100 * h0, h1, interval, dtMax);
  // A non-finite probe (e.g. f overflowing) must not poison the start: fall back to the bounded guess.
  return Number.isFinite(h) && h > 0 ? h : Math.min(h0, interval, dtMax);
}
