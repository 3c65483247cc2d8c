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
import type { Matrix } from '../../src/linalg/index.js';
import * as kit from '../../src/testing/spectra.js';

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

/**
 * The generators shared with users live in src/testing (the `linear-icl/testing` kit): sizes,
 * seeds, Gaussian matrices, log-uniform spectra with an exact condition number, Haar orthogonal,
 * symmetric (`spectralArb`, `spdArb`) and general (`generalSquareArb`) matrices. They are
 * re-exported here unchanged (same streams), so there is one set of arbitraries. Imported from
 * the kit's spectra module rather than its face, so the linalg tests do not load models/risk.
 */
export {
  sizeArb, seedArb, gaussianMatrix, logUniformSpectrum, orthogonalArb, spectralArb, spdArb, generalSquareArb,
} from '../../src/testing/spectra.js';
export type { SpectralCase, SpectralOptions } from '../../src/testing/spectra.js';

/** Doubles in [−bound, bound], never NaN or ±∞, subnormals included (the kit's `boundedDouble`). */
export function boundedDouble(bound = 1): fc.Arbitrary<number> {
  return kit.boundedDouble({ bound });
}

/** A `rows × cols` matrix with entries from `boundedDouble(bound)` (the kit's `matrixArb`). */
export function matrixArb(rows: number, cols: number, bound = 1): fc.Arbitrary<Matrix> {
  return kit.matrixArb(rows, cols, { bound });
}

/** A vector of length n with entries from `boundedDouble(bound)` (the kit's `vectorArb`). */
export function vectorArb(n: number, bound = 1): fc.Arbitrary<Float64Array> {
  return kit.vectorArb(n, { bound });
}
