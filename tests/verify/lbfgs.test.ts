import { describe, expect, it } from 'vitest';
import { NumericalError } from '../../src/errors.js';
import { lbfgs, type Objective } from '../../src/verify/lbfgs.js';
import { newtonPolish } from '../../src/verify/newton.js';

/** Extended Rosenbrock: Σ 100(x_{2i} − x_{2i−1}²)² + (1 − x_{2i−1})², minimum 0 at 𝟙. */
const rosenbrock: Objective = (x, g) => {
  let f = 0;
  g.fill(0);
  for (let i = 0; i < x.length; i += 2) {
    const a = x[i]!;
    const b = x[i + 1]!;
    const t = b - a * a;
    f += 100 * t * t + (1 - a) ** 2;
    g[i] = -400 * a * t - 2 * (1 - a);
    g[i + 1] = 200 * t;
  }
  return f;
};

/** An ill-conditioned quadratic ½Σ c_i (x_i − i)², condition 1e6. */
const quadratic: Objective = (x, g) => {
  let f = 0;
  for (let i = 0; i < x.length; i++) {
    const c = 10 ** ((6 * i) / (x.length - 1));
    f += 0.5 * c * (x[i]! - i) ** 2;
    g[i] = c * (x[i]! - i);
  }
  return f;
};

describe('lbfgs', () => {
  it('minimises the extended Rosenbrock function from the standard start', () => {
    const x0 = Float64Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const r = lbfgs(rosenbrock, x0, { gtol: 1e-10 });
    expect(r.status).toBe('converged');
    expect(r.gradNorm).toBeLessThanOrEqual(1e-10);
    for (const v of r.x) expect(Math.abs(v - 1)).toBeLessThan(1e-9);
    expect(r.nfev).toBeLessThan(600);
  });

  it('minimises an ill-conditioned quadratic (condition 1e6)', () => {
    const r = lbfgs(quadratic, new Float64Array(12), { gtol: 1e-8 });
    expect(r.status).toBe('converged');
    r.x.forEach((v, i) => expect(Math.abs(v - i)).toBeLessThan(1e-8));
  });

  it('reports maxIterations, nonFinite, and throws on request', () => {
    const x0 = Float64Array.from([-1.2, 1]);
    expect(lbfgs(rosenbrock, x0, { maxIterations: 3 }).status).toBe('maxIterations');
    expect(lbfgs(() => Number.NaN, x0).status).toBe('nonFinite');
    expect(() => lbfgs(rosenbrock, x0, { maxIterations: 3, throw: true })).toThrow(NumericalError);
    expect(() => lbfgs(rosenbrock, x0, { c1: 0.9, c2: 0.1 })).toThrow(RangeError);
  });

  it('newtonPolish takes a near-minimiser to the gradient floor and refuses saddles', () => {
    const r = lbfgs(rosenbrock, Float64Array.from([-1.2, 1]), { gtol: 1e-4 });
    const p = newtonPolish(rosenbrock, r.x);
    expect(p.gradNorm).toBeLessThan(1e-12);
    const saddle: Objective = (x, g) => {
      g[0] = 2 * x[0]!;
      g[1] = -2 * x[1]!;
      return x[0]! ** 2 - x[1]! ** 2;
    };
    expect(newtonPolish(saddle, Float64Array.from([0.1, 0.1])).status).toBe('saddle');
  });
});
