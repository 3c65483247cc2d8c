import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import {
  NonFiniteError,
  NotPositiveDefiniteError,
  NotSymmetricError,
  Rng,
  ShapeError,
  conditionNumberSPD,
  eigh,
  eigvalsh,
  invSqrtm,
  randomOrthogonal,
  spdFromSpectrum,
  sqrtm,
  symmetricFunction,
  toRows,
  type Matrix,
} from '../../src/linalg/index.js';
import { TOL, maxAbsDiff, naiveProduct } from '../helpers/tolerance.js';
import { propertyParams, seedArb, spdArb, spectralArb, itProp } from '../helpers/arbitraries.js';

const mat = (n: number, data: number[]): Matrix => ({ rows: n, cols: n, data: Float64Array.from(data) });

/** max_ij |(AV − VΛ)_ij|, ‖VᵀV − I‖_max, and the sign convention, computed naively. */
function checkDecomposition(A: Matrix, values: Float64Array, V: Matrix): { residual: number; orthogonality: number; signsOk: boolean } {
  const n = A.rows;
  const AV = naiveProduct(A, V);
  let residual = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) residual = Math.max(residual, Math.abs(AV.data[i * n + k] - V.data[i * n + k] * values[k]));
  const VtV = naiveProduct(V, V, 'TN');
  let orthogonality = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) orthogonality = Math.max(orthogonality, Math.abs(VtV.data[i * n + k] - (i === k ? 1 : 0)));
  let signsOk = true;
  for (let k = 0; k < n; k++) {
    let big = 0;
    let at = 0;
    for (let i = 0; i < n; i++) {
      if (Math.abs(V.data[i * n + k]) > big) {
        big = Math.abs(V.data[i * n + k]);
        at = i;
      }
    }
    if (V.data[at * n + k] < 0) signsOk = false;
  }
  return { residual, orthogonality, signsOk };
}

