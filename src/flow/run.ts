/**
 * One entry point that builds a flow (GD-β, GD-0, LTB, LSA or ZFB), integrates it with the chosen
 * method, records the loss along the way and returns the verdict — what the CLI `flow` command and
 * the benchmark run. Methods:
 *
 * - explicit RK from `ode/` (`euler`, `rk4` fixed-step with `dt`; `bosh3`, `dopri5`, `tsit5`,
 *   `dop853` adaptive, or fixed-step when `dt` is given);
 * - `rosenbrock`: RODAS4 with the structured exact linear solver of `stiff.ts` (GD flows) or a dense
 *   forward-difference Jacobian (attention/ZFB flows, small n only);
 * - `etd2`, `etd3`, `etd4`: exponential integrators in the eigenbasis of the Hessian at the optimum
 *   (`gdbetaExponential.ts`; GD flows only);
 * - `auto`: `etd4` for GD flows, `rosenbrock` for attention flows with n ≤ {@link AUTO_DENSE_MAX},
 *   else `tsit5`, and `dop853` for ZFB (tight conservation).
 *
 * Why etd4 for the stiff GD path (bench/flow/RESULTS.md): both stiff paths were built — the exact
 * structured linear solver for RODAS4 (`stiff.ts`) and the exponential integrators in the Hessian
 * eigenbasis (`gdbetaExponential.ts`). RODAS4 takes fewer steps when the early transient is stiff
 * in the state-dependent direction Λẽ (its Jacobian is exact), but each step costs O(d³) (the d×d
 * Schur complement of the Γ–β₀ coupling, plus eigh(B') for a general Ψ), while an etd4 step costs
 * five evaluations of N (O(d²) for Ψ = ψ²I, one d³ product otherwise) and elementwise φ-functions;
 * etd4 was faster in every benchmarked case where both ran (1.4–15×).
 */
import { InputError } from '../errors.js';
import type { Estimator, Gd0, GdBeta, Lsa, Ltb, Problem } from '../models/index.js';
import { attentionFlow, attentionInitialState, RANDOM_ATTENTION_SCALE, type AttentionFlow } from './attentionFlow.js';
import { gdBetaExponentialProblem } from './gdbetaExponential.js';
import { gdBetaFlow, gdBetaInitialState } from './gdbetaFlow.js';
import {
  bosh3,
  ConstantStepSize,
  denseJacobianSolver,
  dop853,
  dopri5,
  euler,
  exponential,
  EXPONENTIAL_TABLEAUS,
  finiteDifferenceJacobian,
  rk4,
  rodas4,
  rosenbrock,
  solve,
  tsit5,
  type ButcherTableau,
  type Method,
  type SolveOptions,
  type VectorField,
} from './ode/index.js';
import { gdBetaLinearSolver } from './stiff.js';
import { attentionVerdict, gdVerdict, RATE_FIT_FLOOR, zfbVerdict, type AttentionVerdict, type GdVerdict, type ZfbVerdict } from './verdict.js';
import { zfbFlow } from './zfbFlow.js';

/** The flows {@link runFlow} knows. */
export const FLOW_MODELS = ['gd-beta', 'gd-0', 'ltb', 'lsa', 'zfb'] as const;
/** One of {@link FLOW_MODELS}. */
export type FlowModel = (typeof FLOW_MODELS)[number];

/** The integration methods {@link runFlow} knows. */
export const FLOW_METHODS = ['auto', 'euler', 'rk4', 'bosh3', 'dopri5', 'tsit5', 'dop853', 'rosenbrock', 'etd2', 'etd3', 'etd4'] as const;
/** One of {@link FLOW_METHODS}. */
export type FlowMethod = (typeof FLOW_METHODS)[number];

const TABLEAUS: Readonly<Record<string, ButcherTableau>> = { euler, rk4, bosh3, dopri5, tsit5, dop853 };

/** `auto` uses the dense Rosenbrock for attention flows up to this state size. */
export const AUTO_DENSE_MAX = 400;
/** Default relative tolerance of adaptive methods (stated in the CLI help). */
export const DEFAULT_RTOL = 1e-8;
/** Default absolute tolerance of adaptive methods. */
export const DEFAULT_ATOL = 1e-12;
/** Default convergence target of GD/ZFB flows: R − R* ≤ DEFAULT_CONVERGED_GAP·R*. */
export const DEFAULT_CONVERGED_GAP = 1e-10;
/** Default convergence target of attention flows: RMS of ∇R below this. */
export const DEFAULT_CONVERGED_GRAD = 1e-10;
/** Default balanced-start scale s of ZFB's flow. */
export const DEFAULT_ZFB_SCALE = 0.1;
/** Span used when integrating "until converged" with the `ode/` solvers (they need a finite t1). */
const FAR_FUTURE = 1e300;

