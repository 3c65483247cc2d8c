/**
 * Boundary checks shared by every exported routine of `src/linalg` (stdlib's "check at the
 * boundary, compute unchecked inside"). Kernels call the O(1) shape checks; factorisations and
 * `eigh` also call the O(n²) finiteness and symmetry checks.
 */
import { NonFiniteError, NotSymmetricError, ShapeError } from './errors.js';
import type { Matrix, ReadonlyMatrix } from './matrix.js';

/**
 * Default relative symmetry tolerance of the symmetric routines: `max|A − Aᵀ| ≤ tol · max|A|`.
 * Loose enough for matrices assembled from float products (asymmetry ~ k·eps), tight enough to
 * catch a matrix that is not symmetric at all.
 */
export const SYMMETRY_RTOL = 1e-10;

/** `[rows, cols]`, the shape notation of every error message. */
export function shapeOf(A: { readonly rows: number; readonly cols: number }): string {
  return `[${A.rows}, ${A.cols}]`;
}

/** @internal Throws unless `A` is `rows × cols`. */
export function checkShape(op: string, name: string, A: ReadonlyMatrix, rows: number, cols: number, expected: string): void {
  if (A.rows !== rows || A.cols !== cols) {
    throw new ShapeError(`${op}: ${name} is ${shapeOf(A)} but ${expected} is [${rows}, ${cols}]`);
  }
}

/** @internal Throws unless `A` and `B` have the same shape. */
export function checkSameShape(op: string, nameA: string, A: ReadonlyMatrix, nameB: string, B: ReadonlyMatrix): void {
  if (A.rows !== B.rows || A.cols !== B.cols) {
    throw new ShapeError(`${op}: ${nameA} is ${shapeOf(A)} but ${nameB} is ${shapeOf(B)}; they must have the same shape`);
  }
}

/** @internal Throws unless `A` is square. */
export function checkSquare(op: string, name: string, A: ReadonlyMatrix): void {
  if (A.rows !== A.cols) {
    throw new ShapeError(`${op}: ${name} is ${shapeOf(A)} but must be square`);
  }
}

/** @internal Throws unless `x.length === n`. */
export function checkLength(op: string, name: string, x: ArrayLike<number>, n: number, expected: string): void {
  if (x.length !== n) {
    throw new ShapeError(`${op}: ${name} has length ${x.length} but ${expected} is ${n}`);
  }
}

/** @internal True when two typed arrays share any element of memory. */
export function overlaps(a: Readonly<Float64Array>, b: Readonly<Float64Array>): boolean {
  if (a.buffer !== b.buffer) return false;
  const a0 = a.byteOffset;
  const b0 = b.byteOffset;
  return a0 < b0 + b.byteLength && b0 < a0 + a.byteLength && a.length > 0 && b.length > 0;
}

/** @internal Throws when `out` shares memory with an input that it would overwrite while still reading. */
export function checkNoAlias(op: string, outName: string, out: Readonly<Float64Array>, inName: string, input: Readonly<Float64Array>): void {
  if (overlaps(out, input)) {
    throw new ShapeError(`${op}: ${outName} shares memory with ${inName}; pass a separate output buffer`);
  }
}

/** @internal Elementwise kernels may run in place (`out` is the input buffer) but not on a partial overlap. */
export function checkInPlaceOrDisjoint(op: string, outName: string, out: Readonly<Float64Array>, inName: string, input: Readonly<Float64Array>): void {
  if (out !== input && overlaps(out, input)) {
    throw new ShapeError(`${op}: ${outName} partially overlaps ${inName}; pass ${inName} itself (in place) or a separate buffer`);
  }
}

/**
 * Throws `NonFiniteError(name, i, j, value)` at the first NaN/±∞ entry of `A` (row-major scan).
 * Complexity O(rows·cols).
 */
export function assertFinite(A: ReadonlyMatrix, name = 'A'): void {
  const a = A.data;
  const len = A.rows * A.cols;
  for (let k = 0; k < len; k++) {
    const v = a[k];
    // v − v is 0 for finite v and NaN for NaN/±∞: one subtraction instead of Number.isFinite.
    if (v - v !== 0) {
      const i = Math.floor(k / A.cols);
      throw new NonFiniteError(name, i, k - i * A.cols, v);
    }
  }
}

/**
 * Throws `NonFiniteError(name, i, 0, value)` at the first NaN/±∞ entry of the vector `x`.
 * Complexity O(n).
 */
export function assertFiniteVector(x: ArrayLike<number>, name = 'x'): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    if (v - v !== 0) throw new NonFiniteError(name, i, 0, v);
  }
}

/**
 * Relative asymmetry `max|A_ij − A_ji| / max|A|` of a square matrix (0 for the zero matrix).
 * Complexity O(n²).
 */
export function relativeAsymmetry(A: ReadonlyMatrix): number {
  const n = A.rows;
  const a = A.data;
  let asym = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const ai = i * n;
    const d = Math.abs(a[ai + i]);
    if (d > scale) scale = d;
    for (let j = i + 1; j < n; j++) {
      const x = a[ai + j];
      const y = a[j * n + i];
      const diff = Math.abs(x - y);
      if (diff > asym) asym = diff;
      const m = Math.max(Math.abs(x), Math.abs(y));
      if (m > scale) scale = m;
    }
  }
  return scale === 0 ? 0 : asym / scale;
}

/**
 * Throws `NotSymmetricError` unless `A` (square, finite) satisfies
 * `max|A − Aᵀ| ≤ rtol · max|A|`. Never an exact-equality test. Complexity O(n²).
 */
export function assertSymmetric(A: ReadonlyMatrix, name = 'A', rtol: number = SYMMETRY_RTOL): void {
  checkSquare('assertSymmetric', name, A);
  const asym = relativeAsymmetry(A);
  if (!(asym <= rtol)) throw new NotSymmetricError(name, asym, rtol);
}

/**
 * @internal The boundary of every symmetric routine: `A` square, finite, symmetric to `rtol`;
 * returns the symmetrised copy `(A + Aᵀ)/2` (a fresh matrix the caller may overwrite).
 */
export function symmetricInput(op: string, A: ReadonlyMatrix, name: string): Matrix {
  checkSquare(op, name, A);
  assertFinite(A, name);
  assertSymmetric(A, name);
  const n = A.rows;
  const a = A.data;
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    s[i * n + i] = a[i * n + i];
    for (let j = i + 1; j < n; j++) {
      // 0.5a + 0.5b rather than (a + b)/2: no overflow near ±realmax.
      const v = 0.5 * a[i * n + j] + 0.5 * a[j * n + i];
      s[i * n + j] = v;
      s[j * n + i] = v;
    }
  }
  return { rows: n, cols: n, data: s };
}
