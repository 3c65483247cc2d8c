/**
 * Gradient-flow claims (math.md §4, §5): ZWB-5 (the GD-β flow reaches the global optimum from zero
 * and random starts, at the predicted asymptotic rate) and ZFB (the unmasked LSA flow from the
 * balanced start conserves u² − ‖U‖²_F, decreases the loss monotonically and converges to
 * U = tr(Γ⁻²)^{−1/4}Γ⁻¹, u = tr(Γ⁻²)^{1/4}); plus the exact population flows of LSA/LTB used by the
 * report (ZWB's Fig. 1).
 *
 * The GD-β flow and its Hessian-based rate prediction come from src/flow (gdBetaFlow); the ODEs are
 * integrated with src/flow/ode's adaptive Runge–Kutta (Tsit5, tight rtol/atol). The LSA/LTB flows
 * are dθ/dt = −∇R(θ) on the reduced (β_m, p, Q) or raw (W^{KQ}, W^{PV}) parameters with the analytic
 * gradients of src/risk (src/flow's attentionFlow).
 */
import { identity, solveMatrix, type Matrix } from '../linalg/index.js';
import { makeProblem, type Lsa, type Problem } from '../models/index.js';
import { riskAttention } from '../risk/index.js';
import { attentionFlow, fitTailRate, gdBetaFlow, runFlow, zfbBalancedStart, zfbFlow } from '../flow/index.js';
import { denseJacobianSolver, finiteDifferenceJacobian, rodas4, rosenbrock, solve, tsit5 } from '../flow/ode/index.js';
import type { ClaimContext, ClaimResult } from './claims.js';
import type { AttentionKind as AttentionClass } from '../models/index.js';

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
export function attentionFlowTrace(problem: Problem, cls: AttentionClass, theta0: Float64Array, t1: number, points = 120): FlowTrace {
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

// ---------------------------------------------------------------------------------------------
// ZFB

/** Overrides of {@link checkZfb}. */
export interface ZfbOverrides {
  /** s of the balanced start. @defaultValue 0.1 */
  scale?: number;
  /** The claimed limit preconditioner Γ (default (1 + 1/M)H + (tr H/M)I). */
  Gamma?: Matrix;
}

/**
 * ZFB — unmasked LSA, β* = 0, Ψ = I, σ = 0 (H, M from the problem). Two flows: src/flow's ZFB flow on
 * (u, U) (runFlow, model 'zfb': conservation residual ≤ 1e-8 relative, monotone loss, distance to
 * the predicted limit ≤ 1e-5 relative), and — checking the premise of that reduction — the flow on
 * the full raw weights
 * (W^{KQ}, W^{PV}) from ZFB's balanced start W^{PV}(0) = s·e_{d+1}e_{d+1}ᵀ,
 * W^{KQ}(0) = s·[[ΘΘᵀ, 0], [0, 0]], ‖ΘΘᵀ‖_F = 1 (Θ seeded): (i) u² − ‖U‖²_F stays at its initial
 * value 0 (max drift ≤ 1e-7·‖U‖²); (ii) the loss is non-increasing along accepted steps (up to
 * 1e-12 relative); (iii) the limit is U = tr(Γ⁻²)^{−1/4}Γ⁻¹, u = tr(Γ⁻²)^{1/4} (relative 1e-5) with
 * Γ = (1 + 1/M)H + (tr H/M)I; the blocks outside U and u stay ≤ 1e-7.
 */
export function checkZfb(problem: Problem, label: string, ctx: ClaimContext, o: ZfbOverrides = {}): ClaimResult {
  const d = problem.d;
  const n = d + 1;
  const { M } = problem;
  const p = makeProblem({ d, M, H: Array.from({ length: d }, (_, i) => Array.from(problem.H.data.subarray(i * d, (i + 1) * d))), Psi: 1, betaStar: 0, sigma2: 0, masked: false });
  const s = o.scale ?? 0.1;
  // Θ: seeded, ΘΘᵀ normalised to unit Frobenius norm.
  let seed = ctx.seed * 7919 + 13;
  const rand = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  const start = zfbBalancedStart({ rows: d, cols: d, data: Float64Array.from({ length: d * d }, rand) }, s);
  const y0 = new Float64Array(2 * n * n); // [W^{KQ}, W^{PV}] row-major
  y0.set(start.WKQ.data, 0);
  y0.set(start.WPV.data, n * n);
  const asLsa = (y: Float64Array): Lsa => ({
    kind: 'lsa', WKQ: { rows: n, cols: n, data: y.subarray(0, n * n) }, WPV: { rows: n, cols: n, data: y.subarray(n * n) },
  });
  const field = (_t: number, y: Float64Array, out: Float64Array): void => {
    const r = riskAttention(p, asLsa(y));
    for (let k = 0; k < n * n; k++) {
      out[k] = -r.gradWKQ.data[k]!;
      out[n * n + k] = -r.gradWPV.data[k]!;
    }
  };
  const invariant = (y: Float64Array): number => {
    let U2 = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) U2 += y[i * n + j]! ** 2;
    return y[n * n + d * n + d]! ** 2 - U2;
  };
  // Claimed limit.
  let Gam = o.Gamma;
  if (!Gam) {
    Gam = { rows: d, cols: d, data: new Float64Array(d * d) };
    for (let k = 0; k < d * d; k++) Gam.data[k] = p.kappa * p.H.data[k]!;
    for (let i = 0; i < d; i++) Gam.data[i * d + i] += p.trH / M;
  }
  const Gi = solveMatrix(Gam, identity(d)).data;
  let trGi2 = 0;
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) trGi2 += Gi[i * d + k]! * Gi[k * d + i]!;
  const uStar = trGi2 ** 0.25;
  const Ustar = Gi.map((v) => v / uStar);

  let maxDrift = 0;
  let maxRise = 0;
  let prevLoss = riskAttention(p, asLsa(y0), false).risk;
  const loss0 = prevLoss;
  const sol = solve(field, y0, [0, 2000], tsit5, {
    rtol: 1e-9, atol: 1e-12, maxSteps: 200_000, steadyState: { tol: 1e-7, norm: 'inf' },
    callback: ({ y }) => {
      maxDrift = Math.max(maxDrift, Math.abs(invariant(y) - 0));
      const L = riskAttention(p, asLsa(y), false).risk;
      maxRise = Math.max(maxRise, (L - prevLoss) / loss0);
      prevLoss = L;
    },
  });
  const y = sol.y;
  let num = 0;
  let den = 0;
  let off = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const kq = y[i * n + j]!;
      const pv = y[n * n + i * n + j]!;
      if (i < d && j < d) {
        num += (kq - Ustar[i * d + j]!) ** 2;
        den += Ustar[i * d + j]! ** 2;
      } else {
        off = Math.max(off, Math.abs(kq));
      }
      if (!(i === d && j === d)) off = Math.max(off, Math.abs(pv));
    }
  }
  const UErr = Math.sqrt(num / den);
  // src/flow's ZFB flow on (u, U) (its own Θ stream): conservation, monotonicity, predicted limit.
  const zr = runFlow(p, { model: 'zfb', seed: ctx.seed, initScale: s, convergedGap: 1e-14 });
  const zv = zr.verdict.kind === 'zfb' ? zr.verdict : null;
  let limNorm = 0;
  for (const v of zfbFlow(p).predictedLimit) limNorm += v * v;
  const flowDistance = zv ? zv.distanceToPredicted / Math.sqrt(limNorm) : Number.NaN;
  const flowConservation = zv ? zv.relativeConservationResidual : Number.NaN;
  const flowMonotone = zv?.monotone === true;
  const uErr = Math.abs(y[n * n + d * n + d]! - uStar) / uStar;
  let U2 = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) U2 += y[i * n + j]! ** 2;
  const driftRel = maxDrift / U2;
  return {
    id: 'ZFB', title: 'ZFB flow: conservation law, monotone loss, limit U ∝ Γ⁻¹', problem: `${label} [unmasked, Ψ=I, σ=0, β*=0]`,
    measured: {
      t: sol.t, steps: sol.stats.accepted, finalLoss: prevLoss, driftRel, maxRise, UErr, uErr, offBlock: off,
      flowConservation, flowMonotone: flowMonotone ? 1 : 0, flowDistance,
    },
    tolerance: { driftRel: 1e-7, maxRise: 1e-12, limitRel: 1e-5, offBlock: 1e-7, flowConservation: 1e-8, flowDistance: 1e-5 },
    criterion: 'raw-weight flow: |u² − ‖U‖²_F| ≤ 1e-7·‖U‖², loss non-increasing (1e-12), U, u within 1e-5 of the claimed limit, other blocks ≤ 1e-7; src/flow (u, U) flow: conservation 1e-8, monotone, limit within 1e-5',
    pass: (sol.status === 'success' || sol.status === 'steadyState') && driftRel <= 1e-7 && maxRise <= 1e-12 && UErr <= 1e-5 && uErr <= 1e-5 && off <= 1e-7 &&
      flowConservation <= 1e-8 && flowMonotone && flowDistance <= 1e-5,
    note: `raw-weight flow stopped at t = ${sol.t.toPrecision(4)} (${sol.status}); src/flow's ZFB flow: ${zr.status} at t = ${zr.t.toPrecision(4)}`,
  };
}
