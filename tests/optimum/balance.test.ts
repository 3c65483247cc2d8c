import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { balance, reducedObjective } from '../../src/optimum/index.js';
import { randomProblem, relDiff } from '../helpers/problems.js';

describe('balance (the gauge (tp, Q/t))', () => {
  const p = randomProblem(new Rng(3), 3, 5, { betaScale: 3 });
  const rng = new Rng(5);
  const theta = Float64Array.from({ length: 3 + 4 + 12 }, () => rng.normal());

  it('balancing leaves the risk unchanged (the gauge (tp, Q/t))', () => {
    const f = reducedObjective(p, 'ltb');
    const g = new Float64Array(theta.length);
    const before = f(theta, g);
    const b = balance(Float64Array.from(theta), 3, 'ltb');
    expect(relDiff(f(b, g), before)).toBeLessThan(1e-14);
    const nq = Math.hypot(...b.subarray(7));
    expect(relDiff(Math.hypot(...b.subarray(3, 7)), nq)).toBeLessThan(1e-14);
  });

  it('leaves β_m alone and a point with p = 0 unchanged', () => {
    const b = balance(Float64Array.from(theta), 3, 'ltb');
    expect(Array.from(b.subarray(0, 3))).toEqual(Array.from(theta.subarray(0, 3)));
    const zeroP = Float64Array.from(theta);
    zeroP.fill(0, 3, 7);
    expect(Array.from(balance(Float64Array.from(zeroP), 3, 'ltb'))).toEqual(Array.from(zeroP));
  });
});
