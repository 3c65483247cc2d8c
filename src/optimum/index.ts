/**
 * src/optimum — the optimum of an estimator class, one entry point for all four: `optimum(problem,
 * kind)` gives GD-β/GD-0 in closed form (math.md §3.2, from src/risk) and LSA/LTB numerically
 * (math.md §4.2 and the OPT check of §5.1: multi-start flow + L-BFGS + Newton on the exact risk). Sits above src/flow (its
 * flow stage and ZFB's start) and below src/verify and src/cli.
 *
 * Where things are: the entry point and its discriminated result → optimum.ts; the multi-start
 * driver, its start points and the start/basin report (`starts`, `spread`) → multistart.ts; one
 * start (flow stage, then polish) → attention.ts; the reduced objective, the gauge (balancing) term
 * and the problem scale E[y²], and their Hessian-vector products → objective.ts; the whitened
 * coordinates of the polish → whitening.ts; the optimal L-step GD-β (math.md §3.7: multi-start
 * L-BFGS + Newton on the exact risk (3.48)) → multistep.ts (its packing, Hessian and distances: src/flow multistepFlow.ts); gauge balancing ‖p‖ = ‖Q‖ → balance.ts; the
 * matrix-free (MINRES) linear solves of the flow stage and their stiff-block preconditioner → flowSolver.ts. Generic minimisers: src/optim; packing and the reduced ↔
 * raw maps: src/models.
 *
 * Shapes: d feature dimension; reduced parameters θ = (β_m [d] (LTB only), p [d+1], Q [d+1, d]),
 * packed in that order, row-major.
 */
export { optimum, OPTIMUM_KINDS, OPTIMUM_CLASSES, MAX_ATTENTION_SCALE, MIN_ATTENTION_SCALE } from './optimum.js';
export type { OptimumKind, OptimumClass, Optimum, AnyOptimum, GdBetaOptimum, Gd0Optimum, ClassOptimum } from './optimum.js';
export { optimumGdMultistep, multistepStarts } from './multistep.js';
export type { MultistepOptimum, MultistepOptimumOptions, MultistepStartResult, MultistepStart } from './multistep.js';
export { optimumAttention, attentionStarts, MAX_DIMENSION } from './multistart.js';
export type { AttentionOptimum, AttentionOptimumOptions, AttentionStart, AttentionProgress } from './multistart.js';
export { optimumFromStart, startContext } from './attention.js';
export type { FlowStage, StartOptions, StartResult, StartOutcome, StartContext } from './attention.js';
export { reducedObjective, addGaugeTerm, addGaugeHvp, reducedHvp } from './objective.js';
export type { ObjectiveOptions } from './objective.js';
export { Whitening, whitenedObjective, whitenedHvp } from './whitening.js';
export { hessianFlowSolver, stiffBlockPreconditioner } from './flowSolver.js';
export type { FlowPreconditioner, FlowSolverOptions } from './flowSolver.js';
export { balance } from './balance.js';
