/**
 * ZWB-5 (docs/math.md §4.1, §5): gradient flow on GD-β reaches the global optimum from zero and
 * random starts at the predicted asymptotic rate — run by src/flow's runFlow; plus the exact
 * population flows of LSA/LTB the report draws (ZWB's Fig. 1).
 */
import { type AttentionKind, type Problem } from '../../models/index.js';
import { attentionFlow, fitTailRate, gdBetaFlow, runFlow } from '../../flow/index.js';
import { denseJacobianSolver, finiteDifferenceJacobian, rodas4, rosenbrock, solve } from '../../flow/ode/index.js';
import type { ClaimContext, ClaimResult } from './context.js';

/** A recorded trajectory of a scalar along a flow. */
export interface FlowTrace {
  readonly ts: Float64Array;
  readonly values: Float64Array;
}

/** Outcome of one GD-β flow run. */
export interface GdBetaFlowRun {
  readonly init: string;
  /** R − R* after every accepted step (cancellation-free). */
  readonly gap: FlowTrace;
  readonly finalGap: number;
  /** ‖(Γ, β₀) − (Γ*, β*)‖ at the end. */
  readonly finalDistance: number;
  /** Fitted d ln(R − R*)/dt on the tail window. */
  readonly measuredRate: number;
  /** −2λ_min(∇²R) at the optimum (src/flow). */
  readonly predictedRate: number;
  readonly t1: number;
  readonly steps: number;
}

/** Relative tolerance of the measured asymptotic rate against −2λ_min (ZWB-5). */
const RATE_RTOL = 0.01;
/** Relative ODE tolerance of the flows. */
const FLOW_RTOL = 1e-10;
/** Absolute ODE tolerance of the flows. */
const FLOW_ATOL = 1e-13;

/**
 * Integrates the GD-β gradient flow (math.md §4) from `init` ('zero' or a seeded 'random' start)
 * with src/flow's runFlow (Tsit5 at tight tolerances) until t1 = horizon/|predicted rate| and fits
 * the asymptotic rate of ln(R − R*) on the window 1e-13·R* < R − R* ≤ 1e-7·R*.
 */
export function runGdBetaFlow(problem: Problem, init: 'zero' | 'random', seed = 1, horizon = 40): GdBetaFlowRun {
  const predictedRate = gdBetaFlow(problem, 'gd-beta').hessian().predictedRate;
  const t1 = horizon / Math.abs(predictedRate);
  const run = runFlow(problem, { model: 'gd-beta', init, seed, method: 'tsit5', rtol: FLOW_RTOL, atol: FLOW_ATOL, tEnd: t1, maxSteps: 200_000 });
  if (run.verdict.kind !== 'gd') throw new Error('runGdBetaFlow: a GD-β run has a GD verdict');
  const R = run.optimalRisk;
  const fit = fitTailRate(run.ts, run.gaps, 1e-13 * R, 1e-7 * R);
  return {
    init: init === 'zero' ? 'zero' : `random-${seed}`, gap: { ts: run.ts, values: run.gaps }, finalGap: run.verdict.gap,
    finalDistance: run.verdict.distanceToOptimum, measuredRate: fit?.rate ?? Number.NaN, predictedRate, t1, steps: run.steps,
  };
}

/**
 * ZWB-5 — gradient flow on GD-β reaches the global optimum (Γ*, β*) from zero and from two seeded
 * random starts, despite the non-convexity: final R − R* ≤ 1e-10·R* and distance ≤ 1e-5·(1 + ‖y*‖);
 * the fitted asymptotic rate of ln(R − R*) is within 1% of the predicted −2λ_min(∇²R*) for the random
 * starts, and at least as fast (measured/predicted ≥ 1 − 1 %) from zero, which may miss the slowest mode by symmetry.
 */
export function checkGdBetaFlow(problem: Problem, label: string, ctx: ClaimContext): ClaimResult {
  const runs = [runGdBetaFlow(problem, 'zero'), runGdBetaFlow(problem, 'random', ctx.seed), runGdBetaFlow(problem, 'random', ctx.seed + 1)];
  const R = runs[0]!.gap.values.length > 0 ? gdBetaFlow(problem).optimalRisk : 1;
  let ystar = 0;
  for (const v of gdBetaFlow(problem).yStar) ystar += v * v;
  const distTol = 1e-5 * (1 + Math.sqrt(ystar));
  const measured: Record<string, number> = { predictedRate: runs[0]!.predictedRate };
  let pass = true;
  for (const r of runs) {
    measured[`finalGap/R*(${r.init})`] = r.finalGap / R;
    measured[`distance(${r.init})`] = r.finalDistance;
    measured[`rate(${r.init})`] = r.measuredRate;
    const ratio = r.measuredRate / r.predictedRate;
    const rateOk = r.init === 'zero' ? ratio >= 1 - RATE_RTOL : Math.abs(ratio - 1) <= RATE_RTOL;
    pass &&= r.finalGap <= 1e-10 * R && r.finalDistance <= distTol && rateOk;
  }
  return {
    id: 'ZWB-5', title: 'gradient flow on GD-β reaches the global optimum', problem: label, measured, pass,
    tolerance: { finalGapOverR: 1e-10, distance: distTol, rateRel: RATE_RTOL },
    criterion: 'from zero and 2 random starts: R − R* ≤ 1e-10·R*, ‖θ − θ*‖ ≤ 1e-5(1 + ‖θ*‖); fitted rate within 1% of −2λ_min (zero start: at least as fast)',
  };
}

// ---------------------------------------------------------------------------------------------
// LSA / LTB population flows

/**
 * The risk along the exact population gradient flow dθ/dt = −∇R(θ) of LSA or LTB on the reduced
 * parameters, saved at 0 and `points` log-spaced times in [1e-6·t1, t1].
 */
export function attentionFlowTrace(problem: Problem, cls: AttentionKind, theta0: Float64Array, t1: number, points = 120): FlowTrace {
  const fl = attentionFlow(problem, { model: cls, parametrization: 'reduced' });
  const { field, n } = fl;
  // log-spaced save times from t1·1e-6 to t1 (and 0)
  const ts = [0];
  for (let k = 0; k < points; k++) ts.push(t1 * 10 ** (-6 + (6 * k) / (points - 1)));
  // Stiff (for β* = 10·𝟙 the Hessian spans ≳ 6 decades): linearly implicit Rodas4 with an FD Jacobian.
  const method = rosenbrock(rodas4, { linearSolver: denseJacobianSolver(finiteDifferenceJacobian(field, n), n) });
  const sol = solve(field, theta0, [0, t1], method, { rtol: 1e-5, atol: 1e-8, saveAt: { kind: 'times', ts }, maxSteps: 100_000, throwOnFailure: false });
  const values = Float64Array.from(sol.ys, (y) => fl.risk(y));
  return { ts: sol.ts, values };
}

