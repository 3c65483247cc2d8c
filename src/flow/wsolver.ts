/**
 * The linear algebra of the Rosenbrock-**W** path of the GD-β/GD-0 flow (docs/math.md §4.1): a
 * {@link LinearSolverProvider} for `rosenbrock(ros34pw2, …)` on the flow written in the coordinates
 * of `gdbetaExponential.ts`,
 *
 *   z = [Ẑ, ê],  Ẑ = (Γ̃ − Γ̃*)U [d, d],  ê = Wᵀ(β̃₀ − β̃*) [d],   z′ = ℓ ⊙ z + N(z),
 *
 * where B'₀ = UΣUᵀ and 𝒬̃* = WΩWᵀ are the blocks of the Hessian at the optimum (4.5). A W-method keeps
 * its order for *any* matrix W in (I − γhW)U_i = … (`ode/ros34pw2.ts`); this provider chooses a W that
 * keeps the stiff parts of the true Jacobian J = −∇²R but whose systems cost O(d²) for every h:
 *
 * - Γ-block, row i of X̂: W_ΓΓX̂ = −ΛX̂(Σ + 2δc·Diag(𝕃) + 2κûûᵀ), with û = Uᵀu, u = Λẽ, ẽ = −Wê,
 *   δc = ẽᵀΛẽ/M and 𝕃 = UᵀΛU (4.2)–(4.3). J_ΓΓ has 2δc𝕃 in place of 2δc·Diag(𝕃); the two agree when
 *   Ψ = ψ²I (U = I). The rank-one β₀-driven term 2κûûᵀ — what makes etd4 stability-limited — is
 *   kept exactly: row i solves (Δ_i + α_iûûᵀ)x = r with Δ_i = diag(1 + gλ_i(σ_j + 2δc𝕃_jj)),
 *   α_i = 2κgλ_i (g = γh) by Sherman–Morrison, O(d) per row.
 * - β₀-block: W_ββ = −2𝒬̂ with 𝒬̂ = Wᵀ𝒬̃(Γ̃_ref)W at a reference state (J_ββ = −2Wᵀ𝒬̃(Γ̃)W exactly),
 *   held as its eigendecomposition 𝒬̂ = VωVᵀ, so 𝒟⁻¹r = (I + 2g𝒬̂)⁻¹r = V((Vᵀr) ⊘ (1 + 2gω)) for any h.
 *   It starts at the optimum (𝒬̂ = Ω, V = I) and is refreshed (one d×d eigh, two or three d³
 *   products) when the relative mismatch ‖S‖₂, S = 2g·𝒟^{-½}(Wᵀ𝒬̃(Γ̃)W − 𝒬̂)𝒟^{-½}, exceeds
 *   {@link W_REFRESH}: I + 2gWᵀ𝒬̃W = 𝒟^{½}(I + S)𝒟^{½}, so the β₀-block of W is then within a factor
 *   1 ± W_REFRESH of the exact one. ‖S‖₂ is estimated by one power-iteration step per `prepare`
 *   (warm-started across steps; O(d²) with 𝒬̃v = Λv − ΛΓ̃Λv − ΛΓ̃ᵀΛv + κΛΓ̃ᵀΛΓ̃Λv + (t₃/M)Λv (3.6),
 *   Γ̃v = Y(Uᵀv), Y = Γ̃U).
 * - Γ–β₀ coupling C = J_Γβ (∝ ẽ, zero at the optimum), kept in block-triangular form:
 *   I − gW = [𝒜, −gC; −gCᵀ, 𝒟 + g²Cᵀ𝒜⁻¹C] = [𝒜, 0; −gCᵀ, I]·[I, −g𝒜⁻¹C; 0, 𝒟] with 𝒜 = I − gW_ΓΓ:
 *   two O(d²) block substitutions, no d×d Schur complement. For a negative definite J this W never
 *   under-estimates the stiffness: spec((I − gW)⁻¹(I − gJ)) ⊂ (0, 1] up to the 𝒬̂ lag (the exact
 *   Schur complement 𝒟 − g²Cᵀ𝒜⁻¹C is replaced by 𝒟 ≥ it). Measured (bench/flow/large.ts random#1,
 *   d = 64, ROS34PW2 from Γ = 0, β₀ = 0): this W reached t = 192 in 500 steps, the exact Jacobian
 *   t = 100 in 410, the block-diagonal W (coupling left out) t = 98 in 900.
 *
 * Cost: `prepare` O(d²) plus Y𝕃 (one d³ product unless U = I) plus a refresh when due; `solve` O(d²).
 * GD-0 (ẽ = β̃* fixed, already in B'₀): W = ℓ, the exact Jacobian of the linear flow.
 */
