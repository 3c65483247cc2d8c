/**
 * The Bayes reference (math.md §3.4), each quantity checked against a route that does not share its
 * code: closed forms for the isotropic case, matrix formulas in the original basis, the explicit
 * posterior mean on sampled prompts, the generalized exponential integral and a trapezoid rule in a
 * log variable for d = 1, and Monte Carlo on χ² draws built from Gaussians.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { Rng, eigh, gemm, identity, solveMatrix, type Matrix } from '../../src/linalg/index.js';
import { makeProblem, PromptSampler, type Problem } from '../../src/models/index.js';
import {
  bayesDeterministicEquivalent, bayesExact1d, bayesLowerBound, bayesMonteCarlo, bayesReference, bayesSpectrum,
  optimumGdBeta, sampleWishartFactor,
} from '../../src/risk/index.js';
import { randomProblem, relDiff, toRows } from '../helpers/problems.js';
import { Z_MAX, zScore } from '../helpers/stats.js';

/** Agreement of two evaluations of the same closed form / convergent quadrature. */
const EXACT_RTOL = 1e-13;
/** Agreement of two independent quadratures of the d = 1 integral (≈1e-12 relative is promised). */
const QUAD_RTOL = 1e-12;

function mat(d: number): Matrix {
  return { rows: d, cols: d, data: new Float64Array(d * d) };
}
function mul(A: Matrix, B: Matrix, trans: 'NN' | 'TN' | 'NT' = 'NN'): Matrix {
  const rows = trans === 'TN' ? A.cols : A.rows;
  const cols = trans === 'NT' ? B.rows : B.cols;
  return gemm({ rows, cols, data: new Float64Array(rows * cols) }, A, B, trans);
}
function trace(A: Matrix): number {
  let s = 0;
  for (let i = 0; i < A.rows; i++) s += A.data[i * A.cols + i]!;
  return s;
}
function plusScaledIdentity(A: Matrix, c: number): Matrix {
  const out = { rows: A.rows, cols: A.cols, data: Float64Array.from(A.data) };
  for (let i = 0; i < A.rows; i++) out.data[i * A.cols + i] += c;
  return out;
}
/** Symmetric PSD square root through eigh (negative rounding eigenvalues clipped). */
function psdSqrt(A: Matrix): Matrix {
  const { values, vectors: V } = eigh(A);
  const n = A.rows;
  const S = mat(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += V.data[i * n + k]! * Math.sqrt(Math.max(0, values[k]!)) * V.data[j * n + k]!;
      S.data[i * n + j] = s;
    }
  }
  return S;
}
/** Mean and standard error of a sample. */
function meanStderr(x: ArrayLike<number>): { mean: number; stderr: number } {
  let mean = 0;
  for (let k = 0; k < x.length; k++) mean += x[k]!;
  mean /= x.length;
  let v = 0;
  for (let k = 0; k < x.length; k++) v += (x[k]! - mean) ** 2;
  return { mean, stderr: Math.sqrt(v / (x.length - 1) / x.length) };
}
/** z-score of the difference of two independent Monte Carlo means. */
function zDiff(a: { mean: number; stderr: number }, b: { mean: number; stderr: number }): number {
  return Math.abs(a.mean - b.mean) / Math.hypot(a.stderr, b.stderr);
}
/** Distance (in standard errors) of an estimate from the interval [lo, hi] (0 inside). */
function zOutside(est: number, stderr: number, lo: number, hi: number): number {
  return Math.max(0, lo - est, est - hi) / stderr;
}

/** A problem with H = Q·diag(λ)·Qᵀ and Ψ = R·diag(ψ)·Rᵀ from a seeded Rng (ψ may contain zeros). */
function problemWithSpectra(seed: number, M: number, lambda: number[], psi: number[], sigma2: number): Problem {
  const rng = new Rng(seed);
  const d = lambda.length;
  const orth = (): Matrix => {
    const A = mat(d);
    for (let k = 0; k < d * d; k++) A.data[k] = rng.normal();
    return eigh(plusScaledIdentity(mul(A, A, 'NT'), 0)).vectors;
  };
  const build = (Q: Matrix, l: number[]): number[][] => {
    const D = mat(d);
    for (let i = 0; i < d; i++) D.data[i * d + i] = l[i]!;
    return toRows(mul(mul(Q, D), Q, 'NT'));
  };
  const betaStar = Array.from({ length: d }, () => rng.normal());
  return makeProblem({ d, M, H: build(orth(), lambda), Psi: build(orth(), psi), betaStar, sigma2 });
}

