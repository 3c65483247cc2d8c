/**
 * Optimal LSA and LTB (math.md §2, §3.3, §5.2): numerical minimisation of the exact risk over the
 * reduced parameters θ = (β_m, p, Q) — β_m ∈ ℝ^d (LTB only; frozen at 0 for LSA), p ∈ ℝ^{d+1},
 * Q ∈ ℝ^{(d+1)×d} — with the analytic gradient of {@link riskReduced}.
 *
 * Gauge: the risk depends on (p, Q) only through Qᵀ·W·p, so (p, Q) → (t·p, Q/t) leaves it unchanged
 * and the Hessian has a null direction at every critical point. L-BFGS is unaffected (the gradient
 * is orthogonal to the orbit); every start is *balanced* (‖p‖₂ = ‖Q‖_F) before the polish and the
 * result is balanced again, so the returned weights are well scaled.
 *
 * Each start: the exact population gradient flow (src/flow, Rodas4, until near-stationary — it
 * selects the basin the training dynamics reach; see `flow`), then an L-BFGS polish to
 * ‖∇R‖ ≤ gtolRelative·scale, scale = E[y²] = σ² + tr(H(Ψ + β*β*ᵀ)) (the risk of predicting 0).
 * Starts: the optimal GD-0 as an LSA (and, for LTB, the optimal GD-β as an LTB and GD-0 with
 * β_m = 0), ZFB's balanced start, and `randomStarts` small seeded random starts; each is also
 * polished directly (without the flow), since the flow can settle in a spurious basin.
 */
import { NumericalError } from '../errors.js';
import { Rng, type Matrix } from '../linalg/index.js';
import {
  effectiveGdBeta, lsaFromGd0, ltbFromGdBeta, reducedForm,
  type EffectiveGdBeta, type Lsa, type Ltb, type Problem, type Reduced,
} from '../models/index.js';
import { optimumGd0, optimumGdBeta, riskAttention, riskReduced } from '../risk/index.js';
import { attentionFlow } from '../flow/index.js';
import { denseJacobianSolver, finiteDifferenceJacobian, rodas4, rosenbrock, solve } from '../flow/ode/index.js';
import { lbfgs, type LbfgsOptions, type LbfgsStatus } from './lbfgs.js';
import { newtonPolish, type NewtonPolishResult } from './newton.js';

/** The attention classes optimised numerically. */
export type AttentionClass = 'lsa' | 'ltb';

/** Options of {@link optimumAttention}. */
export interface AttentionOptimumOptions {
  /** Seed of the random starts (and of ZFB's Θ). @defaultValue 1 */
  seed?: number;
  /** Number of small random starts. @defaultValue 2 */
  randomStarts?: number;
  /** Standard deviation of the entries of a random start. @defaultValue 0.1 */
  randomScale?: number;
  /** s of ZFB's balanced start W^{PV} = s·e_{d+1}e_{d+1}ᵀ, W^{KQ} = s·[[ΘΘᵀ, 0], [0, 0]]. @defaultValue 0.5 */
  zfbScale?: number;
  /**
   * The flow stage of each start: `'ode'` — the exact population gradient flow of src/flow
   * (attentionFlow, reduced parameters) integrated by Rodas4 (the flow is stiff) until
   * ‖∇R‖∞ ≤ flowSteadyRelative·E[y²] or `flowMaxSteps` steps; `'gradient-descent'` — `flowSteps`
   * steps of gradient descent with Armijo backtracking (a cruder, cheaper discretisation);
   * `'none'` — straight to the polish. @defaultValue 'ode'
   */
  flow?: 'ode' | 'gradient-descent' | 'none';
  /** ODE flow stage: steady-state threshold relative to E[y²]. @defaultValue 1e-3 */
  flowSteadyRelative?: number;
  /** ODE flow stage: cap on accepted + rejected steps. @defaultValue 200 */
  flowMaxSteps?: number;
  /** Gradient-descent flow stage: number of steps. @defaultValue 300 */
  flowSteps?: number;
  /**
   * Also polish every start without the flow stage (reported as `<start>/direct`): the flow may pick
   * a spurious basin, the optimum is the best of all. @defaultValue true
   */
  directPolish?: boolean;
  /** Extra seeded random starts (entries N(0, 1)·randomScale·10) polished directly, `direct-1`, …: a cheap global search. @defaultValue 4 */
  directRandomStarts?: number;
  /** Stop the polish at ‖∇R‖ ≤ gtolRelative·E[y²]. @defaultValue 1e-9 */
  gtolRelative?: number;
  /** μ of the balancing term (μ/4)(‖p̂‖² − ‖Q̂‖²)² added during the polish (whitened coordinates). @defaultValue 1 */
  gaugeWeight?: number;
  /** Newton-polish iterations after L-BFGS (finite-difference Hessian, {@link newtonPolish}). @defaultValue 4 */
  newtonSteps?: number;
  /** Further L-BFGS options (memory, maxIterations, c1, c2, maxLineSearch). */
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
  readonly risk: number;
  /** ‖∇R‖ over the reduced parameters at the end. */
  readonly gradNorm: number;
  /** L-BFGS iterations of the polish. */
  readonly iterations: number;
  /** Objective evaluations (flow + polish). */
  readonly nfev: number;
  /** How the L-BFGS polish ended. */
  readonly status: LbfgsStatus;
  /** How the Newton polish after it ended. */
  readonly newton: NewtonPolishResult['status'];
}

