import { describe, expect, it } from 'vitest';
import { adaptiveGaussKronrod } from '../../src/quadrature/index.js';
import { NumericalError } from '../../src/errors.js';
import { relDiff } from '../helpers/problems.js';

describe('adaptive Gauss–Kronrod (G7K15)', () => {
  it('one panel integrates polynomials of degree ≤ 22 exactly: ∫₀¹ x^k dx = 1/(k + 1)', () => {
    for (let k = 0; k <= 22; k++) {
      expect(relDiff(adaptiveGaussKronrod((x) => x ** k, [0, 1], { rtol: 1e-13 }), 1 / (k + 1))).toBeLessThan(1e-14);
    }
  });

  it('reaches its tolerance on integrands with features decades apart (closed forms)', () => {
    // ∫₀^{1e4} dx/(1 + x²) = atan(1e4); ∫₀^{40} e^{−x} = 1 − e^{−40}; ∫_{1e-8}^{1} dx/x = ln(1e8) on log-spaced breaks.
    expect(relDiff(adaptiveGaussKronrod((x) => 1 / (1 + x * x), [0, 1, 10, 1e4], { rtol: 1e-13 }), Math.atan(1e4))).toBeLessThan(1e-13);
    expect(relDiff(adaptiveGaussKronrod((x) => Math.exp(-x), [0, 40], { rtol: 1e-13 }), -Math.expm1(-40))).toBeLessThan(1e-13);
    const breaks = Array.from({ length: 9 }, (_, k) => 10 ** (k - 8));
    expect(relDiff(adaptiveGaussKronrod((x) => 1 / x, breaks, { rtol: 1e-12 }), 8 * Math.LN10)).toBeLessThan(1e-12);
  });

  it('throws a NumericalError naming the computation past the panel cap; rejects bad arguments', () => {
    const f = (x: number): number => (x < Math.SQRT1_2 ? 0 : 1); // a jump: the error shrinks only linearly
    expect(() => adaptiveGaussKronrod(f, [0, 1], { rtol: 1e-14, maxPanels: 8, where: 'jump test' })).toThrow(NumericalError);
    expect(() => adaptiveGaussKronrod(f, [0, 1], { rtol: 1e-14, maxPanels: 8, where: 'jump test' })).toThrow(/jump test/);
    expect(() => adaptiveGaussKronrod(f, [0], { rtol: 1e-10 })).toThrow(RangeError);
    expect(() => adaptiveGaussKronrod(f, [0, 1], { rtol: 0 })).toThrow(RangeError);
  });
});
