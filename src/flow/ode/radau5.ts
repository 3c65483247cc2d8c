/**
 * RADAU5: the 3-stage Radau IIA collocation method of order 5 (stiffly accurate, L-stable), with
 * Hairer & Wanner's implementation design (Hairer & Wanner, *Solving ODEs II*, 2nd ed., §IV.8, and
 * their Fortran code `radau5.f`; facts cross-checked against scipy `integrate/_ivp/radau.py`):
 *
 * - **Transformed Newton system.** The stage system Z = h(A ⊗ I)F(Z) is solved by simplified Newton
 *   iterations in W = (T⁻¹ ⊗ I)Z, where T⁻¹A⁻¹T = diag(μ_r, [[α, β], [−β, α]]) (one real eigenvalue
 *   μ_r of A⁻¹ and a complex pair α ± iβ). The 3n×3n iteration matrix splits into one real n×n
 *   system (μ_r/h·I − J) and one complex n×n system ((α − iβ)/h·I − J), each LU-factored once and
 *   reused across iterations, rejected steps (with the same h) and accepted steps.
 * - **Jacobian and LU reuse.** J = ∂f/∂y (analytic if given, else forward differences, n evaluations
 *   of f) is kept after an accepted step whose Newton iteration contracted fast (θ ≤
 *   {@link RADAU_JACOBIAN_REUSE_THETA}); the factorizations are kept as well when the proposed step
 *   factor lies in [1, {@link RADAU_KEEP_STEP_MAX}] (the step is then left unchanged).
 * - **Newton control.** Starting values extrapolate the previous step's collocation polynomial;
 *   convergence is judged by the contraction estimate θ (stop when θ/(1 − θ)·‖ΔW‖ ≤ κ, κ =
 *   max(10·eps/rtol, min(0.03, √rtol))); a diverging (θ ≥ 0.99) or too slow iteration ends the
 *   attempt early with a reduced step, and at most {@link RADAU_NEWTON_MAX_ITER} iterations are done.
 * - **Error estimate** of order 3 with the stiff filter: err = (μ_r/h·I − J)⁻¹ (f(t, y) + Σ e_i Z_i / h)
 *   (H&W §IV.8, radau5.f ESTRAD); after a rejection (or on the first step) an estimate > 1 is recomputed
 *   once with f(t, y + err) in place of f(t, y) (same source).
 * - **Step size** by Gustafsson's predictive controller (H&W §IV.8; K. Gustafsson, ACM TOMS 20
 *   (1994) 496–517) with safety factor 0.9·(2·NIT + 1)/(2·NIT + newt), which shrinks when Newton
 *   needed many iterations; h_new/h is clamped to [0.2, 8] and h_new ≤ h right after a rejection
 *   (the method's own law, through {@link Stepper.stepFactor}).
 * - **Dense output**: the collocation polynomial (cubic through y₀ and the three stage values),
 *   y(t₀ + θh) = y₀ + Σ_j r_j θ^{j+1} with r = Zᵀ P (monomial basis, scipy `RadauDenseOutput`).
 *
 * The method is fully implicit, so non-autonomous fields need no ∂f/∂t. With `ConstantStepSize` each
 * step solves its Newton system to near round-off ({@link RADAU_FIXED_STEP_NEWTON_TOL}, up to
 * {@link RADAU_FIXED_STEP_NEWTON_MAX_ITER} iterations); a Newton failure then ends the solve with
 * status `'nonFiniteState'` (there is no smaller step to retry with).
 *
 * References: E. Hairer, G. Wanner, *Solving Ordinary Differential Equations II: Stiff and
 * Differential-Algebraic Problems*, 2nd ed., Springer 1996, §IV.8 (RADAU5); the transformation
 * matrices T, T⁻¹ and the dense-output matrix P as in scipy `integrate/_ivp/radau.py`.
 */
import { rmsScaled } from './controller.js';
import { forwardDifferenceJacobianInto, luFactorInPlace, luSolveInPlace, type DenseJacobian } from './linsolve.js';
import type { StepCounters, Stepper, StepWorkspace, Tolerances, VectorField } from './types.js';

const S6 = Math.sqrt(6);

/** Nodes c of Radau IIA (order 5): (4 − √6)/10, (4 + √6)/10, 1. */
export const RADAU_C: readonly number[] = Object.freeze([(4 - S6) / 10, (4 + S6) / 10, 1]);

/** Coefficient matrix A of Radau IIA (order 5), rows per stage (for tests; the stepper uses T, T⁻¹). */
export const RADAU_A: readonly (readonly number[])[] = Object.freeze([
  Object.freeze([(88 - 7 * S6) / 360, (296 - 169 * S6) / 1800, (-2 + 3 * S6) / 225]),
  Object.freeze([(296 + 169 * S6) / 1800, (88 + 7 * S6) / 360, (-2 - 3 * S6) / 225]),
  Object.freeze([(16 - S6) / 36, (16 + S6) / 36, 1 / 9]),
]);

