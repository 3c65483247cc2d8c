import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { makeProblem, reducedSize, unpackReduced } from '../../src/models/index.js';
import { riskReduced } from '../../src/risk/index.js';
import { balance, whitenedHvp, whitenedObjective, Whitening } from '../../src/optimum/index.js';
import { directionalDerivative, inner } from '../helpers/finiteDiff.js';
import { randomProblem, relDiff } from '../helpers/problems.js';

describe('Whitening', () => {
  const p = randomProblem(new Rng(3), 3, 5, { betaScale: 3 });
  const rng = new Rng(5);
  const theta = Float64Array.from({ length: 3 + 4 + 12 }, () => rng.normal());

  it('the whitening is invertible and its gradient is the chain rule (central differences)', () => {
    for (const kind of ['lsa', 'ltb'] as const) {
      const n = kind === 'ltb' ? theta.length : theta.length - 3;
      const x = theta.slice(theta.length - n);
      const w = new Whitening(p, kind);
      const back = w.fromHat(w.toHat(x));
      for (let i = 0; i < n; i++) expect(Math.abs(back[i]! - x[i]!)).toBeLessThan(1e-12 * (1 + Math.abs(x[i]!)));
      const fw = whitenedObjective(p, w, { gaugeWeight: 0.7 });
      const hat = w.toHat(x);
      const g = new Float64Array(n);
      fw(hat, g);
      const v = Float64Array.from({ length: n }, () => rng.normal());
      const fd = directionalDerivative((t) => fw(hat.map((h, i) => h + t * v[i]!), new Float64Array(n)), 1e-4);
      expect(relDiff(fd, inner(g, v))).toBeLessThan(1e-7);
      // the balancing term vanishes on balanced points: the risk is unchanged there
      const bal = balance(Float64Array.from(hat), 3, kind);
      expect(relDiff(fw(bal, g), riskReduced(p, unpackReduced(w.fromHat(bal), 3, kind)).risk)).toBeLessThan(1e-13);
    }
  });

  it('the three maps are consistent at sizes that exercise every branch of the four-at-a-time loops (d = 1, 6, 9; H = I, diagonal C)', () => {
    for (const [d, prob] of [[1, randomProblem(new Rng(7), 1, 5, { betaScale: 2 })], [6, randomProblem(new Rng(8), 6, 5, { betaScale: 2 })], [9, randomProblem(new Rng(9), 9, 5, { betaScale: 2 })], [6, makeProblem({ d: 6, M: 5, H: 1, Psi: 1, sigma2: 0.25, betaStar: 3 })]] as const) {
      for (const kind of ['lsa', 'ltb'] as const) {
        const w = new Whitening(prob, kind);
        const n = reducedSize(d, kind);
        const x = Float64Array.from({ length: n }, () => rng.normal());
        const y = Float64Array.from({ length: n }, () => rng.normal());
        const back = w.fromHat(w.toHat(x));
        for (let i = 0; i < n; i++) expect(Math.abs(back[i]! - x[i]!)).toBeLessThan(1e-12 * (1 + Math.abs(x[i]!)));
        // ∇_θ̂ = T⁻ᵀ∇_θ is the adjoint of θ = T⁻¹θ̂: ⟨T⁻ᵀy, x⟩ = ⟨y, T⁻¹x⟩
        const lhs = inner(w.gradToHat(y), x);
        expect(Math.abs(lhs - inner(y, w.fromHat(x)))).toBeLessThan(1e-12 * (1 + Math.abs(lhs)) * n);
      }
    }
  });

  it('whitenedHvp follows the point: products alternating between two points equal a fresh operator\'s', () => {
    const w = new Whitening(p, 'ltb');
    const n = theta.length;
    const a = w.toHat(theta);
    const b = a.map((x, i) => x + 0.3 * Math.sin(i));
    const v = Float64Array.from({ length: n }, () => rng.normal());
    const cached = whitenedHvp(p, w, { gaugeWeight: 0.7 });
    const got: Float64Array[] = [];
    for (const x of [a, b, a, a]) {
      const out = new Float64Array(n);
      cached(x, v, out);
      got.push(out);
    }
    for (const [k, x] of [a, b, a, a].entries()) {
      const fresh = new Float64Array(n);
      whitenedHvp(p, w, { gaugeWeight: 0.7 })(x, v, fresh);
      expect(Array.from(got[k]!)).toEqual(Array.from(fresh));
    }
    expect(Array.from(got[0]!)).not.toEqual(Array.from(got[1]!));
  });

  it('stays an exact inverse pair on an ill-conditioned H (cond 1e10), where the triangular factor comes from QR', () => {
    const q = randomProblem(new Rng(8), 4, 6, { logCondH: 10, betaScale: 2 });
    const w = new Whitening(q, 'ltb');
    const x = Float64Array.from({ length: 4 + 5 + 20 }, () => rng.normal());
    const back = w.fromHat(w.toHat(x));
    for (let i = 0; i < x.length; i++) expect(Math.abs(back[i]! - x[i]!)).toBeLessThan(1e-6 * (1 + Math.abs(x[i]!)));
  });
});
