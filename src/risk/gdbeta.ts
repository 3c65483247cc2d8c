/**
 * Exact ICL risk of GD-β and GD-0 with analytic gradients, and their closed-form optima
 * (math.md §3.1–3.2). Everything is computed in the eigenbasis of H (H = V·diag(λ)·Vᵀ), where
 * every product with H is a diagonal scaling: with Γ̃ = VᵀΓV, ẽ = Vᵀ(β* − β₀), Ψ̃ = VᵀΨV,
 *
 *   A = eeᵀ + Ψ,  C̃ = ΛÃΛ,  κ = 1 + 1/M,  c = (tr(HA) + σ²)/M,
 *   R = σ² + tr(HA) − 2·tr(HΓHA) + κ·tr(ΓᵀHΓ·HAH) + c·tr(ΓᵀHΓH),
 *   ∇_Γ̃ R = −2C̃ + 2κ·ΛΓ̃C̃ + 2c·ΛΓ̃Λ,   ∇_β̃₀ R = −2𝒬̃ẽ,
 *   𝒬̃ = Λ − ΛΓ̃Λ − ΛΓ̃ᵀΛ + κ·ΛΓ̃ᵀΛΓ̃Λ + (1/M)·tr(Γ̃ᵀΛΓ̃Λ)·Λ.
 *
 * Cost: one d×d×d product (Γ̃C̃) for a general Ψ; O(d²) when Ψ = ψ²I (C̃ = ψ²Λ² + rank one).
 * The public functions in the original basis add two rotations (O(d³)).
 */
import { cholesky, choleskySolveMatrix, gemm, type Matrix } from '../linalg/index.js';
import { wishartKappa, type GdBeta, type Gd0, type Problem } from '../models/index.js';

/** Risk and gradient of a GD-β estimator in the original basis. */
export interface GdBetaRisk {
  /** The exact risk R_GDβ(Γ, β₀) (3.5), unit [y]². */
  readonly risk: number;
  /** [d, d] ∂R/∂Γ. */
  readonly gradGamma: Matrix;
  /** [d] ∂R/∂β₀ (zeros for GD-0, which has no β₀). */
  readonly gradBeta0: Float64Array;
}

/** Scratch space of {@link gdBetaRiskEig}, allocated once per problem size. */
export interface GdBetaWorkspace {
  readonly d: number;
  /** [d, d] C̃ = ΛÃΛ (general Ψ only). */
  readonly C: Float64Array;
  /** [d, d] Γ̃C̃. */
  readonly P: Float64Array;
  readonly v: Float64Array;
  readonly w1: Float64Array;
  readonly w2: Float64Array;
  readonly w3: Float64Array;
}

export function allocGdBetaWorkspace(d: number): GdBetaWorkspace {
  return {
    d,
    C: new Float64Array(d * d),
    P: new Float64Array(d * d),
    v: new Float64Array(d),
    w1: new Float64Array(d),
    w2: new Float64Array(d),
    w3: new Float64Array(d),
  };
}

/** The data of a GD-β risk in the eigenbasis of H (a problem, or the GD-0 variant with Ψ → K). */
export interface EigenRiskData {
  /** Feature dimension d. */
  readonly d: number;
  /** Context length M (sets κ = 1 + 1/M and c of (3.4)). */
  readonly M: number;
  /** Label-noise variance σ², unit [y]². */
  readonly sigma2: number;
  /** [d] eigenvalues of H. */
  readonly lambda: Float64Array;
  /** [d, d] Ψ̃ = VᵀΨV, row-major. */
  readonly PsiEig: Float64Array;
  /** ψ² when Ψ = ψ²I, else null (selects the O(d²) path). */
  readonly psiIsotropic: number | null;
}

/** The eigenbasis data of a problem. */
export function eigenRiskData(p: Problem): EigenRiskData {
  return { d: p.d, M: p.M, sigma2: p.sigma2, lambda: p.lambda, PsiEig: p.PsiEig.data, psiIsotropic: p.psiIsotropic };
}

/**
 * GD-β risk in the eigenbasis (math.md §3.1): R at Γ̃ ([d, d] row-major) and ẽ = Vᵀ(β* − β₀) ([d]).
 * Writes ∂R/∂Γ̃ into `gradG` and ∂R/∂β̃₀ = −2𝒬̃ẽ into `gradB` when given (either may be null).
 * Allocates nothing.
 */