import { eigh, gemm, type Matrix } from '../linalg/index.js';
import type { LinearSolverProvider, LinearSolverStats } from './ode/index.js';
import type { GdBetaExponential } from './gdbetaExponential.js';
import { qMatrixEig, type GdBetaFlow } from './gdbetaFlow.js';
import { allocDiagRankOneRows, factorDiagRankOneRows, solveDiagRankOneRows } from './diagRankOneRows.js';

/**
 * Refresh 𝒬̂ when the estimated relative mismatch ‖S‖₂ of the β₀-block (module comment) exceeds this
 * (a rejected step being retried refreshes at a quarter of it: the estimate may lag). Measured on
 * bench/flow/large.ts random#1, d = 64, ROS34PW2 alone: 1 → 1977 steps, 0 refreshes; 0.3 → 4
 * refreshes; 0.05 → 1368 steps, 40 refreshes; 0.01 → 1353 steps, 185 refreshes.
 */
export const W_REFRESH = 0.05;

/** Work counters of {@link gdBetaWSolver}. */
export interface GdBetaWSolverStats extends LinearSolverStats {
  /** Eigendecompositions of 𝒬̂ (refreshes of the β₀-block of W). */
  refreshes: number;
}

/** A {@link LinearSolverProvider} with the refresh counter and the coupling estimate. */
export interface GdBetaWSolver extends LinearSolverProvider {
  /** Cumulative counters. */
  readonly stats: GdBetaWSolverStats;
  /**
   * ρ_C ≥ ‖J_Γβ‖ at the last prepared state: 4‖u‖(λ_max + κ(1 + 1/M)‖ΛΓ̃Λ‖_F) (zero for GD-0 and at
   * ẽ = 0). h·ρ_C small means the Γ–β₀ coupling no longer matters to stability.
   */
  couplingNorm(): number;
}

/**
 * The W-method linear solver of a GD-β/GD-0 flow in the coordinates of `ex` (see the module
 * comment). Use with `rosenbrock(ros34pw2, { linearSolver: gdBetaWSolver(flow, ex), scaleRef })` on
 * `ex.field`. O(d²) memory beyond the flow's own.
 */
