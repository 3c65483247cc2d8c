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
 * The lower-triangular C with C·Cᵀ = C₀·C₀ᵀ (the Cholesky factor of H, obtained from C₀ = VΛ^{1/2} by a
 * Householder QR of C₀ᵀ = O·R, C = Rᵀ with a positive diagonal: C = C₀·O, no pivot can fail however
 * ill-conditioned H is). Any C with CCᵀ = H whitens; a triangular one halves the cost of every map
 * (the zero blocks are skipped), and C₀·O differs from C₀ by an orthogonal change of the whitened
 * coordinates, under which L-BFGS, Newton-CG and the balancing term are invariant. O(d³), once.
 */
function lowerTriangularFactor(C0: Float64Array, d: number): Float64Array {
  const A = new Float64Array(d * d); // C₀ᵀ, reduced in place to R
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] = C0[j * d + i]!;
  const v = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let nx = 0;
    for (let i = k; i < d; i++) nx += A[i * d + k]! ** 2;
    nx = Math.sqrt(nx);
    if (!(nx > 0)) continue;
    const alpha = A[k * d + k]! >= 0 ? -nx : nx;
    let nv = 0;
    for (let i = k; i < d; i++) {
      v[i] = A[i * d + k]! - (i === k ? alpha : 0);
      nv += v[i]! ** 2;
    }
    if (!(nv > 0)) continue;
    for (let j = k; j < d; j++) {
      let s = 0;
      for (let i = k; i < d; i++) s += v[i]! * A[i * d + j]!;
      const f = (2 * s) / nv;
      for (let i = k; i < d; i++) A[i * d + j] -= f * v[i]!;
    }
    for (let i = k + 1; i < d; i++) A[i * d + k] = 0;
  }
  const C = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const sign = A[j * d + j]! < 0 ? -1 : 1; // row j of R (column j of C) to a positive diagonal
    for (let i = j; i < d; i++) C[i * d + j] = sign * A[j * d + i]!;
  }
  return C;
}

/** C⁻¹ of a lower-triangular [d, d] C with a nonzero diagonal, by forward substitution (lower triangular). O(d³). */
function lowerTriangularInverse(C: Float64Array, d: number): Float64Array {
  const X = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    for (let i = c; i < d; i++) {
      let s = i === c ? 1 : 0;
      for (let j = c; j < i; j++) s -= C[i * d + j]! * X[j * d + c]!;
      X[i * d + c] = s / C[i * d + i]!;
    }
  }
  return X;
}

/** [2d] for each row of a [d, d] matrix the range [start, end) of its nonzero entries (empty: [0, 0)). */
function rowSpans(B: Float64Array, d: number): Int32Array {
  const span = new Int32Array(2 * d);
  for (let l = 0; l < d; l++) {
    let j0 = 0;
    while (j0 < d && B[l * d + j0] === 0) j0++;
    let j1 = d;
    while (j1 > j0 && B[l * d + j1 - 1] === 0) j1--;
    span[2 * l] = j0;
    span[2 * l + 1] = j1;
  }
  return span;
}

/**
 * Whitened coordinates of the reduced parameters. With
 * Σ_z = E[zzᵀ] = [[H, Hβ*], [β*ᵀH, E y²]] = L·Lᵀ, L = [[C, 0], [(Cᵀβ*)ᵀ, r]], C·Cᵀ = H,
 * r² = tr(HΨ) + σ² (floored at 1e-10·E[y²]), the prediction xᵀ(β_m + QᵀWp) equals
 * x̃ᵀ(β̂ + Q̂ᵀW̃p̂) in the whitened embedding z̃ = L⁻¹z, x̃ = C⁻¹x, with
 *   β̂ = Cᵀβ_m,  p̂ = Lᵀp = (Cᵀw*; r·p_y),  Q̂ = Lᵀ·Q·C  (w* = p_x + p_yβ*, as in math.md §3.3).
 * In these coordinates E[W̃] = I, which removes the scale disparity between x and y = xᵀβ* + …
 * (for β* = 10·𝟙 the raw Hessian has condition ≳ 10⁴ and L-BFGS needs thousands of iterations).
 * C is the lower-triangular (Cholesky) factor of H ({@link lowerTriangularFactor}), so L is lower
 * triangular too and each map skips their zero halves.
 * The map is linear: θ = T⁻¹θ̂ and ∇_θ̂R = T⁻ᵀ∇_θR. Each map is O(d³).
 */