/** The optimum of a class found by {@link optimumAttention}. */
export interface AttentionOptimum {
  readonly cls: AttentionClass;
  readonly risk: number;
  /** Raw weights reproducing the reduced parameters (checked through reducedForm). */
  readonly estimator: Lsa | Ltb;
  readonly reduced: Reduced;
  /** ‖∇R‖ over the raw weights of `estimator` (what `linear-icl risk` reports). */
  readonly gradNorm: number;
  /** ‖∇R‖ over the reduced parameters. */
  readonly reducedGradNorm: number;
  readonly starts: readonly StartResult[];
  /** Name of the start that reached the lowest risk. */
  readonly best: string;
  /** max − min final risk over the starts (0 when every start reached the same level). */
  readonly spread: number;
  /** The GD-β the optimum equals, or why it is not one (math.md §2). */
  readonly effectiveGdBeta: EffectiveGdBeta;
  /** E[y²], the scale of the gradient tolerance. */
  readonly scale: number;
  readonly gtol: number;
}

/** Number of reduced parameters: (d if LTB) + (d+1) + (d+1)·d. */
export function reducedSize(d: number, cls: AttentionClass): number {
  return (cls === 'ltb' ? d : 0) + (d + 1) + (d + 1) * d;
}

/** Packs (β_m, p, Q) into θ (β_m omitted for LSA). */
export function packReduced(red: Reduced, cls: AttentionClass): Float64Array {
  const d = red.betaM.length;
  const theta = new Float64Array(reducedSize(d, cls));
  let k = 0;
  if (cls === 'ltb') {
    theta.set(red.betaM, 0);
    k = d;
  }
  theta.set(red.p, k);
  theta.set(red.Q.data, k + d + 1);
  return theta;
}

/** Unpacks θ into fresh (β_m, p, Q) (β_m = 0 for LSA). */
export function unpackReduced(theta: Float64Array, d: number, cls: AttentionClass): Reduced {
  const k = cls === 'ltb' ? d : 0;
  const betaM = cls === 'ltb' ? theta.slice(0, d) : new Float64Array(d);
  const p = theta.slice(k, k + d + 1);
  const Q: Matrix = { rows: d + 1, cols: d, data: theta.slice(k + d + 1, k + d + 1 + (d + 1) * d) };
  return { betaM, p, Q };
}

/**
 * The exact risk as an objective on θ (writes ∇R into grad). With `gaugeWeight` μ > 0 it adds the
 * balancing term (μ/4)(‖p‖² − ‖Q‖²_F)², which is zero on balanced points: since ⟨∇R, (p, −Q)⟩ = 0
 * (gauge invariance), the critical points of the sum are exactly the balanced critical points of R,
 * at the same risk — and the null direction of the Hessian is gone, so a quasi-Newton method cannot
 * drift along the orbit (t·p, Q/t) towards t → 0 or ∞ (observed without it: ‖Q‖ → 10³, ‖p‖ → 0).
 */
