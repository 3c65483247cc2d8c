/**
 * Typed errors of the linear-algebra engine. Every error names the argument it is about and the
 * reason, so a failure deep in a computation can be traced to the input that caused it.
 */

/** Base class of every error thrown by `src/linalg`. */
export class LinalgError extends Error {
  override name = 'LinalgError';
}

/** An argument has the wrong shape. `message` names both shapes. */
export class ShapeError extends LinalgError {
  override name = 'ShapeError';
  constructor(message: string) {
    super(message);
  }
}

/** An argument holds NaN or ±∞. Carries the argument name and the (row, col) position. */
export class NonFiniteError extends LinalgError {
  override name = 'NonFiniteError';
  constructor(
    readonly argument: string,
    readonly row: number,
    readonly col: number,
    readonly value: number,
  ) {
    super(`${argument}[${row}][${col}] is ${value}: every entry must be finite`);
  }
}

/** A matrix given to a symmetric routine is not symmetric to the relative tolerance. */
export class NotSymmetricError extends LinalgError {
  override name = 'NotSymmetricError';
  constructor(
    readonly argument: string,
    readonly asymmetry: number,
    readonly tolerance: number,
  ) {
    super(
      `${argument} is not symmetric: max|A_ij − A_ji| / max|A| = ${asymmetry.toExponential(3)} exceeds ${tolerance.toExponential(3)}`,
    );
  }
}

/**
 * What judged a matrix not positive definite: a Cholesky pivot (before its square root) or an
 * eigenvalue (for the eigendecomposition-based SPD routines `invSqrtm`, `conditionNumberSPD`, …).
 */
export type DefinitenessWitness = 'Cholesky pivot' | 'eigenvalue';

/**
 * Cholesky factorisation met a non-positive pivot. Thrown at factorisation time (not at solve
 * time), with the 0-based pivot index and the value of the pivot before the square root.
 * The eigendecomposition-based SPD routines throw it too, with `witness = 'eigenvalue'`, the
 * index of the offending eigenvalue in ascending order and its value.
 */
export class NotPositiveDefiniteError extends LinalgError {
  override name = 'NotPositiveDefiniteError';
  constructor(
    readonly argument: string,
    readonly pivotIndex: number,
    readonly pivotValue: number,
    readonly witness: DefinitenessWitness = 'Cholesky pivot',
  ) {
    super(
      `${argument} is not positive definite: ${witness} ${pivotIndex} is ${pivotValue.toExponential(6)} ` +
        `(the matrix is indefinite, too ill-conditioned for float64, or not the matrix you meant)`,
    );
  }
}

/** LU factorisation met a pivot that is zero relative to the scale of the matrix. */
export class SingularMatrixError extends LinalgError {
  override name = 'SingularMatrixError';
  constructor(
    readonly argument: string,
    readonly pivotIndex: number,
    readonly pivotValue: number,
  ) {
    super(
      `${argument} is singular to working precision: LU pivot ${pivotIndex} is ${pivotValue.toExponential(6)}`,
    );
  }
}

/** An iterative routine (the QL iteration of `eigh`) did not converge within its iteration cap. */
export class ConvergenceError extends LinalgError {
  override name = 'ConvergenceError';
  constructor(
    readonly argument: string,
    readonly routine: string,
    readonly iterations: number,
  ) {
    super(`${routine} did not converge for ${argument} within ${iterations} iterations`);
  }
}
