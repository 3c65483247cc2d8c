/**
 * Validation of JSON-shaped input (problems, estimators): each failure is an InputError naming the
 * exact field (`H[1][2]`, `estimator.WKQ`) and the reason. Used by the library constructors and the
 * CLI alike, so both reject the same inputs with the same messages.
 */
import { InputError } from '../errors.js';
import type { Matrix } from '../linalg/index.js';

/** Throws unless `value` is a finite number. */
export function finiteNumber(value: unknown, field: string, ErrorClass: typeof InputError = InputError): number {
  if (typeof value !== 'number') throw new ErrorClass(field, `must be a number, got ${describe(value)}`);
  if (!Number.isFinite(value)) throw new ErrorClass(field, `must be finite, got ${value}`);
  return value;
}

/** Throws unless `value` is an integer ≥ min. */
export function integerAtLeast(value: unknown, field: string, min: number, ErrorClass: typeof InputError = InputError): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ErrorClass(field, `must be an integer ≥ ${min}, got ${describe(value)}`);
  }
  return value;
}

/** A flat array of finite numbers, optionally of a given length. */
export function finiteVector(value: unknown, field: string, length?: number, ErrorClass: typeof InputError = InputError): Float64Array {
  if (!Array.isArray(value) && !(value instanceof Float64Array)) {
    throw new ErrorClass(field, `must be an array of numbers, got ${describe(value)}`);
  }
  const arr = value as ArrayLike<unknown>;
  if (length !== undefined && arr.length !== length) {
    throw new ErrorClass(field, `must have length ${length}, got ${arr.length}`);
  }
  const out = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) out[i] = finiteNumber(arr[i], `${field}[${i}]`, ErrorClass);
  return out;
}

/** A rectangular nested array of finite numbers → Matrix; `rows`/`cols` are checked when given. */
export function finiteMatrix(
  value: unknown,
  field: string,
  rows?: number,
  cols?: number,
  ErrorClass: typeof InputError = InputError,
): Matrix {
  if (isMatrix(value)) {
    checkShape(value.rows, value.cols, field, rows, cols, ErrorClass);
    for (let k = 0; k < value.data.length; k++) {
      if (!Number.isFinite(value.data[k])) {
        throw new ErrorClass(`${field}[${Math.floor(k / value.cols)}][${k % value.cols}]`, `must be finite, got ${value.data[k]}`);
      }
    }
    return { rows: value.rows, cols: value.cols, data: Float64Array.from(value.data) };
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((r) => Array.isArray(r))) {
    throw new ErrorClass(field, `must be a non-empty array of rows (number[][]), got ${describe(value)}`);
  }
  const r = value.length;
  const c = (value[0] as unknown[]).length;
  if (c === 0) throw new ErrorClass(field, 'rows must not be empty');
  for (let i = 0; i < r; i++) {
    const len = (value[i] as unknown[]).length;
    if (len !== c) throw new ErrorClass(`${field}[${i}]`, `has ${len} entries but row 0 has ${c}: not rectangular`);
  }
  checkShape(r, c, field, rows, cols, ErrorClass);
  const data = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    const row = value[i] as unknown[];
    for (let j = 0; j < c; j++) data[i * c + j] = finiteNumber(row[j], `${field}[${i}][${j}]`, ErrorClass);
  }
  return { rows: r, cols: c, data };
}

function checkShape(r: number, c: number, field: string, rows: number | undefined, cols: number | undefined, ErrorClass: typeof InputError): void {
  if ((rows !== undefined && r !== rows) || (cols !== undefined && c !== cols)) {
    throw new ErrorClass(field, `must be ${rows ?? '?'}×${cols ?? '?'}, got ${r}×${c}`);
  }
}

/** Throws unless `value` is a plain object; returns it as a record. */
export function record(value: unknown, field: string, ErrorClass: typeof InputError = InputError): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ErrorClass(field, `must be a JSON object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Rejects keys of `obj` that are not in `allowed` (catches typos such as `sigma` for `sigma2`). */
export function noUnknownKeys(obj: Record<string, unknown>, allowed: readonly string[], field: string, ErrorClass: typeof InputError = InputError): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new ErrorClass(field === '' ? k : `${field}.${k}`, `unknown field (allowed: ${allowed.join(', ')})`);
    }
  }
}

/** True for a `{rows, cols, data: Float64Array}` matrix. */
export function isMatrix(value: unknown): value is Matrix {
  return (
    typeof value === 'object' && value !== null && (value as Matrix).data instanceof Float64Array &&
    typeof (value as Matrix).rows === 'number' && typeof (value as Matrix).cols === 'number'
  );
}

/** Short description of a JSON value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
