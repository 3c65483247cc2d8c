import { describe, expect, it } from 'vitest';
import { gaussHermite, gaussLaguerre, halfNormalExpectation, normalExpectation } from '../../src/quadrature/index.js';
import { relDiff } from '../helpers/problems.js';

/** Γ(x) for x = k/2 (exact recursions from Γ(1) = 1, Γ(½) = √π). */
function gammaHalf(x: number): number {
  if (x === 1) return 1;
  if (x === 0.5) return Math.sqrt(Math.PI);
  return (x - 1) * gammaHalf(x - 1);
}

describe('Golub–Welsch rules', () => {
  it('Gauss–Hermite (n = 10) integrates E[z^k] exactly up to k = 19: (k−1)!! for even k, 0 for odd', () => {
    const { weights } = gaussHermite(10);
    expect(relDiff(weights.reduce((s, w) => s + w, 0), 1)).toBeLessThan(1e-14);
    for (let k = 0; k <= 19; k++) {
      let exact = k % 2 === 1 ? 0 : 1;
      for (let j = k - 1; j > 0 && k % 2 === 0; j -= 2) exact *= j;
      const q = normalExpectation((z) => z ** k, 10);
      // odd k: cancellation of ± pairs, judged against Σ w|z|^k
      if (exact === 0) expect(Math.abs(q)).toBeLessThan(1e-14 * normalExpectation((z) => Math.abs(z) ** k, 10));
      else expect(relDiff(q, exact)).toBeLessThan(1e-13);
    }
  });

  it('generalised Gauss–Laguerre: ∫ t^k t^α e^{−t} dt = Γ(k + α + 1) for α ∈ {0, −½}', () => {
    for (const alpha of [0, -0.5] as const) {
      const { nodes, weights } = gaussLaguerre(12, alpha);
      for (let k = 0; k <= 20; k++) {
        const q = nodes.reduce((s, t, i) => s + weights[i]! * t ** k, 0);
        expect(relDiff(q, gammaHalf(k + alpha + 1))).toBeLessThan(1e-12);
      }
    }
  });

  it('half-line expectations E[z^k 1{z>0}] = 2^{k/2}Γ((k+1)/2)/(2√π), odd and even k', () => {
    for (let k = 0; k <= 9; k++) {
      const exact = (2 ** (k / 2) * gammaHalf((k + 1) / 2)) / (2 * Math.sqrt(Math.PI));
      expect(relDiff(halfNormalExpectation((z) => z ** k), exact)).toBeLessThan(1e-13);
    }
  });
});
