/**
 * Random problems (docs/math.md §1.1–1.2) built by construction: H = Q·diag(λ)·Qᵀ with Haar Q and
 * log-uniform λ of exactly the requested condition number, Ψ of one of four kinds, β* of a given
 * norm in a Haar-random direction, all from one seeded {@link Rng}; then validated by
 * {@link makeProblem}. {@link randomProblem} is the seeded constructor, {@link problemArb} the
 * fast-check arbitrary drawing its recipe and seed.
 */
import fc from 'fast-check';
import { Rng, randomOrthogonal, spdFromSpectrum, type Matrix } from '../linalg/index.js';
import { makeProblem, type Problem } from '../models/index.js';
import { logUniformSpectrum, seedArb } from './spectra.js';

/**
 * The task covariance Ψ ([d, d], PSD; docs/math.md §1.1–1.2) of a random problem:
 * `'isotropic'` ψ²·I (the O(d²) risk paths of §3.1), `'general'` R·diag(μ)·Rᵀ with Haar R and
 * log-uniform μ > 0, `'zero'` Ψ = 0 (one fixed task β*), `'singular'` R·diag(μ₁…μ_r, 0…0)·Rᵀ of
 * rank 1 ≤ r ≤ d − 1 (Ψ = 0 when d = 1).
 *
 * @example
 * ```ts
 * const kinds: PsiKind[] = ['general', 'singular'];
 * const problems = problemArb({ psi: kinds });
 * ```
 */
export type PsiKind = 'isotropic' | 'general' | 'zero' | 'singular';

/**
 * Every {@link PsiKind} (Ψ of docs/math.md §1.2), in a fixed order (the default choice list of {@link problemArb};
 * shrinking goes towards the first).
 *
 * @example
 * ```ts
 * for (const psi of PSI_KINDS) fc.assert(fc.property(problemArb({ psi }), (p) => p.Psi.rows === p.d));
 * ```
 */
export const PSI_KINDS: readonly PsiKind[] = ['isotropic', 'general', 'zero', 'singular'];

/**
 * A closed interval [min, max] (min = max allowed) of a recipe parameter (generic; no
 * docs/math.md section).
 *
 * @example
 * ```ts
 * const M: Range = { min: 5, max: 20 };
 * ```
 */
export interface Range {
  /** Lower end (inclusive). */
  readonly min: number;
  /** Upper end (inclusive), ≥ min. */
  readonly max: number;
}

/**
 * The concrete parameters of one random problem (what {@link problemArb} draws besides the
 * seed); every symbol as in docs/math.md §1.2.
 *
 * @example
 * ```ts
 * const recipe: ProblemRecipe = { d: 5, M: 20, psi: 'isotropic', psiScale: 1, betaStarNorm: 10 * Math.sqrt(5), sigma2: 0.25 }; // §5.2
 * const p = randomProblem(new Rng(1), recipe);
 * ```
 */
export interface ProblemRecipe {
  /** Feature dimension d ≥ 1. */
  readonly d: number;
  /** Context length M ≥ 1. */
  readonly M: number;
  /** cond(H) = λ_max/λ_min ≥ 1, attained exactly for d ≥ 2. @defaultValue 1 */
  readonly condH?: number;
  /** λ_max(H) > 0 (unit [x]²). @defaultValue 1 */
  readonly hScale?: number;
  /** The kind of Ψ. @defaultValue 'isotropic' */
  readonly psi?: PsiKind;
  /** Condition number of the positive part of Ψ ('general', 'singular'). @defaultValue 1 */
  readonly condPsi?: number;
  /** λ_max(Ψ), or ψ² for 'isotropic' (unit [y]²/[x]²); ignored for 'zero'. @defaultValue 1 */
  readonly psiScale?: number;
  /** Rank of a 'singular' Ψ, 1 ≤ r ≤ d − 1. @defaultValue drawn uniformly from `rng` */
  readonly psiRank?: number;
  /** ‖β*‖₂ ≥ 0 (direction uniform on the sphere). @defaultValue 0 */
  readonly betaStarNorm?: number;
  /** Label-noise variance σ² ≥ 0. @defaultValue 0 */
  readonly sigma2?: number;
  /** Attention mask (docs/math.md (2.2)). @defaultValue true */
  readonly masked?: boolean;
  /**
   * The eigenvalues of H ([d], > 0), or a function drawing them from the problem's `rng` (called
   * right after H's Haar eigenvectors are drawn). Replaces condH and hScale.
   * @defaultValue `(rng, d) => logUniformSpectrum(rng, d, condH, { scale: hScale })`
   */
  readonly lambdaH?: SpectrumSource;
  /**
   * The positive eigenvalues of a 'general' ([d]) or 'singular' ([r]) Ψ, or a function drawing
   * them from `rng` (called right after Ψ's Haar eigenvectors). Replaces condPsi and psiScale.
   * @defaultValue `(rng, n) => logUniformSpectrum(rng, n, condPsi, { scale: psiScale })`
   */
  readonly muPsi?: SpectrumSource;
  /**
   * β* ([d]), or a function drawing it from `rng` (called last). Replaces betaStarNorm.
   * @defaultValue d normals scaled to norm betaStarNorm (0 when betaStarNorm = 0)
   */
  readonly betaStar?: SpectrumSource;
}