export function reducedObjective(problem: Problem, cls: AttentionClass, gaugeWeight = 0): (theta: Float64Array, grad: Float64Array) => number {
  const d = problem.d;
  const k = cls === 'ltb' ? d : 0;
  const q0 = k + d + 1;
  return (theta, grad) => {
    const { risk, grad: g } = riskReduced(problem, unpackReduced(theta, d, cls));
    if (cls === 'ltb') grad.set(g.betaM, 0);
    grad.set(g.p, k);
    grad.set(g.Q.data, q0);
    if (gaugeWeight === 0) return risk;
    let np = 0;
    let nq = 0;
    for (let i = k; i < q0; i++) np += theta[i]! ** 2;
    for (let i = q0; i < theta.length; i++) nq += theta[i]! ** 2;
    const gap = np - nq;
    for (let i = k; i < q0; i++) grad[i] += gaugeWeight * gap * theta[i]!;
    for (let i = q0; i < theta.length; i++) grad[i] -= gaugeWeight * gap * theta[i]!;
    return risk + 0.25 * gaugeWeight * gap * gap;
  };
}

/** Smallest Schur complement of the embedding covariance kept by the whitening, relative to E[y²]. */
const WHITEN_FLOOR = 1e-10;

/**
 * Whitened coordinates of the reduced parameters, the preconditioner of the polish. With
 * Σ_z = E[zzᵀ] = [[H, Hβ*], [β*ᵀH, E y²]] = L·Lᵀ, L = [[C, 0], [(Cᵀβ*)ᵀ, r]], C·Cᵀ = H,
 * r² = tr(HΨ) + σ² (floored at 1e-10·E[y²]), the prediction xᵀ(β_m + QᵀWp) equals
 * x̃ᵀ(β̂ + Q̂ᵀW̃p̂) in the whitened embedding z̃ = L⁻¹z, x̃ = C⁻¹x, with
 *   β̂ = Cᵀβ_m,  p̂ = Lᵀp = (Cᵀw*; r·p_y),  Q̂ = Lᵀ·Q·C  (w* = p_x + p_yβ*, as in math.md §3.3).
 * In these coordinates E[W̃] = I, which removes the scale disparity between x and y = xᵀβ* + …
 * (for β* = 10·𝟙 the raw Hessian has condition ≳ 10⁴ and L-BFGS needs thousands of iterations).
 * The map is linear: θ = T⁻¹θ̂ and ∇_θ̂R = T⁻ᵀ∇_θR.
 */
export class Whitening {
  readonly d: number;
  readonly cls: AttentionClass;
  /** [d, d] C with CCᵀ = H, and C⁻¹. */
  private readonly C: Float64Array;
  private readonly Ci: Float64Array;
  /** [d+1, d+1] L and L⁻¹. */
  private readonly L: Float64Array;
  private readonly Li: Float64Array;

