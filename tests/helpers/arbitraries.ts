/**
 * Shared fast-check arbitraries for the numerical tests: sizes, bounded doubles, log-uniform
 * spectra, Haar orthogonal matrices and symmetric matrices `Q·diag(λ)·Qᵀ` with a prescribed
 * condition number — well-conditioned by construction, so the tolerances mean something.
 *
 * Random matrices are built from a drawn integer seed with the library's portable `Rng`, so a
 * failing case is reproduced exactly by fast-check's reported seed/path. To replay a run, set
 * `FC_SEED=<seed>` (and optionally `FC_PATH=<path>`) in the environment; `propertyParams`
 * passes them on.
 *
 * `itProp` is the property-test entry point (same shape as @fast-check/vitest's `test.prop`):
 * under vitest 4, importing @fast-check/vitest costs ≈ 4 s per test file (it is inlined and
 * transformed together with fast-check), which alone would exceed the linalg test budget.
 */
import fc from 'fast-check';
import { it } from 'vitest';
import { Rng, randomOrthogonal, spdFromSpectrum, type Matrix } from '../../src/linalg/index.js';

/**
 * fast-check parameters for `test.prop`/`fc.assert`: `numRuns`, plus the seed and path from
 * `FC_SEED`/`FC_PATH` when set (replay of a reported failure).
 */
export function propertyParams(numRuns: number): { numRuns: number; seed?: number; path?: string } {
  const seed = process.env.FC_SEED;
  const path = process.env.FC_PATH;
  return {
    numRuns,
    ...(seed !== undefined && seed !== '' ? { seed: Number(seed) } : {}),
    ...(path !== undefined && path !== '' ? { path } : {}),
  };
}

/**
 * `itProp([arb1, arb2, …], params)(name, (v1, v2, …) => …)` registers a vitest test that runs
 * `fc.assert(fc.property(arb1, arb2, …, predicate), params)`. On failure fast-check reports the
 * seed and the shrink path (replay with FC_SEED / FC_PATH) and the minimal counterexample.
 */
export function itProp<Ts extends unknown[]>(
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  params: fc.Parameters<[Ts]> = {},
): (name: string, predicate: (...args: Ts) => boolean | void) => void {
  return (name, predicate) => {
    it(name, () => {
      const tuple = fc.tuple(...(arbitraries as unknown as fc.Arbitrary<unknown>[])) as unknown as fc.Arbitrary<Ts>;
      fc.assert(fc.property(tuple, (args) => predicate(...args)), params as fc.Parameters<[Ts]>);
    });
  };
}

/** Matrix order / vector length, drawn as its own parameter (shrinks towards `min`). */
export function sizeArb(min = 1, max = 40): fc.Arbitrary<number> {
  return fc.integer({ min, max });
}

/** A seed for `new Rng(seed)`. */
export const seedArb: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0x7fffffff });

/** Doubles in [−bound, bound], never NaN or ±∞ (fast-check DoubleConstraints). */
export function boundedDouble(bound = 1): fc.Arbitrary<number> {
  return fc.double({ min: -bound, max: bound, noNaN: true, noDefaultInfinity: true });
}

/** A `rows × cols` matrix with entries from `boundedDouble(bound)`. */
export function matrixArb(rows: number, cols: number, bound = 1): fc.Arbitrary<Matrix> {
  return fc
    .array(boundedDouble(bound), { minLength: rows * cols, maxLength: rows * cols })
    .map((xs) => ({ rows, cols, data: Float64Array.from(xs) }));
}

/** A vector of length n with entries from `boundedDouble(bound)`. */
export function vectorArb(n: number, bound = 1): fc.Arbitrary<Float64Array> {
  return fc.array(boundedDouble(bound), { minLength: n, maxLength: n }).map((xs) => Float64Array.from(xs));
}

/** A Gaussian `rows × cols` matrix from `rng` (iid N(0, scale²)). */
export function gaussianMatrix(rng: Rng, rows: number, cols: number, scale = 1): Matrix {
  const data = rng.fillNormal(new Float64Array(rows * cols));
  if (scale !== 1) for (let i = 0; i < data.length; i++) data[i] *= scale;
  return { rows, cols, data };
}

/**
 * n values, log-uniform in [scale/cond, scale], with the two ends attained exactly (n ≥ 2), so
 * the spectral condition number is exactly `cond`; shuffled order. With `signs`, each value gets
 * a random sign (a symmetric indefinite spectrum with |λ| in the same range).
 */
export function logUniformSpectrum(rng: Rng, n: number, cond: number, options: { scale?: number; signs?: boolean } = {}): Float64Array {
  const { scale = 1, signs = false } = options;
  const l = new Float64Array(n);
  const logCond = Math.log(cond);
  for (let i = 0; i < n; i++) {
    const u = i === 0 ? 0 : i === 1 ? 1 : rng.uniform();
    l[i] = scale * Math.exp(-logCond * u);
  }
  if (n >= 2) l[1] = scale / cond;
  // Fisher–Yates, so the extreme values are not always the first two eigenvectors.
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = l[i];
    l[i] = l[j];
    l[j] = t;
  }
  if (signs) for (let i = 0; i < n; i++) if (rng.uniform() < 0.5) l[i] = -l[i];
  return l;
}