/**
 * A fixed array of n numbers, or a function drawing them from the problem's Rng:
 * `(rng, n) => values` — a spectrum of H or Ψ, or β* (docs/math.md §1.2).
 *
 * @example
 * ```ts
 * const geometric: SpectrumSource = (_rng, n) => Array.from({ length: n }, (_, i) => 10 ** -i);
 * const p = randomProblem(new Rng(2), { d: 4, M: 8, lambdaH: geometric });
 * ```
 */
export type SpectrumSource = ArrayLike<number> | ((rng: Rng, n: number) => ArrayLike<number>);

function drawn(name: string, src: SpectrumSource, rng: Rng, n: number): Float64Array {
  const v = Float64Array.from(typeof src === 'function' ? src(rng, n) : src);
  if (v.length !== n) throw new RangeError(`recipe.${name} must have length ${n}, got ${v.length}`);
  return v;
}

function positive(name: string, v: number, min = 0, strict = true): number {
  if (!(strict ? v > min : v >= min) || !Number.isFinite(v)) throw new RangeError(`${name} must be finite and ${strict ? '>' : '≥'} ${min}, got ${v}`);
  return v;
}

/**
 * The problem of a recipe, drawn from `rng` (docs/math.md §1.1). Draw order, fixed so a seed
 * replays the same problem: Haar Q and the spectrum λ of H (H = Q·diag(λ)·Qᵀ, λ log-uniform in
 * [hScale/condH, hScale], both ends attained, unless `lambdaH` is given); then for
 * 'general'/'singular' Haar R, the rank (if not given) and μ (Ψ = R·diag(μ)·Rᵀ); then β* (d
 * normals for its direction, unless `betaStar` is given). Shapes: H, Ψ [d, d]; β* [d]. O(d³).
 *
 * @throws RangeError on a non-finite or out-of-range recipe number (naming it);
 *   ProblemError (from makeProblem) on an invalid d, M or σ².
 * @example
 * ```ts
 * const p = randomProblem(new Rng(42), { d: 3, M: 8, condH: 100, psi: 'general', condPsi: 10, betaStarNorm: 2, sigma2: 0.25 });
 * ```
 */