/** Error-estimate weights e (H&W §IV.8, radau5.f DD1–DD3, scipy `E`): err uses Σ e_i Z_i / h. */
export const RADAU_E: readonly number[] = Object.freeze([(-13 - 7 * S6) / 3, (-13 + 7 * S6) / 3, -1 / 3]);

/** Real eigenvalue μ_r = 3 + 3^{2/3} − 3^{1/3} of A⁻¹. */
export const RADAU_MU_REAL: number = 3 + Math.cbrt(9) - Math.cbrt(3);
/** Real part α of the complex eigenvalue pair α ± iβ of A⁻¹. */
export const RADAU_MU_COMPLEX_RE: number = 3 + 0.5 * (Math.cbrt(3) - Math.cbrt(9));
/** Imaginary part β (> 0) of the complex eigenvalue pair α ± iβ of A⁻¹. */
export const RADAU_MU_COMPLEX_IM: number = 0.5 * (Math.pow(3, 5 / 6) + Math.pow(3, 7 / 6));

/** T with T⁻¹ A⁻¹ T = [[μ_r, 0, 0], [0, α, β], [0, −β, α]] (scipy `T`), i.e. (α − iβ) acts on W₁ + iW₂. */
export const RADAU_T: readonly (readonly number[])[] = Object.freeze([
  Object.freeze([0.09443876248897524, -0.14125529502095421, 0.03002919410514742]),
  Object.freeze([0.25021312296533332, 0.20412935229379994, -0.38294211275726192]),
  Object.freeze([1, 1, 0]),
]);
/** T⁻¹ (scipy `TI`). */
export const RADAU_TI: readonly (readonly number[])[] = Object.freeze([
  Object.freeze([4.17871859155190428, 0.32768282076106237, 0.52337644549944951]),
  Object.freeze([-4.17871859155190428, -0.32768282076106237, 0.47662355450055044]),
  Object.freeze([0.50287263494578682, -2.57192694985560522, 0.59603920482822492]),
]);
/** Dense output P, rows per stage, columns θ, θ², θ³: r = Zᵀ P (scipy `P`). */
export const RADAU_P: readonly (readonly number[])[] = Object.freeze([
  Object.freeze([13 / 3 + (7 * S6) / 3, -23 / 3 - (22 * S6) / 3, 10 / 3 + 5 * S6]),
  Object.freeze([13 / 3 - (7 * S6) / 3, -23 / 3 + (22 * S6) / 3, 10 / 3 - 5 * S6]),
  Object.freeze([1 / 3, -8 / 3, 10 / 3]),
]);

/** Maximum simplified-Newton iterations per attempt (`radau5.f` NIT). */
export const RADAU_NEWTON_MAX_ITER = 7;
/** Keep J after an accepted step whose Newton contraction θ is at most this (`radau5.f` THET). */
export const RADAU_JACOBIAN_REUSE_THETA = 0.001;
/** Keep h (and the LU factors) when the proposed factor lies in [1, this] (`radau5.f` QUOT2; QUOT1 = 1). */
export const RADAU_KEEP_STEP_MAX = 1.2;
/** Smallest step factor h_new/h per attempt (`radau5.f` FACL = 5, i.e. h_new ≥ h/5). */
export const RADAU_MIN_FACTOR = 0.2;
/** Largest step factor h_new/h per step (`radau5.f` FACR = 1/8, i.e. h_new ≤ 8h). */
export const RADAU_MAX_FACTOR = 8;
/** Safety factor of the step-size law (`radau5.f` SAFE). */
export const RADAU_SAFETY = 0.9;
/** Step factor after a Newton failure (divergence or NIT iterations without convergence). */
export const RADAU_NEWTON_FAILURE_FACTOR = 0.5;
/** Step factor after the very first attempt is rejected (`radau5.f`: h ← h/10). */
export const RADAU_FIRST_REJECT_FACTOR = 0.1;
/** Newton contraction at or above which the iteration is declared divergent. */
export const RADAU_DIVERGENCE_THETA = 0.99;
/**
 * Newton iteration cap of fixed-step solves, which have no smaller step to fall back on: the
 * iteration continues while it contracts (θ < {@link RADAU_DIVERGENCE_THETA}) up to this many times.
 */
export const RADAU_FIXED_STEP_NEWTON_MAX_ITER = 50;
/**
 * Newton scale of fixed-step solves (no rtol/atol): ‖ΔW‖ is measured against 1e-12·(1 + |y|), so the
 * stage system is solved to ≈ 1e-14 relative.
 */
export const RADAU_FIXED_STEP_NEWTON_TOL = 1e-12;
/**
 * Error norm reported for an attempt whose Newton iteration failed: finite and > 1, so `solve`
 * rejects the attempt without counting it as non-finite; {@link Stepper.stepFactor} then returns
 * the Newton-failure factor.
 */
