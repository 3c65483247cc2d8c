/**
 * Level-1/2 and elementwise kernels on the row-major `Matrix` and on Float64Array vectors.
 *
 * Convention (thi.ng / stdlib): output first, `op(out, ...inputs)`, writes into caller-owned
 * memory, allocates nothing and returns `out`. Shapes are checked (ShapeError naming both
 * shapes); finiteness is not (O(n) checks would double the cost of O(n) kernels). Elementwise
 * kernels accept `out === A` (in place); kernels that read an input after writing `out` reject
 * any memory overlap.
 */
import type { Matrix, ReadonlyMatrix } from './matrix.js';
import { ShapeError } from './errors.js';
import { checkInPlaceOrDisjoint, checkLength, checkNoAlias, checkSameShape, checkShape, checkSquare, overlaps, shapeOf } from './validate.js';
import { gemm } from './gemm.js';

/**
 * Matrix–vector product `out ← A·x` (`transpose = false`) or `out ← Aᵀ·x` (`transpose = true`).
 * Shapes: A: [m, n]; x: [n], out: [m] (or x: [m], out: [n] when transposed). 2mn flops.
 * @throws ShapeError on a length mismatch or when `out` overlaps `x` or `A`.
 */
export function gemv<T extends Float64Array>(out: T, A: ReadonlyMatrix, x: Readonly<Float64Array>, transpose = false): T {
  const m = A.rows;
  const n = A.cols;
  const a = A.data;
  if (!transpose) {
    checkLength('gemv', 'x', x, n, `A.cols (A is ${shapeOf(A)})`);
    checkLength('gemv', 'out', out, m, `A.rows (A is ${shapeOf(A)})`);
    checkNoAlias('gemv', 'out', out, 'x', x);
    checkNoAlias('gemv', 'out', out, 'A', a);
    for (let i = 0; i < m; i++) {
      const r = i * n;
      // Two accumulators halve the add-latency chain of the dot product.
      let s0 = 0;
      let s1 = 0;
      let j = 0;
      for (; j + 1 < n; j += 2) {
        s0 += a[r + j] * x[j];
        s1 += a[r + j + 1] * x[j + 1];
      }
      if (j < n) s0 += a[r + j] * x[j];
      out[i] = s0 + s1;
    }
  } else {
    checkLength('gemv', 'x', x, m, `A.rows (A is ${shapeOf(A)}, transposed)`);
    checkLength('gemv', 'out', out, n, `A.cols (A is ${shapeOf(A)}, transposed)`);
    checkNoAlias('gemv', 'out', out, 'x', x);
    checkNoAlias('gemv', 'out', out, 'A', a);
    out.fill(0);
    // Row-wise axpy: Aᵀx = Σ_i x_i · (row i of A), unit stride on A.
    for (let i = 0; i < m; i++) {
      const xi = x[i];
      const r = i * n;
      for (let j = 0; j < n; j++) out[j] += a[r + j] * xi;
    }
  }
  return out;
}

/**
 * `y ← y + alpha·x` on vectors (BLAS daxpy); returns `y`. Shapes: x, y: [n]. 2n flops.
 * `x === y` is allowed (y ← (1 + alpha)·y).
 * @throws ShapeError when the lengths differ.
 */
export function axpy<T extends Float64Array>(y: T, alpha: number, x: Readonly<Float64Array>): T {
  checkLength('axpy', 'x', x, y.length, 'y.length');
  const n = y.length;
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
  return y;
}

/** `out ← alpha·A`, same shape; `out === A` allowed. mn flops. */
export function scale(out: Matrix, alpha: number, A: ReadonlyMatrix): Matrix {
  checkSameShape('scale', 'out', out, 'A', A);
  checkInPlaceOrDisjoint('scale', 'out', out.data, 'A', A.data);
  const o = out.data;
  const a = A.data;
  for (let i = 0; i < o.length; i++) o[i] = alpha * a[i];
  return out;
}