describe('reference value of math.md §3.4: d = 5, M = 20, H = I, Ψ = I, σ² = 0.25 → 0.3370', () => {
  const p = makeProblem({ d: 5, M: 20, H: 1, Psi: 1, sigma2: 0.25 });
  const ref = bayesReference(p);
  const [d, M, s2] = [5, 20, 0.25];

  it('lower bound and deterministic equivalent equal their isotropic closed forms', () => {
    expect(relDiff(ref.lower, s2 + (s2 * d) / (M + s2))).toBeLessThan(EXACT_RTOL);
    // μ_i = 1 (r = d copies): σ²δ² + bδ − d = 0, b = M + σ² − d (stable root).
    const b = M + s2 - d;
    const delta = (2 * d) / (b + Math.sqrt(b * b + 4 * s2 * d));
    expect(relDiff(ref.approx, s2 * (1 + delta))).toBeLessThan(EXACT_RTOL);
  });

  it('upper bound equals R*_GDβ of the isotropic formula of math.md §3.2', () => {
    const s = d + s2; // tr H + σ²/ψ²
    expect(relDiff(ref.upper, s2 + (d * (1 + s)) / (M + 1 + s))).toBeLessThan(EXACT_RTOL);
  });

  it('the Monte Carlo estimate matches 0.3370 (within its 4-digit rounding) to 5 standard errors', () => {
    expect(ref.samples).toBe(20_000);
    expect(ref.seed).toBe(1);
    expect(ref.exact).toBeUndefined();
    const z = Math.max(0, Math.abs(ref.estimate - 0.337) - 0.00005) / ref.stderr;
    expect(z, `${ref.estimate} ± ${ref.stderr}`).toBeLessThan(Z_MAX);
    expect(ref.lower).toBeLessThan(ref.estimate);
    expect(ref.estimate).toBeLessThan(ref.upper);
  });

  it('is independent of β*', () => {
    const q = makeProblem({ d: 5, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: [3, -1, 0, 2, 5] });
    expect(bayesReference(q, { samples: 500 })).toEqual(bayesReference(p, { samples: 500 }));
  });
});

