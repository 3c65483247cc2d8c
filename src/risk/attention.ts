/**
 * Exact ICL risk of LSA and LTB (masked and unmasked) with analytic gradients — math.md §3.3.
 *
 * In the reduced parameters (β_m, p = (p_x; p_y), Q = [Q_x; q_yᵀ]) the masked block predicts
 * xᵀ(β_m + QᵀWp), and with w* = p_x + p_yβ*, V* = Q_x + β*q_yᵀ, c₀ = V*ᵀHw* + σ²p_y q_y,
 * L = p_y V*ᵀH + q_y(Hw*)ᵀ, r = p_y q_y, m = c₀ + β_m − β*, N = L − I:
 *   E₁ = mᵀHm + tr(NᵀHNΨ) + (rᵀHr)t₂ + 2(mᵀHr)t₁
 *   E₂ = c₀ᵀHc₀ + tr(LᵀHLΨ) + (rᵀHr)t₂ + 2(c₀ᵀHr)t₁
 *   T₃ = α₀ω₀ + (α₀ω₂ + α₂ω₀)t₁ + α₂ω₂t₂ + 4a₁ᵀΨb₁
 *   R = σ² + E₁ + (E₂ + T₃)/M   (+ ΔR unmasked).
 * The gradient is a hand-written reverse pass through exactly this composition (checked against
 * central finite differences in tests/risk/attention.test.ts), then the chain rule to the raw
 * weights (W^{KQ}, W^{PV}, W₁, W₂). O(d³) per evaluation (a few d×d products).
 */
import { axpy, dot, gemm, symmetrise, type Matrix } from '../linalg/index.js';
import { readoutVector, reducedForm, type Lsa, type Ltb, type Problem, type Reduced } from '../models/index.js';

/** Gradient with respect to the reduced parameters. */
export interface ReducedGradient {
  /** [d]. */
  readonly betaM: Float64Array;
  /** [d+1]. */
  readonly p: Float64Array;
  /** [d+1, d]. */
  readonly Q: Matrix;
}

/** Risk and reduced gradient. */
export interface ReducedRisk {
  /** The exact risk (3.22), plus (3.23) when unmasked; unit [y]². */
  readonly risk: number;
  /** ∂R/∂(β_m, p, Q), the reverse pass of §3.3. */
  readonly grad: ReducedGradient;
}

function mat(d: number, c = d): Matrix {
  return { rows: d, cols: c, data: new Float64Array(d * c) };
}
/** out = A·x for [d, d] A (row-major). */
function mv(A: Float64Array, x: Float64Array, d: number, out = new Float64Array(d)): Float64Array {
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += A[i * d + k]! * x[k]!;
    out[i] = s;
  }
  return out;
}
/** out = Aᵀ·x. */
function mtv(A: Float64Array, x: Float64Array, d: number, out = new Float64Array(d)): Float64Array {
  out.fill(0);
  for (let k = 0; k < d; k++) {
    const xk = x[k]!;
    for (let i = 0; i < d; i++) out[i] += A[k * d + i]! * xk;
  }
  return out;
}
/** A += α·x·yᵀ. */
function ger(A: Float64Array, alpha: number, x: Float64Array, y: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) {
    const ax = alpha * x[i]!;
    if (ax === 0) continue;
    for (let j = 0; j < d; j++) A[i * d + j] += ax * y[j]!;
  }
}

/**
 * Adjoints of m and r seeded by the risk's m- and r-terms (the start of the reverse pass of
 * docs/math.md §3.3): m̄ = 2Hm + 2t₁Hr, r̄ = 2t₂(1 + 1/M)Hr + 2t₁Hm + (2t₁/M)Hc₀. Linear in
 * (Hm, Hr, Hc₀), so the Hessian-vector sweep applies the same map to their tangents.
 */
function momentAdjoints(Hm: Float64Array, Hr: Float64Array, Hc0: Float64Array, t1: number, t2: number, invM: number): { mbar: Float64Array; rbar: Float64Array } {
  const d = Hm.length;
  const mbar = new Float64Array(d);
  axpy(mbar, 2, Hm);
  axpy(mbar, 2 * t1, Hr);
  const rbar = new Float64Array(d);
  axpy(rbar, 2 * t2 * (1 + invM), Hr);
  axpy(rbar, 2 * t1, Hm);
  axpy(rbar, 2 * t1 * invM, Hc0);
  return { mbar, rbar };
}

