import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { makeProblem, reducedLayout, reducedSize } from '../../src/models/index.js';
import { minres } from '../../src/optim/index.js';
import { hessianFlowSolver, reducedHvp, stiffBlockPreconditioner } from '../../src/optimum/index.js';
import { randomProblem } from '../helpers/problems.js';

const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float64Array): number => Math.sqrt(dot(a, a));

describe('the flow stage’s linear solves (MINRES on I + γh∇²R) and the stiff-block preconditioner', () => {
  for (const masked of [true, false]) {
    for (const kind of ['lsa', 'ltb'] as const) {
      it(`${kind}${masked ? '' : ' (unmasked)'}: S = P^{-1/2} is symmetric positive definite and the preconditioned solve solves I + γh∇²R`, () => {
        const d = 5;
        const p = randomProblem(new Rng(41), d, 8, { logCondH: 1, logCondPsi: 1, betaScale: 2, masked });
        const n = reducedSize(d, kind);
        const at = reducedLayout(d, kind);
        const rng = new Rng(3);
        const theta = Float64Array.from({ length: n }, () => 0.3 * rng.normal());
        theta[at.Q - 1] = 1; // p_y = 1: a large stiff block
        const gh = 2;
        const pre = stiffBlockPreconditioner(p, kind);
        expect(pre.active).toBe(true);
        pre.update(theta);
        pre.setGammaH(gh);
        const x = Float64Array.from({ length: n }, () => rng.normal());
        const y = Float64Array.from({ length: n }, () => rng.normal());
        const sx = new Float64Array(n);
        const sy = new Float64Array(n);
        pre.apply(x, sx);
        pre.apply(y, sy);
        expect(Math.abs(dot(sx, y) - dot(x, sy))).toBeLessThan(1e-12 * norm(x) * norm(y));
        expect(dot(sx, x)).toBeGreaterThan(0);
        expect(norm(sx)).toBeLessThanOrEqual(norm(x) * (1 + 1e-12)); // P ⪰ I, so ‖S‖ ≤ 1

        // The same system, solved tightly without a preconditioner, is the reference.
        const hvp = reducedHvp(p, kind);
        const Hv = new Float64Array(n);
        const exact = new Float64Array(n);
        minres((v, o) => {
          hvp(theta, v, Hv);
          for (let i = 0; i < n; i++) o[i] = v[i]! + gh * Hv[i]!;
        }, y, exact, { rtol: 1e-13, maxIterations: 10 * n });
        const plain = hessianFlowSolver(hvp, n);
        const split = hessianFlowSolver(hvp, n, { preconditioner: pre });
        for (const solver of [plain, split]) {
          solver.prepare(0, theta, gh, false);
          const out = new Float64Array(n);
          solver.solve(out, y);
          expect(norm(out.map((v, i) => v - exact[i]!))).toBeLessThan(1e-2 * norm(exact));
        }
        expect(split.products).toBeLessThan(plain.products);
        expect(split.stats.linearSolves).toBe(1);
      });
    }
  }

  it('is the identity at p = 0 and at a non-finite state (the solves then run as plain MINRES)', () => {
    const d = 4;
    const p = randomProblem(new Rng(42), d, 8, { logCondH: 1, betaScale: 2 });
    for (const kind of ['lsa', 'ltb'] as const) {
      const n = reducedSize(d, kind);
      const at = reducedLayout(d, kind);
      const pre = stiffBlockPreconditioner(p, kind);
      const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
      const out = new Float64Array(n);
      const zeroP = Float64Array.from({ length: n }, (_, i) => (i >= at.p && i < at.Q ? 0 : 1));
      const nonFinite = Float64Array.from({ length: n }, () => 1);
      nonFinite[at.Q + 1] = Number.POSITIVE_INFINITY;
      for (const theta of [zeroP, nonFinite]) {
        pre.update(theta);
        pre.setGammaH(1);
        pre.apply(x, out);
        expect(Array.from(out)).toEqual(Array.from(x));
      }
    }
  });

  it('is inactive for H = c·I (its d stiff eigenvalues coincide: MINRES resolves them with one product)', () => {
    const p = makeProblem({ d: 4, M: 10, H: 2, Psi: 1, sigma2: 0.25, betaStar: 1 });
    expect(stiffBlockPreconditioner(p, 'lsa').active).toBe(false);
    expect(stiffBlockPreconditioner(p, 'ltb').active).toBe(false);
  });
});
