/**
 * Arbitraries of raw estimator weights (docs/math.md §2.1) and of prompts. Weights are bounded
 * fast-check doubles (they shrink entry by entry towards 0, so a counterexample comes out
 * simple); prompts are drawn from the problem's distribution (1.1) by the seeded sampler of
 * src/models, so they replay from fast-check's seed.
 */
import fc from 'fast-check';
import { Rng } from '../linalg/index.js';
import { samplePrompt, type Estimator, type GdMultistep, type Gd0, type GdBeta, type Lsa, type Ltb, type Problem, type Prompt } from '../models/index.js';
import type { Range } from './problems.js';
import { matrixArb, seedArb, vectorArb } from './spectra.js';

/** The one-step kinds the kit generates and checks (docs/math.md §2.1); GD-β^L (§3.6) is tested in the library's own suite. */
export type OneStepEstimator = Exclude<Estimator, GdMultistep>;

/**
 * Weights with |w| below this are drawn as 0, so that products of up to ten weights never
 * underflow (fast-check's doubles include subnormals and values like 1e-300; a tolerance relative
 * to the weights would then be 0 while the rounding error is not).
 */
const WEIGHT_FLUSH = 1e-30;

/**
 * Options of the weight arbitraries (the raw weights of docs/math.md §2.1).
 *
 * @example
 * ```ts
 * const small: WeightOptions = { bound: 0.25 };
 * const g = gdBetaArb(3, small);
 * ```
 */
export interface WeightOptions {
  /** Every entry lies in [−bound, bound]. @defaultValue 1 */
  readonly bound?: number;
}

/**
 * GD-β weights (docs/math.md (2.5)): Γ [d, d] (not symmetric in general) and β₀ [d], entries in
 * [−bound, bound], never NaN or ±∞.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(gdBetaArb(3), (g) => g.Gamma.rows === 3 && g.beta0.length === 3));
 * ```
 */
export function gdBetaArb(d: number, options: WeightOptions = {}): fc.Arbitrary<GdBeta> {
  const w = { bound: options.bound ?? 1, flushBelow: WEIGHT_FLUSH };
  return fc.record({ Gamma: matrixArb(d, d, w), beta0: vectorArb(d, w) }).map(({ Gamma, beta0 }) => ({ kind: 'gd-beta' as const, Gamma, beta0 }));
}

/**
 * GD-0 weights (docs/math.md (2.6)): Γ [d, d], entries in [−bound, bound].
 *
 * @example
 * ```ts
 * const gd0 = gd0Arb(2, { bound: 0.5 });
 * ```
 */
export function gd0Arb(d: number, options: WeightOptions = {}): fc.Arbitrary<Gd0> {
  return matrixArb(d, d, { bound: options.bound ?? 1, flushBelow: WEIGHT_FLUSH }).map((Gamma) => ({ kind: 'gd-0' as const, Gamma }));
}

/**
 * LSA weights (docs/math.md (2.3)): W^{KQ}, W^{PV} [d+1, d+1], entries in [−bound, bound].
 *
 * @example
 * ```ts
 * const lsa = lsaArb(3);
 * ```
 */
export function lsaArb(d: number, options: WeightOptions = {}): fc.Arbitrary<Lsa> {
  const w = { bound: options.bound ?? 1, flushBelow: WEIGHT_FLUSH };
  return fc.record({ WKQ: matrixArb(d + 1, d + 1, w), WPV: matrixArb(d + 1, d + 1, w) }).map(({ WKQ, WPV }) => ({ kind: 'lsa' as const, WKQ, WPV }));
}

/**
 * Options of {@link ltbArb} (docs/math.md (2.4)).
 *
 * @example
 * ```ts
 * const opts: LtbArbOptions = { mlpWidth: { min: 1, max: 5 }, bound: 0.5 };
 * ```
 */
export interface LtbArbOptions extends WeightOptions {
  /** The MLP width d_f ≥ 1, fixed or a range. @defaultValue `{ min: 1, max: 3 }` */
  readonly mlpWidth?: number | Range;
}

