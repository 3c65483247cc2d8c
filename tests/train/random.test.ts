/**
 * FastRng (src/train/random.ts): the ziggurat normals and the chi-square variates against exact
 * moments and tail probabilities, each as a z-score below Z_MAX = 5 with a fixed seed (printed).
 */
import { describe, expect, it } from 'vitest';
import { FastRng } from '../../src/train/index.js';
import { Z_MAX } from '../helpers/stats.js';

/** P(|Z| > k) for Z ~ N(0, 1) = erfc(k/√2), from Python's math.erfc. */
const TWO_SIDED_TAIL: readonly [number, number][] = [
  [0.5, 0.6170750774519738],
  [1, 0.31731050786291415],
  [2, 0.04550026389635844],
  [3, 0.0026997960632601913],
  [3.5, 0.0004652581580710501],
];

describe('FastRng', () => {
  it('normals: mean 0, variance 1, fourth moment 3 and two-sided tails (2·10⁶ draws, seed 21)', () => {
    const n = 2_000_000;
    const f = new FastRng(21);
    let s1 = 0;
    let s2 = 0;
    let s4 = 0;
    const tails = new Float64Array(TWO_SIDED_TAIL.length);
    for (let i = 0; i < n; i++) {
      const x = f.normal();
      s1 += x;
      s2 += x * x;
      s4 += x ** 4;
      const a = Math.abs(x);
      TWO_SIDED_TAIL.forEach(([k], j) => {
        if (a > k) tails[j]! += 1;
      });
    }
    expect(Math.abs(s1 / n) / Math.sqrt(1 / n)).toBeLessThan(Z_MAX);
    expect(Math.abs(s2 / n - 1) / Math.sqrt(2 / n)).toBeLessThan(Z_MAX);
    expect(Math.abs(s4 / n - 3) / Math.sqrt(96 / n)).toBeLessThan(Z_MAX);
    TWO_SIDED_TAIL.forEach(([k, P], j) => {
      expect(Math.abs(tails[j]! / n - P) / Math.sqrt((P * (1 - P)) / n), `P(|Z| > ${k})`).toBeLessThan(Z_MAX);
    });
  });

  it('chi-square: mean k and variance 2k for k = 1, 4, 30 (2·10⁵ draws each, seed 22)', () => {
    const f = new FastRng(22);
    const n = 200_000;
    for (const k of [1, 4, 30]) {
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const x = f.chiSquare(k);
        s1 += x;
        s2 += x * x;
      }
      const mean = s1 / n;
      const variance = s2 / n - mean * mean;
      expect(Math.abs(mean - k) / Math.sqrt((2 * k) / n), `mean of χ²_${k}`).toBeLessThan(Z_MAX);
      // Var(s²) ≈ (μ₄ − σ⁴)/n with μ₄ = 12k(k + 4) for χ²_k.
      const mu4 = 12 * k * (k + 4);
      expect(Math.abs(variance - 2 * k) / Math.sqrt((mu4 - 4 * k * k) / n), `variance of χ²_${k}`).toBeLessThan(Z_MAX);
    }
  });

  it('the same seed gives the same stream; another seed another (seeds 23, 24)', () => {
    const a = new FastRng(23);
    const b = new FastRng(23);
    const c = new FastRng(24);
    const xs = Array.from({ length: 3000 }, () => a.normal());
    expect(Array.from({ length: 3000 }, () => b.normal())).toEqual(xs);
    expect(c.normal()).not.toBe(xs[0]);
  });
});
