/**
 * The one dense matrix type of linear-icl: row-major, contiguous, Float64Array-backed.
 * Entry (i, j) of an r×c matrix A is `A.data[i * A.cols + j]`. Vectors are plain Float64Array.
 *
 * This file holds construction and interop (nested arrays, ml-matrix objects). Constructors
 * that take untrusted input (`fromRows`, `fromVector`) validate shape and finiteness and name
 * the offending argument; the cheap ones (`zeros`, `identity`, …) only check their sizes.
 */
import { NonFiniteError, ShapeError } from './errors.js';
import { assertFinite, checkSameShape, shapeOf } from './validate.js';

/** A dense r×c matrix of float64, row-major: entry (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  /** Number of rows r (≥ 0). */
  readonly rows: number;
  /** Number of columns c (≥ 0). */
  readonly cols: number;
  /** The r·c entries, row-major; shape [rows, cols]. */
  readonly data: Float64Array;
}

/** A read-only view of a matrix, used for kernel inputs. */
export type ReadonlyMatrix = {
  /** Number of rows r (≥ 0). */
  readonly rows: number;
  /** Number of columns c (≥ 0). */
  readonly cols: number;
  /** The r·c entries, row-major; shape [rows, cols]. */
  readonly data: Readonly<Float64Array>;
};

/** Vectors are plain Float64Array. */
export type Vector = Float64Array;

/** Anything with ml-matrix's `to2DArray()` (duck-typed so ml-matrix stays a dev dependency). */
export interface To2DArray {
  /** The entries as nested rows `a[i][j]`. */
  to2DArray(): number[][];
}

function checkSize(op: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`${op}: ${name} must be a non-negative integer, got ${v}`);
  }
}

/**
 * The `rows × cols` zero matrix. Shape [rows, cols]; O(rows·cols) (one allocation).
 * @throws RangeError when a size is not a non-negative integer.
 */
export function zeros(rows: number, cols: number): Matrix {
  checkSize('zeros', 'rows', rows);
  checkSize('zeros', 'cols', cols);
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** The `n × n` identity `I`. O(n²). */
export function identity(n: number): Matrix {
  checkSize('identity', 'n', n);
  const I = zeros(n, n);
  for (let i = 0; i < n; i++) I.data[i * n + i] = 1;
  return I;
}

/**
 * Wraps an existing row-major buffer as a matrix without copying (the matrix shares `data`).
 * @throws ShapeError when `data.length !== rows · cols`.
 */
export function asMatrix(rows: number, cols: number, data: Float64Array): Matrix {
  checkSize('asMatrix', 'rows', rows);
  checkSize('asMatrix', 'cols', cols);
  if (data.length !== rows * cols) {
    throw new ShapeError(`asMatrix: data has length ${data.length} but [${rows}, ${cols}] needs ${rows * cols}`);
  }
  return { rows, cols, data };
}

function isMatrix(a: unknown): a is ReadonlyMatrix {
  return typeof a === 'object' && a !== null && (a as { data?: unknown }).data instanceof Float64Array;
}

function isTo2DArray(a: unknown): a is To2DArray {
  return typeof a === 'object' && a !== null && typeof (a as { to2DArray?: unknown }).to2DArray === 'function';
}

/**
 * Copies a nested array `a[i][j]`, an ml-matrix-like object (anything with `to2DArray()`), or a
 * `Matrix` into a fresh validated `Matrix`. `[]` gives the 0×0 matrix. O(rows·cols).
 * @param name - argument name used in error messages.
 * @throws ShapeError for ragged rows; TypeError for non-numbers; NonFiniteError(name, i, j, v)
 *   for NaN/±∞.
 */
export function fromRows(a: readonly (readonly number[])[] | To2DArray | ReadonlyMatrix, name = 'A'): Matrix {
  if (isMatrix(a)) {
    if (a.data.length !== a.rows * a.cols) {
      throw new ShapeError(`fromRows: ${name}.data has length ${a.data.length} but ${name} is ${shapeOf(a)}`);
    }
    assertFinite(a, name);
    return { rows: a.rows, cols: a.cols, data: new Float64Array(a.data) };
  }
  const rowsArray = isTo2DArray(a) ? a.to2DArray() : a;
  if (!Array.isArray(rowsArray)) {
    throw new TypeError(`fromRows: ${name} must be number[][], a Matrix or have to2DArray(), got ${typeof a}`);
  }
  const rows = rowsArray.length;
  const cols = rows === 0 ? 0 : (rowsArray[0] as readonly number[]).length;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const r = rowsArray[i] as readonly number[];
    if (!Array.isArray(r) && !ArrayBuffer.isView(r)) {
      throw new TypeError(`fromRows: ${name}[${i}] is not an array`);
    }
    if (r.length !== cols) {
      throw new ShapeError(`fromRows: ${name}[${i}] has length ${r.length} but ${name}[0] has length ${cols}; rows must be rectangular`);
    }
    for (let j = 0; j < cols; j++) {
      const v = r[j];
      if (typeof v !== 'number') throw new TypeError(`fromRows: ${name}[${i}][${j}] is ${typeof v}, not a number`);
      if (v - v !== 0) throw new NonFiniteError(name, i, j, v);
      data[i * cols + j] = v;
    }
  }
  return { rows, cols, data };
}

/** The nested-array copy `A[i][j]` of `A` (for JSON, printing, ml-matrix interop). O(rows·cols). */
export function toRows(A: ReadonlyMatrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < A.rows; i++) {
    out.push(Array.from(A.data.subarray(i * A.cols, (i + 1) * A.cols)));
  }
  return out;
}

/** A fresh copy of `A` (same shape). O(rows·cols). */
export function clone(A: ReadonlyMatrix): Matrix {
  return { rows: A.rows, cols: A.cols, data: new Float64Array(A.data) };
}

/**
 * `out ← A`, shapes equal; returns `out`. O(rows·cols), no allocation.
 * @throws ShapeError when the shapes differ.
 */
export function copyInto(out: Matrix, A: ReadonlyMatrix): Matrix {
  checkSameShape('copyInto', 'out', out, 'A', A);
  out.data.set(A.data);
  return out;
}

/** The square matrix `diag(v)`, shape [n, n] with n = v.length. O(n²). */
export function diagMatrix(v: ArrayLike<number>): Matrix {
  const n = v.length;
  const D = zeros(n, n);
  for (let i = 0; i < n; i++) D.data[i * n + i] = v[i] as number;
  return D;
}

/**
 * A validated Float64Array copy of `v` (any array-like of numbers). O(n).
 * @throws TypeError for non-numbers; NonFiniteError(name, i, 0, v) for NaN/±∞.
 */
export function fromVector(v: ArrayLike<number>, name = 'x'): Float64Array<ArrayBuffer> {
  const n = v.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (typeof x !== 'number') throw new TypeError(`fromVector: ${name}[${i}] is ${typeof x}, not a number`);
    if (x - x !== 0) throw new NonFiniteError(name, i, 0, x);
    out[i] = x;
  }
  return out;
}
