/**
 * Pluggable linear algebra of the Rosenbrock methods. A method needs, once per attempted step,
 * the factorization of the iteration matrix M = I − γh·J(t, y) and then s solves with it. The
 * {@link LinearSolverProvider} interface lets structured problems (Jacobians of size up to ~65 000
 * that can never be formed densely) supply their own factorization — e.g. block-diagonal,
 * Kronecker-structured, or matrix-free Krylov solves. {@link denseJacobianSolver} is the dense
 * default (in-place LU with partial pivoting, the algorithm of `lu` in `src/linalg`).
 */
import type { VectorField } from './types.js';

/** Work counters kept by a linear-solver provider (cumulative over its lifetime). */
export interface LinearSolverStats {
  /** Jacobian evaluations. */
  jacobianEvaluations: number;
  /** Factorizations of I − γhJ. */
  factorizations: number;
  /** Solves with the factored matrix. */
  linearSolves: number;
}

/** Linear algebra of a Rosenbrock method (see the module comment). */
export interface LinearSolverProvider {
  /**
   * Factor M = I − γh·J(t, y), J = ∂f/∂y. `sameState` is true when (t, y) are unchanged since the
   * previous call (a rejected step is being retried with a smaller h), so a cached J may be reused
   * and only M refactored. Return `false` if M is singular to working precision (the step is then
   * retried with a smaller h); `true` or nothing on success.
   */
  prepare(t: number, y: Float64Array, gammaH: number, sameState: boolean): boolean | void;
  /** out = M⁻¹ rhs for the last prepared M. `out` and `rhs` (length n) never alias. */
  solve(out: Float64Array, rhs: Float64Array): void;
  /** Cumulative counters; `solve` reports the increase during one solve. */
  readonly stats: LinearSolverStats;
}

/**
 * Dense Jacobian, shape [n, n] row-major: writes J_ij = ∂f_i/∂y_j into `outJ[i * n + j]`.
 */
export type DenseJacobian = (t: number, y: Float64Array, outJ: Float64Array) => void;

/**
 * Dense default provider: evaluates `jac` into an n×n buffer, forms M = I − γhJ and factors it in
 * place with partial pivoting (the algorithm of `lu` in `src/linalg`, without its per-call copy and
 * checks); a pivot ≤ n·eps·max|M_ij| or a non-finite J reports `false` (retry with a smaller step).
 * O(n³) per factorization, O(n²) per solve, n² doubles for J and for M — only for small n.
 *
 * @param jac - dense Jacobian of the vector field (see {@link DenseJacobian}).
 * @param n - state dimension.
 */
export function denseJacobianSolver(jac: DenseJacobian, n: number): LinearSolverProvider {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`denseJacobianSolver: n must be a positive integer, got ${n}`);
  if (typeof jac !== 'function') throw new TypeError('denseJacobianSolver: jac must be a function (t, y, outJ) => void');
  const J = new Float64Array(n * n);
  // M = I − γhJ factored in place (LU with partial pivoting, the algorithm of `lu` in src/linalg):
  // allocated once here, so a step allocates nothing (style item 3); `lu`/`luSolve` would copy M
  // and re-validate shapes at every factorization and solve, which dominates for small n.
  const M = new Float64Array(n * n);
  const pivots = new Int32Array(n);
  let factored = false;
  let haveJ = false;
  const stats: LinearSolverStats = { jacobianEvaluations: 0, factorizations: 0, linearSolves: 0 };
  return {
    stats,
    prepare(t: number, y: Float64Array, gammaH: number, sameState: boolean): boolean {
      if (!sameState || !haveJ) {
        jac(t, y, J);
        stats.jacobianEvaluations++;
        haveJ = true;
      }
      stats.factorizations++;
      factored = false;
      let scale = 0;
      for (let k = 0; k < n * n; k++) {
        const v = -gammaH * (J[k] as number);
        M[k] = v;
        scale = Math.max(scale, Math.abs(v));
      }
      for (let i = 0; i < n; i++) {
        M[i * n + i] = (M[i * n + i] as number) + 1;
        scale = Math.max(scale, Math.abs(M[i * n + i] as number));
      }
      // Non-finite J (NaN makes `scale` NaN through Math.max) or a pivot ≤ n·eps·max|M_ij|: singular.
      if (!Number.isFinite(scale)) return false;
      if (!luFactorInPlace(M, pivots, n, n * Number.EPSILON * scale)) return false;
      factored = true;
      return true;
    },
    solve(out: Float64Array, rhs: Float64Array): void {
      if (!factored) throw new Error('denseJacobianSolver: solve called before a successful prepare');
      out.set(rhs);
      luSolveInPlace(M, pivots, n, out);
      stats.linearSolves++;
    },
  };
}

