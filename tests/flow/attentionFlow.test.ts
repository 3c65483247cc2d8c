/**
 * LTB/LSA population flows (src/flow/attentionFlow.ts, math.md §3.3, §4): fields against the risk
 * module's gradients, reduced ↔ raw consistency, the LTB flow reaching GD-β*'s effective parameters
 * and the LSA flow stopping on a strictly higher plateau when β* ≠ 0, with the basin verdict.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { effectiveGdBeta, estimatorFromReduced, makeProblem, reducedForm } from '../../src/models/index.js';
import { optimumGdBeta, riskAttention, riskReduced } from '../../src/risk/index.js';
import { attentionFlow, attentionInitialState, runFlow } from '../../src/flow/index.js';
import { randomLsa, randomLtb, randomProblem, relDiffArray } from '../helpers/problems.js';

describe('attention flow fields', () => {
  it.each(['ltb', 'lsa'] as const)('%s: reduced and raw fields are −∇R of src/risk; reduced ↔ estimator round trip', (model) => {
    const rng = new Rng(91);
    const p = randomProblem(rng, 3, 6, { betaScale: 1 });
    const reduced = attentionFlow(p, { model });
    const y = attentionInitialState(reduced, 'random', 5, 0.4);
    const f = new Float64Array(reduced.n);
    reduced.field(0, y, f);
    const red = reduced.reduced(y);
    const { grad, risk } = riskReduced(p, red);
    const want = model === 'ltb' ? [...grad.betaM, ...grad.p, ...grad.Q.data] : [...grad.p, ...grad.Q.data];
    expect(relDiffArray(f, want.map((x) => -x))).toBe(0);
    expect(reduced.risk(y)).toBe(risk);
    // the estimator built from reduced parameters has those reduced parameters and that risk
    const est = estimatorFromReduced(red, model);
    const back = reducedForm(est);
    expect(relDiffArray(back.p, red.p)).toBe(0);
    expect(relDiffArray(back.Q.data, red.Q.data)).toBe(0);
    if (model === 'ltb') expect(relDiffArray(back.betaM, red.betaM)).toBe(0);
    expect(Math.abs(riskAttention(p, est).risk - risk)).toBeLessThan(1e-14 * risk);
    // raw weights
    const raw = attentionFlow(p, { model, parametrization: 'raw', mlpWidth: 2 });
    const w = model === 'ltb' ? randomLtb(rng, 3, 2) : randomLsa(rng, 3);
    const yr = raw.fromEstimator(w);
    const fr = new Float64Array(raw.n);
    raw.field(0, yr, fr);
    const ra = riskAttention(p, w);
    const wantRaw = [...ra.gradWKQ.data, ...ra.gradWPV.data, ...(ra.gradW1?.data ?? []), ...(ra.gradW2?.data ?? [])];
    expect(relDiffArray(fr, wantRaw.map((x) => -x))).toBe(0);
    expect(raw.risk(yr)).toBe(ra.risk);
  });
});

describe('trained LTB → GD-β*, trained LSA → a higher plateau (β* ≠ 0)', () => {
  const p = randomProblem(new Rng(3), 3, 8, { betaScale: 1.5 });
  const opt = optimumGdBeta(p);

  it('LTB (reduced) from a small random start reaches effective (Γ*, β*) with β_m = β*', () => {
    const run = runFlow(p, { model: 'ltb', seed: 2, initScale: 0.3, method: 'rosenbrock', rtol: 1e-7, atol: 1e-11 });
    expect(run.status).toBe('converged');
    const v = run.verdict;
    if (v.kind !== 'attention') throw new Error('attention verdict expected');
    expect(v.basin).toBe('global');
    expect(v.effectiveOk).toBe(true);
    expect(Math.abs(v.finalRisk - opt.risk)).toBeLessThan(1e-9 * opt.risk);
    expect(v.distanceToOptimum!).toBeLessThan(1e-5);
    expect(v.betaMError).toBeLessThan(1e-6);
    expect(v.monotone).toBe(true);
    // independently of the verdict code: effectiveGdBeta on the endpoint estimator
    const eff = effectiveGdBeta(run.estimator as never, { rtol: 1e-5 });
    expect(eff.ok).toBe(true);
    expect(relDiffArray(eff.estimator!.Gamma.data, opt.estimator.Gamma.data)).toBeLessThan(1e-5);
    expect(relDiffArray(eff.estimator!.beta0, p.betaStar)).toBeLessThan(1e-5);
  });

  it('LSA (reduced) converges to a critical point strictly above R*_GDβ: the lsa-plateau', () => {
    const run = runFlow(p, { model: 'lsa', seed: 2, initScale: 0.3, method: 'rosenbrock', rtol: 1e-7, atol: 1e-11 });
    expect(run.status).toBe('converged');
    const v = run.verdict;
    if (v.kind !== 'attention') throw new Error('attention verdict expected');
    expect(v.gradNorm).toBeLessThan(1e-8);
    expect(v.finalRisk).toBeGreaterThan(opt.risk * 1.05);
    expect(v.basin).toBe('lsa-plateau');
    expect(v.effectiveOk).toBe(false); // LSA cannot represent the offset β₀ = β* ≠ 0
    expect(v.monotone).toBe(true);
  });

  it('with β* = 0 the LSA can reach R*_GDβ, or a spurious rank-one minimum with p_y ≈ 0 (math.md §4)', () => {
    const p0 = makeProblem({ d: 2, M: 6, H: [[1, 0.2], [0.2, 0.4]], Psi: [[1, 0.1], [0.1, 0.5]], betaStar: 0, sigma2: 0.2 });
    const Rstar = optimumGdBeta(p0).risk;
    const good = runFlow(p0, { model: 'lsa', seed: 2, initScale: 0.3, method: 'rosenbrock', rtol: 1e-8, atol: 1e-12 });
    const vg = good.verdict;
    if (vg.kind !== 'attention') throw new Error('attention verdict expected');
    expect(vg.basin).toBe('global');
    expect(Math.abs(vg.finalRisk - Rstar)).toBeLessThan(1e-9 * Rstar);
    // Another small random start ends at a critical point with p_y ≈ 0 and Q_x ≈ 0: the block then
    // computes xᵀ q_y (p_xᵀ s) — a rank-one preconditioner Γ = q_y p_xᵀ — strictly above R*.
    const bad = runFlow(p0, { model: 'lsa', seed: 1, initScale: 0.3, method: 'rosenbrock', rtol: 1e-8, atol: 1e-12 });
    const vb = bad.verdict;
    if (vb.kind !== 'attention') throw new Error('attention verdict expected');
    expect(bad.status).toBe('converged');
    expect(vb.gradNorm).toBeLessThan(1e-8);
    expect(vb.finalRisk - Rstar).toBeGreaterThan(1e-2 * Rstar);
    expect(vb.basin).toBe('spurious');
    expect(vb.py).toBeLessThan(1e-6);
    expect(vb.effectiveReason).toBe('p_y = 0');
  });
});