export class Whitening {
  readonly d: number;
  readonly kind: AttentionKind;
  /** [d, d] lower-triangular C with CCᵀ = H, and C⁻¹. */
  private readonly C: Float64Array;
  private readonly Ci: Float64Array;
  /** [d+1, d+1] L and L⁻¹. */
  private readonly L: Float64Array;
  private readonly Li: Float64Array;
  /** Cᵀ, C⁻ᵀ [d, d] and Lᵀ, L⁻ᵀ [d+1, d+1], formed once (each map used to transpose on every call). */
  private readonly Ct: Float64Array;
  private readonly Cit: Float64Array;
  private readonly Lt: Float64Array;
  private readonly Lit: Float64Array;
  /** [d+1, d] scratch A_p·Q of {@link apply} (allocated once: the maps run thousands of times per start). */
  private readonly tmp: Float64Array;
  /** [2d] column range [start, end) of the nonzeros of each row of C, C⁻¹ and C⁻ᵀ (triangular). */
  private readonly spanC: Int32Array;
  private readonly spanCi: Int32Array;
  private readonly spanCit: Int32Array;

  constructor(problem: Problem, kind: AttentionKind) {
    const { d, V, lambda, betaStar } = problem;
    this.d = d;
    this.kind = kind;
    const n = d + 1;
    const C0 = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) C0[i * d + j] = V.data[i * d + j]! * Math.sqrt(lambda[j]!); // VΛ^{1/2}
    }
    this.C = lowerTriangularFactor(C0, d);
    this.Ci = lowerTriangularInverse(this.C, d);
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
    this.Ct = Whitening.transpose(this.C, d);
    this.Cit = Whitening.transpose(this.Ci, d);
    this.Lt = Whitening.transpose(this.L, n);
    this.Lit = Whitening.transpose(this.Li, n);
    this.tmp = new Float64Array(n * d);
    this.spanC = rowSpans(this.C, d);
    this.spanCi = rowSpans(this.Ci, d);
    this.spanCit = rowSpans(this.Cit, d);
  }

  /** out = T·θ or the gradient map T⁻ᵀ·g, by blocks (A_β acting on β, A_p on p and rows of Q, B on columns of Q). */
  private apply(x: Float64Array, Ab: Float64Array, Ap: Float64Array, Bq: Float64Array, span: Int32Array, out: Float64Array): Float64Array {
    const d = this.d;
    const n = d + 1;
    const k = this.kind === 'ltb' ? d : 0;
    // C and L are triangular: their zero entries are skipped throughout.
    if (this.kind === 'ltb') {
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const a = Ab[i * d + j]!;
          if (a !== 0) s += a * x[j]!;
        }
        out[i] = s;
      }
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) {
        const a = Ap[i * n + j]!;
        if (a !== 0) s += a * x[k + j]!;
      }
      out[k + i] = s;
    }
    const q0 = k + n;
    // The two products in i-l-j order (contiguous rows).
    const tmp = this.tmp; // Ap·Q
    tmp.fill(0);
    for (let i = 0; i < n; i++) {
      const ti = i * d;
      for (let l = 0; l < n; l++) {
        const a = Ap[i * n + l]!;
        if (a === 0) continue;
        const xl = q0 + l * d;
        for (let j = 0; j < d; j++) tmp[ti + j] += a * x[xl + j]!;
      }
    }
    out.fill(0, q0, q0 + n * d);
    for (let i = 0; i < n; i++) {
      const oi = q0 + i * d;
      for (let l = 0; l < d; l++) {
        const a = tmp[i * d + l]!;
        if (a === 0) continue;
        const bl = l * d;
        const j1 = span[2 * l + 1]!;
        for (let j = span[2 * l]!; j < j1; j++) out[oi + j] += a * Bq[bl + j]!;
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
    return this.apply(theta, this.Ct, this.Lt, this.C, this.spanC, out);
  }

  /** θ = T⁻¹θ̂: (C⁻ᵀβ̂, L⁻ᵀp̂, L⁻ᵀQ̂C⁻¹). */
  fromHat(hat: Float64Array, out: Float64Array = new Float64Array(hat.length)): Float64Array {
    return this.apply(hat, this.Cit, this.Lit, this.Ci, this.spanCi, out);
  }

  /** ∇_θ̂R = T⁻ᵀ∇_θR: (C⁻¹ḡ_β, L⁻¹ḡ_p, L⁻¹ḠC⁻ᵀ). */
  gradToHat(g: Float64Array, out: Float64Array = new Float64Array(g.length)): Float64Array {
    return this.apply(g, this.Ci, this.Li, this.Cit, this.spanCit, out);
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
  // θ = T⁻¹θ̂ is kept while θ̂ is unchanged (every product of one CG solve is at the same point).
  const hat0 = new Float64Array(at.size);
  let mapped = false;
  return (hat, v, out) => {
    let same = mapped;
    for (let i = 0; i < at.size && same; i++) same = hat[i] === hat0[i];
    if (!same) {
      white.fromHat(hat, theta);
      hat0.set(hat);
      mapped = true;
    }
    white.fromHat(v, vt);
    hvp(theta, vt, hv);
    white.gradToHat(hv, out);
    if (gaugeWeight !== 0) addGaugeHvp(hat, v, out, at, gaugeWeight);
  };
}
