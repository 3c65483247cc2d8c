/**
 * src/models — the problem, the estimators (GD-β, GD-0, LSA, LTB), their forward passes on actual
 * prompts, the reduced form of LSA/LTB in both directions and its packing into one vector θ, and the
 * exact GD-β ↔ LTB weight maps (math.md §1–2).
 *
 * Glossary of shapes: d feature dimension; M context length; d_f the LTB's MLP width;
 * H, Psi, Gamma [d, d]; betaStar, beta0 [d]; WKQ, WPV [d+1, d+1]; W1, W2 [d_f, d+1];
 * X [M, d]; y [M]; E [d+1, M+1]; reduced parameters β_m [d], p [d+1], Q [d+1, d], packed as
 * θ = (β_m (LTB only), p, Q row-major).
 */
export { ProblemError, makeProblem, problemToJSON, withProblem, wishartKappa, problemScale, MAX_D, MAX_M, PROBLEM_KEYS, PSI_H_INVERSE } from './problem.js';
export type { Problem, ProblemSpec } from './problem.js';
export { EstimatorError, ESTIMATOR_KINDS, parseEstimator, estimatorToJSON, estimatorDim } from './estimators.js';
export type { Estimator, EstimatorKind, GdBeta, Gd0, GdMultistep, Lsa, Ltb } from './estimators.js';
export {
  reducedForm, readoutVector, estimatorFromReduced, reducedLayout, reducedSize, packReduced, unpackReduced, viewReduced, ltbFromGdBeta, lsaFromGd0,
  effectiveGdBeta,
} from './reduced.js';
export type { AttentionKind, Reduced, ReducedLayout, EffectiveGdBeta, EffectiveGdBetaOptions } from './reduced.js';
export { allocPrompt, samplePrompt, samplePromptInto, PromptSampler } from './prompt.js';
export type { Prompt } from './prompt.js';
export {
  embed, predict, predictGdBeta, predictLsa, predictLtb, predictReduced, attentionQueryColumn, allocAttentionWorkspace,
} from './forward.js';
export type { AttentionWorkspace } from './forward.js';
export { predictGdMultistep, allocGdMultistepWorkspace } from './forward.js';
export type { GdMultistepWorkspace } from './forward.js';
export { finiteMatrix, finiteVector, finiteNumber, integerAtLeast, record, noUnknownKeys } from './schema.js';
export { CONVENTIONS, lsaFromAcds, lsaFromVo, parseEstimatorWithConvention } from './conventions.js';
export type { Convention, AcdsWeights, VoWeights, ConventionOptions } from './conventions.js';
export {
  WishartSampler, covariateFactor, contextCovariance, bartlettFactorInto, allocWishartFactorPrompt, allocWishartPrompt, sampleWishartFactorInto,
  wishartStatisticInto, contextStatisticInto,
} from './wishart.js';
export type { WishartFactorPrompt, WishartPrompt, CovariateFactor, NormalSource } from './wishart.js';
export {
  allocStackWorkspace, forwardStack, predictStack, stackDim, stackFromGdMultistep, parseStack, stackToJSON,
} from './stack.js';
export type { Stack, StackLayer, StackJSON, GdMultistepWeights, StackSignFlip, StackFromGdMultistepOptions, StackWorkspace, StackForwardOptions } from './stack.js';
