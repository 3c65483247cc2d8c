import { describe, expect, it } from 'vitest';
import { Rng, gemm, solveMatrix, identity, type Matrix } from '../../src/linalg/index.js';
import { makeProblem, type GdBeta } from '../../src/models/index.js';
import { monteCarloRisk, optimumGd0, optimumGdBeta, riskGdBeta } from '../../src/risk/index.js';
import { along, directionalDerivative, inner } from '../helpers/finiteDiff.js';
import { randomGd0, randomGdBeta, randomProblem, randomVector, relDiff, relDiffArray, toRows } from '../helpers/problems.js';
import { Z_MAX, zScore } from '../helpers/stats.js';

const FD_RTOL = 1e-6;

describe('GD-β closed-form risk (math.md §3.1) against Monte Carlo through the forward pass', () => {
  const cases = [
    { seed: 11, d: 1, M: 3 },
    { seed: 12, d: 3, M: 7 },
    { seed: 13, d: 5, M: 20 },
    { seed: 14, d: 4, M: 1 },
  ];
  it.each(cases)('random problem and parameters, seed $seed d=$d M=$M', ({ seed, d, M }) => {
    const rng = new Rng(seed);
    const p = randomProblem(rng, d, M, { betaScale: 2 });
    for (const est of [randomGdBeta(rng, d), randomGd0(rng, d), optimumGdBeta(p).estimator, optimumGd0(p).estimator]) {
      const exact = riskGdBeta(p, est).risk;
      const mc = monteCarloRisk(p, est, { samples: 60_000, seed: seed * 7 + 1 });
      expect(zScore(mc.mean, mc.stderr, exact), `${est.kind}: MC ${mc.mean} ± ${mc.stderr} vs exact ${exact}`).toBeLessThan(Z_MAX);
    }
  });
});

describe('GD-β gradients against central finite differences', () => {
  it.each([1, 2, 4, 6])('d=%i, general Ψ and Ψ = ψ²I', (d) => {
    const rng = new Rng(100 + d);
    for (const iso of [false, true]) {
      const base = randomProblem(rng, d, 5, { betaScale: 1.5 });
      const p = iso ? makeProblem({ d, M: 5, H: toRows(base.H), Psi: 0.7, betaStar: Array.from(base.betaStar), sigma2: 0.2 }) : base;
      expect(p.psiIsotropic !== null).toBe(iso || d === 1); // a 1×1 Ψ is always ψ²I
      const g = randomGdBeta(rng, d);
      const r = riskGdBeta(p, g);
      const vG = randomVector(rng, d * d);
      const vB = randomVector(rng, d);
      const f = (t: number): number =>
        riskGdBeta(p, { kind: 'gd-beta', Gamma: { rows: d, cols: d, data: along(g.Gamma.data, vG, t) }, beta0: along(g.beta0, vB, t) }).risk;
      const fd = directionalDerivative(f, 1e-3);
      const an = inner(r.gradGamma.data, vG) + inner(r.gradBeta0, vB);
      expect(relDiff(fd, an)).toBeLessThan(FD_RTOL);
    }
  });
});

function mul(A: Matrix, B: Matrix): Matrix {
  return gemm({ rows: A.rows, cols: B.cols, data: new Float64Array(A.rows * B.cols) }, A, B);
}