describe('eigh', () => {
  itProp([spectralArb({ maxSize: 40, maxLog10Cond: 8, indefinite: true, maxLog10Scale: 100 })], propertyParams(60))(
    'AV = VΛ, VᵀV = I and λ within c·n·EPS·‖A‖ of the constructed spectrum (Weyl), at any scale',
    ({ n, A, lambda, norm }) => {
      const { values, vectors } = eigh(A);
      for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
      const sorted = Float64Array.from(lambda).sort();
      expect(maxAbsDiff(values, sorted)).toBeLessThanOrEqual(TOL.eigenPerN * n * norm);
      const { residual, orthogonality, signsOk } = checkDecomposition(A, values, vectors);
      expect(residual).toBeLessThanOrEqual(TOL.eigenPerN * n * norm);
      expect(orthogonality).toBeLessThanOrEqual(TOL.orthogonalityPerN * n);
      expect(signsOk).toBe(true);
      expect(Array.from(eigvalsh(A))).toEqual(Array.from(values));
    },
  );

  itProp([fc.integer({ min: 2, max: 30 }), seedArb], propertyParams(40))(
    'eigenvectors of a well-separated spectrum match the construction up to c·n·EPS·‖A‖/gap',
    (n, seed) => {
      const rng = new Rng(seed);
      const Q = randomOrthogonal(rng, n);
      const lambda = Float64Array.from({ length: n }, (_, i) => i + 1); // gaps of 1, ‖A‖ = n
      const A = spdFromSpectrum(Q, lambda);
      const { vectors: V } = eigh(A);
      for (let k = 0; k < n; k++) {
        let c = 0;
        for (let i = 0; i < n; i++) c += V.data[i * n + k] * Q.data[i * n + k];
        expect(1 - Math.abs(c)).toBeLessThanOrEqual(TOL.eigenPerN * n * n);
      }
    },
  );

  itProp([spectralArb({ maxSize: 30, maxLog10Cond: 6, indefinite: true })], propertyParams(30))(
    'eigenvalues agree with ml-matrix EigenvalueDecomposition (independent oracle)',
    ({ n, A, norm }) => {
      const theirs = new EigenvalueDecomposition(new MlMatrix(toRows(A)), { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b);
      expect(maxAbsDiff(eigh(A).values, theirs)).toBeLessThanOrEqual(2 * TOL.eigenPerN * n * norm);
    },
  );

  itProp([fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 4 }), seedArb], propertyParams(40))(
    'repeated eigenvalues (clusters of exact multiplicity) still give an orthonormal basis',
    (n, distinct, seed) => {
      const rng = new Rng(seed);
      const Q = randomOrthogonal(rng, n);
      const lambda = Float64Array.from({ length: n }, (_, i) => (i % distinct) - 1);
      const A = spdFromSpectrum(Q, lambda);
      const { values, vectors } = eigh(A);
      const { residual, orthogonality } = checkDecomposition(A, values, vectors);
      expect(residual).toBeLessThanOrEqual(TOL.eigenPerN * n * 2);
      expect(orthogonality).toBeLessThanOrEqual(TOL.orthogonalityPerN * n);
      expect(maxAbsDiff(values, Float64Array.from(lambda).sort())).toBeLessThanOrEqual(TOL.eigenPerN * n * 2);
    },
  );

  it('known answers and edge cases: 2×2, 1×1, 0×0, zero, diagonal, tridiagonal, tiny and huge scales', () => {
    const r = eigh(mat(2, [2, 1, 1, 2]));
    expect(Math.abs(r.values[0] - 1)).toBeLessThanOrEqual(4 * TOL.eigenPerN);
    expect(Math.abs(r.values[1] - 3)).toBeLessThanOrEqual(4 * TOL.eigenPerN);
    const h = Math.SQRT1_2;
    expect(maxAbsDiff(r.vectors.data, [h, h, -h, h])).toBeLessThanOrEqual(4 * TOL.eigenPerN);

    expect(Array.from(eigh(mat(1, [-3])).values)).toEqual([-3]);
    expect(Array.from(eigh(mat(1, [-3])).vectors.data)).toEqual([1]);
    const empty = eigh(mat(0, []));
    expect([empty.values.length, empty.vectors.rows]).toEqual([0, 0]);
    const zero = eigh(mat(3, [0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(Array.from(zero.values)).toEqual([0, 0, 0]);
    expect(Array.from(zero.vectors.data)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);

    const D = eigh(mat(3, [3, 0, 0, 0, -1, 0, 0, 0, 2]));
    expect(Array.from(D.values)).toEqual([-1, 2, 3]);
    expect(Array.from(D.vectors.data)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);

    // Tridiagonal (1D Laplacian): λ_k = 2 − 2cos(kπ/(n+1)).
    const n = 12;
    const T = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      T[i * n + i] = 2;
      if (i + 1 < n) T[i * n + i + 1] = T[(i + 1) * n + i] = -1;
    }
    const lap = eigh({ rows: n, cols: n, data: T }).values;
    for (let k = 1; k <= n; k++) expect(Math.abs(lap[k - 1] - (2 - 2 * Math.cos((k * Math.PI) / (n + 1))))).toBeLessThanOrEqual(TOL.eigenPerN * n * 4);

    for (const s of [1e-300, 1e300, 2 ** -1060]) {
      const S = eigh(mat(2, [2 * s, s, s, 2 * s]));
      expect(Math.abs(S.values[0] / s - 1)).toBeLessThanOrEqual(4 * TOL.eigenPerN);
      expect(Math.abs(S.values[1] / s - 3)).toBeLessThanOrEqual(4 * TOL.eigenPerN);
    }
  });

  it('uses the symmetrised matrix; rejects non-symmetric, non-finite and non-square input', () => {
    const almost = mat(2, [1, 2, 2 * (1 + 1e-13), 1]);
    const { values } = eigh(almost);
    expect(Math.abs(values[1] - (1 + 2 * (1 + 0.5e-13)))).toBeLessThanOrEqual(8 * TOL.eigenPerN);
    expect(() => eigh(mat(2, [1, 2, 3, 1]), 'H')).toThrow(NotSymmetricError);
    expect(() => eigh(mat(2, [1, 2, 3, 1]), 'H')).toThrow(/H is not symmetric/);
    expect(() => eigh(mat(2, [1, NaN, NaN, 1]), 'H')).toThrow(NonFiniteError);
    expect(() => eigh({ rows: 2, cols: 3, data: new Float64Array(6) }, 'H')).toThrow(ShapeError);
    expect(() => eigvalsh(mat(2, [1, 0, 1, 1]))).toThrow(NotSymmetricError);
  });
});

describe('matrix functions', () => {
  itProp([spdArb({ maxSize: 30, maxLog10Cond: 8, maxLog10Scale: 50 })], propertyParams(40))(
    'sqrtm(A)² = A within c·n·EPS·‖A‖, exactly symmetric',
    ({ n, A, norm }) => {
      const X = sqrtm(A);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (X.data[i * n + j] !== X.data[j * n + i]) throw new Error('sqrtm not symmetric');
      expect(maxAbsDiff(naiveProduct(X, X).data, A.data)).toBeLessThanOrEqual(2 * TOL.eigenPerN * n * norm);
    },
  );

  itProp([spdArb({ maxSize: 30, maxLog10Cond: 8, maxLog10Scale: 50 })], propertyParams(40))(
    'invSqrtm(A)·A·invSqrtm(A) = I within c·n·κ·EPS; conditionNumberSPD = κ within c·n·κ·EPS',
    ({ n, A, cond }) => {
      const Y = invSqrtm(A);
      const YAY = naiveProduct(naiveProduct(Y, A), Y);
      let worst = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(YAY.data[i * n + j] - (i === j ? 1 : 0)));
      expect(worst).toBeLessThanOrEqual(TOL.forwardPerN * n * cond);
      expect(Math.abs(conditionNumberSPD(A) / cond - 1)).toBeLessThanOrEqual(TOL.forwardPerN * n * cond);
    },
  );

  itProp([spectralArb({ maxSize: 20, maxLog10Cond: 4, indefinite: true })], propertyParams(30))(
    'symmetricFunction(A, identity) = A and symmetricFunction(A, x ↦ x²) = A²',
    ({ n, A, norm }) => {
      expect(maxAbsDiff(symmetricFunction(A, (x) => x).data, A.data)).toBeLessThanOrEqual(TOL.eigenPerN * n * norm);
      expect(maxAbsDiff(symmetricFunction(A, (x) => x * x).data, naiveProduct(A, A).data)).toBeLessThanOrEqual(2 * TOL.eigenPerN * n * norm * norm);
    },
  );

  it('PSD with zero eigenvalues: sqrtm works, invSqrtm and conditionNumberSPD throw (witness = eigenvalue)', () => {
    const rng = new Rng(3);
    const Q = randomOrthogonal(rng, 4);
    const A = spdFromSpectrum(Q, [0, 1, 4, 9]);
    const X = sqrtm(A);
    expect(maxAbsDiff(naiveProduct(X, X).data, A.data)).toBeLessThanOrEqual(TOL.eigenPerN * 4 * 9 * 4);
    for (const f of [invSqrtm, conditionNumberSPD]) {
      try {
        f(A, 'Psi');
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(NotPositiveDefiniteError);
        const err = e as NotPositiveDefiniteError;
        expect([err.argument, err.pivotIndex, err.witness]).toEqual(['Psi', 0, 'eigenvalue']);
        expect(Math.abs(err.pivotValue)).toBeLessThanOrEqual(TOL.eigenPerN * 4 * 9);
      }
    }
    const indefinite = spdFromSpectrum(Q, [-1, 1, 4, 9]);
    expect(() => sqrtm(indefinite, 'K')).toThrow(/K is not positive definite: eigenvalue 0 is -1/);
    expect(() => symmetricFunction(A, (x) => 1 / (x - x), 'A')).toThrow(NonFiniteError);
    expect(conditionNumberSPD(mat(0, []))).toBe(1);
    expect(conditionNumberSPD(mat(2, [4, 0, 0, 1]))).toBe(4);
  });
});

