import { describe, expect, it } from 'vitest';
import * as linalg from '../../src/linalg/index.js';

/** The public API other modules code against: every name must stay exported, with no synonyms. */
const API = [
  // construction / interop
  'zeros', 'identity', 'asMatrix', 'fromRows', 'toRows', 'clone', 'copyInto', 'diagMatrix', 'fromVector',
  // errors
  'LinalgError', 'ShapeError', 'NonFiniteError', 'NotSymmetricError', 'NotPositiveDefiniteError', 'SingularMatrixError', 'ConvergenceError',
  // validation
  'SYMMETRY_RTOL', 'assertFinite', 'assertFiniteVector', 'assertSymmetric', 'relativeAsymmetry', 'shapeOf',
  // level 1/2/3
  'gemm', 'matmul', 'matmulTN', 'matmulNT', 'gemv', 'axpy', 'scale', 'add', 'sub', 'transpose', 'symmetrise', 'outer', 'syr', 'syrk', 'scaleRows', 'scaleCols',
  // reductions
  'trace', 'traceAB', 'traceAtB', 'quadForm', 'frobeniusNorm', 'dot', 'norm2', 'maxAbs',
  // factorisations and solves
  'cholesky', 'choleskySolve', 'choleskySolveMatrix', 'solveLower', 'solveUpper', 'solveLowerTransposed', 'solveSPD', 'solveSPDMatrix',
  'lu', 'luSolve', 'luSolveMatrix', 'solve', 'solveMatrix',
  // eigen
  'eigh', 'eigvalsh', 'symmetricFunction', 'fromEigenpairs', 'sqrtm', 'invSqrtm', 'conditionNumberSPD',
  // randomness
  'Rng', 'randomOrthogonal', 'spdFromSpectrum', 'gammaMarsagliaTsang',
] as const;

describe('src/linalg/index.ts', () => {
  it('exports exactly the documented API', () => {
    expect(Object.keys(linalg).sort()).toEqual([...API].sort());
    for (const name of API) expect(linalg[name]).toBeDefined();
  });
});