/** Options of {@link runFlow}; every field is optional. */
export interface RunFlowOptions {
  /** @defaultValue 'gd-beta' */
  readonly model?: FlowModel;
  /** LTB/LSA parametrisation. @defaultValue 'reduced' */
  readonly parametrization?: 'reduced' | 'raw';
  /** MLP width of a raw LTB. @defaultValue 1 */
  readonly mlpWidth?: number;
  /** Initial state: `'zero'`, `'random'` or an estimator. @defaultValue 'zero' for GD flows, 'random' for LTB/LSA (ZFB always starts balanced) */
  readonly init?: 'zero' | 'random' | Estimator;
  /** Seed of random starts (and of ZFB's Θ). @defaultValue 1 */
  readonly seed?: number;
  /** Scale of random attention starts, or ZFB's s. @defaultValue {@link RANDOM_ATTENTION_SCALE} / {@link DEFAULT_ZFB_SCALE} */
  readonly initScale?: number;
  /** @defaultValue 'auto' */
  readonly method?: FlowMethod;
  /** Relative tolerance (adaptive methods). @defaultValue {@link DEFAULT_RTOL} */
  readonly rtol?: number;
  /** Absolute tolerance (adaptive methods). @defaultValue {@link DEFAULT_ATOL} */
  readonly atol?: number;
  /** Fixed step (then the method steps with exactly this size; required for euler/rk4). */
  readonly dt?: number;
  /** Largest step of adaptive methods. @defaultValue Infinity; 1/λ_min(∇²R*) for the etd methods (rate-fit resolution) */
  readonly dtMax?: number;
  /** Integrate to this time; without it the flow runs until converged. */
  readonly tEnd?: number;
  /** GD/ZFB: stop once R − R* ≤ convergedGap·R*. @defaultValue {@link DEFAULT_CONVERGED_GAP} */
  readonly convergedGap?: number;
  /** LTB/LSA: stop once RMS(∇R) ≤ convergedGrad. @defaultValue {@link DEFAULT_CONVERGED_GRAD} */
  readonly convergedGrad?: number;
  /** Step attempts cap. @defaultValue 100 000 */
  readonly maxSteps?: number;
  /** Called after every accepted step (progress display). */
  readonly onStep?: (info: { readonly t: number; readonly step: number; readonly gap: number }) => void;
}

/** Why a run ended. */
export type FlowStatus = 'converged' | 'success' | 'maxStepsReached' | 'stepSizeTooSmall' | 'nonFiniteState';

/** The verdict, discriminated by flow kind. */
export type FlowVerdict =
  | ({ readonly kind: 'gd' } & GdVerdict)
  | ({ readonly kind: 'attention' } & AttentionVerdict)
  | ({ readonly kind: 'zfb' } & ZfbVerdict);

/** Result of {@link runFlow}. */
export interface FlowRun {
  readonly model: FlowModel;
  /** The method actually used (`auto` resolved). */
  readonly method: Exclude<FlowMethod, 'auto'>;
  readonly status: FlowStatus;
  /** Final time. */
  readonly t: number;
  /** Accepted steps, rejected attempts, vector-field (gradient) evaluations, linear solves. */
  readonly steps: number;
  readonly rejected: number;
  readonly nfev: number;
  readonly nlinsolve: number;
  readonly wallTimeMs: number;
  /** Saved times (t0 and every accepted step) with the risk and R − R* there. */
  readonly ts: Float64Array;
  readonly risks: Float64Array;
  readonly gaps: Float64Array;
  /** The reference optimum R* of the gaps: R*_GDβ (GD-β, LTB, LSA, ZFB) or R*_GD0 (GD-0). */
  readonly optimalRisk: number;
  /** The endpoint estimator (original basis). */
  readonly estimator: Estimator;
  readonly verdict: FlowVerdict;
}

function requireGdMethod(method: FlowMethod, model: FlowModel): void {
  if (method === 'etd2' || method === 'etd3' || method === 'etd4') {
    if (model !== 'gd-beta' && model !== 'gd-0') {
      throw new InputError('method', `'${method}' integrates GD-β/GD-0 flows only (the exponential form needs the known optimum); use rosenbrock, tsit5, dop853, … for '${model}'`);
    }
  }
}

interface Integrated {
  readonly status: FlowStatus;
  readonly t: number;
  readonly y: Float64Array;
  readonly ts: Float64Array;
  readonly values: Float64Array;
  readonly ys: readonly Float64Array[];
  readonly steps: number;
  readonly rejected: number;
  readonly nfev: number;
  readonly nlinsolve: number;
}

/**
 * Runs an `ode/` solve of `field` from y0 recording `stat` at every accepted step; `stop` ends the
 * run as converged.
 */
