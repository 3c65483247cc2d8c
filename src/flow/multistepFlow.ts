/**
 * The population gradient flow of L-step GD-β (GD-β^L, docs/math.md §3.6; its flow and verdict §3.7 with (4.1), (4.7)):
 *
 *   dθ/dt = −∇R(θ),   θ = (β₀ [d], Γ₁ … Γ_L [d, d] each),                                   (4.1)
 *
 * on the exact risk (3.48) with its analytic gradient (3.49), integrated by the project's ODE
 * `solve`, and a verdict against a reference optimum (the caller passes it: src/optimum
 * optimumGdMultistep sits above this area). Also the packing θ ↔ estimator, the risk as an objective
 * over θ, its dense finite-difference Hessian, and distances modulo the order of the steps, shared
 * with src/optimum.
 *
 * Method. The flow is stiff whenever the curvatures of (β₀, Γ_l) spread over decades (β* ≫ the task
 * spread makes the β₀-block small against the Γ-block, as for GD-β in §4.1), so the default is
 * Rodas4 with the exact Jacobian −∇²R from central differences of the analytic gradient (2n risk and
 * gradient evaluations per Jacobian, n = d + L·d² ≤ 80 at d = 5, L = 3). Tsit5 is offered for
 * non-stiff problems.
 *
 * Verdict. (i) The gap R(θ(t_end)) − R* ≤ convergedGap·R*; (ii) the distance to the optimum's
 * weights, modulo the order of the steps (with commuting steps the risk is symmetric under their
 * permutations, math.md (3.50)–(3.51)), ≤ convergedDistance·(1 + ‖θ*‖); (iii) the measured slope of
 * ln(R − R*) on its tail at least (1 − rateRtol) times the predicted −2λ_min(∇²R*) of (4.7) — a
 * start may miss the slowest mode and decay faster, never slower. The status is `'converged'` only
 * when all three hold. A run that stops moving (‖∇R‖ small) away from the optimum is reported as
 * `'stationaryElsewhere'`, with the smallest eigenvalue of the Hessian there (a local minimum when
 * positive): the risk of GD-β^L is not convex, and e.g. on the general-Ψ problem of
 * tests/flow/multistepFlow.test.ts the flow from zero ends in a local minimum 2 % above R*_2.
 */
import { InputError } from '../errors.js';
import { eigvalsh, norm2, type Matrix } from '../linalg/index.js';
import type { GdMultistep, Problem } from '../models/index.js';
import { GD_MULTISTEP_MAX_STEPS, riskGdMultistep } from '../risk/index.js';
import { denseJacobianSolver, rodas4, rosenbrock, solve, tsit5 } from './ode/index.js';
import { fitTailRate, MONOTONE_RTOL, type RateFit } from './verdict.js';

/** Number of parameters of GD-β^L: d + L·d². */
export function multistepSize(d: number, L: number): number {
  return d + L * d * d;
}

/** Packs (β₀, Γ₁ … Γ_L) into θ [d + L·d²]: β₀ first, then each Γ_l row-major. */
export function packMultistep(est: GdMultistep): Float64Array {
  const d = est.beta0.length;
  const out = new Float64Array(multistepSize(d, est.Gammas.length));
  out.set(est.beta0, 0);
  est.Gammas.forEach((G, l) => out.set(G.data, d + l * d * d));
  return out;
}

/** The inverse of {@link packMultistep} (fresh arrays). θ [d + L·d²]. */
export function unpackMultistep(theta: Readonly<Float64Array>, d: number, L: number): GdMultistep {
  return {
    kind: 'gd-multistep',
    beta0: Float64Array.from(theta.subarray(0, d)),
    Gammas: Array.from({ length: L }, (_, l) => ({ rows: d, cols: d, data: Float64Array.from(theta.subarray(d + l * d * d, d + (l + 1) * d * d)) })),
  };
}

/**
 * Checks L for the general exact route.
 * @throws {@link InputError} on `steps` outside 1 … {@link GD_MULTISTEP_MAX_STEPS}, with the reason.
 */