/** `out ← A + B`, all the same shape; `out` may be `A` or `B`. mn flops. */
export function add(out: Matrix, A: ReadonlyMatrix, B: ReadonlyMatrix): Matrix {
  checkSameShape('add', 'A', A, 'B', B);
  checkSameShape('add', 'out', out, 'A', A);
  checkInPlaceOrDisjoint('add', 'out', out.data, 'A', A.data);
  checkInPlaceOrDisjoint('add', 'out', out.data, 'B', B.data);
  const o = out.data;
  const a = A.data;
  const b = B.data;
  for (let i = 0; i < o.length; i++) o[i] = a[i] + b[i];
  return out;
}

/** `out ← A − B`, all the same shape; `out` may be `A` or `B`. mn flops. */
export function sub(out: Matrix, A: ReadonlyMatrix, B: ReadonlyMatrix): Matrix {
  checkSameShape('sub', 'A', A, 'B', B);
  checkSameShape('sub', 'out', out, 'A', A);
  checkInPlaceOrDisjoint('sub', 'out', out.data, 'A', A.data);
  checkInPlaceOrDisjoint('sub', 'out', out.data, 'B', B.data);
  const o = out.data;
  const a = A.data;
  const b = B.data;
  for (let i = 0; i < o.length; i++) o[i] = a[i] - b[i];
  return out;
}

/** Tile edge of the blocked transpose: a 32×32 tile of each operand (8 KiB) stays in L1. */
const TRANSPOSE_TILE = 32;

/**
 * `out ← Aᵀ`. Shapes: A: [m, n], out: [n, m]. O(mn), cache-blocked.
 * In place (`out === A`) only for square matrices.
 * @throws ShapeError on a shape mismatch or a non-square in-place call / partial overlap.
 */
export function transpose(out: Matrix, A: ReadonlyMatrix): Matrix {
  checkShape('transpose', 'out', out, A.cols, A.rows, `Aᵀ (A is ${shapeOf(A)})`);
  const o = out.data;
  const a = A.data;
  const m = A.rows;
  const n = A.cols;
  if (o === a && m === n) {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const t = o[i * n + j];
        o[i * n + j] = o[j * n + i];
        o[j * n + i] = t;
      }
    }
    return out;
  }
  checkNoAlias('transpose', 'out', o, 'A', a);
  for (let i0 = 0; i0 < m; i0 += TRANSPOSE_TILE) {
    const i1 = Math.min(m, i0 + TRANSPOSE_TILE);
    for (let j0 = 0; j0 < n; j0 += TRANSPOSE_TILE) {
      const j1 = Math.min(n, j0 + TRANSPOSE_TILE);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) o[j * m + i] = a[i * n + j];
      }
    }
  }
  return out;
}

/**
 * `out ← (A + Aᵀ)/2`, square; the result is exactly symmetric. `out === A` allowed.
 * Computed as `0.5·a_ij + 0.5·a_ji` (no overflow near ±realmax). O(n²).
 * @throws ShapeError when A is not square, shapes differ, or `out` partially overlaps `A`.
 */
export function symmetrise(out: Matrix, A: ReadonlyMatrix): Matrix {
  checkSquare('symmetrise', 'A', A);
  checkSameShape('symmetrise', 'out', out, 'A', A);
  checkInPlaceOrDisjoint('symmetrise', 'out', out.data, 'A', A.data);
  const o = out.data;
  const a = A.data;
  const n = A.rows;
  for (let i = 0; i < n; i++) {
    o[i * n + i] = a[i * n + i];
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * a[i * n + j] + 0.5 * a[j * n + i];
      o[i * n + j] = v;
      o[j * n + i] = v;
    }
  }
  return out;
}

/**
 * Outer product `out ← alpha·x·yᵀ`. Shapes: x: [m], y: [n], out: [m, n]. mn flops.
 * @throws ShapeError on a shape mismatch or when `out` overlaps x or y.
 */
export function outer(out: Matrix, x: Readonly<Float64Array>, y: Readonly<Float64Array>, alpha = 1): Matrix {
  checkShape('outer', 'out', out, x.length, y.length, 'x·yᵀ');
  checkNoAlias('outer', 'out', out.data, 'x', x);
  checkNoAlias('outer', 'out', out.data, 'y', y);
  const o = out.data;
  const n = y.length;
  for (let i = 0; i < x.length; i++) {
    const ax = alpha * x[i];
    const r = i * n;
    for (let j = 0; j < n; j++) o[r + j] = ax * y[j];
  }
  return out;
}

