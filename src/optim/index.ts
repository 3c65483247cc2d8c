/**
 * src/optim — generic smooth minimisers on ℝⁿ, independent of the model: L-BFGS with a strong-Wolfe
 * line search, gradient descent with Armijo backtracking, a Newton polish, and the finite-difference
 * Hessian they and src/verify share. Sits beside src/linalg and imports only it (and src/errors.ts).
 *
 * Where things are: L-BFGS, the `Objective` type and the status/message table → lbfgs.ts; gradient
 * descent → gradientDescent.ts; Newton polish → newton.ts; finite-difference Hessian → hessian.ts.
 *
 * Shapes: x, ∇f [n]; Hessians [n, n].
 */
export { lbfgs, LBFGS_MESSAGES } from './lbfgs.js';
export type { Objective, LbfgsOptions, LbfgsResult, LbfgsStatus } from './lbfgs.js';
export { gradientDescent } from './gradientDescent.js';
export { newtonPolish } from './newton.js';
export type { NewtonPolishOptions, NewtonPolishResult, NewtonPolishStatus } from './newton.js';
export { finiteDifferenceHessian } from './hessian.js';
export type { Gradient, FiniteDifferenceHessianOptions } from './hessian.js';
