/**
 * Cholesky factorisation `A = L·Lᵀ` of a symmetric positive definite matrix and the triangular
 * solves built on it. Factor once, solve many, fail at factor time (lineax / LAPACK dpotrf).
 */
import type { Matrix, ReadonlyMatrix } from './matrix.js';
import { NotPositiveDefiniteError } from './errors.js';
import { gemmAccumulate } from './gemm.js';
import { assertFinite, assertFiniteVector, checkInPlaceOrDisjoint, checkLength, checkShape, checkSquare, shapeOf, symmetricInput } from './validate.js';

/** A Cholesky factor: `L` is lower triangular (its strict upper triangle is exactly 0) with a positive diagonal, `A = L·Lᵀ`. */
export interface CholeskyFactor {
  /** Lower-triangular factor, shape [n, n]. */
  readonly L: Matrix;
}

/** Four-accumulator dot product of `a[ia .. ia+len)` and `b[ib .. ib+len)`. */
function dotRange(a: Float64Array, ia: number, ib: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ia + k] * a[ib + k];
    s1 += a[ia + k + 1] * a[ib + k + 1];
    s2 += a[ia + k + 2] * a[ib + k + 2];
    s3 += a[ia + k + 3] * a[ib + k + 3];
  }
  for (; k < len; k++) s0 += a[ia + k] * a[ib + k];
  return s0 + s1 + (s2 + s3);
}

/** Columns per block of the blocked factorisation (a multiple of gemm's 4×3 tile). */
const CHOLESKY_BLOCK = 48;

/**
 * Cholesky factorisation `A = L·Lᵀ`. A: [n, n] symmetric positive definite; n³/3 flops.
 *
 * Blocked right-looking algorithm (LAPACK dpotrf): for each block column of width 48, an
 * unblocked row-oriented factorisation of the diagonal block and a triangular solve for the
 * panel below it (inner products along rows, unit stride), then the trailing lower triangle is
 * updated with the blocked `gemm` — which carries almost all the flops for large n.
 *
 * A is checked for finiteness and for symmetry to a relative tolerance, then its symmetrised
 * copy is factorised. A pivot `d_i = a_ii − Σ_k l_ik²` with `d_i ≤ n·eps·max_j |a_jj|` fails:
 * the matrix is indefinite, singular, or too ill-conditioned for float64.
 *
 * @param name - argument name used in error messages.
 * @throws ShapeError (not square), NonFiniteError, NotSymmetricError, or
 *   NotPositiveDefiniteError(name, i, d_i) at the first failing pivot.
 */
export function cholesky(A: ReadonlyMatrix, name = 'A'): CholeskyFactor {
  const L = symmetricInput('cholesky', A, name);
  const n = L.rows;
  const l = L.data;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(l[i * n + i]));
  const tol = n * Number.EPSILON * maxDiag;
  // Only the lower triangle is read and written; the upper one is zeroed at the end.
  for (let k0 = 0; k0 < n; k0 += CHOLESKY_BLOCK) {
    const k1 = Math.min(n, k0 + CHOLESKY_BLOCK);
    const width = k1 - k0;
    // Diagonal block: columns < k0 were already eliminated by the trailing updates.
    for (let i = k0; i < k1; i++) {
      const ri = i * n;
      for (let j = k0; j < i; j++) {
        const rj = j * n;
        l[ri + j] = (l[ri + j] - dotRange(l, ri + k0, rj + k0, j - k0)) / l[rj + j];
      }
      const d = l[ri + i] - dotRange(l, ri + k0, ri + k0, i - k0);
      // `!(d > tol)` also rejects NaN (overflow in the update).
      if (!(d > tol)) throw new NotPositiveDefiniteError(name, i, d);
      l[ri + i] = Math.sqrt(d);
    }
    if (k1 === n) break;
    // Panel: L21 ← A21·L11⁻ᵀ, row by row.
    for (let i = k1; i < n; i++) {
      const ri = i * n;
      for (let j = k0; j < k1; j++) {
        const rj = j * n;
        l[ri + j] = (l[ri + j] - dotRange(l, ri + k0, rj + k0, j - k0)) / l[rj + j];
      }
    }
    // Trailing lower triangle: A22 ← A22 − L21·L21ᵀ, one block row at a time (through its
    // diagonal block; the strictly upper part of that block is scratch, zeroed at the end).
    // The gemm operands (columns k0..k1) and its output (columns ≥ k1) do not overlap.
    for (let ib = k1; ib < n; ib += CHOLESKY_BLOCK) {
      const ie = Math.min(n, ib + CHOLESKY_BLOCK);
      gemmAccumulate(ie - ib, ie - k1, width, -1, l, ib * n + k0, n, 1, l, k1 * n + k0, 1, n, l, ib * n + k1, n);
    }
  }
  for (let i = 0; i < n; i++) l.fill(0, i * n + i + 1, (i + 1) * n);
  return { L };
}

