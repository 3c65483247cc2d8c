/**
 * linear-icl — exact in-context-learning theory for linear transformers (docs/math.md).
 *
 * The package face: what a user needs to state a problem, build estimators and map between them,
 * evaluate exact risks with their gradients, find the optimum of every class, compare with the
 * Bayes reference and Monte Carlo, run the exact gradient flows, and run the claim catalogue.
 * Subpaths: `linear-icl/linalg` (the matrix engine), `linear-icl/ode` (the ODE library),
 * `linear-icl/testing` (fast-check arbitraries and properties for your own tests).
 *
 * Shapes: d feature dimension, M context length, d_f the LTB's MLP width; H, Ψ, Γ [d, d];
 * β*, β₀ [d]; W^{KQ}, W^{PV} [d+1, d+1]; W₁, W₂ [d_f, d+1].
 *
 * @example
 * ```ts
 * import { makeProblem, optimumGdBeta, ltbFromGdBeta, risk } from 'linear-icl';
 * const p = makeProblem({ d: 5, M: 20, H: 1, Psi: 1, betaStar: 10, sigma2: 0.25 });
 * const g = optimumGdBeta(p);                   // GD-β* and R*_GDβ (docs/math.md §3.2)
 * risk(p, ltbFromGdBeta(g.estimator)).risk;     // the same risk, as an LTB (§2.3)
 * ```
 *
 * @module
 */

// Errors every public function throws on bad input (exit code 2 in the CLI) or numerical failure (3).
export { InputError, NumericalError, failureKindOf } from './errors.js';
export type { FailureKind } from './errors.js';

// The problem, estimators, forward passes, reduced form and the exact weight maps (docs/math.md §1–2).
export {
  ProblemError, makeProblem, problemToJSON, withProblem, wishartKappa,
  EstimatorError, ESTIMATOR_KINDS, parseEstimator, estimatorToJSON, estimatorDim,
  reducedForm, readoutVector, estimatorFromReduced, reducedLayout, reducedSize, packReduced, unpackReduced,
  ltbFromGdBeta, lsaFromGd0, effectiveGdBeta,
  allocPrompt, samplePrompt, samplePromptInto, PromptSampler,
  embed, predict, predictGdBeta, predictLsa, predictLtb, predictReduced,
  PSI_H_INVERSE, CONVENTIONS, lsaFromAcds, lsaFromVo, parseEstimatorWithConvention, predictGdMultistep, allocGdMultistepWorkspace,
  allocStackWorkspace, forwardStack, predictStack, stackDim, stackFromGdMultistep, parseStack, stackToJSON,
} from './models/index.js';
export type {
  Problem, ProblemSpec, Estimator, EstimatorKind, GdBeta, Gd0, Lsa, Ltb, AttentionKind, Reduced, ReducedLayout, EffectiveGdBeta,
  EffectiveGdBetaOptions, Prompt, AttentionWorkspace, GdMultistep, GdMultistepWorkspace, Convention, AcdsWeights, VoWeights, ConventionOptions,
  Stack, StackLayer, StackJSON, GdMultistepWeights, StackSignFlip, StackFromGdMultistepOptions, StackWorkspace, StackForwardOptions,
} from './models/index.js';

// Exact risks and gradients, closed-form GD optima, the Bayes reference, Monte Carlo (§3).
export {
  risk, riskGdBeta, riskReduced, riskAttention, optimumGdBeta, optimumGd0,
  bayesReference, bayesLowerBound, bayesDeterministicEquivalent, bayesExact1d, bayesMonteCarlo, monteCarloRisk,
} from './risk/index.js';
export type {
  RiskResult, GdBetaRisk, GdOptimum, ReducedGradient, ReducedRisk, AttentionRisk, BayesOptions, BayesReference, BayesMonteCarlo,
  BayesDeterministicEquivalent, MonteCarloOptions, MonteCarloResult, RiskResultOf, RiskResultFor, EigenRiskData,
  GradientOf, GdBetaGradient, Gd0Gradient, LsaGradient, LtbGradient,
} from './risk/index.js';

// GD-β^L, L preconditioned GD steps (§3.6): exact risk by a Wick compilation per L, a spectral route for Γ_l = c_l·H⁻¹.
export {
  riskGdMultistep, riskGdMultistepValue, riskGdMultistepCommuting, wishartTraceMoments, GD_MULTISTEP_MAX_STEPS, GD_MULTISTEP_COMMUTING_MAX_STEPS,
  COMMUTING_RTOL,
} from './risk/index.js';
export type { GdMultistepRisk, GdMultistepGradient } from './risk/index.js';

