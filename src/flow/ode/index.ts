/**
 * linear-icl ODE library: explicit Runge–Kutta methods driven by validated Butcher tableaus, a
 * Rosenbrock method with pluggable linear algebra for stiff problems, exponential Runge–Kutta
 * methods for semilinear problems with a diagonal linear part, constant and PI step-size
 * control, dense output, events, steady-state detection and one `solve` entry point
 * (diffrax in miniature; coefficients and controller constants as scipy `integrate/_ivp`).
 *
 * @example
 * ```ts
 * import { solve, dopri5 } from './flow/ode/index.js';
 * const f = (t: number, y: Float64Array, out: Float64Array) => { out[0] = -y[0]; };
 * const sol = solve(f, Float64Array.of(1), [0, 1], dopri5, { rtol: 1e-8, atol: 1e-10 });
 * ```
 */

// Types and protocol
export type { VectorField, DenseBasis, DenseOutputInfo, StepCounters, StepWorkspace, Stepper } from './types.js';

// Tableaus
export { defineTableau, TableauError, TABLEAU_TOLERANCE } from './tableau.js';
export type { ButcherTableau, TableauDefinition, DenseOutputData } from './tableau.js';
export { euler } from './euler.js';
export { rk4 } from './rk4.js';
export { bosh3 } from './bosh3.js';
export { dopri5 } from './dopri5.js';
export { tsit5 } from './tsit5.js';
export { dop853 } from './dop853.js';

// Explicit RK stepper
export { explicitRK } from './stepper.js';
export type { ExplicitRKWorkspace } from './stepper.js';

// Rosenbrock
export { defineRosenbrockTableau, ROSENBROCK_TOLERANCE } from './rosenbrock-tableau.js';
export type { RosenbrockTableau, RosenbrockTableauDefinition } from './rosenbrock-tableau.js';
export { rodas4 } from './rodas4.js';
export { rodas4p } from './rodas4p.js';
export { ros34pw2, rosenbrockTableauFromStandardForm } from './ros34pw2.js';
export type { RosenbrockStandardForm } from './ros34pw2.js';
export { rosenbrock, rosenbrockStepper } from './rosenbrock.js';
export type { RosenbrockMethod, RosenbrockOptions, RosenbrockWorkspace, TimeDerivative } from './rosenbrock.js';
export { denseJacobianSolver, finiteDifferenceJacobian } from './linsolve.js';
export type { LinearSolverProvider, LinearSolverStats, DenseJacobian } from './linsolve.js';

// Exponential Runge–Kutta (semilinear problems y′ = ℓ ⊙ y + N(t, y))
export { defineExponentialTableau, phiFunctions, EXPONENTIAL_TOLERANCE } from './exponential-tableau.js';
export type { ExponentialTableau, ExponentialTableauDefinition, PhiTerm } from './exponential-tableau.js';
export { etd2, etd3, etd4, EXPONENTIAL_TABLEAUS } from './etd.js';
export { exponential, exponentialStepper, EXPONENTIAL_DEAD_BAND, EXPONENTIAL_DEAD_BAND_MIN_N } from './exponential.js';
export type { ExponentialMethod, ExponentialOptions, ExponentialWorkspace, SemilinearProblem } from './exponential.js';

// Step-size control
export {
  ConstantStepSize,
  PIController,
  SAFETY,
  MIN_FACTOR,
  MAX_FACTOR,
  PI_BETA1,
  PI_BETA2,
  PREVIOUS_ERROR_FLOOR,
  selectInitialStep,
} from './controller.js';
export type { PIControllerOptions, StepSizeController } from './controller.js';

// Saving, events, dense output
export type { SaveAt, StepStatistic } from './saveat.js';
export { brentRoot, EVENT_T_RTOL, EVENT_MAX_ITERATIONS } from './events.js';
export type { EventSpec, LocatedEvent } from './events.js';
export { evaluateDense } from './interpolation.js';

// Solve
export {
  solve,
  OdeSolveError,
  STATUS_MESSAGES,
  FAILURE_STATUSES,
  DEFAULT_MAX_STEPS,
  MIN_RTOL,
  MAX_NONFINITE_RETRIES,
  MIN_STEP_EPS_FACTOR,
  CONSTANT_STEP_SNAP,
} from './solve.js';
export type {
  Method,
  SolveOptions,
  Solution,
  SolutionCommon,
  SolveStatus,
  SolveStats,
  SteadyStateOptions,
  StepInfo,
  StepCallback,
} from './solve.js';

// Radau IIA (RADAU5: fully implicit, order 5, stiffly accurate)
export {
  radau5,
  radau5Stepper,
  RADAU_A,
  RADAU_C,
  RADAU_E,
  RADAU_P,
  RADAU_T,
  RADAU_TI,
  RADAU_MU_REAL,
  RADAU_MU_COMPLEX_RE,
  RADAU_MU_COMPLEX_IM,
  RADAU_NEWTON_MAX_ITER,
  RADAU_JACOBIAN_REUSE_THETA,
  RADAU_KEEP_STEP_MAX,
  RADAU_MIN_FACTOR,
  RADAU_MAX_FACTOR,
  RADAU_SAFETY,
  RADAU_NEWTON_FAILURE_FACTOR,
  RADAU_FIRST_REJECT_FACTOR,
  RADAU_DIVERGENCE_THETA,
  RADAU_FIXED_STEP_NEWTON_TOL,
  RADAU_FIXED_STEP_NEWTON_MAX_ITER,
  RADAU_NEWTON_FAILURE_NORM,
  RADAU_ERROR_FLOOR,
} from './radau5.js';
export type { Radau5Method, Radau5Options, Radau5Workspace } from './radau5.js';

// BDF/NDF (variable order 1–5, scipy BDF / ode15s design)
export {
  bdf,
  bdfStepper,
  bdfChangeMatrix,
  BDF_MAX_ORDER,
  BDF_NEWTON_MAX_ITER,
  BDF_MIN_FACTOR,
  BDF_MAX_FACTOR,
  BDF_NEWTON_FAILURE_FACTOR,
  BDF_KAPPA,
  BDF_NEWTON_FAILURE_NORM,
  BDF_REFACTOR_RATIO,
} from './bdf.js';
export type { BdfMethod, BdfOptions, BdfWorkspace } from './bdf.js';
export type { Tolerances } from './types.js';
