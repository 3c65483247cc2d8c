import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { PromptSampler, makeProblem } from '../../src/models/index.js';
import { randomProblem } from '../helpers/problems.js';
import { Z_MAX } from '../helpers/stats.js';

describe('the seeded prompt sampler', () => {
  it('is reproducible: the same seed gives the same prompts, another seed different ones', () => {
    const p = makeProblem({ d: 3, M: 4, H: [1, 2, 3], Psi: 0.5, betaStar: 1, sigma2: 0.1 });
    const a = new PromptSampler(p, 42).next();
    const b = new PromptSampler(p, 42).next();
    const c = new PromptSampler(p, 43).next();
    expect(Array.from(a.X.data)).toEqual(Array.from(b.X.data));
    expect(a.yQuery).toBe(b.yQuery);
    expect(Array.from(a.X.data)).not.toEqual(Array.from(c.X.data));
  });

  it('draws x ~ N(0, H), β ~ N(β*, Ψ) and y − xᵀβ ~ N(0, σ²): first and second moments within z < 5', () => {
    const rng = new Rng(5);
    const p = randomProblem(rng, 3, 2, { betaScale: 2, sigma2: 0.4 });
    const s = new PromptSampler(p, 9);
    const n = 20_000;
    const d = p.d;
    const xx = new Float64Array(d * d);
    const xx2 = new Float64Array(d * d);
    const bm = new Float64Array(d);
    const bb = new Float64Array(d * d);
    let noise = 0;
    let noise2 = 0;
    for (let k = 0; k < n; k++) {
      const pr = s.next();
      for (let i = 0; i < d; i++) {
        bm[i] += pr.beta[i]!;
        for (let j = 0; j < d; j++) {
          const v = pr.x[i]! * pr.x[j]!;
          xx[i * d + j] += v;
          xx2[i * d + j] += v * v;
          bb[i * d + j] += (pr.beta[i]! - p.betaStar[i]!) * (pr.beta[j]! - p.betaStar[j]!);
        }
      }
      let xb = 0;
      for (let i = 0; i < d; i++) xb += pr.x[i]! * pr.beta[i]!;
      const e = pr.yQuery - xb;
      noise += e * e;
      noise2 += e ** 4;
    }
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const mean = xx[i * d + j]! / n;
        const sd = Math.sqrt((xx2[i * d + j]! / n - mean * mean) / n);
        expect(Math.abs(mean - p.H.data[i * d + j]!) / sd).toBeLessThan(Z_MAX);
        // E[(β−β*)(β−β*)ᵀ] = Ψ: the standard error of a product of Gaussians is ≤ √((Ψ_ii Ψ_jj + Ψ_ij²)/n)
        const psiSe = Math.sqrt((p.Psi.data[i * d + i]! * p.Psi.data[j * d + j]! + p.Psi.data[i * d + j]! ** 2) / n);
        expect(Math.abs(bb[i * d + j]! / n - p.Psi.data[i * d + j]!) / psiSe).toBeLessThan(Z_MAX);
      }
      expect(Math.abs(bm[i]! / n - p.betaStar[i]!) / Math.sqrt(p.Psi.data[i * d + i]! / n)).toBeLessThan(Z_MAX);
    }
    const nm = noise / n;
    expect(Math.abs(nm - p.sigma2) / Math.sqrt((noise2 / n - nm * nm) / n)).toBeLessThan(Z_MAX);
  });
});