export function checkMultistepSteps(L: unknown): number {
  if (typeof L !== 'number' || !Number.isInteger(L) || L < 1 || L > GD_MULTISTEP_MAX_STEPS) {
    throw new InputError('steps', `must be an integer 1..${GD_MULTISTEP_MAX_STEPS} for general Γ_l, got ${String(L)}: the exact GD-β^L risk (math.md §3.6) enumerates Wick pairings, ≈ 3.5·10⁶ at L = 4`);
  }
  return L;
}

/**
 * R(θ) over the packed coordinates θ = (β₀, Γ₁ … Γ_L) (math.md (3.48)), writing ∇R (3.49) into
 * `grad` ([n]): the objective of the flow, of src/optimum's minimiser and of the Hessians. One
 * {@link riskGdMultistep} per call.
 */
export function multistepObjective(problem: Problem, L: number): (theta: Float64Array, grad: Float64Array) => number {
  const d = problem.d;
  return (theta, grad) => {
    const r = riskGdMultistep(problem, unpackMultistep(theta, d, L));
    grad.set(r.gradBeta0, 0);
    r.gradGammas.forEach((G, l) => grad.set(G.data, d + l * d * d));
    return r.risk;
  };
}

/** Central-difference step of the Hessians, relative to max(1, ‖θ‖∞) (≈ eps^{1/3}: truncation and rounding balance). */
export const MULTISTEP_FD_STEP = 1e-5;

/** out [n, n] = ∇²R(θ) by central differences of the analytic gradient, symmetrised. 2n evaluations. */
function hessianInto(f: (theta: Float64Array, grad: Float64Array) => number, theta: Readonly<Float64Array>, out: Float64Array, relativeStep: number): void {
  const n = theta.length;
  let xmax = 1;
  for (let i = 0; i < n; i++) xmax = Math.max(xmax, Math.abs(theta[i]!));
  const h = relativeStep * xmax;
  const xt = Float64Array.from(theta);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    xt[k] = theta[k]! + h;
    f(xt, gp);
    xt[k] = theta[k]! - h;
    f(xt, gm);
    xt[k] = theta[k]!;
    for (let i = 0; i < n; i++) out[i * n + k] = (gp[i]! - gm[i]!) / (2 * h);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (out[i * n + j]! + out[j * n + i]!);
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
}

/** The Hessian of the GD-β^L risk at an estimator and its spectrum. */
export interface MultistepHessian {
  /** [n, n], n = d + L·d²: ∇²R over θ = (β₀, Γ₁ … Γ_L) packed as {@link packMultistep}. */
  readonly hessian: Matrix;
  /** Its eigenvalues, ascending. */
  readonly eigenvalues: Float64Array;
}

/**
 * The dense Hessian of the GD-β^L risk over θ = (β₀, Γ₁ … Γ_L) by central differences of the
 * analytic gradient (3.49) — 2n evaluations, n = d + L·d² (≈ 0.3 s at d = 5, L = 3) — and its
 * eigenvalues. At a minimum λ_min ≥ 0, and −2λ_min is the predicted slope of ln(R − R*) along the
 * flow (4.7), which holds for any smooth risk at a non-degenerate minimum. Accuracy ≈ 1e-10 relative
 * to the largest eigenvalue.
 * @throws {@link InputError} on `steps` (L outside 1 … 3) or on the estimator's shapes.
 */
export function multistepHessian(problem: Problem, est: GdMultistep, relativeStep = MULTISTEP_FD_STEP): MultistepHessian {
  const L = checkMultistepSteps(est.Gammas.length);
  const n = multistepSize(problem.d, L);
  const H: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  hessianInto(multistepObjective(problem, L), packMultistep(est), H.data, relativeStep);
  return { hessian: H, eigenvalues: eigvalsh(H, 'finite-difference Hessian of the GD-β^L risk') };
}

/** Permutations of 0 … L−1 (L ≤ 3: at most 6). */
function permutations(L: number): number[][] {
  if (L <= 1) return [[0]];
  const out: number[][] = [];
  for (const p of permutations(L - 1)) for (let k = 0; k <= p.length; k++) out.push([...p.slice(0, k), L - 1, ...p.slice(k)]);
  return out;
}

/** Distances between two GD-β^L estimators of the same shape. */
export interface MultistepDistance {
  /** ‖θ_a − θ_b‖ (Euclidean over every entry of β₀ and the Γ_l). */
  readonly plain: number;
  /** The same, minimised over the orders of the steps of b (the symmetry of commuting steps, module comment). */
  readonly moduloOrder: number;
}

