/**
 * The Wishart sufficient-statistic sampler (src/models/wishart.ts) against exact Wishart moments and
 * against the direct sampler (W computed from actual prompts, (1.2)).
 *
 * Statistical bounds: every check is a z-score |estimate − exact| / s.e. < Z_MAX = 5 with a fixed seed
 * (printed in the test name). With the number of entries checked here (≤ 3·21 z-scores per test), a
 * correct sampler exceeds 5 with probability < 4e-5 per test; a wrong factor (e.g. Σ_z mis-scaled by
 * 5 %) gives z ≈ 5 %·√n / (relative s.d.) ≫ 5 at these n.
 */
import { describe, expect, it } from 'vitest';
import {
  allocPrompt, allocWishartFactorPrompt, bartlettFactorInto, contextCovariance, contextStatisticInto, covariateFactor, makeProblem, PromptSampler,
  sampleWishartFactorInto, WishartSampler, wishartStatisticInto, type NormalSource, type Problem,
} from '../../src/models/index.js';
import { Rng } from '../../src/linalg/index.js';
import { FastRng } from '../../src/train/random.js';
import { Z_MAX } from '../helpers/stats.js';

/** Draws n statistics M·W with a fixed task (Ψ = 0 ⇒ β = β*) and returns their entries [n, p²]. */
function drawScaled(problem: Problem, n: number, source: NormalSource): Float64Array {
  const d = problem.d;
  const p = d + 1;
  const fp = allocWishartFactorPrompt(d, problem.M);
  const factor = covariateFactor(problem);
  const W = { rows: p, cols: p, data: new Float64Array(p * p) };
  const T = new Float64Array(p * p);
  const z = new Float64Array(d);
  const out = new Float64Array(n * p * p);
  for (let s = 0; s < n; s++) {
    sampleWishartFactorInto(fp, problem, factor, source, z);
    wishartStatisticInto(W, fp, factor, problem.sigma2, problem.M, T);
    for (let k = 0; k < p * p; k++) out[s * p * p + k] = problem.M * W.data[k]!;
  }
  return out;
}

/** Mean, variance and the standard error of the variance (from the sample fourth central moment) of column k. */
function columnStats(data: Float64Array, n: number, stride: number, k: number): { mean: number; variance: number; varianceSe: number } {
  let m = 0;
  for (let s = 0; s < n; s++) m += data[s * stride + k]!;
  m /= n;
  let m2 = 0;
  let m4 = 0;
  for (let s = 0; s < n; s++) {
    const c = data[s * stride + k]! - m;
    m2 += c * c;
    m4 += c ** 4;
  }
  const variance = m2 / (n - 1);
  m4 /= n;
  // Var(s²) ≈ (μ₄ − σ⁴)/n for large n (delta method).
  return { mean: m, variance, varianceSe: Math.sqrt(Math.max(0, m4 - (m2 / n) ** 2) / n) };
}

const H = [[1.2, 0.4, -0.1], [0.4, 0.9, 0.2], [-0.1, 0.2, 0.6]];

