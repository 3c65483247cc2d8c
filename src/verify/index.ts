/**
 * src/verify — what `linear-icl verify` and `linear-icl optimum --class lsa|ltb` compute: the numerical
 * optima of LSA and LTB, an independent route to them, the claim catalogue of math.md §5 (each a
 * named check that can fail), verification suites, the report, and the 50-digit precision check.
 *
 * Where things are: L-BFGS → lbfgs.ts; Newton polish → newton.ts; LSA/LTB optimum (multi-start
 * flow + L-BFGS, whitened coordinates, gauge handling) → optimize.ts; independent variable-projection
 * Newton route → projected.ts; Golub–Welsch quadrature and MHM's η_NL → gauss.ts; claims →
 * claims.ts (+ flows.ts for ZWB-5/ZFB); suites and their JSON schema → suite.ts; report figures →
 * report.ts; `--precise` → precise.ts.
 *
 * Shapes: d feature dimension; reduced parameters θ = (β_m [d] (LTB only), p [d+1], Q [d+1, d]),
 * packed in that order, row-major.
 */
export { lbfgs, LBFGS_MESSAGES } from './lbfgs.js';
export type { Objective, LbfgsOptions, LbfgsResult, LbfgsStatus } from './lbfgs.js';
export { newtonPolish } from './newton.js';
export type { NewtonPolishOptions, NewtonPolishResult } from './newton.js';
export {
  optimumAttention, attentionStarts, reducedObjective, whitenedObjective, Whitening, balance, packReduced, unpackReduced,
  reducedSize, weightsFromReduced, problemScale, gradientDescent,
} from './optimize.js';
export type { AttentionClass, AttentionOptimum, AttentionOptimumOptions, StartResult } from './optimize.js';
export { optimumAttentionProjected, projectedRisk } from './projected.js';
export type { ProjectedOptimum, ProjectedOptions } from './projected.js';
export {
  golubWelsch, gaussHermite, gaussLaguerre, normalExpectation, halfNormalExpectation, responseExpectation, responseMoments,
  etaNonlinear, evalResponse, RESPONSES, DEFAULT_NODES,
} from './gauss.js';
export type { QuadratureRule, Response, ResponseMoments } from './gauss.js';
export {
  CLAIMS, CLAIM_IDS, KNOWN_MOMENTS, claimContext, checkGdBetaIsLtb, checkOptimalLtbIsGdBeta, checkLsaGap, checkLsaGapGrowth,
  checkLsaGapSmallNoise, checkLsaLimit, checkNearBayes, checkMhm1, checkMhm2, checkMhmNonlinear, checkAcds, checkOptimizer,
  gammaStarEq35, monteCarloNonlinear, betaHNorm2, gd0AsLsa,
} from './claims.js';
export type { ClaimResult, ClaimSpec, ClaimContext, ClaimContextOptions, ClassOptimum } from './claims.js';
export { checkGdBetaFlow, checkZfb, runGdBetaFlow, attentionFlowTrace, logSlope } from './flows.js';
export type { GdBetaFlowRun, FlowTrace, ZfbOverrides } from './flows.js';
export { parseSuite, defaultSuite, runSuite, DEFAULT_SUITE_JSON, ZWB_SETTING, ZWB_M } from './suite.js';
export type { Suite, SuiteProblem, SuiteRun, FigureSetting, SkippedClaim, RunSuiteOptions } from './suite.js';
export { buildReport, claimsTable, formatMeasured, riskVsMFigure, trainingFigure, gdBetaFlowFigure, gapFigures, nearBayesTable } from './report.js';
export type { BuildReportOptions } from './report.js';
export { preciseCheck, bigArith, float64Arith, gdBetaOptimumIn, gdBetaRiskIn, reducedRiskIn, PRECISE_DIGITS } from './precise.js';
export type { Arith, PreciseResult } from './precise.js';
