/**
 * Ready fast-check properties of the library's identities (docs/math.md §2.3, §2.2, §3), for a
 * user's own suite: `fc.assert(isLtbOfGdBeta(), { seed })`. Each property throws, with the
 * measured error and the tolerance in the message, so fast-check reports the failing seed and
 * path, the counterexample (shrunk) and the reason. Every tolerance is documented and scaled:
 * exact identities by c·n·ε·(Σ|terms|), Monte Carlo by z standard errors, finite differences by a
 * relative error of the gradient norm plus the rounding the difference quotient amplifies.
 */
import fc from 'fast-check';
import { PromptSampler, effectiveGdBeta, problemScale, ltbFromGdBeta, predictLtb, type Estimator, type GdBeta, type Ltb, type Problem } from '../models/index.js';
import { Rng, type Matrix } from '../linalg/index.js';
import { monteCarloRisk, risk } from '../risk/index.js';
import { estimatorArb, gdBetaArb, ltbArb, type LtbArbOptions, type OneStepEstimator, type WeightOptions } from './estimators.js';
import { problemArb, type ProblemArbOptions, type Range } from './problems.js';
import { LTB_REPARAMETRISATIONS, type LtbReparametrisation } from './reparametrisations.js';
import {
  EPS, UNDERFLOW_FLOOR, gdBetaPrediction, ltbPredictionMagnitude, mapParameters, maxDiff, parameterBlocks, gradientBlock, sensitivity,
} from './scales.js';
import { seedArb } from './spectra.js';

/**
 * The constants of the kit's tolerances (multiples of ε = 2⁻⁵², each multiplied by a size n and a
 * magnitude as stated in each property's documentation; the policy of docs/math.md §5: exact
 * identities at rounding level, Monte Carlo at 5 standard errors).
 *
 * @example
 * ```ts
 * const z = TESTING_TOLERANCES.monteCarloZ; // 5
 * fc.assert(riskMatchesMonteCarlo({ z: 2 * z }));
 * ```
 */
export const TESTING_TOLERANCES: {
  /** Predictions: |Δf| ≤ prediction·(M + d + d_f + 3)·ε·Σ|terms of both forward passes|. */
  readonly prediction: number;
  /** Risks of equal functions: |ΔR| ≤ risk·(d+1)²·ε·(|R| + E[y²] + ⟨|∇R|, |θ|⟩ of both sides); E[y²] (1.5), or 1 when it is 0. */
  readonly risk: number;
  /** Round trips of weights: max|Δ| ≤ roundTrip·(d+1)·ε·max|entry|. */
  readonly roundTrip: number;
  /** Monte Carlo: |MC − exact| ≤ z·stderr with this default z. */
  readonly monteCarloZ: number;
  /** Finite differences: default relative error of the directional derivative, of ‖∇R‖·‖v‖. */
  readonly gradientRtol: number;
  /** Finite differences: default coarse step h (the fine one is h/2), relative to max(1, max|θ|). */
  readonly gradientStep: number;
} = Object.freeze({ prediction: 16, risk: 64, roundTrip: 8, monteCarloZ: 5, gradientRtol: 1e-6, gradientStep: 1e-3 });

/**
 * A closed-form risk (docs/math.md §3) with its gradient in the estimator's own shapes, keyed by
 * parameter (`Gamma` [d, d], `beta0` [d]; `WKQ`, `WPV` [d+1, d+1]; `W1`, `W2` [d_f, d+1]) — the
 * shape of `risk` from linear-icl's risk module, the default everywhere.
 *
 * @example
 * ```ts
 * const mine: RiskFunction = (problem, est) => { const r = risk(problem, est); return { risk: r.risk, gradient: r.gradient }; };
 * fc.assert(gradientMatchesFiniteDifferences({ riskFn: mine }));
 * ```
 */
export type RiskFunction = (problem: Problem, estimator: OneStepEstimator) => {
  /** The exact risk (1.3), unit [y]². */
  readonly risk: number;
  /** ∂R/∂(each weight), keyed and shaped like the estimator's weights (as `risk`'s `gradient`). */
  readonly gradient: Readonly<Record<string, Matrix | Float64Array | readonly Matrix[]>>;
};