describe('Wishart sampler: exact first and second moments of M·W ~ Wishart_{d+1}(M, Σ_z(β))', () => {
  const cases = [
    { name: 'M = 12 ≥ d+1 (Bartlett), linalg Rng seed 3', problem: makeProblem({ d: 3, M: 12, H, Psi: 0, betaStar: [0.7, -0.4, 0.3], sigma2: 0.3 }), source: (): NormalSource => new Rng(3) },
    { name: 'M = 12 ≥ d+1 (Bartlett), FastRng seed 4', problem: makeProblem({ d: 3, M: 12, H, Psi: 0, betaStar: [0.7, -0.4, 0.3], sigma2: 0.3 }), source: (): NormalSource => new FastRng(4) },
    { name: 'M = 4 = d+1, σ² = 0 (singular Σ_z), FastRng seed 5', problem: makeProblem({ d: 3, M: 4, H, Psi: 0, betaStar: [0.7, -0.4, 0.3], sigma2: 0 }), source: (): NormalSource => new FastRng(5) },
    { name: 'M = 2 < d+1 (trapezoidal factor), FastRng seed 6', problem: makeProblem({ d: 3, M: 2, H, Psi: 0, betaStar: [0.7, -0.4, 0.3], sigma2: 0.3 }), source: (): NormalSource => new FastRng(6) },
    { name: 'M = 1 (rank one), linalg Rng seed 15', problem: makeProblem({ d: 3, M: 1, H, Psi: 0, betaStar: [0.7, -0.4, 0.3], sigma2: 0.3 }), source: (): NormalSource => new Rng(15) },
  ];
  for (const { name, problem, source } of cases) {
    it(`E[M·W] = M·Σ_z and Var(M·W_ij) = M(Σ_ij² + Σ_ii Σ_jj): ${name}`, () => {
      const n = 40_000;
      const p = problem.d + 1;
      const data = drawScaled(problem, n, source());
      const Sigma = contextCovariance(problem, problem.betaStar).data;
      const M = problem.M;
      let worst = 0;
      for (let i = 0; i < p; i++) {
        for (let j = 0; j <= i; j++) {
          const k = i * p + j;
          const exactVar = M * (Sigma[k]! ** 2 + Sigma[i * p + i]! * Sigma[j * p + j]!);
          const st = columnStats(data, n, p * p, k);
          const zMean = (st.mean - M * Sigma[k]!) / Math.sqrt(exactVar / n);
          const zVar = exactVar === 0 ? 0 : (st.variance - exactVar) / st.varianceSe;
          worst = Math.max(worst, Math.abs(zMean), Math.abs(zVar));
          expect(Math.abs(zMean), `mean of entry (${i}, ${j})`).toBeLessThan(Z_MAX);
          expect(Math.abs(zVar), `variance of entry (${i}, ${j})`).toBeLessThan(Z_MAX);
        }
      }
      expect(worst).toBeGreaterThan(0);
    });
  }

  it('a mis-scaled covariance is caught (the check can fail): Σ_z·1.05 against the true draws, seed 7', () => {
    const problem = makeProblem({ d: 3, M: 12, H, Psi: 0, betaStar: [0.7, -0.4, 0.3], sigma2: 0.3 });
    const n = 40_000;
    const data = drawScaled(problem, n, new FastRng(7));
    const Sigma = contextCovariance(problem, problem.betaStar).data;
    const M = problem.M;
    const exactVar = M * 2 * Sigma[0]! ** 2;
    const z = (columnStats(data, n, 16, 0).mean - 1.05 * M * Sigma[0]!) / Math.sqrt(exactVar / n);
    expect(Math.abs(z)).toBeGreaterThan(Z_MAX);
  });

  it('the Bartlett factor is lower-triangular (M ≥ p) or lower-trapezoidal (M < p) with positive diagonal; M = 0 or 1.5 is refused', () => {
    const A = bartlettFactorInto(new Float64Array(16), 4, 6, new Rng(8));
    for (let i = 0; i < 4; i++) {
      expect(A[i * 4 + i]!).toBeGreaterThan(0);
      for (let j = i + 1; j < 4; j++) expect(A[i * 4 + j]).toBe(0);
    }
    const T = bartlettFactorInto(new Float64Array(8).fill(Number.NaN), 4, 2, new Rng(8)); // [4, 2]
    expect(T[0]!).toBeGreaterThan(0);
    expect(T[1]).toBe(0);
    expect(T[3]!).toBeGreaterThan(0);
    for (let k = 0; k < 8; k++) expect(Number.isFinite(T[k]!)).toBe(true);
    expect(() => bartlettFactorInto(new Float64Array(16), 4, 0, new Rng(8))).toThrow(RangeError);
    expect(() => bartlettFactorInto(new Float64Array(16), 4, 1.5, new Rng(8))).toThrow(RangeError);
  });

  it('same seed → the same draws (WishartSampler, seed 9)', () => {
    const problem = makeProblem({ d: 3, M: 10, H, betaStar: 0.2, sigma2: 0.1 });
    const a = new WishartSampler(problem, 9);
    const b = new WishartSampler(problem, 9);
    for (let s = 0; s < 5; s++) {
      const x = a.next();
      const y = b.next();
      expect(Array.from(x.W.data)).toEqual(Array.from(y.W.data));
      expect(x.yQuery).toBe(y.yQuery);
    }
  });
});

