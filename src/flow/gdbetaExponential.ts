/**
 * The GD-β / GD-0 flow in the eigenbasis of its Hessian at the optimum, as a semilinear problem
 * z′ = ℓ ⊙ z + N(z) for the exponential integrators of `ode/exponential.ts` (math.md §4):
 * `solve(p.nonlinear, toHat(y0), span, exponential(etd4, p), options)` with `p` = `.problem`.
 *
 * Coordinates (deviation from the optimum, rotated so that −∇²R* is diagonal):
 *   Ẑ = (Γ̃ − Γ̃*)U  [d, d],  ê = Wᵀ(β̃₀ − β̃*)  [d],   z = [Ẑ, ê]  (GD-0: z = Ẑ),
 * where B'₀ = UΣUᵀ and 𝒬̃* = WΩWᵀ (see {@link OptimumHessian}). Then ℓ_{ij} = −λ_iσ_j on the Γ-block
 * and ℓ_k = −2ω_k on the β₀-block, and with Y = Γ̃U, ẽ = −Wê, u = Λẽ, û = Uᵀu, δc = ẽᵀΛẽ/M,
 * 𝕃 = UᵀΛU:
 *
 *   N_Γ = 2(u − κΛYû)ûᵀ − 2δc·Λ(Y𝕃),       N_β = 2Wᵀ(𝒬̃(Γ̃) − 𝒬̃*)ẽ,
 *
 * i.e. exactly f − ℓ ⊙ z with the constant 2C̃₀U − ΛΓ̃*UΣ = (−∇_Γ R(Γ*, β*))U dropped: it is zero up
 * to round-off, and dropping it makes the computed optimum an exact fixed point (z = 0). N is O(|ẽ|²)
 * + O(|ẽ|·|Γ̃ − Γ̃*|): the coupling and the state dependence of B' and 𝒬̃ vanish at the optimum, so
 * the exponential step is exact for the linearised tail. For GD-0 the flow is linear (ẽ = β̃* is
 * fixed) and N ≡ 0: one exponential step is the exact solution.
 *
 * Cost per N: one d×d×d product (Y𝕃) for a general Ψ, O(d²) when Ψ = ψ²I (U = I, 𝕃 = Λ) — the same as
 * the plain vector field — and no rotation per step: transforms happen only at the start and end.
 */
import { gemm, type Matrix } from '../linalg/index.js';
import type { GdBetaFlow } from './gdbetaFlow.js';
import type { SemilinearProblem, VectorField } from './ode/index.js';

/** The exponential-integrator form of a GD flow, with the coordinate maps. */
export interface GdBetaExponential {
  /** ℓ, N and the error-scale reference (the full state Y = Γ̃U, Wᵀβ̃₀ in these coordinates). */
  readonly problem: SemilinearProblem;
  /** z of a flow state y (O(d³) unless U = I). */
  toHat(y: Float64Array): Float64Array;
  /** The flow state y of z (O(d³) unless U = I). */
  fromHat(z: Float64Array): Float64Array;
  /** R − R* at z, cancellation-free: ½Σλ_iσ_jẐ_ij² + ẽᵀ𝒬̃(Γ̃)ẽ. */
  gap(z: Float64Array): number;
  /**
   * The same, reusing ẽ and 𝒬̃ẽ from the last evaluation of N when it was at this very buffer
   * (what `solve`'s `saveAt.fn` sees with an exponential method: N is evaluated at each accepted
   * state, into the buffer then passed to `fn`, just before);
   * falls back to {@link GdBetaExponential.gap} otherwise. One O(d²) pass instead of an N-sized one.
   */
  gapAfterNonlinear(z: Float64Array): number;
  /** ‖(Γ, β₀) − (Γ*, β*)‖ = ‖z‖ (U, W orthogonal). */
  distance(z: Float64Array): number;
  /** The whole flow in these coordinates, f(z) = ℓ ⊙ z + N(z) (for the Rosenbrock-W path, `wsolver.ts`). */
  readonly field: VectorField;
  /** The fixed bases and products the coordinates are built from (read-only; for `wsolver.ts`). */
  readonly basis: GdBetaHatBasis;
}

