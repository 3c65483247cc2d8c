/**
 * Gradient flow of GD-β and GD-0 (math.md §3.1–3.2, §4): dθ/dt = −∇R(θ), θ = (Γ, β₀), with the state
 * held in the eigenbasis of H = V·diag(λ)·Vᵀ:
 *
 *   y = [Γ̃ (d², row-major), β̃₀ (d)],  Γ̃ = VᵀΓV,  β̃₀ = Vᵀβ₀   (GD-0: y = Γ̃ only, β₀ ≡ 0).
 *
 * The rotation is orthogonal, so the flow in (Γ̃, β̃₀) is the same gradient flow (Frobenius and
 * Euclidean norms, hence distances, are unchanged). With ẽ = β̃* − β̃₀, u = Λẽ,
 * C̃ = ΛΨ̃Λ + uuᵀ, c = (tr(ΛΨ̃) + ẽᵀΛẽ + σ²)/M, κ = 1 + 1/M and B' = 2κC̃ + 2cΛ:
 *
 *   dΓ̃/dt = 2C̃ − ΛΓ̃B',   dβ̃₀/dt = 2𝒬̃(Γ̃)ẽ,
 *   𝒬̃(Γ̃) = Λ − ΛΓ̃Λ − ΛΓ̃ᵀΛ + κΛΓ̃ᵀΛΓ̃Λ + (1/M)tr(Γ̃ᵀΛΓ̃Λ)Λ.
 *
 * The right-hand side is `gdBetaRiskEig` (src/risk): O(d²) when Ψ = ψ²I, one d³ product otherwise,
 * allocation-free. The Hessian of R at the optimum (Γ*, β*) is block diagonal (the Γ–β₀ coupling is
 * proportional to ẽ, which vanishes there):
 *
 *   Γ-block X ↦ ΛXB'₀ (eigenvalues λ_i·σ_j, B'₀ = B' at ẽ = 0 = UΣUᵀ),   β₀-block 2𝒬̃(Γ̃*),
 *
 * so λ_min(∇²R*) = min(λ_min(H)·σ_min(B'₀), 2·λ_min(𝒬̃*)) exactly; near the optimum R − R* decays like
 * e^{−2λ_min t} (math.md §4). The risk gap is computed without cancellation from the exact identities
 * R(Γ, β₀) = R(Γ, β*) + ẽᵀ𝒬̃(Γ̃)ẽ and R(Γ* + X, β*) − R* = ½tr(XᵀΛXB'₀) (R is quadratic in Γ).
 *
 * Shapes: d feature dimension; Γ̃, B'₀, U, 𝒬̃* [d, d] row-major; β̃₀, ẽ [d]; state y [n], n = d² + d
 * (GD-β) or d² (GD-0).
 */
import { eigh, gemm, Rng, symmetrise, type Matrix } from '../linalg/index.js';
import { wishartKappa, type Gd0, type GdBeta, type Problem } from '../models/index.js';
import {
  allocGdBetaWorkspace,
  eigenRiskData,
  gdBetaRiskEig,
  optimumEig,
  secondMomentEig,
  type EigenRiskData,
} from '../risk/index.js';
import type { VectorField } from './ode/index.js';

/** Which one-step-GD class flows: GD-β (Γ and β₀ trained) or GD-0 (β₀ ≡ 0). */
export type GdFlowVariant = 'gd-beta' | 'gd-0';

/** The Hessian of R at the optimum, in the eigenbasis (block diagonal; see the module comment). */
export interface OptimumHessian {
  /** [d] eigenvalues σ_j of B'₀ = 2κΛK̃Λ + 2cΛ, ascending (K̃ = Ψ̃ for GD-β, Ψ̃ + β̃*β̃*ᵀ for GD-0). */
  readonly sigma: Float64Array;
  /** [d, d] orthonormal eigenvectors of B'₀ (columns); exactly I when B'₀ is diagonal (Ψ = ψ²I, GD-β). */
  readonly U: Matrix;
  /** True when B'₀ is diagonal and U = I (no rotation needed). */
  readonly diagonalB: boolean;
  /** [d, d] B'₀ itself. */
  readonly B0: Matrix;
  /** [d] eigenvalues ω_k of 𝒬̃* = 𝒬̃(Γ̃*) (GD-β only; empty for GD-0); ascending unless 𝒬̃* is diagonal. */
  readonly omega: Float64Array;
  /** [d, d] eigenvectors of 𝒬̃* (columns; GD-β only, 0×0 for GD-0); exactly I when 𝒬̃* is diagonal. */
  readonly W: Matrix;
  /** True when 𝒬̃* is diagonal (Ψ = ψ²I) and W = I. */
  readonly diagonalQ: boolean;
  /** [d, d] 𝒬̃* itself (GD-β; 0×0 for GD-0). */
  readonly Qstar: Matrix;
  /** λ_min(∇²R) at the optimum: min(λ_min·σ_min, 2ω_min). */
  readonly lambdaMin: number;
  /** λ_max(∇²R) at the optimum: max(λ_max·σ_max, 2ω_max). */
  readonly lambdaMax: number;
  /** The predicted asymptotic rate of log(R − R*): −2·lambdaMin. */
  readonly predictedRate: number;
}