describe('Wishart sampler = direct sampler in distribution (random task, Ψ ≠ 0)', () => {
  /** Loss samples (f − y)² of a fixed GD-β-like read-out f = xᵀ(b₀ + G(s − S b₀)) through W. */
  function lossOf(W: Float64Array, x: Float64Array, y: number, d: number): number {
    const p = d + 1;
    const b0 = [0.3, -0.1, 0.2];
    const G = [[0.8, 0.1, 0], [0.05, 0.7, -0.1], [0, 0.1, 0.9]];
    const r = new Float64Array(d); // s − S b₀
    for (let i = 0; i < d; i++) {
      let v = W[i * p + d]!;
      for (let k = 0; k < d; k++) v -= W[i * p + k]! * b0[k]!;
      r[i] = v;
    }
    let f = 0;
    for (let i = 0; i < d; i++) {
      let g = b0[i]!;
      for (let k = 0; k < d; k++) g += G[i]![k]! * r[k]!;
      f += x[i]! * g;
    }
    return (f - y) ** 2;
  }

  it.each([9, 2])('M = %i: the loss of a fixed estimator and the entries of W have the same mean and variance via both samplers (seeds 13, 14)', (M) => {
    const problem = makeProblem({ d: 3, M, H, Psi: [[0.5, 0.1, 0], [0.1, 0.3, 0], [0, 0, 0.2]], betaStar: [0.5, 0.2, -0.3], sigma2: 0.25 });
    const d = problem.d;
    const p = d + 1;
    const n = 40_000;
    // columns: the loss, then the p(p+1)/2 entries of W.
    const cols = 1 + (p * (p + 1)) / 2;
    const direct = new Float64Array(n * cols);
    const wish = new Float64Array(n * cols);
    const ps = new PromptSampler(problem, 13);
    const prompt = allocPrompt(d, problem.M);
    const Wd = { rows: p, cols: p, data: new Float64Array(p * p) };
    const ws = new WishartSampler(problem, 14);
    const fill = (out: Float64Array, s: number, W: Float64Array, x: Float64Array, y: number): void => {
      out[s * cols] = lossOf(W, x, y, d);
      let c = 1;
      for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) out[s * cols + c++] = W[i * p + j]!;
    };
    for (let s = 0; s < n; s++) {
      ps.next(prompt);
      contextStatisticInto(Wd, prompt.X, prompt.y);
      fill(direct, s, Wd.data, prompt.x, prompt.yQuery);
      const w = ws.next();
      fill(wish, s, w.W.data, w.x, w.yQuery);
    }
    for (let c = 0; c < cols; c++) {
      const a = columnStats(direct, n, cols, c);
      const b = columnStats(wish, n, cols, c);
      const zMean = (a.mean - b.mean) / Math.sqrt((a.variance + b.variance) / n);
      const zVar = (a.variance - b.variance) / Math.hypot(a.varianceSe, b.varianceSe);
      expect(Math.abs(zMean), `column ${c} mean: ${a.mean} vs ${b.mean}`).toBeLessThan(Z_MAX);
      expect(Math.abs(zVar), `column ${c} variance: ${a.variance} vs ${b.variance}`).toBeLessThan(Z_MAX);
    }
  });
});
