/**
 * The Γ-block of I − gJ for the GD flows when B′ is diagonal plus rank one (Ψ = ψ²I in H's
 * eigenbasis, or any Ψ in the W-path's fixed eigenbasis): row i of X = 𝒢(R) solves
 * x_i(I + gλ_i(diag(D) + 2κuuᵀ)) = r_i. With Δ_i = 1 + gλ_iD (elementwise) and α_i = 2κgλ_i,
 * Sherman–Morrison gives x_i = r_i ⊘ Δ_i − coef_i·(r_i·h_i)·h_i, h_i = u ⊘ Δ_i,
 * coef_i = α_i/(1 + α_i uᵀΔ_i⁻¹u): O(d²) per factorization and per solve, no eigendecomposition.
 * Shared by the exact structured solver (`stiff.ts`) and the Rosenbrock-W solver (`wsolver.ts`,
 * whose fused passes read the factors directly).
 */

/** The factors of {@link factorDiagRankOneRows}, written in place. */
export interface DiagRankOneRows {
  /** [d, d] 1/Δ_ij. */
  readonly invDelta: Float64Array;
  /** [d, d] row i: h_i = u ⊘ Δ_i. */
  readonly Hrow: Float64Array;
  /** [d] coef_i = α_i/(1 + α_i uᵀΔ_i⁻¹u). */
  readonly coef: Float64Array;
}

/** Buffers for the factors of a d×d Γ-block. */
export function allocDiagRankOneRows(d: number): DiagRankOneRows {
  return { invDelta: new Float64Array(d * d), Hrow: new Float64Array(d * d), coef: new Float64Array(d) };
}

/**
 * Factors the rows of I + gλ_i(diag(D) + 2κuuᵀ) into `f`: `lam` [d] the eigenvalues λ of H, `D` [d],
 * `u` [d]. Allocates nothing.
 */
export function factorDiagRankOneRows(f: DiagRankOneRows, lam: Float64Array, g: number, kappa: number, D: Float64Array, u: Float64Array): void {
  const d = lam.length;
  const { invDelta, Hrow, coef } = f;
  for (let i = 0; i < d; i++) {
    const gl = g * lam[i]!;
    const alpha = 2 * kappa * gl;
    const row = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const inv = 1 / (1 + gl * D[j]!);
      invDelta[row + j] = inv;
      Hrow[row + j] = u[j]! * inv;
      s += u[j]! * u[j]! * inv;
    }
    coef[i] = alpha / (1 + alpha * s);
  }
}

/** out = 𝒢(R) row by row with the factors `f`; R and out [d, d] (they may alias). */
export function solveDiagRankOneRows(f: DiagRankOneRows, out: Float64Array, R: Float64Array): void {
  const { invDelta, Hrow, coef } = f;
  const d = coef.length;
  for (let i = 0; i < d; i++) {
    const row = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += R[row + j]! * Hrow[row + j]!;
    const c = coef[i]! * s;
    for (let j = 0; j < d; j++) out[row + j] = R[row + j]! * invDelta[row + j]! - c * Hrow[row + j]!;
  }
}