export function gdBetaRiskEig(
  data: EigenRiskData,
  G: Float64Array,
  e: Float64Array,
  gradG: Float64Array | null,
  gradB: Float64Array | null,
  ws: GdBetaWorkspace,
): number {
  const { d, M, sigma2, lambda: lam, PsiEig: Psi, psiIsotropic: psi2 } = data;
  const kappa = wishartKappa(M);
  const { P, v, w1, w2, w3, C } = ws;
  for (let i = 0; i < d; i++) v[i] = lam[i]! * e[i]!; // v = Λẽ
  // tr(HA) = Σ λ_i (Ψ̃_ii + ẽ_i²)
  let hA = 0;
  for (let i = 0; i < d; i++) hA += lam[i]! * (Psi[i * d + i]! + e[i]! * e[i]!);
  // w1 = Γ̃v
  for (let i = 0; i < d; i++) {
    let s = 0;
    const row = i * d;
    for (let j = 0; j < d; j++) s += G[row + j]! * v[j]!;
    w1[i] = s;
  }
  let t1: number; // tr(HΓHA) = Σ_ij Γ̃_ij C̃_ij
  if (psi2 !== null) {
    // C̃ = ψ²Λ² + vvᵀ, P = Γ̃C̃ = ψ²Γ̃Λ² + w1·vᵀ
    t1 = 0;
    for (let i = 0; i < d; i++) t1 += psi2 * lam[i]! * lam[i]! * G[i * d + i]! + v[i]! * w1[i]!;
    for (let i = 0; i < d; i++) {
      const row = i * d;
      const wi = w1[i]!;
      for (let j = 0; j < d; j++) P[row + j] = psi2 * G[row + j]! * lam[j]! * lam[j]! + wi * v[j]!;
    }
  } else {
    t1 = 0;
    for (let i = 0; i < d; i++) {
      const row = i * d;
      for (let j = 0; j < d; j++) {
        const c = lam[i]! * lam[j]! * Psi[row + j]! + v[i]! * v[j]!;
        C[row + j] = c;
        t1 += G[row + j]! * c;
      }
    }
    // P = Γ̃C̃ (the one O(d³) step; C̃ symmetric)
    gemm({ rows: d, cols: d, data: P }, { rows: d, cols: d, data: G }, { rows: d, cols: d, data: C });
  }
  let t2 = 0; // tr(Γ̃ᵀΛΓ̃C̃) = Σ_ij λ_i Γ̃_ij P_ij
  let t3 = 0; // tr(Γ̃ᵀΛΓ̃Λ) = Σ_ij λ_i λ_j Γ̃_ij²
  for (let i = 0; i < d; i++) {
    const row = i * d;
    let a = 0;
    let b = 0;
    for (let j = 0; j < d; j++) {
      const g = G[row + j]!;
      a += g * P[row + j]!;
      b += g * g * lam[j]!;
    }
    t2 += lam[i]! * a;
    t3 += lam[i]! * b;
  }
  const c = (hA + sigma2) / M;
  const risk = sigma2 + hA - 2 * t1 + kappa * t2 + c * t3;

  if (gradG !== null) {
    for (let i = 0; i < d; i++) {
      const row = i * d;
      const li = lam[i]!;
      for (let j = 0; j < d; j++) {
        const Cij = psi2 !== null ? (i === j ? psi2 * li * li : 0) + v[i]! * v[j]! : C[row + j]!;
        gradG[row + j] = -2 * Cij + 2 * kappa * li * P[row + j]! + 2 * c * li * G[row + j]! * lam[j]!;
      }
    }
  }
  if (gradB !== null) {
    // w2 = Γ̃ᵀv ; w3 = Γ̃ᵀΛw1
    w2.fill(0);
    w3.fill(0);
    for (let i = 0; i < d; i++) {
      const row = i * d;
      const vi = v[i]!;
      const lw = lam[i]! * w1[i]!;
      for (let j = 0; j < d; j++) {
        w2[j] += G[row + j]! * vi;
        w3[j] += G[row + j]! * lw;
      }
    }
    for (let i = 0; i < d; i++) {
      const Qe = v[i]! - lam[i]! * w1[i]! - lam[i]! * w2[i]! + kappa * lam[i]! * w3[i]! + (t3 / M) * v[i]!;
      gradB[i] = -2 * Qe;
    }
  }
  return risk;
}

