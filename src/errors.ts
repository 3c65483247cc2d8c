/**
 * Error classes shared by every layer above src/linalg. The CLI maps them to exit codes:
 * {@link InputError} → 2 (the user can fix the input), {@link NumericalError} → 3 (the input was
 * valid but the computation failed numerically).
 */

/** Invalid user input: names the field (a JSON path such as `H[1][2]` or `options.rtol`) and the reason. */
export class InputError extends Error {
  /** The class name, `'InputError'`; the CLI maps this error to exit code 2. */
  override name = 'InputError';
  constructor(
    /** The field the error is about, e.g. `Psi` or `estimator.WKQ[2][0]`. */
    readonly field: string,
    /** Why the value is rejected. */
    readonly reason: string,
    /** The file the field was read from, when there is one. */
    readonly file?: string,
  ) {
    super(`${file !== undefined ? `${file}: ` : ''}${field}: ${reason}`);
  }

  /** The same error, attributed to a file (the CLI adds the file it read). */
  inFile(file: string): InputError {
    const e = new InputError(this.field, this.reason, file);
    e.name = this.name;
    return e;
  }
}

/** A valid computation that failed numerically (non-convergence, loss of definiteness, overflow). */
export class NumericalError extends Error {
  /** The class name, `'NumericalError'`; the CLI maps this error to exit code 3. */
  override name = 'NumericalError';
  constructor(
    /** Where it failed, e.g. `optimum(lsa): L-BFGS`. */
    readonly where: string,
    /** Why. */
    readonly reason: string,
  ) {
    super(`${where}: ${reason}`);
  }
}

/**
 * Returns `x` when it is finite, else throws a {@link NumericalError} at `where` saying that `what`
 * overflowed (±∞) or is undefined (NaN), followed by `hint` — the one line a user can act on.
 */
export function requireFinite(x: number, where: string, what: string, hint: string): number {
  if (Number.isFinite(x)) return x;
  throw new NumericalError(where, `${what} ${Number.isNaN(x) ? 'is undefined (NaN) in float64' : 'overflows float64'}: ${hint}`);
}

/** Whose failure an error is: the user's input (CLI exit 2), a numerical failure (exit 3), or a bug. */
export type FailureKind = 'input' | 'numerical' | 'internal';

/**
 * The {@link FailureKind} of a thrown value: {@link InputError} → input, {@link NumericalError} →
 * numerical; an error of another layer says its kind in a `failureKind` field (src/linalg's errors:
 * a wrong shape, a non-finite or non-symmetric argument is the caller's input, the rest numerical);
 * anything else is internal. The one classification behind the CLI's exit codes and sweep lines.
 */
export function failureKindOf(e: unknown): FailureKind {
  if (e instanceof InputError) return 'input';
  if (e instanceof NumericalError) return 'numerical';
  const k = typeof e === 'object' && e !== null ? (e as { failureKind?: unknown }).failureKind : undefined;
  return k === 'input' || k === 'numerical' ? k : 'internal';
}
