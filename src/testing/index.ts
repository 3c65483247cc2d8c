/**
 * linear-icl/testing — a property-testing kit for the identities of docs/math.md §2–3, for use in
 * your own test suites with fast-check (an optional peer dependency: install `fast-check` ≥ 4 to
 * use this entry point; the rest of linear-icl does not need it).
 *
 * - Arbitraries, bounded (never NaN or ±∞) and replayable from fast-check's seed: problems with
 *   a controlled d, M, cond(H), kind of Ψ, ‖β*‖, σ² and mask ({@link problemArb}, seeded
 *   {@link randomProblem}); raw weights of GD-β, GD-0, LSA and LTB of any MLP width; prompts;
 *   symmetric and general matrices with an exact condition number.
 * - The non-identifiable reparametrisations of an LTB (§2.2) as `(ltb, param) => Ltb` functions
 *   with arbitraries of their parameters ({@link LTB_REPARAMETRISATIONS}).
 * - Ready properties: {@link isLtbOfGdBeta}, {@link roundTripsEffectiveGdBeta},
 *   {@link riskIsReparametrisationInvariant}, {@link riskMatchesMonteCarlo},
 *   {@link gradientMatchesFiniteDifferences} — run them with `fc.assert(property, { seed })`.
 *
 * Shapes: d feature dimension, M context length, d_f MLP width; H, Ψ, Γ [d, d]; β*, β₀ [d];
 * W^{KQ}, W^{PV} [d+1, d+1]; W₁, W₂ [d_f, d+1]; X [M, d], y [M], query x [d].
 */
export {
  seedArb, sizeArb, boundedDouble, matrixArb, vectorArb, gaussianMatrix, logUniformSpectrum, orthogonalArb, spectralArb, spdArb,
  conditionedMatrix, generalSquareArb,
} from './spectra.js';
export type { BoundedDoubleOptions, SpectrumOptions, SpectralCase, SpectralOptions, ConditionedMatrix } from './spectra.js';
export { PSI_KINDS, randomProblem, problemArb } from './problems.js';
export type { PsiKind, Range, ProblemRecipe, ProblemArbOptions, SpectrumSource } from './problems.js';
export { gdBetaArb, gd0Arb, lsaArb, ltbArb, estimatorArb, promptArb } from './estimators.js';
export type { WeightOptions, LtbArbOptions, EstimatorArbOptions, OneStepEstimator } from './estimators.js';
export {
  rescaleGauge, gaugeFactorArb, changeMlpBasis, mlpBasisArb, padMlp, mlpPaddingArb, randomiseKqLastColumn, randomiseW2FeatureColumns,
  addPvOrthogonalToReadout, unusedWeightsArb, LTB_REPARAMETRISATIONS,
} from './reparametrisations.js';
export type { LtbReparametrisation, MlpBasisParam, MlpPaddingParam, SeededPerturbation } from './reparametrisations.js';
export {
  TESTING_TOLERANCES, isLtbOfGdBeta, roundTripsEffectiveGdBeta, riskIsReparametrisationInvariant, riskMatchesMonteCarlo,
  gradientMatchesFiniteDifferences,
} from './properties.js';
export type {
  RiskFunction, ProblemSource, IsLtbOfGdBetaOptions, RoundTripOptions, ReparametrisationOptions, MonteCarloPropertyOptions,
  GradientPropertyOptions,
} from './properties.js';
