/**
 * Newton polish of a local minimiser: a few Newton steps with the Hessian from central differences
 * of the analytic gradient ({@link finiteDifferenceHessian}), solved through its eigendecomposition.
 * It finishes what a line-search method cannot: once f has reached its floating-point floor
 * (relative changes ~1e-15), sufficient decrease is no longer measurable and L-BFGS stops with ‖∇f‖
 * above its target, while Newton steps judged by ‖∇f‖ (accurate far below that floor) still
 * converge quadratically.
 */
import { eigh, norm2 } from '../linalg/index.js';
import { finiteDifferenceHessian } from './hessian.js';
import type { Objective } from './lbfgs.js';

/** Options of {@link newtonPolish}. */
export interface NewtonPolishOptions {
  /** Newton iterations. @defaultValue 4 */
  maxIterations?: number;
  /** Stop when ‖∇f‖ ≤ gtol. @defaultValue 0 (run all iterations that improve) */
  gtol?: number;
  /** Central-difference step relative to max(1, ‖x‖∞). @defaultValue 1e-5 */
  fdStep?: number;
  /** A step is accepted when ‖∇f‖ decreases and f rises by at most ftolRelative·|f|. @defaultValue 1e-12 */
  ftolRelative?: number;
}

/** Why `newtonPolish` (the Newton polish of an attention optimum) stopped. */
export type NewtonPolishStatus = 'converged' | 'maxIterations' | 'noImprovement' | 'saddle';

/** Outcome of {@link newtonPolish}. */
export interface NewtonPolishResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly gradNorm: number;
  readonly iterations: number;
  /** Smallest/largest Hessian eigenvalue at the last Hessian evaluated (a saddle shows λ_min < 0). */
  readonly hessianRange: readonly [number, number];
  /** Why it stopped. */
  readonly status: NewtonPolishStatus;
}

/** Negative-curvature threshold relative to the largest |eigenvalue| (below it: a saddle, no polish). */
const SADDLE_RTOL = 1e-6;
/** Eigenvalues below this fraction of the largest are dropped from the solve (null directions). */
const PINV_RTOL = 1e-12;

/**
 * Polishes a local minimiser of f (see the module comment). Each iteration costs 2n + 1 objective
 * evaluations and one n×n symmetric eigendecomposition.
 */
export function newtonPolish(f: Objective, x0: Float64Array, options: NewtonPolishOptions = {}): NewtonPolishResult {
  const { maxIterations = 4, gtol = 0, fdStep = 1e-5, ftolRelative = 1e-12 } = options;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  let gn = norm2(g);
  let range: [number, number] = [Number.NaN, Number.NaN];
  for (let it = 0; it < maxIterations; it++) {
    if (gn <= gtol) return { x, f: fx, gradNorm: gn, iterations: it, hessianRange: range, status: 'converged' };
    const Hs = finiteDifferenceHessian(f, x, { relativeStep: fdStep });
    const { values, vectors } = eigh(Hs, 'finite-difference Hessian');
    const lmax = Math.max(Math.abs(values[0]!), Math.abs(values[n - 1]!));
    range = [values[0]!, values[n - 1]!];
    if (values[0]! < -SADDLE_RTOL * lmax) return { x, f: fx, gradNorm: gn, iterations: it, hessianRange: range, status: 'saddle' };
    const step = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const lam = values[k]!;
      if (!(lam > PINV_RTOL * lmax)) continue;
      let c = 0;
      for (let i = 0; i < n; i++) c += vectors.data[i * n + k]! * g[i]!;
      c /= lam;
      for (let i = 0; i < n; i++) step[i] -= c * vectors.data[i * n + k]!;
    }
    const xn = new Float64Array(n);
    for (let i = 0; i < n; i++) xn[i] = x[i]! + step[i]!;
    const gnew = new Float64Array(n);
    const fnew = f(xn, gnew);
    const gnewNorm = norm2(gnew);
    if (!(gnewNorm < gn) || !(fnew <= fx + ftolRelative * Math.abs(fx))) {
      return { x, f: fx, gradNorm: gn, iterations: it, hessianRange: range, status: 'noImprovement' };
    }
    x = xn;
    g = gnew;
    fx = fnew;
    gn = gnewNorm;
  }
  return { x, f: fx, gradNorm: gn, iterations: maxIterations, hessianRange: range, status: gn <= gtol ? 'converged' : 'maxIterations' };
}
