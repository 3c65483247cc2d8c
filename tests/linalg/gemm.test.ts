import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Matrix as MlMatrix } from 'ml-matrix';
import { ShapeError, gemm, matmul, matmulNT, matmulTN, type Matrix } from '../../src/linalg/index.js';
import { setGemmBlocking } from '../../src/linalg/gemm.js';
import { GEMM_SLACK, TOL, UNDERFLOW_FLOOR, naiveProduct } from '../helpers/tolerance.js';
import { boundedDouble, matrixArb, propertyParams, sizeArb, itProp } from '../helpers/arbitraries.js';

type Trans = 'NN' | 'TN' | 'NT';
const TRANS: readonly Trans[] = ['NN', 'TN', 'NT'];

/** Operand shapes so that op(A): [m, k], op(B): [k, n]. */
function operandShapes(trans: Trans, m: number, k: number, n: number): { a: [number, number]; b: [number, number] } {
  return { a: trans === 'TN' ? [k, m] : [m, k], b: trans === 'NT' ? [n, k] : [k, n] };
}

const gemmCase = (maxDim: number) =>
  fc
    .record({ m: sizeArb(1, maxDim), k: sizeArb(1, maxDim), n: sizeArb(1, maxDim), trans: fc.constantFrom(...TRANS) })
    .chain(({ m, k, n, trans }) => {
      const s = operandShapes(trans, m, k, n);
      return fc.record({
        trans: fc.constant(trans),
        A: matrixArb(s.a[0], s.a[1], 10),
        B: matrixArb(s.b[0], s.b[1], 10),
        C: matrixArb(m, n, 10),
        alpha: fc.oneof(fc.constant(1), boundedDouble(3)),
        beta: fc.oneof(fc.constant(0), fc.constant(1), boundedDouble(3)),
      });
    });

/** Checks out = alpha·op(A)·op(B) + beta·C0 entrywise within (k + slack)·EPS·(|α|·Σ|a||b| + |β|·|c|). */
function expectGemmClose(out: Matrix, A: Matrix, B: Matrix, C0: Matrix, trans: Trans, alpha: number, beta: number): void {
  const ref = naiveProduct(A, B, trans);
  const k = trans === 'TN' ? A.rows : A.cols;
  for (let i = 0; i < out.data.length; i++) {
    const c0 = beta === 0 ? 0 : beta * C0.data[i];
    const expected = alpha * ref.data[i] + c0;
    const bound = (k + GEMM_SLACK) * (TOL.dotPerN * (Math.abs(alpha) * ref.absData[i] + Math.abs(c0)) + UNDERFLOW_FLOOR);
    const err = Math.abs(out.data[i] - expected);
    if (!(err <= bound)) {
      throw new Error(`gemm(${trans}) entry ${i}: |${out.data[i]} − ${expected}| = ${err} > ${bound}`);
    }
  }
}

