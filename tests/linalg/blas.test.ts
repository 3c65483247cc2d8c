import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
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
import { GEMM_SLACK, TOL, UNDERFLOW_FLOOR, naiveProduct } from '../helpers/tolerance.js';
import { boundedDouble, matrixArb, propertyParams, sizeArb, vectorArb } from '../helpers/arbitraries.js';

const shape = fc.record({ m: sizeArb(1, 30), n: sizeArb(1, 30) });
const mat = (m: number, n: number, data?: number[]): Matrix => ({ rows: m, cols: n, data: data ? Float64Array.from(data) : new Float64Array(m * n) });

describe('gemv', () => {
  test.prop([shape.chain(({ m, n }) => fc.tuple(matrixArb(m, n, 10), vectorArb(n, 10), vectorArb(m, 10)))], propertyParams(100))(
    'A·x and Aᵀ·y match naive sums within n·EPS·Σ|a||x|',
    ([A, x, y]) => {
      const out = new Float64Array(A.rows);
      expect(gemv(out, A, x)).toBe(out);
      const outT = gemv(new Float64Array(A.cols), A, y, true);
      for (let i = 0; i < A.rows; i++) {
        let s = 0;
        let t = 0;
        for (let j = 0; j < A.cols; j++) {
          s += A.data[i * A.cols + j] * x[j];
          t += Math.abs(A.data[i * A.cols + j] * x[j]);
        }
        expect(Math.abs(out[i] - s)).toBeLessThanOrEqual((A.cols + GEMM_SLACK) * (2 * TOL.dotPerN * t + UNDERFLOW_FLOOR));
      }
      for (let j = 0; j < A.cols; j++) {
        let s = 0;
        let t = 0;
        for (let i = 0; i < A.rows; i++) {
          s += A.data[i * A.cols + j] * y[i];
          t += Math.abs(A.data[i * A.cols + j] * y[i]);
        }
        expect(Math.abs(outT[j] - s)).toBeLessThanOrEqual((A.rows + GEMM_SLACK) * (2 * TOL.dotPerN * t + UNDERFLOW_FLOOR));
      }
    },
  );

  test('shape and alias errors', () => {
    const A = mat(2, 3);
    expect(() => gemv(new Float64Array(2), A, new Float64Array(2))).toThrow(/x has length 2 but A.cols \(A is \[2, 3\]\) is 3/);
    expect(() => gemv(new Float64Array(3), A, new Float64Array(3))).toThrow(ShapeError);
    expect(() => gemv(new Float64Array(2), A, new Float64Array(3), true)).toThrow(/transposed/);
    const x = new Float64Array(3);
    const sq = mat(3, 3);
    expect(() => gemv(x, sq, x)).toThrow(/out shares memory with x/);
  });
});