/** The library's own risk as a {@link RiskFunction} (the default of every property). */
const libraryRisk: RiskFunction = (problem, estimator) => risk(problem, estimator);

/**
 * Where a property's problems (docs/math.md §1) come from: an arbitrary, or options for
 * {@link problemArb} (merged over the property's defaults).
 *
 * @example
 * ```ts
 * fc.assert(isLtbOfGdBeta(ltbFromGdBeta, { problems: { d: 2, maxCondH: 1e4 } }));
 * fc.assert(isLtbOfGdBeta(ltbFromGdBeta, { problems: fc.constant(myProblem) }));
 * ```
 */
export type ProblemSource = fc.Arbitrary<Problem> | ProblemArbOptions;

function problemsFrom(src: ProblemSource | undefined, defaults: ProblemArbOptions): fc.Arbitrary<Problem> {
  // Duck-typed rather than instanceof, so an arbitrary from another copy of fast-check is accepted.
  if (src !== undefined && typeof (src as { generate?: unknown }).generate === 'function') return src as fc.Arbitrary<Problem>;
  return problemArb({ ...defaults, ...((src as ProblemArbOptions | undefined) ?? {}) });
}

function fmt(x: number): string {
  return x.toExponential(3);
}

/** Relative-size tolerance of two risks of the same function (see TESTING_TOLERANCES.risk). */
function riskTolerance(problem: Problem, magnitude: number, conditioning = 1): number {
  const n = problem.d + 1;
  return TESTING_TOLERANCES.risk * n * n * EPS * conditioning * (magnitude + problemScale(problem)) + UNDERFLOW_FLOOR;
}

// ---------------------------------------------------------------------------------------------
// (a) every GD-β is an LTB

/**
 * Options of {@link isLtbOfGdBeta} (docs/math.md §2.3).
 *
 * @example
 * ```ts
 * const opts: IsLtbOfGdBetaOptions = { problems: { masked: [true, false] }, gdBeta: { bound: 2 }, prompts: 8 };
 * ```
 */
export interface IsLtbOfGdBetaOptions {
  /** Problems (masked → compare with (2.5) and the risks; unmasked → compare with (2.16)). @defaultValue `problemArb()` (masked, d ≤ 4, M ≤ 12) */
  readonly problems?: ProblemSource;
  /** Bounds of the GD-β weights. @defaultValue `{ bound: 1 }` */
  readonly gdBeta?: WeightOptions;
  /** Prompts per case (drawn by `PromptSampler` from a fast-check seed). @defaultValue 4 */
  readonly prompts?: number;
}

/**
 * Every GD-β is an LTB (docs/math.md §2.3, (2.11)–(2.12); catalogue ZWB-1): for a random problem
 * and GD-β g = (Γ [d, d], β₀ [d]), the LTB `map(g)` (W^{KQ}, W^{PV} [d+1, d+1], W₁, W₂ [d_f, d+1])
 * predicts as g on `prompts` random prompts through the explicit forward pass (2.4), and on a
 * masked problem has the same closed-form risk, `risk(problem, map(g))` = `risk(problem, g)`.
 * On an unmasked problem the prediction is compared with (2.16) (GD-β with the query as a
 * pseudo-example of label 0) and the risks are not compared.
 *
 * Tolerances: |f_LTB − f_GDβ| ≤ 16·(M + d + d_f + 3)·ε·F, F = the sum of the absolute values of
 * every term of both forward passes; |R_LTB − R_GDβ| ≤ 64·(d+1)²·ε·(|R| + E[y²] + ⟨|∇R|, |θ|⟩ of
 * both). Pass your own GD-β → LTB map to test it against the library's predictions.
 *
 * @param map - the GD-β → LTB map under test. @defaultValue ltbFromGdBeta
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { isLtbOfGdBeta } from 'linear-icl/testing';
 * fc.assert(isLtbOfGdBeta(myGdBetaToLtb), { seed: 42, numRuns: 50 });
 * ```
 */