/**
 * Raw LTB weights of any MLP width (docs/math.md (2.4)): W^{KQ}, W^{PV} [d+1, d+1] and
 * W₁, W₂ [d_f, d+1], entries in [−bound, bound]; d_f is drawn first (shrinks towards its min).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(ltbArb(2, { mlpWidth: { min: 1, max: 4 } }), (e) => e.W1.rows === e.W2.rows));
 * ```
 */
export function ltbArb(d: number, options: LtbArbOptions = {}): fc.Arbitrary<Ltb> {
  const { mlpWidth = { min: 1, max: 3 } } = options;
  const r = typeof mlpWidth === 'number' ? { min: mlpWidth, max: mlpWidth } : mlpWidth;
  if (!Number.isSafeInteger(r.min) || !Number.isSafeInteger(r.max) || r.min < 1 || r.min > r.max) {
    throw new RangeError(`ltbArb: options.mlpWidth must be an integer ≥ 1 or a range of them, got ${JSON.stringify(mlpWidth)}`);
  }
  const w = { bound: options.bound ?? 1, flushBelow: WEIGHT_FLUSH };
  return fc.integer(r).chain((df) =>
    fc
      .record({ WKQ: matrixArb(d + 1, d + 1, w), WPV: matrixArb(d + 1, d + 1, w), W1: matrixArb(df, d + 1, w), W2: matrixArb(df, d + 1, w) })
      .map(({ WKQ, WPV, W1, W2 }) => ({ kind: 'ltb' as const, WKQ, WPV, W1, W2 })),
  );
}

/**
 * Options of {@link estimatorArb} (the four kinds of docs/math.md §2.1).
 *
 * @example
 * ```ts
 * const opts: EstimatorArbOptions = { kinds: ['gd-beta', 'ltb'], mlpWidth: 2 };
 * ```
 */
export interface EstimatorArbOptions extends LtbArbOptions {
  /** The kinds to choose from. @defaultValue all four: 'gd-beta', 'gd-0', 'lsa', 'ltb' */
  readonly kinds?: readonly OneStepEstimator['kind'][];
}

/**
 * An estimator of any of the given kinds for dimension d (docs/math.md §2.1; see
 * {@link gdBetaArb}, {@link gd0Arb}, {@link lsaArb}, {@link ltbArb}).
 *
 * @example
 * ```ts
 * const attention = estimatorArb(3, { kinds: ['lsa', 'ltb'], bound: 0.5 });
 * ```
 */
export function estimatorArb(d: number, options: EstimatorArbOptions = {}): fc.Arbitrary<OneStepEstimator> {
  const { kinds = ['gd-beta', 'gd-0', 'lsa', 'ltb'] } = options;
  if (kinds.length === 0) throw new RangeError('estimatorArb: options.kinds must not be empty');
  const arbs: fc.Arbitrary<OneStepEstimator>[] = kinds.map((k) => {
    switch (k) {
      case 'gd-beta':
        return gdBetaArb(d, options);
      case 'gd-0':
        return gd0Arb(d, options);
      case 'lsa':
        return lsaArb(d, options);
      case 'ltb':
        return ltbArb(d, options);
    }
  });
  return fc.oneof(...arbs);
}

/**
 * Prompts drawn from the problem's distribution (docs/math.md (1.1)): X [M, d], y [M], query
 * x [d] with its label and the task β, by `samplePrompt(problem, new Rng(seed))` for a drawn
 * seed. For many prompts per case, draw a seed with {@link seedArb} and use
 * `new PromptSampler(problem, seed)` from linear-icl's models.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(problemArb().chain((p) => promptArb(p)), (q) => Number.isFinite(q.yQuery)));
 * ```
 */
export function promptArb(problem: Problem): fc.Arbitrary<Prompt> {
  return seedArb.map((seed) => samplePrompt(problem, new Rng(seed)));
}