describe('axpy, scale, add, sub', () => {
  test.prop([sizeArb(0, 50).chain((n) => fc.tuple(vectorArb(n, 1e3), vectorArb(n, 1e3))), boundedDouble(10)], propertyParams(100))(
    'axpy is y + αx entrywise (one fused rounding pair) and returns y',
    ([x, y], alpha) => {
      const y0 = new Float64Array(y);
      expect(axpy(y, alpha, x)).toBe(y);
      for (let i = 0; i < y.length; i++) expect(y[i]).toBe(y0[i] + alpha * x[i]);
    },
  );

  test.prop([shape.chain(({ m, n }) => fc.tuple(matrixArb(m, n, 1e3), matrixArb(m, n, 1e3))), boundedDouble(10)], propertyParams(100))(
    'elementwise kernels are exact per entry and work in place',
    ([A, B], alpha) => {
      const s = scale(mat(A.rows, A.cols), alpha, A);
      const a = add(mat(A.rows, A.cols), A, B);
      const d = sub(mat(A.rows, A.cols), A, B);
      for (let i = 0; i < A.data.length; i++) {
        expect(s.data[i]).toBe(alpha * A.data[i]);
        expect(a.data[i]).toBe(A.data[i] + B.data[i]);
        expect(d.data[i]).toBe(A.data[i] - B.data[i]);
      }
      const inPlace = { rows: A.rows, cols: A.cols, data: new Float64Array(A.data) };
      add(inPlace, inPlace, B);
      expect(Array.from(inPlace.data)).toEqual(Array.from(a.data));
      sub(inPlace, inPlace, B); // (a + b) − b is exact only up to rounding: compare with the kernel on its own
      const inB = { rows: B.rows, cols: B.cols, data: new Float64Array(B.data) };
      sub(inB, A, inB);
      expect(Array.from(inB.data)).toEqual(Array.from(d.data));
      scale(inB, 2, inB);
      for (let i = 0; i < A.data.length; i++) expect(inB.data[i]).toBe(2 * d.data[i]);
    },
  );

  test('shape errors and partial overlap', () => {
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
  test.prop([shape.chain(({ m, n }) => matrixArb(m, n, 1e3))], propertyParams(100))('transpose swaps indices exactly and is an involution', (A) => {
    const T = transpose(mat(A.cols, A.rows), A);
    for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.cols; j++) expect(T.data[j * A.rows + i]).toBe(A.data[i * A.cols + j]);
    expect(Array.from(transpose(mat(A.rows, A.cols), T).data)).toEqual(Array.from(A.data));
  });

  test('transpose crosses its 32×32 tiles and runs in place for square matrices', () => {
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

  test.prop([sizeArb(1, 30).chain((n) => matrixArb(n, n, 1e300))], propertyParams(100))('symmetrise is exactly symmetric, averages, keeps the diagonal, never overflows', (A) => {
    const S = symmetrise(mat(A.rows, A.cols), A);
    const n = A.rows;
    for (let i = 0; i < n; i++) {
      expect(S.data[i * n + i]).toBe(A.data[i * n + i]);
      for (let j = 0; j < n; j++) {
        expect(S.data[i * n + j]).toBe(S.data[j * n + i]);
        expect(Number.isFinite(S.data[i * n + j])).toBe(true);
        expect(S.data[i * n + j]).toBe(0.5 * A.data[Math.min(i, j) * n + Math.max(i, j)] + 0.5 * A.data[Math.max(i, j) * n + Math.min(i, j)]);
      }
    }
    const inPlace = { rows: n, cols: n, data: new Float64Array(A.data) };
    symmetrise(inPlace, inPlace);
    expect(Array.from(inPlace.data)).toEqual(Array.from(S.data));
  });

  test('symmetrise rejects non-square input', () => {
    expect(() => symmetrise(mat(2, 3), mat(2, 3))).toThrow(/A is \[2, 3\] but must be square/);
  });
});

describe('outer, syr, syrk, scaleRows, scaleCols', () => {
  test.prop([fc.tuple(sizeArb(1, 20), sizeArb(1, 20)).chain(([m, n]) => fc.tuple(vectorArb(m, 1e3), vectorArb(n, 1e3))), boundedDouble(5)], propertyParams(100))(
    'outer(α) = (αx_i)·y_j exactly',
    ([x, y], alpha) => {
      const O = outer(mat(x.length, y.length), x, y, alpha);
      for (let i = 0; i < x.length; i++) for (let j = 0; j < y.length; j++) expect(O.data[i * y.length + j]).toBe(alpha * x[i] * y[j]);
    },
  );

  test.prop([sizeArb(1, 25).chain((n) => fc.tuple(matrixArb(n, n, 10), vectorArb(n, 10))), boundedDouble(5)], propertyParams(100))(
    'syr keeps a symmetric matrix exactly symmetric and adds α·x_i·x_j',
    ([M, x], alpha) => {
      const n = x.length;
      const A = symmetrise(mat(n, n), M);
      const A0 = new Float64Array(A.data);
      expect(syr(A, alpha, x)).toBe(A);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          expect(A.data[i * n + j]).toBe(A.data[j * n + i]);
          const t = alpha * x[Math.min(i, j)] * x[Math.max(i, j)];
          expect(A.data[i * n + j]).toBe(A0[i * n + j] + t);
        }
      }
    },
  );

  test.prop([fc.tuple(sizeArb(1, 30), sizeArb(1, 30)).chain(([k, n]) => fc.tuple(matrixArb(k, n, 10), matrixArb(n, n, 10))), boundedDouble(3), fc.oneof(fc.constant(0), boundedDouble(3))], propertyParams(100))(
    'syrk = α·AᵀA + β·C (upper triangle of C), exactly symmetric',
    ([A, C0], alpha, beta) => {
      const n = A.cols;
      const Csym = symmetrise(mat(n, n), C0);
      const out = { rows: n, cols: n, data: new Float64Array(Csym.data) };
      syrk(out, A, alpha, beta);
      const ref = naiveProduct(A, A, 'TN');
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          expect(out.data[i * n + j]).toBe(out.data[j * n + i]);
          const c = beta === 0 ? 0 : beta * Csym.data[i * n + j];
          const bound = (A.rows + GEMM_SLACK) * (2 * TOL.dotPerN * (Math.abs(alpha) * ref.absData[i * n + j] + Math.abs(c)) + UNDERFLOW_FLOOR);
          expect(Math.abs(out.data[i * n + j] - (alpha * ref.data[i * n + j] + c))).toBeLessThanOrEqual(bound);
        }
      }
    },
  );

  test.prop([shape.chain(({ m, n }) => fc.tuple(matrixArb(m, n, 1e3), vectorArb(m, 1e3), vectorArb(n, 1e3)))], propertyParams(100))(
    'scaleRows = diag(d)·A and scaleCols = A·diag(e), exact, in place allowed',
    ([A, d, e]) => {
      const R = scaleRows(mat(A.rows, A.cols), d, A);
      const C = scaleCols(mat(A.rows, A.cols), A, e);
      for (let i = 0; i < A.rows; i++) {
        for (let j = 0; j < A.cols; j++) {
          expect(R.data[i * A.cols + j]).toBe(d[i] * A.data[i * A.cols + j]);
          expect(C.data[i * A.cols + j]).toBe(A.data[i * A.cols + j] * e[j]);
        }
      }
      const inPlace = { rows: A.rows, cols: A.cols, data: new Float64Array(A.data) };
      scaleRows(inPlace, d, inPlace);
      expect(Array.from(inPlace.data)).toEqual(Array.from(R.data));
    },
  );

  test('shape errors name the operands', () => {
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
