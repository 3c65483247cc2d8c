import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { makeProblem, problemScale, reducedLayout, unpackReduced } from '../../src/models/index.js';
import { riskReduced } from '../../src/risk/index.js';
import { addGaugeTerm, balance, reducedObjective } from '../../src/optimum/index.js';
import { directionalDerivative, inner } from '../helpers/finiteDiff.js';
import { randomProblem, relDiff } from '../helpers/problems.js';

describe('the reduced objective, the gauge term and the problem scale', () => {
  const p = randomProblem(new Rng(31), 3, 6, { betaScale: 2 });
  const rng = new Rng(8);

  it('without the gauge term it is riskReduced on the unpacked θ (value and gradient, bit for bit)', () => {
    for (const kind of ['lsa', 'ltb'] as const) {
      const at = reducedLayout(3, kind);
      const theta = Float64Array.from({ length: at.size }, () => rng.normal());
      const g = new Float64Array(at.size);
      const r = riskReduced(p, unpackReduced(theta, 3, kind));
      expect(reducedObjective(p, kind)(theta, g)).toBe(r.risk);
      expect(Array.from(g.subarray(at.p, at.Q))).toEqual(Array.from(r.grad.p));
      expect(Array.from(g.subarray(at.Q))).toEqual(Array.from(r.grad.Q.data));
      if (kind === 'ltb') expect(Array.from(g.subarray(0, 3))).toEqual(Array.from(r.grad.betaM));
    }
  });

  it('the gauge term adds (μ/4)(‖p‖² − ‖Q‖²)² with its gradient (central differences), and vanishes when balanced', () => {
    const at = reducedLayout(3, 'ltb');
    const theta = Float64Array.from({ length: at.size }, () => rng.normal());
    const f = reducedObjective(p, 'ltb', { gaugeWeight: 0.6 });
    const g = new Float64Array(at.size);
    f(theta, g);
    const v = Float64Array.from({ length: at.size }, () => rng.normal());
    const fd = directionalDerivative((t) => f(theta.map((x, i) => x + t * v[i]!), new Float64Array(at.size)), 1e-4);
    expect(relDiff(fd, inner(g, v))).toBeLessThan(1e-7);
    const gz = new Float64Array(at.size);
    let np = 0;
    let nq = 0;
    for (let i = at.p; i < at.Q; i++) np += theta[i]! ** 2;
    for (let i = at.Q; i < at.size; i++) nq += theta[i]! ** 2;
    expect(relDiff(addGaugeTerm(theta, gz, at, 0.6), 0.15 * (np - nq) ** 2)).toBeLessThan(1e-14);
    const bal = balance(Float64Array.from(theta), 3, 'ltb');
    expect(relDiff(f(bal, g), reducedObjective(p, 'ltb')(bal, new Float64Array(at.size)))).toBeLessThan(1e-13);
  });

  it('problemScale = σ² + tr(HΨ) + β*ᵀHβ* = E[y²], and 1 for a problem with E[y²] = 0', () => {
    const q = makeProblem({ d: 2, M: 4, H: [2, 3], Psi: [0.5, 1], betaStar: [1, -2], sigma2: 0.25 });
    expect(relDiff(problemScale(q), 0.25 + (2 * 0.5 + 3 * 1) + (2 * 1 + 3 * 4))).toBeLessThanOrEqual(8 * Number.EPSILON);
    expect(problemScale(makeProblem({ d: 2, M: 4, H: 1, Psi: 0, betaStar: 0, sigma2: 0 }))).toBe(1);
  });
});
