import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CholeskyDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import {
  NonFiniteError,
  NotPositiveDefiniteError,
  NotSymmetricError,
  Rng,
  ShapeError,
  cholesky,
  choleskySolve,
  choleskySolveMatrix,
  solveLower,
  solveLowerTransposed,
  solveSPD,
  solveSPDMatrix,
  solveUpper,
  toRows,
  type Matrix,
} from '../../src/linalg/index.js';
import { TOL, maxAbsDiff, naiveProduct, normInf, residualInf } from '../helpers/tolerance.js';
import { gaussianMatrix, propertyParams, seedArb, spdArb, itProp } from '../helpers/arbitraries.js';

const mat = (n: number, data: number[]): Matrix => ({ rows: n, cols: n, data: Float64Array.from(data) });

describe('cholesky', () => {
  itProp([spdArb({ maxSize: 40, maxLog10Cond: 8, maxLog10Scale: 3 })], propertyParams(60))(
    'L is exactly lower triangular with a positive diagonal and ‖LLᵀ − A‖ ≤ c·n·EPS·‖A‖',
    ({ n, A }) => {
      const { L } = cholesky(A);
      expect([L.rows, L.cols]).toEqual([n, n]);
      for (let i = 0; i < n; i++) {
        expect(L.data[i * n + i]).toBeGreaterThan(0);
        for (let j = i + 1; j < n; j++) if (L.data[i * n + j] !== 0) throw new Error(`L[${i}][${j}] = ${L.data[i * n + j]} ≠ 0`);
      }
      const LLt = naiveProduct(L, L, 'NT');
      expect(maxAbsDiff(LLt.data, A.data)).toBeLessThanOrEqual(TOL.factorPerN * n * normInf(A));
    },
  );

  itProp([spdArb({ maxSize: 40, maxLog10Cond: 8 }), seedArb], propertyParams(60))(
    'solves: residual ‖Ax − b‖ ≤ c·n·EPS·‖A‖·‖x‖ and forward error ≤ c·n·κ·EPS',
    ({ n, A, cond }, seed) => {
      const rng = new Rng(seed);
      const xTrue = rng.fillNormal(new Float64Array(n));
      const b = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i] += A.data[i * n + j] * xTrue[j];
      const factor = cholesky(A);
      const x = choleskySolve(new Float64Array(n), factor, b);
      const xNorm = Math.max(...Array.from(x, Math.abs));
      expect(residualInf(A, x, b)).toBeLessThanOrEqual(TOL.residualPerN * n * (normInf(A) * xNorm + Math.max(...Array.from(b, Math.abs))));
      expect(maxAbsDiff(x, xTrue) / Math.max(...Array.from(xTrue, Math.abs))).toBeLessThanOrEqual(TOL.forwardPerN * n * cond);
      // In place (out === b) gives the same bits; the allocating wrapper too.
      const inPlace = new Float64Array(b);
      expect(Array.from(choleskySolve(inPlace, factor, inPlace))).toEqual(Array.from(x));
      expect(Array.from(solveSPD(A, b))).toEqual(Array.from(x));
    },
  );

  itProp([spdArb({ maxSize: 30, maxLog10Cond: 6 }), fc.integer({ min: 1, max: 5 }), seedArb], propertyParams(40))(
    'matrix solves agree with column-by-column vector solves',
    ({ n, A, cond }, k, seed) => {
      const B = gaussianMatrix(new Rng(seed), n, k);
      const factor = cholesky(A);
      const X = choleskySolveMatrix({ rows: n, cols: k, data: new Float64Array(n * k) }, factor, B);
      for (let c = 0; c < k; c++) {
        const col = Float64Array.from({ length: n }, (_, i) => B.data[i * k + c]);
        const x = choleskySolve(new Float64Array(n), factor, col);
        const xc = Float64Array.from({ length: n }, (_, i) => X.data[i * k + c]);
        // Two backward-stable solves that round differently agree to the forward-error bound
        // n·eps·κ(A)·‖x‖, not to a residual-sized tolerance.
        expect(maxAbsDiff(xc, x)).toBeLessThanOrEqual(TOL.forwardPerN * n * cond * Math.max(...Array.from(x, Math.abs)));
      }
      const inPlace = { rows: n, cols: k, data: new Float64Array(B.data) };
      expect(Array.from(choleskySolveMatrix(inPlace, factor, inPlace).data)).toEqual(Array.from(X.data));
      expect(Array.from(solveSPDMatrix(A, B).data)).toEqual(Array.from(X.data));
    },
  );

  itProp([spdArb({ maxSize: 30, maxLog10Cond: 6 })], propertyParams(30))('agrees with ml-matrix CholeskyDecomposition (independent oracle)', ({ n, A, cond }) => {
    const ours = cholesky(A).L;
    const theirs = new CholeskyDecomposition(new MlMatrix(toRows(A))).lowerTriangularMatrix.to2DArray().flat();
    // Both are backward stable; by the perturbation theory of the Cholesky factor
    // ‖ΔL‖/‖L‖ ≲ κ(A)·‖ΔA‖/‖A‖, with ‖L‖ ≤ ‖A‖^{1/2}.
    expect(maxAbsDiff(ours.data, theirs)).toBeLessThanOrEqual(TOL.forwardPerN * n * cond * Math.sqrt(normInf(A)));
  });

  it('1×1, 0×0, and an exactly known 3×3 factor', () => {
    expect(Array.from(cholesky(mat(1, [4])).L.data)).toEqual([2]);
    expect(cholesky(mat(0, [])).L.rows).toBe(0);
    const L = cholesky(mat(3, [4, 12, -16, 12, 37, -43, -16, -43, 98])).L;
    expect(toRows(L)).toEqual([
      [2, 0, 0],
      [6, 1, 0],
      [-8, 5, 3],
    ]);
  });

  it('uses the symmetrised matrix when A is symmetric only to the relative tolerance', () => {
    const A = mat(2, [4, 2, 2 * (1 + 1e-14), 3]);
    const L = cholesky(A).L;
    expect(L.data[2]).toBe((0.5 * 2 + 0.5 * 2 * (1 + 1e-14)) / 2);
  });
});

