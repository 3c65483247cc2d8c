/**
 * The optimum of LSA or LTB from one start (math.md §4.2, OPT in §5.1): a flow stage that selects the basin the
 * training dynamics reach, then a polish to the bottom of that basin.
 *
 * Flow stage: the exact population gradient flow of src/flow (attentionFlow on the reduced
 * parameters, the Rosenbrock-W method ROS34PW2 — the flow is stiff — until near-stationary; its
 * linear solves are matrix-free, MINRES on I + γh·∇²R with analytic Hessian-vector products, preconditioned
 * by a Gauss–Newton model of the stiff part when H is not isotropic, flowSolver.ts), or a cruder
 * gradient-descent discretisation of it, or none. Polish: balance the gauge, L-BFGS in whitened
 * coordinates on the risk plus the balancing term to the hand-over level newtonFromRelative·E[y²],
 * then trust-region Newton-CG (Steihaug) with analytic Hessian-vector products (src/risk
 * reducedHessianOperator) to ‖∇‖ ≤ gtolRelative·E[y²] and on towards the floating-point floor of f
 * (where a line search can no longer measure a decrease), balance again. No n×n matrix is formed:
 * memory O(n), n = #parameters ≈ d². The start points and the choice among them: multistart.ts.
 */
import { norm2 } from '../linalg/index.js';
import {
  gradientDescent, lbfgs, trustRegionNewtonCg, type HessianVectorProduct, type LbfgsOptions, type LbfgsStatus,
  type NewtonPolishStatus, type Objective,
} from '../optim/index.js';
import { problemScale, reducedLayout, type AttentionKind, type Problem } from '../models/index.js';
import { attentionFlow } from '../flow/index.js';
import { ros34pw2, rosenbrock, solve } from '../flow/ode/index.js';
import { hessianFlowSolver, stiffBlockPreconditioner } from './flowSolver.js';
import { balance } from './balance.js';
import { reducedHvp, reducedObjective } from './objective.js';
import { Whitening, whitenedHvp, whitenedObjective } from './whitening.js';

/**
 * The flow stage of a start: `'ode'` — the exact population gradient flow (src/flow attentionFlow,
 * reduced parameters) by ROS34PW2 (a Rosenbrock-W method); `'gradient-descent'` — gradient
 * descent with Armijo backtracking; `'none'` — straight to the polish.
 */
export type FlowStage = 'ode' | 'gradient-descent' | 'none';

/** Options of one start (`optimumFromStart`); every field is optional. */
export interface StartOptions {
  /**
   * The flow stage: `'ode'` runs until ‖∇R‖∞ ≤ flowSteadyRelative·E[y²] or `flowMaxSteps` steps;
   * `'gradient-descent'` takes `flowSteps` steps (a cruder, cheaper discretisation); `'none'` skips
   * it. @defaultValue 'ode'
   */
  flow?: FlowStage;
  /** ODE flow stage: steady-state threshold relative to E[y²]. @defaultValue 1e-3 */
  flowSteadyRelative?: number;
  /** ODE flow stage: cap on accepted + rejected steps. @defaultValue 200 */
  flowMaxSteps?: number;
  /** Gradient-descent flow stage: number of steps. @defaultValue 300 */
  flowSteps?: number;
  /** Stop the polish at ‖∇R‖ ≤ gtolRelative·E[y²]. @defaultValue 1e-9 */
  gtolRelative?: number;
  /** μ of the balancing term (μ/4)(‖p̂‖² − ‖Q̂‖²)² added during the polish (whitened coordinates). @defaultValue 1 */
  gaugeWeight?: number;
  /**
   * L-BFGS hands over to trust-region Newton-CG (analytic Hessian-vector products, src/optim
   * trustRegionNewtonCg) once ‖∇‖ ≤ newtonFromRelative·E[y²] (or gtol, if larger). @defaultValue 1e-6
   */
  newtonFromRelative?: number;
  /** Newton-CG iterations from the hand-over to gtol. @defaultValue 50 */
  newtonMaxIterations?: number;
  /**
   * Newton-CG iterations after gtol is reached, towards the floating-point floor (they stop at
   * ‖∇‖ ≤ 1e-2·gtol, or when no step improves). @defaultValue 4
   */
  newtonSteps?: number;
  /** Further L-BFGS options (memory, maxIterations, c1, c2, maxLineSearch); src/optim defaults. */
  lbfgs?: Omit<LbfgsOptions, 'gtol' | 'throw'>;
}