export function randomProblem(rng: Rng, recipe: ProblemRecipe): Problem {
  const { d, M, condH = 1, hScale = 1, psi = 'isotropic', condPsi = 1, psiScale = 1, betaStarNorm = 0, sigma2 = 0, masked = true } = recipe;
  positive('recipe.condH', condH, 1, false);
  positive('recipe.hScale', hScale);
  positive('recipe.condPsi', condPsi, 1, false);
  positive('recipe.psiScale', psiScale, 0, false);
  positive('recipe.betaStarNorm', betaStarNorm, 0, false);
  if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`recipe.d must be an integer ≥ 1, got ${d}`);
  const QH = randomOrthogonal(rng, d);
  const lambda = drawn('lambdaH', recipe.lambdaH ?? ((r: Rng, n: number) => logUniformSpectrum(r, n, condH, { scale: hScale })), rng, d);
  const H = spdFromSpectrum(QH, lambda);
  const psiSpectrum = recipe.muPsi ?? ((r: Rng, n: number) => logUniformSpectrum(r, n, condPsi, { scale: psiScale }));
  let Psi: number | Matrix;
  switch (psi) {
    case 'isotropic':
      Psi = psiScale;
      break;
    case 'zero':
      Psi = 0;
      break;
    case 'general': {
      const R = randomOrthogonal(rng, d);
      Psi = spdFromSpectrum(R, drawn('muPsi', psiSpectrum, rng, d));
      break;
    }
    case 'singular': {
      const R = randomOrthogonal(rng, d);
      const r = recipe.psiRank ?? (d === 1 ? 0 : 1 + Math.floor(rng.uniform() * (d - 1)));
      if (!Number.isSafeInteger(r) || r < Math.min(1, d - 1) || r > d - 1) {
        throw new RangeError(`recipe.psiRank must be an integer in [1, d − 1] = [1, ${d - 1}], got ${r}`);
      }
      const mu = new Float64Array(d);
      mu.set(drawn('muPsi', psiSpectrum, rng, r));
      Psi = spdFromSpectrum(R, mu);
      break;
    }
    default:
      throw new RangeError(`recipe.psi must be one of ${PSI_KINDS.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(psi)}`);
  }
  let betaStar: Float64Array;
  if (recipe.betaStar !== undefined) {
    betaStar = drawn('betaStar', recipe.betaStar, rng, d);
  } else {
    betaStar = rng.fillNormal(new Float64Array(d));
    let norm = 0;
    for (let i = 0; i < d; i++) norm += betaStar[i]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < d; i++) betaStar[i] = norm > 0 ? (betaStarNorm * betaStar[i]!) / norm : 0;
  }
  return makeProblem({ d, M, H, Psi, betaStar, sigma2, masked });
}

/**
 * Options of {@link problemArb}: the ranges each recipe parameter (docs/math.md §1.2) is drawn
 * from. A number fixes the parameter.
 *
 * @example
 * ```ts
 * const opts: ProblemArbOptions = { d: 3, M: { min: 2, max: 10 }, maxCondH: 1e3, psi: 'general', masked: [true, false] };
 * ```
 */
export interface ProblemArbOptions {
  /** Feature dimension d (fixed or a range). @defaultValue `{ min: 1, max: 4 }` */
  readonly d?: number | Range;
  /** Context length M (fixed or a range). @defaultValue `{ min: 1, max: 12 }` */
  readonly M?: number | Range;
  /** Largest cond(H); cond(H) is log-uniform in [minCondH, maxCondH]. @defaultValue 100 */
  readonly maxCondH?: number;
  /** Smallest cond(H). @defaultValue 1 */
  readonly minCondH?: number;
  /** λ_max(H), fixed or log-uniform in a range. @defaultValue `{ min: 0.5, max: 2 }` */
  readonly hScale?: number | Range;
  /** Kind(s) of Ψ to choose from. @defaultValue all of {@link PSI_KINDS} */
  readonly psi?: PsiKind | readonly PsiKind[];
  /** Largest condition number of the positive part of Ψ (log-uniform from 1). @defaultValue 100 */
  readonly maxCondPsi?: number;
  /** λ_max(Ψ) or ψ², fixed or log-uniform in a range. @defaultValue `{ min: 0.1, max: 2 }` */
  readonly psiScale?: number | Range;
  /** ‖β*‖₂, fixed or uniform in a range. @defaultValue `{ min: 0, max: 3 }` */
  readonly betaStarNorm?: number | Range;
  /** σ², fixed or uniform in a range. @defaultValue `{ min: 0, max: 1 }` */
  readonly sigma2?: number | Range;
  /** Mask(s) to choose from. @defaultValue true (masked only) */
  readonly masked?: boolean | readonly boolean[];
}

/** Drawn values below this (where the range starts at 0) are drawn as 0. */
const TINY = 1e-30;

function rangeOf(name: string, v: number | Range): Range {
  const r = typeof v === 'number' ? { min: v, max: v } : v;
  if (!(r.min <= r.max) || !Number.isFinite(r.min) || !Number.isFinite(r.max)) {
    throw new RangeError(`problemArb: options.${name} must be a finite range with min ≤ max, got ${JSON.stringify(v)}`);
  }
  return r;
}