describe('eigh: subnormal off-diagonal entries (found by the CLI fuzz test)', () => {
  it('a Householder column of subnormal size is rescaled (LAPACK dlarfg), not divided by: finite, backward-stable result', () => {
    // B'₀ of a GD-0 flow with β* = (4e-291, −7e-84, −9e-26, −2e-33): the column below the diagonal is ~1e-315.
    const n = 4;
    const B = {
      rows: n, cols: n, data: new Float64Array([
        7.25, 0, -1.023081115e-315, -3e-323, 0, 7.25, 1.683438759567021e-108, 4.427272632450699e-116,
        -1.023081115e-315, 1.683438759567021e-108, 7.25, 5.8581912489037355e-58, -3e-323, 4.427272632450699e-116, 5.8581912489037355e-58, 7.25,
      ]),
    };
    const { values, vectors } = eigh(B);
    let res = 0;
    let orth = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let q = 0;
        for (let k = 0; k < n; k++) {
          s += B.data[i * n + k]! * vectors.data[k * n + j]!;
          q += vectors.data[k * n + i]! * vectors.data[k * n + j]!;
        }
        res = Math.max(res, Math.abs(s - vectors.data[i * n + j]! * values[j]!));
        orth = Math.max(orth, Math.abs(q - (i === j ? 1 : 0)));
      }
    }
    for (const v of values) expect(Number.isFinite(v)).toBe(true);
    expect(res).toBeLessThan(10 * n * Number.EPSILON * 7.25);
    expect(orth).toBeLessThan(10 * n * Number.EPSILON);
  });
});