/** The outcome of one start. */
export interface StartResult {
  /** `gd0`, `gd-beta`, `zfb`, `random-1`, … (flow, then polish), and `<name>/direct` (polish only). */
  readonly name: string;
  /** Risk at the start point (before the flow). */
  readonly initialRisk: number;
  /** Risk where the flow stage stopped (the basin the training dynamics reached). */
  readonly flowRisk: number;
  /** Time the flow stage reached (ODE flow; steps for gradient descent; 0 without a flow). */
  readonly flowTime: number;
  /** Final risk after the polish (3.22)–(3.23), unit [y]²; non-finite when the start diverged. */
  readonly risk: number;
  /** ‖∇R‖ over the reduced parameters at the end. */
  readonly gradNorm: number;
  /** L-BFGS iterations of the polish. */
  readonly iterations: number;
  /** Objective evaluations (flow + polish). */
  readonly nfev: number;
  /** How the L-BFGS polish ended. */
  readonly status: LbfgsStatus;
  /** How the Newton-CG polish after it ended (`'saddle'` is not produced: the trust region handles negative curvature). */
  readonly newton: NewtonPolishStatus;
  /** Hessian-vector products (flow-stage linear solves + Newton-CG), each ≈ one objective evaluation. */
  readonly hvps: number;
}

/** A start's outcome with the point it reached. */
export interface StartOutcome extends StartResult {
  /** [reducedSize(d, kind)] the packed reduced parameters at the end (gauge balanced in the whitened coordinates, ‖p̂‖ = ‖Q̂‖_F). */
  readonly theta: Float64Array;
}

/**
 * What every start of one (problem, kind) shares, built once by {@link startContext}: the objectives,
 * the whitening, the tolerance and the resolved options.
 */
export interface StartContext {
  readonly problem: Problem;
  readonly kind: AttentionKind;
  /** E[y²] (src/optimum problemScale), the scale of the tolerances. */
  readonly scale: number;
  /** Absolute gradient tolerance of the polish, gtolRelative·scale. */
  readonly gtol: number;
  /** The exact risk on θ (no balancing term). */
  readonly objective: Objective;
  readonly whitening: Whitening;
  /** The polish objective: the risk plus the balancing term, in whitened coordinates. */
  readonly polishObjective: Objective;
  /** Hessian-vector products of the exact risk on θ (the flow stage's matrix-free linear solves). */
  readonly hvp: HessianVectorProduct;
  /** Hessian-vector products of {@link polishObjective} (the trust-region Newton-CG polish). */
  readonly polishHvp: HessianVectorProduct;
  readonly options: Readonly<Required<Omit<StartOptions, 'lbfgs'>>> & Pick<StartOptions, 'lbfgs'>;
}

/** ODE flow stage: loose tolerances (the flow only selects the basin; the polish is exact). */
const FLOW_RTOL = 1e-2;
/** (1e-5 until issue 12's follow-up: 1e-4 takes ~15% fewer steps at d = 20; parameters near 0 need no 1e-5 tracking to pick a basin.) */
const FLOW_ATOL = 1e-4;
/**
 * ODE flow stage: ROS34PW2, a 4-stage Rosenbrock-W method of order 3 (src/flow/ode ros34pw2.ts). Its order
 * conditions hold for any matrix in the stage systems, so the inexact MINRES solves (rtol 1e-3) do not
 * cost it order, as they do Rodas4 (6 stages, order ≤ 2 with an inexact W); 4 solves per step instead
 * of 6. Measured on bench/optimum's general d = 20 LSA (one process, same load): the four flow stages
 * ≈ 18% less CPU than with Rodas4, ≈ 27% less with FLOW_ATOL 1e-4, the same final optimum (RESULTS.md,
 * "after (issue 12 follow-up)").
 */
const FLOW_METHOD = ros34pw2;
/** ODE flow stage: the span (the steady-state test or the step cap ends it first). */
const FLOW_HORIZON = 1e6;
/** L-BFGS memory of the polish unless `lbfgs.memory` is given (30 pairs: ~25% fewer iterations than 12 at d = 20). */
const LBFGS_MEMORY = 30;
/** The last Newton-CG iterations stop at ‖∇‖ ≤ NEWTON_FLOOR·gtol. */
const NEWTON_FLOOR = 1e-2;

/** Builds the {@link StartContext} of a problem and kind; the defaults of {@link StartOptions} are applied here. O(d³). */
export function startContext(problem: Problem, kind: AttentionKind, options: StartOptions = {}): StartContext {
  const {
    flow = 'ode', flowSteadyRelative = 1e-3, flowMaxSteps = 200, flowSteps = 300, gtolRelative = 1e-9, gaugeWeight = 1, newtonSteps = 4,
    newtonFromRelative = 1e-6, newtonMaxIterations = 50, lbfgs: lbfgsOptions,
  } = options;
  const scale = problemScale(problem);
  const whitening = new Whitening(problem, kind);
  const objective = reducedObjective(problem, kind);
  const polishObjective = whitenedObjective(problem, whitening, { gaugeWeight });
  return {
    problem,
    kind,
    scale,
    gtol: gtolRelative * scale,
    objective,
    whitening,
    polishObjective,
    hvp: reducedHvp(problem, kind),
    polishHvp: whitenedHvp(problem, whitening, { gaugeWeight }),
    options: { flow, flowSteadyRelative, flowMaxSteps, flowSteps, gtolRelative, gaugeWeight, newtonSteps, newtonFromRelative, newtonMaxIterations, lbfgs: lbfgsOptions },
  };
}

