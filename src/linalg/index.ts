/**
 * Public surface of the linear-algebra engine: one dense row-major `Matrix` type
 * (`{ rows, cols, data: Float64Array }`), kernels that write into caller-owned output
 * (`op(out, ...inputs)`, returning `out`), factorisations that validate and fail at factor
 * time with typed errors, a symmetric eigensolver and a portable seeded RNG.
 */
export type { Matrix, ReadonlyMatrix, Vector, To2DArray } from './matrix.js';
export { zeros, identity, asMatrix, fromRows, toRows, clone, copyInto, diagMatrix, fromVector } from './matrix.js';

export {
  LinalgError,
  ShapeError,
  NonFiniteError,
  NotSymmetricError,
  NotPositiveDefiniteError,
  SingularMatrixError,
  ConvergenceError,
} from './errors.js';
export type { DefinitenessWitness } from './errors.js';

export { SYMMETRY_RTOL, assertFinite, assertFiniteVector, assertSymmetric, relativeAsymmetry, shapeOf } from './validate.js';

export type { GemmTrans } from './gemm.js';
export { gemm, matmul, matmulTN, matmulNT } from './gemm.js';
export { gemv, axpy, scale, add, sub, transpose, symmetrise, outer, syr, syrk, scaleRows, scaleCols } from './blas.js';

export { trace, traceAB, traceAtB, quadForm, frobeniusNorm, dot, norm2, maxAbs } from './trace.js';

export type { CholeskyFactor } from './cholesky.js';
export {
  cholesky,
  choleskySolve,
  choleskySolveMatrix,
  solveLower,
  solveUpper,
  solveLowerTransposed,
  solveSPD,
  solveSPDMatrix,
} from './cholesky.js';

export type { LUFactor } from './lu.js';
export { lu, luSolve, luSolveMatrix, solve, solveMatrix } from './lu.js';

export type { EighResult } from './eigh.js';
export { eigh, eigvalsh, symmetricFunction, fromEigenpairs, sqrtm, invSqrtm, conditionNumberSPD } from './eigh.js';

export { Rng, randomOrthogonal, spdFromSpectrum, gammaMarsagliaTsang } from './random.js';
export type { VariateSource } from './random.js';
