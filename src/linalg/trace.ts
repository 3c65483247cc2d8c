/**
 * Reductions: traces, inner products and norms, computed without forming intermediate products.
 * Inputs are not checked for finiteness; NaN propagates to the result.
 */
import type { ReadonlyMatrix } from './matrix.js';
import { ShapeError } from './errors.js';
import { checkLength, checkSameShape, checkSquare, shapeOf } from './validate.js';

/** `tr(A) = Σ_i a_ii`. A: [n, n]. O(n). */
export function trace(A: ReadonlyMatrix): number {
  checkSquare('trace', 'A', A);
  const n = A.rows;
  const a = A.data;
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i];
  return s;
}

/** Tile edge for `traceAB`: B is read by columns, so tiles keep its 32 touched rows in cache. */
const TRACE_TILE = 32;

/**
 * `tr(A·B) = Σ_ij a_ij · b_ji` without forming A·B (2mn flops instead of 2m²n).
 * Shapes: A: [m, n], B: [n, m]. Cache-blocked because B is traversed column-wise.
 * @throws ShapeError when B is not shaped like Aᵀ.
 */
export function traceAB(A: ReadonlyMatrix, B: ReadonlyMatrix): number {
  const m = A.rows;
  const n = A.cols;
  if (B.rows !== n || B.cols !== m) {
    throw new ShapeError(`traceAB: A is ${shapeOf(A)} so B must be [${n}, ${m}], but B is ${shapeOf(B)}`);
  }
  const a = A.data;
  const b = B.data;
  let s = 0;
  for (let i0 = 0; i0 < m; i0 += TRACE_TILE) {
    const i1 = Math.min(m, i0 + TRACE_TILE);
    for (let j0 = 0; j0 < n; j0 += TRACE_TILE) {
      const j1 = Math.min(n, j0 + TRACE_TILE);
      for (let i = i0; i < i1; i++) {
        const r = i * n;
        let t = 0;
        for (let j = j0; j < j1; j++) t += a[r + j] * b[j * m + i];
        s += t;
      }
    }
  }
  return s;
}

/**
 * `tr(Aᵀ·B) = Σ_ij a_ij · b_ij` (the Frobenius inner product) without forming AᵀB.
 * Shapes: A, B: [m, n]. 2mn flops.
 * @throws ShapeError when the shapes differ.
 */
export function traceAtB(A: ReadonlyMatrix, B: ReadonlyMatrix): number {
  checkSameShape('traceAtB', 'A', A, 'B', B);
  return dotRaw(A.data, B.data, A.rows * A.cols);
}

/**
 * Bilinear form `xᵀ·A·y = Σ_ij x_i a_ij y_j`. Shapes: x: [m], A: [m, n], y: [n]. 2mn flops,
 * no allocation.
 * @throws ShapeError on a length mismatch.
 */
export function quadForm(x: Readonly<Float64Array>, A: ReadonlyMatrix, y: Readonly<Float64Array>): number {
  checkLength('quadForm', 'x', x, A.rows, `A.rows (A is ${shapeOf(A)})`);
  checkLength('quadForm', 'y', y, A.cols, `A.cols (A is ${shapeOf(A)})`);
  const a = A.data;
  const n = A.cols;
  let s = 0;
  for (let i = 0; i < A.rows; i++) {
    const r = i * n;
    let t = 0;
    for (let j = 0; j < n; j++) t += a[r + j] * y[j];
    s += x[i] * t;
  }
  return s;
}

function dotRaw(x: Readonly<Float64Array>, y: Readonly<Float64Array>, n: number): number {
  // Four accumulators break the floating-point add dependency chain.
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += x[i] * y[i];
    s1 += x[i + 1] * y[i + 1];
    s2 += x[i + 2] * y[i + 2];
    s3 += x[i + 3] * y[i + 3];
  }
  for (; i < n; i++) s0 += x[i] * y[i];
  return s0 + s1 + (s2 + s3);
}

/** `xᵀy = Σ_i x_i y_i`. Shapes: x, y: [n]. 2n flops. @throws ShapeError when lengths differ. */
export function dot(x: Readonly<Float64Array>, y: Readonly<Float64Array>): number {
  checkLength('dot', 'y', y, x.length, 'x.length');
  return dotRaw(x, y, x.length);
}

/** Below/above these the plain sum of squares may underflow/overflow; then rescale by max|x_i|. */
const SUMSQ_SMALL = 1e-290;
const SUMSQ_LARGE = 1e290;

/** `sqrt(Σ x_i²)` of `n` entries of `x`, rescaled by the max entry when the plain sum would under/overflow. */
function norm2Raw(x: Readonly<Float64Array>, n: number): number {
  let ss = 0;
  for (let i = 0; i < n; i++) ss += x[i] * x[i];
  if (ss > SUMSQ_SMALL && ss < SUMSQ_LARGE) return Math.sqrt(ss);
  if (ss !== ss) return NaN;
  let mx = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(x[i]);
    if (v > mx) mx = v;
  }
  if (mx === 0 || mx === Infinity) return mx;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i] / mx;
    s += v * v;
  }
  return mx * Math.sqrt(s);
}

/**
 * Euclidean norm `‖x‖₂`, safe against overflow and underflow (rescales when Σx² leaves
 * [1e-290, 1e290]). Shape: x: [n]. O(n).
 */
export function norm2(x: Readonly<Float64Array>): number {
  return norm2Raw(x, x.length);
}

/** Frobenius norm `‖A‖_F = sqrt(Σ_ij a_ij²)`, overflow/underflow safe as `norm2`. O(mn). */
export function frobeniusNorm(A: ReadonlyMatrix): number {
  return norm2Raw(A.data, A.rows * A.cols);
}

/**
 * `max_ij |a_ij|` of a matrix (or `max_i |x_i|` of a vector); 0 when empty, NaN when any entry
 * is NaN. O(mn).
 */
export function maxAbs(A: ReadonlyMatrix | Readonly<Float64Array>): number {
  const a = ArrayBuffer.isView(A) ? (A as Readonly<Float64Array>) : (A as ReadonlyMatrix).data;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
    else if (v !== v) return NaN;
  }
  return m;
}
