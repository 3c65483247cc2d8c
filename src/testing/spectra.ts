/**
 * Seeds, sizes, bounded doubles and matrices with a prescribed spectrum: symmetric
 * Q·diag(λ)·Qᵀ and general U·diag(σ)·Vᵀ, with Haar Q, U, V drawn from a seed by the library's
 * portable {@link Rng} and log-uniform λ, σ whose condition number is attained exactly — so a
 * failing case replays from fast-check's seed, and tolerances scaled by the condition number mean
 * something (docs/math.md §1.2: H is [d, d] SPD; the LTB's MLP basis change of §2.2 needs an
 * invertible [d_f, d_f]).
 */
import fc from 'fast-check';
import { Rng, randomOrthogonal, spdFromSpectrum, type Matrix } from '../linalg/index.js';

/**
 * A seed for `new Rng(seed)`: an integer in [0, 2³¹ − 1]. Every random matrix and problem of the
 * kit is built from one, so a failure replays from fast-check's seed (generic; no docs/math.md
 * section).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(seedArb, (seed) => new Rng(seed).uniform() < 1));
 * ```
 */
export const seedArb: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0x7fffffff });

/**
 * A matrix order / vector length in [min, max], drawn as its own parameter so that shrinking
 * reduces it first (towards `min`) — e.g. d or d_f of docs/math.md §1.2.
 *
 * @param min - smallest size. @defaultValue 1
 * @param max - largest size. @defaultValue 40
 * @example
 * ```ts
 * const d = sizeArb(1, 4);
 * ```
 */
export function sizeArb(min = 1, max = 40): fc.Arbitrary<number> {
  return fc.integer({ min, max });
}

/**
 * Options of {@link boundedDouble}, {@link matrixArb} and {@link vectorArb} (generic; no
 * docs/math.md section).
 *
 * @example
 * ```ts
 * const opts: BoundedDoubleOptions = { bound: 2, flushBelow: 1e-30 };
 * ```
 */
export interface BoundedDoubleOptions {
  /** Entries lie in [−bound, bound]. @defaultValue 1 */
  readonly bound?: number;
  /**
   * Entries with |v| < flushBelow become 0 (fast-check otherwise produces subnormals and values
   * like 1e-300 whose products underflow). 0 keeps every double. @defaultValue 0
   */
  readonly flushBelow?: number;
}

/**
 * Doubles in [−bound, bound], never NaN or ±∞ (fast-check `noNaN`, `noDefaultInfinity`); −0 and
 * subnormals included unless `flushBelow` > 0. Shrinks towards 0. Generic (the entries of the
 * weights of docs/math.md §2.1).
 *
 * @example
 * ```ts
 * const entry = boundedDouble({ bound: 2, flushBelow: 1e-30 });
 * ```
 */
export function boundedDouble(options: BoundedDoubleOptions = {}): fc.Arbitrary<number> {
  const { bound = 1, flushBelow = 0 } = options;
  if (!(bound >= 0 && bound < Infinity)) throw new RangeError(`boundedDouble: options.bound must be finite and ≥ 0, got ${bound}`);
  if (!(flushBelow >= 0)) throw new RangeError(`boundedDouble: options.flushBelow must be ≥ 0, got ${flushBelow}`);
  const arb = fc.double({ min: -bound, max: bound, noNaN: true, noDefaultInfinity: true });
  return flushBelow > 0 ? arb.map((v) => (Math.abs(v) < flushBelow ? 0 : v)) : arb;
}

/**
 * A `rows × cols` matrix ([rows, cols], row-major) with entries from {@link boundedDouble};
 * e.g. the raw weights of docs/math.md §2.1.
 *
 * @example
 * ```ts
 * const A = matrixArb(3, 4, { bound: 0.5 });
 * ```
 */
export function matrixArb(rows: number, cols: number, options: BoundedDoubleOptions = {}): fc.Arbitrary<Matrix> {
  return fc
    .array(boundedDouble(options), { minLength: rows * cols, maxLength: rows * cols })
    .map((xs) => ({ rows, cols, data: Float64Array.from(xs) }));
}