  constructor(problem: Problem, cls: AttentionClass) {
    const { d, V, lambda, betaStar } = problem;
    this.d = d;
    this.cls = cls;
    const n = d + 1;
    this.C = new Float64Array(d * d);
    this.Ci = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        this.C[i * d + j] = V.data[i * d + j]! * Math.sqrt(lambda[j]!); // C = VΛ^{1/2}
        this.Ci[i * d + j] = V.data[j * d + i]! / Math.sqrt(lambda[i]!); // C⁻¹ = Λ^{−1/2}Vᵀ
      }
    }
    const b = new Float64Array(d); // Cᵀβ*
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += this.C[i * d + j]! * betaStar[i]!;
      b[j] = s;
    }
    const r = Math.sqrt(Math.max(problem.t1 + problem.sigma2, WHITEN_FLOOR * problemScale(problem)));
    this.L = new Float64Array(n * n);
    this.Li = new Float64Array(n * n);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        this.L[i * n + j] = this.C[i * d + j]!;
        this.Li[i * n + j] = this.Ci[i * d + j]!;
      }
    }
    for (let j = 0; j < d; j++) {
      this.L[d * n + j] = b[j]!;
      // last row of L⁻¹: −bᵀC⁻¹/r
      let s = 0;
      for (let k = 0; k < d; k++) s += b[k]! * this.Ci[k * d + j]!;
      this.Li[d * n + j] = -s / r;
    }
    this.L[d * n + d] = r;
    this.Li[d * n + d] = 1 / r;
  }

  /** out = T·θ or the gradient map T⁻ᵀ·g, by blocks (A_β acting on β, A_p on p and rows of Q, B on columns of Q). */
  private apply(x: Float64Array, Ab: Float64Array, Ap: Float64Array, Bq: Float64Array, out: Float64Array): Float64Array {
    const d = this.d;
    const n = d + 1;
    const k = this.cls === 'ltb' ? d : 0;
    if (this.cls === 'ltb') {
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += Ab[i * d + j]! * x[j]!;
        out[i] = s;
      }
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += Ap[i * n + j]! * x[k + j]!;
      out[k + i] = s;
    }
    const q0 = k + n;
    const tmp = new Float64Array(n * d); // Ap·Q
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let l = 0; l < n; l++) s += Ap[i * n + l]! * x[q0 + l * d + j]!;
        tmp[i * d + j] = s;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let l = 0; l < d; l++) s += tmp[i * d + l]! * Bq[l * d + j]!;
        out[q0 + i * d + j] = s;
      }
    }
    return out;
  }

  private static transpose(A: Float64Array, n: number): Float64Array {
    const T = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) T[i * n + j] = A[j * n + i]!;
    return T;
  }

  /** θ̂ = Tθ: (Cᵀβ_m, Lᵀp, LᵀQC). */
  toHat(theta: Float64Array, out: Float64Array = new Float64Array(theta.length)): Float64Array {
    const d = this.d;
    return this.apply(theta, Whitening.transpose(this.C, d), Whitening.transpose(this.L, d + 1), this.C, out);
  }

  /** θ = T⁻¹θ̂: (C⁻ᵀβ̂, L⁻ᵀp̂, L⁻ᵀQ̂C⁻¹). */
  fromHat(hat: Float64Array, out: Float64Array = new Float64Array(hat.length)): Float64Array {
    const d = this.d;
    return this.apply(hat, Whitening.transpose(this.Ci, d), Whitening.transpose(this.Li, d + 1), this.Ci, out);
  }

  /** ∇_θ̂R = T⁻ᵀ∇_θR: (C⁻¹ḡ_β, L⁻¹ḡ_p, L⁻¹ḠC⁻ᵀ). */
  gradToHat(g: Float64Array, out: Float64Array = new Float64Array(g.length)): Float64Array {
    return this.apply(g, this.Ci, this.Li, Whitening.transpose(this.Ci, this.d), out);
  }
}

/**
 * The risk in whitened coordinates θ̂ ({@link Whitening}), plus the balancing term
 * (μ/4)(‖p̂‖² − ‖Q̂‖²_F)² with μ = `gaugeWeight`. The gauge (p̂, Q̂) → (tp̂, Q̂/t) is the same orbit
 * as (p, Q) → (tp, Q/t), so the argument of {@link reducedObjective} applies: the critical points
 * of the sum are the balanced critical points of R, at the same risk, and the Hessian has no null
 * direction along the orbit.
 */
export function whitenedObjective(problem: Problem, cls: AttentionClass, white: Whitening, gaugeWeight: number): (hat: Float64Array, grad: Float64Array) => number {
  const f = reducedObjective(problem, cls);
  const d = problem.d;
  const k = cls === 'ltb' ? d : 0;
  const q0 = k + d + 1;
  const theta = new Float64Array(reducedSize(d, cls));
  const g = new Float64Array(theta.length);
  return (hat, grad) => {
    white.fromHat(hat, theta);
    const risk = f(theta, g);
    white.gradToHat(g, grad);
    if (gaugeWeight === 0) return risk;
    let np = 0;
    let nq = 0;
    for (let i = k; i < q0; i++) np += hat[i]! ** 2;
    for (let i = q0; i < hat.length; i++) nq += hat[i]! ** 2;
    const gap = np - nq;
    for (let i = k; i < q0; i++) grad[i] += gaugeWeight * gap * hat[i]!;
    for (let i = q0; i < hat.length; i++) grad[i] -= gaugeWeight * gap * hat[i]!;
    return risk + 0.25 * gaugeWeight * gap * gap;
  };
}

