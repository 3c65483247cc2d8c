/**
 * The GD-β/GD-0 gradient flow (src/flow/gdbetaFlow.ts, math.md §4): its vector field against the
 * risk module's gradient in the original basis, the cancellation-free gap, the Hessian at the
 * optimum against a dense Hessian from Hessian-vector products (themselves checked against
 * central differences of the field), convergence to (Γ*, β*) from zero and random starts with a
 * non-increasing loss, the measured asymptotic rate against −2λ_min(∇²R*), and Euler ≡ gradient
 * descent.
 */
import { describe, expect, it } from 'vitest';
import { eigh, Rng, type Matrix } from '../../src/linalg/index.js';
import { makeProblem, type GdBeta, type Problem } from '../../src/models/index.js';
import { optimumGd0, optimumGdBeta, riskGdBeta } from '../../src/risk/index.js';
import {
  gdBetaDenseHessian,
  gdBetaFlow,
  gdBetaHessianVectorProduct,
  gdBetaInitialState,
  gdVerdict,
  runFlow,
  type GdFlowVariant,
} from '../../src/flow/index.js';
import { ConstantStepSize, dop853, euler, solve } from '../../src/flow/ode/index.js';
import { randomGdBeta, randomProblem, randomVector, relDiffArray, toRows } from '../helpers/problems.js';

/**
 * Relative agreement of two evaluations of the same closed form along different rotation paths
 * (a few d×d products each): c·d·EPS with c = 64 of slack.
 */
const ROTATION_RTOL = (d: number): number => 64 * d * Number.EPSILON;
/** Central differences with step 1e-5 of a function with O(1) third derivatives: ≈ 1e-10 truncation, 1e-11 round-off. */
const FD_RTOL = 1e-7;
/** The optimum must be reached to this Frobenius distance (the task's 1e-8). */
const OPT_DIST = 1e-8;
/** Measured vs predicted asymptotic rate (the task's 5%). */
const RATE_RTOL = 0.05;

function isoVariant(p: Problem, psi2: number): Problem {
  return makeProblem({ d: p.d, M: p.M, H: toRows(p.H), Psi: psi2, betaStar: Array.from(p.betaStar), sigma2: p.sigma2 });
}

function frob2(A: Matrix, B: Matrix): number {
  let s = 0;
  for (let k = 0; k < A.data.length; k++) s += (A.data[k]! - B.data[k]!) ** 2;
  return s;
}

describe('vector field, gap and optimum of the eigenbasis flow', () => {
  const cases: { seed: number; d: number; iso: boolean; variant: GdFlowVariant }[] = [];
  for (const [seed, d] of [[1, 1], [2, 3], [3, 6]] as const) {
    for (const iso of [false, true]) for (const variant of ['gd-beta', 'gd-0'] as const) cases.push({ seed, d, iso, variant });
  }
  it.each(cases)('seed $seed d=$d iso=$iso $variant: f = −∇R (risk module, original basis)', ({ seed, d, iso, variant }) => {
    const rng = new Rng(seed);
    const base = randomProblem(rng, d, 6, { betaScale: 1.5, logCondH: 2 });
    const p = iso ? isoVariant(base, 0.6) : base;
    const flow = gdBetaFlow(p, variant);
    const est = randomGdBeta(rng, d, 0.5);
    const y = flow.fromEstimator(variant === 'gd-beta' ? est : { kind: 'gd-0', Gamma: est.Gamma });
    const f = new Float64Array(flow.n);
    flow.field(0, y, f);
    // −∇R computed by src/risk in the original basis, rotated into the flow's layout.
    const r = riskGdBeta(p, variant === 'gd-beta' ? est : { kind: 'gd-0', Gamma: est.Gamma });
    const minusGrad = flow.fromEstimator({ kind: 'gd-beta', Gamma: r.gradGamma, beta0: r.gradBeta0 } as GdBeta);
    const expected = variant === 'gd-beta' ? minusGrad.map((x) => -x) : minusGrad.map((x) => -x).subarray(0, d * d);
    expect(relDiffArray(f, expected)).toBeLessThan(ROTATION_RTOL(d) * 10);
    // risk and the cancellation-free gap
    expect(Math.abs(flow.risk(y) - r.risk)).toBeLessThan(ROTATION_RTOL(d) * r.risk);
    const opt = variant === 'gd-beta' ? optimumGdBeta(p) : optimumGd0(p);
    expect(flow.optimalRisk).toBe(opt.risk);
    const gap = flow.gap(y);
    expect(gap).toBeGreaterThan(0);
    expect(Math.abs(gap - (r.risk - opt.risk))).toBeLessThan(ROTATION_RTOL(d) * 4 * r.risk);
    // the optimum is a stationary point of the field, and the gap vanishes there
    flow.field(0, flow.yStar, f);
    let fmax = 0;
    for (const v of f) fmax = Math.max(fmax, Math.abs(v));
    expect(fmax).toBeLessThan(ROTATION_RTOL(d) * 100 * (1 + p.trH) ** 2);
    expect(Math.abs(flow.gap(flow.yStar))).toBeLessThan(1e-14 * opt.risk);
    // the optimum maps back to the closed-form estimator
    const back = flow.toEstimator(flow.yStar);
    expect(Math.sqrt(frob2(back.Gamma, opt.estimator.Gamma))).toBeLessThan(ROTATION_RTOL(d) * 100 * (1 + Math.sqrt(frob2(opt.estimator.Gamma, { rows: d, cols: d, data: new Float64Array(d * d) }))));
  });
});