export const RADAU_NEWTON_FAILURE_NORM: number = Number.MAX_VALUE;
/** Floor of the error norm (`radau5.f`: ERR = max(ERR, 1e-10)), so the step factor stays bounded. */
export const RADAU_ERROR_FLOOR = 1e-10;

/** RADAU5 ready for `solve`: `solve(f, y0, span, radau5({ jac }), { rtol, atol })`. */
export interface Radau5Method {
  /** Discriminant of the `Method` union accepted by `solve`. */
  readonly kind: 'radau5';
  /** Dense Jacobian ∂f/∂y, or `undefined` for forward differences (n evaluations of f each). */
  readonly jac: DenseJacobian | undefined;
}

/** Options of {@link radau5}. */
export interface Radau5Options {
  /**
   * Dense Jacobian ∂f/∂y, shape [n, n] row-major (see {@link DenseJacobian}).
   * @defaultValue `undefined` — forward differences with Hairer's increment √(eps·max(1e-5, |y_j|)),
   * n evaluations of f per Jacobian (counted in `nfev`).
   */
  readonly jac?: DenseJacobian;
}

/**
 * RADAU5 (Radau IIA, 3 stages, order 5, error order 3, dense output order 3) for `solve`.
 * Dense linear algebra: O(n³) per factorization pair, O(n²) per Newton iteration — for small and
 * moderate n.
 *
 * @throws {TypeError} if `options.jac` is given and not a function.
 */
export function radau5(options: Radau5Options = {}): Radau5Method {
  if (options === null || typeof options !== 'object') throw new TypeError('radau5: options must be an object');
  const jac = options.jac;
  if (jac !== undefined && typeof jac !== 'function') throw new TypeError(`radau5: options.jac must be a function (t, y, outJ) => void, got ${String(jac)}`);
  return Object.freeze({ kind: 'radau5' as const, jac });
}

/** Workspace of the RADAU5 stepper (allocated once by `init`). */
export interface Radau5Workspace extends StepWorkspace {
  /** The vector field. */
  readonly field: VectorField;
  /** J = ∂f/∂y, shape [n, n]. */
  readonly J: Float64Array;
  /** LU of μ_r/h·I − J in place, shape [n, n]. */
  readonly Mr: Float64Array;
  /** Real part of the LU of (α − iβ)/h·I − J in place, shape [n, n]. */
  readonly McRe: Float64Array;
  /** Imaginary part of the LU of (α − iβ)/h·I − J in place, shape [n, n]. */
  readonly McIm: Float64Array;
  /** Row pivots of the real factorization (length n). */
  readonly pivR: Int32Array;
  /** Row pivots of the complex factorization (length n). */
  readonly pivC: Int32Array;
  /** Stage increments Z_i = Y_i − y, shape [3, n]. */
  readonly Z: Float64Array;
  /** Transformed increments W = (T⁻¹ ⊗ I) Z, shape [3, n]. */
  readonly W: Float64Array;
  /** Stage values f(t + c_i h, y + Z_i), shape [3, n]. */
  readonly F: Float64Array;
  /** Newton corrections ΔW, shape [3, n]. */
  readonly dW: Float64Array;
  /** Views of the rows of F (created once, so a step allocates nothing). */
  readonly Frows: readonly [Float64Array, Float64Array, Float64Array];
  /** Views of the rows of ΔW. */
  readonly dWrows: readonly [Float64Array, Float64Array, Float64Array];
  /** Stage argument / scratch (length n). */
  readonly tmp: Float64Array;
  /** Newton scale atol + rtol·|y| (length n). */
  readonly newtonScale: Float64Array;
  /** Error estimate (length n). */
  readonly err: Float64Array;
  /** Σ e_i Z_i / h, kept for the refined estimate (length n). */
  readonly ze: Float64Array;
  /** Whether `step` computes the error estimate. */
  readonly errorEstimate: boolean;
  /** Relative tolerance of the Newton scale. */
  readonly rtol: number | Float64Array;
  /** Absolute tolerance of the Newton scale. */
  readonly atol: number | Float64Array;
  /** Newton stopping tolerance κ on the scaled norm. */
  readonly newtonTol: number;
  /** Start time of the attempt in progress (set by `step`). */
  t: number;
  /** Start state of the attempt in progress (the caller's buffer, read-only). */
  y: Float64Array;
  /** Signed step size of the attempt in progress. */
  h: number;
  /** J has been evaluated at least once. */
  haveJ: boolean;
  /** J was evaluated at the current accepted state. */
  jacCurrent: boolean;
  /** Evaluate J afresh at the start of the next attempt. */
  needJac: boolean;
  /** Step size of the current factorizations (NaN: none valid). */
  luH: number;
  /** Newton convergence-rate factor θ/(1 − θ), carried across steps (`radau5.f` FACCON). */
  faccon: number;
  /** Last contraction estimate θ. */
  theta: number;
  /** Newton iterations of the last attempt. */
  newt: number;
  /** The last attempt's Newton iteration failed. */
  newtonFailed: boolean;
  /** Step factor to apply after that failure. */
  failFactor: number;
  /** No step accepted yet. */
  first: boolean;
  /** The last attempt was rejected. */
  rejectedLast: boolean;
  /** |h| of the last accepted step (Gustafsson's controller), NaN before the first. */
  hAcc: number;
  /** max(1e-2, error norm) of the last accepted step (Gustafsson's controller). */
  errAcc: number;
  /** Signed size of the last accepted step, whose collocation polynomial (`dense`) gives starting values; NaN before. */
  hOld: number;
}