/** Rescales (p, Q) in θ in place to ‖p‖₂ = ‖Q‖_F (the gauge (tp, Q/t); the risk is unchanged). */
export function balance(theta: Float64Array, d: number, cls: AttentionClass): Float64Array {
  const k = cls === 'ltb' ? d : 0;
  let np = 0;
  let nq = 0;
  for (let i = 0; i <= d; i++) np += theta[k + i]! ** 2;
  for (let i = k + d + 1; i < theta.length; i++) nq += theta[i]! ** 2;
  if (!(np > 0 && nq > 0)) return theta;
  const t = Math.sqrt(Math.sqrt(nq) / Math.sqrt(np));
  for (let i = 0; i <= d; i++) theta[k + i] *= t;
  for (let i = k + d + 1; i < theta.length; i++) theta[i] /= t;
  return theta;
}

/**
 * Raw weights computing the reduced parameters: W^{KQ} = [Q, 0] (first d columns Q), W^{PV} with
 * last row pᵀ (zero elsewhere); for LTB d_f = 1, W₁ = (β_mᵀ, 0), W₂ = e_{d+1}ᵀ, so
 * u = e_{d+1} + W₁ᵀW₂e_{d+1} = (β_m; 1) and (W^{PV})ᵀu = p. Verified through reducedForm (exact
 * up to rounding); a mismatch throws NumericalError.
 */
export function weightsFromReduced(red: Reduced, cls: AttentionClass): Lsa | Ltb {
  const d = red.betaM.length;
  const n = d + 1;
  const WKQ: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) WKQ.data[i * n + j] = red.Q.data[i * d + j]!;
  const WPV: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  for (let j = 0; j < n; j++) WPV.data[d * n + j] = red.p[j]!;
  let est: Lsa | Ltb;
  if (cls === 'lsa') {
    est = { kind: 'lsa', WKQ, WPV };
  } else {
    const W1: Matrix = { rows: 1, cols: n, data: new Float64Array(n) };
    W1.data.set(red.betaM, 0);
    const W2: Matrix = { rows: 1, cols: n, data: new Float64Array(n) };
    W2.data[d] = 1;
    est = { kind: 'ltb', WKQ, WPV, W1, W2 };
  }
  const back = reducedForm(est);
  let err = 0;
  let size = 0;
  const cmp = (a: Float64Array, b: Float64Array): void => {
    for (let i = 0; i < a.length; i++) {
      err = Math.max(err, Math.abs(a[i]! - b[i]!));
      size = Math.max(size, Math.abs(a[i]!));
    }
  };
  cmp(red.p, back.p);
  cmp(red.Q.data, back.Q.data);
  if (cls === 'ltb') cmp(red.betaM, back.betaM);
  if (!(err <= 4 * Number.EPSILON * size)) {
    throw new NumericalError('optimum: raw weights', `reducedForm does not reproduce the reduced parameters (max error ${err})`);
  }
  return est;
}

/** E[y²] = σ² + tr(HΨ) + β*ᵀHβ* (the risk of the zero predictor), or 1 when that is 0. */
export function problemScale(problem: Problem): number {
  const { d, H, betaStar } = problem;
  let bHb = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) bHb += betaStar[i]! * H.data[i * d + j]! * betaStar[j]!;
  const s = problem.sigma2 + problem.t1 + bHb;
  return s > 0 ? s : 1;
}

/** Scale of the direct random starts relative to `randomScale` (larger: more diverse basins). */
const DIRECT_SCALE = 10;
/** ODE flow stage: loose tolerances (the flow only selects the basin; the polish is exact). */
const FLOW_RTOL = 1e-2;
const FLOW_ATOL = 1e-5;
/** ODE flow stage: the span (the steady-state test or the step cap ends it first). */
const FLOW_HORIZON = 1e6;

/** Armijo constant and step-size factors of the gradient-descent flow stage. */
const FLOW_ARMIJO = 1e-4;
const FLOW_GROW = 1.5;
const FLOW_SHRINK = 0.5;
/** Backtracking cap per flow step (past it the flow stage ends early). */
const FLOW_MAX_BACKTRACK = 60;

/**
 * Gradient descent with Armijo backtracking and step-size memory: a stable discretisation of the
 * gradient flow dθ/dt = −∇R(θ) (the step grows after each accepted step, halves on rejection).
 * Returns the number of objective evaluations; θ is updated in place.
 */
