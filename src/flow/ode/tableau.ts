/**
 * Butcher tableaus of explicit Runge–Kutta methods as validated, frozen data (diffrax
 * `ButcherTableau`, scipy `RungeKutta.A/B/C/E/P`). A method file holds only data and calls
 * {@link defineTableau}; the one generic stepper in `stepper.ts` consumes it.
 *
 * Notation (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.1): stage i is
 * k_i = f(t + c_i h, y + h Σ_{j<i} a_ij k_j), the solution is y₁ = y + h Σ b_i k_i, the embedded
 * solution is ŷ₁ = y + h Σ b̂_i k_i and the error estimate is y₁ − ŷ₁ = h Σ (b_i − b̂_i) k_i.
 *
 * Stage matrix layout used by the stepper and by the dense-output data (`K`, one row per vector):
 * rows 0 … s−1 are the stages; for a non-FSAL method row s holds f(t + h, y₁); any extra
 * dense-output stages follow. For an FSAL method f(t + h, y₁) *is* stage s−1, so there is no
 * separate row.
 */
import type { DenseBasis } from './types.js';

/** Relative tolerance of the tableau invariants (row sums, Σb = 1, Σb_err = 0, dense continuity). */
export const TABLEAU_TOLERANCE = 1e-14;

/** A tableau definition violates a shape or consistency rule. The message names tableau and field. */
export class TableauError extends Error {
  /** The class name, `'TableauError'`. */
  override name = 'TableauError';
}

/** Dense output of an explicit RK method: r_j = h Σ_i P[i][j] K_i, evaluated in `basis`. */
export interface DenseOutputData {
  /** Polynomial basis of the coefficient vectors (see {@link DenseBasis}). */
  readonly basis: DenseBasis;
  /** Order q of the interpolant (local interpolation error O(h^{q+1})). */
  readonly order: number;
  /**
   * Extra stages evaluated only when dense output is needed (DOP853). Extra stage k occupies K row
   * `firstExtraRow + k` and its `a` row has one entry per preceding K row (f(t + h, y₁) included).
   */
  readonly extraStages:
    | {
        /** Nodes of the extra stages, one per stage. */
        readonly c: readonly number[];
        /** Coupling rows: row k has one entry per K row before extra stage k. */
        readonly a: readonly (readonly number[])[];
      }
    | undefined;
  /** Weights, shape [kRows, m]: P[i][j] is the weight of K row i in coefficient vector r_j. */
  readonly P: readonly (readonly number[])[];
}

/** A validated, deeply frozen Butcher tableau (see the module comment for notation). */
export interface ButcherTableau {
  /** Discriminant of the `Method` union accepted by `solve`. */
  readonly kind: 'explicitRK';
  /** Short method name, e.g. `'dopri5'`. */
  readonly name: string;
  /** Number of stages s (FSAL stage included). */
  readonly stages: number;
  /** Nodes c, length s; c_0 = 0. */
  readonly c: readonly number[];
  /** Strictly lower-triangular coupling: row i has i entries a_i0 … a_i,i−1. */
  readonly a: readonly (readonly number[])[];
  /** Solution weights b, length s. */
  readonly b: readonly number[];
  /** Error weights b − b̂, length s; `undefined` for fixed-step-only methods (Euler, RK4). */
  readonly bErr: readonly number[] | undefined;
  /**
   * Optional second, lower-order error-weight vector (DOP853's 3rd-order estimator). When present
   * the error norm is Hairer's stretched estimate ‖e‖² / √(‖e‖² + 0.01‖e_low‖²).
   */
  readonly bErrLow: readonly number[] | undefined;
  /** Order p of the solution. */
  readonly order: number;
  /** Order of the embedded solution; `undefined` iff `bErr` is. */
  readonly errorOrder: number | undefined;
  /** First-same-as-last: derived — last row of a equals b, b_{s−1} = 0 and c_{s−1} = 1. */
  readonly fsal: boolean;
  /** Number of K rows: s + (fsal ? 0 : 1) + number of extra dense stages. */
  readonly kRows: number;
  /** K row that holds f(t + h, y₁): s − 1 if FSAL, else s. */
  readonly fNewRow: number;
  /** Dense output, or `undefined` if the method has none. */
  readonly dense: DenseOutputData | undefined;
  /** Citation of the coefficients' source. */
  readonly reference: string;
}