describe('the reduction to E tr(D(D^{1/2}WD^{1/2} + σ²I)⁻¹)', () => {
  const p = problemWithSpectra(21, 9, [0.3, 0.8, 1.5, 4], [0.2, 0.5, 1.1, 2.5], 0.3);
  const { d, M, sigma2 } = p;
  const Hh = psdSqrt(p.H);
  const Ph = psdSqrt(p.Psi);
  const C = mul(Hh, Ph); // C = H^{1/2}Ψ^{1/2}
  const B = mul(C, C, 'TN'); // B = CᵀC = Ψ^{1/2}HΨ^{1/2}
  const { values: mu, vectors: U } = eigh(mul(C, C, 'NT')); // CCᵀ = U·D·Uᵀ

  it('μ = spectrum of Ψ^{1/2}HΨ^{1/2} (computed from the square roots)', () => {
    const direct = eigh(B).values;
    const mine = bayesSpectrum(p);
    for (let i = 0; i < d; i++) expect(relDiff(mine[i]!, direct[i]!)).toBeLessThan(1e-12);
    for (let i = 0; i < d; i++) expect(relDiff(mu[i]!, direct[i]!)).toBeLessThan(1e-12);
  });

  it('per draw: tr(H(XᵀX + σ²Ψ⁻¹)⁻¹) = tr(HΨ^{½}(Ψ^{½}XᵀXΨ^{½} + σ²)⁻¹Ψ^{½}) = tr(B(CᵀZᵀZC + σ²)⁻¹) = tr(D(D^{½}WD^{½} + σ²)⁻¹), W = UᵀZᵀZU', () => {
    const rng = new Rng(5);
    const PsiInv = solveMatrix(p.Psi, identity(d));
    const Dh = mat(d);
    for (let i = 0; i < d; i++) Dh.data[i * d + i] = Math.sqrt(mu[i]!);
    for (let draw = 0; draw < 5; draw++) {
      const Z: Matrix = { rows: M, cols: d, data: new Float64Array(M * d) };
      for (let k = 0; k < M * d; k++) Z.data[k] = rng.normal();
      const X = mul(Z, Hh); // rows x_iᵀ = (H^{1/2}z_i)ᵀ
      const XtX = mul(X, X, 'TN');
      const A1 = mul(XtX, identity(d));
      for (let k = 0; k < d * d; k++) A1.data[k] += sigma2 * PsiInv.data[k]!;
      const t1 = trace(mul(p.H, solveMatrix(A1, identity(d))));
      const inner = plusScaledIdentity(mul(mul(Ph, XtX), Ph), sigma2);
      const t2 = trace(mul(mul(p.H, Ph), mul(solveMatrix(inner, identity(d)), Ph)));
      const ZC = mul(Z, C);
      const t3 = trace(mul(B, solveMatrix(plusScaledIdentity(mul(ZC, ZC, 'TN'), sigma2), identity(d))));
      const ZU = mul(Z, U);
      const W = mul(ZU, ZU, 'TN');
      const DWD = plusScaledIdentity(mul(mul(Dh, W), Dh), sigma2);
      const Dm = mul(Dh, Dh);
      const t4 = trace(mul(Dm, solveMatrix(DWD, identity(d))));
      expect(relDiff(t1, t2)).toBeLessThan(1e-10);
      expect(relDiff(t2, t3)).toBeLessThan(1e-10);
      expect(relDiff(t3, t4)).toBeLessThan(1e-10);
    }
  });

  it('in distribution: the direct formula over sampled X and the posterior mean on sampled prompts agree with the Wishart estimate', () => {
    const ref = bayesReference(p, { samples: 20_000, seed: 3 });
    // (a) σ² + σ²·tr(H(XᵀX + σ²Ψ⁻¹)⁻¹) with X sampled from the problem (prompt sampler, not Bartlett).
    // (b) the squared error of the posterior mean β* + (XᵀX + σ²Ψ⁻¹)⁻¹Xᵀ(y − Xβ*) at the query.
    const n = 20_000;
    const sampler = new PromptSampler(p, 77);
    const PsiInv = solveMatrix(p.Psi, identity(d));
    const direct = new Float64Array(n);
    const posterior = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const prompt = sampler.next();
      const A = mul(prompt.X, prompt.X, 'TN');
      for (let e = 0; e < d * d; e++) A.data[e] += sigma2 * PsiInv.data[e]!;
      const Ainv = solveMatrix(A, identity(d));
      direct[k] = sigma2 + sigma2 * trace(mul(p.H, Ainv));
      const resid = new Float64Array(M);
      for (let t = 0; t < M; t++) {
        let s = prompt.y[t]!;
        for (let j = 0; j < d; j++) s -= prompt.X.data[t * d + j]! * p.betaStar[j]!;
        resid[t] = s;
      }
      const xr = new Float64Array(d);
      for (let j = 0; j < d; j++) for (let t = 0; t < M; t++) xr[j] += prompt.X.data[t * d + j]! * resid[t]!;
      let f = 0;
      for (let i = 0; i < d; i++) {
        let b = p.betaStar[i]!;
        for (let j = 0; j < d; j++) b += Ainv.data[i * d + j]! * xr[j]!;
        f += prompt.x[i]! * b;
      }
      posterior[k] = (f - prompt.yQuery) ** 2;
    }
    const est = { mean: ref.estimate, stderr: ref.stderr };
    const a = meanStderr(direct);
    const b = meanStderr(posterior);
    expect(zDiff(a, est), `direct ${a.mean} ± ${a.stderr} vs Wishart ${est.mean} ± ${est.stderr}`).toBeLessThan(Z_MAX);
    expect(zDiff(b, est), `posterior ${b.mean} ± ${b.stderr} vs Wishart ${est.mean} ± ${est.stderr}`).toBeLessThan(Z_MAX);
  });
});