/** A GD-β/GD-0 gradient flow on a problem, ready for an ODE solver. */
export interface GdBetaFlow {
  /** The problem whose exact risk (3.5) drives the flow (4.2). */
  readonly problem: Problem;
  /** Which class flows: GD-β (Γ and β₀) or GD-0 (Γ only, (4.9)). */
  readonly variant: GdFlowVariant;
  /** Feature dimension d. */
  readonly d: number;
  /** State length: d² + d (GD-β) or d² (GD-0). */
  readonly n: number;
  /** Eigenbasis risk data (λ, Ψ̃, σ², M). */
  readonly data: EigenRiskData;
  /** [n] the optimum (Γ̃*, β̃*) (GD-β) or Γ̃₀* (GD-0) in state layout. */
  readonly yStar: Float64Array;
  /** Closed-form optimal risk R*_GDβ or R*_GD0 (math.md §3.2). */
  readonly optimalRisk: number;
  /** The vector field −∇R(y) (allocation-free after the first call per buffer). */
  readonly field: VectorField;
  /** R(y). */
  risk(y: Float64Array): number;
  /** R(y) − R*, computed without cancellation (see the module comment). */
  gap(y: Float64Array): number;
  /** Frobenius/Euclidean distance ‖(Γ, β₀) − (Γ*, β*)‖ (= ‖y − y*‖, rotation-invariant). */
  distance(y: Float64Array): number;
  /** The Hessian at the optimum (computed once, on first use). */
  hessian(): OptimumHessian;
  /** The estimator in the original basis (Γ = VΓ̃Vᵀ, β₀ = Vβ̃₀). */
  toEstimator(y: Float64Array): GdBeta | Gd0;
  /** State of an estimator (GD-0 estimators start a GD-β flow with β₀ = 0). */
  fromEstimator(est: GdBeta | Gd0): Float64Array;
}

/** Initial states understood by {@link gdBetaInitialState}. */
export type GdInit = 'zero' | 'random' | GdBeta | Gd0;

/**
 * Standard deviation of the entries of a random start: Γ_ij ~ N(0, RANDOM_GAMMA_SCALE²/d) (so
 * ‖Γ‖_F ≈ RANDOM_GAMMA_SCALE·√d) and β₀_i ~ N(0, 1).
 */
export const RANDOM_GAMMA_SCALE = 1;

/** Splits a state buffer into its (Γ̃, β̃₀) views, created once per buffer (the solver reuses buffers). */
function viewCache(d2: number): (y: Float64Array) => readonly [Float64Array, Float64Array] {
  const cache = new WeakMap<Float64Array, readonly [Float64Array, Float64Array]>();
  return (y) => {
    let v = cache.get(y);
    if (v === undefined) {
      v = [y.subarray(0, d2), y.subarray(d2)] as const;
      cache.set(y, v);
    }
    return v;
  };
}

/**
 * Builds the GD-β (default) or GD-0 gradient flow of a problem: closed-form optimum, allocation-free
 * vector field −∇R (4.2)–(4.3) in the eigenbasis of H, exact risk gap (4.8)/(4.9) (docs/math.md §4.1).
 * States [d² + d] (GD-β) or [d²] (GD-0). O(d³) set-up (the optimum).
 */
