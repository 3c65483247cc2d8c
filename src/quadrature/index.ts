/**
 * src/quadrature — numerical integration (imports only src/linalg): Gauss rules by Golub–Welsch
 * (probabilists' Hermite, generalised Laguerre) with expectations under N(0, 1) of smooth and
 * kinked integrands → gauss.ts; globally adaptive Gauss–Kronrod (G7K15) on finite intervals →
 * kronrod.ts.
 */
export type { QuadratureRule } from './gauss.js';
export { golubWelsch, gaussHermite, gaussLaguerre, normalExpectation, halfNormalExpectation, DEFAULT_NODES } from './gauss.js';
export type { GaussKronrodOptions } from './kronrod.js';
export { adaptiveGaussKronrod, GK_MAX_PANELS } from './kronrod.js';
