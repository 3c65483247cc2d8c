/**
 * Structured linear algebra of the Rosenbrock methods (`ode/rosenbrock.ts`) for the GD-β/GD-0 flow
 * of `gdbetaFlow.ts` (state y = [Γ̃, β̃₀] in the eigenbasis of H): solves (I − γhJ)·[X; x] = [R; r]
 * *exactly* with the true Jacobian J = −∇²R(y), without forming the (d² + d)² matrix.
 *
 * Jacobian blocks (ẽ = β̃* − β̃₀, u = Λẽ, P = I − κΛΓ̃, p = Pu, K = ΛΓ̃Λ, x̄ = Λx, g = γh):
 *   J_ΓΓ X = −ΛXB',  B' = 2κ(ΛΨ̃Λ + uuᵀ) + 2cΛ            (rows decouple: row i is x_i ↦ −λ_i x_i B')
 *   J_Γβ x = −2(Px̄)uᵀ − 2p x̄ᵀ + (4/M)(uᵀx)K
 *   J_βΓ X = −2Λ(PᵀXu + Xᵀp) + (4/M)⟨X, K⟩u
 *   J_ββ   = −2𝒬̃(Γ̃)
 * The Γ-block 𝒢 = (I − gJ_ΓΓ)⁻¹ acts row by row: x_i = r_i(I + gλ_iB')⁻¹ =: r_iG_i.
 * - Ψ = ψ²I: B' = diag(D) + 2κuuᵀ, so each G_i is a diagonal-plus-rank-one inverse (Sherman–Morrison):
 *   O(d²) per application of 𝒢, no eigendecomposition;
 * - general Ψ: B' = UΣUᵀ once per step (eigh), X̂ = (RU) ⊘ (1 + gλ_iσ_j), X = X̂Uᵀ: two d³ products.
 * The Γ–β₀ coupling is kept exactly through the d×d Schur complement
 *   S = I + 2g𝒬̃ − g²·J_βΓ𝒢J_Γβ,
 * assembled in O(d³) per step from the row structure (J_Γβ x is a sum of rank-one terms, so
 * J_βΓ𝒢J_Γβ needs only 𝐆 = [G_iu]_i, 𝒢(K) and Σ_i p_i²G_i) and LU-factored. Then
 *   x = S⁻¹(r + g·J_βΓ𝒢R),   X = 𝒢R + g·𝒢(J_Γβ x).
 * Rodas4 is a Rosenbrock (not a W-) method, so the exact coupling is what keeps its order.
 */
import { eigh, gemm, lu, luSolve, type LUFactor, type Matrix } from '../linalg/index.js';
import { allocDiagRankOneRows, factorDiagRankOneRows, solveDiagRankOneRows } from './diagRankOneRows.js';
import type { DenseJacobian, LinearSolverProvider, LinearSolverStats } from './ode/index.js';
import { gdBetaDenseHessian, qMatrixEig, type GdBetaFlow } from './gdbetaFlow.js';

/**
 * The structured {@link LinearSolverProvider} of a GD-β/GD-0 flow (see the module comment).
 * `prepare` is O(d³) (a few d×d products, one d×d LU, plus one eigh for a general Ψ); `solve` is
 * O(d²) for Ψ = ψ²I and four d×d×d products otherwise.
 */