describe('bounds, approximation and estimate on random non-isotropic problems', () => {
  const cases = [
    { seed: 31, d: 1, M: 3 },
    { seed: 32, d: 3, M: 7 },
    { seed: 33, d: 5, M: 20 },
    { seed: 34, d: 6, M: 4 }, // M < d: the Gaussian-Z path
    { seed: 35, d: 4, M: 1 },
  ];
  it.each(cases)('seed $seed, d = $d, M = $M: lower ≤ approx ≤ upper, estimate within 5σ of [lower, upper]', ({ seed, d, M }) => {
    const rng = new Rng(seed);
    const p = randomProblem(rng, d, M, { logCondH: 1.5, logCondPsi: 1, sigma2: 0.4 });
    expect(p.psiIsotropic === null).toBe(d > 1);
    const ref = bayesReference(p, { samples: 5000, seed });
    expect(ref.lower).toBeLessThanOrEqual(ref.approx);
    expect(ref.approx).toBeLessThanOrEqual(ref.upper);
    expect(ref.lower).toBeLessThanOrEqual(ref.upper);
    expect(zOutside(ref.estimate, ref.stderr, ref.lower, ref.upper), JSON.stringify(ref)).toBeLessThan(Z_MAX);
    // Independent evaluations: the Jensen bound as σ² + σ²·tr(H(MH + σ²Ψ⁻¹)⁻¹) with matrices,
    // the upper bound as the risk of optimal GD-β.
    const A = mul(p.H, identity(d));
    const PsiInv = solveMatrix(p.Psi, identity(d));
    for (let k = 0; k < d * d; k++) A.data[k] = M * A.data[k]! + p.sigma2 * PsiInv.data[k]!;
    expect(relDiff(ref.lower, p.sigma2 + p.sigma2 * trace(mul(p.H, solveMatrix(A, identity(d)))))).toBeLessThan(1e-11);
    expect(ref.upper).toBe(optimumGdBeta(p).risk);
    expect(ref.exact !== undefined).toBe(d === 1);
  });
});

describe('deterministic equivalent δ = Σ μ_i/(Mμ_i/(1 + δ) + σ²)', () => {
  /** Plain monotone fixed-point iteration from δ = 0 (increasing, converges to the root). */
  function fixedPoint(mu: number[], s2: number, M: number): number {
    let delta = 0;
    for (let it = 0; it < 1_000_000; it++) {
      let g = 0;
      for (const m of mu) g += m / ((M * m) / (1 + delta) + s2);
      if (Math.abs(g - delta) <= 1e-16 * g) return g;
      delta = g;
    }
    return delta;
  }
  const cases: { mu: number[]; s2: number; M: number }[] = [
    { mu: [1, 1, 1, 1, 1], s2: 0.25, M: 20 },
    { mu: [0.01, 0.3, 2, 40], s2: 0.1, M: 3 },
    { mu: [0, 0, 0.5, 7], s2: 1e-3, M: 2 },
    { mu: [1e-6, 1e3], s2: 5, M: 50 },
    { mu: [2, 3, 4, 5, 6, 7], s2: 1e-6, M: 4 }, // M < r, tiny noise: δ large
  ];
  it.each(cases)('μ = $mu, σ² = $s2, M = $M: residual ≤ 1e-14·δ and agreement with the fixed-point iteration', ({ mu, s2, M }) => {
    const { delta, approx } = bayesDeterministicEquivalent(mu, s2, M);
    let g = 0;
    for (const m of mu) g += m / ((M * m) / (1 + delta) + s2);
    expect(Math.abs(g - delta)).toBeLessThanOrEqual(1e-14 * delta);
    expect(relDiff(delta, fixedPoint(mu, s2, M))).toBeLessThan(1e-12);
    expect(approx).toBe(s2 * (1 + delta));
    expect(approx).toBeGreaterThanOrEqual(bayesLowerBound(mu, s2, M));
  });
  it('Ψ = 0 (all μ = 0): δ = 0', () => {
    expect(bayesDeterministicEquivalent([0, 0], 0.5, 3)).toEqual({ delta: 0, approx: 0.5 });
  });
});