/**
 * Symmetric rank-1 update `A ← A + alpha·x·xᵀ` in place (BLAS dsyr, both triangles).
 * The same rounded `alpha·x_i·x_j` is added to a_ij and a_ji, so a symmetric A stays exactly
 * symmetric. Shapes: A: [n, n], x: [n]. ~n² flops.
 * @throws ShapeError on a shape mismatch or when x overlaps A.
 */
export function syr(A: Matrix, alpha: number, x: Readonly<Float64Array>): Matrix {
  checkSquare('syr', 'A', A);
  checkLength('syr', 'x', x, A.rows, `A.rows (A is ${shapeOf(A)})`);
  checkNoAlias('syr', 'A', A.data, 'x', x);
  const a = A.data;
  const n = A.rows;
  for (let i = 0; i < n; i++) {
    const axi = alpha * x[i];
    a[i * n + i] += axi * x[i];
    for (let j = i + 1; j < n; j++) {
      const t = axi * x[j];
      a[i * n + j] += t;
      a[j * n + i] += t;
    }
  }
  return A;
}

/**
 * Symmetric rank-k update `out ← alpha·AᵀA + beta·out` (BLAS dsyrk, 'T' form).
 * Shapes: A: [k, n], out: [n, n]. Runs the blocked `gemm` ('TN', 2kn² flops) and then mirrors the
 * upper triangle onto the lower, so the result is exactly symmetric; when `beta ≠ 0` only the
 * upper triangle of the input `out` is used (as in BLAS `uplo = 'U'`).
 * @throws ShapeError on a shape mismatch or when `out` overlaps A.
 */
export function syrk(out: Matrix, A: ReadonlyMatrix, alpha = 1, beta = 0): Matrix {
  checkShape('syrk', 'out', out, A.cols, A.cols, `AᵀA (A is ${shapeOf(A)})`);
  checkNoAlias('syrk', 'out', out.data, 'A', A.data);
  gemm(out, A, A, 'TN', alpha, beta);
  const o = out.data;
  const n = A.cols;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) o[j * n + i] = o[i * n + j];
  }
  return out;
}

/**
 * `out ← diag(d)·A` (row i scaled by d_i). Shapes: d: [m], A, out: [m, n]; `out === A` allowed.
 * mn flops.
 */
export function scaleRows(out: Matrix, d: Readonly<Float64Array>, A: ReadonlyMatrix): Matrix {
  checkLength('scaleRows', 'd', d, A.rows, `A.rows (A is ${shapeOf(A)})`);
  checkSameShape('scaleRows', 'out', out, 'A', A);
  checkInPlaceOrDisjoint('scaleRows', 'out', out.data, 'A', A.data);
  if (overlaps(out.data, d)) throw new ShapeError('scaleRows: out shares memory with d; pass a separate output buffer');
  const o = out.data;
  const a = A.data;
  const n = A.cols;
  for (let i = 0; i < A.rows; i++) {
    const di = d[i];
    const r = i * n;
    for (let j = 0; j < n; j++) o[r + j] = di * a[r + j];
  }
  return out;
}

/**
 * `out ← A·diag(d)` (column j scaled by d_j). Shapes: A, out: [m, n], d: [n]; `out === A` allowed.
 * mn flops.
 */
export function scaleCols(out: Matrix, A: ReadonlyMatrix, d: Readonly<Float64Array>): Matrix {
  checkLength('scaleCols', 'd', d, A.cols, `A.cols (A is ${shapeOf(A)})`);
  checkSameShape('scaleCols', 'out', out, 'A', A);
  checkInPlaceOrDisjoint('scaleCols', 'out', out.data, 'A', A.data);
  if (overlaps(out.data, d)) throw new ShapeError('scaleCols: out shares memory with d; pass a separate output buffer');
  const o = out.data;
  const a = A.data;
  const n = A.cols;
  for (let i = 0; i < A.rows; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) o[r + j] = a[r + j] * d[j];
  }
  return out;
}