/**
 * Forward-difference dense Jacobian of `field` (Hairer's increment √(eps · max(1e‑5, |y_j|))),
 * for tests and small problems: n + 1 evaluations of `field` per call (not counted in a solve's
 * `nfev`). Work buffers are allocated once here.
 */
export function finiteDifferenceJacobian(field: VectorField, n: number): DenseJacobian {
  const f0 = new Float64Array(n);
  const f1 = new Float64Array(n);
  const yp = new Float64Array(n);
  return (t, y, outJ) => {
    field(t, y, f0);
    forwardDifferenceJacobianInto(outJ, field, t, y, f0, yp, f1);
  };
}

/**
 * outJ ([n, n] row-major) ← forward differences of `field` at (t, y) given f0 = field(t, y), with
 * Hairer's increment √(eps · max(1e‑5, |y_j|)): n evaluations of `field`. `yp` and `f1` are [n]
 * scratch. Shared by {@link finiteDifferenceJacobian} and radau5 (which already holds f(t, y)).
 */
export function forwardDifferenceJacobianInto(
  outJ: Float64Array, field: VectorField, t: number, y: Float64Array, f0: Float64Array, yp: Float64Array, f1: Float64Array,
): void {
  const n = y.length;
  yp.set(y);
  for (let j = 0; j < n; j++) {
    const yj = y[j] as number;
    const delta = Math.sqrt(Number.EPSILON * Math.max(1e-5, Math.abs(yj)));
    yp[j] = yj + delta;
    field(t, yp, f1);
    yp[j] = yj;
    for (let i = 0; i < n; i++) outJ[i * n + j] = ((f1[i] as number) - (f0[i] as number)) / delta;
  }
}

/**
 * LU with partial pivoting of the n×n row-major M in place (the algorithm of `lu` in src/linalg,
 * without its copy and checks, so a step allocates nothing); `false` when a pivot is ≤ `tol`.
 */
export function luFactorInPlace(M: Float64Array, piv: Int32Array, n: number, tol: number): boolean {
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(M[k * n + k] as number);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(M[i * n + k] as number);
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
        const tmp = M[rk + j] as number;
        M[rk + j] = M[rp + j] as number;
        M[rp + j] = tmp;
      }
    }
    const pivot = M[rk + k] as number;
    if (!(Math.abs(pivot) > tol)) return false;
    const inv = 1 / pivot;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const lik = (M[ri + k] as number) * inv;
      M[ri + k] = lik;
      if (lik === 0) continue;
      for (let j = k + 1; j < n; j++) M[ri + j] = (M[ri + j] as number) - lik * (M[rk + j] as number);
    }
  }
  return true;
}

/** b ← M⁻¹b in place with the factors of {@link luFactorInPlace}. */
export function luSolveInPlace(M: Float64Array, piv: Int32Array, n: number, b: Float64Array): void {
  for (let k = 0; k < n; k++) {
    const p = piv[k] as number;
    if (p !== k) {
      const tmp = b[k] as number;
      b[k] = b[p] as number;
      b[p] = tmp;
    }
  }
  for (let i = 1; i < n; i++) {
    const r = i * n;
    let acc = b[i] as number;
    for (let k = 0; k < i; k++) acc -= (M[r + k] as number) * (b[k] as number);
    b[i] = acc;
  }
  for (let i = n - 1; i >= 0; i--) {
    const r = i * n;
    let acc = b[i] as number;
    for (let k = i + 1; k < n; k++) acc -= (M[r + k] as number) * (b[k] as number);
    b[i] = acc / (M[r + i] as number);
  }
}
