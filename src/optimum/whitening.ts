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

/** The nonzeros of a square matrix row by row, in ascending column order (compressed sparse rows). */
interface Sparse {
  /** [rows + 1] row t's nonzeros are entries ptr[t] … ptr[t+1] − 1. */
  readonly ptr: Int32Array;
  /** Column of each nonzero. */
  readonly idx: Int32Array;
  /** Column·stride of each nonzero (the offset of that row of a row-major block with `stride` columns). */
  readonly offset: Int32Array;
  readonly val: Float64Array;
}

/** A row-major [d, d] matrix with the range [j0, j1) of the nonzeros of each row l in span[2l], span[2l+1]. */
interface Banded {
  readonly dense: Float64Array;
  readonly span: Int32Array;
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

/** The {@link Sparse} form of a row-major [n, n] A; `stride` scales {@link Sparse.offset}. */
function sparse(A: Float64Array, n: number, stride: number): Sparse {
  const ptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < n; j++) if (A[i * n + j] !== 0) c++;
    ptr[i + 1] = ptr[i]! + c;
  }
  const idx = new Int32Array(ptr[n]!);
  const offset = new Int32Array(ptr[n]!);
  const val = new Float64Array(ptr[n]!);
  let t = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = A[i * n + j]!;
      if (a === 0) continue;
      idx[t] = j;
      offset[t] = j * stride;
      val[t++] = a;
    }
  }
  return { ptr, idx, offset, val };
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
  /** [d+1, d] scratch A_p·Q of {@link apply} (allocated once: the maps run thousands of times per start). */
  private readonly tmp: Float64Array;
  /**
   * The maps' matrices, formed once: the nonzeros by rows of Cᵀ, C⁻ᵀ, C⁻¹ (β block) and Lᵀ, L⁻ᵀ, L⁻¹
   * (p and the rows of Q), and C, C⁻¹, C⁻ᵀ with their nonzero spans (the columns of Q). The dense
   * triangular loops with a test per entry took ≈ 10% of the general d = 20 LSA optimum's CPU
   * (--cpu-prof); the four-at-a-time loops of {@link apply} cut a map from ≈ 20 to ≈ 13 µs (RESULTS.md).
   */
  private readonly sCt: Sparse;
  private readonly sCit: Sparse;
  private readonly sCi: Sparse;
  private readonly sLt: Sparse;
  private readonly sLit: Sparse;
  private readonly sLi: Sparse;
  private readonly bC: Banded;
  private readonly bCi: Banded;
  private readonly bCit: Banded;

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
    const Cit = Whitening.transpose(this.Ci, d);
    this.tmp = new Float64Array(n * d);
    this.sCt = sparse(Whitening.transpose(this.C, d), d, d);
    this.sCit = sparse(Cit, d, d);
    this.sCi = sparse(this.Ci, d, d);
    this.sLt = sparse(Whitening.transpose(this.L, n), n, d);
    this.sLit = sparse(Whitening.transpose(this.Li, n), n, d);
    this.sLi = sparse(this.Li, n, d);
    this.bC = { dense: this.C, span: rowSpans(this.C, d) };
    this.bCi = { dense: this.Ci, span: rowSpans(this.Ci, d) };
    this.bCit = { dense: Cit, span: rowSpans(Cit, d) };
  }

  /** out = T·θ or the gradient map T⁻ᵀ·g, by blocks (A_β acting on β, A_p on p and rows of Q, B on columns of Q). */
  private apply(x: Float64Array, Ab: Sparse, Ap: Sparse, Bq: Banded, out: Float64Array): Float64Array {
    const d = this.d;
    const n = d + 1;
    const k = this.kind === 'ltb' ? d : 0;
    // Only the nonzeros of C and L (triangular; diagonal for H = c·I) are visited, each sum in the
    // ascending order of the dense loops, so the maps are the same to the last bit (checked against them,
    // RESULTS.md; the second product no longer skips a zero factor of A_p·Q, which can only flip the sign
    // of an exact zero).
    if (this.kind === 'ltb') {
      const { ptr, idx, val } = Ab;
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let t = ptr[i]!; t < ptr[i + 1]!; t++) s += val[t]! * x[idx[t]!]!;
        out[i] = s;
      }
    }
    const { ptr, idx, val } = Ap;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = ptr[i]!; t < ptr[i + 1]!; t++) s += val[t]! * x[k + idx[t]!]!;
      out[k + i] = s;
    }
    const q0 = k + n;
    const tmp = this.tmp; // A_p·Q, [d+1, d]
    const off = Ap.offset; // row offsets l·d of the nonzeros A_p[i, l]
    // Four nonzeros per pass over a row (one load and store of tmp instead of four), added in the
    // same ascending order as one at a time.
    for (let i = 0; i < n; i++) {
      const ti = i * d;
      tmp.fill(0, ti, ti + d);
      let t = ptr[i]!;
      const t1 = ptr[i + 1]!;
      for (; t + 3 < t1; t += 4) {
        const a0 = val[t]!;
        const a1 = val[t + 1]!;
        const a2 = val[t + 2]!;
        const a3 = val[t + 3]!;
        const x0 = q0 + off[t]!;
        const x1 = q0 + off[t + 1]!;
        const x2 = q0 + off[t + 2]!;
        const x3 = q0 + off[t + 3]!;
        for (let j = 0; j < d; j++) {
          let acc = tmp[ti + j]!;
          acc += a0 * x[x0 + j]!;
          acc += a1 * x[x1 + j]!;
          acc += a2 * x[x2 + j]!;
          acc += a3 * x[x3 + j]!;
          tmp[ti + j] = acc;
        }
      }
      for (; t < t1; t++) {
        const a = val[t]!;
        const xl = q0 + off[t]!;
        for (let j = 0; j < d; j++) tmp[ti + j] += a * x[xl + j]!;
      }
    }
    // (A_p·Q)·B by the rows of B over their nonzero spans [j0, j1), four rows per pass on the
    // common span (the rest of each span one row at a time): per entry the same ascending order.
    out.fill(0, q0, q0 + n * d);
    const span = Bq.span;
    const B = Bq.dense;
    for (let i = 0; i < n; i++) {
      const ti = i * d;
      const oi = q0 + i * d;
      let l = 0;
      for (; l + 3 < d; l += 4) {
        const c0 = tmp[ti + l]!;
        const c1 = tmp[ti + l + 1]!;
        const c2 = tmp[ti + l + 2]!;
        const c3 = tmp[ti + l + 3]!;
        const b0 = l * d;
        const b1 = b0 + d;
        const b2 = b1 + d;
        const b3 = b2 + d;
        const lo = Math.max(span[2 * l]!, span[2 * l + 2]!, span[2 * l + 4]!, span[2 * l + 6]!);
        const hi = Math.min(span[2 * l + 1]!, span[2 * l + 3]!, span[2 * l + 5]!, span[2 * l + 7]!);
        if (lo >= hi) {
          for (let r = 0; r < 4; r++) this.addRow(out, oi, tmp[ti + l + r]!, B, (l + r) * d, span[2 * (l + r)]!, span[2 * (l + r) + 1]!);
          continue;
        }
        // Left of the common span (rows in order), the common span fused, right of it (rows in order).
        for (let r = 0; r < 4; r++) this.addRow(out, oi, tmp[ti + l + r]!, B, (l + r) * d, span[2 * (l + r)]!, Math.min(lo, span[2 * (l + r) + 1]!));
        for (let j = lo; j < hi; j++) {
          let acc = out[oi + j]!;
          acc += c0 * B[b0 + j]!;
          acc += c1 * B[b1 + j]!;
          acc += c2 * B[b2 + j]!;
          acc += c3 * B[b3 + j]!;
          out[oi + j] = acc;
        }
        for (let r = 0; r < 4; r++) this.addRow(out, oi, tmp[ti + l + r]!, B, (l + r) * d, Math.max(hi, span[2 * (l + r)]!), span[2 * (l + r) + 1]!);
      }
      for (; l < d; l++) this.addRow(out, oi, tmp[ti + l]!, B, l * d, span[2 * l]!, span[2 * l + 1]!);
    }
    return out;
  }

  /** out[oi + j] += c·B[b + j] for j in [j0, j1). */
  private addRow(out: Float64Array, oi: number, c: number, B: Float64Array, b: number, j0: number, j1: number): void {
    for (let j = j0; j < j1; j++) out[oi + j] += c * B[b + j]!;
  }

  private static transpose(A: Float64Array, n: number): Float64Array {
    const T = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) T[i * n + j] = A[j * n + i]!;
    return T;
  }

  /** θ̂ = Tθ: (Cᵀβ_m, Lᵀp, LᵀQC). */
  toHat(theta: Float64Array, out: Float64Array = new Float64Array(theta.length)): Float64Array {
    return this.apply(theta, this.sCt, this.sLt, this.bC, out);
  }

  /** θ = T⁻¹θ̂: (C⁻ᵀβ̂, L⁻ᵀp̂, L⁻ᵀQ̂C⁻¹). */
  fromHat(hat: Float64Array, out: Float64Array = new Float64Array(hat.length)): Float64Array {
    return this.apply(hat, this.sCit, this.sLit, this.bCi, out);
  }

  /** ∇_θ̂R = T⁻ᵀ∇_θR: (C⁻¹ḡ_β, L⁻¹ḡ_p, L⁻¹ḠC⁻ᵀ). */
  gradToHat(g: Float64Array, out: Float64Array = new Float64Array(g.length)): Float64Array {
    return this.apply(g, this.sCi, this.sLi, this.bCit, out);
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