describe('Hessian at the optimum (exact block formula) against Hessian-vector products', () => {
  it.each([
    { seed: 21, d: 2, iso: false, variant: 'gd-beta' as const },
    { seed: 22, d: 4, iso: false, variant: 'gd-beta' as const },
    { seed: 23, d: 4, iso: true, variant: 'gd-beta' as const },
    { seed: 24, d: 3, iso: false, variant: 'gd-0' as const },
  ])('seed $seed d=$d iso=$iso $variant', ({ seed, d, iso, variant }) => {
    const rng = new Rng(seed);
    const base = randomProblem(rng, d, 5, { betaScale: 2, logCondH: 1.5 });
    const p = iso ? isoVariant(base, 0.8) : base;
    const flow = gdBetaFlow(p, variant);
    // HVP at a random point against central differences of the field (an independent route).
    const y = gdBetaInitialState(flow, 'random', seed);
    const v = randomVector(rng, flow.n);
    const hv = gdBetaHessianVectorProduct(flow, y, v, new Float64Array(flow.n));
    const h = 1e-5;
    const fp = new Float64Array(flow.n);
    const fm = new Float64Array(flow.n);
    flow.field(0, y.map((x, k) => x + h * v[k]!), fp);
    flow.field(0, y.map((x, k) => x - h * v[k]!), fm);
    const fd = fp.map((x, k) => -(x - fm[k]!) / (2 * h));
    expect(relDiffArray(hv, fd)).toBeLessThan(FD_RTOL);
    // Dense Hessian at the optimum → eigh → extreme eigenvalues = the block formula.
    const Hd = gdBetaDenseHessian(flow, flow.yStar);
    const n = flow.n;
    let asym = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) asym = Math.max(asym, Math.abs(Hd.data[i * n + j]! - Hd.data[j * n + i]!));
    const sym = Float64Array.from(Hd.data, (x, k) => 0.5 * (x + Hd.data[(k % n) * n + Math.floor(k / n)]!));
    const ev = eigh({ rows: n, cols: n, data: sym }).values;
    const hs = flow.hessian();
    expect(asym).toBeLessThan(1e-12 * ev[n - 1]!);
    expect(Math.abs(ev[0]! - hs.lambdaMin)).toBeLessThan(1e-12 * ev[n - 1]!);
    expect(Math.abs(ev[n - 1]! - hs.lambdaMax)).toBeLessThan(1e-12 * ev[n - 1]!);
    expect(hs.predictedRate).toBe(-2 * hs.lambdaMin);
    // The Γ–β₀ coupling block vanishes at the optimum (the block structure the formula relies on).
    if (variant === 'gd-beta') {
      let coupling = 0;
      for (let i = 0; i < d * d; i++) for (let j = d * d; j < n; j++) coupling = Math.max(coupling, Math.abs(Hd.data[i * n + j]!));
      expect(coupling).toBeLessThan(1e-12 * ev[n - 1]!);
    }
  });
});

