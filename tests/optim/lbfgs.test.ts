import { describe, expect, it } from 'vitest';
import { NumericalError } from '../../src/errors.js';
import { lbfgs } from '../../src/optim/index.js';
import { quadratic, rosenbrock } from './objectives.js';

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
});