/** Distance between a and b, plain and modulo the order of the steps. */
export function multistepDistance(a: GdMultistep, b: GdMultistep): MultistepDistance {
  const L = a.Gammas.length;
  if (b.Gammas.length !== L || b.beta0.length !== a.beta0.length) {
    throw new InputError('Gammas', `the two estimators differ in shape (L = ${L} vs ${b.Gammas.length}, d = ${a.beta0.length} vs ${b.beta0.length})`);
  }
  let base = 0;
  for (let i = 0; i < a.beta0.length; i++) base += (a.beta0[i]! - b.beta0[i]!) ** 2;
  const dist2 = (l: number, m: number): number => {
    let s = 0;
    const x = a.Gammas[l]!.data;
    const y = b.Gammas[m]!.data;
    for (let k = 0; k < x.length; k++) s += (x[k]! - y[k]!) ** 2;
    return s;
  };
  let plain = base;
  for (let l = 0; l < L; l++) plain += dist2(l, l);
  let best = Infinity;
  for (const p of permutations(L)) {
    let s = base;
    for (let l = 0; l < L; l++) s += dist2(l, p[l]!);
    best = Math.min(best, s);
  }
  return { plain: Math.sqrt(plain), moduloOrder: Math.sqrt(best) };
}

/** The integrators of {@link runMultistepFlow}. */
export const MULTISTEP_FLOW_METHODS = ['rodas4', 'tsit5'] as const;
/** One of {@link MULTISTEP_FLOW_METHODS}. */
export type MultistepFlowMethod = (typeof MULTISTEP_FLOW_METHODS)[number];

/** The optimum a flow is judged against: its risk R*_L and weights (src/optimum optimumGdMultistep). */
export interface MultistepReference {
  /** R*_L, unit [y]². */
  readonly risk: number;
  /** The optimal weights, L steps. */
  readonly estimator: GdMultistep;
}

/** Options of {@link runMultistepFlow}; every field is optional. */
export interface MultistepFlowOptions {
  /** Number of steps L (1 … 3); taken from `init` or `reference` when they are estimators. @defaultValue 2 */
  steps?: number;
  /** The start: `'zero'` (β₀ = 0, every Γ_l = 0) or an L-step estimator. @defaultValue 'zero' */
  init?: 'zero' | GdMultistep;
  /** The optimum to judge against; null: no verdict (status `'noReference'`). @defaultValue null */
  reference?: MultistepReference | null;
  /** Integrator. @defaultValue 'rodas4' */
  method?: MultistepFlowMethod;
  /** Relative tolerance. @defaultValue 1e-8 */
  rtol?: number;
  /** Absolute tolerance. @defaultValue 1e-12 */
  atol?: number;
  /** End time. @defaultValue horizon/(2λ_min(∇²R*)) with a reference, else 1000 */
  tEnd?: number;
  /** Decay of R − R* the default tEnd allows for, in e-folds (e^{−40} ≈ 4e-18 of the start). @defaultValue 40 */
  horizon?: number;
  /** Step cap of the solve. @defaultValue 20000 */
  maxSteps?: number;
  /** Verdict: R − R* ≤ convergedGap·R*. @defaultValue 1e-9 */
  convergedGap?: number;
  /** Verdict: distance modulo step order ≤ convergedDistance·(1 + ‖θ*‖). @defaultValue 1e-4 */
  convergedDistance?: number;
  /** Verdict: measured slope ≥ (1 − rateRtol)·predicted (both negative: at least as fast). @defaultValue 0.05 */
  rateRtol?: number;
}