describe('the slowest mode can sit in either block of the Hessian', () => {
  // Well-conditioned H and large ψ²: the Γ-block (λ_iσ_j) is fast and 2ω_min (β₀-block) is the
  // slowest rate — the block formula, the dense Hessian and the measured rate must all agree.
  const p = makeProblem({ d: 3, M: 20, H: [[1, 0.1, 0], [0.1, 0.9, 0.05], [0, 0.05, 0.8]], Psi: [[2, 0.3, 0], [0.3, 1.5, 0.2], [0, 0.2, 1]], betaStar: [2, -1, 1], sigma2: 0.1 });
  const flow = gdBetaFlow(p);
  const hs = flow.hessian();
  it('the minimum is 2ω_min, confirmed by the dense Hessian', () => {
    let gammaMin = Infinity;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) gammaMin = Math.min(gammaMin, p.lambda[i]! * hs.sigma[j]!);
    const omegaMin = Math.min(...hs.omega);
    expect(2 * omegaMin).toBeLessThan(gammaMin);
    expect(hs.lambdaMin).toBe(2 * omegaMin);
    const n = flow.n;
    const Hd = gdBetaDenseHessian(flow, flow.yStar);
    const ev = eigh({ rows: n, cols: n, data: Float64Array.from(Hd.data, (x, k) => 0.5 * (x + Hd.data[(k % n) * n + Math.floor(k / n)]!)) }).values;
    expect(Math.abs(ev[0]! - hs.lambdaMin)).toBeLessThan(1e-12 * ev[n - 1]!);
  });
  it('and the measured rate follows it', () => {
    const sol = solve(flow.field, new Float64Array(flow.n), [0, 40 / hs.lambdaMin], dop853, { rtol: 1e-11, atol: 1e-14, maxSteps: 200_000, saveAt: { kind: 'final', fn: (_t, y) => flow.gap(y) } });
    const v = gdVerdict(flow, sol.y, sol.fnTs, sol.fnValues, 1e-13 * flow.optimalRisk);
    expect(v.rateRelativeError!).toBeLessThan(RATE_RTOL);
    expect(v.distanceToOptimum).toBeLessThan(OPT_DIST);
  });
});

describe('the flow reaches (Γ*, β*) and R − R* decays at −2λ_min(∇²R*)', () => {
  // Random problems: non-identity H (cond 10^1.5), non-isotropic Ψ, β* ≠ 0, σ² > 0.
  const cases = [
    { seed: 31, d: 3, M: 6, init: 'zero' as const },
    { seed: 32, d: 4, M: 10, init: 'random' as const },
    { seed: 33, d: 2, M: 3, init: 'random' as const },
  ];
  it.each(cases)('seed $seed d=$d from $init (DOP853 on the plain field, then the exponential integrator)', ({ seed, d, M, init }) => {
    const p = randomProblem(new Rng(seed), d, M, { betaScale: 2, logCondH: 1.5 });
    expect(p.psiIsotropic).toBeNull();
    expect(Math.max(...p.betaStar.map(Math.abs))).toBeGreaterThan(0.1);
    const flow = gdBetaFlow(p);
    const hs = flow.hessian();
    // DOP853 on the field −∇R (no knowledge of the optimum): integrate to T = 40/λ_min, saving the gap.
    const T = 40 / hs.lambdaMin;
    const y0 = gdBetaInitialState(flow, init, seed);
    const sol = solve(flow.field, y0, [0, T], dop853, { rtol: 1e-11, atol: 1e-14, maxSteps: 200_000, saveAt: { kind: 'steps', fn: (_t, y) => flow.gap(y) } });
    expect(sol.status).toBe('success');
    const opt = optimumGdBeta(p);
    const end = flow.toEstimator(sol.y) as GdBeta;
    let dist2 = frob2(end.Gamma, opt.estimator.Gamma);
    for (let i = 0; i < d; i++) dist2 += (end.beta0[i]! - p.betaStar[i]!) ** 2;
    expect(Math.sqrt(dist2)).toBeLessThan(OPT_DIST);
    // Non-increasing loss along the saved steps (exact risks, not the gap identity): any rise
    // must be at round-off level of R.
    const risks = sol.ys.map((y) => flow.risk(y));
    for (let k = 1; k < risks.length; k++) expect(risks[k]!).toBeLessThanOrEqual(risks[k - 1]! + 4 * Number.EPSILON * risks[k - 1]!);
    // Asymptotic rate on the tail.
    const v = gdVerdict(flow, sol.y, sol.fnTs, sol.fnValues, 1e-13 * flow.optimalRisk);
    expect(v.rateFit).not.toBeNull();
    expect(v.rateFit!.points).toBeGreaterThanOrEqual(10);
    expect(v.rateRelativeError!).toBeLessThan(RATE_RTOL);
    expect(v.monotone).toBe(true);
    // The default path (exponential integrator in the Hessian eigenbasis) agrees.
    const run = runFlow(p, { init, seed, convergedGap: 1e-24, rtol: 1e-10 });
    expect(run.status).toBe('converged');
    const rv = run.verdict;
    if (rv.kind !== 'gd') throw new Error('expected a GD verdict');
    expect(rv.distanceToOptimum).toBeLessThan(OPT_DIST);
    expect(rv.rateRelativeError!).toBeLessThan(RATE_RTOL);
    expect(rv.monotone).toBe(true);
  });

  it('the exponential integrator follows the same trajectory as DOP853 (not only the same endpoint)', () => {
    const p = randomProblem(new Rng(41), 3, 5, { betaScale: 2, logCondH: 1 });
    const flow = gdBetaFlow(p);
    const y0 = gdBetaInitialState(flow, 'random', 41);
    const T = 2 / flow.hessian().lambdaMin;
    const ref = solve(flow.field, y0, [0, T], dop853, { rtol: 1e-12, atol: 1e-14, maxSteps: 200_000 });
    const run = runFlow(p, { init: 'random', seed: 41, tEnd: T, rtol: 1e-10, atol: 1e-13 });
    const got = flow.fromEstimator(run.estimator as GdBeta);
    expect(run.t).toBe(T);
    expect(relDiffArray(got, ref.y)).toBeLessThan(1e-7);
  });
});

