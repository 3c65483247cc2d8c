/**
 * The claim catalogue (docs/math.md §5), by source: context.ts (result type, run context, shared
 * comparisons), zwb.ts (ZWB-1…4, OPT), flows.ts (ZWB-5 and the report's flows), mhm.ts (MHM-1, MHM-2,
 * MHM-NL) with responses.ts (the nonlinear responses and η_NL), acds-zfb.ts (ACDS, ZFB), multistep.ts (GDL-1…3), training.ts (TRAIN-1), and the one
 * registry, registry.ts. The verify area's files import the claims through this file.
 */
export { claimContext, relErr, matRelErr, identityRows } from './context.js';
export type { ClaimResult, ClaimContext, ClaimContextOptions, AttentionClassOptimum } from './context.js';
export {
  checkGdBetaIsLtb, checkOptimalLtbIsGdBeta, checkLsaGap, checkLsaGapGrowth, checkLsaGapSmallNoise, checkLsaLimit, checkNearBayes, checkOptimizer,
} from './zwb.js';
export type { GdBetaIsLtbOverrides, OptimalLtbOverrides, GapGrowthOverrides, GapNoiseOverrides, NearBayesOverrides } from './zwb.js';
export { checkGdBetaFlow, runGdBetaFlow, attentionFlowTrace } from './flows.js';
export type { GdBetaFlowRun, FlowTrace } from './flows.js';
export { checkMhm1, checkMhm2, checkMhmNonlinear, gammaStarEq35, monteCarloNonlinear, KNOWN_MOMENTS } from './mhm.js';
export type { EtaOverrides, Mhm2Overrides, NonlinearMonteCarloOptions } from './mhm.js';
export { responseExpectation, responseMoments, etaNonlinear, evalResponse, RESPONSES } from './responses.js';
export type { Response, ResponseMoments } from './responses.js';
export { checkAcds, checkZfb } from './acds-zfb.js';
export type { AcdsOverrides, ZfbOverrides } from './acds-zfb.js';
export { checkTrainingShape, trainingShapeRuns, checkStackTraining } from './training.js';
export type { TrainingShapeOverrides, TrainingShapeRuns, StackTrainingOverrides } from './training.js';
export { CLAIMS, CLAIM_IDS, gd0AsLsa } from './registry.js';
export type { ClaimSpec } from './registry.js';