function rotateIn(out: Matrix, V: Matrix, A: Matrix, tmp: Matrix): Matrix {
  gemm(tmp, A, V); // AV
  return gemm(out, V, tmp, 'TN'); // VᵀAV
}

function rotateOut(out: Matrix, V: Matrix, A: Matrix, tmp: Matrix): Matrix {
  gemm(tmp, A, V, 'NT'); // AVᵀ
  return gemm(out, V, tmp); // VAVᵀ
}

function sq(d: number): Matrix {
  return { rows: d, cols: d, data: new Float64Array(d * d) };
}

/**
 * Exact risk and gradient of GD-β (math.md (3.5), (3.8)–(3.9)) or GD-0 (β₀ = 0). Γ [d, d], β₀ [d]; the
 * risk in units of y². O(d³) (two rotations into and
 * out of the eigenbasis of H); the eigenbasis kernel `gdBetaRiskEig` is O(d²) for Ψ = ψ²I.
 */
export function riskGdBeta(problem: Problem, est: GdBeta | Gd0): GdBetaRisk {
  const { d, V } = problem;
  const w = workspaceFor(problem);
  const Gt = rotateIn(w.Gt, V, est.Gamma, w.tmp);
  const diff = w.diff;
  for (let i = 0; i < d; i++) diff[i] = problem.betaStar[i]! - (est.kind === 'gd-beta' ? est.beta0[i]! : 0);
  const e = w.e;
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += V.data[k * d + i]! * diff[k]!;
    e[i] = s;
  }
  const risk = gdBetaRiskEig(w.data, Gt.data, e, w.gG.data, est.kind === 'gd-beta' ? w.gB : null, w.kernel);
  // The results are fresh arrays (callers keep them); only the scratch above is reused.
  const gradGamma = rotateOut(sq(d), V, w.gG, w.tmp);
  const gradBeta0 = new Float64Array(d);
  if (est.kind === 'gd-beta') {
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += V.data[i * d + k]! * w.gB[k]!;
      gradBeta0[i] = s;
    }
  }
  return { risk, gradGamma, gradBeta0 };
}

/** Scratch of {@link riskGdBeta}, allocated once per problem (JS is single-threaded: no sharing hazard). */
interface RiskScratch {
  readonly data: EigenRiskData;
  readonly kernel: GdBetaWorkspace;
  readonly tmp: Matrix;
  readonly Gt: Matrix;
  readonly gG: Matrix;
  readonly gB: Float64Array;
  readonly diff: Float64Array;
  readonly e: Float64Array;
}

const scratch = new WeakMap<Problem, RiskScratch>();

function workspaceFor(problem: Problem): RiskScratch {
  let w = scratch.get(problem);
  if (w === undefined) {
    const d = problem.d;
    w = {
      data: eigenRiskData(problem),
      kernel: allocGdBetaWorkspace(d),
      tmp: sq(d),
      Gt: sq(d),
      gG: sq(d),
      gB: new Float64Array(d),
      diff: new Float64Array(d),
      e: new Float64Array(d),
    };
    scratch.set(problem, w);
  }
  return w;
}

/** Closed-form optimum of a class. */
export interface GdOptimum<E> {
  /** The optimal estimator: GD-β* = (Γ* (3.13), β₀* = β* (3.12)), or GD-0 with Γ₀* (3.16). */
  readonly estimator: E;
  /** Its risk, R*_GDβ (3.14) or R*_GD0 (3.16), unit [y]². */
  readonly risk: number;
  /** [d, d] Γ* in the eigenbasis of H (Γ̃* = VᵀΓ*V), used by flows and verdicts. */
  readonly GammaEig: Matrix;
}

/** The data of {@link optimumEig}: a problem in the eigenbasis of H. */
export interface OptimumEigInput {
  /** [d] eigenvalues λ of H (positive). */
  readonly lambda: Float64Array;
  /** [d, d] row-major second moment of the task in the eigenbasis: Ψ̃ for GD-β, Ψ̃ + β̃*β̃*ᵀ for GD-0. */
  readonly K: Float64Array;
  /** Label-noise variance σ² ≥ 0. */
  readonly sigma2: number;
  /** Context length M ≥ 1. */
  readonly M: number;
}