const RC = RADAU_C as readonly [number, number, number];
const RE = RADAU_E as readonly [number, number, number];
const [T0, T1, T2] = RADAU_T as readonly [readonly number[], readonly number[], readonly number[]];
const [TI0, TI1, TI2] = RADAU_TI as readonly [readonly number[], readonly number[], readonly number[]];

/** out = (R ⊗ I_n)·inp for the 3×3 matrix with rows R0, R1, R2 and the three stage blocks of `inp` ([3n]). */
function stageTransform(out: Float64Array, R0: readonly number[], R1: readonly number[], R2: readonly number[], inp: Float64Array, n: number): void {
  for (let k = 0; k < n; k++) {
    const v0 = inp[k] as number;
    const v1 = inp[n + k] as number;
    const v2 = inp[2 * n + k] as number;
    out[k] = (R0[0] as number) * v0 + (R0[1] as number) * v1 + (R0[2] as number) * v2;
    out[n + k] = (R1[0] as number) * v0 + (R1[1] as number) * v1 + (R1[2] as number) * v2;
    out[2 * n + k] = (R2[0] as number) * v0 + (R2[1] as number) * v1 + (R2[2] as number) * v2;
  }
}

/** LU with partial pivoting of the n×n row-major M in place; false if a pivot is ≤ n·eps·max|M_ij| or M is non-finite. */
function luReal(M: Float64Array, piv: Int32Array, n: number): boolean {
  let scale = 0;
  for (let k = 0; k < n * n; k++) scale = Math.max(scale, Math.abs(M[k] as number));
  if (!Number.isFinite(scale)) return false;
  return luFactorInPlace(M, piv, n, n * Number.EPSILON * scale);
}

/** b ← M⁻¹ b with the factors of {@link luReal}. */
function solveReal(M: Float64Array, piv: Int32Array, n: number, b: Float64Array): void {
  luSolveInPlace(M, piv, n, b);
}

/**
 * Complex LU with partial pivoting (pivot by |Re| + |Im|, as Hairer's DECC) of M = Re + i·Im in
 * place; false if a pivot is ≤ n·eps·max(|Re_ij| + |Im_ij|) or M is non-finite.
 */
function luComplex(Re: Float64Array, Im: Float64Array, piv: Int32Array, n: number): boolean {
  let scale = 0;
  for (let k = 0; k < n * n; k++) scale = Math.max(scale, Math.abs(Re[k] as number) + Math.abs(Im[k] as number));
  if (!Number.isFinite(scale)) return false;
  const tol = n * Number.EPSILON * scale;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(Re[k * n + k] as number) + Math.abs(Im[k * n + k] as number);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(Re[i * n + k] as number) + Math.abs(Im[i * n + k] as number);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    piv[k] = p;
    const rk = k * n;
    if (p !== k) {
      const rp = p * n;
      for (let j = 0; j < n; j++) {
        let s = Re[rk + j] as number;
        Re[rk + j] = Re[rp + j] as number;
        Re[rp + j] = s;
        s = Im[rk + j] as number;
        Im[rk + j] = Im[rp + j] as number;
        Im[rp + j] = s;
      }
    }
    if (!(best > tol)) return false;
    // 1 / pivot = conj(pivot) / |pivot|².
    const pr = Re[rk + k] as number;
    const pi = Im[rk + k] as number;
    const d = pr * pr + pi * pi;
    const ir = pr / d;
    const ii = -pi / d;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const ar = Re[ri + k] as number;
      const ai = Im[ri + k] as number;
      const lr = ar * ir - ai * ii;
      const li = ar * ii + ai * ir;
      Re[ri + k] = lr;
      Im[ri + k] = li;
      if (lr === 0 && li === 0) continue;
      for (let j = k + 1; j < n; j++) {
        const br = Re[rk + j] as number;
        const bi = Im[rk + j] as number;
        Re[ri + j] = (Re[ri + j] as number) - (lr * br - li * bi);
        Im[ri + j] = (Im[ri + j] as number) - (lr * bi + li * br);
      }
    }
  }
  return true;
}