/** A Haar orthogonal `n × n` matrix drawn from a seed. */
export function orthogonalArb(n: number): fc.Arbitrary<Matrix> {
  return seedArb.map((seed) => randomOrthogonal(new Rng(seed), n));
}

/** A symmetric test matrix with known eigen-structure. */
export interface SpectralCase {
  readonly n: number;
  /** `Q·diag(lambda)·Qᵀ`, exactly symmetric. */
  readonly A: Matrix;
  /** Haar orthogonal eigenvector matrix, shape [n, n]. */
  readonly Q: Matrix;
  /** Eigenvalues in construction order (column k of Q ↔ lambda[k]). */
  readonly lambda: Float64Array;
  /** max|λ| / min|λ| (exact by construction). */
  readonly cond: number;
  /** max|λ| = ‖A‖₂. */
  readonly norm: number;
  readonly seed: number;
}

/** Options of `spectralArb`. */
export interface SpectralOptions {
  /** @defaultValue 1 */
  readonly minSize?: number;
  /** @defaultValue 40 */
  readonly maxSize?: number;
  /** Largest log₁₀ of the condition number. @defaultValue 8 */
  readonly maxLog10Cond?: number;
  /** Random eigenvalue signs (symmetric indefinite). @defaultValue false (SPD) */
  readonly indefinite?: boolean;
  /** Largest |log₁₀| of the overall scale max|λ|. @defaultValue 0 (max|λ| = 1) */
  readonly maxLog10Scale?: number;
}

/**
 * Symmetric matrices `Q·diag(λ)·Qᵀ` with Haar Q and log-uniform |λ| whose condition number is
 * exactly 10^c for a drawn c ∈ [0, maxLog10Cond]; SPD unless `indefinite`. The size, the
 * condition exponent, the scale and the seed are separate parameters, so shrinking reduces n
 * and κ first.
 */
export function spectralArb(options: SpectralOptions = {}): fc.Arbitrary<SpectralCase> {
  const { minSize = 1, maxSize = 40, maxLog10Cond = 8, indefinite = false, maxLog10Scale = 0 } = options;
  return fc
    .record({
      n: sizeArb(minSize, maxSize),
      log10Cond: fc.double({ min: 0, max: maxLog10Cond, noNaN: true }),
      log10Scale: maxLog10Scale > 0 ? fc.double({ min: -maxLog10Scale, max: maxLog10Scale, noNaN: true }) : fc.constant(0),
      seed: seedArb,
    })
    .map(({ n, log10Cond, log10Scale, seed }) => {
      const rng = new Rng(seed);
      const cond = n === 1 ? 1 : 10 ** log10Cond;
      const norm = 10 ** log10Scale;
      const Q = randomOrthogonal(rng, n);
      const lambda = logUniformSpectrum(rng, n, cond, { scale: norm, signs: indefinite });
      return { n, A: spdFromSpectrum(Q, lambda), Q, lambda, cond, norm, seed };
    });
}

/** SPD matrices with condition number up to 10^maxLog10Cond (see `spectralArb`). */
export function spdArb(options: Omit<SpectralOptions, 'indefinite'> = {}): fc.Arbitrary<SpectralCase> {
  return spectralArb({ ...options, indefinite: false });
}

/**
 * General square matrices `U·diag(σ)·Vᵀ` (U, V Haar, σ log-uniform) with 2-norm condition
 * number exactly 10^c, c ≤ maxLog10Cond: a well-posed test input for LU solves.
 */
export function generalSquareArb(options: { minSize?: number; maxSize?: number; maxLog10Cond?: number } = {}): fc.Arbitrary<{ n: number; A: Matrix; cond: number; seed: number }> {
  const { minSize = 1, maxSize = 40, maxLog10Cond = 8 } = options;
  return fc
    .record({ n: sizeArb(minSize, maxSize), log10Cond: fc.double({ min: 0, max: maxLog10Cond, noNaN: true }), seed: seedArb })
    .map(({ n, log10Cond, seed }) => {
      const rng = new Rng(seed);
      const cond = n === 1 ? 1 : 10 ** log10Cond;
      const U = randomOrthogonal(rng, n);
      const V = randomOrthogonal(rng, n);
      const s = logUniformSpectrum(rng, n, cond);
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let t = 0;
          for (let k = 0; k < n; k++) t += U.data[i * n + k] * s[k] * V.data[j * n + k];
          A[i * n + j] = t;
        }
      }
      return { n, A: { rows: n, cols: n, data: A }, cond, seed };
    });
}