/** Input of {@link defineTableau}. Give at most one of `bHat` and `bErr`. */
export interface TableauDefinition {
  /** Short method name. */
  readonly name: string;
  /** Nodes, length s, c_0 = 0. */
  readonly c: readonly number[];
  /** Lower-triangular rows: row i has exactly i entries. */
  readonly a: readonly (readonly number[])[];
  /** Solution weights, length s. */
  readonly b: readonly number[];
  /** Embedded weights b̂, length s (then b_err = b − b̂). */
  readonly bHat?: readonly number[];
  /** Error weights b − b̂, length s, as published (scipy `E`). */
  readonly bErr?: readonly number[];
  /** Second, lower-order error weights (DOP853 only), length s. */
  readonly bErrLow?: readonly number[];
  /** Order of the solution. */
  readonly order: number;
  /** Order of the embedded solution; required iff embedded weights are given. */
  readonly errorOrder?: number;
  /** Dense output data. */
  readonly dense?: {
    /** Polynomial basis of the coefficient vectors (see {@link DenseBasis}). */
    readonly basis: DenseBasis;
    /** Order q of the interpolant (a positive integer). */
    readonly order: number;
    /** Extra stages evaluated only for dense output (see {@link DenseOutputData.extraStages}). */
    readonly extraStages?: {
      /** Nodes of the extra stages, one per stage. */
      readonly c: readonly number[];
      /** Coupling rows: row k has one entry per K row before extra stage k. */
      readonly a: readonly (readonly number[])[];
    };
    /** Weights, shape [kRows, m]: P[i][j] is the weight of K row i in coefficient vector r_j. */
    readonly P: readonly (readonly number[])[];
  };
  /** Citation. */
  readonly reference: string;
}

function fail(name: string, message: string): never {
  throw new TableauError(`tableau ${name}: ${message}`);
}

function checkVector(name: string, field: string, v: readonly number[], length: number): void {
  if (!Array.isArray(v)) fail(name, `${field} must be an array`);
  if (v.length !== length) fail(name, `${field} must have ${length} entries, got ${v.length}`);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) fail(name, `${field}[${i}] is ${v[i]}, must be finite`);
  }
}

function sum(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s;
}

function l1(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += Math.abs(x);
  return s;
}

/** |Σ v − target| ≤ TABLEAU_TOLERANCE · max(1, Σ|v|, |target|). */
function sumsTo(v: readonly number[], target: number): boolean {
  return Math.abs(sum(v) - target) <= TABLEAU_TOLERANCE * Math.max(1, l1(v), Math.abs(target));
}

function nearlyEqual(x: number, y: number): boolean {
  return Math.abs(x - y) <= TABLEAU_TOLERANCE * Math.max(1, Math.abs(x), Math.abs(y));
}

function checkLowerRows(
  name: string,
  field: string,
  rows: readonly (readonly number[])[],
  c: readonly number[],
  firstLength: number,
): void {
  if (!Array.isArray(rows) || rows.length !== c.length) {
    fail(name, `${field} must have ${c.length} rows, got ${Array.isArray(rows) ? rows.length : typeof rows}`);
  }
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as readonly number[];
    checkVector(name, `${field}[${i}]`, row, firstLength + i);
    if (!sumsTo(row, c[i] as number)) {
      fail(name, `row sum of ${field}[${i}] is ${sum(row)}, must equal c = ${c[i]}`);
    }
  }
}

function freezeRows(rows: readonly (readonly number[])[]): readonly (readonly number[])[] {
  return Object.freeze(rows.map((r) => Object.freeze([...r])));
}

/**
 * Validate a tableau definition and return it as deeply frozen data with `fsal`, `kRows` and
 * `fNewRow` derived. Checks (scipy `test_coefficient_properties`): shapes, finiteness, c_0 = 0,
 * row sums of a equal c, Σb = 1, Σb_err = 0, extra dense stages consistent, and the interpolant
 * reproducing y₁ at θ = 1 — all to {@link TABLEAU_TOLERANCE} relative to the ℓ¹ size of the terms.
 *
 * @throws {TableauError} naming the tableau and the offending field.
 */