export function gdBetaFlow(problem: Problem, variant: GdFlowVariant = 'gd-beta'): GdBetaFlow {
  const d = problem.d;
  const d2 = d * d;
  const n = variant === 'gd-beta' ? d2 + d : d2;
  const data = eigenRiskData(problem);
  const lam = problem.lambda;
  const bs = problem.betaStarEig;
  // GD-0 sees β as centred with second moment K = Ψ + β*β*ᵀ (math.md §3.2).
  const psi2 = problem.psiIsotropic;
  let Keig = variant === 'gd-beta' ? problem.PsiEig.data : secondMomentEig(problem);
  const { GammaEig: GammaStar, risk: optimalRisk } = optimumEig({ lambda: lam, K: Keig, sigma2: problem.sigma2, M: problem.M });
  if (variant === 'gd-beta' && psi2 !== null) {
    // Ψ = ψ²I: Ψ̃ = ψ²I exactly (VᵀΨV carries round-off), Γ̃* = ψ²(κψ²Λ + cI)⁻¹ is exactly diagonal,
    // as is B'₀ — the flow (whose kernel uses ψ² directly) then has this Γ̃* as its exact fixed point.
    Keig = new Float64Array(d2);
    GammaStar.data.fill(0);
    const kappa = problem.kappa;
    const c = (psi2 * problem.trH + problem.sigma2) / problem.M;
    for (let i = 0; i < d; i++) {
      Keig[i * d + i] = psi2;
      const den = kappa * psi2 * lam[i]! + c;
      GammaStar.data[i * d + i] = den > 0 ? psi2 / den : 0;
    }
  }
  const yStar = new Float64Array(n);
  yStar.set(GammaStar.data, 0);
  if (variant === 'gd-beta') yStar.set(bs, d2);

  const ws = allocGdBetaWorkspace(d);
  const e = new Float64Array(d);
  const split = viewCache(d2);
  if (variant === 'gd-0') e.set(bs);

  const field: VectorField =
    variant === 'gd-beta'
      ? (_t, y, out) => {
          const [G, b] = split(y);
          const [gG, gB] = split(out);
          for (let i = 0; i < d; i++) e[i] = bs[i]! - b[i]!;
          gdBetaRiskEig(data, G, e, gG, gB, ws);
          for (let k = 0; k < n; k++) out[k] = -out[k]!;
        }
      : (_t, y, out) => {
          gdBetaRiskEig(data, y, e, out, null, ws);
          for (let k = 0; k < n; k++) out[k] = -out[k]!;
        };

  const eRisk = new Float64Array(d);
  const gB = new Float64Array(d);
  const wsRisk = allocGdBetaWorkspace(d);
  const riskOf = (y: Float64Array): number => {
    const [G, b] = split(y);
    if (variant === 'gd-beta') for (let i = 0; i < d; i++) eRisk[i] = bs[i]! - b[i]!;
    else eRisk.set(bs);
    return gdBetaRiskEig(data, G, eRisk, null, null, wsRisk);
  };

  let hess: OptimumHessian | undefined;
  const hessian = (): OptimumHessian => (hess ??= optimumHessian(problem, variant, GammaStar.data, Keig));

  const X = new Float64Array(d2);
  const XB: Matrix = { rows: d, cols: d, data: new Float64Array(d2) };
  const gap = (y: Float64Array): number => {
    const h = hessian();
    const G = split(y)[0];
    for (let k = 0; k < d2; k++) X[k] = G[k]! - GammaStar.data[k]!;
    // ½tr(XᵀΛXB'₀) = ½Σ_ij λ_i X_ij (XB'₀)_ij
    let q = 0;
    if (h.diagonalB) {
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += h.sigma[j]! * X[i * d + j]! ** 2;
        q += lam[i]! * s;
      }
    } else {
      gemm(XB, { rows: d, cols: d, data: X }, h.B0);
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += X[i * d + j]! * XB.data[i * d + j]!;
        q += lam[i]! * s;
      }
    }
    let g = 0.5 * q;
    if (variant === 'gd-beta') {
      // ẽᵀ𝒬̃(Γ̃)ẽ = −½ ẽ·∇_β̃₀R
      const b = split(y)[1];
      for (let i = 0; i < d; i++) eRisk[i] = bs[i]! - b[i]!;
      gdBetaRiskEig(data, G, eRisk, null, gB, wsRisk);
      let s = 0;
      for (let i = 0; i < d; i++) s += eRisk[i]! * gB[i]!;
      g -= 0.5 * s;
    }
    return g;
  };

  const distance = (y: Float64Array): number => {
    let s = 0;
    for (let k = 0; k < n; k++) s += (y[k]! - yStar[k]!) ** 2;
    return Math.sqrt(s);
  };

  const V = problem.V;
  const toEstimator = (y: Float64Array): GdBeta | Gd0 => {
    const G: Matrix = { rows: d, cols: d, data: Float64Array.from(y.subarray(0, d2)) };
    const tmp: Matrix = { rows: d, cols: d, data: new Float64Array(d2) };
    const Gamma: Matrix = { rows: d, cols: d, data: new Float64Array(d2) };
    gemm(tmp, G, V, 'NT'); // Γ̃Vᵀ
    gemm(Gamma, V, tmp); // VΓ̃Vᵀ
    if (variant === 'gd-0') return { kind: 'gd-0', Gamma };
    const beta0 = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += V.data[i * d + k]! * y[d2 + k]!;
      beta0[i] = s;
    }
    return { kind: 'gd-beta', Gamma, beta0 };
  };

  const fromEstimator = (est: GdBeta | Gd0): Float64Array => {
    const y = new Float64Array(n);
    const tmp: Matrix = { rows: d, cols: d, data: new Float64Array(d2) };
    const G: Matrix = { rows: d, cols: d, data: y.subarray(0, d2) };
    gemm(tmp, est.Gamma, V); // ΓV
    gemm(G, V, tmp, 'TN'); // VᵀΓV
    if (variant === 'gd-beta' && est.kind === 'gd-beta') {
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += V.data[k * d + i]! * est.beta0[k]!;
        y[d2 + i] = s;
      }
    }
    return y;
  };

  return { problem, variant, d, n, data, yStar, optimalRisk, field, risk: riskOf, gap, distance, hessian, toEstimator, fromEstimator };
}