/**
 * Γ̃* in the eigenbasis for task second moment K̃ (math.md §3.2): Γ* = (κKH + cI)⁻¹K, evaluated as
 * Γ̃* = K̃Λ^{1/2}·B⁻¹·Λ^{−1/2} with B = κΛ^{1/2}K̃Λ^{1/2} + cI SPD (a Cholesky solve, no inverse;
 * valid for singular K). Returns Γ̃* [d, d] and R* = σ² + tr(HK) − tr(HΓ*HK). For K = 0 and σ² = 0
 * (c = 0) every Γ is optimal; Γ* = 0 is returned.
 */
export function optimumEig(input: OptimumEigInput): { readonly GammaEig: Matrix; readonly risk: number } {
  const { lambda, K: PsiEig, sigma2, M } = input;
  const d = lambda.length;
  const kappa = wishartKappa(M);
  let t1 = 0;
  for (let i = 0; i < d; i++) t1 += lambda[i]! * PsiEig[i * d + i]!;
  const c = (t1 + sigma2) / M;
  const Gt = sq(d);
  if (!(c > 0)) return { GammaEig: Gt, risk: sigma2 + t1 };
  const sl = Float64Array.from(lambda, Math.sqrt);
  const B = sq(d);
  const R = sq(d); // Λ^{1/2}Ψ̃
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      B.data[i * d + j] = kappa * sl[i]! * PsiEig[i * d + j]! * sl[j]! + (i === j ? c : 0);
      R.data[i * d + j] = sl[i]! * PsiEig[i * d + j]!;
    }
  }
  const Y = choleskySolveMatrix(sq(d), cholesky(B, 'κΛ^{1/2}Ψ̃Λ^{1/2} + cI'), R); // B⁻¹Λ^{1/2}Ψ̃
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Gt.data[i * d + j] = Y.data[j * d + i]! / sl[j]!;
  let tr = 0; // tr(HΓHΨ) = Σ_ij λ_i Γ̃_ij λ_j Ψ̃_ji
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) tr += lambda[i]! * Gt.data[i * d + j]! * lambda[j]! * PsiEig[j * d + i]!;
  return { GammaEig: Gt, risk: sigma2 + t1 - tr };
}

/** Optimal GD-β (math.md §3.2): β₀* = β* (3.12), Γ* = (κΨH + cI)⁻¹Ψ [d, d] (3.13), R*_GDβ (3.14). O(d³). */
export function optimumGdBeta(problem: Problem): GdOptimum<GdBeta> {
  const { GammaEig: Gt, risk } = optimumEig({ lambda: problem.lambda, K: problem.PsiEig.data, sigma2: problem.sigma2, M: problem.M });
  const Gamma = rotateOut(sq(problem.d), problem.V, Gt, sq(problem.d));
  return { estimator: { kind: 'gd-beta', Gamma, beta0: Float64Array.from(problem.betaStar) }, risk, GammaEig: Gt };
}

/** Ψ̃ + β̃*β̃*ᵀ: the second moment K of β in the eigenbasis (GD-0 sees β as centred with K). */
export function secondMomentEig(problem: Problem): Float64Array {
  const d = problem.d;
  const K = Float64Array.from(problem.PsiEig.data);
  const b = problem.betaStarEig;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) K[i * d + j] += b[i]! * b[j]!;
  return K;
}

/** Optimal GD-0 (math.md (3.16)): §3.2 with Ψ replaced by K = Ψ + β*β*ᵀ; Γ₀* [d, d], R*_GD0. O(d³). */
export function optimumGd0(problem: Problem): GdOptimum<Gd0> {
  const { GammaEig: Gt, risk } = optimumEig({ lambda: problem.lambda, K: secondMomentEig(problem), sigma2: problem.sigma2, M: problem.M });
  const Gamma = rotateOut(sq(problem.d), problem.V, Gt, sq(problem.d));
  return { estimator: { kind: 'gd-0', Gamma }, risk, GammaEig: Gt };
}
