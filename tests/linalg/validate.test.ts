import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NonFiniteError, NotSymmetricError, SYMMETRY_RTOL, assertFinite, assertFiniteVector, assertSymmetric, relativeAsymmetry, shapeOf } from '../../src/linalg/index.js';
import { overlaps, symmetricInput } from '../../src/linalg/validate.js';
import { propertyParams, spectralArb, itProp } from '../helpers/arbitraries.js';

describe('finiteness', () => {
  it('reports the first non-finite entry with its position', () => {
    const A = { rows: 2, cols: 3, data: new Float64Array([0, 1, 2, 3, -Infinity, NaN]) };
    try {
      assertFinite(A, 'W');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NonFiniteError);
      const err = e as NonFiniteError;
      expect([err.argument, err.row, err.col, err.value]).toEqual(['W', 1, 1, -Infinity]);
    }
    expect(() => assertFiniteVector(new Float64Array([1, 2, NaN]), 'y')).toThrow(/y\[2\]\[0\] is NaN/);
    expect(() => assertFinite({ rows: 1, cols: 1, data: new Float64Array([Number.MIN_VALUE]) })).not.toThrow();
    expect(() => assertFinite({ rows: 1, cols: 1, data: new Float64Array([-Number.MAX_VALUE]) })).not.toThrow();
  });
});

describe('symmetry is judged relative to max|A|', () => {
  itProp([spectralArb({ maxSize: 12, indefinite: true, maxLog10Scale: 200 }), fc.double({ min: 0.01, max: 0.9, noNaN: true })], propertyParams(60))(
    'a perturbation below rtol·max|A| passes at any scale, one above it fails',
    ({ A, n }, frac) => {
      if (n < 2) return;
      const mx = Math.max(...Array.from(A.data, Math.abs));
      const small = { rows: n, cols: n, data: new Float64Array(A.data) };
      small.data[1] += frac * SYMMETRY_RTOL * mx;
      expect(() => assertSymmetric(small)).not.toThrow();
      const big = { rows: n, cols: n, data: new Float64Array(A.data) };
      big.data[1] += (10 / frac) * SYMMETRY_RTOL * mx;
      expect(() => assertSymmetric(big, 'K')).toThrow(NotSymmetricError);
    },
  );

  it('reports asymmetry and tolerance; zero matrix is symmetric', () => {
    const A = { rows: 2, cols: 2, data: new Float64Array([1, 2, 3, 4]) };
    expect(relativeAsymmetry(A)).toBe(1 / 4);
    try {
      assertSymmetric(A, 'Psi');
      expect.unreachable();
    } catch (e) {
      const err = e as NotSymmetricError;
      expect(err).toBeInstanceOf(NotSymmetricError);
      expect(err.argument).toBe('Psi');
      expect(err.asymmetry).toBe(0.25);
      expect(err.tolerance).toBe(SYMMETRY_RTOL);
      expect(err.message).toMatch(/Psi is not symmetric/);
    }
    expect(relativeAsymmetry({ rows: 2, cols: 2, data: new Float64Array(4) })).toBe(0);
    expect(() => assertSymmetric({ rows: 1, cols: 2, data: new Float64Array(2) })).toThrow(/must be square/);
  });

  it('symmetricInput returns the exactly symmetric average', () => {
    const A = { rows: 2, cols: 2, data: new Float64Array([1, 2, 2 + 1e-15, 4]) };
    const S = symmetricInput('op', A, 'A');
    expect(S.data[1]).toBe(S.data[2]);
    expect(S.data).not.toBe(A.data);
  });
});

describe('helpers', () => {
  it('shapeOf and overlaps', () => {
    expect(shapeOf({ rows: 3, cols: 4 })).toBe('[3, 4]');
    const buf = new Float64Array(10);
    expect(overlaps(buf.subarray(0, 5), buf.subarray(5))).toBe(false);
    expect(overlaps(buf.subarray(0, 6), buf.subarray(5))).toBe(true);
    expect(overlaps(buf, new Float64Array(10))).toBe(false);
    expect(overlaps(buf.subarray(3, 3), buf)).toBe(false);
  });
});
