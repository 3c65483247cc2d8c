import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Matrix as MlMatrix, solve as mlSolve } from 'ml-matrix';
import { NonFiniteError, Rng, ShapeError, SingularMatrixError, lu, luSolve, luSolveMatrix, solve, solveMatrix, toRows, type Matrix } from '../../src/linalg/index.js';
import { TOL, maxAbsDiff, normInf, residualInf } from '../helpers/tolerance.js';
import { gaussianMatrix, generalSquareArb, propertyParams, seedArb, itProp } from '../helpers/arbitraries.js';

const mat = (n: number, data: number[]): Matrix => ({ rows: n, cols: n, data: Float64Array.from(data) });

/**
 * Allowance for the growth factor of partial pivoting, which multiplies LU's backward error
 * bound (Wilkinson: ≤ 2ⁿ⁻¹ in theory, small in practice; ≤ 4 on these random inputs).
 */
const PIVOT_GROWTH = 4;

/** Reconstructs P·A and L·U from the factor (P applied as the recorded row swaps). */
function factorResidual(A: Matrix): number {
  const n = A.rows;
  const { LU, pivots } = lu(A);
  const PA = new Float64Array(A.data);
  for (let k = 0; k < n; k++) {
    const p = pivots[k];
    for (let j = 0; j < n; j++) {
      const t = PA[k * n + j];
      PA[k * n + j] = PA[p * n + j];
      PA[p * n + j] = t;
    }
  }
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k <= Math.min(i, j); k++) s += (k === i ? 1 : LU.data[i * n + k]) * LU.data[k * n + j];
      worst = Math.max(worst, Math.abs(s - PA[i * n + j]));
    }
  }
  return worst;
}

describe('lu', () => {
  itProp([generalSquareArb({ maxSize: 40, maxLog10Cond: 8 })], propertyParams(60))('‖PA − LU‖ ≤ c·n·EPS·‖A‖ and |l_ij| ≤ 1 (partial pivoting)', ({ n, A }) => {
    const { LU } = lu(A);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(Math.abs(LU.data[i * n + j])).toBeLessThanOrEqual(1);
    expect(factorResidual(A)).toBeLessThanOrEqual(PIVOT_GROWTH * TOL.factorPerN * n * normInf(A));
  });

  itProp([generalSquareArb({ maxSize: 40, maxLog10Cond: 8 }), seedArb], propertyParams(60))(
    'solve: residual ≤ c·n·EPS·‖A‖·‖x‖, forward error ≤ c·n·κ·EPS, in place and allocating agree',
    ({ n, A, cond }, seed) => {
      const xTrue = new Rng(seed).fillNormal(new Float64Array(n));
      const b = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i] += A.data[i * n + j] * xTrue[j];
      const factor = lu(A);
      const x = luSolve(new Float64Array(n), factor, b);
      const xMax = Math.max(...Array.from(x, Math.abs));
      expect(residualInf(A, x, b)).toBeLessThanOrEqual(PIVOT_GROWTH * TOL.residualPerN * n * (normInf(A) * xMax + Math.max(...Array.from(b, Math.abs))));
      expect(maxAbsDiff(x, xTrue) / Math.max(...Array.from(xTrue, Math.abs))).toBeLessThanOrEqual(PIVOT_GROWTH * TOL.forwardPerN * n * cond);
      const inPlace = new Float64Array(b);
      expect(Array.from(luSolve(inPlace, factor, inPlace))).toEqual(Array.from(x));
      expect(Array.from(solve(A, b))).toEqual(Array.from(x));
    },
  );

  itProp([generalSquareArb({ maxSize: 25, maxLog10Cond: 6 }), fc.integer({ min: 1, max: 4 }), seedArb], propertyParams(40))(
    'matrix solves agree with vector solves and with ml-matrix solve (independent oracle)',
    ({ n, A, cond }, k, seed) => {
      const B = gaussianMatrix(new Rng(seed), n, k);
      const factor = lu(A);
      const X = luSolveMatrix({ rows: n, cols: k, data: new Float64Array(n * k) }, factor, B);
      const theirs = mlSolve(new MlMatrix(toRows(A)), new MlMatrix(toRows(B))).to2DArray().flat();
      const xMax = Math.max(1, ...Array.from(X.data, Math.abs));
      expect(maxAbsDiff(X.data, theirs)).toBeLessThanOrEqual(PIVOT_GROWTH * TOL.forwardPerN * n * cond * xMax);
      for (let c = 0; c < k; c++) {
        const col = Float64Array.from({ length: n }, (_, i) => B.data[i * k + c]);
        const x = luSolve(new Float64Array(n), factor, col);
        expect(maxAbsDiff(Float64Array.from({ length: n }, (_, i) => X.data[i * k + c]), x)).toBeLessThanOrEqual(TOL.residualPerN * n * xMax);
      }
      const inPlace = { rows: n, cols: k, data: new Float64Array(B.data) };
      expect(Array.from(luSolveMatrix(inPlace, factor, inPlace).data)).toEqual(Array.from(X.data));
      expect(Array.from(solveMatrix(A, B).data)).toEqual(Array.from(X.data));
    },
  );

  it('known answers: a permutation, sign, 1×1, 0×0', () => {
    const f = lu(mat(2, [0, 1, 1, 0]));
    expect(Array.from(f.pivots)).toEqual([1, 1]);
    expect(f.sign).toBe(-1);
    expect(Array.from(solve(mat(2, [0, 1, 1, 0]), new Float64Array([2, 3])))).toEqual([3, 2]);
    expect(Array.from(solve(mat(1, [4]), new Float64Array([2])))).toEqual([0.5]);
    expect(lu(mat(0, [])).LU.rows).toBe(0);
    expect(solve(mat(0, []), new Float64Array(0)).length).toBe(0);
  });
});

