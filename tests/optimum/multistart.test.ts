import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { makeProblem, reducedForm } from '../../src/models/index.js';
import { optimumGd0, optimumGdBeta, riskAttention } from '../../src/risk/index.js';
import { zfbBalancedStart } from '../../src/flow/index.js';
import { attentionStarts, optimumAttention } from '../../src/optimum/index.js';
import { optimumAttentionProjected } from '../../src/verify/index.js';
import { randomProblem, relDiff } from '../helpers/problems.js';

/** math.md §5.2 reference: d = 5, M = 20, H = Ψ = I, σ² = 0.25, β* = 10·𝟙. */
const REF = makeProblem({ d: 5, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 });

describe('optimumAttention on the math.md §5.2 reference problem', () => {
  const lsa = optimumAttention(REF, 'lsa');
  const ltb = optimumAttention(REF, 'ltb');

  it('reproduces the published numbers: LTB* = GD-β* = 1.4405, GD-0* = 49.8190, LSA* ≈ 49.743', () => {
    expect(optimumGdBeta(REF).risk.toFixed(4)).toBe('1.4405');
    expect(optimumGd0(REF).risk.toFixed(4)).toBe('49.8190');
    expect(ltb.risk.toFixed(4)).toBe('1.4405');
    expect(lsa.risk.toFixed(3)).toBe('49.743');
    expect(lsa.risk).toBeLessThan(optimumGd0(REF).risk); // LSA improves on GD-0 …
    expect(lsa.risk).toBeGreaterThan(ltb.risk + 40); // … but keeps its additive error
  });

  it('LTB* equals the closed form R*_GDβ to 1e-10 relative and is effectively GD-β*', () => {
    expect(relDiff(ltb.risk, optimumGdBeta(REF).risk)).toBeLessThan(1e-10);
    expect(ltb.effectiveGdBeta.ok).toBe(true);
  });

  it('LSA* matches the independent variable-projection Newton route to 1e-8 relative', () => {
    const indep = optimumAttentionProjected(REF, 'lsa', { randomStarts: 1 });
    expect(relDiff(lsa.risk, indep.risk)).toBeLessThan(1e-8);
    expect(indep.gradNorm).toBeLessThan(1e-8);
  });

  it('every start converged to the same level; gradients ≤ 1e-9·E[y²]', () => {
    expect(lsa.spread).toBeLessThan(1e-10 * lsa.risk);
    expect(ltb.spread).toBeLessThan(1e-10 * ltb.risk);
    for (const o of [lsa, ltb]) {
      expect(o.gradNorm).toBeLessThan(1e-9 * o.scale);
      expect(o.starts.map((s) => s.name)).toEqual(expect.arrayContaining(['gd0', 'zfb', 'random-1']));
    }
    expect(ltb.starts.map((s) => s.name)).toContain('gd-beta');
  });

  it('returns raw weights whose exact risk (raw-weight route) is the reported risk', () => {
    for (const o of [lsa, ltb]) {
      const r = riskAttention(REF, o.estimator);
      expect(relDiff(r.risk, o.risk)).toBeLessThan(1e-14);
      const red = reducedForm(o.estimator);
      expect(Array.from(red.p)).toEqual(Array.from(o.reduced.p));
      expect(Array.from(red.Q.data)).toEqual(Array.from(o.reduced.Q.data));
      expect(Array.from(red.betaM)).toEqual(Array.from(o.reduced.betaM));
    }
    expect(lsa.estimator.kind).toBe('lsa');
    expect(ltb.estimator.kind).toBe('ltb');
  });
});