describe('d = 1: exact quadrature', () => {
  /** e^{a}·E_n(a) = ∫₀^∞ e^{−au}(1 + u)^{−n}du, n integer ≥ 1 (Numerical Recipes `expint`: Lentz continued fraction for a > 1, series otherwise). */
  function scaledExpint(n: number, a: number): number {
    const EULER = 0.5772156649015329;
    const EPS = 1e-17;
    const nm1 = n - 1;
    if (a > 1) {
      let b = a + n;
      let c = 1 / 1e-300;
      let d = 1 / b;
      let h = d;
      for (let i = 1; i < 10_000; i++) {
        const an = -i * (nm1 + i);
        b += 2;
        d = 1 / (an * d + b);
        c = b + an / c;
        const del = c * d;
        h *= del;
        if (Math.abs(del - 1) < EPS) return h;
      }
      throw new Error('continued fraction did not converge');
    }
    let ans = nm1 !== 0 ? 1 / nm1 : -Math.log(a) - EULER;
    let fact = 1;
    for (let i = 1; i < 10_000; i++) {
      fact *= -a / i;
      let del: number;
      if (i !== nm1) {
        del = -fact / (i - nm1);
      } else {
        let psi = -EULER;
        for (let ii = 1; ii <= nm1; ii++) psi += 1 / ii;
        del = fact * (-Math.log(a) + psi);
      }
      ans += del;
      if (Math.abs(del) < Math.abs(ans) * EPS) return Math.exp(a) * ans;
    }
    throw new Error('series did not converge');
  }
  /** ∫₀^∞ e^{−au}(1 + u)^{−ν}du by the trapezoid rule in x = ln u (exponentially convergent for this analytic integrand). */
  function trapezoidLog(a: number, nu: number): number {
    const h = 0.01;
    const xMin = -40 - Math.max(0, Math.log(a));
    const xMax = Math.log(800 / a);
    let s = 0;
    for (let x = xMin; x <= xMax; x += h) {
      const u = Math.exp(x);
      s += Math.exp(x - a * u - nu * Math.log1p(u));
    }
    return s * h;
  }
  const riskFrom = (integral: number, s2: number): number => s2 + 0.5 * s2 * integral;

  it.each([
    { mu: 1, s2: 0.1, M: 2 },
    { mu: 5, s2: 0.5, M: 2 },
    { mu: 0.2, s2: 0.3, M: 4 },
    { mu: 3, s2: 0.01, M: 10 },
    { mu: 0.001, s2: 0.25, M: 20 },
    { mu: 40, s2: 1, M: 6 },
  ])('μ = $mu, σ² = $s2, M = $M (even): vs e^a·E_{M/2}(a) and the log-variable trapezoid', ({ mu, s2, M }) => {
    const a = s2 / (2 * mu);
    const exact = bayesExact1d(mu, s2, M);
    expect(relDiff(exact, riskFrom(scaledExpint(M / 2, a), s2))).toBeLessThan(QUAD_RTOL);
    expect(relDiff(exact, riskFrom(trapezoidLog(a, M / 2), s2))).toBeLessThan(QUAD_RTOL);
  });

  it.each([
    { mu: 1, s2: 0.2, M: 1 },
    { mu: 100, s2: 0.2, M: 1 }, // heavy tail: a = 1e-3, ν = 1/2
    { mu: 0.5, s2: 0.7, M: 3 },
    { mu: 2, s2: 0.05, M: 15 },
  ])('μ = $mu, σ² = $s2, M = $M (odd): vs the log-variable trapezoid', ({ mu, s2, M }) => {
    const a = s2 / (2 * mu);
    expect(relDiff(bayesExact1d(mu, s2, M), riskFrom(trapezoidLog(a, M / 2), s2))).toBeLessThan(QUAD_RTOL);
  });

  // Oracle: mpmath 1.x, 40 digits, R = σ² + (σ²/2)·quad(e^{−au}(1+u)^{−M/2}, [0, 1/(a+ν), 1, 10, …, 1/a, ∞])
  // with the inputs' exact binary values; for M = 1 also checked against √(π/a)·e^a·erfc(√a), for even
  // M against e^a·E_{M/2}(a) (mpmath expint).
  it.each([
    { mu: 1, s2: 0.2, M: 1, R: 0.60556507920419640939 },
    { mu: 100, s2: 0.2, M: 1, R: 5.610465624362425625 },
    { mu: 0.5, s2: 0.7, M: 3, R: 0.90515448705422886989 },
    { mu: 2, s2: 0.05, M: 15, R: 0.053837436782398090338 },
    { mu: 1e6, s2: 0.2, M: 1, R: 560.4991776763745181 },
    { mu: 1e4, s2: 1e-6, M: 1, R: 0.12533141373781655964 },
    // Regressions: mass far from the first panel's nodes (tiny a = σ²/(2μ), large or even M).
    { mu: 2e6, s2: 1e-3, M: 133, R: 0.0010076335877862299754 },
    { mu: 1e7, s2: 3e-3, M: 4, R: 0.0044999999950402868076 },
    { mu: 1e3, s2: 1e-5, M: 2000, R: 0.000010005005005004980748 },
  ])('μ = $mu, σ² = $s2, M = $M: vs a 40-digit mpmath oracle', ({ mu, s2, M, R }) => {
    expect(relDiff(bayesExact1d(mu, s2, M), R)).toBeLessThan(QUAD_RTOL);
  });

  it('vs Monte Carlo on χ²_M draws built from Gaussians, and vs the Wishart estimate (z < 5)', () => {
    for (const { h, psi2, s2, M, seed } of [
      { h: 1.7, psi2: 0.6, s2: 0.4, M: 3, seed: 41 },
      { h: 0.5, psi2: 2, s2: 0.1, M: 8, seed: 42 },
    ]) {
      const p = makeProblem({ d: 1, M, H: h, Psi: psi2, sigma2: s2, betaStar: 1.3 });
      const ref = bayesReference(p, { samples: 40_000, seed });
      const exact = ref.exact!;
      expect(relDiff(exact, bayesExact1d(h * psi2, s2, M))).toBe(0);
      // R = σ² + σ²·h·E[1/(hχ²_M + σ²/ψ²)], χ²_M = Σ of M squared N(0, 1).
      const rng = new Rng(seed + 1000);
      const n = 100_000;
      const vals = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        let chi = 0;
        for (let t = 0; t < M; t++) chi += rng.normal() ** 2;
        vals[k] = s2 + (s2 * h) / (h * chi + s2 / psi2);
      }
      const mc = meanStderr(vals);
      expect(zScore(mc.mean, mc.stderr, exact), `χ² MC ${mc.mean} ± ${mc.stderr} vs ${exact}`).toBeLessThan(Z_MAX);
      expect(zScore(ref.estimate, ref.stderr, exact), `Wishart ${ref.estimate} ± ${ref.stderr} vs ${exact}`).toBeLessThan(Z_MAX);
      expect(ref.lower).toBeLessThan(exact);
      expect(exact).toBeLessThan(ref.upper);
    }
  });

  it('limits: μ → 0 gives σ² + μ − Mμ²/σ² + O(μ³); Ψ = 0 gives exactly σ²', () => {
    const s2 = 0.5;
    const M = 4;
    const mu = 1e-4;
    // E[μ/(μχ² + σ²)] = μ/σ² − Mμ²/σ⁴ + O(μ³)
    const series = s2 + s2 * (mu / s2 - (M * mu * mu) / (s2 * s2) + ((M * M + 2 * M) * mu ** 3) / s2 ** 3);
    expect(relDiff(bayesExact1d(mu, s2, M), series)).toBeLessThan(1e-12);
    const p = makeProblem({ d: 1, M, H: 2, Psi: 0, sigma2: s2 });
    const ref = bayesReference(p, { samples: 100 });
    expect(ref.exact).toBe(s2);
    expect(ref.lower).toBe(s2);
    expect(ref.approx).toBe(s2);
    expect(ref.estimate).toBe(s2);
    expect(ref.stderr).toBe(0);
  });
});