/**
 * Forward substitution `out ← L⁻¹·b` for lower-triangular L (entries above the diagonal are
 * ignored). Shapes: L: [n, n], b, out: [n]; `out === b` allowed. n² flops. The diagonal is not
 * checked: a zero on it gives ±∞/NaN.
 */
export function solveLower<T extends Float64Array>(out: T, L: ReadonlyMatrix, b: Readonly<Float64Array>): T {
  checkSquare('solveLower', 'L', L);
  const n = L.rows;
  checkLength('solveLower', 'b', b, n, `L.rows (L is ${shapeOf(L)})`);
  checkLength('solveLower', 'out', out, n, `L.rows (L is ${shapeOf(L)})`);
  checkInPlaceOrDisjoint('solveLower', 'out', out, 'b', b);
  const l = L.data;
  if (out !== b) out.set(b);
  for (let i = 0; i < n; i++) {
    const r = i * n;
    let s = out[i];
    for (let k = 0; k < i; k++) s -= l[r + k] * out[k];
    out[i] = s / l[r + i];
  }
  return out;
}

/**
 * Back substitution `out ← U⁻¹·b` for upper-triangular U (entries below the diagonal are
 * ignored). Shapes: U: [n, n], b, out: [n]; `out === b` allowed. n² flops.
 */
export function solveUpper<T extends Float64Array>(out: T, U: ReadonlyMatrix, b: Readonly<Float64Array>): T {
  checkSquare('solveUpper', 'U', U);
  const n = U.rows;
  checkLength('solveUpper', 'b', b, n, `U.rows (U is ${shapeOf(U)})`);
  checkLength('solveUpper', 'out', out, n, `U.rows (U is ${shapeOf(U)})`);
  checkInPlaceOrDisjoint('solveUpper', 'out', out, 'b', b);
  const u = U.data;
  if (out !== b) out.set(b);
  for (let i = n - 1; i >= 0; i--) {
    const r = i * n;
    let s = out[i];
    for (let k = i + 1; k < n; k++) s -= u[r + k] * out[k];
    out[i] = s / u[r + i];
  }
  return out;
}

/**
 * Back substitution with the transpose, `out ← L⁻ᵀ·b` (solves `Lᵀx = b`) for lower-triangular L.
 * Column-oriented so that L is read along its rows (unit stride). Shapes: L: [n, n],
 * b, out: [n]; `out === b` allowed. n² flops.
 */
export function solveLowerTransposed<T extends Float64Array>(out: T, L: ReadonlyMatrix, b: Readonly<Float64Array>): T {
  checkSquare('solveLowerTransposed', 'L', L);
  const n = L.rows;
  checkLength('solveLowerTransposed', 'b', b, n, `L.rows (L is ${shapeOf(L)})`);
  checkLength('solveLowerTransposed', 'out', out, n, `L.rows (L is ${shapeOf(L)})`);
  checkInPlaceOrDisjoint('solveLowerTransposed', 'out', out, 'b', b);
  const l = L.data;
  if (out !== b) out.set(b);
  for (let i = n - 1; i >= 0; i--) {
    const r = i * n;
    const xi = out[i] / l[r + i];
    out[i] = xi;
    // x_i is final: remove its contribution l_ik·x_i from the equations k < i (row i of L).
    for (let k = 0; k < i; k++) out[k] -= l[r + k] * xi;
  }
  return out;
}

