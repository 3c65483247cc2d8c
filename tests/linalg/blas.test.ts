import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ShapeError,
  add,
  axpy,
  gemv,
  outer,
  scale,
  scaleCols,
  scaleRows,
  sub,
  symmetrise,
  syr,
  syrk,
  transpose,
  type Matrix,
} from '../../src/linalg/index.js';
import { GEMM_SLACK, TOL, UNDERFLOW_FLOOR, firstDifference, firstViolation, naiveProduct } from '../helpers/tolerance.js';
import { boundedDouble, matrixArb, propertyParams, sizeArb, vectorArb, itProp } from '../helpers/arbitraries.js';

const shape = fc.record({ m: sizeArb(1, 30), n: sizeArb(1, 30) });
const mat = (m: number, n: number, data?: number[]): Matrix => ({ rows: m, cols: n, data: data ? Float64Array.from(data) : new Float64Array(m * n) });
const map = (n: number, f: (i: number) => number): Float64Array => Float64Array.from({ length: n }, (_, i) => f(i));

describe('gemv', () => {
  itProp([shape.chain(({ m, n }) => fc.tuple(matrixArb(m, n, 10), vectorArb(n, 10), vectorArb(m, 10)))], propertyParams(100))(
    'A·x and Aᵀ·y match naive sums within (n + slack)·EPS·Σ|a||x|',
    ([A, x, y]) => {
      const out = new Float64Array(A.rows);
      expect(gemv(out, A, x)).toBe(out);
      const outT = gemv(new Float64Array(A.cols), A, y, true);
      const X = { rows: A.cols, cols: 1, data: x };
      const Y = { rows: A.rows, cols: 1, data: y };
      const ref = naiveProduct(A, X);
      const refT = naiveProduct(A, Y, 'TN');
      expect(firstViolation(out, ref.data, (i) => (A.cols + GEMM_SLACK) * (TOL.dotPerN * ref.absData[i] + UNDERFLOW_FLOOR))).toBeNull();
      expect(firstViolation(outT, refT.data, (i) => (A.rows + GEMM_SLACK) * (TOL.dotPerN * refT.absData[i] + UNDERFLOW_FLOOR))).toBeNull();
    },
  );

  it('shape and alias errors', () => {
    const A = mat(2, 3);
    expect(() => gemv(new Float64Array(2), A, new Float64Array(2))).toThrow(/x has length 2 but A.cols \(A is \[2, 3\]\) is 3/);
    expect(() => gemv(new Float64Array(3), A, new Float64Array(3))).toThrow(ShapeError);
    expect(() => gemv(new Float64Array(2), A, new Float64Array(3), true)).toThrow(/transposed/);
    const x = new Float64Array(3);
    expect(() => gemv(x, mat(3, 3), x)).toThrow(/out shares memory with x/);
  });
});

describe('axpy, scale, add, sub', () => {
  itProp([sizeArb(0, 50).chain((n) => fc.tuple(vectorArb(n, 1e3), vectorArb(n, 1e3))), boundedDouble(10)], propertyParams(100))(
    'axpy is y_i + α·x_i per entry and returns y',
    ([x, y], alpha) => {
      const expected = map(y.length, (i) => y[i] + alpha * x[i]);
      expect(axpy(y, alpha, x)).toBe(y);
      expect(firstDifference(y, expected)).toBeNull();
    },
  );

  itProp([shape.chain(({ m, n }) => fc.tuple(matrixArb(m, n, 1e3), matrixArb(m, n, 1e3))), boundedDouble(10)], propertyParams(100))(
    'elementwise kernels are exact per entry and work in place',
    ([A, B], alpha) => {
      const len = A.data.length;
      const s = scale(mat(A.rows, A.cols), alpha, A);
      const a = add(mat(A.rows, A.cols), A, B);
      const d = sub(mat(A.rows, A.cols), A, B);
      expect(firstDifference(s.data, map(len, (i) => alpha * A.data[i]))).toBeNull();
      expect(firstDifference(a.data, map(len, (i) => A.data[i] + B.data[i]))).toBeNull();
      expect(firstDifference(d.data, map(len, (i) => A.data[i] - B.data[i]))).toBeNull();
      const inA = { rows: A.rows, cols: A.cols, data: new Float64Array(A.data) };
      expect(firstDifference(add(inA, inA, B).data, a.data)).toBeNull();
      const inB = { rows: B.rows, cols: B.cols, data: new Float64Array(B.data) };
      expect(firstDifference(sub(inB, A, inB).data, d.data)).toBeNull();
      expect(firstDifference(scale(inB, 2, inB).data, map(len, (i) => 2 * d.data[i]))).toBeNull();
    },
  );

  it('shape errors and partial overlap', () => {
    expect(() => axpy(new Float64Array(2), 1, new Float64Array(3))).toThrow(/x has length 3 but y.length is 2/);
    expect(() => add(mat(2, 2), mat(2, 2), mat(2, 3))).toThrow(/A is \[2, 2\] but B is \[2, 3\]/);
    expect(() => sub(mat(3, 2), mat(2, 2), mat(2, 2))).toThrow(/out is \[3, 2\] but A is \[2, 2\]/);
    expect(() => scale(mat(1, 2), 1, mat(2, 1))).toThrow(ShapeError);
    const buf = new Float64Array(6);
    const a = { rows: 2, cols: 2, data: buf.subarray(0, 4) };
    const b = { rows: 2, cols: 2, data: buf.subarray(2, 6) };
    expect(() => add(b, a, a)).toThrow(/partially overlaps A/);
  });
});

