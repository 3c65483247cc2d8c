/**
 * Rosenbrock (linearly implicit) method coefficients as validated, frozen data, in the
 * transformed form of Hairer & Wanner, *Solving ODEs II*, §IV.7, eq. (7.25)–(7.26), which needs
 * no matrix–vector products with J:
 *
 *     (I/(γh) − J) U_i = f(t + c_i h, y + Σ_{j<i} a_ij U_j) + Σ_{j<i} (C_ij / h) U_j + h d_i ∂f/∂t
 *     y₁ = y + Σ m_i U_i,        err = Σ e_i U_i.
 *
 * With Γ = (diag(1/γ) − C)⁻¹ the original coefficients are α = a Γ, b = m Γ, b̂ = (m − e) Γ, and
 * d_i = Σ_j Γ_ij, c_i = Σ_j α_ij. {@link defineRosenbrockTableau} rebuilds Γ and checks these.
 */
import type { DenseBasis } from './types.js';

/** Relative tolerance of the Rosenbrock consistency checks (coefficients are 16-digit decimals). */
export const ROSENBROCK_TOLERANCE = 1e-13;

/** A validated, frozen Rosenbrock tableau in Hairer–Wanner's transformed form (see module comment). */
export interface RosenbrockTableau {
  /** Discriminant. */
  readonly kind: 'rosenbrockTableau';
  /** Short name, e.g. `'rodas4'`. */
  readonly name: string;
  /** Number of stages s. */
  readonly stages: number;
  /** Diagonal coefficient γ > 0 (the iteration matrix is I − γhJ). */
  readonly gamma: number;
  /** Stage times c_i (α_i in Hairer–Wanner), length s. */
  readonly c: readonly number[];
  /** Transformed stage coupling a_ij, row i has i entries. */
  readonly a: readonly (readonly number[])[];
  /** Transformed coupling C_ij (Hairer's c_ij), row i has i entries. */
  readonly C: readonly (readonly number[])[];
  /** Time-derivative weights d_i = Σ_j Γ_ij (Hairer's γ_i), length s. */
  readonly d: readonly number[];
  /** Solution weights m_i, length s. */
  readonly m: readonly number[];
  /** Error weights e_i (err = Σ e_i U_i), length s. */
  readonly e: readonly number[];
  /** Order of the solution. */
  readonly order: number;
  /** Order of the embedded solution. */
  readonly errorOrder: number;
  /** Dense output: r_j = Σ_i P[i][j] U_i in `basis`; P has shape [s, m]. */
  readonly dense: {
    /** Polynomial basis of the coefficient vectors (see {@link DenseBasis}). */
    readonly basis: DenseBasis;
    /** Order of the interpolant. */
    readonly order: number;
    /** Weights, shape [s, m]: P[i][j] is the weight of stage U_i in coefficient vector r_j. */
    readonly P: readonly (readonly number[])[];
  };
  /** Citation. */
  readonly reference: string;
}

/** Input of {@link defineRosenbrockTableau}: every field of {@link RosenbrockTableau} but the derived ones. */
export type RosenbrockTableauDefinition = Omit<RosenbrockTableau, 'kind' | 'stages'>;

function fail(name: string, message: string): never {
  throw new RangeError(`Rosenbrock tableau ${name}: ${message}`);
}

function checkVector(name: string, field: string, v: readonly number[], length: number): void {
  if (!Array.isArray(v) || v.length !== length) fail(name, `${field} must have ${length} entries`);
  v.forEach((x, i) => {
    if (!Number.isFinite(x)) fail(name, `${field}[${i}] is ${x}, must be finite`);
  });
}

function close(value: number, target: number, scale: number): boolean {
  return Math.abs(value - target) <= ROSENBROCK_TOLERANCE * Math.max(1, scale, Math.abs(target));
}

/**
 * Validate and freeze a Rosenbrock tableau. Checks shapes and finiteness, and — through
 * Γ = (diag(1/γ) − C)⁻¹ — that c_i = Σ_j (aΓ)_ij, d_i = Σ_j Γ_ij, Σ (mΓ)_i = 1, Σ ((m − e)Γ)_i = 1,
 * and that the dense output reproduces y₁ at θ = 1, all to {@link ROSENBROCK_TOLERANCE}.
 *
 * @throws {RangeError} naming the tableau and the field.
 */