describe('cholesky failures are typed and precise', () => {
  itProp([fc.integer({ min: 1, max: 25 }), fc.nat(), seedArb, fc.double({ min: 1e-3, max: 10, noNaN: true })], propertyParams(60))(
    'A = L₀·D·L₀ᵀ with a negative d_p fails exactly at pivot p with value d_p',
    (n, pRaw, seed, neg) => {
      // The Cholesky pivots of L₀DL₀ᵀ (L₀ unit lower triangular) are the d_i, so the first non-positive one is known.
      const p = pRaw % n;
      const rng = new Rng(seed);
      const L0 = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        L0[i * n + i] = 1;
        for (let j = 0; j < i; j++) L0[i * n + j] = 0.3 * rng.normal();
      }
      const d = Float64Array.from({ length: n }, () => 1 + rng.uniform());
      d[p] = -neg;
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let k = 0; k <= j; k++) s += L0[i * n + k] * d[k] * L0[j * n + k];
          A[i * n + j] = s;
          A[j * n + i] = s;
        }
      }
      try {
        cholesky({ rows: n, cols: n, data: A }, 'Sigma');
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(NotPositiveDefiniteError);
        const err = e as NotPositiveDefiniteError;
        expect(err.argument).toBe('Sigma');
        expect(err.pivotIndex).toBe(p);
        expect(Math.abs(err.pivotValue - d[p])).toBeLessThanOrEqual(TOL.factorPerN * n * normInf({ rows: n, cols: n, data: A }));
        expect(err.message).toMatch(/Sigma is not positive definite: Cholesky pivot/);
      }
    },
  );

  it('singular, zero, and numerically singular matrices fail (pivots judged against n·EPS·max|a_ii|)', () => {
    expect(() => cholesky(mat(2, [1, 1, 1, 1]))).toThrow(NotPositiveDefiniteError);
    try {
      cholesky(mat(2, [0, 0, 0, 0]));
    } catch (e) {
      expect((e as NotPositiveDefiniteError).pivotIndex).toBe(0);
    }
    // λ_min = 1e-17 relative: positive in exact arithmetic, but not for float64.
    expect(() => cholesky(mat(2, [1, 1, 1, 1 + 1e-17]))).toThrow(NotPositiveDefiniteError);
    expect(() => cholesky(mat(2, [0, 1, 1, 0]))).toThrow(/pivot 0/);
  });

  it('non-finite, non-symmetric and non-square inputs', () => {
    expect(() => cholesky(mat(2, [1, NaN, NaN, 1]), 'H')).toThrow(NonFiniteError);
    expect(() => cholesky(mat(2, [1, NaN, NaN, 1]), 'H')).toThrow(/H\[0\]\[1\] is NaN/);
    expect(() => cholesky(mat(2, [2, 1, 0, 2]), 'H')).toThrow(NotSymmetricError);
    expect(() => cholesky({ rows: 2, cols: 3, data: new Float64Array(6) }, 'H')).toThrow(/H is \[2, 3\] but must be square/);
  });

  it('solve shape errors', () => {
    const f = cholesky(mat(2, [4, 2, 2, 3]));
    expect(() => choleskySolve(new Float64Array(2), f, new Float64Array(3))).toThrow(/b has length 3 but L.rows \(L is \[2, 2\]\) is 2/);
    expect(() => choleskySolve(new Float64Array(3), f, new Float64Array(2))).toThrow(ShapeError);
    expect(() => choleskySolveMatrix({ rows: 2, cols: 1, data: new Float64Array(2) }, f, { rows: 3, cols: 1, data: new Float64Array(3) })).toThrow(/B is \[3, 1\]/);
    expect(() => solveSPD(mat(2, [4, 2, 2, 3]), new Float64Array([1, NaN]))).toThrow(/b\[1\]\[0\] is NaN/);
    expect(() => solveSPDMatrix(mat(2, [4, 2, 2, 3]), { rows: 2, cols: 1, data: new Float64Array([Infinity, 0]) })).toThrow(/B\[0\]\[0\] is Infinity/);
  });
});