describe('lu failures', () => {
  itProp([fc.integer({ min: 2, max: 20 }), fc.nat(), seedArb], propertyParams(60))(
    'a column that is a combination of the previous ones is singular exactly at that pivot',
    (n, pRaw, seed) => {
      const p = 1 + (pRaw % (n - 1));
      const rng = new Rng(seed);
      const A = gaussianMatrix(rng, n, n);
      const w = rng.fillNormal(new Float64Array(p));
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < p; j++) s += w[j] * A.data[i * n + j];
        A.data[i * n + p] = s;
      }
      try {
        lu(A, 'J');
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(SingularMatrixError);
        const err = e as SingularMatrixError;
        expect(err.argument).toBe('J');
        expect(err.pivotIndex).toBe(p);
        expect(Math.abs(err.pivotValue)).toBeLessThanOrEqual(n * Number.EPSILON * Math.max(...Array.from(A.data, Math.abs)));
      }
    },
  );

  it('zero and rank-one matrices; non-finite and non-square inputs; shape errors', () => {
    expect(() => lu(mat(2, [0, 0, 0, 0]))).toThrow(/A is singular to working precision: LU pivot 0/);
    expect(() => lu(mat(2, [1, 2, 2, 4]))).toThrow(SingularMatrixError);
    expect(() => lu(mat(2, [1, Infinity, 0, 1]), 'M')).toThrow(NonFiniteError);
    expect(() => lu({ rows: 3, cols: 2, data: new Float64Array(6) }, 'M')).toThrow(/M is \[3, 2\] but must be square/);
    const f = lu(mat(2, [2, 1, 1, 3]));
    expect(() => luSolve(new Float64Array(2), f, new Float64Array(3))).toThrow(ShapeError);
    expect(() => luSolveMatrix({ rows: 2, cols: 2, data: new Float64Array(4) }, f, { rows: 2, cols: 1, data: new Float64Array(2) })).toThrow(/out is \[2, 2\] but B is \[2, 1\]/);
    expect(() => solve(mat(2, [2, 1, 1, 3]), new Float64Array([NaN, 0]))).toThrow(/b\[0\]\[0\] is NaN/);
    expect(() => solveMatrix(mat(2, [2, 1, 1, 3]), { rows: 3, cols: 1, data: new Float64Array(3) })).toThrow(/B is \[3, 1\]/);
  });
});