/** 𝒬̃(Γ̃) = Λ − ΛΓ̃Λ − ΛΓ̃ᵀΛ + κΛΓ̃ᵀΛΓ̃Λ + (1/M)tr(Γ̃ᵀΛΓ̃Λ)Λ ([d, d], symmetric). O(d³). */
export function qMatrixEig(lam: Float64Array, G: Float64Array, M: number): Matrix {
  const d = lam.length;
  const kappa = wishartKappa(M);
  const LG: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) }; // ΛΓ̃
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) LG.data[i * d + j] = lam[i]! * G[i * d + j]!;
  const GtLG: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  gemm(GtLG, { rows: d, cols: d, data: G }, LG, 'TN'); // Γ̃ᵀΛΓ̃
  let t3 = 0;
  for (let i = 0; i < d; i++) t3 += GtLG.data[i * d + i]! * lam[i]!;
  const Q: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const v = -lam[i]! * G[i * d + j]! * lam[j]! - lam[i]! * G[j * d + i]! * lam[j]! + kappa * lam[i]! * GtLG.data[i * d + j]! * lam[j]!;
      Q.data[i * d + j] = v + (i === j ? lam[i]! * (1 + t3 / M) : 0);
    }
  }
  return symmetrise(Q, Q); // the round-off of the two triangles
}

/**
 * B' = 2κΛK̃Λ + 2cΛ with c = (tr(ΛK̃) + σ²)/M ([d, d]) — the right factor of the Γ-block of the
 * Hessian at ẽ = 0 (K̃ = Ψ̃) or of GD-0's constant Hessian (K̃ = Ψ̃ + β̃*β̃*ᵀ).
 */
export function bPrimeEig(lam: Float64Array, K: Float64Array, sigma2: number, M: number): Matrix {
  const d = lam.length;
  const kappa = wishartKappa(M);
  let tr = 0;
  for (let i = 0; i < d; i++) tr += lam[i]! * K[i * d + i]!;
  const c = (tr + sigma2) / M;
  const B: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) B.data[i * d + j] = 2 * kappa * lam[i]! * 0.5 * (K[i * d + j]! + K[j * d + i]!) * lam[j]! + (i === j ? 2 * c * lam[i]! : 0);
  }
  return B;
}

function isDiagonal(A: Matrix): boolean {
  const d = A.rows;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (i !== j && A.data[i * d + j] !== 0) return false;
  return true;
}

/**
 * The Hessian of R at the optimum in the eigenbasis (math.md §4), from exact formulas: Γ-block
 * X ↦ ΛXB'₀, β₀-block 2𝒬̃(Γ̃*), no coupling (it is proportional to ẽ = 0). Two symmetric d×d
 * eigendecompositions, O(d³). Cross-checked in the tests against the dense Hessian assembled from
 * analytic Hessian-vector products ({@link gdBetaHessianVectorProduct}).
 */