/** c̄₀ = (2/M)Hc₀ + (2t₁/M)Hr + m̄ (m = c₀ + β_m − β* passes m̄ on); linear in its inputs. */
function c0Adjoint(Hc0: Float64Array, Hr: Float64Array, mbar: Float64Array, t1: number, invM: number): Float64Array {
  const c0bar = new Float64Array(Hc0.length);
  axpy(c0bar, 2 * invM, Hc0);
  axpy(c0bar, 2 * t1 * invM, Hr);
  axpy(c0bar, 1, mbar);
  return c0bar;
}

/**
 * The forward (primal) quantities of the reduced risk (docs/math.md §3.3) that both the risk with its
 * gradient ({@link riskReduced}) and the Hessian-vector products ({@link reducedHessianOperator})
 * start from: w = p_x + p_yβ*, V = Q_x + β*q_yᵀ, c₀ = VᵀHw + σ²p_y q_y, L = p_y(HV)ᵀ + q_y(Hw)ᵀ,
 * r = p_y q_y, m = c₀ + β_m − β*, the scalars α₂, ω₀, ω₂ and the vectors a₁, b₁, Hm, Hr, Hc₀. O(d³).
 */
function reducedPrimal(problem: Problem, red: Reduced) {
  const { d, sigma2: s2, betaStar: bs } = problem;
  const H = problem.H.data;
  const { betaM, p, Q } = red;
  const px = p.subarray(0, d);
  const py = p[d]!;
  const Qx = Q.data.subarray(0, d * d);
  const qy = Q.data.subarray(d * d, d * d + d);
  const w = new Float64Array(d);
  for (let i = 0; i < d; i++) w[i] = px[i]! + py * bs[i]!;
  const V = mat(d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) V.data[i * d + j] = Qx[i * d + j]! + bs[i]! * qy[j]!;
  const Hw = mv(H, w, d);
  const c0 = mtv(V.data, Hw, d);
  axpy(c0, s2 * py, qy);
  const HV = gemm(mat(d), problem.H, V);
  const L = mat(d); // p_y (HV)ᵀ + q_y Hwᵀ
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) L.data[i * d + j] = py * HV.data[j * d + i]! + qy[i]! * Hw[j]!;
  const r = new Float64Array(d);
  for (let i = 0; i < d; i++) r[i] = py * qy[i]!;
  const m = new Float64Array(d);
  for (let i = 0; i < d; i++) m[i] = c0[i]! + betaM[i]! - bs[i]!;
  const Hq = mv(H, qy, d);
  const alpha2 = dot(qy, Hq);
  const a1 = mv(HV.data, Hq, d);
  const omega0 = dot(w, Hw) + s2 * py * py;
  const b1 = new Float64Array(d);
  for (let i = 0; i < d; i++) b1[i] = py * Hw[i]!;
  const omega2 = py * py;
  const Hm = mv(H, m, d);
  const Hr = mv(H, r, d);
  const Hc0 = mv(H, c0, d);
  return { px, py, Qx, qy, w, V, Hw, c0, HV, L, r, m, Hq, alpha2, a1, omega0, b1, omega2, Hm, Hr, Hc0 };
}

/**
 * Exact risk of the reduced parameters (β_m [d], p [d+1], Q [d+1, d]) on a problem (masked or not,
 * from the problem): (3.22), plus (3.23) when unmasked, in units of y²; and its gradient (the reverse
 * pass of docs/math.md §3.3) when `wantGrad` (default true).
 */
