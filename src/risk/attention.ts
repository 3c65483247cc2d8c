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
  readonly risk: number;
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
 * Exact risk of the reduced parameters (β_m, p, Q) on a problem (masked or not, from the problem),
 * and its gradient when `wantGrad` (default true).
 */
export function riskReduced(problem: Problem, red: Reduced, wantGrad = true): ReducedRisk {
  const { d, M, sigma2: s2, betaStar: bs, t1, t2, masked } = problem;
  const H = problem.H.data;
  const Psi = problem.Psi.data;
  const { betaM, p, Q } = red;
  const px = p.subarray(0, d);
  const py = p[d]!;
  const Qx = Q.data.subarray(0, d * d);
  const qy = Q.data.subarray(d * d, d * d + d);

  // ---- forward ----
  const w = new Float64Array(d);
  for (let i = 0; i < d; i++) w[i] = px[i]! + py * bs[i]!;
  const V = mat(d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) V.data[i * d + j] = Qx[i * d + j]! + bs[i]! * qy[j]!;
  const Hw = mv(H, w, d);
  const c0 = mtv(V.data, Hw, d);
  axpy(c0, s2 * py, qy);
  const HV = gemm(mat(d), problem.H, V);
  const VH = gemm(mat(d), V, problem.H);
  const L = mat(d); // p_y (HV)ᵀ + q_y Hwᵀ
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) L.data[i * d + j] = py * HV.data[j * d + i]! + qy[i]! * Hw[j]!;
  const r = new Float64Array(d);
  for (let i = 0; i < d; i++) r[i] = py * qy[i]!;
  const m = new Float64Array(d);
  for (let i = 0; i < d; i++) m[i] = c0[i]! + betaM[i]! - bs[i]!;
  const N = mat(d);
  N.data.set(L.data);
  for (let i = 0; i < d; i++) N.data[i * d + i] -= 1;
  const Hq = mv(H, qy, d);
  const alpha2 = dot(qy, Hq);
  const alpha0 = dot(VH.data, HV.data) + s2 * alpha2;
  const a1 = mv(HV.data, Hq, d);
  const omega0 = dot(w, Hw) + s2 * py * py;
  const b1 = new Float64Array(d);
  for (let i = 0; i < d; i++) b1[i] = py * Hw[i]!;
  const omega2 = py * py;
  const Hm = mv(H, m, d);
  const Hr = mv(H, r, d);
  const Hc0 = mv(H, c0, d);
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
  const mbar = new Float64Array(d);
  axpy(mbar, 2, Hm);
  axpy(mbar, 2 * t1, Hr);
  const rbar = new Float64Array(d);
  axpy(rbar, 2 * t2 * (1 + invM), Hr);
  axpy(rbar, 2 * t1, Hm);
  axpy(rbar, 2 * t1 * invM, Hc0);
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
  const c0bar = new Float64Array(d);
  axpy(c0bar, 2 * invM, Hc0);
  axpy(c0bar, 2 * t1 * invM, Hr);
  axpy(c0bar, 1, mbar);
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
 * Exact risk of an LSA or LTB and its gradient with respect to the raw weights, by the chain rule
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