export function optimumHessian(problem: Problem, variant: GdFlowVariant, GammaStar: Float64Array, Keig: Float64Array): OptimumHessian {
  const d = problem.d;
  const lam = problem.lambda;
  const B0 = bPrimeEig(lam, Keig, problem.sigma2, problem.M);
  let sigma: Float64Array;
  let U: Matrix;
  const diagonalB = isDiagonal(B0);
  if (diagonalB) {
    // Diagonal B'₀ (Ψ = ψ²I): σ_j = B'₀_jj, U = I exactly (no rotation, no round-off).
    sigma = new Float64Array(d);
    for (let j = 0; j < d; j++) sigma[j] = B0.data[j * d + j]!;
    U = { rows: d, cols: d, data: new Float64Array(d * d) };
    for (let j = 0; j < d; j++) U.data[j * d + j] = 1;
  } else {
    const ev = eigh(B0, "B'₀");
    sigma = ev.values;
    U = ev.vectors;
  }
  let sMin = Infinity;
  let sMax = -Infinity;
  for (let j = 0; j < d; j++) {
    sMin = Math.min(sMin, sigma[j]!);
    sMax = Math.max(sMax, sigma[j]!);
  }
  let lambdaMin = lam[0]! * sMin;
  let lambdaMax = lam[d - 1]! * sMax;
  let omega = new Float64Array(0);
  let W: Matrix = { rows: 0, cols: 0, data: new Float64Array(0) };
  let diagonalQ = false;
  let Qstar: Matrix = W;
  if (variant === 'gd-beta') {
    Qstar = qMatrixEig(lam, GammaStar, problem.M);
    diagonalQ = isDiagonal(Qstar);
    if (diagonalQ) {
      omega = new Float64Array(d);
      W = { rows: d, cols: d, data: new Float64Array(d * d) };
      for (let k = 0; k < d; k++) {
        omega[k] = Qstar.data[k * d + k]!;
        W.data[k * d + k] = 1;
      }
    } else {
      const ev = eigh(Qstar, '𝒬̃*');
      omega = ev.values;
      W = ev.vectors;
    }
    for (let k = 0; k < d; k++) {
      lambdaMin = Math.min(lambdaMin, 2 * omega[k]!);
      lambdaMax = Math.max(lambdaMax, 2 * omega[k]!);
    }
  }
  return { sigma, U, diagonalB, B0, omega, W, diagonalQ, Qstar, lambdaMin, lambdaMax, predictedRate: -2 * lambdaMin };
}

/**
 * Analytic Hessian-vector product of R in the eigenbasis at any state y (layout of the flow):
 * out = ∇²R(y)·v, v = (X, δβ̃₀) (GD-0: v = X). Differentiates ∇_Γ̃R = −2C̃ + 2κΛΓ̃C̃ + 2cΛΓ̃Λ and
 * ∇_β̃₀R = −2𝒬̃ẽ once more:
 *   δC̃ = δu uᵀ + u δuᵀ (δu = Λδẽ, δẽ = −δβ̃₀), δc = 2ẽᵀΛδẽ/M,
 *   δ∇_Γ̃ = −2δC̃ + 2κΛXC̃ + 2κΛΓ̃δC̃ + 2δcΛΓ̃Λ + 2cΛXΛ,
 *   δ𝒬̃ = −ΛXΛ − ΛXᵀΛ + κΛ(XᵀΛΓ̃ + Γ̃ᵀΛX)Λ + (2/M)tr(XᵀΛΓ̃Λ)Λ,  δ∇_β̃₀ = −2δ𝒬̃ẽ − 2𝒬̃δẽ.
 * O(d³) (plain loops; for verification, dense Hessians of small d and Lanczos).
 */