export function gdBetaLinearSolver(flow: GdBetaFlow): LinearSolverProvider {
  const { d, problem, variant } = flow;
  const d2 = d * d;
  const lam = problem.lambda;
  const M = problem.M;
  const kappa = problem.kappa;
  const Psi = problem.PsiEig.data;
  const psi2 = problem.psiIsotropic;
  const bs = problem.betaStarEig;
  const hasBeta = variant === 'gd-beta';
  // GD-0 keeps ẽ = β̃* fixed: A = Ψ + β*β*ᵀ enters through u = Λβ̃*, exactly as in the risk kernel.
  let trLPsi = 0;
  for (let i = 0; i < d; i++) trLPsi += lam[i]! * Psi[i * d + i]!;

  const stats: LinearSolverStats = { jacobianEvaluations: 0, factorizations: 0, linearSolves: 0 };
  const sq = (): Matrix => ({ rows: d, cols: d, data: new Float64Array(d2) });
  const e = new Float64Array(d);
  const u = new Float64Array(d);
  // iso path
  const rows = allocDiagRankOneRows(d); // 𝒢 = rows of (I + gλ_i(diag(D) + 2κuuᵀ))⁻¹
  const { invDelta, Hrow, coef } = rows;
  const Dfac = new Float64Array(d);
  // general path
  let Umat: Matrix = sq();
  const denom = new Float64Array(d2);
  const Rhat = sq();
  const Xhat = sq();
  // coupling
  const P = sq();
  const p = new Float64Array(d);
  const K = sq();
  const Gu = sq(); // rows (G_iu)ᵀ
  const Zc = sq();
  let S: LUFactor | undefined;
  const Z0 = sq();
  const Jx = sq();
  const Z1 = sq();
  const rhsx = new Float64Array(d);
  const xsol = new Float64Array(d);
  const tv = new Float64Array(d);
  const tv2 = new Float64Array(d);
  // general-Ψ solve in the eigenbasis U of B' (see `solve`): û = Uᵀu, KU = K·U, scratch
  const uHat = new Float64Array(d);
  const KU = sq();
  const wv = new Float64Array(d);
  const xl = new Float64Array(d);
  const xlHat = new Float64Array(d);
  let g = 0;
  let iso = false;

  /** out = 𝒢(R), R and out [d, d] (out ≠ R). */
  const applyG = (out: Float64Array, R: Float64Array): void => {
    if (iso) {
      solveDiagRankOneRows(rows, out, R);
      return;
    }
    gemm(Rhat, { rows: d, cols: d, data: R }, Umat);
    for (let k = 0; k < d2; k++) Xhat.data[k] = Rhat.data[k]! / denom[k]!;
    gemm({ rows: d, cols: d, data: out }, Xhat, Umat, 'NT');
  };

  /** J_βΓ Z = −2Λ(PᵀZu + Zᵀp) + (4/M)⟨Z, K⟩u, into out [d]. */
  const jBetaGamma = (out: Float64Array, Z: Float64Array): void => {
    // tv = Zu
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Z[i * d + j]! * u[j]!;
      tv[i] = s;
    }
    // out = Pᵀ(Zu) + Zᵀp
    out.fill(0);
    let zk = 0;
    for (let i = 0; i < d; i++) {
      const ti = tv[i]!;
      const pi = p[i]!;
      for (let j = 0; j < d; j++) {
        out[j] += P.data[i * d + j]! * ti + Z[i * d + j]! * pi;
        zk += Z[i * d + j]! * K.data[i * d + j]!;
      }
    }
    for (let i = 0; i < d; i++) out[i] = -2 * lam[i]! * out[i]! + (4 / M) * zk * u[i]!;
  };

  /** out = J_Γβ x = −2(Px̄)uᵀ − 2p x̄ᵀ + (4/M)(uᵀx)K. */
  const jGammaBeta = (out: Float64Array, x: Float64Array): void => {
    let ux = 0;
    for (let i = 0; i < d; i++) ux += u[i]! * x[i]!;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += P.data[i * d + k]! * lam[k]! * x[k]!;
      tv2[i] = s; // (Px̄)_i
    }
    for (let i = 0; i < d; i++) {
      const a = -2 * tv2[i]!;
      const b = -2 * p[i]!;
      for (let j = 0; j < d; j++) out[i * d + j] = a * u[j]! + b * lam[j]! * x[j]! + (4 / M) * ux * K.data[i * d + j]!;
    }
  };

  let cState = 0; // c of the state (trace term of B′)
  let bVals = new Float64Array(d); // eigenvalues of B′ (general Ψ)
  let Qs: Matrix = sq(); // 𝒬̃(Γ̃) of the state
  let haveState = false;

  /** The parts of I − gJ that depend on the state y only (not on g): kept when `sameState`. */
  const setState = (y: Float64Array): void => {
    const G = y.subarray(0, d2);
    for (let i = 0; i < d; i++) e[i] = hasBeta ? bs[i]! - y[d2 + i]! : bs[i]!;
    let eLe = 0;
    for (let i = 0; i < d; i++) {
      u[i] = lam[i]! * e[i]!;
      eLe += u[i]! * e[i]!;
    }
    cState = (trLPsi + eLe + problem.sigma2) / M;
    iso = psi2 !== null;
    if (!iso) {
      const B = sq();
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          B.data[i * d + j] = 2 * kappa * (lam[i]! * 0.5 * (Psi[i * d + j]! + Psi[j * d + i]!) * lam[j]! + u[i]! * u[j]!) + (i === j ? 2 * cState * lam[i]! : 0);
        }
      }
      const ev = eigh(B, "B'");
      Umat = ev.vectors;
      bVals = ev.values;
    }
    if (!hasBeta) return;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        P.data[i * d + j] = (i === j ? 1 : 0) - kappa * lam[i]! * G[i * d + j]!;
        K.data[i * d + j] = lam[i]! * G[i * d + j]! * lam[j]!;
      }
    }
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += P.data[i * d + k]! * u[k]!;
      p[i] = s;
    }
    if (!iso) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += Umat.data[k * d + j]! * u[k]!;
        uHat[j] = s;
      }
      gemm(KU, K, Umat);
    }
    Qs = qMatrixEig(lam, G, M);
  };

  const prepare = (_t: number, y: Float64Array, gammaH: number, sameState: boolean): boolean => {
    stats.factorizations++;
    g = gammaH;
    // A refactorization at a new g with the same state (BDF's changes of h) skips eigh(B′), 𝒬̃ and KU.
    if (!sameState || !haveState) {
      stats.jacobianEvaluations++;
      setState(y);
      haveState = true;
    }
    const c = cState;
    if (iso) {
      // B' = diag(D) + 2κuuᵀ, D_j = 2κψ²λ_j² + 2cλ_j; G_i = (Δ_i + α_i uuᵀ)⁻¹ with Δ_i = 1 + gλ_iD.
      for (let j = 0; j < d; j++) Dfac[j] = 2 * kappa * psi2! * lam[j]! * lam[j]! + 2 * c * lam[j]!;
      factorDiagRankOneRows(rows, lam, g, kappa, Dfac, u);
    } else {
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) denom[i * d + j] = 1 + g * lam[i]! * bVals[j]!;
    }
    if (!hasBeta) return true;

    // ---- Schur complement of the β₀-block ----
    // 𝐆 = 𝒢(𝟙uᵀ): row i = (G_iu)ᵀ
    for (let i = 0; i < d; i++) Jx.data.set(u, i * d);
    applyG(Gu.data, Jx.data);
    applyG(Zc.data, K.data);
    const s = new Float64Array(d); // s_i = uᵀG_iu
    const tau = new Float64Array(d); // τ_i = (G_iu)ᵀk_i
    for (let i = 0; i < d; i++) {
      let a = 0;
      let b = 0;
      for (let j = 0; j < d; j++) {
        a += Gu.data[i * d + j]! * u[j]!;
        b += Gu.data[i * d + j]! * K.data[i * d + j]!;
      }
      s[i] = a;
      tau[i] = b;
    }
    const Zcu = new Float64Array(d);
    const Zctp = new Float64Array(d);
    let ZcK = 0;
    for (let i = 0; i < d; i++) {
      let a = 0;
      for (let j = 0; j < d; j++) {
        const z = Zc.data[i * d + j]!;
        a += z * u[j]!;
        Zctp[j] += z * p[i]!;
        ZcK += z * K.data[i * d + j]!;
      }
      Zcu[i] = a;
    }
    // 𝔊(p²) = Σ_i p_i² G_i
    const Gp = sq();
    const p2 = Float64Array.from(p, (x) => x * x);
    if (iso) {
      for (let j = 0; j < d; j++) {
        let sd = 0;
        for (let i = 0; i < d; i++) sd += p2[i]! * invDelta[i * d + j]!;
        Gp.data[j * d + j] = sd;
      }
      // − Σ_i p_i² coef_i h_i h_iᵀ
      const Hs = sq();
      for (let i = 0; i < d; i++) {
        const w = Math.sqrt(p2[i]! * coef[i]!);
        for (let j = 0; j < d; j++) Hs.data[i * d + j] = w * Hrow[i * d + j]!;
      }
      gemm(Gp, Hs, Hs, 'TN', -1, 1);
    } else {
      const Us = sq();
      for (let j = 0; j < d; j++) {
        let sd = 0;
        for (let i = 0; i < d; i++) sd += p2[i]! / denom[i * d + j]!;
        for (let k = 0; k < d; k++) Us.data[k * d + j] = Umat.data[k * d + j]! * sd;
      }
      gemm(Gp, Us, Umat, 'NT');
    }
    // 𝕄_u = −2diag(s)PΛ − 2diag(p)𝐆Λ + (4/M)(Z_c u)uᵀ ;  A = diag(p)PΛ (for 𝕄_p)
    const Mu = sq();
    const PL = sq();
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const pl = P.data[i * d + j]! * lam[j]!;
        Mu.data[i * d + j] = -2 * s[i]! * pl - 2 * p[i]! * Gu.data[i * d + j]! * lam[j]! + (4 / M) * Zcu[i]! * u[j]!;
        PL.data[i * d + j] = p[i]! * pl;
      }
    }
    // 𝕄_p = −2𝐆ᵀdiag(p)PΛ − 2𝔊(p²)Λ + (4/M)(Z_cᵀp)uᵀ
    const Mp = sq();
    gemm(Mp, Gu, PL, 'TN', -2);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) Mp.data[i * d + j] += -2 * Gp.data[i * d + j]! * lam[j]! + (4 / M) * Zctp[i]! * u[j]!;
    }
    // PᵀM_u + M_p
    const T = sq();
    gemm(T, P, Mu, 'TN');
    // m_K = −2ΛPᵀτ − 2ΛZ_cᵀp + (4/M)⟨Z_c, K⟩u
    const mK = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let a = 0;
      for (let i = 0; i < d; i++) a += P.data[i * d + j]! * tau[i]!;
      mK[j] = -2 * lam[j]! * a - 2 * lam[j]! * Zctp[j]! + (4 / M) * ZcK * u[j]!;
    }
    const Q = Qs;
    const Smat = sq();
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const Tij = -2 * lam[i]! * (T.data[i * d + j]! + Mp.data[i * d + j]!) + (4 / M) * u[i]! * mK[j]!;
        Smat.data[i * d + j] = (i === j ? 1 : 0) + 2 * g * Q.data[i * d + j]! - g * g * Tij;
      }
    }
    try {
      S = lu(Smat, 'Schur complement of I − γhJ');
    } catch (err) {
      if (err instanceof Error && (err.name === 'SingularMatrixError' || err.name === 'NonFiniteError')) {
        S = undefined;
        return false;
      }
      throw err;
    }
    return true;
  };

  const solve = (out: Float64Array, rhs: Float64Array): void => {
    stats.linearSolves++;
    const R = rhs.subarray(0, d2);
    const X = out.subarray(0, d2);
    if (!hasBeta) {
      applyG(X, R);
      return;
    }
    if (S === undefined) throw new Error('gdBetaLinearSolver: solve called before a successful prepare');
    if (!iso) {
      solveGeneral(out, rhs);
      return;
    }
    applyG(Z0.data, R);
    jBetaGamma(rhsx, Z0.data);
    for (let i = 0; i < d; i++) rhsx[i] = rhs[d2 + i]! + g * rhsx[i]!;
    luSolve(xsol, S, rhsx);
    jGammaBeta(Jx.data, xsol);
    applyG(Z1.data, Jx.data);
    for (let k = 0; k < d2; k++) X[k] = Z0.data[k]! + g * Z1.data[k]!;
    for (let i = 0; i < d; i++) out[d2 + i] = xsol[i]!;
  };

  /**
   * The general-Ψ solve with two d³ products instead of four: 𝒢 is linear, so
   * X = 𝒢(R) + g𝒢(J_Γβ x) = ((RU + g(J_Γβ x)U) ⊘ denom)Uᵀ, and everything the Schur step needs of
   * Z₀ = 𝒢(R) = X̂₀Uᵀ (X̂₀ = RU ⊘ denom) comes from X̂₀ in O(d²): Z₀u = X̂₀û, Z₀ᵀp = U(X̂₀ᵀp),
   * ⟨Z₀, K⟩ = ⟨X̂₀, KU⟩; and (J_Γβ x)U = −2(Px̄)ûᵀ − 2p(Uᵀx̄)ᵀ + (4/M)(uᵀx)KU.
   */
  const solveGeneral = (out: Float64Array, rhs: Float64Array): void => {
    const R = rhs.subarray(0, d2);
    const U = Umat.data;
    gemm(Rhat, { rows: d, cols: d, data: R }, Umat);
    const Xh = Xhat.data;
    for (let k = 0; k < d2; k++) Xh[k] = Rhat.data[k]! / denom[k]!;
    // tv = Z₀u = X̂₀û ; wv = X̂₀ᵀp ; zk = ⟨X̂₀, KU⟩
    wv.fill(0);
    let zk = 0;
    for (let i = 0; i < d; i++) {
      const row = i * d;
      const pi = p[i]!;
      let a = 0;
      for (let j = 0; j < d; j++) {
        const x = Xh[row + j]!;
        a += x * uHat[j]!;
        wv[j] += x * pi;
        zk += x * KU.data[row + j]!;
      }
      tv[i] = a;
    }
    // J_βΓZ₀ = −2Λ(Pᵀ(Z₀u) + U·wv) + (4/M)zk·u
    for (let j = 0; j < d; j++) {
      let a = 0;
      for (let i = 0; i < d; i++) a += P.data[i * d + j]! * tv[i]!;
      let b = 0;
      for (let k = 0; k < d; k++) b += U[j * d + k]! * wv[k]!;
      rhsx[j] = rhs[d2 + j]! + g * (-2 * lam[j]! * (a + b) + (4 / M) * zk * u[j]!);
    }
    luSolve(xsol, S as LUFactor, rhsx);
    // (J_Γβ x)U, added to X̂₀ after ⊘ denom
    let ux = 0;
    for (let i = 0; i < d; i++) {
      ux += u[i]! * xsol[i]!;
      xl[i] = lam[i]! * xsol[i]!;
    }
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += U[k * d + j]! * xl[k]!;
      xlHat[j] = s;
    }
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += P.data[i * d + k]! * xl[k]!;
      tv2[i] = -2 * s; // −2(Px̄)_i
    }
    const cK = (4 / M) * ux;
    for (let i = 0; i < d; i++) {
      const row = i * d;
      const a = tv2[i]!;
      const b = -2 * p[i]!;
      for (let j = 0; j < d; j++) Xh[row + j] = Xh[row + j]! + (g * (a * uHat[j]! + b * xlHat[j]! + cK * KU.data[row + j]!)) / denom[row + j]!;
    }
    gemm({ rows: d, cols: d, data: out.subarray(0, d2) }, Xhat, Umat, 'NT');
    for (let i = 0; i < d; i++) out[d2 + i] = xsol[i]!;
  };

  return { prepare, solve, stats };
}

/**
 * The dense Jacobian J = −∇²R(y) of the flow ([n, n] row-major, assembled from analytic
 * Hessian-vector products), as a `DenseJacobian` for `denseJacobianSolver` on small d and for
 * verifying {@link gdBetaLinearSolver}. O(n·d³) per call.
 */
export function gdBetaDenseJacobian(flow: GdBetaFlow): DenseJacobian {
  return (_t, y, outJ) => {
    const Hm = gdBetaDenseHessian(flow, y);
    for (let k = 0; k < outJ.length; k++) outJ[k] = -Hm.data[k]!;
  };
}