/** The data behind the coordinates z = [(Γ̃ − Γ̃*)U, Wᵀ(β̃₀ − β̃*)] of {@link gdBetaExponentialProblem}. */
export interface GdBetaHatBasis {
  /** [d, d] eigenvectors of B'₀ (columns); I when `diagonalB`. */
  readonly U: Matrix;
  /** [d] eigenvalues σ_j of B'₀. */
  readonly sigma: Float64Array;
  /** True when U = I exactly (Ψ = ψ²I). */
  readonly diagonalB: boolean;
  /** [d, d] eigenvectors of 𝒬̃* (columns); I when `diagonalQ`. */
  readonly W: Matrix;
  /** [d] eigenvalues ω_k of 𝒬̃*. */
  readonly omega: Float64Array;
  /** True when W = I exactly. */
  readonly diagonalQ: boolean;
  /** [d, d] Γ̃*U. */
  readonly GammaStarU: Float64Array;
  /** [d, d] 𝕃 = UᵀΛU. */
  readonly Lhat: Matrix;
}

/**
 * Builds the semilinear form of a GD-β/GD-0 flow (see the module comment). O(d³) set-up: the
 * Hessian eigendecompositions (cached on the flow), Γ̃*U and UᵀΛU.
 */
export function gdBetaExponentialProblem(flow: GdBetaFlow): GdBetaExponential {
  const { d, n, problem, variant, yStar } = flow;
  const d2 = d * d;
  const hs = flow.hessian();
  const { sigma, U, diagonalB, omega, W, diagonalQ, Qstar } = hs;
  const lam = problem.lambda;
  const M = problem.M;
  const kappa = problem.kappa;
  const hasBeta = variant === 'gd-beta';

  const ell = new Float64Array(n);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) ell[i * d + j] = -lam[i]! * sigma[j]!;
  if (hasBeta) for (let k = 0; k < d; k++) ell[d2 + k] = -2 * omega[k]!;

  const sq = (): Matrix => ({ rows: d, cols: d, data: new Float64Array(d2) });
  const GsM: Matrix = { rows: d, cols: d, data: yStar.subarray(0, d2) };
  const GsU = diagonalB ? Float64Array.from(GsM.data) : gemm(sq(), GsM, U).data; // Γ̃*U
  const Lhat = sq(); // 𝕃 = UᵀΛU
  if (diagonalB) for (let j = 0; j < d; j++) Lhat.data[j * d + j] = lam[j]!;
  else {
    const LU = sq();
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) LU.data[i * d + j] = lam[i]! * U.data[i * d + j]!;
    gemm(Lhat, U, LU, 'TN');
  }
  const bStar = problem.betaStarEig;
  const scaleRef = new Float64Array(n);
  scaleRef.set(GsU, 0);
  if (hasBeta) {
    // Wᵀβ̃*
    for (let k = 0; k < d; k++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += W.data[i * d + k]! * bStar[i]!;
      scaleRef[d2 + k] = s;
    }
  }

  // ---- workspace of N ----
  const Y = sq();
  const YL = sq();
  const e = new Float64Array(d);
  const u = new Float64Array(d);
  const uh = new Float64Array(d);
  const Yu = new Float64Array(d);
  const tmp = new Float64Array(d);
  const tmp2 = new Float64Array(d);
  const Gtu = new Float64Array(d);
  const GtLGu = new Float64Array(d);
  const Qe = new Float64Array(d);
  const views = new WeakMap<Float64Array, readonly [Float64Array, Float64Array]>();
  const split = (z: Float64Array): readonly [Float64Array, Float64Array] => {
    let v = views.get(z);
    if (v === undefined) {
      v = [z.subarray(0, d2), z.subarray(d2)] as const;
      views.set(z, v);
    }
    return v;
  };
  /** out = U·x (or x when U = I). */
  const Ux = (out: Float64Array, x: Float64Array): void => {
    if (diagonalB) {
      out.set(x);
      return;
    }
    for (let i = 0; i < d; i++) {
      let s = 0;
      const row = i * d;
      for (let k = 0; k < d; k++) s += U.data[row + k]! * x[k]!;
      out[i] = s;
    }
  };
  /** out = Yᵀx. */
  const Ytx = (out: Float64Array, x: Float64Array): void => {
    out.fill(0);
    for (let i = 0; i < d; i++) {
      const xi = x[i]!;
      const row = i * d;
      for (let j = 0; j < d; j++) out[j] += Y.data[row + j]! * xi;
    }
  };

  /**
   * Fills Y = Γ̃U, ẽ, u = Λẽ, û, Yû, Y𝕃 (when needed), 𝒬̃(Γ̃)ẽ; returns δc = ẽᵀΛẽ/M.
   * GD-0: ẽ = β̃* is fixed and only Y is needed.
   */
  const prepare = (z: Float64Array, needYL: boolean): number => {
    const [Zh, eh] = split(z);
    for (let k = 0; k < d2; k++) Y.data[k] = GsU[k]! + Zh[k]!;
    if (!hasBeta) return 0;
    // ẽ = β̃* − β̃₀ = −Wê
    if (diagonalQ) for (let i = 0; i < d; i++) e[i] = -eh[i]!;
    else {
      for (let i = 0; i < d; i++) {
        let s = 0;
        const row = i * d;
        for (let k = 0; k < d; k++) s += W.data[row + k]! * eh[k]!;
        e[i] = -s;
      }
    }
    let eLe = 0;
    for (let i = 0; i < d; i++) {
      u[i] = lam[i]! * e[i]!;
      eLe += u[i]! * e[i]!;
    }
    // û = Uᵀu
    if (diagonalB) uh.set(u);
    else {
      uh.fill(0);
      for (let i = 0; i < d; i++) {
        const ui = u[i]!;
        const row = i * d;
        for (let j = 0; j < d; j++) uh[j] += U.data[row + j]! * ui;
      }
    }
    // Yû = Γ̃u
    for (let i = 0; i < d; i++) {
      let s = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) s += Y.data[row + j]! * uh[j]!;
      Yu[i] = s;
    }
    if (needYL) {
      if (diagonalB) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) YL.data[i * d + j] = Y.data[i * d + j]! * lam[j]!;
      else gemm(YL, Y, Lhat);
    }
    // t₃ = tr(Γ̃ᵀΛΓ̃Λ) = Σ_i λ_i ⟨(Y𝕃)_i, Y_i⟩
    let t3 = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) s += YL.data[row + j]! * Y.data[row + j]!;
      t3 += lam[i]! * s;
    }
    // Γ̃ᵀu = U(Yᵀu);  Γ̃ᵀΛΓ̃u = U(YᵀΛYû)
    Ytx(tmp, u);
    Ux(Gtu, tmp);
    for (let i = 0; i < d; i++) tmp2[i] = lam[i]! * Yu[i]!;
    Ytx(tmp, tmp2);
    Ux(GtLGu, tmp);
    // 𝒬̃ẽ = u − ΛΓ̃u − ΛΓ̃ᵀu + κΛΓ̃ᵀΛΓ̃u + (t₃/M)u
    for (let i = 0; i < d; i++) {
      Qe[i] = u[i]! * (1 + t3 / M) + lam[i]! * (-Yu[i]! - Gtu[i]! + kappa * GtLGu[i]!);
    }
    return eLe / M;
  };

  let lastZ: Float64Array | null = null;
  const nonlinear = hasBeta
    ? (_t: number, z: Float64Array, out: Float64Array): void => {
        const dc = prepare(z, true);
        lastZ = z;
        const [NG, Nb] = split(out);
        for (let i = 0; i < d; i++) {
          const a = 2 * (u[i]! - kappa * lam[i]! * Yu[i]!);
          const b = 2 * dc * lam[i]!;
          const row = i * d;
          for (let j = 0; j < d; j++) NG[row + j] = a * uh[j]! - b * YL.data[row + j]!;
        }
        // N_β = 2Wᵀ(𝒬̃ẽ − 𝒬̃*ẽ)
        for (let i = 0; i < d; i++) {
          let s = 0;
          const row = i * d;
          if (diagonalQ) s = Qstar.data[row + i]! * e[i]!;
          else for (let k = 0; k < d; k++) s += Qstar.data[row + k]! * e[k]!;
          tmp[i] = 2 * (Qe[i]! - s);
        }
        if (diagonalQ) Nb.set(tmp);
        else {
          Nb.fill(0);
          for (let i = 0; i < d; i++) {
            const ti = tmp[i]!;
            const row = i * d;
            for (let k = 0; k < d; k++) Nb[k] += W.data[row + k]! * ti;
          }
        }
      }
    : (_t: number, _z: Float64Array, out: Float64Array): void => {
        out.fill(0);
      };

  const gap = (z: Float64Array): number => {
    const Zh = split(z)[0];
    let q = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += sigma[j]! * Zh[i * d + j]! ** 2;
      q += lam[i]! * s;
    }
    let g = 0.5 * q;
    if (hasBeta) {
      prepare(z, true);
      lastZ = null;
      let s = 0;
      for (let i = 0; i < d; i++) s += e[i]! * Qe[i]!;
      g += s;
    }
    return g;
  };

  const gapAfterNonlinear = (z: Float64Array): number => {
    if (!hasBeta || z !== lastZ) return gap(z);
    const Zh = split(z)[0];
    let q = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += sigma[j]! * Zh[i * d + j]! ** 2;
      q += lam[i]! * s;
    }
    let s = 0;
    for (let i = 0; i < d; i++) s += e[i]! * Qe[i]!;
    return 0.5 * q + s;
  };

  const distance = (z: Float64Array): number => {
    let s = 0;
    for (let k = 0; k < n; k++) s += z[k]! ** 2;
    return Math.sqrt(s);
  };

  const toHat = (y: Float64Array): Float64Array => {
    const z = new Float64Array(n);
    const X = sq();
    for (let k = 0; k < d2; k++) X.data[k] = y[k]! - yStar[k]!;
    if (diagonalB) z.set(X.data, 0);
    else z.set(gemm(sq(), X, U).data, 0);
    if (hasBeta) {
      for (let k = 0; k < d; k++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += W.data[i * d + k]! * (y[d2 + i]! - yStar[d2 + i]!);
        z[d2 + k] = s;
      }
    }
    return z;
  };

  const fromHat = (z: Float64Array): Float64Array => {
    const y = Float64Array.from(yStar);
    const Zh: Matrix = { rows: d, cols: d, data: Float64Array.from(z.subarray(0, d2)) };
    const X = diagonalB ? Zh : gemm(sq(), Zh, U, 'NT');
    for (let k = 0; k < d2; k++) y[k] += X.data[k]!;
    if (hasBeta) {
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += W.data[i * d + k]! * z[d2 + k]!;
        y[d2 + i] += s;
      }
    }
    return y;
  };

  const field: VectorField = (t, z, out) => {
    nonlinear(t, z, out);
    for (let k = 0; k < n; k++) out[k] = out[k]! + ell[k]! * z[k]!;
  };

  const basis: GdBetaHatBasis = { U, sigma, diagonalB, W, omega, diagonalQ, GammaStarU: GsU, Lhat };
  return { problem: { ell, nonlinear, scaleRef }, toHat, fromHat, gap, gapAfterNonlinear, distance, field, basis };
}