/**
 * A vector of length n ([n]) with entries from {@link boundedDouble}; e.g. β₀ of docs/math.md
 * (2.5).
 *
 * @example
 * ```ts
 * const beta0 = vectorArb(3, { bound: 2 });
 * ```
 */
export function vectorArb(n: number, options: BoundedDoubleOptions = {}): fc.Arbitrary<Float64Array> {
  return fc.array(boundedDouble(options), { minLength: n, maxLength: n }).map((xs) => Float64Array.from(xs));
}

/**
 * A Gaussian `rows × cols` matrix ([rows, cols]) from `rng`: iid N(0, scale²) (generic; no
 * docs/math.md section). Consumes rows·cols normals.
 *
 * @param scale - standard deviation of each entry. @defaultValue 1
 * @example
 * ```ts
 * const B = gaussianMatrix(new Rng(1), 3, 3, 0.5);
 * ```
 */
export function gaussianMatrix(rng: Rng, rows: number, cols: number, scale = 1): Matrix {
  const data = rng.fillNormal(new Float64Array(rows * cols));
  if (scale !== 1) for (let i = 0; i < data.length; i++) data[i] *= scale;
  return { rows, cols, data };
}

/**
 * Options of {@link logUniformSpectrum} (generic; no docs/math.md section).
 *
 * @example
 * ```ts
 * const opts: SpectrumOptions = { scale: 2, signs: true };
 * ```
 */
export interface SpectrumOptions {
  /** The largest value max|λ|. @defaultValue 1 */
  readonly scale?: number;
  /** Give each value a random sign (a symmetric indefinite spectrum, |λ| in the same range). @defaultValue false */
  readonly signs?: boolean;
}

/**
 * n values log-uniform in [scale/cond, scale], in random order, with both ends attained exactly
 * when n ≥ 2 — so max|λ|/min|λ| = cond exactly (up to one rounding). Shape [n]. Consumes
 * 2n − 2 uniforms (+ n with `signs`) from `rng`. The spectrum λ of H = V·diag(λ)·Vᵀ
 * (docs/math.md §1.2) in {@link randomProblem}.
 *
 * @param cond - the condition number, ≥ 1 (ignored for n = 1).
 * @example
 * ```ts
 * const lambda = logUniformSpectrum(new Rng(7), 4, 100, { scale: 2 }); // λ ∈ [0.02, 2], both attained
 * ```
 */
export function logUniformSpectrum(rng: Rng, n: number, cond: number, options: SpectrumOptions = {}): Float64Array {
  const { scale = 1, signs = false } = options;
  const l = new Float64Array(n);
  const logCond = Math.log(cond);
  for (let i = 0; i < n; i++) {
    const u = i === 0 ? 0 : i === 1 ? 1 : rng.uniform();
    l[i] = scale * Math.exp(-logCond * u);
  }
  if (n >= 2) l[1] = scale / cond;
  // Fisher–Yates, so the extreme values are not always the first two eigenvectors.
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = l[i]!;
    l[i] = l[j]!;
    l[j] = t;
  }
  if (signs) for (let i = 0; i < n; i++) if (rng.uniform() < 0.5) l[i] = -l[i]!;
  return l;
}

/**
 * A Haar orthogonal `n × n` matrix ([n, n]) drawn from a seed ({@link randomOrthogonal}); the
 * eigenvectors V of H in docs/math.md §1.2.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(orthogonalArb(3), (Q) => Math.abs(Q.data[0]!) <= 1));
 * ```
 */
export function orthogonalArb(n: number): fc.Arbitrary<Matrix> {
  return seedArb.map((seed) => randomOrthogonal(new Rng(seed), n));
}

/**
 * A symmetric test matrix with known eigen-structure (the value of {@link spectralArb}); for an
 * SPD case, an admissible H of docs/math.md §1.2.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(spdArb({ maxSize: 3 }), (c: SpectralCase) => c.A.rows === c.n && c.norm === Math.max(...c.lambda.map(Math.abs))));
 * ```
 */