/** (bRe + i·bIm) ← M⁻¹ (bRe + i·bIm) with the factors of {@link luComplex}. */
function solveComplex(Re: Float64Array, Im: Float64Array, piv: Int32Array, n: number, bRe: Float64Array, bIm: Float64Array): void {
  for (let k = 0; k < n; k++) {
    const p = piv[k] as number;
    if (p !== k) {
      let s = bRe[k] as number;
      bRe[k] = bRe[p] as number;
      bRe[p] = s;
      s = bIm[k] as number;
      bIm[k] = bIm[p] as number;
      bIm[p] = s;
    }
  }
  for (let i = 1; i < n; i++) {
    const r = i * n;
    let ar = bRe[i] as number;
    let ai = bIm[i] as number;
    for (let k = 0; k < i; k++) {
      const lr = Re[r + k] as number;
      const li = Im[r + k] as number;
      const xr = bRe[k] as number;
      const xi = bIm[k] as number;
      ar -= lr * xr - li * xi;
      ai -= lr * xi + li * xr;
    }
    bRe[i] = ar;
    bIm[i] = ai;
  }
  for (let i = n - 1; i >= 0; i--) {
    const r = i * n;
    let ar = bRe[i] as number;
    let ai = bIm[i] as number;
    for (let k = i + 1; k < n; k++) {
      const ur = Re[r + k] as number;
      const ui = Im[r + k] as number;
      const xr = bRe[k] as number;
      const xi = bIm[k] as number;
      ar -= ur * xr - ui * xi;
      ai -= ur * xi + ui * xr;
    }
    const pr = Re[r + i] as number;
    const pi = Im[r + i] as number;
    const d = pr * pr + pi * pi;
    bRe[i] = (ar * pr + ai * pi) / d;
    bIm[i] = (ai * pr - ar * pi) / d;
  }
}

/**
 * The RADAU5 stepper (see the module comment), implementing the {@link Stepper} protocol with its
 * own step-size law ({@link Stepper.stepFactor}).
 */
