/**
 * Typed errors of the linear-algebra engine. Every error names the argument it is about and the
 * reason, so a failure deep in a computation can be traced to the input that caused it.
 */

/** Base class of every error thrown by `src/linalg`. */
export class LinalgError extends Error {
  /** The class name, `'LinalgError'` (kept when the error is serialised or re-thrown). */
  override name = 'LinalgError';
  /** Whose failure this is: `'numerical'` (a valid computation failed) or `'input'` (a wrong argument); see `failureKindOf` in src/errors.ts. */
  readonly failureKind: 'input' | 'numerical' = 'numerical';
}

/** An argument has the wrong shape. `message` names both shapes. */
export class ShapeError extends LinalgError {
  /** The class name, `'ShapeError'` (kept when the error is serialised or re-thrown). */
  override name = 'ShapeError';
  /** A wrong argument: the caller's input. */
  override readonly failureKind = 'input' as const;
  constructor(message: string) {
    super(message);
  }
}

/** An argument holds NaN or ±∞. Carries the argument name and the (row, col) position. */
export class NonFiniteError extends LinalgError {
  /** The class name, `'NonFiniteError'` (kept when the error is serialised or re-thrown). */
  override name = 'NonFiniteError';
  /** A wrong argument: the caller's input. */
  override readonly failureKind = 'input' as const;
  constructor(
    /** Name of the offending argument, as the caller passed it. */
    readonly argument: string,
    /** 0-based row of the first non-finite entry. */
    readonly row: number,
    /** 0-based column of the first non-finite entry (0 for a vector). */
    readonly col: number,
    /** The offending value: NaN, +∞ or −∞. */
    readonly value: number,
  ) {
    super(`${argument}[${row}][${col}] is ${value}: every entry must be finite`);
  }
}

/** A matrix given to a symmetric routine is not symmetric to the relative tolerance. */
export class NotSymmetricError extends LinalgError {
  /** The class name, `'NotSymmetricError'` (kept when the error is serialised or re-thrown). */
  override name = 'NotSymmetricError';
  /** A wrong argument: the caller's input. */
  override readonly failureKind = 'input' as const;
  constructor(
    /** Name of the offending matrix argument. */
    readonly argument: string,
    /** Measured max|A_ij − A_ji| / max|A| (dimensionless). */
    readonly asymmetry: number,
    /** The relative tolerance it exceeded. */
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
  /** The class name, `'NotPositiveDefiniteError'` (kept when the error is serialised or re-thrown). */
  override name = 'NotPositiveDefiniteError';
  constructor(
    /** Name of the offending matrix argument. */
    readonly argument: string,
    /** 0-based index of the failing Cholesky pivot, or of the eigenvalue in ascending order. */
    readonly pivotIndex: number,
    /** The pivot before its square root, or the eigenvalue: not above the routine's positivity threshold, or NaN. */
    readonly pivotValue: number,
    /** What judged the matrix: a Cholesky pivot or an eigenvalue. @defaultValue 'Cholesky pivot' */
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
  /** The class name, `'SingularMatrixError'` (kept when the error is serialised or re-thrown). */
  override name = 'SingularMatrixError';
  constructor(
    /** Name of the offending matrix argument. */
    readonly argument: string,
    /** 0-based index of the LU pivot found zero. */
    readonly pivotIndex: number,
    /** Value of that pivot (zero relative to the scale of the matrix). */
    readonly pivotValue: number,
  ) {
    super(
      `${argument} is singular to working precision: LU pivot ${pivotIndex} is ${pivotValue.toExponential(6)}`,
    );
  }
}

/** An iterative routine (the QL iteration of `eigh`) did not converge within its iteration cap. */
export class ConvergenceError extends LinalgError {
  /** The class name, `'ConvergenceError'` (kept when the error is serialised or re-thrown). */
  override name = 'ConvergenceError';
  constructor(
    /** Name of the matrix being processed. */
    readonly argument: string,
    /** The routine that did not converge, e.g. `'eigh (implicit QL)'`. */
    readonly routine: string,
    /** The iteration cap that was reached. */
    readonly iterations: number,
  ) {
    super(`${routine} did not converge for ${argument} within ${iterations} iterations`);
  }
}