function intArb(name: string, v: number | Range, min: number): fc.Arbitrary<number> {
  const r = rangeOf(name, v);
  if (!Number.isSafeInteger(r.min) || !Number.isSafeInteger(r.max) || r.min < min) {
    throw new RangeError(`problemArb: options.${name} must be integers ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return fc.integer(r);
}

function uniformArb(name: string, v: number | Range, min: number): fc.Arbitrary<number> {
  const r = rangeOf(name, v);
  if (r.min < min) throw new RangeError(`problemArb: options.${name} must be ≥ ${min}, got ${JSON.stringify(v)}`);
  if (r.min === r.max) return fc.constant(r.min);
  // fast-check's doubles include subnormals; a σ² or ‖β*‖ of 1e-300 only makes products underflow.
  return fc.double({ min: r.min, max: r.max, noNaN: true }).map((v) => (v < TINY && r.min <= 0 ? 0 : v));
}

/** Log-uniform in [min, max] (min > 0); shrinks towards min. */
function logUniformArb(name: string, v: number | Range): fc.Arbitrary<number> {
  const r = rangeOf(name, v);
  if (!(r.min > 0)) throw new RangeError(`problemArb: options.${name} must be > 0, got ${JSON.stringify(v)}`);
  if (r.min === r.max) return fc.constant(r.min);
  const lo = Math.log(r.min);
  const hi = Math.log(r.max);
  // exp(log) may step outside [min, max] by an ulp: clamp.
  return fc.double({ min: lo, max: hi, noNaN: true }).map((t) => Math.min(r.max, Math.max(r.min, Math.exp(t))));
}

function choiceArb<T>(name: string, v: T | readonly T[]): fc.Arbitrary<T> {
  const list = Array.isArray(v) ? (v as readonly T[]) : [v as T];
  if (list.length === 0) throw new RangeError(`problemArb: options.${name} must not be an empty list`);
  return fc.constantFrom(...list);
}

/**
 * Validated random problems (docs/math.md §1): draws a {@link ProblemRecipe} from the option
 * ranges plus a seed, and builds the problem with {@link randomProblem}`(new Rng(seed), recipe)`.
 * Guarantees: d and M in range; λ_max(H)/λ_min(H) in [minCondH, maxCondH] (exactly the drawn
 * value up to rounding); Ψ PSD of the chosen kind; ‖β*‖ and σ² in range; no NaN or ±∞.
 * Every parameter is its own fast-check value, so shrinking goes to small d and M, cond(H) = 1,
 * β* = 0, σ² = 0 and the first Ψ kind listed; a failure replays from fast-check's seed.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(problemArb({ d: { min: 2, max: 3 }, maxCondH: 1e3, psi: ['general', 'singular'] }), (p) => p.d >= 2));
 * ```
 */
export function problemArb(options: ProblemArbOptions = {}): fc.Arbitrary<Problem> {
  const {
    d = { min: 1, max: 4 }, M = { min: 1, max: 12 }, maxCondH = 100, minCondH = 1, hScale = { min: 0.5, max: 2 },
    psi = PSI_KINDS, maxCondPsi = 100, psiScale = { min: 0.1, max: 2 }, betaStarNorm = { min: 0, max: 3 },
    sigma2 = { min: 0, max: 1 }, masked = true,
  } = options;
  if (!(minCondH >= 1 && minCondH <= maxCondH)) throw new RangeError(`problemArb: need 1 ≤ options.minCondH ≤ options.maxCondH, got ${minCondH}, ${maxCondH}`);
  if (!(maxCondPsi >= 1)) throw new RangeError(`problemArb: options.maxCondPsi must be ≥ 1, got ${maxCondPsi}`);
  return fc
    .record({
      d: intArb('d', d, 1),
      M: intArb('M', M, 1),
      psi: choiceArb('psi', psi),
      condH: logUniformArb('condH', { min: minCondH, max: maxCondH }),
      hScale: logUniformArb('hScale', hScale),
      condPsi: logUniformArb('maxCondPsi', { min: 1, max: maxCondPsi }),
      psiScale: logUniformArb('psiScale', psiScale),
      betaStarNorm: uniformArb('betaStarNorm', betaStarNorm, 0),
      sigma2: uniformArb('sigma2', sigma2, 0),
      masked: choiceArb('masked', masked),
      seed: seedArb,
    })
    .map(({ seed, ...recipe }) => randomProblem(new Rng(seed), recipe));
}