describe('triangular solves', () => {
  itProp([fc.integer({ min: 1, max: 30 }), seedArb], propertyParams(60))('solveLower, solveUpper, solveLowerTransposed invert their triangles', (n, seed) => {
    const rng = new Rng(seed);
    const L = gaussianMatrix(rng, n, n);
    // Unit-ish diagonal keeps the triangles well conditioned.
    for (let i = 0; i < n; i++) L.data[i * n + i] = 2 + rng.uniform();
    const Lower = { rows: n, cols: n, data: L.data.map((v, q) => (q % n <= Math.floor(q / n) ? v : 0)) };
    const Upper = { rows: n, cols: n, data: L.data.map((v, q) => (q % n >= Math.floor(q / n) ? v : 0)) };
    const LowerT = { rows: n, cols: n, data: Lower.data.map((_, q) => Lower.data[(q % n) * n + Math.floor(q / n)]) };
    const b = rng.fillNormal(new Float64Array(n));
    const bound = (A: Matrix, x: Float64Array) => TOL.residualPerN * n * (normInf(A) * Math.max(...Array.from(x, Math.abs)) + Math.max(...Array.from(b, Math.abs)));
    const x1 = solveLower(new Float64Array(n), L, b); // entries above the diagonal are ignored
    expect(residualInf(Lower, x1, b)).toBeLessThanOrEqual(bound(Lower, x1));
    const x2 = solveUpper(new Float64Array(n), L, b);
    expect(residualInf(Upper, x2, b)).toBeLessThanOrEqual(bound(Upper, x2));
    const x3 = solveLowerTransposed(new Float64Array(n), Lower, b);
    expect(residualInf(LowerT, x3, b)).toBeLessThanOrEqual(bound(LowerT, x3));
    const inPlace = new Float64Array(b);
    expect(Array.from(solveLowerTransposed(inPlace, Lower, inPlace))).toEqual(Array.from(x3));
  });

  it('shape errors and partial overlap', () => {
    const L = mat(2, [1, 0, 1, 1]);
    expect(() => solveLower(new Float64Array(2), { rows: 2, cols: 3, data: new Float64Array(6) }, new Float64Array(2))).toThrow(/L is \[2, 3\] but must be square/);
    expect(() => solveUpper(new Float64Array(2), L, new Float64Array(1))).toThrow(/b has length 1 but U.rows/);
    const buf = new Float64Array(3);
    expect(() => solveLower(buf.subarray(1), L, buf.subarray(0, 2))).toThrow(/partially overlaps b/);
  });
});