/** The verdict of a GD-β^L flow against its reference optimum. */
export interface MultistepFlowVerdict {
  /** R(θ(t_end)) − R* (may be slightly negative when the reference is not exactly optimal). */
  readonly gap: number;
  /** gap/R*. */
  readonly relativeGap: number;
  /** ‖θ(t_end) − θ*‖ (plain). */
  readonly distance: number;
  /** ‖θ(t_end) − θ*‖ minimised over the order of the steps. */
  readonly distanceModuloOrder: number;
  /** ‖θ*‖, the scale of the distance tolerance. */
  readonly optimumNorm: number;
  /** ‖∇R‖ at the endpoint. */
  readonly gradNorm: number;
  /** Fitted slope of ln(R − R*) on the tail (natural log per unit t), or null when too short. */
  readonly measuredRate: number | null;
  /** −2λ_min(∇²R*) (4.7). */
  readonly predictedRate: number;
  /** measured/predicted, or null. */
  readonly rateRatio: number | null;
  /** The tail fit behind `measuredRate`. */
  readonly rateFit: RateFit | null;
  /** λ_min of the finite-difference Hessian at the reference. */
  readonly hessianMin: number;
  /** λ_max of the finite-difference Hessian at the reference. */
  readonly hessianMax: number;
  /** The saved risks never rose by more than MONOTONE_RTOL relative. */
  readonly monotone: boolean;
  /** λ_min of the Hessian at the endpoint when the run is `'stationaryElsewhere'` (> 0: a local minimum, < 0: a saddle), else null. */
  readonly endpointHessianMin: number | null;
  /** The gap criterion held. */
  readonly gapOk: boolean;
  /** The distance criterion (modulo step order) held. */
  readonly distanceOk: boolean;
  /** The rate criterion (measured/predicted ≥ 1 − rateRtol) held. */
  readonly rateOk: boolean;
  /** The tolerances used. */
  readonly tolerances: {
    /** Absolute gap tolerance: convergedGap·|R*|. */
    readonly gap: number;
    /** Absolute distance tolerance: convergedDistance·(1 + ‖θ*‖). */
    readonly distance: number;
    /** Relative tolerance of the rate ratio. */
    readonly rateRtol: number;
  };
}

/** How a GD-β^L flow ended. */
export type MultistepFlowStatus =
  | 'converged' // the verdict holds
  | 'notConverged' // the solve ended but some criterion of the verdict fails
  | 'stationaryElsewhere' // ‖∇R‖ ≤ 1e-6·E[y²] at the end, but R − R* above the tolerance: another critical point
  | 'noReference' // no reference: no verdict
  | 'maxStepsReached' | 'stepSizeTooSmall' | 'nonFiniteState'; // the solve failed

/** A finished GD-β^L flow. */
export interface MultistepFlowRun {
  /** Discriminant: the model. */
  readonly model: 'gd-multistep';
  /** Number of steps L. */
  readonly steps: number;
  /** How the run ended (see {@link MultistepFlowStatus}). */
  readonly status: MultistepFlowStatus;
  /** One sentence on the status. */
  readonly statusNote: string;
  /** The integrator used. */
  readonly method: MultistepFlowMethod;
  /** Saved times (every accepted step). */
  readonly ts: Float64Array;
  /** R at the saved times. */
  readonly risks: Float64Array;
  /** R − R* at the saved times (NaN without a reference). */
  readonly gaps: Float64Array;
  /** Final time. */
  readonly t: number;
  /** The weights at the end. */
  readonly estimator: GdMultistep;
  /** R at the start, unit [y]². */
  readonly initialRisk: number;
  /** R at the end, unit [y]². */
  readonly finalRisk: number;
  /** R* of the reference (NaN without). */
  readonly optimalRisk: number;
  /** The judgement against the reference optimum, or null without one. */
  readonly verdict: MultistepFlowVerdict | null;
  /** Gradient evaluations of the field (Jacobian columns included). */
  readonly nfev: number;
  /** Accepted steps. */
  readonly accepted: number;
  /** Rejected step attempts. */
  readonly rejected: number;
  /** Wall-clock time of the run, ms. */
  readonly wallTimeMs: number;
}

/** ‖∇R‖ at the end below this fraction of E[y²] counts as stationary (for `'stationaryElsewhere'`). */
const STATIONARY_RTOL = 1e-6;
/** Upper end of the rate-fit window, relative to R*: below it the flow is in its linear regime. */
const RATE_WINDOW_CEILING = 1e-6;
/** Lower end of the rate-fit window, in units of ε·termScale (the rounding of the risk, math.md §3.6). */
const RATE_WINDOW_FLOOR_ULPS = 1e4;
/** Default end time without a reference. */
const DEFAULT_T_END = 1000;