export function riskReduced(problem: Problem, red: Reduced, wantGrad = true): ReducedRisk {
  const { d, M, sigma2: s2, betaStar: bs, t1, t2, masked } = problem;
  const H = problem.H.data;
  const Psi = problem.Psi.data;
  const { px, py, Qx, qy, V, Hw, c0, HV, L, r, m, Hq, alpha2, a1, omega0, b1, omega2, Hm, Hr, Hc0 } = reducedPrimal(problem, red);
  const VH = gemm(mat(d), V, problem.H);
  const N = mat(d);
  N.data.set(L.data);
  for (let i = 0; i < d; i++) N.data[i * d + i] -= 1;
  const alpha0 = dot(VH.data, HV.data) + s2 * alpha2;
  const HN = gemm(mat(d), problem.H, N);
  const NPsi = gemm(mat(d), N, problem.Psi);
  const HL = gemm(mat(d), problem.H, L);
  const LPsi = gemm(mat(d), L, problem.Psi);
  const tau1 = dot(HN.data, NPsi.data); // tr(NᵀHNΨ)
  const tau2 = dot(HL.data, LPsi.data); // tr(LᵀHLΨ)
  const rHr = dot(r, Hr);
  const E1 = dot(m, Hm) + tau1 + rHr * t2 + 2 * dot(m, Hr) * t1;
  const E2 = dot(c0, Hc0) + tau2 + rHr * t2 + 2 * dot(c0, Hr) * t1;
  const Psib1 = mv(Psi, b1, d);
  const T3 = alpha0 * omega0 + (alpha0 * omega2 + alpha2 * omega0) * t1 + alpha2 * omega2 * t2 + 4 * dot(a1, Psib1);
  let risk = s2 + E1 + (E2 + T3) / M;

  // Unmasked: the query attends to itself, adding (xᵀA_s x)(p_xᵀx)/M to the prediction.
  let uvec: Float64Array | null = null;
  let As: Matrix | null = null;
  let ebar: Float64Array | null = null;
  let tauS = 0;
  let trAsH2 = 0;
  let HAsH: Matrix | null = null;
  if (!masked) {
    uvec = mv(H, px, d);
    As = symmetrise(mat(d), { rows: d, cols: d, data: Qx });
    ebar = new Float64Array(d);
    for (let i = 0; i < d; i++) ebar[i] = m[i]! + r[i]! * t1;
    tauS = dot(As.data, H); // tr(A_s H), both symmetric
    const AsH = gemm(mat(d), As, problem.H);
    HAsH = gemm(mat(d), problem.H, AsH);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) trAsH2 += AsH.data[i * d + j]! * AsH.data[j * d + i]!; // tr((A_sH)²)
    const He = mv(H, ebar, d);
    const AsHe = mv(As.data, He, d);
    const Asu = mv(As.data, uvec, d);
    const HAsu = mv(H, Asu, d);
    const uPx = dot(uvec, px);
    risk +=
      (2 / M) * (dot(uvec, ebar) * tauS + 2 * dot(uvec, AsHe)) +
      (1 / (M * M)) * (uPx * (tauS * tauS + 2 * trAsH2) + 8 * dot(Asu, HAsu) + 4 * tauS * dot(uvec, Asu));
  }

  const grad: ReducedGradient = { betaM: new Float64Array(d), p: new Float64Array(d + 1), Q: mat(d + 1, d) };
  if (!wantGrad) return { risk, grad };

  // ---- reverse pass ----
  const invM = 1 / M;
  const { mbar, rbar } = momentAdjoints(Hm, Hr, Hc0, t1, t2, invM);
  const pxbar = new Float64Array(d);
  const Qxbar = mat(d);
  if (!masked && uvec && As && ebar && HAsH) {
    const u = uvec;
    const Asu = mv(As.data, u, d);
    const HAsu = mv(H, Asu, d);
    const He = mv(H, ebar, d);
    // ∂ΔR/∂ē = (2/M)(τ_s u + 2HA_s u)
    const ebarbar = new Float64Array(d);
    axpy(ebarbar, (2 / M) * tauS, u);
    axpy(ebarbar, 4 / M, HAsu);
    axpy(mbar, 1, ebarbar);
    axpy(rbar, t1, ebarbar);
    // ∂ΔR/∂p_x
    const HAsHe = mv(HAsH.data, ebar, d);
    const HAsHAsu = mv(HAsH.data, Asu, d);
    const uPx = dot(u, px);
    axpy(pxbar, (2 / M) * tauS, He);
    axpy(pxbar, 4 / M, HAsHe);
    axpy(pxbar, (2 / (M * M)) * (tauS * tauS + 2 * trAsH2), u);
    axpy(pxbar, 16 / (M * M), HAsHAsu);
    axpy(pxbar, (8 / (M * M)) * tauS, HAsu);
    // ∂ΔR/∂A_s, then symmetrised onto Q_x
    const Gbar = mat(d);
    const hCoef = (2 / M) * dot(u, ebar) + (2 / (M * M)) * uPx * tauS + (4 / (M * M)) * dot(u, Asu);
    for (let k = 0; k < d * d; k++) Gbar.data[k] = hCoef * H[k]! + (4 / (M * M)) * uPx * HAsH.data[k]!;
    ger(Gbar.data, 4 / M, u, He, d);
    ger(Gbar.data, 8 / (M * M), u, HAsu, d);
    ger(Gbar.data, 8 / (M * M), HAsu, u, d);
    ger(Gbar.data, (4 / (M * M)) * tauS, u, u, d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) Qxbar.data[i * d + j] += 0.5 * (Gbar.data[i * d + j]! + Gbar.data[j * d + i]!);
    }
  }
  const c0bar = c0Adjoint(Hc0, Hr, mbar, t1, invM);
  grad.betaM.set(mbar);

  // L̄ = 2HNΨ + (2/M)HLΨ
  const HNPsi = gemm(mat(d), HN, problem.Psi);
  const HLPsi = gemm(mat(d), HL, problem.Psi);
  const Lbar = new Float64Array(d * d);
  for (let k = 0; k < d * d; k++) Lbar[k] = 2 * HNPsi.data[k]! + 2 * invM * HLPsi.data[k]!;

  const alpha0bar = (omega0 + omega2 * t1) * invM;
  const omega0bar = (alpha0 + alpha2 * t1) * invM;
  const alpha2bar = (omega0 * t1 + omega2 * t2) * invM + s2 * alpha0bar;
  const omega2bar = (alpha0 * t1 + alpha2 * t2) * invM;
  const a1bar = mv(Psi, b1, d);
  for (let i = 0; i < d; i++) a1bar[i] *= 4 * invM;
  const Psia1 = mv(Psi, a1, d);
  const b1bar = new Float64Array(d);
  axpy(b1bar, 4 * invM, Psia1);

  // V̄ = Hw c̄₀ᵀ + p_y H L̄ᵀ + 2ᾱ₀ HVH + (Hā₁)(Hq)ᵀ
  const Vbar = mat(d); // V = Q_x + β*q_yᵀ: V̄ flows to Q̄_x and (through β*) to q̄_y
  ger(Vbar.data, 1, Hw, c0bar, d);
  const LbarT = mat(d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) LbarT.data[i * d + j] = Lbar[j * d + i]!;
  const HLbarT = gemm(mat(d), problem.H, LbarT);
  const HVH = gemm(mat(d), HV, problem.H);
  for (let k = 0; k < d * d; k++) Vbar.data[k] += py * HLbarT.data[k]! + 2 * alpha0bar * HVH.data[k]!;
  const Ha1bar = mv(H, a1bar, d);
  ger(Vbar.data, 1, Ha1bar, Hq, d);

  // H w̄-adjoint: V c̄₀ + L̄ᵀq_y + p_y b̄₁ ; w̄ = 2ω̄₀Hw + H·Hw̄
  const Hwbar = mv(V.data, c0bar, d);
  axpy(Hwbar, 1, mtv(Lbar, qy, d));
  axpy(Hwbar, py, b1bar);
  const wbar = mv(H, Hwbar, d);
  axpy(wbar, 2 * omega0bar, Hw);

  // p_y
  // ⟨L̄, VᵀH⟩ = Σ_ij L̄_ij (HV)_ji = ⟨L̄ᵀ, HV⟩
  let pybar = dot(rbar, qy) + s2 * dot(c0bar, qy) + dot(LbarT.data, HV.data);
  pybar += 2 * s2 * py * omega0bar + dot(b1bar, Hw) + 2 * py * omega2bar + dot(bs, wbar);
  // q_y
  const qybar = new Float64Array(d);
  axpy(qybar, py, rbar);
  axpy(qybar, s2 * py, c0bar);
  axpy(qybar, 1, mv(Lbar, Hw, d));
  axpy(qybar, 2 * alpha2bar, Hq);
  // H Vᵀ H ā₁
  const HVtHa1 = mv(H, mtv(V.data, Ha1bar, d), d);
  axpy(qybar, 1, HVtHa1);
  axpy(qybar, 1, mtv(Vbar.data, bs, d));
  axpy(Qxbar.data, 1, Vbar.data);
  axpy(pxbar, 1, wbar);

  grad.p.set(pxbar, 0);
  grad.p[d] = pybar;
  grad.Q.data.set(Qxbar.data, 0);
  grad.Q.data.set(qybar, d * d);
  return { risk, grad };
}

