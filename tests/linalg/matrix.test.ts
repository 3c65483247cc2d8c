import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Matrix as MlMatrix } from 'ml-matrix';
import { NonFiniteError, ShapeError, asMatrix, clone, copyInto, diagMatrix, fromRows, fromVector, identity, toRows, zeros } from '../../src/linalg/index.js';
import { boundedDouble, propertyParams, sizeArb, itProp } from '../helpers/arbitraries.js';

const rowsArb = fc.tuple(sizeArb(0, 12), sizeArb(0, 12)).chain(([m, n]) => fc.array(fc.array(boundedDouble(1e6), { minLength: n, maxLength: n }), { minLength: m, maxLength: m }));

describe('construction', () => {
  it('zeros, identity, diagMatrix', () => {
    const Z = zeros(2, 3);
    expect(Z.rows).toBe(2);
    expect(Z.cols).toBe(3);
    expect(Array.from(Z.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(toRows(identity(3))).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(toRows(diagMatrix([2, -1]))).toEqual([
      [2, 0],
      [0, -1],
    ]);
    expect(zeros(0, 0).data.length).toBe(0);
    expect(identity(0).rows).toBe(0);
    expect(() => zeros(-1, 2)).toThrow(/rows must be a non-negative integer, got -1/);
    expect(() => identity(1.5)).toThrow(RangeError);
  });

  it('asMatrix wraps without copying and checks the length', () => {
    const data = new Float64Array(6);
    const A = asMatrix(2, 3, data);
    expect(A.data).toBe(data);
    expect(() => asMatrix(2, 2, data)).toThrow(/data has length 6 but \[2, 2\] needs 4/);
  });

  itProp([rowsArb], propertyParams(100))('fromRows ∘ toRows round-trips nested arrays bit for bit', (rows) => {
    const A = fromRows(rows);
    expect(A.rows).toBe(rows.length);
    expect(A.cols).toBe(rows.length === 0 ? 0 : rows[0].length);
    expect(toRows(A)).toEqual(rows);
  });

  it('fromRows accepts ml-matrix objects and Matrix values (copying)', () => {
    const ml = new MlMatrix([
      [1, 2],
      [3, 4],
    ]);
    expect(toRows(fromRows(ml))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const A = fromRows([[5, 6]]);
    const B = fromRows(A);
    expect(B.data).not.toBe(A.data);
    expect(toRows(B)).toEqual([[5, 6]]);
    expect(fromRows([]).rows).toBe(0);
  });

  it('fromRows errors name the argument and the position', () => {
    expect(() => fromRows([[1, 2], [3]], 'Sigma')).toThrow(ShapeError);
    expect(() => fromRows([[1, 2], [3]], 'Sigma')).toThrow(/Sigma\[1\] has length 1 but Sigma\[0\] has length 2/);
    try {
      fromRows(
        [
          [1, 2],
          [3, Number.NaN],
        ],
        'H',
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NonFiniteError);
      const err = e as NonFiniteError;
      expect([err.argument, err.row, err.col]).toEqual(['H', 1, 1]);
      expect(err.message).toMatch(/H\[1\]\[1\] is NaN/);
    }
    expect(() => fromRows([[Infinity]])).toThrow(/A\[0\]\[0\] is Infinity/);
    expect(() => fromRows([[1, '2' as unknown as number]])).toThrow(TypeError);
    expect(() => fromRows({ rows: 1, cols: 2, data: new Float64Array([1, -Infinity]) }, 'M')).toThrow(/M\[0\]\[1\] is -Infinity/);
    expect(() => fromRows(42 as unknown as number[][])).toThrow(TypeError);
  });

  it('clone is independent; copyInto checks shapes', () => {
    const A = fromRows([[1, 2]]);
    const B = clone(A);
    B.data[0] = 9;
    expect(A.data[0]).toBe(1);
    const C = zeros(1, 2);
    expect(copyInto(C, A)).toBe(C);
    expect(Array.from(C.data)).toEqual([1, 2]);
    expect(() => copyInto(zeros(2, 1), A)).toThrow(/out is \[2, 1\] but A is \[1, 2\]/);
  });

  it('fromVector validates and copies', () => {
    const v = fromVector([1, -0, 3]);
    expect(Object.is(v[1], -0)).toBe(true);
    expect(() => fromVector([1, NaN], 'beta')).toThrow(/beta\[1\]\[0\] is NaN/);
    expect(() => fromVector([1, 'x' as unknown as number])).toThrow(TypeError);
    const src = new Float64Array([1, 2]);
    expect(fromVector(src)).not.toBe(src);
  });
});