export function gradientDescent(f: (x: Float64Array, g: Float64Array) => number, theta: Float64Array, steps: number): number {
  const n = theta.length;
  const g = new Float64Array(n);
  const gt = new Float64Array(n);
  const xt = new Float64Array(n);
  let fx = f(theta, g);
  let nfev = 1;
  let g2 = 0;
  for (let i = 0; i < n; i++) g2 += g[i]! ** 2;
  let h = g2 > 0 ? Math.min(1, 1 / Math.sqrt(g2)) : 1;
  for (let s = 0; s < steps && g2 > 0; s++) {
    let accepted = false;
    for (let b = 0; b < FLOW_MAX_BACKTRACK; b++) {
      for (let i = 0; i < n; i++) xt[i] = theta[i]! - h * g[i]!;
      const ft = f(xt, gt);
      nfev++;
      if (Number.isFinite(ft) && ft <= fx - FLOW_ARMIJO * h * g2) {
        theta.set(xt);
        g.set(gt);
        fx = ft;
        g2 = 0;
        for (let i = 0; i < n; i++) g2 += g[i]! ** 2;
        h *= FLOW_GROW;
        accepted = true;
        break;
      }
      h *= FLOW_SHRINK;
    }
    if (!accepted) break;
  }
  return nfev;
}

/** The named start points (reduced parameters) of {@link optimumAttention}. */
export function attentionStarts(problem: Problem, cls: AttentionClass, options: AttentionOptimumOptions = {}): { name: string; reduced: Reduced }[] {
  const { seed = 1, randomStarts = 2, randomScale = 0.1, zfbScale = 0.5 } = options;
  const d = problem.d;
  const starts: { name: string; reduced: Reduced }[] = [];
  const gd0 = reducedForm(lsaFromGd0(optimumGd0(problem).estimator));
  if (cls === 'ltb') starts.push({ name: 'gd-beta', reduced: reducedForm(ltbFromGdBeta(optimumGdBeta(problem).estimator)) });
  starts.push({ name: 'gd0', reduced: gd0 });
  const rng = new Rng(seed);
  // ZFB: p = (0; s), Q_x = s·ΘΘᵀ with ‖ΘΘᵀ‖_F = 1, q_y = 0, β_m = 0.
  const Theta = new Float64Array(d * d);
  for (let k = 0; k < d * d; k++) Theta[k] = rng.normal();
  const TT = new Float64Array(d * d);
  let nrm = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += Theta[i * d + k]! * Theta[j * d + k]!;
      TT[i * d + j] = s;
      nrm += s * s;
    }
  }
  nrm = Math.sqrt(nrm);
  const zfb: Reduced = { betaM: new Float64Array(d), p: new Float64Array(d + 1), Q: { rows: d + 1, cols: d, data: new Float64Array((d + 1) * d) } };
  zfb.p[d] = zfbScale;
  for (let k = 0; k < d * d; k++) zfb.Q.data[k] = (zfbScale * TT[k]!) / nrm;
  starts.push({ name: 'zfb', reduced: zfb });
  for (let r = 1; r <= randomStarts; r++) {
    const theta = new Float64Array(reducedSize(d, cls));
    for (let k = 0; k < theta.length; k++) theta[k] = randomScale * rng.normal();
    starts.push({ name: `random-${r}`, reduced: unpackReduced(theta, d, cls) });
  }
  return starts;
}

/**
 * The optimal LSA or LTB of a problem (math.md §5.2), by multi-start flow + L-BFGS on the exact risk.
 * Returns the best start's risk and raw weights (balanced gauge), every start's outcome and the
 * spread of the final risks. Cost ≈ (starts)·(flow steps·(n + 6) + polish iterations)·O(d³), n = #parameters.
 */