export interface SpectralCase {
  /** Matrix size n ≥ 1. */
  readonly n: number;
  /** [n, n] Q·diag(lambda)·Qᵀ, exactly symmetric. */
  readonly A: Matrix;
  /** [n, n] Haar orthogonal eigenvector matrix. */
  readonly Q: Matrix;
  /** [n] eigenvalues in construction order (column k of Q ↔ lambda[k]). */
  readonly lambda: Float64Array;
  /** max|λ| / min|λ| (exact by construction). */
  readonly cond: number;
  /** max|λ| = ‖A‖₂. */
  readonly norm: number;
  /** The seed the case was built from: `new Rng(seed)` replays Q then λ. */
  readonly seed: number;
}

/**
 * Options of {@link spectralArb} (generic; no docs/math.md section).
 *
 * @example
 * ```ts
 * const opts: SpectralOptions = { minSize: 2, maxSize: 6, maxLog10Cond: 3, indefinite: true };
 * ```
 */
export interface SpectralOptions {
  /** @defaultValue 1 */
  readonly minSize?: number;
  /** @defaultValue 40 */
  readonly maxSize?: number;
  /** Largest log₁₀ of the condition number. @defaultValue 8 */
  readonly maxLog10Cond?: number;
  /** Random eigenvalue signs (symmetric indefinite). @defaultValue false (SPD) */
  readonly indefinite?: boolean;
  /** Largest |log₁₀| of the overall scale max|λ|. @defaultValue 0 (max|λ| = 1) */
  readonly maxLog10Scale?: number;
}

/**
 * Symmetric matrices Q·diag(λ)·Qᵀ ([n, n]) with Haar Q and log-uniform |λ| whose condition
 * number is exactly 10^c for a drawn c ∈ [0, maxLog10Cond]; SPD unless `indefinite` (an SPD one is
 * an admissible H of docs/math.md §1.2). The size,
 * the condition exponent, the scale and the seed are separate parameters, so shrinking reduces
 * n and the condition number first.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(spectralArb({ maxSize: 6, maxLog10Cond: 3 }), ({ A, cond }) => cond <= 1e3 && A.rows <= 6));
 * ```
 */
export function spectralArb(options: SpectralOptions = {}): fc.Arbitrary<SpectralCase> {
  const { minSize = 1, maxSize = 40, maxLog10Cond = 8, indefinite = false, maxLog10Scale = 0 } = options;
  return fc
    .record({
      n: sizeArb(minSize, maxSize),
      log10Cond: fc.double({ min: 0, max: maxLog10Cond, noNaN: true }),
      log10Scale: maxLog10Scale > 0 ? fc.double({ min: -maxLog10Scale, max: maxLog10Scale, noNaN: true }) : fc.constant(0),
      seed: seedArb,
    })
    .map(({ n, log10Cond, log10Scale, seed }) => {
      const rng = new Rng(seed);
      const cond = n === 1 ? 1 : 10 ** log10Cond;
      const norm = 10 ** log10Scale;
      const Q = randomOrthogonal(rng, n);
      const lambda = logUniformSpectrum(rng, n, cond, { scale: norm, signs: indefinite });
      return { n, A: spdFromSpectrum(Q, lambda), Q, lambda, cond, norm, seed };
    });
}

/**
 * SPD matrices ([n, n]) with condition number up to 10^maxLog10Cond (see {@link spectralArb}):
 * admissible covariances H of docs/math.md §1.2.
 *
 * @example
 * ```ts
 * const H = spdArb({ maxSize: 4, maxLog10Cond: 2 }).map((c) => c.A);
 * ```
 */
export function spdArb(options: Omit<SpectralOptions, 'indefinite'> = {}): fc.Arbitrary<SpectralCase> {
  return spectralArb({ ...options, indefinite: false });
}