export function gdBetaWSolver(flow: GdBetaFlow, ex: GdBetaExponential): GdBetaWSolver {
  const { d, problem, variant } = flow;
  const d2 = d * d;
  const hasBeta = variant === 'gd-beta';
  const lam = problem.lambda;
  const M = problem.M;
  const kappa = problem.kappa;
  const { U, sigma, diagonalB, W, omega, diagonalQ, GammaStarU, Lhat } = ex.basis;
  const bs = problem.betaStarEig;

  const stats: GdBetaWSolverStats = { jacobianEvaluations: 0, factorizations: 0, linearSolves: 0, refreshes: 0 };
  const sq = (): Matrix => ({ rows: d, cols: d, data: new Float64Array(d2) });
  // Γ-block factors (diagRankOneRows.ts): invDelta_ij = 1/Δ_ij, Hrow_i = û ⊘ Δ_i, coef_i = α_i/(1 + α_i ûᵀΔ_i⁻¹û)
  const rows = allocDiagRankOneRows(d);
  const { invDelta, Hrow, coef } = rows;
  const e = new Float64Array(d);
  const u = new Float64Array(d);
  const uh = new Float64Array(d);
  const Dj = new Float64Array(d);
  // β₀-block: 𝒬̂ = VωVᵀ (V = I, ω = Ω until the first refresh), denominators 1/(1 + 2gω)
  let V: Matrix | null = null;
  const omegaHat = Float64Array.from(omega);
  const invQ = new Float64Array(d);
  const tmp = new Float64Array(d);
  // Y = Γ̃U and Y𝕃 (t₃ = tr(Γ̃ᵀΛΓ̃Λ) = Σ_i λ_i⟨(Y𝕃)_i, Y_i⟩ needs the latter)
  const Y = sq();
  const YL = sq();
  let t3 = 0;
  // power iteration for ‖S‖₂, S = 2g·A^{-½}(𝒬̃ − 𝒬̂)A^{-½}, A = I + 2g𝒬̂ (warm-started across steps)
  const pv = new Float64Array(d).fill(1 / Math.sqrt(d));
  const w1 = new Float64Array(d);
  const w2 = new Float64Array(d);
  const h1 = new Float64Array(d);
  const h2 = new Float64Array(d);
  const h3 = new Float64Array(d);
  const h4 = new Float64Array(d);
  const h5 = new Float64Array(d);
  const h6 = new Float64Array(d);
  const lhatDiag = new Float64Array(d);
  for (let j = 0; j < d; j++) lhatDiag[j] = Lhat.data[j * d + j]!;
  // coupling workspace
  const pvec = new Float64Array(d);
  const c1 = new Float64Array(d);
  const c2 = new Float64Array(d);
  const c3 = new Float64Array(d);
  const c4 = new Float64Array(d);
  const rb = new Float64Array(d);
  const rowBuf = new Float64Array(d);
  let coupled = false;
  let g = 0;
  let rhoC = 0;

  /** Y = Γ̃*U + Ẑ, Y𝕃 (one d³ product unless U = I) and t₃. */
  const fillY = (z: Float64Array): void => {
    for (let k = 0; k < d2; k++) Y.data[k] = GammaStarU[k]! + z[k]!;
    if (diagonalB) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) YL.data[i * d + j] = Y.data[i * d + j]! * lam[j]!;
    else gemm(YL, Y, Lhat);
    t3 = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) s += YL.data[row + j]! * Y.data[row + j]!;
      t3 += lam[i]! * s;
    }
  };

  /** out = Ax (A [d, d] row-major, or x when A is null = I); `tr`: Aᵀx. out ≠ x. */
  const mv = (out: Float64Array, A: Float64Array | null, x: Float64Array, tr: boolean): void => {
    if (A === null) {
      out.set(x);
      return;
    }
    if (tr) {
      out.fill(0);
      for (let i = 0; i < d; i++) {
        const xi = x[i]!;
        const row = i * d;
        for (let j = 0; j < d; j++) out[j] += A[row + j]! * xi;
      }
    } else {
      for (let i = 0; i < d; i++) {
        let s = 0;
        const row = i * d;
        for (let j = 0; j < d; j++) s += A[row + j]! * x[j]!;
        out[i] = s;
      }
    }
  };
  const Ud = diagonalB ? null : U.data;
  const Wd = diagonalQ ? null : W.data;

  /** out = A^{-½}x, A = I + 2g𝒬̂ = V·diag(1 + 2gω)·Vᵀ (invQ holds 1/(1 + 2gω)). */
  const invSqrtA = (out: Float64Array, x: Float64Array): void => {
    mv(tmp, V === null ? null : V.data, x, true);
    for (let k = 0; k < d; k++) tmp[k] = tmp[k]! * Math.sqrt(invQ[k]!);
    mv(out, V === null ? null : V.data, tmp, false);
  };

  /**
   * out = (Wᵀ𝒬̃(Γ̃)W − 𝒬̂)x in O(d²): 𝒬̃v = Λv − ΛΓ̃Λv − ΛΓ̃ᵀΛv + κΛΓ̃ᵀΛΓ̃Λv + (t₃/M)Λv with
   * Γ̃v = Y(Uᵀv), Γ̃ᵀv = U(Yᵀv) (math.md (3.6) in the eigenbasis).
   */
  const mismatchTimes = (out: Float64Array, x: Float64Array): void => {
    mv(h1, Wd, x, false); // v = Wx
    for (let i = 0; i < d; i++) h2[i] = lam[i]! * h1[i]!; // Λv
    mv(h3, Ud, h2, true);
    mv(h4, Y.data, h3, false); // Γ̃Λv
    mv(h3, Y.data, h2, true);
    mv(h5, Ud, h3, false); // Γ̃ᵀΛv
    for (let i = 0; i < d; i++) h3[i] = lam[i]! * h4[i]!; // ΛΓ̃Λv
    mv(h6, Y.data, h3, true);
    mv(h3, Ud, h6, false); // Γ̃ᵀΛΓ̃Λv
    for (let i = 0; i < d; i++) h1[i] = h2[i]! * (1 + t3 / M) + lam[i]! * (-h4[i]! - h5[i]! + kappa * h3[i]!);
    mv(out, Wd, h1, true); // Wᵀ𝒬̃Wx
    mv(tmp, V === null ? null : V.data, x, true);
    for (let k = 0; k < d; k++) tmp[k] = tmp[k]! * omegaHat[k]!;
    mv(h1, V === null ? null : V.data, tmp, false); // 𝒬̂x
    for (let i = 0; i < d; i++) out[i] = out[i]! - h1[i]!;
  };

  /** One power-iteration step on S; returns ‖Sv‖ (≤ ‖S‖₂, → ‖S‖₂) for the current unit v. */
  const mismatchNorm = (g: number): number => {
    invSqrtA(w1, pv);
    mismatchTimes(w2, w1);
    invSqrtA(w1, w2);
    let nrm = 0;
    for (let k = 0; k < d; k++) nrm += w1[k]! ** 2;
    nrm = Math.sqrt(nrm);
    if (nrm > 0 && Number.isFinite(nrm)) for (let k = 0; k < d; k++) pv[k] = w1[k]! / nrm;
    return 2 * g * nrm;
  };

  /** 𝒬̂ ← Wᵀ𝒬̃(Γ̃)W at the current Y (Γ̃ = YUᵀ), eigendecomposed. */
  const refresh = (): void => {
    stats.refreshes++;
    const G = diagonalB ? Y : gemm(sq(), Y, U, 'NT');
    let Q = qMatrixEig(lam, G.data, M);
    if (!diagonalQ) Q = gemm(sq(), W, gemm(sq(), Q, W), 'TN');
    const ev = eigh(Q, '𝒬̂');
    V = ev.vectors;
    omegaHat.set(ev.values);
  };

  const prepare = (_t: number, z: Float64Array, gArg: number, sameState: boolean): boolean => {
    g = gArg;
    stats.factorizations++;
    // ẽ = −Wê, u = Λẽ, û = Uᵀu, δc = ẽᵀΛẽ/M (GD-0: ẽ = β̃* fixed)
    if (hasBeta) {
      const eh = z.subarray(d2);
      if (diagonalQ) for (let i = 0; i < d; i++) e[i] = -eh[i]!;
      else {
        for (let i = 0; i < d; i++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += W.data[i * d + k]! * eh[k]!;
          e[i] = -s;
        }
      }
    } else e.set(bs);
    let eLe = 0;
    for (let i = 0; i < d; i++) {
      u[i] = lam[i]! * e[i]!;
      eLe += u[i]! * e[i]!;
    }
    // GD-0: ẽ = β̃* is fixed and B'₀ already contains it (K = Ψ + β*β*ᵀ): no β₀-driven terms.
    const dc = hasBeta ? eLe / M : 0;
    if (!hasBeta) uh.fill(0);
    else if (diagonalB) uh.set(u);
    else {
      uh.fill(0);
      for (let i = 0; i < d; i++) {
        const ui = u[i]!;
        for (let j = 0; j < d; j++) uh[j] += U.data[i * d + j]! * ui;
      }
    }
    for (let j = 0; j < d; j++) Dj[j] = sigma[j]! + 2 * dc * lhatDiag[j]!;
    factorDiagRankOneRows(rows, lam, g, kappa, Dj, uh);
    if (!hasBeta) return true;
    fillY(z);
    // p = Pu = u − κΛΓ̃u, Γ̃u = Yû
    mv(c1, Y.data, uh, false);
    let uu = 0;
    for (let i = 0; i < d; i++) {
      pvec[i] = u[i]! - kappa * lam[i]! * c1[i]!;
      uu += u[i]! * u[i]!;
    }
    // The coupling is proportional to u (zero at the optimum): left out once it is below round-off.
    coupled = uu > 0;
    let kk = 0; // ‖ΛΓ̃Λ‖_F² = ‖Λ·Y𝕃‖_F²
    for (let i = 0; i < d; i++) {
      let q = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) q += YL.data[row + j]! ** 2;
      kk += lam[i]! * lam[i]! * q;
    }
    rhoC = 4 * Math.sqrt(uu) * (lam[d - 1]! + kappa * (1 + 1 / M) * Math.sqrt(kk));
    for (let k = 0; k < d; k++) invQ[k] = 1 / (1 + 2 * g * omegaHat[k]!);
    // A retried (rejected) step refreshes at a quarter of the threshold: the estimate may lag.
    const est = mismatchNorm(g);
    if (est > (sameState ? W_REFRESH / 4 : W_REFRESH)) {
      refresh();
      for (let k = 0; k < d; k++) invQ[k] = 1 / (1 + 2 * g * omegaHat[k]!);
    }
    return true;
  };

  /** out = 𝒟⁻¹r, 𝒟 = I + 2g𝒬̂ = V·diag(1 + 2gω)·Vᵀ. out ≠ r. */
  const solveBeta = (out: Float64Array, r: Float64Array): void => {
    if (V === null) {
      for (let k = 0; k < d; k++) out[k] = r[k]! * invQ[k]!;
      return;
    }
    mv(tmp, V.data, r, true);
    for (let k = 0; k < d; k++) tmp[k] = tmp[k]! * invQ[k]!;
    mv(out, V.data, tmp, false);
  };

  /**
   * Solves (I − gW)x = r with the block-triangular W of the module comment: the 2×2 block matrix
   * [𝒜, −gC; −gCᵀ, 𝒟 + g²Cᵀ𝒜⁻¹C] = [𝒜, 0; −gCᵀ, I]·[I, −g𝒜⁻¹C; 0, 𝒟], i.e. forward x′ = 𝒜⁻¹r_Γ,
   * x_β = 𝒟⁻¹(r_β + gCᵀx′), then x_Γ = x′ + g𝒜⁻¹Cx_β. In these coordinates (J_Γβ, J_βΓ of §4.1 with
   * P = I − κΛΓ̃, p = Pu, K = ΛΓ̃Λ, KU = Λ·Y𝕃; x = Wx̂, x̄ = Λx):
   *   CᵀẐ = Wᵀ[−2Λ(Pᵀ(Ẑû) + U(Ẑᵀp)) + (4/M)⟨Ẑ, Λ·Y𝕃⟩u],  Pᵀv = v − κU(Yᵀ(Λv)),
   *   Cx̂ = −2(Px̄)ûᵀ − 2p(Uᵀx̄)ᵀ + (4/M)(uᵀx)·Λ·Y𝕃,      Px̄ = x̄ − κΛY(Uᵀx̄).
   * Row-wise fused loops: two passes over the d×d arrays plus one each over Y and Yᵀ (the solve is
   * bandwidth-bound at d = 256).
   */
  const solve = (out: Float64Array, rhs: Float64Array): void => {
    stats.linearSolves++;
    const xG = out.subarray(0, d2);
    if (!hasBeta || !coupled) {
      solveDiagRankOneRows(rows, xG, rhs); // x = 𝒜⁻¹r, 𝒜 = I − gW_ΓΓ
      if (hasBeta) solveBeta(out.subarray(d2), rhs.subarray(d2));
      return;
    }
    // pass 1: x′ = 𝒜⁻¹r_Γ row by row, with Ẑû (c1), Ẑᵀp (c2, before U) and ⟨Ẑ, Λ·Y𝕃⟩ of Ẑ = x′
    c2.fill(0);
    let zk = 0;
    for (let i = 0; i < d; i++) {
      const row = i * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += rhs[row + j]! * Hrow[row + j]!;
      const f = coef[i]! * s;
      const pi = pvec[i]!;
      let zu = 0;
      let zy = 0;
      for (let j = 0; j < d; j++) {
        const x = rhs[row + j]! * invDelta[row + j]! - f * Hrow[row + j]!;
        xG[row + j] = x;
        zu += x * uh[j]!;
        zy += x * YL.data[row + j]!;
        c2[j] += x * pi;
      }
      c1[i] = zu;
      zk += lam[i]! * zy;
    }
    mv(c3, Ud, c2, false); // Ẑᵀp → Zᵀp = U(Ẑᵀp)
    for (let i = 0; i < d; i++) c2[i] = lam[i]! * c1[i]!;
    mv(c4, Y.data, c2, true);
    mv(c2, Ud, c4, false); // Γ̃ᵀΛ(Zu)
    for (let i = 0; i < d; i++) c4[i] = -2 * lam[i]! * (c1[i]! - kappa * c2[i]! + c3[i]!) + (4 / M) * zk * u[i]!;
    mv(c1, Wd, c4, true); // CᵀẐ
    const r = rhs.subarray(d2);
    for (let k = 0; k < d; k++) rb[k] = r[k]! + g * c1[k]!;
    const xb = out.subarray(d2);
    solveBeta(xb, rb);
    // Cx_β: x = Wx_β, x̄ = Λx, c3 = Uᵀx̄, c1 = Px̄
    mv(c1, Wd, xb, false);
    let ux = 0;
    for (let i = 0; i < d; i++) {
      ux += u[i]! * c1[i]!;
      c2[i] = lam[i]! * c1[i]!;
    }
    mv(c3, Ud, c2, true);
    mv(c4, Y.data, c3, false);
    for (let i = 0; i < d; i++) c1[i] = c2[i]! - kappa * lam[i]! * c4[i]!;
    const k4 = (4 / M) * ux;
    // pass 2: x_Γ = x′ + g𝒜⁻¹(Cx_β), row i of Cx_β = −2(Px̄)_i û − 2p_i Uᵀx̄ + k4·λ_i(Y𝕃)_i
    for (let i = 0; i < d; i++) {
      const a = -2 * c1[i]!;
      const b = -2 * pvec[i]!;
      const kl = k4 * lam[i]!;
      const row = i * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = a * uh[j]! + b * c3[j]! + kl * YL.data[row + j]!;
        rowBuf[j] = v;
        s += v * Hrow[row + j]!;
      }
      const f = coef[i]! * s;
      for (let j = 0; j < d; j++) xG[row + j] = xG[row + j]! + g * (rowBuf[j]! * invDelta[row + j]! - f * Hrow[row + j]!);
    }
  };

  return { prepare, solve, stats, couplingNorm: () => rhoC };
}
