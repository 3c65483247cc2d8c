import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ShapeError, dot, frobeniusNorm, maxAbs, norm2, quadForm, trace, traceAB, traceAtB, type Matrix } from '../../src/linalg/index.js';
import { GEMM_SLACK, TOL, UNDERFLOW_FLOOR, naiveProduct } from '../helpers/tolerance.js';
import { matrixArb, propertyParams, sizeArb, vectorArb, itProp } from '../helpers/arbitraries.js';

const mat = (m: number, n: number, data: number[]): Matrix => ({ rows: m, cols: n, data: Float64Array.from(data) });

describe('traces', () => {
  itProp([fc.tuple(sizeArb(1, 70), sizeArb(1, 70)).chain(([m, n]) => fc.tuple(matrixArb(m, n, 10), matrixArb(n, m, 10)))], propertyParams(80))(
    'tr(AB) equals the trace of the naive product within (mn + slack)·EPS·Σ|a_ij b_ji| (crosses the 32×32 tiles)',
    ([A, B]) => {
      const P = naiveProduct(A, B);
      let t = 0;
      let bound = 0;
      for (let i = 0; i < A.rows; i++) {
        t += P.data[i * A.rows + i];
        bound += P.absData[i * A.rows + i];
      }
      const k = A.rows * A.cols + GEMM_SLACK;
      expect(Math.abs(traceAB(A, B) - t)).toBeLessThanOrEqual(k * (TOL.dotPerN * bound + UNDERFLOW_FLOOR));
      // tr(AB) = tr(BA)
      expect(Math.abs(traceAB(B, A) - t)).toBeLessThanOrEqual(k * (TOL.dotPerN * bound + UNDERFLOW_FLOOR));
    },
  );

  itProp([fc.tuple(sizeArb(1, 30), sizeArb(1, 30)).chain(([m, n]) => fc.tuple(matrixArb(m, n, 10), matrixArb(m, n, 10)))], propertyParams(100))(
    'tr(AᵀB) equals Σ a_ij b_ij and tr of the naive AᵀB',
    ([A, B]) => {
      const P = naiveProduct(A, B, 'TN');
      let t = 0;
      let bound = 0;
      for (let i = 0; i < A.cols; i++) {
        t += P.data[i * A.cols + i];
        bound += P.absData[i * A.cols + i];
      }
      expect(Math.abs(traceAtB(A, B) - t)).toBeLessThanOrEqual((A.data.length + GEMM_SLACK) * (TOL.dotPerN * bound + UNDERFLOW_FLOOR));
    },
  );

  it('known values and shape errors', () => {
    const A = mat(2, 2, [1, 2, 3, 4]);
    expect(trace(A)).toBe(5);
    expect(traceAB(A, A)).toBe(1 + 6 + 6 + 16);
    expect(traceAtB(A, A)).toBe(30);
    expect(trace(mat(0, 0, []))).toBe(0);
    expect(() => trace(mat(1, 2, [1, 2]))).toThrow(/A is \[1, 2\] but must be square/);
    expect(() => traceAB(mat(2, 3, [1, 2, 3, 4, 5, 6]), mat(2, 3, [1, 2, 3, 4, 5, 6]))).toThrow(/A is \[2, 3\] so B must be \[3, 2\], but B is \[2, 3\]/);
    expect(() => traceAtB(A, mat(1, 2, [1, 2]))).toThrow(ShapeError);
  });
});