export function defineTableau(def: TableauDefinition): ButcherTableau {
  const name = def.name;
  if (typeof name !== 'string' || name.length === 0) throw new TableauError('tableau name must be a non-empty string');
  if (typeof def.reference !== 'string' || def.reference.length === 0) fail(name, 'reference must be a non-empty string');
  const s = Array.isArray(def.c) ? def.c.length : 0;
  if (s < 1) fail(name, 'c must have at least one entry');
  checkVector(name, 'c', def.c, s);
  if (def.c[0] !== 0) fail(name, `c[0] must be 0 (explicit methods reuse f(t, y)), got ${def.c[0]}`);
  checkLowerRows(name, 'a', def.a, def.c, 0);
  checkVector(name, 'b', def.b, s);
  if (!sumsTo(def.b, 1)) fail(name, `Σb = ${sum(def.b)}, must be 1`);
  if (!Number.isInteger(def.order) || def.order < 1) fail(name, `order must be a positive integer, got ${def.order}`);

  if (def.bHat !== undefined && def.bErr !== undefined) fail(name, 'give at most one of bHat and bErr');
  let bErr: number[] | undefined;
  if (def.bHat !== undefined) {
    checkVector(name, 'bHat', def.bHat, s);
    if (!sumsTo(def.bHat, 1)) fail(name, `Σb̂ = ${sum(def.bHat)}, must be 1`);
    bErr = def.b.map((bi, i) => bi - (def.bHat as readonly number[])[i]!);
  } else if (def.bErr !== undefined) {
    checkVector(name, 'bErr', def.bErr, s);
    bErr = [...def.bErr];
  }
  if (bErr !== undefined && !sumsTo(bErr, 0)) fail(name, `Σb_err = ${sum(bErr)}, must be 0`);
  if (def.bErrLow !== undefined) {
    if (bErr === undefined) fail(name, 'bErrLow needs a primary error estimate (bHat or bErr)');
    checkVector(name, 'bErrLow', def.bErrLow, s);
    if (!sumsTo(def.bErrLow, 0)) fail(name, `Σb_errLow = ${sum(def.bErrLow)}, must be 0`);
  }
  if ((bErr === undefined) !== (def.errorOrder === undefined)) {
    fail(name, 'errorOrder must be given exactly when embedded weights (bHat or bErr) are');
  }
  if (def.errorOrder !== undefined && (!Number.isInteger(def.errorOrder) || def.errorOrder < 1 || def.errorOrder >= def.order)) {
    fail(name, `errorOrder must be an integer in [1, order), got ${def.errorOrder}`);
  }

  // FSAL: the last stage is evaluated at y₁ itself, so it equals f(t + h, y₁).
  const last = def.a[s - 1] as readonly number[];
  const fsal =
    s > 1 &&
    def.c[s - 1] === 1 &&
    def.b[s - 1] === 0 &&
    last.every((aij, j) => nearlyEqual(aij, def.b[j] as number));
  const fNewRow = fsal ? s - 1 : s;
  const firstExtraRow = fNewRow + 1;

  let dense: DenseOutputData | undefined;
  if (def.dense !== undefined) {
    const d = def.dense;
    if (d.basis !== 'monomial' && d.basis !== 'nested') fail(name, `dense.basis must be 'monomial' or 'nested', got ${String(d.basis)}`);
    if (!Number.isInteger(d.order) || d.order < 1) fail(name, `dense.order must be a positive integer, got ${d.order}`);
    const extra = d.extraStages;
    const nExtra = extra === undefined ? 0 : extra.c.length;
    if (extra !== undefined) {
      checkVector(name, 'dense.extraStages.c', extra.c, nExtra);
      checkLowerRows(name, 'dense.extraStages.a', extra.a, extra.c, firstExtraRow);
    }
    const kRows = firstExtraRow + nExtra;
    if (!Array.isArray(d.P) || d.P.length !== kRows) fail(name, `dense.P must have ${kRows} rows (one per K row), got ${Array.isArray(d.P) ? d.P.length : typeof d.P}`);
    const m = (d.P[0] as readonly number[]).length;
    if (m < 1) fail(name, 'dense.P rows must have at least one entry');
    for (let i = 0; i < kRows; i++) {
      const row = d.P[i] as readonly number[];
      checkVector(name, `dense.P[${i}]`, row, m);
      // Continuity: the interpolant must reproduce y₁ = y + h Σ b_i k_i at θ = 1.
      const bi = i < s ? (def.b[i] as number) : 0;
      const atOne = d.basis === 'monomial' ? row : [row[0] as number];
      if (!sumsTo(atOne, bi)) fail(name, `dense.P[${i}] gives weight ${sum(atOne)} at θ = 1, must equal b = ${bi}`);
    }
    dense = Object.freeze({
      basis: d.basis,
      order: d.order,
      extraStages: extra === undefined ? undefined : Object.freeze({ c: Object.freeze([...extra.c]), a: freezeRows(extra.a) }),
      P: freezeRows(d.P),
    });
  }

  return Object.freeze({
    kind: 'explicitRK' as const,
    name,
    stages: s,
    c: Object.freeze([...def.c]),
    a: freezeRows(def.a),
    b: Object.freeze([...def.b]),
    bErr: bErr === undefined ? undefined : Object.freeze(bErr),
    bErrLow: def.bErrLow === undefined ? undefined : Object.freeze([...def.bErrLow]),
    order: def.order,
    errorOrder: def.errorOrder,
    fsal,
    kRows: firstExtraRow + (dense?.extraStages?.c.length ?? 0),
    fNewRow,
    dense,
    reference: def.reference,
  });
}
