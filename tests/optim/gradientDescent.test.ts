import { describe, expect, it } from 'vitest';
import { gradientDescent } from '../../src/optim/index.js';
import { quadratic, rosenbrock } from './objectives.js';

describe('gradientDescent (Armijo backtracking)', () => {
  it('decreases f monotonically and counts its evaluations', () => {
    const x = Float64Array.from([-1.2, 1, -1.2, 1]);
    const g = new Float64Array(4);
    const f0 = rosenbrock(x, g);
    let calls = 0;
    const nfev = gradientDescent((y, gy) => (calls++, rosenbrock(y, gy)), x, 50);
    expect(nfev).toBe(calls);
    expect(rosenbrock(x, g)).toBeLessThan(f0);
  });

  it('stops at once at a stationary point (zero gradient) and leaves x there', () => {
    const x = Float64Array.from({ length: 6 }, (_, i) => i); // the minimiser of the quadratic
    expect(gradientDescent(quadratic, x, 10)).toBe(1);
    expect(Array.from(x)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
