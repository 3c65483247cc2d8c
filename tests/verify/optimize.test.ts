import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { makeProblem, reducedForm } from '../../src/models/index.js';
import { optimumGd0, optimumGdBeta, riskAttention, riskReduced } from '../../src/risk/index.js';
import {
  balance, optimumAttention, packReduced, reducedObjective, unpackReduced, weightsFromReduced, whitenedObjective, Whitening,
} from '../../src/verify/optimize.js';
import { optimumAttentionProjected } from '../../src/verify/projected.js';
import { directionalDerivative, inner } from '../helpers/finiteDiff.js';
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

describe('optimiser building blocks', () => {
  const p = randomProblem(new Rng(3), 3, 5, { betaScale: 3 });
  const rng = new Rng(5);
  const theta = Float64Array.from({ length: 3 + 4 + 12 }, () => rng.normal());

  it('pack/unpack round-trips and raw weights reproduce the reduced parameters', () => {
    const red = unpackReduced(theta, 3, 'ltb');
    expect(Array.from(packReduced(red, 'ltb'))).toEqual(Array.from(theta));
    const est = weightsFromReduced(red, 'ltb');
    expect(riskAttention(p, est).risk).toBe(riskReduced(p, red).risk);
  });

  it('balancing leaves the risk unchanged (the gauge (tp, Q/t))', () => {
    const f = reducedObjective(p, 'ltb');
    const g = new Float64Array(theta.length);
    const before = f(theta, g);
    const b = balance(Float64Array.from(theta), 3, 'ltb');
    expect(relDiff(f(b, g), before)).toBeLessThan(1e-14);
    const nq = Math.hypot(...b.subarray(7));
    expect(relDiff(Math.hypot(...b.subarray(3, 7)), nq)).toBeLessThan(1e-14);
  });

  it('the whitening is invertible and its gradient is the chain rule (central differences)', () => {
    for (const cls of ['lsa', 'ltb'] as const) {
      const n = cls === 'ltb' ? theta.length : theta.length - 3;
      const x = theta.slice(theta.length - n);
      const w = new Whitening(p, cls);
      const back = w.fromHat(w.toHat(x));
      for (let i = 0; i < n; i++) expect(Math.abs(back[i]! - x[i]!)).toBeLessThan(1e-12 * (1 + Math.abs(x[i]!)));
      const fw = whitenedObjective(p, cls, w, 0.7);
      const hat = w.toHat(x);
      const g = new Float64Array(n);
      fw(hat, g);
      const v = Float64Array.from({ length: n }, () => rng.normal());
      const fd = directionalDerivative((t) => fw(hat.map((h, i) => h + t * v[i]!), new Float64Array(n)), 1e-4);
      expect(relDiff(fd, inner(g, v))).toBeLessThan(1e-7);
      // the balancing term vanishes on balanced points: the risk is unchanged there
      const bal = balance(Float64Array.from(hat), 3, cls);
      expect(relDiff(fw(bal, g), riskReduced(p, unpackReduced(w.fromHat(bal), 3, cls)).risk)).toBeLessThan(1e-13);
    }
  });
});