export function isLtbOfGdBeta(map: (g: GdBeta) => Ltb = ltbFromGdBeta, options: IsLtbOfGdBetaOptions = {}): fc.IPropertyWithHooks<[{
  /** The drawn problem. */
  problem: Problem;
  /** The drawn GD-β (Γ [d, d], β₀ [d]). */
  gdBeta: GdBeta;
  /** Seed of the prompts the two predictions are compared on. */
  seed: number;
}]> {
  const { gdBeta = {}, prompts = 4 } = options;
  const problems = problemsFrom(options.problems, {});
  const cases = problems.chain((problem) => fc.record({ problem: fc.constant(problem), gdBeta: gdBetaArb(problem.d, gdBeta), seed: seedArb }));
  return fc.property(cases, ({ problem, gdBeta: g, seed }) => {
    const { d } = problem;
    const ltb = map(g);
    checkLtbShape(ltb, d, 'map(g)');
    const sampler = new PromptSampler(problem, seed);
    for (let k = 0; k < prompts; k++) {
      const q = sampler.next();
      const fLtb = predictLtb(ltb, q, problem.masked);
      const gd = gdBetaPrediction(g, q, !problem.masked);
      const F = Math.max(gd.magnitude, ltbPredictionMagnitude(ltb, q, problem.masked));
      const tol = TESTING_TOLERANCES.prediction * (problem.M + d + ltb.W1.rows + 3) * EPS * F + UNDERFLOW_FLOOR;
      const err = Math.abs(fLtb - gd.value);
      if (!(err <= tol)) {
        throw new Error(
          `prompt ${k}: the LTB predicts ${fLtb}, GD-β ${problem.masked ? '(2.5)' : '(2.16)'} predicts ${gd.value}: |Δ| = ${fmt(err)} > tolerance ${fmt(tol)}`,
        );
      }
    }
    if (problem.masked) {
      const rL = risk(problem, ltb);
      const rG = risk(problem, g);
      const tol = riskTolerance(problem, Math.max(Math.abs(rL.risk), Math.abs(rG.risk)) + sensitivity(ltb, rL.gradient) + sensitivity(g, rG.gradient));
      const err = Math.abs(rL.risk - rG.risk);
      if (!(err <= tol)) throw new Error(`risk of the LTB ${rL.risk} ≠ risk of GD-β ${rG.risk}: |Δ| = ${fmt(err)} > tolerance ${fmt(tol)}`);
    }
    return true;
  });
}

