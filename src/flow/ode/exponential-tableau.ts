/**
 * Exponential Runge–Kutta coefficients as validated, frozen data, and the φ-functions they are
 * made of. For a semilinear problem y′ = ℓ ⊙ y + N(t, y) with a diagonal linear part ℓ and
 * z = hℓ (elementwise), stage i and the step read
 *
 *     U_i = e^{c_i z} y + h Σ_{j<i} a_ij(z) N(t + c_j h, U_j),   y₁ = e^{z} y + h Σ_i b_i(z) N_i,
 *     err = h Σ_i (b_i − b̂_i)(z) N_i,
 *
 * where every coefficient a_ij, b_i, b_i − b̂_i is a sum of terms coef·φ_k(c·z) (a {@link PhiTerm}),
 * φ_0(x) = e^x, φ_k(x) = Σ_m x^m/(m + k)! (Hochbruck & Ostermann, *Exponential integrators*,
 * Acta Numerica 19 (2010), §2.3). With N ≡ const the stages are exact, which is what
 * {@link defineExponentialTableau} checks: Σ_j a_ij(z) = c_i φ₁(c_i z), Σ_i b_i(z) = φ₁(z) and
 * Σ_i (b_i − b̂_i)(z) = 0 — the exponential analogues of "row sums = c", Σb = 1, Σb_err = 0.
 */

/** Coefficient term coef·φ_k(c·z) (k = 0 is e^{c·z}). */
export interface PhiTerm {
  /** Scalar factor. */
  readonly coef: number;
  /** Index k of φ_k. */
  readonly k: 0 | 1 | 2 | 3;
  /** Scaling c ≥ 0 of the argument z = hℓ. */
  readonly c: number;
}

/** A validated, frozen exponential RK tableau (see the module comment). */
export interface ExponentialTableau {
  /** Discriminant. */
  readonly kind: 'exponentialTableau';
  /** Short name, e.g. `'etd4'`. */
  readonly name: string;
  /** Number of stages s. */
  readonly stages: number;
  /** Stiff order of the propagated solution. */
  readonly order: number;
  /** Order of the embedded solution (the controller uses k = errorOrder + 1). */
  readonly errorOrder: number;
  /** Nodes c_i, c_0 = 0, length s. */
  readonly c: readonly number[];
  /** a[i][j] (j < i): sums of φ terms; row i has i entries. */
  readonly a: readonly (readonly (readonly PhiTerm[])[])[];
  /** b[i]: sums of φ terms, length s. */
  readonly b: readonly (readonly PhiTerm[])[];
  /** b[i] − b̂[i]: error weights, length s. */
  readonly bErr: readonly (readonly PhiTerm[])[];
  /** Citation. */
  readonly reference: string;
}

/** Input of {@link defineExponentialTableau}: every field but the derived ones. */
export type ExponentialTableauDefinition = Omit<ExponentialTableau, 'kind' | 'stages'>;

/** Relative tolerance of the consistency checks of {@link defineExponentialTableau}. */
export const EXPONENTIAL_TOLERANCE = 1e-13;
/** Arguments z = hℓ at which {@link defineExponentialTableau} checks the coefficient identities. */
const CHECK_POINTS: readonly number[] = [0, -0.3, -1, -4.5, -60];

/** |z| below which φ_k(z) is summed as a Taylor series (cancellation-free; 15 terms reach eps at 0.5). */
export const PHI_SERIES_RADIUS = 0.5;
const PHI_SERIES_TERMS = 15;

/**
 * φ₀…φ₃ at z into out[0..3]: e^z, (e^z − 1)/z, (φ₁ − 1)/z, (φ₂ − ½)/z, with a Taylor series for
 * |z| < `PHI_SERIES_RADIUS` (0.5). Accurate to a few ulp for every z ≤ 0 (and moderate z > 0).
 */
export function phiFunctions(z: number, out: Float64Array): Float64Array {
  if (Math.abs(z) < PHI_SERIES_RADIUS) {
    // φ₃(z) = Σ_m z^m/(m+3)! by Horner, then φ_{k−1} = 1/(k−1)! + zφ_k.
    let p = 0;
    let fact = 1;
    for (let m = 1; m <= PHI_SERIES_TERMS + 3; m++) fact *= m; // (TERMS + 3)!
    for (let m = PHI_SERIES_TERMS; m >= 0; m--) {
      p = p * z + 1 / fact;
      fact /= m + 3;
    }
    out[3] = p;
    out[2] = 0.5 + z * p;
    out[1] = 1 + z * out[2]!;
    out[0] = 1 + z * out[1]!;
    return out;
  }
  const em1 = Math.expm1(z);
  out[0] = em1 + 1;
  out[1] = em1 / z;
  out[2] = (out[1]! - 1) / z;
  out[3] = (out[2]! - 0.5) / z;
  return out;
}

function fail(name: string, message: string): never {
  throw new RangeError(`exponential tableau ${name}: ${message}`);
}