/**
 * The optimum reached from θ₀ (packed reduced parameters, not modified): the flow stage
 * (`flow`, default the context's), then the polish (see the module comment). Cost ≈
 * (flow steps·6·MINRES iterations + L-BFGS iterations + CG iterations)·O(d³); memory O(n).
 */
export function optimumFromStart(ctx: StartContext, name: string, theta0: Readonly<Float64Array>, flow: FlowStage = ctx.options.flow): StartOutcome {
  const { problem, kind, objective: f } = ctx;
  const theta = Float64Array.from(theta0);
  const initialRisk = f(theta, new Float64Array(theta.length));
  let nfev = 1;
  let hvps = 0;
  let flowTime = 0;
  if (flow === 'ode') {
    const fl = attentionFlow(problem, { model: kind, parametrization: 'reduced' });
    const linearSolver = hessianFlowSolver(ctx.hvp, fl.n, { preconditioner: stiffBlockPreconditioner(problem, kind) });
    const method = rosenbrock(FLOW_METHOD, { linearSolver });
    const sol = solve(fl.field, theta, [0, FLOW_HORIZON], method, {
      rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: ctx.options.flowMaxSteps, throwOnFailure: false,
      steadyState: { tol: ctx.options.flowSteadyRelative * ctx.scale, norm: 'inf' },
    });
    if (sol.y.every(Number.isFinite)) theta.set(sol.y);
    flowTime = sol.t;
    nfev += sol.stats.nfev;
    hvps += linearSolver.products;
  } else if (flow === 'gradient-descent' && ctx.options.flowSteps > 0) {
    nfev += gradientDescent(f, theta, ctx.options.flowSteps);
    flowTime = ctx.options.flowSteps;
  }
  return polish(ctx, name, theta, initialRisk, flowTime, nfev, hvps);
}

/**
 * Balance; L-BFGS in whitened coordinates to the hand-over level; trust-region Newton-CG with
 * analytic Hessian-vector products to gtol (L-BFGS again, then Newton-CG, if that stalls), then up to
 * `newtonSteps` more Newton-CG iterations towards the floating-point floor; balance again. Reports
 * the start.
 */
function polish(ctx: StartContext, name: string, theta: Float64Array, initialRisk: number, flowTime: number, nfev0: number, hvps0: number): StartOutcome {
  const { problem, kind, objective: f, whitening: white, polishObjective: fPolish, polishHvp, gtol } = ctx;
  const { newtonFromRelative, newtonMaxIterations, newtonSteps } = ctx.options;
  const d = problem.d;
  const grad = new Float64Array(reducedLayout(d, kind).size);
  const flowRisk = f(theta, grad);
  const hat = balance(white.toHat(theta), d, kind);
  const lbfgsOptions = { memory: LBFGS_MEMORY, ...ctx.options.lbfgs };
  let res = lbfgs(fPolish, hat, { ...lbfgsOptions, gtol: Math.max(gtol, newtonFromRelative * ctx.scale) });
  let nfev = res.nfev;
  let hvps = 0;
  let pol = trustRegionNewtonCg(fPolish, polishHvp, res.x, { gtol, maxIterations: newtonMaxIterations });
  nfev += pol.nfev;
  hvps += pol.nhvp;
  if (!(pol.gradNorm <= gtol) && res.gradNorm > gtol) {
    // Newton-CG stalled above gtol (far from a minimiser): finish with L-BFGS, then Newton-CG.
    res = lbfgs(fPolish, pol.x, { ...lbfgsOptions, gtol });
    nfev += res.nfev;
    pol = trustRegionNewtonCg(fPolish, polishHvp, res.x, { gtol, maxIterations: newtonMaxIterations });
    nfev += pol.nfev;
    hvps += pol.nhvp;
  }
  const floor = trustRegionNewtonCg(fPolish, polishHvp, pol.x, { gtol: NEWTON_FLOOR * gtol, maxIterations: newtonSteps });
  nfev += floor.nfev;
  hvps += floor.nhvp;
  const x = white.fromHat(balance(Float64Array.from(floor.x), d, kind));
  const risk = f(x, grad);
  return {
    name, initialRisk, flowRisk, flowTime, risk, gradNorm: norm2(grad), iterations: res.iterations,
    nfev: nfev0 + nfev + 2, hvps: hvps0 + hvps, status: res.status, newton: newtonStatus(pol.gradNorm <= gtol ? floor.status : pol.status), theta: x,
  };
}

/** The trust-region status in the start report's terms (a non-finite trial is a step that did not improve). */
function newtonStatus(s: 'converged' | 'maxIterations' | 'noImprovement' | 'nonFinite'): NewtonPolishStatus {
  return s === 'nonFinite' ? 'noImprovement' : s;
}