describe('transpose and symmetrise', () => {
  itProp([shape.chain(({ m, n }) => matrixArb(m, n, 1e3))], propertyParams(100))('transpose swaps indices exactly and is an involution', (A) => {
    const T = transpose(mat(A.cols, A.rows), A);
    expect(firstDifference(T.data, map(A.data.length, (q) => A.data[(q % A.rows) * A.cols + Math.floor(q / A.rows)]))).toBeNull();
    expect(firstDifference(transpose(mat(A.rows, A.cols), T).data, A.data)).toBeNull();
  });

  it('transpose crosses its 32×32 tiles and runs in place for square matrices', () => {
    const A = mat(45, 70, Array.from({ length: 45 * 70 }, (_, i) => i));
    const T = transpose(mat(70, 45), A);
    expect(T.data[69 * 45 + 44]).toBe(44 * 70 + 69);
    expect(T.data[33 * 45 + 40]).toBe(40 * 70 + 33);
    const S = mat(3, 3, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(transpose(S, S)).toBe(S);
    expect(Array.from(S.data)).toEqual([1, 4, 7, 2, 5, 8, 3, 6, 9]);
    const R = mat(2, 3);
    expect(() => transpose({ rows: 3, cols: 2, data: R.data }, R)).toThrow(/out shares memory with A/);
    expect(() => transpose(mat(2, 3), R)).toThrow(/out is \[2, 3\] but Aᵀ \(A is \[2, 3\]\) is \[3, 2\]/);
  });

  itProp([sizeArb(1, 30).chain((n) => matrixArb(n, n, 1e300))], propertyParams(100))(
    'symmetrise is exactly symmetric, averages off-diagonal pairs, keeps the diagonal, never overflows',
    (A) => {
      const n = A.rows;
      const S = symmetrise(mat(n, n), A);
      const expected = map(n * n, (q) => {
        const i = Math.floor(q / n);
        const j = q % n;
        return i === j ? A.data[q] : 0.5 * A.data[Math.min(i, j) * n + Math.max(i, j)] + 0.5 * A.data[Math.max(i, j) * n + Math.min(i, j)];
      });
      expect(firstDifference(S.data, expected)).toBeNull();
      expect(S.data.every(Number.isFinite)).toBe(true);
      const inPlace = { rows: n, cols: n, data: new Float64Array(A.data) };
      expect(firstDifference(symmetrise(inPlace, inPlace).data, S.data)).toBeNull();
    },
  );

  it('symmetrise rejects non-square input', () => {
    expect(() => symmetrise(mat(2, 3), mat(2, 3))).toThrow(/A is \[2, 3\] but must be square/);
  });
});

describe('outer, syr, syrk, scaleRows, scaleCols', () => {
  itProp([fc.tuple(sizeArb(1, 20), sizeArb(1, 20)).chain(([m, n]) => fc.tuple(vectorArb(m, 1e3), vectorArb(n, 1e3))), boundedDouble(5)], propertyParams(100))(
    'outer(α) = (α·x_i)·y_j exactly',
    ([x, y], alpha) => {
      const O = outer(mat(x.length, y.length), x, y, alpha);
      expect(firstDifference(O.data, map(x.length * y.length, (q) => alpha * x[Math.floor(q / y.length)] * y[q % y.length]))).toBeNull();
    },
  );

  itProp([sizeArb(1, 25).chain((n) => fc.tuple(matrixArb(n, n, 10), vectorArb(n, 10))), boundedDouble(5)], propertyParams(100))(
    'syr adds the same α·x_i·x_j to a_ij and a_ji (a symmetric matrix stays exactly symmetric)',
    ([M, x], alpha) => {
      const n = x.length;
      const A = symmetrise(mat(n, n), M);
      const expected = map(n * n, (q) => {
        const i = Math.floor(q / n);
        const j = q % n;
        return A.data[q] + alpha * x[Math.min(i, j)] * x[Math.max(i, j)];
      });
      expect(syr(A, alpha, x)).toBe(A);
      expect(firstDifference(A.data, expected)).toBeNull();
    },
  );

  itProp([fc.tuple(sizeArb(1, 30), sizeArb(1, 30)).chain(([k, n]) => fc.tuple(matrixArb(k, n, 10), matrixArb(n, n, 10))), boundedDouble(3), fc.oneof(fc.constant(0), boundedDouble(3))], propertyParams(100))(
    'syrk = α·AᵀA + β·C (upper triangle of C), exactly symmetric',
    ([A, C0], alpha, beta) => {
      const n = A.cols;
      const Csym = symmetrise(mat(n, n), C0);
      const out = { rows: n, cols: n, data: new Float64Array(Csym.data) };
      syrk(out, A, alpha, beta);
      const ref = naiveProduct(A, A, 'TN');
      const c = (q: number) => (beta === 0 ? 0 : beta * Csym.data[q]);
      const expected = map(n * n, (q) => alpha * ref.data[q] + c(q));
      expect(firstViolation(out.data, expected, (q) => (A.rows + GEMM_SLACK) * (TOL.dotPerN * (Math.abs(alpha) * ref.absData[q] + Math.abs(c(q))) + UNDERFLOW_FLOOR))).toBeNull();
      expect(firstDifference(out.data, map(n * n, (q) => out.data[(q % n) * n + Math.floor(q / n)]))).toBeNull();
    },
  );

  itProp([shape.chain(({ m, n }) => fc.tuple(matrixArb(m, n, 1e3), vectorArb(m, 1e3), vectorArb(n, 1e3)))], propertyParams(100))(
    'scaleRows = diag(d)·A and scaleCols = A·diag(e), exact, in place allowed',
    ([A, d, e]) => {
      const R = scaleRows(mat(A.rows, A.cols), d, A);
      const C = scaleCols(mat(A.rows, A.cols), A, e);
      expect(firstDifference(R.data, map(A.data.length, (q) => d[Math.floor(q / A.cols)] * A.data[q]))).toBeNull();
      expect(firstDifference(C.data, map(A.data.length, (q) => A.data[q] * e[q % A.cols]))).toBeNull();
      const inPlace = { rows: A.rows, cols: A.cols, data: new Float64Array(A.data) };
      expect(firstDifference(scaleRows(inPlace, d, inPlace).data, R.data)).toBeNull();
    },
  );

  it('shape errors name the operands', () => {
    expect(() => outer(mat(2, 2), new Float64Array(2), new Float64Array(3))).toThrow(/out is \[2, 2\] but x·yᵀ is \[2, 3\]/);
    expect(() => syr(mat(2, 3), 1, new Float64Array(2))).toThrow(/A is \[2, 3\] but must be square/);
    expect(() => syr(mat(2, 2), 1, new Float64Array(3))).toThrow(ShapeError);
    expect(() => syrk(mat(2, 2), mat(4, 3))).toThrow(/out is \[2, 2\] but AᵀA \(A is \[4, 3\]\) is \[3, 3\]/);
    expect(() => scaleRows(mat(2, 2), new Float64Array(3), mat(2, 2))).toThrow(/d has length 3 but A.rows/);
    expect(() => scaleCols(mat(2, 2), mat(2, 2), new Float64Array(1))).toThrow(/d has length 1 but A.cols/);
    const A = mat(2, 2, [1, 2, 3, 4]);
    expect(() => syrk(A, A)).toThrow(/out shares memory with A/);
  });
});
