import { describe, expect, it } from 'vitest';
import { lbfgs, newtonPolish, type Objective } from '../../src/optim/index.js';
import { rosenbrock } from './objectives.js';

describe('newtonPolish', () => {
  it('takes a near-minimiser to the gradient floor and refuses saddles', () => {
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