// The optimum of every class: optimum(problem, 'gd-beta' | 'gd-0' | 'lsa' | 'ltb').
export { optimum, OPTIMUM_KINDS, optimumAttention, MAX_DIMENSION, MAX_ATTENTION_SCALE, MIN_ATTENTION_SCALE } from './optimum/index.js';
export type {
  OptimumKind, Optimum, ClassOptimum, GdBetaOptimum, Gd0Optimum, AttentionOptimum, AttentionOptimumOptions, AttentionProgress, StartResult, StartOptions, FlowStage,
} from './optimum/index.js';
// Types of the optimiser options and statuses the optimum reports (src/optim).
export type { LbfgsOptions, LbfgsStatus, NewtonPolishStatus } from './optim/index.js';

// Sampled training on fresh prompts with the exact risk of every logged iterate (src/train).
export {
  train, flowRiskAt, trajectoryCsv, trainingFigure, writeTraining, TrainingDivergedError, TRAIN_MODELS, TRAIN_OPTIMIZERS, TRAIN_SAMPLERS,
  DEFAULT_TEST_SIZE, ADAM_DEFAULTS, TRAJECTORY_COLUMNS,
} from './train/index.js';
export type {
  TrainOptions, TrainResult, TrainRow, TrainTiming, TrainModel, TrainOptimizer, FlowRiskOptions, WrittenTraining, AdamOptions, PromptSource,
} from './train/index.js';
export {
  createStackKernel, stackBatchLossGrad, stackSetLossGrad, stackLayout, stackLayoutOf, sameStackLayout, stackFromParams, paramsFromStack,
  randomStackParams, stackStructureResidual, MAX_STACK_LAYERS,
} from './train/index.js';
export { FastRng } from './train/index.js';
export type { StackTrainOptions, StackKernel, StackLayout, StackLayerShape, StackLayoutOptions, SetLoss, PromptSet, AnyTrainResult } from './train/index.js';
export { WishartSampler, contextCovariance, contextStatisticInto, covariateFactor } from './models/index.js';
export type { WishartPrompt, WishartFactorPrompt, CovariateFactor, NormalSource } from './models/index.js';

// The optimal L-step GD-β and its flow (§3.6).
export { OPTIMUM_CLASSES, optimumGdMultistep, multistepStarts } from './optimum/index.js';
export type { OptimumClass, AnyOptimum, MultistepOptimum, MultistepOptimumOptions, MultistepStartResult, MultistepStart } from './optimum/index.js';
export { runMultistepFlow, multistepHessian, multistepDistance, multistepObjective, packMultistep, unpackMultistep, MULTISTEP_FLOW_METHODS } from './flow/index.js';
export type { MultistepFlowOptions, MultistepFlowRun, MultistepFlowStatus, MultistepFlowVerdict, MultistepReference, MultistepHessian, MultistepDistance } from './flow/index.js';

// Exact population gradient flows with verdicts (§4).
export {
  runFlow, flowMeasures, FLOW_MODELS, FLOW_METHODS, gdBetaFlow, attentionFlow, zfbFlow, fitTailRate,
} from './flow/index.js';
export type {
  RunFlowOptions, FlowRun, FlowStatus, FlowVerdict, FlowModel, FlowMethod, FlowMeasures, GdBetaFlow, AttentionFlow, ZfbFlow, RateFit,
  GdVerdict, AttentionVerdict, ZfbVerdict, Basin, GdFlowVariant, OptimumHessian, AttentionFlowSpec,
} from './flow/index.js';

// The claim catalogue and its runner (§5), as `linear-icl verify` uses them.
export { CLAIMS, CLAIM_IDS, claimContext, parseSuite, defaultSuite, runSuite, buildReport } from './verify/index.js';
export type {
  ClaimResult, ClaimSpec, ClaimContext, ClaimContextOptions, AttentionClassOptimum, Suite, SuiteProblem, SuiteRun, RunSuiteOptions, FigureSetting,
  SkippedClaim, BuildReportOptions, PreciseResult,
} from './verify/index.js';
// The report model `buildReport` returns (src/report).
export type { Report, Section, Table, Align, LineFigure, Series, SeriesPoint, SeriesMark, HLine, SlopeLine, Axis, ScaleKind } from './report/index.js';
