/**
 * runFlow on GD flows (src/flow/run.ts): the `auto` choice and its reason, the honest "converged"
 * (distance and gap targets, status only when the verdict holds), and the flow reproducers of
 * issue 13 (tEnd far past the optimum; rates that are not defined; a cost estimate for big
 * attention flows).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { optimumGdBeta } from '../../src/risk/index.js';
import { itProp, propertyParams, seedArb } from '../helpers/arbitraries.js';
import { makeProblem } from '../../src/models/index.js';
import { InputError } from '../../src/errors.js';
import { randomProblem } from '../../src/testing/index.js';
import { ATTENTION_MAX_D, DEFAULT_CONVERGED_DISTANCE, flowMeasures, gdBetaFlow, HYBRID_BDF_START, runFlow } from '../../src/flow/index.js';

const normal = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.normal());

describe('runFlow on GD flows', () => {
  // the d = 6, cond 1e4, general-Ψ problem of issue 12: gap 5e-11·R* while ‖θ − θ*‖ was 0.19
  const ill = randomProblem(new Rng(3), { d: 6, M: 12, sigma2: 0.1, condH: 1e4, psi: 'general', condPsi: 10, betaStar: normal });

  it("'converged' means ‖θ − θ*‖ ≤ 1e-8·(1 + ‖θ*‖) and R − R* ≤ 1e-10·R*, as measured at the endpoint", () => {
    const flow = gdBetaFlow(ill);
    const thetaStar = Math.hypot(...flow.yStar);
    for (const method of ['auto', 'etd4', 'rosenbrock'] as const) {
      const run = runFlow(ill, { method, rtol: 1e-6, atol: 1e-10 });
      expect(run.status, method).toBe('converged');
      const v = run.verdict;
      if (v.kind !== 'gd') throw new Error('gd verdict expected');
      expect(v.distanceToOptimum, method).toBeLessThanOrEqual(DEFAULT_CONVERGED_DISTANCE * (1 + thetaStar));
      // the reported gap never exceeds the stopping target
      expect(v.gap, method).toBeLessThanOrEqual(1e-10 * run.optimalRisk);
      expect(run.statusNote, method).toMatch(/^met: ‖θ − θ\*‖ ≤ 1e-8/);
    }
    // the old gap-only rule stopped far from θ*: the new one does not
    const gapOnly = runFlow(ill, { method: 'etd4', rtol: 1e-6, atol: 1e-10, convergedDistance: Infinity });
    const v = gapOnly.verdict;
    if (v.kind !== 'gd') throw new Error('gd verdict expected');
    expect(v.distanceToOptimum).toBeGreaterThan(1e-3);
  });

  it("a run stopped by maxSteps short of the targets is not 'converged', and says what was not met", () => {
    const run = runFlow(ill, { method: 'etd4', maxSteps: 20 });
    expect(run.status).toBe('maxStepsReached');
    expect(run.statusNote).toMatch(/^NOT met/);
    const m = flowMeasures(ill, run);
    expect(m.measuredRate).toBeNull();
    expect(m.rateNote).toMatch(/^not measured: the run stopped \(maxStepsReached\)/);
  });

  it("auto picks 'hybrid' for GD-β and etd4 for GD-0, and says why", () => {
    const run = runFlow(ill, { rtol: 1e-6, atol: 1e-10 });
    expect(run.method).toBe('hybrid');
    expect(run.methodReason).toMatch(/^auto: GD-β flow: hybrid \(etd4 in the Hessian eigenbasis; BDF with the exact structured Jacobian for a stiff β₀ transient\); /);
    const run0 = runFlow(ill, { model: 'gd-0' });
    expect(run0.method).toBe('etd4');
    expect(run0.methodReason).toMatch(/GD-0 flow is linear/);
    expect(runFlow(ill, { method: 'rosenbrock', rtol: 1e-4 }).methodReason).toBe('requested');
  });

  it(`hybrid starts with BDF when ρ_N(θ₀) ≥ HYBRID_BDF_START·λ_max (${HYBRID_BDF_START}), with etd4 otherwise, and converges to θ* either way`, () => {
    const p = randomProblem(new Rng(4), { d: 16, M: 20, sigma2: 0.25, condH: 10, psi: 'isotropic', betaStarNorm: 40 });
    const flow = gdBetaFlow(p);
    const target = DEFAULT_CONVERGED_DISTANCE * (1 + Math.hypot(...flow.yStar));
    const h = runFlow(p, { method: 'hybrid', rtol: 1e-5, atol: 1e-9 });
    expect(h.status).toBe('converged');
    expect(h.methodReason).toMatch(/BDF from the start: ρ_N\(θ₀\) = [0-9.e+]+·λ_max\(∇²R\*\) ≥ HYBRID_BDF_START = 15/);
    expect(flow.distance(flow.fromEstimator(h.estimator as never))).toBeLessThanOrEqual(target);
    // Forced etd4 first: it stalls on this β₀ transient and hands over to BDF, same endpoint rule.
    const e = runFlow(p, { method: 'hybrid', rtol: 1e-5, atol: 1e-9, hybridBdfStart: Infinity });
    expect(e.status).toBe('converged');
    expect(e.methodReason).toMatch(/etd4 \(ρ_N\(θ₀\) = .* < hybridBdfStart = Infinity\), then BDF from t = .*etd4 stability-limited/);
    expect(flow.distance(flow.fromEstimator(e.estimator as never))).toBeLessThanOrEqual(target);
    // β* = 0 from zero: ẽ stays 0, no β₀-driven term — etd4 to the end even with a zero threshold
    // (ρ_N(θ₀) > 0 there: its β₀-block part, which never acts).
    const mild = randomProblem(new Rng(4), { d: 6, M: 20, sigma2: 0.25, condH: 100, psi: 'general', condPsi: 10, betaStarNorm: 0 });
    const m = runFlow(mild, { rtol: 1e-6, atol: 1e-10, hybridBdfStart: 0 });
    expect(m.methodReason).toMatch(/etd4 to the end \(β₀ starts at β\*, so the β₀-driven term stays 0; it never stalled\)/);
    expect(m.status).toBe('converged');
    expect(runFlow(mild, { rtol: 1e-6, atol: 1e-10, hybridBdfStart: 0, init: 'random' }).methodReason).toMatch(/BDF from the start/);
    expect(() => runFlow(p, { hybridBdfStart: -1 })).toThrow(InputError);
  });

  it('hybrid at d = 32 (general Ψ) takes the stiff β₀ transient with BDF and converges to θ*', () => {
    const p = randomProblem(new Rng(1), { d: 32, M: 64, sigma2: 0.1, condH: 1e3, psi: 'general', condPsi: 100, betaStarNorm: 20 });
    const h = runFlow(p, { rtol: 1e-6, atol: 1e-10 });
    expect(h.method).toBe('hybrid');
    expect(h.status).toBe('converged');
    expect(h.methodReason).toMatch(/BDF/);
    const flow = gdBetaFlow(p);
    const v = h.verdict;
    if (v.kind !== 'gd') throw new Error('gd verdict expected');
    expect(v.distanceToOptimum).toBeLessThanOrEqual(DEFAULT_CONVERGED_DISTANCE * (1 + Math.hypot(...flow.yStar)));
    expect(v.gap).toBeLessThanOrEqual(1e-10 * h.optimalRisk);
  });

  it("'rosw', 'bdf' and 'hybrid' reach the endpoint of etd4 and of the exact-Jacobian RODAS4 at tEnd (general Ψ, GD-β and GD-0)", () => {
    const p = randomProblem(new Rng(6), { d: 5, M: 9, sigma2: 0.1, condH: 300, psi: 'general', condPsi: 30, betaStarNorm: 6 });
    for (const model of ['gd-beta', 'gd-0'] as const) {
      const flow = gdBetaFlow(p, model);
      const tEnd = 20;
      const opts = { model, tEnd, rtol: 1e-10, atol: 1e-13 };
      for (const method of ['rosw', 'bdf', 'hybrid'] as const) {
        const w = flow.fromEstimator(runFlow(p, { ...opts, method }).estimator as never);
        const scale = 1 + Math.hypot(...w);
        for (const ref of ['etd4', 'rosenbrock'] as const) {
          const y = flow.fromEstimator(runFlow(p, { ...opts, method: ref }).estimator as never);
          // independent routes at rtol 1e-10: agreement to a few hundred tolerances of the state scale
          expect(Math.hypot(...y.map((v, k) => v - w[k]!)), `${model}: ${method} vs ${ref}`).toBeLessThan(300 * 1e-10 * scale);
        }
      }
    }
  });

  it("'rosw' until converged meets the stopping rule and says how it ran", () => {
    const flow = gdBetaFlow(ill);
    const run = runFlow(ill, { method: 'rosw', rtol: 1e-6, atol: 1e-10 });
    expect(run.status).toBe('converged');
    const v = run.verdict;
    if (v.kind !== 'gd') throw new Error('gd verdict expected');
    expect(v.distanceToOptimum).toBeLessThanOrEqual(DEFAULT_CONVERGED_DISTANCE * (1 + Math.hypot(...flow.yStar)));
    expect(v.gap).toBeLessThanOrEqual(1e-10 * run.optimalRisk);
    expect(run.methodReason).toMatch(/^requested; .*refreshes of the lagged 𝒬̂$/);
    expect(() => runFlow(ill, { model: 'ltb', method: 'rosw' })).toThrow(InputError);
  });

  it("issue 13: tEnd = 1e300 from the optimum ends 'converged' (an exact fixed point), not maxStepsReached", () => {
    const p = makeProblem({ d: 3, M: 10, H: [[1, 0, 0], [0, 0.5, 0], [0, 0, 0.25]], Psi: 1, betaStar: [1, -1, 0.5], sigma2: 0.1 });
    const flow = gdBetaFlow(p);
    const start = flow.toEstimator(flow.yStar);
    for (const method of ['auto', 'etd4', 'rosenbrock', 'tsit5'] as const) {
      const run = runFlow(p, { method, init: start, tEnd: 1e300 });
      expect(run.status, method).toBe('converged');
      expect(run.verdict.gap, method).toBe(0);
      expect(run.statusNote, method).toMatch(/optimum was reached/);
    }
  });

  it('issue 13: with Ψ = 0 and σ² = 0 the rates that are not defined say so in a note', () => {
    const p = makeProblem({ d: 2, M: 10, H: [[1, 0], [0, 0.5]], Psi: 0, betaStar: [1, 2], sigma2: 0 });
    const run = runFlow(p, { method: 'etd4', tEnd: 50 });
    const v = run.verdict;
    if (v.kind !== 'gd') throw new Error('gd verdict expected');
    expect(v.predictedRate).toBe(-0);
    expect(v.rateRelativeError).toBeNull();
    expect(v.rateRelativeErrorNote).toMatch(/^not defined: /);
    const m = flowMeasures(p, run);
    expect(m.predictedRateNote).toMatch(/^not defined: λ_min\(∇²R\*\) = 0/);
  });

  it('issue 13: an LTB flow reports predictedRate null with a "not defined" note', () => {
    const p = makeProblem({ d: 2, M: 10, H: [[1, 0], [0, 0.5]], Psi: 0, betaStar: [1, 2], sigma2: 0 });
    const run = runFlow(p, { model: 'ltb', tEnd: 1, rtol: 1e-6 });
    const m = flowMeasures(p, run);
    expect(m.predictedRate).toBeNull();
    expect(m.predictedRateNote).toMatch(/^not defined: /);
  });

  it(`issue 13: an LTB flow at d = 300 is refused before any heavy work (InputError on 'd', limit ${ATTENTION_MAX_D})`, () => {
    const d = 300;
    const H = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
    const p = makeProblem({ d, M: 20, H, Psi: 1, betaStar: new Array(d).fill(0), sigma2: 0.1 });
    const t0 = performance.now();
    let err: unknown;
    try {
      runFlow(p, { model: 'ltb' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe('d');
    expect((err as InputError).message).toMatch(new RegExp(`d ≤ ${ATTENTION_MAX_D}`));
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('property: the default flow ends at the closed-form optimum on problems drawn from the whole family', () => {
  // d as its own parameter; cond(H) 10…1e4 log-uniform, Ψ isotropic/general, ‖β*‖ 0…10√d, M d…5d,
  // σ² 0.01…1 — the family bench's distributions at small d. The reference is the risk module's
  // closed-form optimum (optimumGdBeta), not the flow's own θ*.
  itProp(
    [fc.integer({ min: 2, max: 6 }), seedArb, fc.double({ min: 1, max: 4, noNaN: true }), fc.boolean(), fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 1, max: 5, noNaN: true }), fc.double({ min: -2, max: 0, noNaN: true })],
    propertyParams(12),
  )('auto (hybrid: etd4 / BDF) converges to within 1e-8·(1 + ‖θ*‖) of optimumGdBeta', (d, seed, logCond, iso, bsr, mr, logS2) => {
    const p = randomProblem(new Rng(seed), { d, M: Math.round(d * mr), condH: 10 ** logCond, psi: iso ? 'isotropic' : 'general', condPsi: 30, betaStarNorm: bsr * Math.sqrt(d), sigma2: 10 ** logS2 });
    const run = runFlow(p, { rtol: 1e-6, atol: 1e-10 });
    expect(run.status, run.statusNote ?? '').toBe('converged');
    const opt = optimumGdBeta(p).estimator;
    const est = run.estimator;
    if (est.kind !== 'gd-beta') throw new Error('gd-beta estimator expected');
    let dist2 = 0;
    let norm2 = 0;
    for (let k = 0; k < d * d; k++) {
      dist2 += (est.Gamma.data[k]! - opt.Gamma.data[k]!) ** 2;
      norm2 += opt.Gamma.data[k]! ** 2;
    }
    for (let i = 0; i < d; i++) {
      dist2 += (est.beta0[i]! - opt.beta0[i]!) ** 2;
      norm2 += opt.beta0[i]! ** 2;
    }
    // the stopping rule is measured in H's eigenbasis (an orthogonal change: same norms); 2× for the rotation's rounding
    expect(Math.sqrt(dist2)).toBeLessThanOrEqual(2 * DEFAULT_CONVERGED_DISTANCE * (1 + Math.sqrt(norm2)));
  });
});