/** Value of Σ coef·φ_k(c·z) and Σ |coef·φ_k(c·z)| (the scale of the comparison). */
function evaluateTerms(terms: readonly PhiTerm[], z: number, phi: Float64Array): { value: number; scale: number } {
  let value = 0;
  let scale = 0;
  for (const x of terms) {
    const v = x.coef * (phiFunctions(x.c * z, phi)[x.k] as number);
    value += v;
    scale += Math.abs(v);
  }
  return { value, scale };
}

function checkTerms(name: string, field: string, terms: readonly PhiTerm[]): void {
  if (!Array.isArray(terms)) fail(name, `${field} must be an array of φ terms`);
  terms.forEach((x, q) => {
    if (!Number.isFinite(x?.coef)) fail(name, `${field}[${q}].coef is ${x?.coef}, must be finite`);
    if (x.k !== 0 && x.k !== 1 && x.k !== 2 && x.k !== 3) fail(name, `${field}[${q}].k is ${x.k}, must be 0, 1, 2 or 3`);
    if (!Number.isFinite(x.c) || x.c < 0) fail(name, `${field}[${q}].c is ${x.c}, must be finite and ≥ 0`);
  });
}

/**
 * Validate and freeze an exponential RK tableau: shapes, c₀ = 0, finite terms with k ∈ {0, …, 3},
 * 1 ≤ errorOrder < order, and — at z ∈ {0, −0.3, −1, −4.5, −60} — Σ_j a_ij(z) = c_i φ₁(c_i z),
 * Σ_i b_i(z) = φ₁(z), Σ_i (b_i − b̂_i)(z) = 0, each to {@link EXPONENTIAL_TOLERANCE} relative to
 * the sum of the absolute terms.
 *
 * @throws {RangeError} naming the tableau and the field.
 */
export function defineExponentialTableau(def: ExponentialTableauDefinition): ExponentialTableau {
  const name = def.name;
  const s = def.c.length;
  if (s < 1) fail(name, 'c must have at least one entry');
  def.c.forEach((ci, i) => {
    if (!Number.isFinite(ci)) fail(name, `c[${i}] is ${ci}, must be finite`);
  });
  if (def.c[0] !== 0) fail(name, `c[0] must be 0, got ${def.c[0]}`);
  if (def.a.length !== s) fail(name, `a must have ${s} rows`);
  def.a.forEach((row, i) => {
    if (row.length !== i) fail(name, `a[${i}] must have ${i} entries, got ${row.length}`);
    row.forEach((terms, j) => checkTerms(name, `a[${i}][${j}]`, terms));
  });
  if (def.b.length !== s) fail(name, `b must have ${s} entries`);
  if (def.bErr.length !== s) fail(name, `bErr must have ${s} entries`);
  def.b.forEach((terms, i) => checkTerms(name, `b[${i}]`, terms));
  def.bErr.forEach((terms, i) => checkTerms(name, `bErr[${i}]`, terms));
  if (!Number.isInteger(def.order) || !Number.isInteger(def.errorOrder) || def.errorOrder >= def.order || def.errorOrder < 1) {
    fail(name, `need integers 1 ≤ errorOrder < order, got ${def.errorOrder}, ${def.order}`);
  }

  const phi = new Float64Array(4);
  const close = (got: { value: number; scale: number }, target: number): boolean =>
    Math.abs(got.value - target) <= EXPONENTIAL_TOLERANCE * Math.max(got.scale, Math.abs(target), Number.MIN_VALUE);
  for (const z of CHECK_POINTS) {
    for (let i = 1; i < s; i++) {
      const ci = def.c[i] as number;
      const row = evaluateTerms(def.a[i]!.flat(), z, phi);
      const target = ci * (phiFunctions(ci * z, phi)[1] as number);
      if (!close(row, target)) fail(name, `Σ_j a[${i}][j](z) = ${row.value} at z = ${z}, must be c_${i}·φ₁(c_${i}z) = ${target}`);
    }
    const b = evaluateTerms(def.b.flat(), z, phi);
    const phi1 = phiFunctions(z, phi)[1] as number;
    if (!close(b, phi1)) fail(name, `Σ b(z) = ${b.value} at z = ${z}, must be φ₁(z) = ${phi1}`);
    const e = evaluateTerms(def.bErr.flat(), z, phi);
    if (!close(e, 0)) fail(name, `Σ bErr(z) = ${e.value} at z = ${z}, must be 0`);
  }

  const freezeTerms = (terms: readonly PhiTerm[]): readonly PhiTerm[] => Object.freeze(terms.map((x) => Object.freeze({ coef: x.coef, k: x.k, c: x.c })));
  return Object.freeze({
    kind: 'exponentialTableau' as const,
    name,
    stages: s,
    order: def.order,
    errorOrder: def.errorOrder,
    c: Object.freeze([...def.c]),
    a: Object.freeze(def.a.map((row) => Object.freeze(row.map(freezeTerms)))),
    b: Object.freeze(def.b.map(freezeTerms)),
    bErr: Object.freeze(def.bErr.map(freezeTerms)),
    reference: def.reference,
  });
}