function integrateOde(
  field: VectorField,
  y0: Float64Array,
  method: Method,
  o: { rtol: number; atol: number; dt?: number; dtMax?: number; tEnd?: number; maxSteps: number; saveStates: boolean },
  stat: (y: Float64Array) => number,
  stop: ((y: Float64Array, value: number) => boolean) | null,
  steady: number | undefined,
  onStep: RunFlowOptions['onStep'],
): Integrated {
  let last = NaN;
  const options: Record<string, unknown> = {
    maxSteps: o.maxSteps,
    throwOnFailure: false,
    saveAt: { kind: o.saveStates ? 'steps' : 'final', fn: (_t: number, y: Float64Array) => (last = stat(y)) },
    callback: ({ t, y, step }: { t: number; y: Float64Array; step: number }) => {
      onStep?.({ t, step, gap: last });
      return stop !== null && stop(y, last) ? 'stop' : undefined;
    },
  };
  if (o.dt !== undefined) {
    options.controller = new ConstantStepSize();
    options.dt0 = o.dt;
  } else {
    options.rtol = o.rtol;
    options.atol = o.atol;
    if (o.dtMax !== undefined) options.dtMax = o.dtMax;
  }
  if (steady !== undefined) options.steadyState = { tol: steady };
  const sol = solve(field, y0, [0, o.tEnd ?? FAR_FUTURE], method, options as SolveOptions);
  const status: FlowStatus =
    sol.status === 'cancelled' || sol.status === 'steadyState' ? 'converged' : sol.status === 'event' ? 'success' : sol.status;
  return {
    status,
    t: sol.t,
    y: sol.y,
    ts: sol.fnTs,
    values: sol.fnValues,
    ys: sol.ys,
    steps: sol.stats.accepted,
    rejected: sol.stats.rejected,
    nfev: sol.stats.nfev,
    nlinsolve: sol.stats.nlinsolve,
  };
}

function explicitOrRosenbrock(method: Exclude<FlowMethod, 'auto' | 'etd2' | 'etd3' | 'etd4'>, n: number, field: VectorField, dt: number | undefined, structured: (() => Method) | null): Method {
  if (method === 'rosenbrock') {
    if (structured !== null) return structured();
    return rosenbrock(rodas4, { linearSolver: denseJacobianSolver(finiteDifferenceJacobian(field, n), n) });
  }
  if ((method === 'euler' || method === 'rk4') && dt === undefined) {
    throw new InputError('dt', `method '${method}' has no error estimate: give a fixed step dt`);
  }
  return TABLEAUS[method]!;
}

/**
 * Builds and integrates a flow on a problem (see the module comment and {@link RunFlowOptions}) and
 * returns the trajectory of the loss, the work counters and the verdict. Invalid option
 * combinations throw {@link InputError} naming the option.
 */