describe('gemm', () => {
  itProp([gemmCase(40)], propertyParams(150))('matches the naive triple loop in NN/TN/NT with alpha, beta (default blocking)', ({ trans, A, B, C, alpha, beta }) => {
    const out = { rows: C.rows, cols: C.cols, data: new Float64Array(C.data) };
    expect(gemm(out, A, B, trans, alpha, beta)).toBe(out);
    expectGemmClose(out, A, B, C, trans, alpha, beta);
  });

  itProp([gemmCase(30)], propertyParams(150))('matches the naive loop when tiny cache blocks make every size cross kc/mc/nc and the 4×3 tile edges', ({ trans, A, B, C, alpha, beta }) => {
    const prev = setGemmBlocking({ kc: 5, mc: 8, nc: 9 });
    try {
      const out = { rows: C.rows, cols: C.cols, data: new Float64Array(C.data) };
      gemm(out, A, B, trans, alpha, beta);
      expectGemmClose(out, A, B, C, trans, alpha, beta);
    } finally {
      setGemmBlocking(prev);
    }
  });

  it('crosses the default blocks (k > 256, m > 96, n > 768) in all transposes', () => {
    const m = 101;
    const k = 263;
    const n = 773;
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    for (const trans of TRANS) {
      const s = operandShapes(trans, m, k, n);
      const A = { rows: s.a[0], cols: s.a[1], data: Float64Array.from({ length: s.a[0] * s.a[1] }, rand) };
      const B = { rows: s.b[0], cols: s.b[1], data: Float64Array.from({ length: s.b[0] * s.b[1] }, rand) };
      const C = { rows: m, cols: n, data: Float64Array.from({ length: m * n }, rand) };
      const out = { rows: m, cols: n, data: new Float64Array(C.data) };
      gemm(out, A, B, trans, -0.75, 0.5);
      expectGemmClose(out, A, B, C, trans, -0.75, 0.5);
    }
  });

  it('1×1 and exact small products', () => {
    const out = { rows: 1, cols: 1, data: new Float64Array([7]) };
    gemm(out, { rows: 1, cols: 1, data: new Float64Array([3]) }, { rows: 1, cols: 1, data: new Float64Array([-2]) });
    expect(out.data[0]).toBe(-6);
    const A = { rows: 2, cols: 3, data: new Float64Array([1, 2, 3, 4, 5, 6]) };
    expect(Array.from(matmul(A, matmulTN(A, { rows: 2, cols: 1, data: new Float64Array([1, 1]) })).data)).toEqual([46, 109]);
    expect(Array.from(matmulNT(A, A).data)).toEqual([14, 32, 32, 77]);
    expect(Array.from(matmulTN(A, A).data)).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
  });

  it('beta = 0 ignores NaN already in out; k = 0 gives beta·out; empty shapes are fine', () => {
    const A = { rows: 2, cols: 2, data: new Float64Array([1, 0, 0, 1]) };
    const out = { rows: 2, cols: 2, data: new Float64Array([NaN, NaN, NaN, NaN]) };
    gemm(out, A, A);
    expect(Array.from(out.data)).toEqual([1, 0, 0, 1]);
    const outK0 = { rows: 2, cols: 2, data: new Float64Array([1, 2, 3, 4]) };
    gemm(outK0, { rows: 2, cols: 0, data: new Float64Array(0) }, { rows: 0, cols: 2, data: new Float64Array(0) }, 'NN', 1, 2);
    expect(Array.from(outK0.data)).toEqual([2, 4, 6, 8]);
    const empty = gemm({ rows: 0, cols: 3, data: new Float64Array(0) }, { rows: 0, cols: 4, data: new Float64Array(0) }, { rows: 4, cols: 3, data: new Float64Array(12) });
    expect(empty.data.length).toBe(0);
  });

  it('NaN in an input propagates', () => {
    const A = { rows: 5, cols: 5, data: new Float64Array(25).fill(1) };
    A.data[7] = NaN;
    const out = matmul(A, A);
    expect(Number.isNaN(out.data[1 * 5 + 0])).toBe(true);
  });

  it('shape errors name both shapes', () => {
    const A = { rows: 2, cols: 3, data: new Float64Array(6) };
    const B = { rows: 2, cols: 3, data: new Float64Array(6) };
    expect(() => gemm({ rows: 2, cols: 3, data: new Float64Array(6) }, A, B)).toThrow(ShapeError);
    expect(() => gemm({ rows: 2, cols: 3, data: new Float64Array(6) }, A, B)).toThrow(/A is \[2, 3\].*B is \[2, 3\]/);
    expect(() => gemm({ rows: 3, cols: 3, data: new Float64Array(9) }, A, B, 'NT')).toThrow(/out is \[3, 3\] but A·Bᵀ is \[2, 2\]/);
    expect(() => gemm({ rows: 3, cols: 3, data: new Float64Array(9) }, A, B, 'TN')).not.toThrow();
    expect(() => gemm({ rows: 3, cols: 3, data: new Float64Array(9) }, A, B, 'XX' as 'NN')).toThrow(ShapeError);
  });

  it('out must not alias an input', () => {
    const A = { rows: 3, cols: 3, data: new Float64Array(9).fill(1) };
    expect(() => gemm(A, A, A)).toThrow(/out shares memory with A/);
    const buf = new Float64Array(18);
    const left = { rows: 3, cols: 3, data: buf.subarray(0, 9) };
    const right = { rows: 3, cols: 3, data: buf.subarray(9) };
    expect(() => gemm(right, left, left)).not.toThrow();
    const overlapping = { rows: 3, cols: 3, data: buf.subarray(5, 14) };
    expect(() => gemm(overlapping, left, right)).toThrow(ShapeError);
  });

  it('agrees with ml-matrix mmul', () => {
    const n = 37;
    const rows = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Math.sin(i * n + j)));
    const A = { rows: n, cols: n, data: Float64Array.from(rows.flat()) };
    const ours = matmul(A, A);
    const theirs = new MlMatrix(rows).mmul(new MlMatrix(rows)).to2DArray().flat();
    const ref = naiveProduct(A, A);
    for (let i = 0; i < n * n; i++) {
      expect(Math.abs(ours.data[i] - theirs[i])).toBeLessThanOrEqual(2 * (n + GEMM_SLACK) * TOL.dotPerN * ref.absData[i]);
    }
  });
});
