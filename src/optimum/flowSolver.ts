/**
 * The linear algebra of the flow stage without an n×n matrix: the Rosenbrock(-W) iteration
 * matrix of the gradient flow dθ/dt = −∇R(θ) is M = I − γh·J = I + γh·∇²R(θ), symmetric, so each
 * solve is MINRES (src/optim) on products M·v = v + γh·∇²R(θ)·v from a Hessian-vector product.
 * Memory O(n) instead of the dense provider's 2n² (and no n + 1 gradient evaluations per Jacobian).
 *
 * Preconditioning ({@link stiffBlockPreconditioner}): ∇²R of the reduced LSA/LTB risk has a cluster of d
 * large eigenvalues — the stiff part of the flow — mostly in the q_y row of Q (with some p_y, and β_m
 * for LTB), which a Gauss–Newton model captures. With a non-isotropic H the cluster spreads over H's
 * spectrum and MINRES pays for each of its eigenvalues once γh·λ ≫ 1; the preconditioner divides it out
 * for O(d²) per application (a Hessian-vector product is O(d³)).
 */
import { eigh, gemm, type Matrix } from '../linalg/index.js';
import { minres, type HessianVectorProduct } from '../optim/index.js';
import { reducedLayout, type AttentionKind, type Problem } from '../models/index.js';
import type { LinearSolverProvider, LinearSolverStats } from '../flow/ode/index.js';

/** Relative residual of each MINRES solve: the flow stage runs at rtol 1e-2 (it only selects the basin), and 1e-3 cost ~25% less than 1e-6 at d = 20 with the same basins. */
const SOLVE_RTOL = 1e-3;
/** MINRES iterations per solve. */
const SOLVE_MAX_ITERATIONS = 300;
/**
 * The stiff-block preconditioner is used only when λ_max(H)/λ_min(H) ≥ this. With H = c·I plain MINRES
 * needs only 3–7 products per solve (bench/optimum iso d = 20) and the preconditioner saves none
 * (flowProducts.ts with it switched on: iso LSA 1 891 → 2 374 products, LTB 2 472 → 1 851 only because
 * two flows stopped earlier), while any change of the solves moves the flow's step sequence — and on the
 * iso families' R ≈ E[y²] plateau, where ‖∇R‖∞ grazes the steady-state threshold, that moves where the
 * flow stops (flowRisk 23.4 / 68.2 → 105 / 97.5). General d = 20 (condition 10): the four LSA flows need
 * 7 358 → 2 137 products, LTB 7 242 → 2 240, the same steps (RESULTS.md, "stiff-block preconditioner").
 */
const PRECONDITION_MIN_SPREAD = 2;

/**
 * A symmetric positive definite preconditioner S = P^{-1/2} of the flow stage's I + γh·∇²R, updated with
 * the state (`update`) and the step (`setGammaH`), applied by `apply(x, out)` (out ≠ x).
 */
export interface FlowPreconditioner {
  /** Whether to precondition at all (false: {@link hessianFlowSolver} runs plain MINRES). */
  readonly active: boolean;
  /** The state θ changed (may allocate: once per state, not per solve). */
  update(theta: Readonly<Float64Array>): void;
  /** γh of the next solves. */
  setGammaH(gammaH: number): void;
  /** out = S·x (out must not alias x). */
  apply(x: Readonly<Float64Array>, out: Float64Array): void;
}

/**
 * The stiff part of ∇²R for the flow stage of LSA/LTB (packed reduced θ of {@link reducedLayout}), as a
 * Gauss–Newton model whose inverse square root costs O(d²) per application.
 *
 * Why it is there: the prediction is xᵀg with g = β_m + QᵀWp, linear in β_m, in p and in Q, and
 * (masked) the query x is independent of the context Gram W, so the risk's curvature along g is
 * 2·(∂g)ᵀH(∂g): the Q–Q block is exactly 2·E[Wppᵀ W]⊗H, the p–p block 2·E[WQHQᵀW]. With W by its mean
 * Σ_z = E[zzᵀ] = [[H, Hβ*], [β*ᵀH, E y²]] (the context's 1/M terms kept only in the scale a below, the
 * task variance Ψ neglected), g ≈ β_m + QᵀΣ_z p and the model is 2·J̃ᵀHJ̃ with the d×n Jacobian
 *   J̃x = x_β (LTB) + X_Qᵀ·û√a + √(1 + 1/M)·(Σ_zQ)ᵀx_p,   u = Σ_z p, û = u/‖u‖,
 *   a = (1 + 1/M)‖u‖² + (pᵀΣ_z p/M)·ûᵀΣ_zû  (= ûᵀE[Wppᵀ W]û for Gaussian context).
 * Its d eigenvalues are of size E[y²]²·p_y²·λ(H): the cluster that makes the flow stiff. Measured at the
 * end of gd0's flow (general d = 20 LSA, dense ∇²R, n = 441): 20 eigenvalues 17 … 171 (90–98% of their
 * weight in q_y, a few % in p_y), then 4.9, then a bulk ≤ 1.8.
 *
 * P = I + γh·2J̃ᵀHJ̃ and S = P^{-1/2} = I + J̃ᵀN·diag(c_k)·NᵀJ̃, where C̃ᵀJ̃J̃ᵀC̃ = W·diag(μ)·Wᵀ with
 * C̃ = V·Λ^{1/2} (H = C̃C̃ᵀ), N = C̃W, c_k = ((1 + 2γhμ_k)^{-1/2} − 1)/μ_k: one d×d eigh and ≈ 4d³ flops per
 * state (a few Hessian-vector products' worth; a step takes 10–60), ≈ 6d² per application. A first
 * version with only the Q block along û (no p, no β_m) left an outlier ≈ 88 from p_y in the
 * preconditioned spectrum and needed 3 837 products for the four general d = 20 LSA flows; this one
 * needs 2 137 (7 358 without), LTB 2 240 (4 413; 7 242) — RESULTS.md, "stiff-block preconditioner".
 * Unmasked problems add the query's self-attention to the curvature; S stays SPD, so the solves stay
 * exact to their tolerance, only less accelerated.
 */