describe('Wishart factor W = FFᵀ (Bartlett for M ≥ r, Gaussian Z for M < r)', () => {
  it.each([
    { r: 4, M: 7 },
    { r: 3, M: 3 },
    { r: 5, M: 2 },
  ])('r = $r, M = $M: E[W] = M·I, E[W_ij²] = M (i ≠ j), E[W_ii²] = M² + 2M, E[det W] = M!/(M−r)! (z < 5)', ({ r, M }) => {
    const rng = new Rng(100 + 10 * r + M);
    const k = Math.min(M, r);
    const F: Matrix = { rows: r, cols: k, data: new Float64Array(r * k) };
    const n = 40_000;
    const pairs = r * r;
    // Running sums of W_ij, W_ij², W_ij⁴ (for the standard errors of the first two moments) and det W.
    const s1 = new Float64Array(pairs);
    const s2 = new Float64Array(pairs);
    const s4 = new Float64Array(pairs);
    let det1 = 0;
    let det2 = 0;
    let upperNonZero = 0;
    for (let s = 0; s < n; s++) {
      const out = sampleWishartFactor(F, rng, M);
      if (s === 0) expect(out).toBe(F);
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < r; j++) {
          let w = 0;
          for (let t = 0; t < k; t++) w += F.data[i * k + t]! * F.data[j * k + t]!;
          const e = i * r + j;
          s1[e] += w;
          s2[e] += w * w;
          s4[e] += w ** 4;
        }
      }
      if (M >= r) {
        let dd = 1;
        for (let i = 0; i < r; i++) {
          dd *= F.data[i * r + i]! ** 2;
          for (let j = i + 1; j < r; j++) if (F.data[i * r + j] !== 0) upperNonZero++;
        }
        det1 += dd;
        det2 += dd * dd;
      }
    }
    const z = (sum: number, sumSq: number, expected: number): number => {
      const mean = sum / n;
      return zScore(mean, Math.sqrt((sumSq / n - mean * mean) / (n - 1)), expected);
    };
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < r; j++) {
        const e = i * r + j;
        expect(z(s1[e]!, s2[e]!, i === j ? M : 0), `E[W_${i}${j}]`).toBeLessThan(Z_MAX);
        expect(z(s2[e]!, s4[e]!, i === j ? M * M + 2 * M : M), `E[W_${i}${j}²]`).toBeLessThan(Z_MAX);
      }
    }
    if (M >= r) {
      expect(upperNonZero, 'Bartlett factor is lower triangular').toBe(0);
      let expected = 1;
      for (let i = 0; i < r; i++) expected *= M - i;
      expect(z(det1, det2, expected), 'E[det W]').toBeLessThan(Z_MAX);
    }
  });

  it('rejects a buffer of the wrong shape', () => {
    expect(() => sampleWishartFactor({ rows: 3, cols: 3, data: new Float64Array(9) }, new Rng(1), 2)).toThrow(InputError);
  });
});

