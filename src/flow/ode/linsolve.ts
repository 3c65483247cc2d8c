/**
 * Pluggable linear algebra of the Rosenbrock methods. A method needs, once per attempted step,
 * the factorization of the iteration matrix M = I − γh·J(t, y) and then s solves with it. The
 * {@link LinearSolverProvider} interface lets structured problems (Jacobians of size up to ~65 000
 * that can never be formed densely) supply their own factorization — e.g. block-diagonal,
 * Kronecker-structured, or matrix-free Krylov solves. {@link denseJacobianSolver} is the dense
 * default (LU with partial pivoting from `src/linalg`).
 */
import { lu, luSolve, type LUFactor, type Matrix } from '../../linalg/index.js';
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

/** The failures of `lu` that mean "retry with a smaller step" rather than a programming error. */
function isFactorizationFailure(e: unknown): boolean {
  return e instanceof Error && (e.name === 'SingularMatrixError' || e.name === 'NonFiniteError');
}

/**
 * Dense default provider: evaluates `jac` into an n×n buffer, forms M = I − γhJ and factors it
 * with `lu` (partial pivoting) from `src/linalg`; `solve` calls `luSolve`. O(n³) per factorization,
 * O(n²) per solve, n² doubles for J and for M — only for small n.
 *
 * @param jac - dense Jacobian of the vector field (see {@link DenseJacobian}).
 * @param n - state dimension.
 */
export function denseJacobianSolver(jac: DenseJacobian, n: number): LinearSolverProvider {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`denseJacobianSolver: n must be a positive integer, got ${n}`);
  if (typeof jac !== 'function') throw new TypeError('denseJacobianSolver: jac must be a function (t, y, outJ) => void');
  const J = new Float64Array(n * n);
  const M: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  let factor: LUFactor | undefined;
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
      const data = M.data;
      for (let k = 0; k < n * n; k++) data[k] = -gammaH * (J[k] as number);
      for (let i = 0; i < n; i++) data[i * n + i] = (data[i * n + i] as number) + 1;
      stats.factorizations++;
      try {
        factor = lu(M, 'I − γhJ');
      } catch (e) {
        if (isFactorizationFailure(e)) {
          factor = undefined;
          return false;
        }
        throw e;
      }
      return true;
    },
    solve(out: Float64Array, rhs: Float64Array): void {
      if (factor === undefined) throw new Error('denseJacobianSolver: solve called before a successful prepare');
      luSolve(out, factor, rhs);
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
    yp.set(y);
    for (let j = 0; j < n; j++) {
      const yj = y[j] as number;
      const delta = Math.sqrt(Number.EPSILON * Math.max(1e-5, Math.abs(yj)));
      yp[j] = yj + delta;
      field(t, yp, f1);
      yp[j] = yj;
      for (let i = 0; i < n; i++) outJ[i * n + j] = ((f1[i] as number) - (f0[i] as number)) / delta;
    }
  };
}
