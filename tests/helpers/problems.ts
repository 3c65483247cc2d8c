/**
 * Random problems and estimators for the models/risk tests. Problems are built by the kit's
 * seeded constructor (src/testing `randomProblem`: Haar eigenvectors, Ψ of a kind, validation by
 * makeProblem), so the tests and users' suites share one generator. The recipe below keeps this
 * helper's original draws — log-evenly spaced spectra jittered by ±0.15 decades, β* entries
 * iid N(0, betaScale²) — because tests pin seeds to these exact problems (e.g. the LTB flow of
 * tests/flow/attentionFlow.test.ts from Rng(3) ends in the global basin; about a quarter of
 * random problems end in a spurious one from that start). New tests should prefer the kit's
 * `problemArb` / `randomProblem` with its exact condition numbers.
 */
import type { Matrix, Rng } from '../../src/linalg/index.js';
import type { GdBeta, Gd0, Lsa, Ltb, Problem } from '../../src/models/index.js';
import { gaussianMatrix, randomProblem as kitRandomProblem } from '../../src/testing/index.js';

export interface RandomProblemOptions {
  /** log10 of cond(H), up to the ±0.3-decade jitter of the spectrum. @defaultValue 1 */
  logCondH?: number;
  /** log10 of cond(Ψ), likewise. @defaultValue 1 */
  logCondPsi?: number;
  /** ‖β*‖ scale (each entry ~ N(0, scale²)). @defaultValue 1 */
  betaScale?: number;
  /** σ². @defaultValue 0.3 */
  sigma2?: number;
  masked?: boolean;
}

/** n values scale·10^(−logCond·i/(n−1) + 0.3·(u_i − ½)), one uniform each (the original draws). */
function jitteredSpectrum(logCond: number, scale: number): (rng: Rng, n: number) => Float64Array {
  return (rng, n) => {
    const l = new Float64Array(n);
    for (let i = 0; i < n; i++) l[i] = scale * 10 ** (-logCond * (n === 1 ? 0 : i / (n - 1)) + 0.3 * (rng.uniform() - 0.5));
    return l;
  };
}

export function toRows(A: Matrix): number[][] {
  return Array.from({ length: A.rows }, (_, i) => Array.from(A.data.subarray(i * A.cols, (i + 1) * A.cols)));
}

/** A problem with H ≈ cond 10^logCondH (λ_max ≈ 1), a general Ψ ≈ cond 10^logCondPsi (λ_max ≈ 0.5). */
export function randomProblem(rng: Rng, d: number, M: number, o: RandomProblemOptions = {}): Problem {
  const { logCondH = 1, logCondPsi = 1, betaScale = 1, sigma2 = 0.3, masked = true } = o;
  return kitRandomProblem(rng, {
    d, M, psi: 'general', sigma2, masked,
    lambdaH: jitteredSpectrum(logCondH, 1),
    muPsi: jitteredSpectrum(logCondPsi, 0.5),
    betaStar: (r, n) => Array.from({ length: n }, () => betaScale * r.normal()),
  });
}

/** iid N(0, scale²) entries (the kit's `gaussianMatrix`). */
export function randomMatrix(rng: Rng, rows: number, cols: number, scale = 1): Matrix {
  return gaussianMatrix(rng, rows, cols, scale);
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