export function runFlow(problem: Problem, options: RunFlowOptions = {}): FlowRun {
  const {
    model = 'gd-beta',
    parametrization = 'reduced',
    mlpWidth = 1,
    seed = 1,
    method: requested = 'auto',
    rtol = DEFAULT_RTOL,
    atol = DEFAULT_ATOL,
    dt,
    tEnd,
    convergedGap = DEFAULT_CONVERGED_GAP,
    convergedGrad = DEFAULT_CONVERGED_GRAD,
    maxSteps = 100_000,
    onStep,
  } = options;
  requireGdMethod(requested, model);
  if (tEnd !== undefined && !(tEnd > 0 && Number.isFinite(tEnd))) throw new InputError('tEnd', `must be a positive finite number, got ${tEnd}`);
  if (dt !== undefined && !(dt > 0 && Number.isFinite(dt))) throw new InputError('dt', `must be a positive finite number, got ${dt}`);
  const started = performance.now();

  if (model === 'gd-beta' || model === 'gd-0') {
    const flow = gdBetaFlow(problem, model);
    const init = options.init ?? 'zero';
    if (typeof init === 'object' && init.kind !== 'gd-beta' && init.kind !== 'gd-0') {
      throw new InputError('init', `a ${model} flow starts from a gd-beta or gd-0 estimator, got '${init.kind}'`);
    }
    const y0 = gdBetaInitialState(flow, init as 'zero' | 'random' | GdBeta | Gd0, seed);
    const method = requested === 'auto' ? 'etd4' : requested;
    const R = flow.optimalRisk;
    const target = convergedGap * R;
    const stop = tEnd === undefined ? (_y: Float64Array, gap: number) => gap <= target : null;
    let run: Integrated;
    if (method === 'etd2' || method === 'etd3' || method === 'etd4') {
      const ex = gdBetaExponentialProblem(flow);
      const lmin = flow.hessian().lambdaMin;
      const dtMax = options.dtMax ?? (lmin > 0 ? 1 / lmin : Infinity);
      // The field is N alone; ℓ (and the error-scale reference) ride on the method.
      const m = exponential(EXPONENTIAL_TABLEAUS[method], ex.problem);
      const hat = integrateOde(ex.problem.nonlinear, ex.toHat(y0), m, { rtol, atol, dt, dtMax, tEnd, maxSteps, saveStates: false }, ex.gapAfterNonlinear, stop, undefined, onStep);
      run = { ...hat, y: ex.fromHat(hat.y), ys: [] };
    } else {
      const m = explicitOrRosenbrock(method, flow.n, flow.field, dt, () => rosenbrock(rodas4, { linearSolver: gdBetaLinearSolver(flow) }));
      run = integrateOde(flow.field, y0, m, { rtol, atol, dt, dtMax: options.dtMax, tEnd, maxSteps, saveStates: false }, flow.gap, stop, undefined, onStep);
    }
    const floor = Math.max(RATE_FIT_FLOOR, (100 * rtol) ** 2) * R;
    const verdict = gdVerdict(flow, run.y, run.ts, run.values, floor);
    return finish(model, method, run, R, flow.toEstimator(run.y), { kind: 'gd', ...verdict }, started);
  }

  if (model === 'zfb') {
    const flow = zfbFlow(problem);
    if (options.init !== undefined && options.init !== 'random') {
      throw new InputError('init', "ZFB's flow always starts from the balanced start s·(ΘΘᵀ, 1) (random Θ from the seed): use init 'random' or omit it");
    }
    const y0 = flow.initialState(options.initScale ?? DEFAULT_ZFB_SCALE, seed);
    const method = requested === 'auto' ? 'dop853' : requested;
    const R = flow.optimalRisk;
    const target = convergedGap * R;
    const stop = tEnd === undefined ? (_y: Float64Array, gap: number) => gap <= target : null;
    const m = explicitOrRosenbrock(method as Exclude<FlowMethod, 'auto' | 'etd2' | 'etd3' | 'etd4'>, flow.n, flow.field, dt, null);
    const run = integrateOde(flow.field, y0, m, { rtol, atol, dt, dtMax: options.dtMax, tEnd, maxSteps, saveStates: true }, flow.gap, stop, undefined, onStep);
    const verdict = zfbVerdict(flow, run.ys, Float64Array.from(run.values, (g) => g + R));
    return finish(model, method, run, R, flow.toLsa(run.y), { kind: 'zfb', ...verdict }, started);
  }

  const flow: AttentionFlow = attentionFlow(problem, { model, parametrization, mlpWidth });
  const gd = gdBetaFlow(problem, 'gd-beta');
  const init = options.init ?? 'random';
  if (typeof init === 'object' && init.kind !== 'lsa' && init.kind !== 'ltb') {
    throw new InputError('init', `an ${model} flow starts from an lsa or ltb estimator, got '${init.kind}'`);
  }
  const y0 = attentionInitialState(flow, init as 'zero' | 'random' | Lsa | Ltb, seed, options.initScale ?? RANDOM_ATTENTION_SCALE);
  const method = requested === 'auto' ? (flow.n <= AUTO_DENSE_MAX ? 'rosenbrock' : 'tsit5') : requested;
  const R = gd.optimalRisk;
  const m = explicitOrRosenbrock(method as Exclude<FlowMethod, 'auto' | 'etd2' | 'etd3' | 'etd4'>, flow.n, flow.field, dt, null);
  // RMS(∇R) < convergedGrad is the ode/ steady-state test on ‖f‖_rms.
  const run = integrateOde(flow.field, y0, m, { rtol, atol, dt, dtMax: options.dtMax, tEnd, maxSteps, saveStates: false }, (y) => flow.risk(y) - R, null, tEnd === undefined ? convergedGrad : undefined, onStep);
  const verdict = attentionVerdict(flow, gd, run.y, Float64Array.from(run.values, (g) => g + R));
  return finish(model, method as Exclude<FlowMethod, 'auto'>, run, R, flow.toEstimator(run.y), { kind: 'attention', ...verdict }, started);
}

function finish(model: FlowModel, method: Exclude<FlowMethod, 'auto'>, run: Integrated, R: number, estimator: Estimator, verdict: FlowVerdict, started: number): FlowRun {
  return {
    model,
    method,
    status: run.status,
    t: run.t,
    steps: run.steps,
    rejected: run.rejected,
    nfev: run.nfev,
    nlinsolve: run.nlinsolve,
    wallTimeMs: performance.now() - started,
    ts: run.ts,
    risks: Float64Array.from(run.values, (g) => g + R),
    gaps: run.values,
    optimalRisk: R,
    estimator,
    verdict,
  };
}