describe('singular Ψ', () => {
  it('rank-2 Ψ in d = 4: two zero μ, bounds hold, estimate agrees with the square-root formula over sampled X and with the reduced problem', () => {
    const p = problemWithSpectra(51, 5, [0.4, 1, 2, 3], [0, 0, 0.7, 1.6], 0.2);
    const mu = bayesSpectrum(p);
    expect(mu[0]!).toBeLessThan(1e-12);
    expect(mu[1]!).toBeLessThan(1e-12);
    const ref = bayesReference(p, { samples: 20_000, seed: 4 });
    expect(Number.isFinite(ref.estimate)).toBe(true);
    expect(ref.lower).toBeLessThanOrEqual(ref.approx);
    expect(ref.approx).toBeLessThanOrEqual(ref.upper);
    expect(zOutside(ref.estimate, ref.stderr, ref.lower, ref.upper)).toBeLessThan(Z_MAX);
    // Direct: σ² + σ²·tr(HΨ^{½}(Ψ^{½}XᵀXΨ^{½} + σ²I)⁻¹Ψ^{½}) over X sampled from the prompt sampler.
    const { d, sigma2 } = p;
    const Ph = psdSqrt(p.Psi);
    const HPh = mul(p.H, Ph);
    const sampler = new PromptSampler(p, 9);
    const n = 20_000;
    const vals = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const X = sampler.next().X;
      const inner = plusScaledIdentity(mul(mul(Ph, mul(X, X, 'TN')), Ph), sigma2);
      vals[k] = sigma2 + sigma2 * trace(mul(HPh, mul(solveMatrix(inner, identity(d)), Ph)));
    }
    const direct = meanStderr(vals);
    expect(zDiff(direct, { mean: ref.estimate, stderr: ref.stderr })).toBeLessThan(Z_MAX);
    // Only the positive μ enter: the 2-dimensional problem with H = diag(μ₃, μ₄), Ψ = I has the same reference.
    const q = makeProblem({ d: 2, M: 5, H: [mu[2]!, mu[3]!], Psi: 1, sigma2 });
    const refQ = bayesReference(q, { samples: 20_000, seed: 4 });
    expect(relDiff(refQ.lower, ref.lower)).toBeLessThan(1e-12);
    expect(relDiff(refQ.approx, ref.approx)).toBeLessThan(1e-12);
    expect(relDiff(refQ.estimate, ref.estimate)).toBeLessThan(1e-12);
  });

  it('lower bound and approximation are continuous as Ψ + εI → Ψ', () => {
    const base = problemWithSpectra(52, 3, [0.5, 1, 2.5], [0, 0.4, 1.2], 0.3);
    const eps = 1e-9;
    const near = makeProblem({ d: 3, M: 3, H: toRows(base.H), Psi: toRows(plusScaledIdentity(base.Psi, eps)), sigma2: 0.3 });
    const muB = bayesSpectrum(base);
    const muN = bayesSpectrum(near);
    expect(Math.abs(bayesLowerBound(muB, 0.3, 3) - bayesLowerBound(muN, 0.3, 3))).toBeLessThan(1e-8);
    expect(Math.abs(bayesDeterministicEquivalent(muB, 0.3, 3).approx - bayesDeterministicEquivalent(muN, 0.3, 3).approx)).toBeLessThan(1e-8);
  });
});

