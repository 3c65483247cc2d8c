/**
 * The headline numbers of a finished flow run, for every model alike (math.md §4): the final risk,
 * the distance of the endpoint's effective (Γ, β₀) to the GD-β optimum (Γ*, β*), and the measured
 * and predicted asymptotic rates of log(R − R*).
 */
import type { Problem } from '../models/index.js';
import { gdBetaFlow } from './gdbetaFlow.js';
import type { FlowRun } from './run.js';
import { fitTailRate, RATE_FIT_FLOOR, type RateFit } from './verdict.js';

/** What {@link flowMeasures} reports; null where a quantity is not defined for the run. */
export interface FlowMeasures {
  /** Risk at the end of the run, unit [y]². */
  readonly finalRisk: number;
  /** R − R* at the end. */
  readonly gap: number;
  /** Frobenius distance ‖(Γ, β₀) − (Γ*, β*)‖ of the endpoint's effective GD-β; null when it has none. */
  readonly distanceToOptimum: number | null;
  /** Fitted d log(R − R*)/dt on the tail; null when the tail is too short or the run did not reach the global basin. */
  readonly measuredRate: number | null;
  /** −2λ_min(∇²R*) (GD-β/GD-0 flows only); null elsewhere. */
  readonly predictedRate: number | null;
  /** Why predictedRate is null or 0 ("not defined: …"); null when it is defined and nonzero. */
  readonly predictedRateNote: string | null;
  /** Why measuredRate is null, or a warning about it (off the prediction by more than 5 %); null when there is nothing to say. */
  readonly rateNote: string | null;
}

/** A measured rate is reported only from a fit window spanning at least this many decades of R − R*. */
export const RATE_MIN_DECADES = 1;
/** Relative difference of measured and predicted rate above which the measures carry a warning. */
export const RATE_WARN_RTOL = 0.05;

/**
 * The measured rate of a run, or null with the reason: a run that stopped early (max steps, step
 * size, non-finite state) or a fit window shorter than {@link RATE_MIN_DECADES} decades measures a
 * transient, not the asymptotic rate.
 */
function judgedRate(run: FlowRun, fit: RateFit | null, predicted: number | null): { measuredRate: number | null; rateNote: string | null } {
  if (run.status !== 'converged' && run.status !== 'success') {
    return { measuredRate: null, rateNote: `not measured: the run stopped (${run.status}) after ${run.steps} steps, before the asymptotic regime` };
  }
  if (fit === null) return { measuredRate: null, rateNote: 'not measured: fewer than 3 saved points above the round-off floor' };
  const decades = Math.abs(fit.rate * (fit.tEnd - fit.tStart)) / Math.LN10;
  if (!(decades >= RATE_MIN_DECADES)) {
    return { measuredRate: null, rateNote: `not measured: the fitted tail spans ${decades.toFixed(2)} decades of R − R* (< ${RATE_MIN_DECADES}); integrate longer` };
  }
  if (predicted === 0) {
    return { measuredRate: fit.rate, rateNote: 'not defined: the relative error measured/predicted − 1, since the predicted rate is 0 (λ_min(∇²R*) = 0)' };
  }
  if (predicted !== null && Math.abs(fit.rate / predicted - 1) > RATE_WARN_RTOL) {
    return { measuredRate: fit.rate, rateNote: `measured rate is ${(100 * Math.abs(fit.rate / predicted - 1)).toFixed(1)} % off the prediction (> ${100 * RATE_WARN_RTOL} %)` };
  }
  return { measuredRate: fit.rate, rateNote: null };
}

/**
 * Measures of a run of {@link runFlow}. GD flows: from their verdict. LTB/LSA: the verdict's distance;
 * a rate only when the run reached GD-β* (there is no closed-form prediction). ZFB: the endpoint is
 * GD-0 with Γ = u·Uᵀ (β₀ = 0 = β*), measured against (Γ*, β*) of the GD-β flow.
 */
export function flowMeasures(problem: Problem, run: FlowRun): FlowMeasures {
  const v = run.verdict;
  const floor = RATE_FIT_FLOOR * run.optimalRisk;
  if (v.kind === 'gd') {
    const predictedRateNote =
      v.predictedRate === 0
        ? `not defined: λ_min(∇²R*) = 0 — the Hessian at the optimum is singular (${problem.sigma2 === 0 && problem.psiIsotropic === 0 ? 'Ψ = 0 and σ² = 0 make B′₀ = 0' : 'B′₀ or 𝒬̃* is singular'}), so the decay is not exponential and there is no rate to predict`
        : null;
    return { finalRisk: v.finalRisk, gap: v.gap, distanceToOptimum: v.distanceToOptimum, predictedRate: v.predictedRate, predictedRateNote, ...judgedRate(run, v.rateFit, v.predictedRate) };
  }
  if (v.kind === 'attention') {
    const rate = v.basin === 'global'
      ? judgedRate(run, fitTailRate(run.ts, run.gaps, floor), null)
      : { measuredRate: null, rateNote: `not measured: the run did not reach GD-β* (basin ${v.basin})` };
    const predictedRateNote = 'not defined: there is no closed-form rate prediction for LTB/LSA flows (the loss is not locally quadratic in identifiable coordinates: the reduced parameters have a continuous gauge); compare measuredRate with the GD-β flow';
    return { finalRisk: v.finalRisk, gap: v.gap, distanceToOptimum: v.distanceToOptimum, predictedRate: null, predictedRateNote, ...rate };
  }
  const gd = gdBetaFlow(problem, 'gd-beta');
  const est = run.estimator;
  let dist = 0;
  if (est.kind === 'lsa') {
    const d = problem.d;
    const m = d + 1;
    const u = est.WPV.data[m * m - 1]!;
    const Gamma = { rows: d, cols: d, data: new Float64Array(d * d) };
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Gamma.data[i * d + j] = u * est.WKQ.data[j * m + i]!;
    dist = gd.distance(gd.fromEstimator({ kind: 'gd-beta', Gamma, beta0: new Float64Array(d) }));
  }
  const predictedRateNote = "not defined: ZFB's (u, U) flow has no closed-form rate prediction here";
  return { finalRisk: v.finalRisk, gap: v.gap, distanceToOptimum: dist, predictedRate: null, predictedRateNote, ...judgedRate(run, fitTailRate(run.ts, run.gaps, floor), null) };
}