export function gdBetaHessianVectorProduct(flow: GdBetaFlow, y: Float64Array, v: Float64Array, out: Float64Array): Float64Array {
  const { d, problem, variant } = flow;
  const d2 = d * d;
  const lam = problem.lambda;
  const M = problem.M;
  const kappa = wishartKappa(M);
  const Psi = problem.PsiEig.data;
  const bs = problem.betaStarEig;
  const G = y.subarray(0, d2);
  const X = v.subarray(0, d2);
  const e = new Float64Array(d);
  const de = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    e[i] = variant === 'gd-beta' ? bs[i]! - y[d2 + i]! : bs[i]!;
    de[i] = variant === 'gd-beta' ? -v[d2 + i]! : 0;
  }
  const u = Float64Array.from(e, (x, i) => lam[i]! * x);
  const du = Float64Array.from(de, (x, i) => lam[i]! * x);
  let trLA = problem.sigma2;
  let eLde = 0;
  for (let i = 0; i < d; i++) {
    trLA += lam[i]! * (Psi[i * d + i]! + e[i]! * e[i]!);
    eLde += e[i]! * lam[i]! * de[i]!;
  }
  const c = trLA / M;
  const dc = (2 * eLde) / M;
  const C = new Float64Array(d2);
  const dC = new Float64Array(d2);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      C[i * d + j] = lam[i]! * Psi[i * d + j]! * lam[j]! + u[i]! * u[j]!;
      dC[i * d + j] = du[i]! * u[j]! + u[i]! * du[j]!;
    }
  }
  const mm = (A: Float64Array, B: Float64Array): Float64Array => {
    const R = new Float64Array(d2);
    gemm({ rows: d, cols: d, data: R }, { rows: d, cols: d, data: A }, { rows: d, cols: d, data: B });
    return R;
  };
  const XC = mm(X, C);
  const GdC = mm(G, dC);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const k = i * d + j;
      out[k] =
        -2 * dC[k]! + 2 * kappa * lam[i]! * XC[k]! + 2 * kappa * lam[i]! * GdC[k]! + 2 * dc * lam[i]! * G[k]! * lam[j]! +
        2 * c * lam[i]! * X[k]! * lam[j]!;
    }
  }
  if (variant === 'gd-0') return out;
  // δ𝒬̃ ẽ and 𝒬̃ δẽ through matrix–vector products (𝒬̃ itself is not needed).
  const Q = qMatrixEig(lam, G, M);
  let trXLGL = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) trXLGL += X[i * d + j]! * lam[i]! * G[i * d + j]! * lam[j]!;
  const mv = (A: Float64Array, x: Float64Array, tr: boolean): Float64Array => {
    const r = new Float64Array(d);
    for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) r[tr ? k : i] += A[i * d + k]! * x[tr ? i : k]!;
    return r;
  };
  const Xu = mv(X, u, false);
  const Xtu = mv(X, u, true);
  const Gu = mv(G, u, false);
  const LGu = Float64Array.from(Gu, (x, i) => lam[i]! * x);
  const XtLGu = mv(X, LGu, true);
  const LXu = Float64Array.from(Xu, (x, i) => lam[i]! * x);
  const GtLXu = mv(G, LXu, true);
  const Qde = mv(Q.data, de, false);
  for (let i = 0; i < d; i++) {
    const dQe = lam[i]! * (-Xu[i]! - Xtu[i]! + kappa * XtLGu[i]! + kappa * GtLXu[i]!) + (2 / M) * trXLGL * u[i]!;
    out[d2 + i] = -2 * dQe - 2 * Qde[i]!;
  }
  return out;
}

/**
 * The dense Hessian ∇²R(y) ([n, n]) assembled column by column from
 * {@link gdBetaHessianVectorProduct} (n products, O(n·d³)): for verification and small d (≲ 20).
 */
export function gdBetaDenseHessian(flow: GdBetaFlow, y: Float64Array): Matrix {
  const n = flow.n;
  const Hm: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  const v = new Float64Array(n);
  const col = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    v.fill(0);
    v[j] = 1;
    gdBetaHessianVectorProduct(flow, y, v, col);
    for (let i = 0; i < n; i++) Hm.data[i * n + j] = col[i]!;
  }
  return Hm;
}

/**
 * Initial state of a GD flow: `'zero'` (Γ = 0, β₀ = 0), `'random'` (Γ_ij ~ N(0, 1/d)·
 * {@link RANDOM_GAMMA_SCALE}², β₀_i ~ N(0, 1), drawn in the original basis from `new Rng(seed)`), or
 * a given estimator.
 */
export function gdBetaInitialState(flow: GdBetaFlow, init: GdInit, seed = 1): Float64Array {
  const d = flow.d;
  if (init === 'zero') return new Float64Array(flow.n);
  if (init === 'random') {
    const rng = new Rng(seed);
    const Gamma: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
    for (let k = 0; k < d * d; k++) Gamma.data[k] = (RANDOM_GAMMA_SCALE / Math.sqrt(d)) * rng.normal();
    const beta0 = new Float64Array(d);
    for (let i = 0; i < d; i++) beta0[i] = rng.normal();
    return flow.fromEstimator(flow.variant === 'gd-beta' ? { kind: 'gd-beta', Gamma, beta0 } : { kind: 'gd-0', Gamma });
  }
  return flow.fromEstimator(init);
}
