/**
 * Random problems and estimators for the models/risk tests, built by construction from a seeded
 * Rng: H = Q·diag(λ)·Qᵀ and Ψ = R·diag(μ)·Rᵀ with log-uniform spectra, β* and weights Gaussian.
 */
import { Rng, randomOrthogonal, spdFromSpectrum, type Matrix } from '../../src/linalg/index.js';
import { makeProblem, type GdBeta, type Gd0, type Lsa, type Ltb, type Problem } from '../../src/models/index.js';

export interface RandomProblemOptions {
  /** log10 of cond(H). @defaultValue 1 */
  logCondH?: number;
  /** log10 of cond(Ψ). @defaultValue 1 */
  logCondPsi?: number;
  /** ‖β*‖ scale (each entry ~ N(0, scale²)). @defaultValue 1 */
  betaScale?: number;
  /** σ². @defaultValue 0.3 */
  sigma2?: number;
  masked?: boolean;
}

export function logUniformSpectrum(rng: Rng, n: number, logCond: number, scale = 1): Float64Array {
  const l = new Float64Array(n);
  for (let i = 0; i < n; i++) l[i] = scale * 10 ** (-logCond * (n === 1 ? 0 : i / (n - 1)) + 0.3 * (rng.uniform() - 0.5));
  return l;
}

export function toRows(A: Matrix): number[][] {
  return Array.from({ length: A.rows }, (_, i) => Array.from(A.data.subarray(i * A.cols, (i + 1) * A.cols)));
}

export function randomProblem(rng: Rng, d: number, M: number, o: RandomProblemOptions = {}): Problem {
  const { logCondH = 1, logCondPsi = 1, betaScale = 1, sigma2 = 0.3, masked = true } = o;
  const H = spdFromSpectrum(randomOrthogonal(rng, d), logUniformSpectrum(rng, d, logCondH));
  const Psi = spdFromSpectrum(randomOrthogonal(rng, d), logUniformSpectrum(rng, d, logCondPsi, 0.5));
  const betaStar = Array.from({ length: d }, () => betaScale * rng.normal());
  return makeProblem({ d, M, H: toRows(H), Psi: toRows(Psi), betaStar, sigma2, masked });
}

export function randomMatrix(rng: Rng, rows: number, cols: number, scale = 1): Matrix {
  const data = new Float64Array(rows * cols);
  for (let k = 0; k < data.length; k++) data[k] = scale * rng.normal();
  return { rows, cols, data };
}

export function randomVector(rng: Rng, n: number, scale = 1): Float64Array {
  const v = new Float64Array(n);
  for (let k = 0; k < n; k++) v[k] = scale * rng.normal();
  return v;
}

export function randomGdBeta(rng: Rng, d: number, scale = 0.3): GdBeta {
  return { kind: 'gd-beta', Gamma: randomMatrix(rng, d, d, scale), beta0: randomVector(rng, d) };
}

export function randomGd0(rng: Rng, d: number, scale = 0.3): Gd0 {
  return { kind: 'gd-0', Gamma: randomMatrix(rng, d, d, scale) };
}

export function randomLsa(rng: Rng, d: number, scale = 0.3): Lsa {
  return { kind: 'lsa', WKQ: randomMatrix(rng, d + 1, d + 1, scale), WPV: randomMatrix(rng, d + 1, d + 1, scale) };
}

export function randomLtb(rng: Rng, d: number, df = 2, scale = 0.3): Ltb {
  return {
    kind: 'ltb',
    WKQ: randomMatrix(rng, d + 1, d + 1, scale),
    WPV: randomMatrix(rng, d + 1, d + 1, scale),
    W1: randomMatrix(rng, df, d + 1, scale),
    W2: randomMatrix(rng, df, d + 1, scale),
  };
}

/** Relative difference |a − b| / max(|a|, |b|, floor). */
export function relDiff(a: number, b: number, floor = 1e-300): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

/** max_k |a_k − b_k| / max(max|a|, max|b|). */
export function relDiffArray(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < a.length; k++) {
    num = Math.max(num, Math.abs(a[k]! - b[k]!));
    den = Math.max(den, Math.abs(a[k]!), Math.abs(b[k]!));
  }
  return den === 0 ? num : num / den;
}