/**
 * Integrates the GD-β^L population gradient flow (module comment) and judges the endpoint against
 * `reference`. Cost: the solve's steps × (1 risk and gradient per stage; Rodas4: + 2n per Jacobian)
 * plus one dense Hessian (2n evaluations) at the reference.
 * @throws {@link InputError} naming the field: `steps` (1 … 3), `init` (shape or L), `reference`,
 *   `rtol`/`atol`/`tEnd`/`horizon`.
 */
export function runMultistepFlow(problem: Problem, options: MultistepFlowOptions = {}): MultistepFlowRun {
  const t0Wall = performance.now();
  const { init = 'zero', reference = null, method = 'rodas4', rtol = 1e-8, atol = 1e-12, horizon = 40, maxSteps = 20_000 } = options;
  const { convergedGap = 1e-9, convergedDistance = 1e-4, rateRtol = 0.05 } = options;
  const d = problem.d;
  const L = checkMultistepSteps(options.steps ?? (init !== 'zero' ? init.Gammas.length : reference?.estimator.Gammas.length ?? 2));
  if (init !== 'zero' && init.Gammas.length !== L) throw new InputError('init', `has ${init.Gammas.length} steps, but steps = ${L}`);
  if (reference !== null && reference.estimator.Gammas.length !== L) throw new InputError('reference', `has ${reference.estimator.Gammas.length} steps, but steps = ${L}`);
  if (!MULTISTEP_FLOW_METHODS.includes(method)) throw new InputError('method', `must be one of ${MULTISTEP_FLOW_METHODS.join(', ')}, got ${String(method)}`);
  for (const [name, v] of [['rtol', rtol], ['atol', atol], ['horizon', horizon]] as const) {
    if (!(v > 0 && Number.isFinite(v))) throw new InputError(name, `must be a positive finite number, got ${v}`);
  }
  const n = multistepSize(d, L);
  const f = multistepObjective(problem, L);
  const theta0 = init === 'zero' ? new Float64Array(n) : packMultistep(init);
  if (init !== 'zero') riskGdMultistep(problem, init); // validates shapes and finiteness, naming the field

  // The reference's curvature: the predicted rate and the default horizon.
  let hess: MultistepHessian | null = null;
  let termScale = problem.labelSecondMoment;
  if (reference !== null) {
    hess = multistepHessian(problem, reference.estimator);
    termScale = riskGdMultistep(problem, reference.estimator).termScale;
  }
  const lamMin = hess ? hess.eigenvalues[0]! : Number.NaN;
  const tEnd = options.tEnd ?? (hess && lamMin > 0 ? horizon / (2 * lamMin) : DEFAULT_T_END);
  if (!(tEnd > 0 && Number.isFinite(tEnd))) throw new InputError('tEnd', `must be a positive finite number, got ${tEnd}`);

  let nfev = 0;
  const grad = new Float64Array(n);
  const field = (_t: number, y: Float64Array, out: Float64Array): void => {
    nfev++;
    f(y, grad);
    for (let i = 0; i < n; i++) out[i] = -grad[i]!;
  };
  const Jbuf = new Float64Array(n * n);
  const jac = (_t: number, y: Float64Array, outJ: Float64Array): void => {
    // J = −∇²R by central differences of the analytic gradient (more accurate than forward differences of the field).
    hessianInto((x, g) => { nfev++; return f(x, g); }, y, Jbuf, MULTISTEP_FD_STEP);
    for (let k = 0; k < n * n; k++) outJ[k] = -Jbuf[k]!;
  };
  const stepper = method === 'rodas4' ? rosenbrock(rodas4, { linearSolver: denseJacobianSolver(jac, n) }) : tsit5;
  const gradScratch = new Float64Array(n);
  const sol = solve(field, theta0, [0, tEnd], stepper, {
    rtol, atol, maxSteps, throwOnFailure: false,
    saveAt: { kind: 'final', fn: (_t, y) => f(y, gradScratch) },
  });
  const ts = sol.fnTs;
  const risks = sol.fnValues;
  const Rstar = reference?.risk ?? Number.NaN;
  const gaps = Float64Array.from(risks, (r) => r - Rstar);
  const estimator = unpackMultistep(sol.y, d, L);
  const gEnd = new Float64Array(n);
  const finalRisk = f(sol.y, gEnd);
  const gradNorm = norm2(gEnd);
  const common = {
    model: 'gd-multistep' as const, steps: L, method, ts, risks, gaps, t: sol.t, estimator, initialRisk: risks[0]!, finalRisk,
    optimalRisk: Rstar, nfev, accepted: sol.stats.accepted, rejected: sol.stats.rejected,
  };
  const wall = (): number => performance.now() - t0Wall;
  if (sol.status === 'maxStepsReached' || sol.status === 'stepSizeTooSmall' || sol.status === 'nonFiniteState') {
    return { ...common, status: sol.status, statusNote: sol.message, verdict: null, wallTimeMs: wall() };
  }
  if (reference === null || hess === null) {
    return { ...common, status: 'noReference', statusNote: 'no reference optimum was given: no verdict', verdict: null, wallTimeMs: wall() };
  }

  const gap = finalRisk - Rstar;
  const dist = multistepDistance(estimator, reference.estimator);
  const optimumNorm = norm2(packMultistep(reference.estimator));
  const floor = RATE_WINDOW_FLOOR_ULPS * Number.EPSILON * termScale;
  const fit = fitTailRate(ts, gaps, floor, RATE_WINDOW_CEILING * Math.abs(Rstar));
  const predictedRate = -2 * lamMin;
  const measuredRate = fit?.rate ?? null;
  const rateRatio = measuredRate === null ? null : measuredRate / predictedRate;
  let monotone = true;
  for (let k = 1; k < risks.length; k++) if (risks[k]! > risks[k - 1]! + MONOTONE_RTOL * Math.abs(risks[k - 1]!)) monotone = false;
  const tolerances = { gap: convergedGap * Math.abs(Rstar), distance: convergedDistance * (1 + optimumNorm), rateRtol };
  const gapOk = Math.abs(gap) <= tolerances.gap;
  const distanceOk = dist.moduloOrder <= tolerances.distance;
  // A fit is only needed when the gap has not reached the rounding floor before the window (then the run is trivially converged).
  const rateOk = rateRatio !== null && rateRatio >= 1 - rateRtol;
  const elsewhere = !(gapOk && distanceOk && rateOk) && !gapOk && gradNorm <= STATIONARY_RTOL * problem.labelSecondMoment;
  const endpointHessianMin = elsewhere ? multistepHessian(problem, estimator).eigenvalues[0]! : null;
  const verdict: MultistepFlowVerdict = {
    gap, relativeGap: gap / Rstar, distance: dist.plain, distanceModuloOrder: dist.moduloOrder, optimumNorm, gradNorm,
    measuredRate, predictedRate, rateRatio, rateFit: fit, hessianMin: lamMin, hessianMax: hess.eigenvalues[n - 1]!, monotone,
    endpointHessianMin, gapOk, distanceOk, rateOk, tolerances,
  };
  let status: MultistepFlowStatus;
  let statusNote: string;
  if (gapOk && distanceOk && rateOk) {
    status = 'converged';
    statusNote = `R − R* = ${gap.toExponential(2)}, distance (modulo step order) ${dist.moduloOrder.toExponential(2)}, rate ${measuredRate!.toPrecision(4)} vs predicted ${predictedRate.toPrecision(4)}`;
  } else if (elsewhere) {
    status = 'stationaryElsewhere';
    const kind = endpointHessianMin! > 0 ? 'a local minimum' : 'a saddle or degenerate point';
    statusNote = `the flow stopped at another critical point, ${kind} (λ_min(∇²R) = ${endpointHessianMin!.toExponential(2)}): ‖∇R‖ = ${gradNorm.toExponential(2)} but R − R* = ${gap.toExponential(3)} (${(gap / Rstar).toExponential(2)}·R*)`;
  } else {
    status = 'notConverged';
    const why = [!gapOk ? `R − R* = ${gap.toExponential(2)} > ${tolerances.gap.toExponential(2)}` : '', !distanceOk ? `distance ${dist.moduloOrder.toExponential(2)} > ${tolerances.distance.toExponential(2)}` : '',
      !rateOk ? (rateRatio === null ? 'no tail to fit a rate on' : `rate ratio ${rateRatio.toPrecision(4)} < ${1 - rateRtol}`) : ''].filter((s) => s !== '');
    statusNote = `the verdict fails: ${why.join('; ')}`;
  }
  return { ...common, status, statusNote, verdict, wallTimeMs: wall() };
}