/** Risk and gradient of an LSA/LTB with respect to its raw weights. */
export interface AttentionRisk {
  /** The exact risk (3.22), plus (3.23) when unmasked; unit [y]². */
  readonly risk: number;
  /** ∂R/∂(reduced parameters). */
  readonly reducedGrad: ReducedGradient;
  /** [d+1, d+1]. */
  readonly gradWKQ: Matrix;
  /** [d+1, d+1]. */
  readonly gradWPV: Matrix;
  /** [d_f, d+1] (LTB only). */
  readonly gradW1?: Matrix;
  /** [d_f, d+1] (LTB only). */
  readonly gradW2?: Matrix;
}

/**
 * Exact risk (docs/math.md §3.3) of an LSA or LTB and its gradient with respect to the raw weights
 * (W^{KQ}, W^{PV} [d+1, d+1]; W₁, W₂ [d_f, d+1]), by the chain rule (3.24)
 * through the reduced form: Q = W^{KQ}[:, 1:d], p = (W^{PV})ᵀu, u = e_{d+1} + W₁ᵀ(W₂e_{d+1}),
 * β_m = u_{1:d} (LTB).
 */
export function riskAttention(problem: Problem, est: Lsa | Ltb, wantGrad = true): AttentionRisk {
  const red = reducedForm(est);
  const { risk, grad } = riskReduced(problem, red, wantGrad);
  const n = problem.d + 1;
  const d = problem.d;
  const gradWKQ = mat(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) gradWKQ.data[i * n + j] = grad.Q.data[i * d + j]!;
  const u = readoutVector(est);
  const gradWPV = mat(n); // W̄^{PV} = u p̄ᵀ
  ger(gradWPV.data, 1, u, grad.p, n);
  if (est.kind === 'lsa') return { risk, reducedGrad: grad, gradWKQ, gradWPV };
  // ū = W^{PV}p̄ + (β̄_m; 0);  W̄₁ = v ūᵀ with v = W₂e_{d+1};  W̄₂[:, d] = W₁ū.
  const ubar = mv(est.WPV.data, grad.p, n);
  for (let i = 0; i < d; i++) ubar[i] += grad.betaM[i]!;
  const df = est.W1.rows;
  const gradW1 = mat(df, n);
  const gradW2 = mat(df, n);
  for (let f = 0; f < df; f++) {
    const v = est.W2.data[f * n + n - 1]!;
    let s = 0;
    for (let j = 0; j < n; j++) {
      gradW1.data[f * n + j] = v * ubar[j]!;
      s += est.W1.data[f * n + j]! * ubar[j]!;
    }
    gradW2.data[f * n + n - 1] = s;
  }
  return { risk, reducedGrad: grad, gradWKQ, gradWPV, gradW1, gradW2 };
}

