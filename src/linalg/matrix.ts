/**
 * The one dense matrix type of linear-icl: row-major, contiguous, Float64Array-backed.
 * Entry (i, j) of an r×c matrix A is `A.data[i * A.cols + j]`. Vectors are plain Float64Array.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A read-only view of a matrix, used for kernel inputs. */
export type ReadonlyMatrix = {
  readonly rows: number;
  readonly cols: number;
  readonly data: Readonly<Float64Array>;
};

/** Vectors are plain Float64Array. */
export type Vector = Float64Array;