export function stiffBlockPreconditioner(problem: Problem, kind: AttentionKind): FlowPreconditioner {
  const { d, M, lambda } = problem;
  const H = problem.H.data;
  const n1 = d + 1;
  const at = reducedLayout(d, kind);
  const ltb = kind === 'ltb';
  const ey2 = problem.labelSecondMoment;
  const sp = Math.sqrt(1 + 1 / M);
  // Σ_z [d+1, d+1] and C̃ = V·Λ^{1/2} [d, d], once.
  const Sz: Matrix = { rows: n1, cols: n1, data: new Float64Array(n1 * n1) };
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      Sz.data[i * n1 + j] = H[i * d + j]!;
      s += H[i * d + j]! * problem.betaStar[j]!;
    }
    Sz.data[i * n1 + d] = s;
    Sz.data[d * n1 + i] = s;
  }
  Sz.data[d * n1 + d] = ey2;
  const Ct: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Ct.data[i * d + j] = problem.V.data[i * d + j]! * Math.sqrt(lambda[j]!);
  // Per state: u = Σ_z p → û√a; Σ_zQ; R = Σ_zQ·C̃; G = C̃ᵀKC̃; N = C̃W and the eigenvalues μ of G.
  const p = new Float64Array(n1);
  const u = new Float64Array(n1);
  const su = new Float64Array(n1);
  const SzQ: Matrix = { rows: n1, cols: d, data: new Float64Array(n1 * d) };
  const R: Matrix = { rows: n1, cols: d, data: new Float64Array(n1 * d) };
  const G: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  const N: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  const mu = new Float64Array(d);
  const c = new Float64Array(d);
  const y = new Float64Array(d);
  const z = new Float64Array(d);
  let on = false;
  const sigmaZ = (x: Float64Array, out: Float64Array): number => {
    let q = 0;
    for (let i = 0; i < n1; i++) {
      let s = 0;
      for (let j = 0; j < n1; j++) s += Sz.data[i * n1 + j]! * x[j]!;
      out[i] = s;
      q += x[i]! * s;
    }
    return q;
  };
  return {
    active: lambda[d - 1]! >= PRECONDITION_MIN_SPREAD * lambda[0]!,
    update(theta) {
      for (let i = 0; i < n1; i++) p[i] = theta[at.p + i]!;
      const pSp = sigmaZ(p, u);
      let nu = 0;
      for (let i = 0; i < n1; i++) nu += u[i]! * u[i]!;
      nu = Math.sqrt(nu);
      on = nu > 0 && Number.isFinite(nu) && Number.isFinite(pSp);
      if (!on) return; // p = 0 (or non-finite): no stiff part to divide out; S = I
      for (let i = 0; i < n1; i++) u[i] = u[i]! / nu;
      const a = (1 + 1 / M) * nu * nu + (pSp / M) * sigmaZ(u, su);
      const ra = Math.sqrt(a);
      for (let i = 0; i < n1; i++) u[i] = u[i]! * ra; // û√a
      gemm(SzQ, Sz, { rows: n1, cols: d, data: theta.subarray(at.Q, at.size) as Float64Array });
      gemm(R, SzQ, Ct);
      gemm(G, R, R, 'TN', 1 + 1 / M); // C̃ᵀ(Σ_zQ)ᵀ(Σ_zQ)C̃·(1 + 1/M)
      const shift = a + (ltb ? 1 : 0); // J̃J̃ᵀ = (a + [LTB])·I + (1 + 1/M)(Σ_zQ)ᵀ(Σ_zQ)
      for (let i = 0; i < d; i++) G.data[i * d + i] += shift * lambda[i]!;
      on = G.data.every(Number.isFinite);
      if (!on) return; // a diverging state (Q non-finite): plain MINRES
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < i; j++) {
          const g = 0.5 * (G.data[i * d + j]! + G.data[j * d + i]!);
          G.data[i * d + j] = g;
          G.data[j * d + i] = g;
        }
      }
      const eg = eigh(G);
      for (let k = 0; k < d; k++) mu[k] = Math.max(0, eg.values[k]!);
      gemm(N, Ct, eg.vectors);
      on = mu.every(Number.isFinite) && N.data.every(Number.isFinite);
    },
    setGammaH(gh) {
      // ((1 + x)^{-1/2} − 1)/μ, x = 2γhμ, written without the cancellation at small μ.
      for (let k = 0; k < d; k++) {
        const s = Math.sqrt(1 + 2 * gh * mu[k]!);
        c[k] = (-2 * gh) / (s * (1 + s));
      }
    },
    apply(x, out) {
      out.set(x);
      if (!on) return;
      const { p: p0, Q: q0 } = at;
      const SQ = SzQ.data;
      const Nd = N.data;
      // y = J̃x
      for (let j = 0; j < d; j++) y[j] = ltb ? x[j]! : 0;
      for (let i = 0; i < n1; i++) {
        const ui = u[i]!;
        const xi = sp * x[p0 + i]!;
        const row = q0 + i * d;
        const srow = i * d;
        for (let j = 0; j < d; j++) y[j] += ui * x[row + j]! + xi * SQ[srow + j]!;
      }
      // z = diag(c)·Nᵀy, y = N·z
      for (let k = 0; k < d; k++) z[k] = 0;
      for (let j = 0; j < d; j++) {
        const yj = y[j]!;
        const nj = j * d;
        for (let k = 0; k < d; k++) z[k] += Nd[nj + k]! * yj;
      }
      for (let k = 0; k < d; k++) z[k] = z[k]! * c[k]!;
      for (let j = 0; j < d; j++) {
        let s = 0;
        const nj = j * d;
        for (let k = 0; k < d; k++) s += Nd[nj + k]! * z[k]!;
        y[j] = s;
      }
      // out += J̃ᵀy
      if (ltb) for (let j = 0; j < d; j++) out[j] += y[j]!;
      for (let i = 0; i < n1; i++) {
        const ui = u[i]!;
        const row = q0 + i * d;
        const srow = i * d;
        let s = 0;
        for (let j = 0; j < d; j++) {
          out[row + j] += ui * y[j]!;
          s += SQ[srow + j]! * y[j]!;
        }
        out[p0 + i] += sp * s;
      }
    },
  };
}