/**
 * Hessian-vector products of the exact reduced risk (math.md §3.3): the operator v ↦ ∇²R(red)·v,
 * built once at `red` (the forward pass and the reverse pass of {@link riskReduced}, kept), each
 * product a forward-mode (tangent) sweep through that reverse pass — forward-over-reverse by hand,
 * masked and unmasked. The direction and the result are shaped like the parameters (β_m [d], p [d+1],
 * Q [d+1, d]); for an LSA the β_m block of v is ignored only if the caller zeroes it (the risk
 * depends on β_m either way). Build: O(d³) (≈ a gradient); each product: O(d³) (≈ 5 d×d products
 * masked, 8 unmasked), memory O(d²) = O(parameters). Checked against central differences of the
 * analytic gradient in tests/risk/hvp.test.ts.
 */
export function reducedHessianOperator(problem: Problem, red: Reduced): (v: Reduced) => ReducedGradient {
  const { d, M, sigma2: s2, betaStar: bs, t1, t2, masked } = problem;
  const H = problem.H.data;
  const Psi = problem.Psi.data;
  const invM = 1 / M;
  const dd = d * d;
  const T = (A: Float64Array): Matrix => {
    const out = mat(d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out.data[i * d + j] = A[j * d + i]!;
    return out;
  };

  // ---- primal: forward (shared with riskReduced) ----
  const { px, py, Qx, qy, V, Hw, HV, L, r, m, Hq, alpha2, a1, omega0, b1, omega2, Hm, Hr, Hc0 } = reducedPrimal(problem, red);
  const HVH = gemm(mat(d), HV, problem.H);
  const alpha0 = dot(V.data, HVH.data) + s2 * alpha2; // tr(VᵀHVH) = tr(HVᵀHV)
  const HPsi = gemm(mat(d), problem.H, problem.Psi);
  const HL = gemm(mat(d), problem.H, L);
  const HLPsi = gemm(mat(d), HL, problem.Psi);

  // ---- primal: reverse ----
  const { mbar, rbar } = momentAdjoints(Hm, Hr, Hc0, t1, t2, invM);
  // unmasked primal
  let u: Float64Array = new Float64Array(0);
  let As = mat(0);
  let ebar: Float64Array = new Float64Array(0);
  let He: Float64Array = new Float64Array(0);
  let Asu: Float64Array = new Float64Array(0);
  let HAsu: Float64Array = new Float64Array(0);
  let HAsH = mat(0);
  let tauS = 0;
  let trAsH2 = 0;
  let uPx = 0;
  if (!masked) {
    u = mv(H, px, d);
    As = symmetrise(mat(d), { rows: d, cols: d, data: Qx });
    ebar = new Float64Array(d);
    for (let i = 0; i < d; i++) ebar[i] = m[i]! + r[i]! * t1;
    tauS = dot(As.data, H);
    const AsH = gemm(mat(d), As, problem.H);
    HAsH = gemm(mat(d), problem.H, AsH);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) trAsH2 += AsH.data[i * d + j]! * AsH.data[j * d + i]!;
    He = mv(H, ebar, d);
    Asu = mv(As.data, u, d);
    HAsu = mv(H, Asu, d);
    uPx = dot(u, px);
    const ebarbar = new Float64Array(d);
    axpy(ebarbar, (2 / M) * tauS, u);
    axpy(ebarbar, 4 / M, HAsu);
    axpy(mbar, 1, ebarbar);
    axpy(rbar, t1, ebarbar);
  }
  const c0bar = c0Adjoint(Hc0, Hr, mbar, t1, invM);
  // L̄ = 2HNΨ + (2/M)HLΨ, N = L − I
  const Lbar = new Float64Array(dd);
  for (let k = 0; k < dd; k++) Lbar[k] = (2 + 2 * invM) * HLPsi.data[k]! - 2 * HPsi.data[k]!;
  const HLbarT = gemm(mat(d), problem.H, T(Lbar));
  const alpha0bar = (omega0 + omega2 * t1) * invM;
  const omega0bar = (alpha0 + alpha2 * t1) * invM;
  const alpha2bar = (omega0 * t1 + omega2 * t2) * invM + s2 * alpha0bar;
  const omega2bar = (alpha0 * t1 + alpha2 * t2) * invM;
  const a1bar = mv(Psi, b1, d);
  for (let i = 0; i < d; i++) a1bar[i] *= 4 * invM;
  const Ha1bar = mv(H, a1bar, d);
  const b1bar = mv(Psi, a1, d);
  for (let i = 0; i < d; i++) b1bar[i] *= 4 * invM;

  return (v: Reduced): ReducedGradient => {
    const bmD = v.betaM;
    const pxD = v.p.subarray(0, d);
    const pyD = v.p[d]!;
    const QxD = v.Q.data.subarray(0, dd);
    const qyD = v.Q.data.subarray(dd, dd + d);
    // ---- tangent: forward ----
    const wD = new Float64Array(d);
    for (let i = 0; i < d; i++) wD[i] = pxD[i]! + pyD * bs[i]!;
    const VD = mat(d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) VD.data[i * d + j] = QxD[i * d + j]! + bs[i]! * qyD[j]!;
    const HwD = mv(H, wD, d);
    const c0D = mtv(VD.data, Hw, d);
    axpy(c0D, 1, mtv(V.data, HwD, d));
    axpy(c0D, s2 * pyD, qy);
    axpy(c0D, s2 * py, qyD);
    const HVD = gemm(mat(d), problem.H, VD);
    const HVHD = gemm(mat(d), HVD, problem.H);
    const LD = mat(d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        LD.data[i * d + j] = pyD * HV.data[j * d + i]! + py * HVD.data[j * d + i]! + qyD[i]! * Hw[j]! + qy[i]! * HwD[j]!;
      }
    }
    const rD = new Float64Array(d);
    for (let i = 0; i < d; i++) rD[i] = pyD * qy[i]! + py * qyD[i]!;
    const mD = Float64Array.from(c0D);
    axpy(mD, 1, bmD);
    const HqD = mv(H, qyD, d);
    const alpha2D = 2 * dot(qyD, Hq);
    const alpha0D = 2 * dot(VD.data, HVH.data) + s2 * alpha2D;
    const a1D = mv(HVD.data, Hq, d);
    axpy(a1D, 1, mv(HV.data, HqD, d));
    const omega0D = 2 * dot(wD, Hw) + 2 * s2 * py * pyD;
    const b1D = new Float64Array(d);
    for (let i = 0; i < d; i++) b1D[i] = pyD * Hw[i]! + py * HwD[i]!;
    const omega2D = 2 * py * pyD;
    const HmD = mv(H, mD, d);
    const HrD = mv(H, rD, d);
    const Hc0D = mv(H, c0D, d);

    // ---- tangent: reverse ----
    const { mbar: mbarD, rbar: rbarD } = momentAdjoints(HmD, HrD, Hc0D, t1, t2, invM); // linear: the same map on tangents
    const pxbarD = new Float64Array(d);
    const QxbarD = new Float64Array(dd);
    if (!masked) {
      const uD = mv(H, pxD, d);
      const AsD = symmetrise(mat(d), { rows: d, cols: d, data: QxD });
      const eD = Float64Array.from(mD);
      axpy(eD, t1, rD);
      const tauSD = dot(AsD.data, H);
      const HAsHD = gemm(mat(d), problem.H, gemm(mat(d), AsD, problem.H));
      const trAsH2D = 2 * dot(AsD.data, HAsH.data);
      const HeD = mv(H, eD, d);
      const AsuD = mv(AsD.data, u, d);
      axpy(AsuD, 1, mv(As.data, uD, d));
      const HAsuD = mv(H, AsuD, d);
      const uPxD = dot(uD, px) + dot(u, pxD);
      const ebarbarD = new Float64Array(d);
      axpy(ebarbarD, (2 / M) * tauSD, u);
      axpy(ebarbarD, (2 / M) * tauS, uD);
      axpy(ebarbarD, 4 / M, HAsuD);
      axpy(mbarD, 1, ebarbarD);
      axpy(rbarD, t1, ebarbarD);
      const M2 = M * M;
      // p̄_x
      axpy(pxbarD, (2 / M) * tauSD, He);
      axpy(pxbarD, (2 / M) * tauS, HeD);
      axpy(pxbarD, 4 / M, mv(HAsHD.data, ebar, d));
      axpy(pxbarD, 4 / M, mv(HAsH.data, eD, d));
      axpy(pxbarD, (2 / M2) * (2 * tauS * tauSD + 2 * trAsH2D), u);
      axpy(pxbarD, (2 / M2) * (tauS * tauS + 2 * trAsH2), uD);
      axpy(pxbarD, 16 / M2, mv(HAsHD.data, Asu, d));
      axpy(pxbarD, 16 / M2, mv(HAsH.data, AsuD, d));
      axpy(pxbarD, (8 / M2) * tauSD, HAsu);
      axpy(pxbarD, (8 / M2) * tauS, HAsuD);
      // Ḡ̇, symmetrised onto Q̇x̄
      const hCoefD = (2 / M) * (dot(uD, ebar) + dot(u, eD)) + (2 / M2) * (uPxD * tauS + uPx * tauSD) + (4 / M2) * (dot(uD, Asu) + dot(u, AsuD));
      const G = new Float64Array(dd);
      for (let k = 0; k < dd; k++) G[k] = hCoefD * H[k]! + (4 / M2) * (uPxD * HAsH.data[k]! + uPx * HAsHD.data[k]!);
      ger(G, 4 / M, uD, He, d);
      ger(G, 4 / M, u, HeD, d);
      ger(G, 8 / M2, uD, HAsu, d);
      ger(G, 8 / M2, u, HAsuD, d);
      ger(G, 8 / M2, HAsuD, u, d);
      ger(G, 8 / M2, HAsu, uD, d);
      ger(G, (4 / M2) * tauSD, u, u, d);
      ger(G, (4 / M2) * tauS, uD, u, d);
      ger(G, (4 / M2) * tauS, u, uD, d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) QxbarD[i * d + j] += 0.5 * (G[i * d + j]! + G[j * d + i]!);
    }
    const c0barD = c0Adjoint(Hc0D, HrD, mbarD, t1, invM);

    // L̄̇ = (2 + 2/M)·H L̇ Ψ
    const LbarD = gemm(mat(d), gemm(mat(d), problem.H, LD), problem.Psi);
    for (let k = 0; k < dd; k++) LbarD.data[k] *= 2 + 2 * invM;
    const alpha0barD = (omega0D + omega2D * t1) * invM;
    const omega0barD = (alpha0D + alpha2D * t1) * invM;
    const alpha2barD = (omega0D * t1 + omega2D * t2) * invM + s2 * alpha0barD;
    const omega2barD = (alpha0D * t1 + alpha2D * t2) * invM;
    const a1barD = mv(Psi, b1D, d);
    for (let i = 0; i < d; i++) a1barD[i] *= 4 * invM;
    const b1barD = mv(Psi, a1D, d);
    for (let i = 0; i < d; i++) b1barD[i] *= 4 * invM;
    const Ha1barD = mv(H, a1barD, d);

    // V̄̇
    const HLbarTD = gemm(mat(d), problem.H, T(LbarD.data));
    const VbarD = mat(d);
    for (let k = 0; k < dd; k++) {
      VbarD.data[k] = pyD * HLbarT.data[k]! + py * HLbarTD.data[k]! + 2 * alpha0barD * HVH.data[k]! + 2 * alpha0bar * HVHD.data[k]!;
    }
    ger(VbarD.data, 1, HwD, c0bar, d);
    ger(VbarD.data, 1, Hw, c0barD, d);
    ger(VbarD.data, 1, Ha1barD, Hq, d);
    ger(VbarD.data, 1, Ha1bar, HqD, d);

    // H w̄̇
    const HwbarD = mv(VD.data, c0bar, d);
    axpy(HwbarD, 1, mv(V.data, c0barD, d));
    axpy(HwbarD, 1, mtv(LbarD.data, qy, d));
    axpy(HwbarD, 1, mtv(Lbar, qyD, d));
    axpy(HwbarD, pyD, b1bar);
    axpy(HwbarD, py, b1barD);
    const wbarD = mv(H, HwbarD, d);
    axpy(wbarD, 2 * omega0barD, Hw);
    axpy(wbarD, 2 * omega0bar, HwD);

    // ṗ_y-bar
    let LbarTdotHV = 0; // ⟨L̄̇ᵀ, HV⟩ + ⟨L̄ᵀ, HV̇⟩
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) LbarTdotHV += LbarD.data[j * d + i]! * HV.data[i * d + j]! + Lbar[j * d + i]! * HVD.data[i * d + j]!;
    }
    let pybarD = dot(rbarD, qy) + dot(rbar, qyD) + s2 * (dot(c0barD, qy) + dot(c0bar, qyD)) + LbarTdotHV;
    pybarD += 2 * s2 * (pyD * omega0bar + py * omega0barD) + dot(b1barD, Hw) + dot(b1bar, HwD) + 2 * (pyD * omega2bar + py * omega2barD) + dot(bs, wbarD);
    // q̇_y-bar
    const qybarD = new Float64Array(d);
    axpy(qybarD, pyD, rbar);
    axpy(qybarD, py, rbarD);
    axpy(qybarD, s2 * pyD, c0bar);
    axpy(qybarD, s2 * py, c0barD);
    axpy(qybarD, 1, mv(LbarD.data, Hw, d));
    axpy(qybarD, 1, mv(Lbar, HwD, d));
    axpy(qybarD, 2 * alpha2barD, Hq);
    axpy(qybarD, 2 * alpha2bar, HqD);
    const t = mtv(VD.data, Ha1bar, d);
    axpy(t, 1, mtv(V.data, Ha1barD, d));
    axpy(qybarD, 1, mv(H, t, d));
    axpy(qybarD, 1, mtv(VbarD.data, bs, d));
    axpy(QxbarD, 1, VbarD.data);
    axpy(pxbarD, 1, wbarD);

    const out: ReducedGradient = { betaM: mbarD, p: new Float64Array(d + 1), Q: mat(d + 1, d) };
    out.p.set(pxbarD, 0);
    out.p[d] = pybarD;
    out.Q.data.set(QxbarD, 0);
    out.Q.data.set(qybarD, dd);
    return out;
  };
}

/**
 * The Hessian-vector product ∇²R(red)·v of the exact reduced risk (math.md §3.3), analytic
 * (forward-over-reverse; see {@link reducedHessianOperator}, which to prefer for many products at
 * one point). v and the result are shaped like the reduced parameters. O(d³), memory O(d²).
 */
export function riskReducedHvp(problem: Problem, red: Reduced, v: Reduced): ReducedGradient {
  return reducedHessianOperator(problem, red)(v);
}
