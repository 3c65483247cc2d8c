import { describe, expect, it } from 'vitest';
import {
  ConvergenceError,
  LinalgError,
  NonFiniteError,
  NotPositiveDefiniteError,
  NotSymmetricError,
  ShapeError,
  SingularMatrixError,
} from '../../src/linalg/index.js';

describe('error classes', () => {
  it('all derive from LinalgError and Error, carry their fields and a descriptive message', () => {
    const cases: [LinalgError, string, RegExp][] = [
      [new ShapeError('gemm: A is [2, 3] but B is [4, 5]'), 'ShapeError', /A is \[2, 3\] but B is \[4, 5\]/],
      [new NonFiniteError('X', 1, 2, Number.NaN), 'NonFiniteError', /X\[1\]\[2\] is NaN/],
      [new NotSymmetricError('S', 1e-3, 1e-10), 'NotSymmetricError', /S is not symmetric.*1\.000e-3.*1\.000e-10/],
      [new NotPositiveDefiniteError('H', 3, -0.5), 'NotPositiveDefiniteError', /H is not positive definite: Cholesky pivot 3 is -5\.000000e-1.*indefinite/],
      [new NotPositiveDefiniteError('H', 0, -2, 'eigenvalue'), 'NotPositiveDefiniteError', /eigenvalue 0 is -2\.000000e\+0/],
      [new SingularMatrixError('M', 2, 1e-20), 'SingularMatrixError', /M is singular to working precision: LU pivot 2/],
      [new ConvergenceError('A', 'eigh (implicit QL)', 90), 'ConvergenceError', /eigh \(implicit QL\) did not converge for A within 90 iterations/],
    ];
    for (const [err, name, message] of cases) {
      expect(err).toBeInstanceOf(LinalgError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe(name);
      expect(err.message).toMatch(message);
    }
    const npd = new NotPositiveDefiniteError('H', 3, -0.5);
    expect([npd.argument, npd.pivotIndex, npd.pivotValue, npd.witness]).toEqual(['H', 3, -0.5, 'Cholesky pivot']);
    const sing = new SingularMatrixError('M', 2, 0);
    expect([sing.argument, sing.pivotIndex, sing.pivotValue]).toEqual(['M', 2, 0]);
  });
});