export function radau5Stepper(method: Radau5Method): Stepper<Radau5Workspace> {
  const jac = method.jac;

  /** J at (t, y) into ws.J: analytic, or forward differences from ws.f = f(t, y). */
  const evaluateJacobian = (ws: Radau5Workspace, t: number, y: Float64Array): void => {
    const { n, J, tmp, field } = ws;
    if (jac !== undefined) jac(t, y, J);
    else {
      // Forward differences from ws.f = f(t, y); ΔW's first row is free scratch here (no Newton iteration in progress).
      forwardDifferenceJacobianInto(J, field, t, y, ws.f, tmp, ws.dWrows[0]);
      ws.counters.nfev += n;
    }
    ws.counters.njev++;
    ws.haveJ = true;
    ws.jacCurrent = true;
    ws.needJac = false;
    ws.luH = NaN;
  };

  /** Factor μ_r/h·I − J and (α − iβ)/h·I − J for step h; false if either is singular. */
  const factor = (ws: Radau5Workspace, h: number): boolean => {
    const { n, J, Mr, McRe, McIm } = ws;
    const mr = RADAU_MU_REAL / h;
    const cr = RADAU_MU_COMPLEX_RE / h;
    const ci = -RADAU_MU_COMPLEX_IM / h;
    for (let k = 0; k < n * n; k++) {
      const v = -(J[k] as number);
      Mr[k] = v;
      McRe[k] = v;
      McIm[k] = 0;
    }
    for (let i = 0; i < n; i++) {
      const d = i * n + i;
      Mr[d] = (Mr[d] as number) + mr;
      McRe[d] = (McRe[d] as number) + cr;
      McIm[d] = ci;
    }
    ws.counters.nfactor += 2;
    ws.luH = NaN;
    if (!luReal(Mr, ws.pivR, n) || !luComplex(McRe, McIm, ws.pivC, n)) return false;
    ws.luH = h;
    return true;
  };

  /**
   * Simplified Newton iteration for the stages of the attempt (t, y, h) (H&W IV.8, `radau5.f`).
   * Returns 'converged', 'failed' (divergence, too slow, NIT reached: ws.failFactor set) or
   * 'nonFinite' (a stage value was NaN/∞).
   */
  const newton = (ws: Radau5Workspace, t: number, y: Float64Array, h: number): 'converged' | 'failed' | 'nonFinite' => {
    const { n, Z, W, dW, tmp, newtonScale, field, Mr, McRe, McIm, pivR, pivC } = ws;
    const mr = RADAU_MU_REAL / h;
    const al = RADAU_MU_COMPLEX_RE / h;
    const be = RADAU_MU_COMPLEX_IM / h;
    const kappa = ws.newtonTol;
    const [F0, F1, F2] = ws.Frows;
    const [d0, d1, d2] = ws.dWrows;
    ws.faccon = Math.pow(Math.max(ws.faccon, Number.EPSILON), 0.8);
    ws.theta = RADAU_JACOBIAN_REUSE_THETA;
    let dynoOld = 0;
    let thqOld = 0;
    const adaptive = ws.errorEstimate;
    const maxIter = adaptive ? RADAU_NEWTON_MAX_ITER : RADAU_FIXED_STEP_NEWTON_MAX_ITER;
    for (let newt = 0; ; ) {
      if (newt >= maxIter) {
        ws.failFactor = RADAU_NEWTON_FAILURE_FACTOR;
        ws.newt = newt;
        return 'failed';
      }
      for (let i = 0; i < 3; i++) {
        const Fi = i === 0 ? F0 : i === 1 ? F1 : F2;
        const off = i * n;
        for (let k = 0; k < n; k++) tmp[k] = (y[k] as number) + (Z[off + k] as number);
        field(t + (RC[i] as number) * h, tmp, Fi);
      }
      ws.counters.nfev += 3;
      // Right-hand sides of the transformed systems: (T⁻¹ ⊗ I)F − (Λ/h ⊗ I)W.
      let finite = 0;
      for (let k = 0; k < n; k++) {
        const f0 = F0[k] as number;
        const f1 = F1[k] as number;
        const f2 = F2[k] as number;
        finite += (f0 + f1 + f2) * 0;
        const w0 = W[k] as number;
        const w1 = W[n + k] as number;
        const w2 = W[2 * n + k] as number;
        d0[k] = (TI0[0] as number) * f0 + (TI0[1] as number) * f1 + (TI0[2] as number) * f2 - mr * w0;
        // (α − iβ)(w1 + i w2)/h = (α w1 + β w2)/h + i(α w2 − β w1)/h.
        d1[k] = (TI1[0] as number) * f0 + (TI1[1] as number) * f1 + (TI1[2] as number) * f2 - (al * w1 + be * w2);
        d2[k] = (TI2[0] as number) * f0 + (TI2[1] as number) * f1 + (TI2[2] as number) * f2 - (al * w2 - be * w1);
      }
      if (finite !== 0) {
        ws.newt = newt;
        return 'nonFinite';
      }
      solveReal(Mr, pivR, n, d0);
      solveComplex(McRe, McIm, pivC, n, d1, d2);
      ws.counters.nlinsolve += 2;
      newt++;
      let s = 0;
      for (let k = 0; k < n; k++) {
        const sc = newtonScale[k] as number;
        const a = (d0[k] as number) / sc;
        const b = (d1[k] as number) / sc;
        const c = (d2[k] as number) / sc;
        s += a * a + b * b + c * c;
      }
      const dyno = Math.sqrt(s / (3 * n));
      if (!Number.isFinite(dyno)) {
        ws.newt = newt;
        return 'nonFinite';
      }
      if (newt > 1 && newt < maxIter) {
        const thq = dyno / dynoOld;
        ws.theta = newt === 2 ? thq : Math.sqrt(thq * thqOld);
        thqOld = thq;
        if (ws.theta < RADAU_DIVERGENCE_THETA) {
          ws.faccon = ws.theta / (1 - ws.theta);
          // Predicted error after the remaining iterations; too large → give up early, smaller h.
          const dyth = (ws.faccon * dyno * Math.pow(ws.theta, RADAU_NEWTON_MAX_ITER - 1 - newt)) / kappa;
          if (adaptive && dyth >= 1) {
            const qnewt = Math.max(1e-4, Math.min(20, dyth));
            ws.failFactor = 0.8 * Math.pow(qnewt, -1 / (4 + RADAU_NEWTON_MAX_ITER - 1 - newt));
            ws.newt = newt;
            return 'failed';
          }
        } else {
          ws.failFactor = RADAU_NEWTON_FAILURE_FACTOR;
          ws.newt = newt;
          return 'failed';
        }
      }
      dynoOld = Math.max(dyno, Number.EPSILON);
      for (let k = 0; k < 3 * n; k++) W[k] = (W[k] as number) + (dW[k] as number);
      stageTransform(Z, T0, T1, T2, W, n); // Z = (T ⊗ I)·W
      if (ws.faccon * dyno <= kappa) {
        ws.newt = newt;
        return 'converged';
      }
    }
  };

  return {
    name: 'radau5',
    order: 5,
    errorOrder: 3,
    dense: { basis: 'monomial', size: 3, order: 3 },

    init(field: VectorField, t0: number, y0: Float64Array, errorEstimate: boolean, tolerances?: Tolerances): Radau5Workspace {
      const n = y0.length;
      const rtol = tolerances?.rtol ?? RADAU_FIXED_STEP_NEWTON_TOL;
      const atol = tolerances?.atol ?? RADAU_FIXED_STEP_NEWTON_TOL;
      const rMin = typeof rtol === 'number' ? rtol : Math.min(...rtol);
      const counters: StepCounters = { nfev: 0, njev: 0, nfactor: 0, nlinsolve: 0, coefficientFills: 0 };
      const F = new Float64Array(3 * n);
      const dW = new Float64Array(3 * n);
      const rows = (v: Float64Array): [Float64Array, Float64Array, Float64Array] => [v.subarray(0, n), v.subarray(n, 2 * n), v.subarray(2 * n, 3 * n)];
      const ws: Radau5Workspace = {
        n,
        field,
        J: new Float64Array(n * n),
        Mr: new Float64Array(n * n),
        McRe: new Float64Array(n * n),
        McIm: new Float64Array(n * n),
        pivR: new Int32Array(n),
        pivC: new Int32Array(n),
        Z: new Float64Array(3 * n),
        W: new Float64Array(3 * n),
        F,
        dW,
        Frows: rows(F),
        dWrows: rows(dW),
        tmp: new Float64Array(n),
        newtonScale: new Float64Array(n),
        err: new Float64Array(n),
        ze: new Float64Array(n),
        f: new Float64Array(n),
        yNew: new Float64Array(n),
        fNew: new Float64Array(n),
        dense: new Float64Array(3 * n),
        counters,
        errorEstimate,
        rtol,
        atol,
        // scipy / radau5.f: κ = max(10·eps/rtol, min(0.03, √rtol)).
        newtonTol: Math.max((10 * Number.EPSILON) / rMin, Math.min(0.03, Math.sqrt(rMin))),
        t: t0,
        y: y0,
        h: 0,
        haveJ: false,
        jacCurrent: false,
        needJac: true,
        luH: NaN,
        faccon: 1,
        theta: RADAU_JACOBIAN_REUSE_THETA,
        newt: 0,
        newtonFailed: false,
        failFactor: RADAU_NEWTON_FAILURE_FACTOR,
        first: true,
        rejectedLast: false,
        hAcc: NaN,
        errAcc: NaN,
        hOld: NaN,
      };
      field(t0, y0, ws.f);
      counters.nfev++;
      return ws;
    },

    step(ws: Radau5Workspace, t: number, y: Float64Array, h: number): Radau5Workspace | undefined {
      const { n, Z, W, newtonScale, dense } = ws;
      ws.t = t;
      ws.y = y;
      ws.h = h;
      ws.newtonFailed = false;
      if (ws.needJac || !ws.haveJ) evaluateJacobian(ws, t, y);
      // A singular matrix or a non-finite stage is a non-finite attempt for solve (retried with the
      // controller's minimum factor); it still counts as a rejection for the next accepted step's cap.
      if (ws.luH !== h && !factor(ws, h)) {
        ws.rejectedLast = true;
        return undefined;
      }
      const rt = ws.rtol;
      const at = ws.atol;
      for (let k = 0; k < n; k++) {
        const r = typeof rt === 'number' ? rt : (rt[k] as number);
        const a = typeof at === 'number' ? at : (at[k] as number);
        newtonScale[k] = a + r * Math.abs(y[k] as number);
      }
      // Starting values: the previous step's collocation polynomial y_old + Σ_j r_j θ^{j+1}
      // extrapolated to t + c_i h, i.e. θ = 1 + c_i h / h_old, minus its value y at θ = 1.
      if (Number.isNaN(ws.hOld)) Z.fill(0);
      else {
        for (let i = 0; i < 3; i++) {
          const th = 1 + ((RC[i] as number) * h) / ws.hOld;
          const p1 = th - 1;
          const p2 = th * th - 1;
          const p3 = th * th * th - 1;
          const off = i * n;
          for (let k = 0; k < n; k++) Z[off + k] = (dense[k] as number) * p1 + (dense[n + k] as number) * p2 + (dense[2 * n + k] as number) * p3;
        }
      }
      stageTransform(W, TI0, TI1, TI2, Z, n); // W = (T⁻¹ ⊗ I)·Z
      const outcome = newton(ws, t, y, h);
      if (outcome === 'nonFinite') {
        ws.rejectedLast = true;
        return undefined;
      }
      if (outcome === 'failed') {
        // Retry with a smaller h (stepFactor); with a stale J, evaluate it afresh first (radau5.f).
        ws.newtonFailed = true;
        ws.needJac = !ws.jacCurrent;
        if (!ws.errorEstimate) return undefined;
        ws.yNew.set(y);
        return ws;
      }
      const yNew = ws.yNew;
      for (let k = 0; k < n; k++) yNew[k] = (y[k] as number) + (Z[2 * n + k] as number);
      if (ws.errorEstimate) {
        const { err, ze, f } = ws;
        const e0 = (RE[0] as number) / h;
        const e1 = (RE[1] as number) / h;
        const e2 = (RE[2] as number) / h;
        for (let k = 0; k < n; k++) {
          const v = e0 * (Z[k] as number) + e1 * (Z[n + k] as number) + e2 * (Z[2 * n + k] as number);
          ze[k] = v;
          err[k] = (f[k] as number) + v;
        }
        solveReal(ws.Mr, ws.pivR, n, err);
        ws.counters.nlinsolve++;
      }
      return ws;
    },

    errorNorm(ws: Radau5Workspace, scale: Float64Array): number {
      if (ws.newtonFailed) return RADAU_NEWTON_FAILURE_NORM;
      const { n, err, ze, tmp, y } = ws;
      let e = rmsScaled(err, scale);
      if (e >= 1 && (ws.first || ws.rejectedLast)) {
        // Refined estimate (H&W IV.8; radau5.f ESTRAD): f(t, y + err) in place of f(t, y) filters
        // the stiff components once more, so that an over-pessimistic estimate on the first step
        // or right after a rejection does not shrink h needlessly.
        for (let k = 0; k < n; k++) tmp[k] = (y[k] as number) + (err[k] as number);
        ws.field(ws.t, tmp, err);
        ws.counters.nfev++;
        for (let k = 0; k < n; k++) err[k] = (err[k] as number) + (ze[k] as number);
        solveReal(ws.Mr, ws.pivR, n, err);
        ws.counters.nlinsolve++;
        e = rmsScaled(err, scale);
      }
      return Number.isNaN(e) ? e : Math.max(e, RADAU_ERROR_FLOOR);
    },

    stepFactor(ws: Radau5Workspace, err: number, h: number, accepted: boolean): number {
      if (ws.newtonFailed) {
        ws.rejectedLast = true;
        return ws.failFactor;
      }
      // Safety shrinks with the Newton iterations used (radau5.f: FAC = min(SAFE, CFAC/(NEWT + 2·NIT))).
      const nit = RADAU_NEWTON_MAX_ITER;
      const fac = Math.min(RADAU_SAFETY, (RADAU_SAFETY * (2 * nit + 1)) / (ws.newt + 2 * nit));
      let quot = Math.max(1 / RADAU_MAX_FACTOR, Math.min(1 / RADAU_MIN_FACTOR, Math.pow(err, 0.25) / fac));
      const hAbs = Math.abs(h);
      if (!accepted) {
        ws.needJac = !ws.jacCurrent;
        const wasFirst = ws.first;
        ws.rejectedLast = true;
        return wasFirst ? RADAU_FIRST_REJECT_FACTOR : 1 / quot;
      }
      if (!Number.isNaN(ws.hAcc)) {
        // Gustafsson's predictive controller (radau5.f FACGUS).
        let gus = ((ws.hAcc / hAbs) * Math.pow((err * err) / ws.errAcc, 0.25)) / RADAU_SAFETY;
        gus = Math.max(1 / RADAU_MAX_FACTOR, Math.min(1 / RADAU_MIN_FACTOR, gus));
        quot = Math.max(quot, gus);
      }
      ws.hAcc = hAbs;
      ws.errAcc = Math.max(1e-2, err);
      let factor = 1 / quot;
      if (ws.rejectedLast) factor = Math.min(factor, 1);
      ws.rejectedLast = false;
      ws.first = false;
      const reuseJ = ws.theta <= RADAU_JACOBIAN_REUSE_THETA;
      if (reuseJ && factor >= 1 && factor <= RADAU_KEEP_STEP_MAX) factor = 1;
      ws.needJac = !reuseJ;
      return factor;
    },

    complete(ws: Radau5Workspace, t: number, h: number): void {
      ws.field(t + h, ws.yNew, ws.fNew);
      ws.counters.nfev++;
      // The collocation polynomial r = Zᵀ P: dense output, and the next step's starting values.
      const { n, Z, dense } = ws;
      for (let j = 0; j < 3; j++) {
        const p0 = (RADAU_P[0] as readonly number[])[j] as number;
        const p1 = (RADAU_P[1] as readonly number[])[j] as number;
        const p2 = (RADAU_P[2] as readonly number[])[j] as number;
        const off = j * n;
        for (let k = 0; k < n; k++) dense[off + k] = p0 * (Z[k] as number) + p1 * (Z[n + k] as number) + p2 * (Z[2 * n + k] as number);
      }
      ws.hOld = h;
      if (!ws.errorEstimate) {
        // Fixed steps never call stepFactor: decide the Jacobian reuse here.
        ws.first = false;
        ws.needJac = ws.theta > RADAU_JACOBIAN_REUSE_THETA;
      }
    },

    denseCoefficients(ws: Radau5Workspace): Float64Array {
      return ws.dense;
    },

    advance(ws: Radau5Workspace): void {
      ws.f.set(ws.fNew);
      ws.jacCurrent = false;
    },
  };
}