describe('quadForm, dot', () => {
  itProp([fc.tuple(sizeArb(1, 30), sizeArb(1, 30)).chain(([m, n]) => fc.tuple(vectorArb(m, 10), matrixArb(m, n, 10), vectorArb(n, 10)))], propertyParams(100))(
    'xᵀAy matches the naive double sum',
    ([x, A, y]) => {
      let s = 0;
      let bound = 0;
      for (let i = 0; i < A.rows; i++) {
        for (let j = 0; j < A.cols; j++) {
          s += x[i] * A.data[i * A.cols + j] * y[j];
          bound += Math.abs(x[i] * A.data[i * A.cols + j] * y[j]);
        }
      }
      expect(Math.abs(quadForm(x, A, y) - s)).toBeLessThanOrEqual((A.data.length + GEMM_SLACK) * (TOL.dotPerN * bound + UNDERFLOW_FLOOR));
    },
  );

  itProp([sizeArb(0, 60).chain((n) => fc.tuple(vectorArb(n, 10), vectorArb(n, 10)))], propertyParams(100))('dot matches the naive sum', ([x, y]) => {
    let s = 0;
    let bound = 0;
    for (let i = 0; i < x.length; i++) {
      s += x[i] * y[i];
      bound += Math.abs(x[i] * y[i]);
    }
    expect(Math.abs(dot(x, y) - s)).toBeLessThanOrEqual((x.length + GEMM_SLACK) * (TOL.dotPerN * bound + UNDERFLOW_FLOOR));
  });

  it('shape errors', () => {
    expect(() => quadForm(new Float64Array(2), mat(3, 2, [1, 2, 3, 4, 5, 6]), new Float64Array(2))).toThrow(/x has length 2 but A.rows \(A is \[3, 2\]\) is 3/);
    expect(() => quadForm(new Float64Array(3), mat(3, 2, [1, 2, 3, 4, 5, 6]), new Float64Array(3))).toThrow(/y has length 3/);
    expect(() => dot(new Float64Array(2), new Float64Array(3))).toThrow(ShapeError);
  });
});

describe('norms', () => {
  itProp([sizeArb(1, 60).chain((n) => vectorArb(n, 1e3))], propertyParams(100))('norm2 matches sqrt(Σx²) and is scale-equivariant', (x) => {
    // Reference scaled by max|x_i| so that it does not underflow either.
    let m = 0;
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
    let ss = 0;
    for (let i = 0; i < x.length; i++) ss += m === 0 ? 0 : (x[i] / m) ** 2;
    const ref = m * Math.sqrt(ss);
    const n = norm2(x);
    expect(Math.abs(n - ref)).toBeLessThanOrEqual((x.length + GEMM_SLACK) * TOL.dotPerN * ref);
    const big = Float64Array.from(x, (v) => v * 2 ** 900);
    const tiny = Float64Array.from(x, (v) => v * 2 ** -900);
    if (n > 1e-30) {
      expect(Math.abs(norm2(big) / 2 ** 900 - n)).toBeLessThanOrEqual((x.length + GEMM_SLACK) * TOL.dotPerN * n);
      expect(Math.abs(norm2(tiny) * 2 ** 900 - n)).toBeLessThanOrEqual((x.length + GEMM_SLACK) * TOL.dotPerN * n);
    }
  });

  it('no overflow or underflow; edge cases', () => {
    expect(Math.abs(norm2(new Float64Array([3e200, 4e200])) / 5e200 - 1)).toBeLessThanOrEqual(4 * TOL.dotPerN);
    expect(Math.abs(norm2(new Float64Array([3e-200, 4e-200])) / 5e-200 - 1)).toBeLessThanOrEqual(4 * TOL.dotPerN);
    expect(Math.abs(frobeniusNorm(mat(2, 2, [1e300, 1e300, 1e300, 1e300])) / 2e300 - 1)).toBeLessThanOrEqual(4 * TOL.dotPerN);
    expect(norm2(new Float64Array(0))).toBe(0);
    expect(norm2(new Float64Array([0, 0]))).toBe(0);
    expect(norm2(new Float64Array([Infinity, 1]))).toBe(Infinity);
    expect(norm2(new Float64Array([NaN, 1]))).toBeNaN();
    expect(frobeniusNorm(mat(2, 2, [1, 2, 2, 4]))).toBe(5);
  });

  it('maxAbs of matrices and vectors, NaN propagates', () => {
    expect(maxAbs(mat(2, 2, [1, -7, 3, 2]))).toBe(7);
    expect(maxAbs(new Float64Array([-2, 1]))).toBe(2);
    expect(maxAbs(mat(0, 0, []))).toBe(0);
    expect(maxAbs(new Float64Array([1, NaN, 5]))).toBeNaN();
    expect(maxAbs(new Float64Array([NaN]))).toBeNaN();
  });
});
