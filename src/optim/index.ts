/**
 * src/optim — generic smooth minimisers on ℝⁿ, independent of the model: L-BFGS with a strong-Wolfe
 * line search, gradient descent with Armijo backtracking, a Newton polish, matrix-free trust-region
 * Newton-CG with Hessian-vector products, MINRES, and the finite-difference Hessian they and
 * src/verify share. Sits beside src/linalg and imports only it (and src/errors.ts).
 *
 * Where things are: L-BFGS, the `Objective` type and the status/message table → lbfgs.ts; gradient
 * descent → gradientDescent.ts; Newton polish → newton.ts; finite-difference Hessian → hessian.ts;
 * trust-region Newton-CG (Steihaug) and finite-difference Hessian-vector products → newtonCg.ts;
 * MINRES for symmetric systems given as products → krylov.ts.
 *
 * Shapes: x, ∇f, Hessian-vector products [n]; dense Hessians [n, n].
 */
export { lbfgs, LBFGS_MESSAGES } from './lbfgs.js';
export type { Objective, LbfgsOptions, LbfgsResult, LbfgsStatus } from './lbfgs.js';
export { gradientDescent } from './gradientDescent.js';
export { newtonPolish } from './newton.js';
export type { NewtonPolishOptions, NewtonPolishResult, NewtonPolishStatus } from './newton.js';
export { finiteDifferenceHessian } from './hessian.js';
export type { Gradient, FiniteDifferenceHessianOptions } from './hessian.js';
export { trustRegionNewtonCg, finiteDifferenceHvp } from './newtonCg.js';
export type { HessianVectorProduct, TrustRegionOptions, TrustRegionResult, TrustRegionStatus } from './newtonCg.js';
export { minres } from './krylov.js';
export type { LinearOperator, MinresOptions, MinresResult } from './krylov.js';