export function optimumAttention(problem: Problem, cls: AttentionClass, options: AttentionOptimumOptions = {}): AttentionOptimum {
  const {
    flow = 'ode', flowSteadyRelative = 1e-3, flowMaxSteps = 200, flowSteps = 300, directPolish = true, directRandomStarts = 4, gtolRelative = 1e-9, gaugeWeight,
    newtonSteps = 4,
  } = options;
  const d = problem.d;
  const scale = problemScale(problem);
  const gtol = gtolRelative * scale;
  const f = reducedObjective(problem, cls);
  const white = new Whitening(problem, cls);
  const fPolish = whitenedObjective(problem, cls, white, gaugeWeight ?? 1);
  const grad = new Float64Array(reducedSize(d, cls));
  const results: (StartResult & { theta: Float64Array })[] = [];
  const polish = (name: string, theta: Float64Array, initialRisk: number, flowTime: number, nfev0: number): void => {
    const flowRisk = f(theta, grad);
    const hat = balance(white.toHat(theta), d, cls);
    const res = lbfgs(fPolish, hat, { ...options.lbfgs, gtol });
    const pol = newtonPolish(fPolish, res.x, { maxIterations: newtonSteps });
    const x = white.fromHat(balance(Float64Array.from(pol.x), d, cls));
    const risk = f(x, grad);
    let g2 = 0;
    for (let i = 0; i < grad.length; i++) g2 += grad[i]! ** 2;
    results.push({
      name, initialRisk, flowRisk, flowTime, risk, gradNorm: Math.sqrt(g2), iterations: res.iterations,
      nfev: nfev0 + res.nfev + 2 + pol.iterations * (2 * x.length + 1), status: res.status, newton: pol.status, theta: x,
    });
  };
  for (const start of attentionStarts(problem, cls, options)) {
    const theta0 = packReduced(start.reduced, cls);
    const initialRisk = f(theta0, grad);
    const theta = Float64Array.from(theta0);
    let nfev = 1;
    let flowTime = 0;
    if (flow === 'ode') {
      const fl = attentionFlow(problem, { model: cls, parametrization: 'reduced' });
      const method = rosenbrock(rodas4, { linearSolver: denseJacobianSolver(finiteDifferenceJacobian(fl.field, fl.n), fl.n) });
      const sol = solve(fl.field, theta, [0, FLOW_HORIZON], method, {
        rtol: FLOW_RTOL, atol: FLOW_ATOL, maxSteps: flowMaxSteps, throwOnFailure: false,
        steadyState: { tol: flowSteadyRelative * scale, norm: 'inf' },
      });
      if (sol.y.every(Number.isFinite)) theta.set(sol.y);
      flowTime = sol.t;
      nfev += sol.stats.nfev + sol.stats.njev * (fl.n + 1);
    } else if (flow === 'gradient-descent' && flowSteps > 0) {
      nfev += gradientDescent(f, theta, flowSteps);
      flowTime = flowSteps;
    }
    polish(start.name, theta, initialRisk, flowTime, nfev);
    // The flow can settle in a spurious basin (observed for LSA: two local minima 0.5% apart, every
    // flow from small starts reaching the higher one), so every start is also polished directly.
    if (flow !== 'none' && directPolish) polish(`${start.name}/direct`, theta0, initialRisk, 0, 1);
  }
  const rngDirect = new Rng((options.seed ?? 1) + 1_000_003);
  for (let r = 1; r <= directRandomStarts; r++) {
    const theta0 = Float64Array.from({ length: reducedSize(d, cls) }, () => DIRECT_SCALE * (options.randomScale ?? 0.1) * rngDirect.normal());
    polish(`direct-${r}`, theta0, f(theta0, grad), 0, 1);
  }
  let best = results[0]!;
  let worst = -Infinity;
  for (const r of results) {
    if (!Number.isFinite(r.risk)) continue;
    if (r.risk < best.risk || !Number.isFinite(best.risk)) best = r;
    worst = Math.max(worst, r.risk);
  }
  if (!Number.isFinite(best.risk)) throw new NumericalError(`optimum(${cls})`, 'every start diverged (non-finite risk)');
  const reduced = unpackReduced(best.theta, d, cls);
  const estimator = weightsFromReduced(reduced, cls);
  const raw = riskAttention(problem, estimator);
  let rg2 = 0;
  for (const M of [raw.gradWKQ, raw.gradWPV, raw.gradW1, raw.gradW2]) if (M) for (const v of M.data) rg2 += v * v;
  return {
    cls,
    risk: best.risk,
    estimator,
    reduced,
    gradNorm: Math.sqrt(rg2),
    reducedGradNorm: best.gradNorm,
    starts: results.map(({ theta: _theta, ...r }) => r),
    best: best.name,
    spread: worst - Math.min(...results.map((r) => r.risk).filter(Number.isFinite)),
    effectiveGdBeta: effectiveGdBeta(estimator, { rtol: 1e-6 }),
    scale,
    gtol,
  };
}
