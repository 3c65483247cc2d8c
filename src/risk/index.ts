/**
 * src/risk — exact ICL risks (closed forms from Gaussian/Wishart moments, math.md §3) with analytic
 * gradients, the closed-form optima of GD-β and GD-0, the Bayes reference and Monte Carlo checks.
 *
 * Where things are: GD-β/GD-0 risk and optima → gdbeta.ts; LSA/LTB risk → attention.ts;
 * any kind → risk.ts; Bayes → bayes.ts; Monte Carlo → montecarlo.ts.
 */
export { risk } from './risk.js';
export type { RiskResult, RiskResultFor, RiskResultOf, GradientOf, GdBetaGradient, Gd0Gradient, LsaGradient, LtbGradient } from './risk.js';
export {
  riskGdBeta, gdBetaRiskEig, allocGdBetaWorkspace, eigenRiskData, optimumEig, optimumGdBeta, optimumGd0, secondMomentEig,
} from './gdbeta.js';
export type { GdBetaRisk, GdBetaWorkspace, EigenRiskData, GdOptimum, OptimumEigInput } from './gdbeta.js';
export { riskReduced, riskAttention, riskReducedHvp, reducedHessianOperator } from './attention.js';
export type { ReducedGradient, ReducedRisk, AttentionRisk } from './attention.js';
export { monteCarloRisk, MC_MAX_WORK, MC_MAX_PROMPT_ENTRIES } from './montecarlo.js';
export type { MonteCarloResult, MonteCarloOptions } from './montecarlo.js';
export { BAYES_MAX_WORK, bayesReference, bayesSpectrum, bayesLowerBound, bayesDeterministicEquivalent, bayesExact1d, bayesMonteCarlo, sampleWishartFactor, type BayesOptions, type BayesReference, type BayesMonteCarlo, type BayesDeterministicEquivalent } from './bayes.js';
export {
  riskGdMultistep, riskGdMultistepValue, riskGdMultistepCommuting, compileMultistep, wishartTraceMoments, GD_MULTISTEP_MAX_STEPS,
  GD_MULTISTEP_COMMUTING_MAX_STEPS, COMMUTING_RTOL, GD_MULTISTEP_MAX_WORKSPACE_BYTES,
} from './multistep.js';
export type { GdMultistepRisk, MultistepProgram } from './multistep.js';
export type { GdMultistepGradient } from './risk.js';