describe('optimumAttention on other problems', () => {
  it('a non-isotropic problem: LSA* agrees with the projected route, LTB* with R*_GDβ', () => {
    const p = randomProblem(new Rng(11), 3, 7, { logCondH: 1, logCondPsi: 1, betaScale: 2 });
    const lsa = optimumAttention(p, 'lsa', { randomStarts: 1 });
    const ltb = optimumAttention(p, 'ltb', { randomStarts: 1 });
    expect(relDiff(lsa.risk, optimumAttentionProjected(p, 'lsa', { randomStarts: 1 }).risk)).toBeLessThan(1e-8);
    expect(relDiff(ltb.risk, optimumGdBeta(p).risk)).toBeLessThan(1e-10);
  });

  it('every flow stage (src/flow ODE, gradient descent, none) reaches the same optimum', () => {
    const p = randomProblem(new Rng(12), 2, 5, { betaScale: 2 });
    const risks = (['ode', 'gradient-descent', 'none'] as const).map((flow) => optimumAttention(p, 'lsa', { flow, randomStarts: 1 }));
    for (const o of risks) expect(relDiff(o.risk, risks[0]!.risk)).toBeLessThan(1e-12);
    expect(risks[0]!.starts[0]!.flowTime).toBeGreaterThan(0);
    expect(risks[2]!.starts[0]!.flowTime).toBe(0);
  });

  it('σ = 0, Ψ = 0: R*_LSA = 2‖β*‖²_H/(M+2) exactly (the derived limit), R*_LTB = 0', () => {
    const H = [2, 1, 0.5];
    const beta = [1, -2, 0.5];
    const p = makeProblem({ d: 3, M: 6, H, Psi: 0, sigma2: 0, betaStar: beta });
    const bHb = beta.reduce((s, b, i) => s + b * b * H[i]!, 0);
    expect(relDiff(optimumAttention(p, 'lsa', { randomStarts: 1 }).risk, (2 * bHb) / 8)).toBeLessThan(1e-10);
    expect(optimumAttention(p, 'ltb', { randomStarts: 1 }).risk).toBeLessThan(1e-12);
  });
});

describe('the start points and the start report', () => {
  const p = randomProblem(new Rng(13), 3, 6, { betaScale: 2 });

  it('names the starts in order; the zfb start is ZFB\'s balanced start (u = ‖U‖_F = s) from the seeded Θ', () => {
    const seed = 9;
    const starts = attentionStarts(p, 'ltb', { seed, randomStarts: 2, zfbScale: 0.4 });
    expect(starts.map((s) => s.name)).toEqual(['gd-beta', 'gd0', 'zfb', 'random-1', 'random-2']);
    const zfb = starts[2]!.reduced;
    const rng = new Rng(seed);
    const Theta = { rows: 3, cols: 3, data: Float64Array.from({ length: 9 }, () => rng.normal()) };
    const expected = reducedForm(zfbBalancedStart(Theta, 0.4));
    expect(Array.from(zfb.p)).toEqual(Array.from(expected.p));
    expect(Array.from(zfb.Q.data)).toEqual(Array.from(expected.Q.data));
    expect(Array.from(zfb.p)).toEqual([0, 0, 0, 0.4]);
    expect(relDiff(Math.hypot(...zfb.Q.data), 0.4)).toBeLessThan(4 * Number.EPSILON);
    expect(Array.from(zfb.Q.data.subarray(9))).toEqual([0, 0, 0]); // q_y = 0
    expect(attentionStarts(p, 'lsa').map((s) => s.name)).toEqual(['gd0', 'zfb', 'random-1', 'random-2']);
  });

  it('reports every start (named, /direct, direct-k), the best one and the spread of final risks', () => {
    const o = optimumAttention(p, 'lsa', { flow: 'gradient-descent', flowSteps: 20, randomStarts: 1, directRandomStarts: 2 });
    expect(o.starts.map((s) => s.name)).toEqual(['gd0', 'gd0/direct', 'zfb', 'zfb/direct', 'random-1', 'random-1/direct', 'direct-1', 'direct-2']);
    const risks = o.starts.map((s) => s.risk);
    expect(o.risk).toBe(Math.min(...risks));
    expect(o.starts.find((s) => s.name === o.best)!.risk).toBe(o.risk);
    expect(o.spread).toBe(Math.max(...risks) - Math.min(...risks));
    for (const s of o.starts) expect(s.flowTime).toBe(s.name.includes('direct') ? 0 : 20);
    const none = optimumAttention(p, 'lsa', { flow: 'none', randomStarts: 1, directRandomStarts: 0 });
    expect(none.starts.map((s) => s.name)).toEqual(['gd0', 'zfb', 'random-1']);
  });
});