/**
 * Solves `A·x = b` from the factor `A = L·Lᵀ`: `out ← L⁻ᵀ·L⁻¹·b`. Shapes: b, out: [n];
 * `out === b` allowed. 2n² flops, no allocation.
 * @throws ShapeError on a length mismatch.
 */
export function choleskySolve<T extends Float64Array>(out: T, factor: CholeskyFactor, b: Readonly<Float64Array>): T {
  solveLower(out, factor.L, b);
  return solveLowerTransposed(out, factor.L, out);
}

/**
 * Solves `A·X = B` for k right-hand sides from the factor `A = L·Lᵀ`. Shapes: B, out: [n, k];
 * `out === B` allowed. 2n²k flops, no allocation; works on whole rows of X (unit stride).
 * @throws ShapeError on a shape mismatch.
 */
export function choleskySolveMatrix(out: Matrix, factor: CholeskyFactor, B: ReadonlyMatrix): Matrix {
  const L = factor.L;
  const n = L.rows;
  checkShape('choleskySolveMatrix', 'B', B, n, B.cols, `[L.rows, B.cols] (L is ${shapeOf(L)})`);
  checkShape('choleskySolveMatrix', 'out', out, n, B.cols, 'B');
  checkInPlaceOrDisjoint('choleskySolveMatrix', 'out', out.data, 'B', B.data);
  const l = L.data;
  const x = out.data;
  const k = B.cols;
  if (x !== B.data) x.set(B.data);
  // Forward: X_i ← (B_i − Σ_{j<i} l_ij X_j) / l_ii, row by row.
  for (let i = 0; i < n; i++) {
    const ri = i * k;
    for (let j = 0; j < i; j++) {
      const lij = l[i * n + j];
      if (lij === 0) continue;
      const rj = j * k;
      for (let c = 0; c < k; c++) x[ri + c] -= lij * x[rj + c];
    }
    const inv = 1 / l[i * n + i];
    for (let c = 0; c < k; c++) x[ri + c] *= inv;
  }
  // Backward with Lᵀ, column-oriented: once X_i is final, subtract l_ij·X_i from rows j < i.
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * k;
    const inv = 1 / l[i * n + i];
    for (let c = 0; c < k; c++) x[ri + c] *= inv;
    for (let j = 0; j < i; j++) {
      const lij = l[i * n + j];
      if (lij === 0) continue;
      const rj = j * k;
      for (let c = 0; c < k; c++) x[rj + c] -= lij * x[ri + c];
    }
  }
  return out;
}

/**
 * Allocating SPD solve `x = A⁻¹·b` via `cholesky(A)`. Shapes: A: [n, n], b: [n]. n³/3 + 2n² flops.
 * @throws as `cholesky` (argument name 'A'); NonFiniteError('b', …) for a non-finite b.
 */
export function solveSPD(A: ReadonlyMatrix, b: Readonly<Float64Array>): Float64Array<ArrayBuffer> {
  checkSquare('solveSPD', 'A', A);
  checkLength('solveSPD', 'b', b, A.rows, `A.rows (A is ${shapeOf(A)})`);
  assertFiniteVector(b, 'b');
  const factor = cholesky(A, 'A');
  return choleskySolve(new Float64Array(A.rows), factor, b);
}

/**
 * Allocating SPD solve `X = A⁻¹·B` via `cholesky(A)`. Shapes: A: [n, n], B: [n, k].
 * n³/3 + 2n²k flops.
 * @throws as `cholesky`; NonFiniteError('B', …) for a non-finite B.
 */
export function solveSPDMatrix(A: ReadonlyMatrix, B: ReadonlyMatrix): Matrix {
  checkSquare('solveSPDMatrix', 'A', A);
  checkShape('solveSPDMatrix', 'B', B, A.rows, B.cols, `[A.rows, B.cols] (A is ${shapeOf(A)})`);
  assertFinite(B, 'B');
  const factor = cholesky(A, 'A');
  return choleskySolveMatrix({ rows: B.rows, cols: B.cols, data: new Float64Array(B.rows * B.cols) }, factor, B);
}