/** Options of {@link hessianFlowSolver}. */
export interface FlowSolverOptions {
  /** Split preconditioner of the solves (e.g. {@link stiffBlockPreconditioner}); none by default. */
  preconditioner?: FlowPreconditioner;
}

/**
 * A matrix-free {@link LinearSolverProvider} for the gradient flow of a function with Hessian-vector
 * products `hvp`. With an active `preconditioner` S each solve is MINRES on S·(I + γh∇²R)·S·z = S·rhs,
 * out = S·z (same products per iteration; the tolerance applies to the preconditioned residual).
 */
export function hessianFlowSolver(hvp: HessianVectorProduct, n: number, options: FlowSolverOptions = {}): LinearSolverProvider & { products: number } {
  const pre = options.preconditioner?.active ? options.preconditioner : undefined;
  const y = new Float64Array(n);
  const Hv = new Float64Array(n);
  const sv = pre ? new Float64Array(n) : Hv;
  const sb = pre ? new Float64Array(n) : Hv;
  const sx = pre ? new Float64Array(n) : Hv;
  const mv = pre ? new Float64Array(n) : Hv;
  let gammaH = 0;
  const stats: LinearSolverStats = { jacobianEvaluations: 0, factorizations: 0, linearSolves: 0 };
  const plain = (v: Float64Array, o: Float64Array): void => {
    hvp(y, v, Hv);
    for (let i = 0; i < n; i++) o[i] = v[i]! + gammaH * Hv[i]!;
  };
  const split = (v: Float64Array, o: Float64Array): void => {
    pre!.apply(v, sv);
    hvp(y, sv, Hv);
    for (let i = 0; i < n; i++) mv[i] = sv[i]! + gammaH * Hv[i]!;
    pre!.apply(mv, o);
  };
  const self = {
    stats,
    products: 0,
    prepare(_t: number, yNow: Float64Array, gh: number, sameState: boolean): boolean {
      if (!sameState) {
        y.set(yNow);
        pre?.update(y);
        stats.jacobianEvaluations++;
      }
      gammaH = gh;
      pre?.setGammaH(gh);
      stats.factorizations++;
      return true;
    },
    solve(out: Float64Array, rhs: Float64Array): void {
      const opts = { rtol: SOLVE_RTOL, maxIterations: SOLVE_MAX_ITERATIONS };
      let iterations: number;
      if (pre) {
        pre.apply(rhs, sb);
        iterations = minres(split, sb, sx, opts).iterations;
        pre.apply(sx, out);
      } else {
        iterations = minres(plain, rhs, out, opts).iterations;
      }
      self.products += iterations;
      stats.linearSolves++;
    },
  };
  return self;
}