describe('optimal GD-β and GD-0 (math.md §3.2)', () => {
  it('zero gradient at the optimum, β₀* = β*, and R(Γ*, β*) ≤ R at random perturbations', () => {
    const rng = new Rng(7);
    for (const d of [1, 3, 5]) {
      const p = randomProblem(rng, d, 9, { betaScale: 3 });
      const opt = optimumGdBeta(p);
      const r = riskGdBeta(p, opt.estimator);
      expect(relDiff(r.risk, opt.risk)).toBeLessThan(1e-12);
      const scale = Math.max(...p.lambda) ** 2 * 10;
      for (const x of r.gradGamma.data) expect(Math.abs(x)).toBeLessThan(1e-10 * scale);
      for (const x of r.gradBeta0) expect(Math.abs(x)).toBeLessThan(1e-10 * scale);
      expect(relDiffArray(opt.estimator.beta0, p.betaStar)).toBe(0);
      for (let k = 0; k < 20; k++) {
        const pert: GdBeta = {
          kind: 'gd-beta',
          Gamma: { rows: d, cols: d, data: along(opt.estimator.Gamma.data, randomVector(rng, d * d), 1e-3) },
          beta0: along(opt.estimator.beta0, randomVector(rng, d), 1e-3),
        };
        expect(riskGdBeta(p, pert).risk).toBeGreaterThanOrEqual(opt.risk);
      }
      // β₀* = β* for every Γ: the β₀-gradient vanishes at β₀ = β* whatever Γ is.
      const g = randomGdBeta(rng, d);
      const atStar = riskGdBeta(p, { ...g, beta0: Float64Array.from(p.betaStar) });
      for (const x of atStar.gradBeta0) expect(Math.abs(x)).toBe(0);
    }
  });

  it('Ψ = ψ²I: Γ* = M((M+1)H + sI)⁻¹ and R* = σ² + ψ²Σλ(λ+s)/((M+1)λ+s), s = tr H + σ²/ψ²', () => {
    const rng = new Rng(8);
    const d = 4;
    const M = 6;
    const base = randomProblem(rng, d, M);
    const psi2 = 0.8;
    const sigma2 = 0.3;
    const p = makeProblem({ d, M, H: toRows(base.H), Psi: psi2, betaStar: 2, sigma2 });
    const s = p.trH + sigma2 / psi2;
    const A = identity(d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A.data[i * d + j] = (M + 1) * p.H.data[i * d + j]! + (i === j ? s : 0);
    const expected = solveMatrix(A, identity(d));
    for (let k = 0; k < d * d; k++) expected.data[k] *= M;
    const opt = optimumGdBeta(p);
    expect(relDiffArray(opt.estimator.Gamma.data, expected.data)).toBeLessThan(1e-12);
    let R = sigma2;
    for (const l of p.lambda) R += psi2 * (l * (l + s)) / ((M + 1) * l + s);
    expect(relDiff(opt.risk, R)).toBeLessThan(1e-13);
  });

  it('MHM Thm 1: H = Ψ = I, β* = 0 → Γ* = ηI, η = M/(M + d + 1 + σ²)', () => {
    for (const [d, M, sigma2] of [[3, 10, 0.5], [5, 20, 0], [1, 1, 2]] as const) {
      const p = makeProblem({ d, M, H: 1, Psi: 1, betaStar: 0, sigma2 });
      const eta = M / (M + d + 1 + sigma2);
      for (const opt of [optimumGdBeta(p), optimumGd0(p)]) {
        for (let i = 0; i < d; i++) {
          for (let j = 0; j < d; j++) expect(Math.abs(opt.estimator.Gamma.data[i * d + j]! - (i === j ? eta : 0))).toBeLessThan(1e-14);
        }
      }
    }
  });

  it('MHM Thm 2: H = Σ, Ψ = Σ⁻¹ → Γ* = ηΣ⁻¹ and R* = σ² + d(d+1+σ²)/(M+d+1+σ²) for every Σ', () => {
    const rng = new Rng(9);
    for (const [d, M, sigma2] of [[3, 10, 0.5], [5, 4, 0.1]] as const) {
      const Sigma = randomProblem(rng, d, M, { logCondH: 2 }).H;
      const SigmaInv = solveMatrix(Sigma, identity(d));
      const sym = toRows(SigmaInv).map((row, i) => row.map((_, j) => 0.5 * (SigmaInv.data[i * d + j]! + SigmaInv.data[j * d + i]!)));
      const p = makeProblem({ d, M, H: toRows(Sigma), Psi: sym, betaStar: 0, sigma2 });
      const eta = M / (M + d + 1 + sigma2);
      const opt = optimumGd0(p);
      const expected = SigmaInv.data.map((x) => eta * x);
      expect(relDiffArray(opt.estimator.Gamma.data, expected)).toBeLessThan(1e-11);
      expect(relDiff(opt.risk, sigma2 + (d * (d + 1 + sigma2)) / (M + d + 1 + sigma2))).toBeLessThan(1e-12);
    }
  });

  it('ZFB/ACDS: Ψ = I, σ = 0, β* = 0 → Γ* = ((1 + 1/M)H + (tr H/M)I)⁻¹', () => {
    const rng = new Rng(10);
    const d = 4;
    const M = 7;
    const H = randomProblem(rng, d, M, { logCondH: 1.5 }).H;
    const p = makeProblem({ d, M, H: toRows(H), Psi: 1, betaStar: 0, sigma2: 0 });
    const A = identity(d);
    let trH = 0;
    for (let i = 0; i < d; i++) trH += H.data[i * d + i]!;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A.data[i * d + j] = (1 + 1 / M) * H.data[i * d + j]! + (i === j ? trH / M : 0);
    const expected = solveMatrix(A, identity(d));
    expect(relDiffArray(optimumGd0(p).estimator.Gamma.data, expected.data)).toBeLessThan(1e-12);
    // the stationarity of §3.5: Γ*𝒜 = KH, checked by multiplication
    const G = optimumGd0(p).estimator.Gamma;
    const GA = mul(G, A);
    expect(relDiffArray(GA.data, identity(d).data)).toBeLessThan(1e-12);
  });

  it('reference values of math.md §5.2: d=5, M=20, H=I, Ψ=I, σ²=0.25, β*=10·𝟙 → GD-β* 1.4405, GD-0* 49.8190', () => {
    const p = makeProblem({ d: 5, M: 20, H: 1, Psi: 1, betaStar: 10, sigma2: 0.25 });
    expect(Math.abs(optimumGdBeta(p).risk - 1.4405)).toBeLessThan(5e-5);
    expect(Math.abs(optimumGd0(p).risk - 49.819)).toBeLessThan(5e-5);
  });
});
