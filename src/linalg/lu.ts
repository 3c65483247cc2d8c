/**
 * LU factorisation with partial (row) pivoting, `P·A = L·U`, and the solves built on it
 * (LAPACK dgetrf/dgetrs). Row-major, right-looking: every update is a unit-stride row axpy.
 */
import type { Matrix, ReadonlyMatrix } from './matrix.js';
import { SingularMatrixError } from './errors.js';
import { assertFinite, assertFiniteVector, checkInPlaceOrDisjoint, checkLength, checkShape, checkSquare, shapeOf } from './validate.js';

/**
 * An LU factor `P·A = L·U`. `LU` holds U on and above the diagonal and the multipliers of the
 * unit-lower-triangular L below it. `pivots[k]` is the row swapped with row k at step k (LAPACK
 * `ipiv`, 0-based), so P is applied in place by the swaps k = 0, 1, …, n−1.
 */
export interface LUFactor {
  /** Packed L (strictly lower, unit diagonal implied) and U (upper), shape [n, n]. */
  readonly LU: Matrix;
  /** Row interchanges, length n. */
  readonly pivots: Int32Array;
  /** det(P) = ±1, so det(A) = sign · Π u_ii. */
  readonly sign: 1 | -1;
}

/**
 * LU factorisation with partial pivoting of a square matrix. A: [n, n]; 2n³/3 flops.
 * A pivot with `|u_kk| ≤ n·eps·max|A|` is judged zero: the matrix is singular to working
 * precision.
 * @param name - argument name used in error messages.
 * @throws ShapeError (not square), NonFiniteError, SingularMatrixError(name, k, u_kk).
 */
export function lu(A: ReadonlyMatrix, name = 'A'): LUFactor {
  checkSquare('lu', name, A);
  assertFinite(A, name);
  const n = A.rows;
  const a = new Float64Array(A.data);
  const pivots = new Int32Array(n);
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]));
  const tol = n * Number.EPSILON * scale;
  let sign: 1 | -1 = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    pivots[k] = p;
    if (p !== k) {
      sign = sign === 1 ? -1 : 1;
      const rk = k * n;
      const rp = p * n;
      for (let j = 0; j < n; j++) {
        const t = a[rk + j];
        a[rk + j] = a[rp + j];
        a[rp + j] = t;
      }
    }
    const rk = k * n;
    const pivot = a[rk + k];
    if (!(Math.abs(pivot) > tol)) throw new SingularMatrixError(name, k, pivot);
    const inv = 1 / pivot;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const lik = a[ri + k] * inv;
      a[ri + k] = lik;
      if (lik === 0) continue;
      for (let j = k + 1; j < n; j++) a[ri + j] -= lik * a[rk + j];
    }
  }
  return { LU: { rows: n, cols: n, data: a }, pivots, sign };
}

/**
 * Solves `A·x = b` from `P·A = L·U`: `out ← U⁻¹·L⁻¹·P·b`. Shapes: b, out: [n]; `out === b`
 * allowed. 2n² flops, no allocation.
 * @throws ShapeError on a length mismatch.
 */
export function luSolve<T extends Float64Array>(out: T, factor: LUFactor, b: Readonly<Float64Array>): T {
  const { LU, pivots } = factor;
  const n = LU.rows;
  checkLength('luSolve', 'b', b, n, `LU.rows (LU is ${shapeOf(LU)})`);
  checkLength('luSolve', 'out', out, n, `LU.rows (LU is ${shapeOf(LU)})`);
  checkInPlaceOrDisjoint('luSolve', 'out', out, 'b', b);
  const a = LU.data;
  if (out !== b) out.set(b);
  for (let k = 0; k < n; k++) {
    const p = pivots[k];
    if (p !== k) {
      const t = out[k];
      out[k] = out[p];
      out[p] = t;
    }
  }
  for (let i = 0; i < n; i++) {
    const r = i * n;
    let s = out[i];
    for (let k = 0; k < i; k++) s -= a[r + k] * out[k];
    out[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    const r = i * n;
    let s = out[i];
    for (let k = i + 1; k < n; k++) s -= a[r + k] * out[k];
    out[i] = s / a[r + i];
  }
  return out;
}

/**
 * Solves `A·X = B` for k right-hand sides from `P·A = L·U`. Shapes: B, out: [n, k];
 * `out === B` allowed. 2n²k flops, no allocation; row-oriented (unit stride on X).
 * @throws ShapeError on a shape mismatch.
 */
export function luSolveMatrix(out: Matrix, factor: LUFactor, B: ReadonlyMatrix): Matrix {
  const { LU, pivots } = factor;
  const n = LU.rows;
  checkShape('luSolveMatrix', 'B', B, n, B.cols, `[LU.rows, B.cols] (LU is ${shapeOf(LU)})`);
  checkShape('luSolveMatrix', 'out', out, n, B.cols, 'B');
  checkInPlaceOrDisjoint('luSolveMatrix', 'out', out.data, 'B', B.data);
  const a = LU.data;
  const x = out.data;
  const k = B.cols;
  if (x !== B.data) x.set(B.data);
  for (let i = 0; i < n; i++) {
    const p = pivots[i];
    if (p !== i) {
      for (let c = 0; c < k; c++) {
        const t = x[i * k + c];
        x[i * k + c] = x[p * k + c];
        x[p * k + c] = t;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const ri = i * k;
    for (let j = 0; j < i; j++) {
      const lij = a[i * n + j];
      if (lij === 0) continue;
      const rj = j * k;
      for (let c = 0; c < k; c++) x[ri + c] -= lij * x[rj + c];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * k;
    for (let j = i + 1; j < n; j++) {
      const uij = a[i * n + j];
      if (uij === 0) continue;
      const rj = j * k;
      for (let c = 0; c < k; c++) x[ri + c] -= uij * x[rj + c];
    }
    const inv = 1 / a[i * n + i];
    for (let c = 0; c < k; c++) x[ri + c] *= inv;
  }
  return out;
}

/**
 * Allocating general solve `x = A⁻¹·b` via `lu(A)`. Shapes: A: [n, n], b: [n]. 2n³/3 + 2n² flops.
 * @throws as `lu` (argument name 'A'); NonFiniteError('b', …) for a non-finite b.
 */
export function solve(A: ReadonlyMatrix, b: Readonly<Float64Array>): Float64Array<ArrayBuffer> {
  checkSquare('solve', 'A', A);
  checkLength('solve', 'b', b, A.rows, `A.rows (A is ${shapeOf(A)})`);
  assertFiniteVector(b, 'b');
  return luSolve(new Float64Array(A.rows), lu(A, 'A'), b);
}

/**
 * Allocating general solve `X = A⁻¹·B` via `lu(A)`. Shapes: A: [n, n], B: [n, k].
 * @throws as `lu`; NonFiniteError('B', …) for a non-finite B.
 */
export function solveMatrix(A: ReadonlyMatrix, B: ReadonlyMatrix): Matrix {
  checkSquare('solveMatrix', 'A', A);
  checkShape('solveMatrix', 'B', B, A.rows, B.cols, `[A.rows, B.cols] (A is ${shapeOf(A)})`);
  assertFinite(B, 'B');
  return luSolveMatrix({ rows: B.rows, cols: B.cols, data: new Float64Array(B.rows * B.cols) }, lu(A, 'A'), B);
}