export function defineRosenbrockTableau(def: RosenbrockTableauDefinition): RosenbrockTableau {
  const name = def.name;
  const s = def.c.length;
  if (s < 1) fail(name, 'c must have at least one entry');
  if (!(def.gamma > 0) || !Number.isFinite(def.gamma)) fail(name, `gamma must be finite and > 0, got ${def.gamma}`);
  checkVector(name, 'c', def.c, s);
  checkVector(name, 'd', def.d, s);
  checkVector(name, 'm', def.m, s);
  checkVector(name, 'e', def.e, s);
  if (def.a.length !== s || def.C.length !== s) fail(name, `a and C must have ${s} rows`);
  for (let i = 0; i < s; i++) {
    checkVector(name, `a[${i}]`, def.a[i] as readonly number[], i);
    checkVector(name, `C[${i}]`, def.C[i] as readonly number[], i);
  }
  if (!Number.isInteger(def.order) || !Number.isInteger(def.errorOrder) || def.errorOrder >= def.order || def.errorOrder < 1) {
    fail(name, `need integers 1 ≤ errorOrder < order, got ${def.errorOrder}, ${def.order}`);
  }

  // Γ solves (diag(1/γ) − C) Γ = I, lower triangular with diagonal γ: forward substitution by rows.
  const G: number[][] = Array.from({ length: s }, () => new Array<number>(s).fill(0));
  for (let i = 0; i < s; i++) {
    for (let j = 0; j <= i; j++) {
      let acc = i === j ? 1 : 0;
      for (let k = j; k < i; k++) acc += ((def.C[i] as readonly number[])[k] as number) * ((G[k] as number[])[j] as number);
      (G[i] as number[])[j] = def.gamma * acc;
    }
  }
  const rowTimesG = (w: readonly number[], upto: number): number[] =>
    Array.from({ length: s }, (_, j) => {
      let acc = 0;
      for (let k = 0; k < upto; k++) acc += (w[k] as number) * ((G[k] as number[])[j] as number);
      return acc;
    });
  const sumAbs = (v: readonly number[]): number => v.reduce((p, x) => p + Math.abs(x), 0);
  const total = (v: readonly number[]): number => v.reduce((p, x) => p + x, 0);
  for (let i = 0; i < s; i++) {
    const gi = G[i] as number[];
    if (!close(total(gi), def.d[i] as number, sumAbs(gi))) fail(name, `d[${i}] = ${def.d[i]} but Σ_j Γ_${i}j = ${total(gi)}`);
    const alpha = rowTimesG(def.a[i] as readonly number[], i);
    if (!close(total(alpha), def.c[i] as number, sumAbs(alpha))) fail(name, `c[${i}] = ${def.c[i]} but Σ_j α_${i}j = ${total(alpha)}`);
  }
  const b = rowTimesG(def.m, s);
  if (!close(total(b), 1, sumAbs(b))) fail(name, `Σ b = Σ (mΓ) = ${total(b)}, must be 1`);
  const bHat = rowTimesG(
    def.m.map((mi, i) => mi - (def.e[i] as number)),
    s,
  );
  if (!close(total(bHat), 1, sumAbs(bHat))) fail(name, `Σ b̂ = Σ ((m − e)Γ) = ${total(bHat)}, must be 1`);

  const P = def.dense.P;
  if (P.length !== s) fail(name, `dense.P must have ${s} rows`);
  const mDense = (P[0] as readonly number[]).length;
  for (let i = 0; i < s; i++) {
    const row = P[i] as readonly number[];
    checkVector(name, `dense.P[${i}]`, row, mDense);
    const atOne = def.dense.basis === 'monomial' ? total(row) : (row[0] as number);
    if (!close(atOne, def.m[i] as number, sumAbs(row))) fail(name, `dense.P[${i}] gives ${atOne} at θ = 1, must equal m = ${def.m[i]}`);
  }

  const freezeRows = (rows: readonly (readonly number[])[]): readonly (readonly number[])[] =>
    Object.freeze(rows.map((r) => Object.freeze([...r])));
  return Object.freeze({
    kind: 'rosenbrockTableau' as const,
    name,
    stages: s,
    gamma: def.gamma,
    c: Object.freeze([...def.c]),
    a: freezeRows(def.a),
    C: freezeRows(def.C),
    d: Object.freeze([...def.d]),
    m: Object.freeze([...def.m]),
    e: Object.freeze([...def.e]),
    order: def.order,
    errorOrder: def.errorOrder,
    dense: Object.freeze({ basis: def.dense.basis, order: def.dense.order, P: freezeRows(P) }),
    reference: def.reference,
  });
}
