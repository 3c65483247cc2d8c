/**
 * src/flow — exact population gradient flows (math.md §4) of GD-β/GD-0, LTB/LSA and ZFB's LSA, the
 * stiff machinery they need (a structured linear solver for Rosenbrock methods, exponential
 * integrators in the eigenbasis of the Hessian at the optimum), and verdicts on a finished run.
 * The general ODE library lives in `./ode/`.
 *
 * Where things are: GD-β/GD-0 flow, optimum Hessian, Hessian-vector products → gdbetaFlow.ts; its
 * exponential (semilinear) form → gdbetaExponential.ts (integrated by `ode/`'s `exponential(etd4, …)`);
 * Rosenbrock linear solvers → stiff.ts (exact Jacobian) and wsolver.ts (the O(d²) W of the
 * Rosenbrock-W path); LTB/LSA → attentionFlow.ts; ZFB → zfbFlow.ts; verdicts → verdict.ts; build +
 * integrate + judge in one call → run.ts.
 *
 * Shapes: d feature dimension; GD states [d² + d] = (Γ̃ row-major, β̃₀) in the eigenbasis of H;
 * reduced attention states (β_m [d], p [d+1], Q [d+1, d]); raw states (W^{KQ}, W^{PV} [d+1, d+1],
 * W₁, W₂ [d_f, d+1]); ZFB states (u, Ũ [d, d]).
 */
export {
  gdBetaFlow,
  gdBetaInitialState,
  gdBetaHessianVectorProduct,
  gdBetaDenseHessian,
  optimumHessian,
  qMatrixEig,
  bPrimeEig,
  RANDOM_GAMMA_SCALE,
} from './gdbetaFlow.js';
export type { GdBetaFlow, GdFlowVariant, GdInit, OptimumHessian } from './gdbetaFlow.js';
export { gdBetaExponentialProblem } from './gdbetaExponential.js';
export type { GdBetaExponential, GdBetaHatBasis } from './gdbetaExponential.js';
export { gdBetaLinearSolver, gdBetaDenseJacobian } from './stiff.js';
export { gdBetaWSolver, W_REFRESH } from './wsolver.js';
export type { GdBetaWSolver, GdBetaWSolverStats } from './wsolver.js';
export { attentionFlow, attentionInitialState, RANDOM_ATTENTION_SCALE } from './attentionFlow.js';
export type { AttentionFlow, AttentionFlowSpec } from './attentionFlow.js';
export { zfbFlow, checkZfbProblem, zfbBalancedStart } from './zfbFlow.js';
export type { ZfbFlow } from './zfbFlow.js';
export { fitTailRate, gdVerdict, attentionVerdict, zfbVerdict, RATE_FIT_FLOOR, MONOTONE_RTOL } from './verdict.js';
export type { RateFit, GdVerdict, AttentionVerdict, AttentionVerdictOptions, ZfbVerdict, Basin } from './verdict.js';
export {
  runFlow,
  FLOW_MODELS,
  FLOW_METHODS,
  AUTO_DENSE_MAX,
  DEFAULT_RTOL,
  DEFAULT_ATOL,
  DEFAULT_CONVERGED_GAP,
  DEFAULT_CONVERGED_DISTANCE,
  ATTENTION_MAX_D,
  HYBRID_BDF_START,
  HYBRID_STALL_STEPS,
  HYBRID_STALL_STIFFNESS,
  W_COUPLED_SWITCH,
  W_COUPLED_HYSTERESIS,
  W_MAX_SWITCHES,
  DEFAULT_CONVERGED_GRAD,
  DEFAULT_ZFB_SCALE,
} from './run.js';
export type { RunFlowOptions, FlowRun, FlowStatus, FlowVerdict, FlowModel, FlowMethod } from './run.js';
export { flowMeasures, RATE_MIN_DECADES, RATE_WARN_RTOL } from './measures.js';
export type { FlowMeasures } from './measures.js';
export {
  runMultistepFlow, multistepHessian, multistepDistance, multistepObjective, multistepSize, packMultistep, unpackMultistep, checkMultistepSteps,
  MULTISTEP_FLOW_METHODS, MULTISTEP_FD_STEP,
} from './multistepFlow.js';
export type {
  MultistepFlowOptions, MultistepFlowRun, MultistepFlowStatus, MultistepFlowVerdict, MultistepFlowMethod, MultistepReference, MultistepHessian,
  MultistepDistance,
} from './multistepFlow.js';