describe('explicit Euler with step η is gradient descent with learning rate η', () => {
  it.each([
    { seed: 51, d: 3, variant: 'gd-beta' as const },
    { seed: 52, d: 2, variant: 'gd-0' as const },
  ])('seed $seed $variant: 50 iterates against a hand loop in the original basis', ({ seed, d, variant }) => {
    const rng = new Rng(seed);
    const p = randomProblem(rng, d, 6, { betaScale: 1 });
    const flow = gdBetaFlow(p, variant);
    const steps = 50;
    const start = randomGdBeta(rng, d, 0.3);
    // A stable learning rate for the start (R is not convex: use the Hessian there, with margin).
    const y0h = flow.fromEstimator(variant === 'gd-beta' ? start : { kind: 'gd-0', Gamma: start.Gamma });
    const Hs = gdBetaDenseHessian(flow, y0h);
    const sym = Float64Array.from(Hs.data, (x, k) => 0.5 * (x + Hs.data[(k % flow.n) * flow.n + Math.floor(k / flow.n)]!));
    const ev = eigh({ rows: flow.n, cols: flow.n, data: sym }).values;
    const eta = 0.2 / Math.max(ev[flow.n - 1]!, flow.hessian().lambdaMax);
    let est: GdBeta = variant === 'gd-beta' ? start : { kind: 'gd-beta', Gamma: start.Gamma, beta0: new Float64Array(d) };
    const iterates: GdBeta[] = [est];
    for (let k = 0; k < steps; k++) {
      const r = riskGdBeta(p, variant === 'gd-beta' ? est : { kind: 'gd-0', Gamma: est.Gamma });
      const Gamma = { rows: d, cols: d, data: est.Gamma.data.map((x, i) => x - eta * r.gradGamma.data[i]!) };
      const beta0 = variant === 'gd-beta' ? est.beta0.map((x, i) => x - eta * r.gradBeta0[i]!) : est.beta0;
      est = { kind: 'gd-beta', Gamma, beta0 };
      iterates.push(est);
    }
    const y0 = flow.fromEstimator(variant === 'gd-beta' ? start : { kind: 'gd-0', Gamma: start.Gamma });
    const sol = solve(flow.field, y0, [0, steps * eta], euler, { controller: new ConstantStepSize(), dt0: eta, saveAt: { kind: 'steps' } });
    expect(sol.ts.length).toBe(steps + 1);
    for (let k = 0; k <= steps; k++) {
      expect(sol.ts[k]).toBeCloseTo(k * eta, 12);
      const got = flow.toEstimator(sol.ys[k]!);
      const want = iterates[k]!;
      expect(relDiffArray(got.Gamma.data, want.Gamma.data)).toBeLessThan(1e-12);
      if (variant === 'gd-beta') expect(relDiffArray((got as GdBeta).beta0, want.beta0)).toBeLessThan(1e-12);
    }
    // and the CLI-level driver with --method euler --dt η does the same
    const run = runFlow(p, { model: variant, method: 'euler', dt: eta, tEnd: steps * eta, init: variant === 'gd-beta' ? start : { kind: 'gd-0', Gamma: start.Gamma } });
    expect(run.steps).toBe(steps);
    expect(run.nfev).toBe(steps + 1);
    expect(relDiffArray(run.estimator.kind === 'gd-beta' || run.estimator.kind === 'gd-0' ? run.estimator.Gamma.data : new Float64Array(0), iterates[steps]!.Gamma.data)).toBeLessThan(1e-12);
  });
});
