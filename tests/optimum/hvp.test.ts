import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { reducedSize } from '../../src/models/index.js';
import { finiteDifferenceHvp } from '../../src/optim/index.js';
import { reducedHvp, reducedObjective, Whitening, whitenedHvp, whitenedObjective } from '../../src/optimum/index.js';
import { randomProblem } from '../helpers/problems.js';

describe('Hessian-vector products of the optimum objectives (analytic, with the balancing term)', () => {
  const p = randomProblem(new Rng(31), 4, 6, { logCondH: 1, logCondPsi: 1, betaScale: 2 });
  for (const kind of ['lsa', 'ltb'] as const) {
    it(`${kind}: reducedHvp and whitenedHvp (μ = 1) equal central differences of their objectives' gradients`, () => {
      const n = reducedSize(4, kind);
      const rng = new Rng(2);
      const x = Float64Array.from({ length: n }, () => 0.5 * rng.normal());
      const v = Float64Array.from({ length: n }, () => rng.normal());
      const white = new Whitening(p, kind);
      const cases = [
        [reducedHvp(p, kind, { gaugeWeight: 1 }), reducedObjective(p, kind, { gaugeWeight: 1 })],
        [whitenedHvp(p, white, { gaugeWeight: 1 }), whitenedObjective(p, white, { gaugeWeight: 1 })],
      ] as const;
      for (const [hvp, f] of cases) {
        const a = new Float64Array(n);
        const b = new Float64Array(n);
        hvp(x, v, a);
        hvp(x, v, a); // the cached operator at the same x gives the same product
        finiteDifferenceHvp(f, 1e-4)(x, v, b);
        const err = Math.hypot(...a.map((ai, i) => ai - b[i]!));
        expect(err).toBeLessThan(1e-6 * Math.hypot(...a));
      }
    });
  }
});
