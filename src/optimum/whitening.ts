/**
 * Whitened coordinates of the reduced parameters — the preconditioner of the LSA/LTB polish — and
 * the objective in those coordinates.
 */
import type { HessianVectorProduct, Objective } from '../optim/index.js';
import { problemScale, reducedLayout, type AttentionKind, type Problem } from '../models/index.js';
import { addGaugeHvp, addGaugeTerm, reducedHvp, reducedObjective, type ObjectiveOptions } from './objective.js';

/** Smallest Schur complement of the embedding covariance kept by the whitening, relative to E[y²]. */
const WHITEN_FLOOR = 1e-10;

/**
 * Whitened coordinates of the reduced parameters. With
 * Σ_z = E[zzᵀ] = [[H, Hβ*], [β*ᵀH, E y²]] = L·Lᵀ, L = [[C, 0], [(Cᵀβ*)ᵀ, r]], C·Cᵀ = H,
 * r² = tr(HΨ) + σ² (floored at 1e-10·E[y²]), the prediction xᵀ(β_m + QᵀWp) equals
 * x̃ᵀ(β̂ + Q̂ᵀW̃p̂) in the whitened embedding z̃ = L⁻¹z, x̃ = C⁻¹x, with
 *   β̂ = Cᵀβ_m,  p̂ = Lᵀp = (Cᵀw*; r·p_y),  Q̂ = Lᵀ·Q·C  (w* = p_x + p_yβ*, as in math.md §3.3).
 * In these coordinates E[W̃] = I, which removes the scale disparity between x and y = xᵀβ* + …
 * (for β* = 10·𝟙 the raw Hessian has condition ≳ 10⁴ and L-BFGS needs thousands of iterations).
 * The map is linear: θ = T⁻¹θ̂ and ∇_θ̂R = T⁻ᵀ∇_θR. Each map is O(d³).
 */
export class Whitening {
  readonly d: number;
  readonly kind: AttentionKind;
  /** [d, d] C with CCᵀ = H, and C⁻¹. */
  private readonly C: Float64Array;
  private readonly Ci: Float64Array;
  /** [d+1, d+1] L and L⁻¹. */
  private readonly L: Float64Array;
  private readonly Li: Float64Array;

  constructor(problem: Problem, kind: AttentionKind) {
    const { d, V, lambda, betaStar } = problem;
    this.d = d;
    this.kind = kind;
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
    const k = this.kind === 'ltb' ? d : 0;
    if (this.kind === 'ltb') {
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
 * The risk in whitened coordinates θ̂ ({@link Whitening}, whose kind it takes), plus the balancing
 * term (μ/4)(‖p̂‖² − ‖Q̂‖²_F)² with μ = `gaugeWeight`. The gauge (p̂, Q̂) → (tp̂, Q̂/t) is the same
 * orbit as (p, Q) → (tp, Q/t), so the argument of {@link reducedObjective} applies: the critical
 * points of the sum are the balanced critical points of R, at the same risk, and the Hessian has no
 * null direction along the orbit. Each evaluation: one risk evaluation plus two O(d³) maps.
 */
export function whitenedObjective(problem: Problem, white: Whitening, options: ObjectiveOptions = {}): Objective {
  const { gaugeWeight = 0 } = options;
  const kind = white.kind;
  const f = reducedObjective(problem, kind);
  const at = reducedLayout(problem.d, kind);
  const theta = new Float64Array(at.size);
  const g = new Float64Array(theta.length);
  return (hat, grad) => {
    white.fromHat(hat, theta);
    const risk = f(theta, g);
    white.gradToHat(g, grad);
    if (gaugeWeight === 0) return risk;
    return risk + addGaugeTerm(hat, grad, at, gaugeWeight);
  };
}

/**
 * Hessian-vector products of {@link whitenedObjective}: T⁻ᵀ·∇²R(θ)·T⁻¹·v̂ (θ = T⁻¹θ̂; the map is
 * linear, so this is exact) plus the balancing term's Hessian in θ̂. Analytic (src/risk
 * reducedHessianOperator), O(d³) per product, memory O(n).
 */
export function whitenedHvp(problem: Problem, white: Whitening, options: ObjectiveOptions = {}): HessianVectorProduct {
  const { gaugeWeight = 0 } = options;
  const kind = white.kind;
  const hvp = reducedHvp(problem, kind);
  const at = reducedLayout(problem.d, kind);
  const theta = new Float64Array(at.size);
  const vt = new Float64Array(at.size);
  const hv = new Float64Array(at.size);
  return (hat, v, out) => {
    white.fromHat(hat, theta);
    white.fromHat(v, vt);
    hvp(theta, vt, hv);
    white.gradToHat(hv, out);
    if (gaugeWeight !== 0) addGaugeHvp(hat, v, out, at, gaugeWeight);
  };
}
