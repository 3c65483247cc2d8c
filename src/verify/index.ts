/**
 * src/verify — what `linear-icl verify` computes: an independent route to the numerical optima of
 * LSA and LTB (which live in src/optimum), the claim catalogue of docs/math.md §5 (each a named check that
 * can fail), verification suites, the report, and the 50-digit precision check.
 *
 * Where things are: independent variable-projection Newton route → projected.ts; the claims by
 * source with one registry → claims/ (zwb.ts, mhm.ts + responses.ts, acds-zfb.ts, flows.ts,
 * multistep.ts (L-step GD-β), registry.ts); suites and their JSON schema → suite.ts; report content and figures → report.ts;
 * `--precise` → precise.ts.
 *
 * Shapes: d feature dimension; reduced parameters θ = (β_m [d] (LTB only), p [d+1], Q [d+1, d]),
 * packed in that order, row-major.
 */
export { optimumAttentionProjected, projectedRisk } from './projected.js';
export type { ProjectedOptimum, ProjectedOptions } from './projected.js';
export {
  CLAIMS, CLAIM_IDS, KNOWN_MOMENTS, claimContext, checkGdBetaIsLtb, checkOptimalLtbIsGdBeta, checkLsaGap, checkLsaGapGrowth,
  checkLsaGapSmallNoise, checkLsaLimit, checkNearBayes, checkMhm1, checkMhm2, checkMhmNonlinear, checkAcds, checkOptimizer, checkGdBetaFlow,
  checkZfb, checkTrainingShape, checkStackTraining, runGdBetaFlow, attentionFlowTrace, gammaStarEq35, monteCarloNonlinear, gd0AsLsa,
  responseExpectation, responseMoments, etaNonlinear, evalResponse, RESPONSES,
} from './claims/index.js';
export type {
  ClaimResult, ClaimSpec, ClaimContext, ClaimContextOptions, AttentionClassOptimum, GdBetaFlowRun, FlowTrace, ZfbOverrides, Response, ResponseMoments,
  NonlinearMonteCarloOptions, TrainingShapeOverrides, StackTrainingOverrides,
} from './claims/index.js';
export { parseSuite, defaultSuite, runSuite, DEFAULT_SUITE_JSON, ZWB_SETTING, ZWB_M } from './suite.js';
export type { Suite, SuiteProblem, SuiteRun, FigureSetting, SkippedClaim, RunSuiteOptions } from './suite.js';
export {
  buildReport, claimsTable, formatMeasured, risksVsM, riskVsMFigure, gd0MinusLsaFigure, trainingFigure, gdBetaFlowFigure, gapFigures, nearBayesRows,
  nearBayesTable, nearBayesFigure, findingsText, flowRunFigure, multistepRiskFigure, multistepFlowFigure, multistepFindings,
} from './report.js';
export {
  checkMultistepDecrease, checkMultistepBeta0, checkMultistepCommute, multistepOptimum, multistepRiskRows, commutator, GDL_M, GDL_STEPS, GDL_MAX_D,
} from './claims/multistep.js';
export type { MultistepOverrides, MultistepClassOptimum, MultistepRiskRow } from './claims/multistep.js';
export type { BuildReportOptions, RiskAtM, NearBayesRow } from './report.js';
export { preciseCheck, bigArith, float64Arith, gdBetaOptimumIn, gdBetaRiskIn, reducedRiskIn, PRECISE_DIGITS } from './precise.js';
export type { Arith, PreciseResult } from './precise.js';
