/**
 * src/verify — what `linear-icl verify` computes: an independent route to the numerical optima of
 * LSA and LTB (which live in src/optimum), the claim catalogue of math.md §5 (each a named check that
 * can fail), verification suites, the report, and the 50-digit precision check.
 *
 * Where things are: independent variable-projection Newton route → projected.ts; Golub–Welsch
 * quadrature and MHM's η_NL → gauss.ts; claims → claims.ts (+ flows.ts for ZWB-5/ZFB); suites and
 * their JSON schema → suite.ts; report figures → report.ts; `--precise` → precise.ts.
 *
 * Shapes: d feature dimension; reduced parameters θ = (β_m [d] (LTB only), p [d+1], Q [d+1, d]),
 * packed in that order, row-major.
 */
export { optimumAttentionProjected, projectedRisk } from './projected.js';
export type { ProjectedOptimum, ProjectedOptions } from './projected.js';
export { responseExpectation, responseMoments, etaNonlinear, evalResponse, RESPONSES } from './gauss.js';
export type { Response, ResponseMoments } from './gauss.js';
export {
  CLAIMS, CLAIM_IDS, KNOWN_MOMENTS, claimContext, checkGdBetaIsLtb, checkOptimalLtbIsGdBeta, checkLsaGap, checkLsaGapGrowth,
  checkLsaGapSmallNoise, checkLsaLimit, checkNearBayes, checkMhm1, checkMhm2, checkMhmNonlinear, checkAcds, checkOptimizer,
  gammaStarEq35, monteCarloNonlinear, betaHNorm2, gd0AsLsa,
} from './claims.js';
export type { ClaimResult, ClaimSpec, ClaimContext, ClaimContextOptions, ClassOptimum } from './claims.js';
export { checkGdBetaFlow, checkZfb, runGdBetaFlow, attentionFlowTrace } from './flows.js';
export type { GdBetaFlowRun, FlowTrace, ZfbOverrides } from './flows.js';
export { parseSuite, defaultSuite, runSuite, DEFAULT_SUITE_JSON, ZWB_SETTING, ZWB_M } from './suite.js';
export type { Suite, SuiteProblem, SuiteRun, FigureSetting, SkippedClaim, RunSuiteOptions } from './suite.js';
export {
  buildReport, claimsTable, formatMeasured, risksVsM, riskVsMFigure, gd0MinusLsaFigure, trainingFigure, gdBetaFlowFigure, gapFigures, nearBayesRows,
  nearBayesTable, nearBayesFigure, findingsText, flowRunFigure,
} from './report.js';
export type { BuildReportOptions, RiskAtM, NearBayesRow } from './report.js';
export { preciseCheck, bigArith, float64Arith, gdBetaOptimumIn, gdBetaRiskIn, reducedRiskIn, PRECISE_DIGITS } from './precise.js';
export type { Arith, PreciseResult } from './precise.js';