/**
 * A general square matrix with its inverse transpose, built from an SVD (value of
 * {@link conditionedMatrix}); the MLP basis change of docs/math.md §2.2.
 *
 * @example
 * ```ts
 * const { A, AinvT, cond }: ConditionedMatrix = conditionedMatrix(new Rng(1), 3, 100);
 * ```
 */
export interface ConditionedMatrix {
  /** [n, n] A = U·diag(σ)·Vᵀ. */
  readonly A: Matrix;
  /** [n, n] A⁻ᵀ = U·diag(1/σ)·Vᵀ, formed from the same factors (no solve). */
  readonly AinvT: Matrix;
  /** ‖A‖₂·‖A⁻¹‖₂ = max σ / min σ (exact by construction). */
  readonly cond: number;
}

/**
 * A general square matrix A = U·diag(σ)·Vᵀ ([n, n]) with U, V Haar (drawn from `rng` in that
 * order) and σ log-uniform in [scale/cond, scale] (2-norm condition number exactly `cond`),
 * together with A⁻ᵀ = U·diag(1/σ)·Vᵀ from the same factors. O(n³). Used for the MLP basis
 * change W₁ → A·W₁, W₂ → A⁻ᵀ·W₂ of docs/math.md §2.2 ({@link changeMlpBasis}).
 *
 * @param scale - the largest singular value. @defaultValue 1
 * @example
 * ```ts
 * const { A, AinvT } = conditionedMatrix(new Rng(3), 2, 10); // W₁ → A·W₁, W₂ → A⁻ᵀ·W₂
 * ```
 */
export function conditionedMatrix(rng: Rng, n: number, cond: number, scale = 1): ConditionedMatrix {
  const U = randomOrthogonal(rng, n);
  const V = randomOrthogonal(rng, n);
  const s = logUniformSpectrum(rng, n, cond, { scale });
  const A = new Float64Array(n * n);
  const AinvT = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let t = 0;
      let ti = 0;
      for (let k = 0; k < n; k++) {
        t += U.data[i * n + k]! * s[k]! * V.data[j * n + k]!;
        ti += (U.data[i * n + k]! / s[k]!) * V.data[j * n + k]!;
      }
      A[i * n + j] = t;
      AinvT[i * n + j] = ti;
    }
  }
  return { A: { rows: n, cols: n, data: A }, AinvT: { rows: n, cols: n, data: AinvT }, cond: n === 1 ? 1 : cond };
}

/**
 * General square matrices U·diag(σ)·Vᵀ ([n, n]; U, V Haar, σ log-uniform) with 2-norm condition
 * number exactly 10^c, c ∈ [0, maxLog10Cond]: well-posed inputs for LU solves and invertible MLP
 * basis changes (docs/math.md §2.2).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(generalSquareArb({ maxSize: 5, maxLog10Cond: 4 }), ({ A, cond }) => A.rows <= 5 && cond <= 1e4));
 * ```
 */
export function generalSquareArb(
  options: { readonly minSize?: number; readonly maxSize?: number; readonly maxLog10Cond?: number } = {},
): fc.Arbitrary<{
  /** Matrix size n. */
  n: number;
  /** [n, n] the matrix U·diag(σ)·Vᵀ. */
  A: Matrix;
  /** Its 2-norm condition number (exact by construction; 1 when n = 1). */
  cond: number;
  /** The seed it was built from: `conditionedMatrix(new Rng(seed), n, cond)` replays it. */
  seed: number;
}> {
  const { minSize = 1, maxSize = 40, maxLog10Cond = 8 } = options;
  return fc
    .record({ n: sizeArb(minSize, maxSize), log10Cond: fc.double({ min: 0, max: maxLog10Cond, noNaN: true }), seed: seedArb })
    .map(({ n, log10Cond, seed }) => {
      const { A, cond } = conditionedMatrix(new Rng(seed), n, n === 1 ? 1 : 10 ** log10Cond);
      return { n, A, cond, seed };
    });
}
