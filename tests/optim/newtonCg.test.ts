import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { finiteDifferenceHvp, minres, trustRegionNewtonCg, type HessianVectorProduct, type Objective } from '../../src/optim/index.js';
import { quadratic, rosenbrock, rosenbrockHessian } from './objectives.js';

/** The analytic Hessian-vector product of the extended Rosenbrock function. */
const rosenbrockHvp: HessianVectorProduct = (x, v, out) => {
  const H = rosenbrockHessian(x);
  const n = x.length;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += H.data[i * n + j]! * v[j]!;
    out[i] = s;
  }
};
const quadraticHvp: HessianVectorProduct = (x, v, out) => {
  for (let i = 0; i < x.length; i++) out[i] = 10 ** ((6 * i) / (x.length - 1)) * v[i]!;
};

describe('trustRegionNewtonCg (Steihaug–Toint, matrix-free)', () => {
  it('minimises the extended Rosenbrock function from the standard start to ‖∇f‖ ≤ 1e-10', () => {
    const x0 = Float64Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const r = trustRegionNewtonCg(rosenbrock, rosenbrockHvp, x0, { gtol: 1e-10 });
    expect(r.status).toBe('converged');
    expect(r.gradNorm).toBeLessThanOrEqual(1e-10);
    for (const xi of r.x) expect(Math.abs(xi - 1)).toBeLessThan(1e-9);
    expect(r.iterations).toBeLessThan(100);
    expect(Array.from(x0.subarray(0, 2))).toEqual([-1.2, 1]); // the start is not modified
  });

  it('leaves a saddle along negative curvature (f = x² − y² + y⁴/4: saddle at 0, minima at y = ±√2)', () => {
    const f: Objective = (x, g) => {
      g[0] = 2 * x[0]!;
      g[1] = -2 * x[1]! + x[1]! ** 3;
      return x[0]! ** 2 - x[1]! ** 2 + x[1]! ** 4 / 4;
    };
    const hvp: HessianVectorProduct = (x, v, out) => {
      out[0] = 2 * v[0]!;
      out[1] = (-2 + 3 * x[1]! ** 2) * v[1]!;
    };
    const r = trustRegionNewtonCg(f, hvp, Float64Array.from([0.3, 1e-6]), { gtol: 1e-12 });
    expect(r.status).toBe('converged');
    expect(Math.abs(r.x[0]!)).toBeLessThan(1e-12);
    expect(Math.abs(Math.abs(r.x[1]!) - Math.SQRT2)).toBeLessThan(1e-10); // minima at y = ±√2
    expect(r.f).toBeCloseTo(-1, 12);
  });

  it('solves an ill-conditioned quadratic (condition 1e6) in a few outer iterations', () => {
    const r = trustRegionNewtonCg(quadratic, quadraticHvp, new Float64Array(20), { gtol: 1e-8, forcing: 1e-3 });
    expect(r.status).toBe('converged');
    for (let i = 0; i < 20; i++) expect(Math.abs(r.x[i]! - i)).toBeLessThan(1e-8);
    expect(r.iterations).toBeLessThan(30);
  });

  it('with finite-difference products it reaches the same minimiser; reports nonFinite starts', () => {
    const x0 = Float64Array.from([-1.2, 1, -1.2, 1]);
    const r = trustRegionNewtonCg(rosenbrock, finiteDifferenceHvp(rosenbrock), x0, { gtol: 1e-8 });
    expect(r.status).toBe('converged');
    for (const xi of r.x) expect(Math.abs(xi - 1)).toBeLessThan(1e-7);
    const bad: Objective = (_x, g) => {
      g.fill(Number.NaN);
      return Number.NaN;
    };
    expect(trustRegionNewtonCg(bad, rosenbrockHvp, x0).status).toBe('nonFinite');
  });

  it('stops with noImprovement at the floating-point floor instead of looping (gtol 0)', () => {
    const x0 = Float64Array.from([1 + 1e-4, 1 - 1e-4]);
    const r = trustRegionNewtonCg(rosenbrock, rosenbrockHvp, x0, { maxIterations: 200 });
    expect(['noImprovement', 'converged']).toContain(r.status); // converged: ∇f = 0 exactly at 𝟙
    expect(r.iterations).toBeLessThan(200);
    expect(r.gradNorm).toBeLessThan(1e-13);
  });
});

describe('finiteDifferenceHvp', () => {
  it('matches the analytic Rosenbrock Hessian-vector product to ~1e-8 relative', () => {
    const rng = new Rng(2);
    const x = Float64Array.from({ length: 6 }, () => rng.normal());
    const v = Float64Array.from({ length: 6 }, () => rng.normal());
    const a = new Float64Array(6);
    const b = new Float64Array(6);
    rosenbrockHvp(x, v, a);
    finiteDifferenceHvp(rosenbrock)(x, v, b);
    const err = Math.hypot(...a.map((ai, i) => ai - b[i]!));
    expect(err).toBeLessThan(1e-7 * Math.hypot(...a));
  });
});

describe('minres (symmetric, possibly indefinite)', () => {
  it('solves a symmetric indefinite system to the requested residual', () => {
    const n = 30;
    const rng = new Rng(8);
    // A = Qᵀ diag(λ) Q with λ of both signs
    const B = Float64Array.from({ length: n * n }, () => rng.normal());
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = B[i * n + j]! + B[j * n + i]!;
    for (let i = 0; i < n; i++) A[i * n + i] += i % 3 === 0 ? -3 : 3;
    const op = (v: Float64Array, out: Float64Array): void => {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += A[i * n + j]! * v[j]!;
        out[i] = s;
      }
    };
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const x = new Float64Array(n);
    const res = minres(op, b, x, { rtol: 1e-12, maxIterations: 10 * n });
    expect(res.converged).toBe(true);
    const Ax = new Float64Array(n);
    op(x, Ax);
    const r = Math.hypot(...Ax.map((v, i) => v - b[i]!));
    expect(r).toBeLessThan(1e-9 * Math.hypot(...b));
    expect(minres(op, new Float64Array(n), x).iterations).toBe(0);
    expect(Array.from(x)).toEqual(new Array(n).fill(0));
  });
});