describe('σ² = 0 policy and option validation', () => {
  it('σ² = 0 is rejected with an InputError naming sigma2', () => {
    const p = makeProblem({ d: 2, M: 5, sigma2: 0 });
    let err: unknown;
    try {
      bayesReference(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe('sigma2');
    expect(() => bayesExact1d(1, 0, 3)).toThrow(InputError);
    expect(() => bayesLowerBound([1], 0, 3)).toThrow(InputError);
  });
  it('bad samples / seed are InputErrors', () => {
    const p = makeProblem({ d: 2, M: 5, sigma2: 0.1 });
    expect(() => bayesReference(p, { samples: 1 })).toThrow(InputError);
    expect(() => bayesReference(p, { samples: 2.5 })).toThrow(InputError);
    expect(() => bayesReference(p, { seed: -1 })).toThrow(InputError);
  });
  it('the same seed reproduces the estimate; the Monte Carlo routine agrees with the reference', () => {
    const p = makeProblem({ d: 3, M: 4, H: [1, 2, 3], Psi: 0.5, sigma2: 0.2 });
    const a = bayesReference(p, { samples: 300, seed: 8 });
    const b = bayesMonteCarlo(bayesSpectrum(p), 0.2, 4, { samples: 300, seed: 8 });
    expect(b.estimate).toBe(a.estimate);
    expect(b.stderr).toBe(a.stderr);
  });
});