function checkLtbShape(e: Ltb, d: number, what: string): void {
  const n = d + 1;
  if (e.kind !== 'ltb') throw new Error(`${what} has kind '${String((e as { kind: unknown }).kind)}', not 'ltb'`);
  const bad = (A: Matrix, r: number | null, c: number): boolean => (r !== null && A.rows !== r) || A.cols !== c || A.data.length !== A.rows * A.cols;
  if (bad(e.WKQ, n, n) || bad(e.WPV, n, n) || bad(e.W1, null, n) || bad(e.W2, e.W1.rows, n)) {
    throw new Error(
      `${what} has shapes WKQ [${e.WKQ.rows}, ${e.WKQ.cols}], WPV [${e.WPV.rows}, ${e.WPV.cols}], W1 [${e.W1.rows}, ${e.W1.cols}], W2 [${e.W2.rows}, ${e.W2.cols}]; ` +
        `expected [${n}, ${n}], [${n}, ${n}], [d_f, ${n}], [d_f, ${n}]`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// (b) effective-GD-β extraction round-trips

/**
 * Options of {@link roundTripsEffectiveGdBeta} (docs/math.md (2.11), (2.14)).
 *
 * @example
 * ```ts
 * const opts: RoundTripOptions = { map: myGdBetaToLtb, d: { min: 2, max: 6 } };
 * ```
 */
export interface RoundTripOptions {
  /** The GD-β → LTB map. @defaultValue ltbFromGdBeta */
  readonly map?: (g: GdBeta) => Ltb;
  /**
   * The LTB → GD-β reading; throw when the LTB is not read as a GD-β.
   * @defaultValue `effectiveGdBeta` (rtol 1e-8), throwing with its reason when not `ok`
   */
  readonly extract?: (ltb: Ltb) => GdBeta;
  /** Feature dimension d. @defaultValue `{ min: 1, max: 5 }` */
  readonly d?: number | Range;
  /** Bounds of the GD-β weights. @defaultValue `{ bound: 1 }` */
  readonly gdBeta?: WeightOptions;
  /** Relative tolerance of Γ and β₀ (of their max-norms). @defaultValue 8·(d+1)·ε */
  readonly rtol?: number;
}

/**
 * Effective-GD-β extraction round-trips (docs/math.md (2.14)): `extract(map(g))` gives back
 * g = (Γ [d, d], β₀ [d]). Weights are not identifiable, but the reading (2.14) is a function of
 * the LTB's function, so it must return g itself (gauge-invariant).
 *
 * Tolerance: max|ΔΓ| ≤ rtol·max|Γ| and max|Δβ₀| ≤ rtol·max|β₀| (+ an underflow floor), rtol
 * default 8·(d+1)·ε (the library's map is exact: the reading copies entries and divides by 1).
 *
 * @example
 * ```ts
 * fc.assert(roundTripsEffectiveGdBeta({ map: myGdBetaToLtb, d: 3 }), { seed: 7 });
 * ```
 */
export function roundTripsEffectiveGdBeta(options: RoundTripOptions = {}): fc.IPropertyWithHooks<[GdBeta]> {
  const { map = ltbFromGdBeta, extract = defaultExtract, d = { min: 1, max: 5 }, gdBeta = {} } = options;
  const dr = typeof d === 'number' ? { min: d, max: d } : d;
  return fc.property(
    fc.integer(dr).chain((n) => gdBetaArb(n, gdBeta)),
    (g) => {
      const n = g.Gamma.rows;
      const rtol = options.rtol ?? TESTING_TOLERANCES.roundTrip * (n + 1) * EPS;
      const ltb = map(g);
      checkLtbShape(ltb, n, 'map(g)');
      const back = extract(ltb);
      if (back.Gamma.rows !== n || back.Gamma.cols !== n || back.beta0.length !== n) {
        throw new Error(`extract(map(g)) has Γ [${back.Gamma.rows}, ${back.Gamma.cols}] and β₀ [${back.beta0.length}]; expected [${n}, ${n}] and [${n}]`);
      }
      const G = maxDiff(back.Gamma.data, g.Gamma.data);
      const b = maxDiff(back.beta0, g.beta0);
      if (!(G.diff <= rtol * G.scale + UNDERFLOW_FLOOR)) throw new Error(`Γ does not round-trip: max|ΔΓ| = ${fmt(G.diff)} > ${fmt(rtol)}·max|Γ| = ${fmt(rtol * G.scale)}`);
      if (!(b.diff <= rtol * b.scale + UNDERFLOW_FLOOR)) throw new Error(`β₀ does not round-trip: max|Δβ₀| = ${fmt(b.diff)} > ${fmt(rtol)}·max|β₀| = ${fmt(rtol * b.scale)}`);
      return true;
    },
  );
}

function defaultExtract(ltb: Ltb): GdBeta {
  const r = effectiveGdBeta(ltb);
  if (!r.ok) throw new Error(`effectiveGdBeta does not read the LTB as a GD-β: ${r.reason} (size ${fmt(r.size)})`);
  return r.estimator;
}

// ---------------------------------------------------------------------------------------------
// (c) the risk is invariant under each reparametrisation

/**
 * Options of {@link riskIsReparametrisationInvariant} (docs/math.md §2.2).
 *
 * @example
 * ```ts
 * const opts: ReparametrisationOptions = { reparametrisations: LTB_REPARAMETRISATIONS.filter((r) => r.name !== 'mlp-basis'), ltb: { mlpWidth: 4 } };
 * ```
 */
export interface ReparametrisationOptions {
  /** Problems (either mask: every reparametrisation preserves the function). @defaultValue `problemArb({ masked: [true, false] })` */
  readonly problems?: ProblemSource;
  /** The LTB weights. @defaultValue `ltbArb(d)` (d_f ∈ [1, 3], entries in [−1, 1]) */
  readonly ltb?: LtbArbOptions;
  /** The transformations to apply (one drawn per case). @defaultValue LTB_REPARAMETRISATIONS */
  readonly reparametrisations?: readonly LtbReparametrisation<unknown>[];
  /** The risk under test. @defaultValue risk */
  readonly riskFn?: RiskFunction;
}

/**
 * The risk is invariant under each non-identifiable reparametrisation of the LTB (docs/math.md
 * §2.2, (2.10)): for a random problem, LTB and drawn transformation T with a drawn parameter,
 * R(T(ltb)) = R(ltb).
 *
 * Tolerance: |ΔR| ≤ 64·(d+1)²·ε·c_T·(|R| + E[y²] + ⟨|∇R|, |θ|⟩ before and after), where c_T is
 * the transformation's `conditioning` (cond(A) for an MLP basis change, 1 otherwise) — the
 * rounding of the transformed weights moves R by at most about ε·c_T·⟨|∇R|, |θ|⟩.
 *
 * @example
 * ```ts
 * fc.assert(riskIsReparametrisationInvariant({ problems: { d: 2 } }), { seed: 1, numRuns: 100 });
 * ```
 */
export function riskIsReparametrisationInvariant(
  options: ReparametrisationOptions = {},
): fc.IPropertyWithHooks<[{
  /** The drawn problem (masked or unmasked). */
  problem: Problem;
  /** The drawn LTB. */
  ltb: Ltb;
  /** The drawn transformation T. */
  reparametrisation: LtbReparametrisation<unknown>;
  /** The drawn parameter of T. */
  param: unknown;
}]> {
  const { ltb: ltbOptions = {}, reparametrisations = LTB_REPARAMETRISATIONS, riskFn = libraryRisk } = options;
  if (reparametrisations.length === 0) throw new RangeError('riskIsReparametrisationInvariant: options.reparametrisations must not be empty');
  const problems = problemsFrom(options.problems, { masked: [true, false] });
  const transform = fc.constantFrom(...reparametrisations).chain((r) => r.param.map((param) => ({ reparametrisation: r, param })));
  const cases = problems.chain((problem) => fc.record({ problem: fc.constant(problem), ltb: ltbArb(problem.d, ltbOptions), t: transform }));
  return fc.property(
    cases.map(({ problem, ltb, t }) => ({ problem, ltb, ...t })),
    ({ problem, ltb, reparametrisation: r, param }) => {
      const other = r.apply(ltb, param);
      checkLtbShape(other, problem.d, `${r.name}(ltb)`);
      const r0 = riskFn(problem, ltb);
      const r1 = riskFn(problem, other);
      const magnitude = Math.max(Math.abs(r0.risk), Math.abs(r1.risk)) + sensitivity(ltb, r0.gradient) + sensitivity(other, r1.gradient);
      const tol = riskTolerance(problem, magnitude, r.conditioning(param));
      const err = Math.abs(r1.risk - r0.risk);
      if (!(err <= tol)) throw new Error(`'${r.name}' changes the risk: ${r0.risk} → ${r1.risk}, |Δ| = ${fmt(err)} > tolerance ${fmt(tol)}`);
      return true;
    },
  );
}

// ---------------------------------------------------------------------------------------------
// (d) closed form = Monte Carlo

/**
 * Options of {@link riskMatchesMonteCarlo} (docs/math.md §3).
 *
 * @example
 * ```ts
 * const opts: MonteCarloPropertyOptions = { estimators: (d) => ltbArb(d, { bound: 0.3 }), samples: 10_000 };
 * ```
 */
export interface MonteCarloPropertyOptions {
  /** Problems. @defaultValue `problemArb({ d: {1…3}, M: {1…8}, betaStarNorm: {0…2}, masked: [true, false] })` */
  readonly problems?: ProblemSource;
  /** Estimators for dimension d. @defaultValue `(d) => estimatorArb(d, { bound: 0.5 })` (all four kinds) */
  readonly estimators?: (d: number) => fc.Arbitrary<OneStepEstimator>;
  /** The closed form under test. @defaultValue risk */
  readonly riskFn?: RiskFunction;
  /** Prompts per Monte Carlo estimate. @defaultValue 4000 */
  readonly samples?: number;
  /** Accept |MC − exact| ≤ z standard errors. @defaultValue 5 */
  readonly z?: number;
}

/**
 * The closed-form risk (docs/math.md §3, (3.5), (3.22)–(3.23)) equals the Monte Carlo risk of the
 * explicit forward pass (`monteCarloRisk`, (2.3)–(2.6) on prompts drawn by (1.1), its prompt
 * seed drawn by fast-check): |MC − R| ≤ z·stderr + 64·(d+1)²·ε·(|R| + E[y²]).
 *
 * The test is statistical: with z = 5 a correct closed form fails a case with probability of
 * order 10⁻⁶ for a Gaussian mean; the squared errors are heavy-tailed (degree up to 6 in the
 * Gaussians for an LTB), so the sample standard error is itself noisy and the true rate is
 * higher — keep numRuns modest, or raise `samples`. It detects errors of a few standard errors
 * (≈ a few % of R at the default 4000 samples), not rounding-level ones.
 *
 * @example
 * ```ts
 * fc.assert(riskMatchesMonteCarlo({ riskFn: myClosedForm, samples: 20_000 }), { seed: 3, numRuns: 20 });
 * ```
 */
export function riskMatchesMonteCarlo(options: MonteCarloPropertyOptions = {}): fc.IPropertyWithHooks<[{
  /** The drawn problem. */
  problem: Problem;
  /** The drawn estimator. */
  estimator: Estimator;
  /** Seed of the Monte Carlo prompt stream. */
  seed: number;
}]> {
  const { estimators = (d: number) => estimatorArb(d, { bound: 0.5 }), riskFn = libraryRisk, samples = 4000, z = TESTING_TOLERANCES.monteCarloZ } = options;
  const problems = problemsFrom(options.problems, { d: { min: 1, max: 3 }, M: { min: 1, max: 8 }, betaStarNorm: { min: 0, max: 2 }, masked: [true, false] });
  const cases = problems.chain((problem) => fc.record({ problem: fc.constant(problem), estimator: estimators(problem.d), seed: seedArb }));
  return fc.property(cases, ({ problem, estimator, seed }) => {
    const exact = riskFn(problem, estimator).risk;
    const mc = monteCarloRisk(problem, estimator, { samples, seed });
    const tol = z * mc.stderr + riskTolerance(problem, Math.abs(exact));
    const err = Math.abs(mc.mean - exact);
    if (!(err <= tol)) {
      throw new Error(`closed form ${exact} vs Monte Carlo ${mc.mean} ± ${fmt(mc.stderr)} (${samples} prompts, seed ${seed}): |Δ| = ${fmt(err)} = ${(err / mc.stderr).toFixed(2)} standard errors > z = ${z}`);
    }
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// (e) gradient = central finite differences

/**
 * Options of {@link gradientMatchesFiniteDifferences} (docs/math.md (3.8)–(3.9), (3.24)).
 *
 * @example
 * ```ts
 * const opts: GradientPropertyOptions = { estimators: (d) => gdBetaArb(d), rtol: 1e-8 };
 * ```
 */
export interface GradientPropertyOptions {
  /** Problems. @defaultValue `problemArb({ masked: [true, false] })` */
  readonly problems?: ProblemSource;
  /** Estimators for dimension d. @defaultValue `(d) => estimatorArb(d)` (all four kinds) */
  readonly estimators?: (d: number) => fc.Arbitrary<OneStepEstimator>;
  /** The risk and gradient under test. @defaultValue risk */
  readonly riskFn?: RiskFunction;
  /** Relative error allowed of the directional derivative, of ‖∇R‖₂·‖v‖₂. @defaultValue 1e-6 */
  readonly rtol?: number;
  /** The coarse step h of the stencil (the fine one is h/2), relative to max(1, max|θ|). @defaultValue 1e-3 */
  readonly step?: number;
}

/**
 * The closed-form gradient (the `gradient` record of `risk`, docs/math.md (3.8)–(3.9),
 * (3.24)) equals central finite differences of the closed-form risk along a random unit
 * direction v (all parameter blocks at once, Gaussian from a fast-check seed). The 5-point
 * stencil D(s) = (−R(θ+2sv) + 8R(θ+sv) − 8R(θ−sv) + R(θ−2sv))/(12s) is exact for polynomials of
 * degree ≤ 4 along the line (GD-β, GD-0 and LSA risks are) and O(s⁴) otherwise (the LTB's risk
 * has degree 8); it is taken at s = h/2 and its truncation error estimated by D(h) − D(h/2):
 *
 *   |D(h/2) − ⟨∇R, v⟩| ≤ rtol·‖∇R‖₂ + 2·|D(h) − D(h/2)| + 3·τ/h,
 *   τ = 64·(d+1)²·ε·max over the stencil of (|R| + E[y²] + ⟨|∇R|, |θ|⟩),
 *
 * the last term being the rounding of the risk evaluations amplified by the quotient;
 * h = step·max(1, max|θ|). Also checks that the gradient has one block per parameter, in the
 * parameter's shape.
 *
 * @example
 * ```ts
 * fc.assert(gradientMatchesFiniteDifferences({ riskFn: myRiskWithGradient }), { seed: 11 });
 * ```
 */
export function gradientMatchesFiniteDifferences(
  options: GradientPropertyOptions = {},
): fc.IPropertyWithHooks<[{
  /** The drawn problem. */
  problem: Problem;
  /** The drawn estimator. */
  estimator: Estimator;
  /** Seed of the random direction v of the finite difference. */
  seed: number;
}]> {
  const { estimators = (d: number) => estimatorArb(d), riskFn = libraryRisk, rtol = TESTING_TOLERANCES.gradientRtol, step = TESTING_TOLERANCES.gradientStep } = options;
  const problems = problemsFrom(options.problems, { masked: [true, false] });
  const cases = problems.chain((problem) => fc.record({ problem: fc.constant(problem), estimator: estimators(problem.d), seed: seedArb }));
  return fc.property(cases, ({ problem, estimator, seed }) => {
    const r0 = riskFn(problem, estimator);
    const rng = new Rng(seed);
    let thetaMax = 0;
    let vv = 0;
    const dirs = new Map<string, Float64Array>();
    for (const [key, data] of parameterBlocks(estimator)) {
      const v = rng.fillNormal(new Float64Array(data.length));
      for (let k = 0; k < data.length; k++) {
        thetaMax = Math.max(thetaMax, Math.abs(data[k]!));
        vv += v[k]! ** 2;
      }
      dirs.set(key, v);
    }
    const vn = Math.sqrt(vv);
    let slope = 0;
    let g2 = 0;
    for (const [key, , rows, cols] of parameterBlocks(estimator)) {
      const g = gradientBlock(r0.gradient, key, rows, cols);
      const v = dirs.get(key)!;
      for (let k = 0; k < v.length; k++) {
        v[k] = v[k]! / vn;
        slope += g[k]! * v[k]!;
        g2 += g[k]! ** 2;
      }
    }
    const h = step * Math.max(1, thetaMax);
    let tau = riskTolerance(problem, Math.abs(r0.risk) + sensitivity(estimator, r0.gradient));
    const at = (t: number): number => {
      const e = mapParameters(estimator, (key, data) => data.map((x, k) => x + t * dirs.get(key)![k]!));
      const r = riskFn(problem, e);
      tau = Math.max(tau, riskTolerance(problem, Math.abs(r.risk) + sensitivity(e, r.gradient)));
      return r.risk;
    };
    const stencil = (s: number): number => (-at(2 * s) + 8 * at(s) - 8 * at(-s) + at(-2 * s)) / (12 * s);
    const coarse = stencil(h);
    const fd = stencil(h / 2);
    const truncation = Math.abs(coarse - fd);
    const tol = rtol * Math.sqrt(g2) + 2 * truncation + (3 * tau) / h;
    const err = Math.abs(fd - slope);
    if (!(err <= tol)) {
      throw new Error(
        `⟨∇R, v⟩ = ${slope} but central differences give ${fd} (h = ${fmt(h / 2)}; at 2h: ${coarse}): |Δ| = ${fmt(err)} > tolerance ${fmt(tol)} ` +
          `(‖∇R‖ = ${fmt(Math.sqrt(g2))})`,
      );
    }
    return true;
  });
}
