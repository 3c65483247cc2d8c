/**
 * The W of the GD-β Rosenbrock-W path (src/flow/wsolver.ts): `solve` is the exact inverse of the
 * documented block matrix [𝒜, −gC; −gCᵀ, 𝒟 + g²Cᵀ𝒜⁻¹C], built here densely from an independent route
 * (the analytic dense Jacobian of gdbetaFlow.ts rotated into the coordinates of gdbetaExponential.ts);
 * a refresh makes the β₀-block the current 𝒬̃; the coupling estimate bounds ‖J_Γβ‖₂; GD-0's W is ℓ.
 */
import { describe, expect, it } from 'vitest';
import { eigh, lu, luSolve, Rng, type Matrix } from '../../src/linalg/index.js';
import { randomProblem } from '../../src/testing/index.js';
import { gdBetaDenseJacobian, gdBetaExponentialProblem, gdBetaFlow, gdBetaWSolver, type GdBetaExponential, type GdBetaFlow } from '../../src/flow/index.js';

/** Relative residual bound of a dense O(n³) solve at n ≤ 20 with entries O(1)·g. */
const SOLVE_RTOL = 1e-11;

/** J in the coordinates z = [(Γ̃ − Γ̃*)U, Wᵀ(β̃₀ − β̃*)]: T J Tᵀ, T orthogonal. [n, n] row-major. */
function hatJacobian(flow: GdBetaFlow, ex: GdBetaExponential, y: Float64Array): Float64Array {
  const { d, n } = flow;
  const d2 = d * d;
  const J = new Float64Array(n * n);
  gdBetaDenseJacobian(flow)(0, y, J);
  const { U, W } = ex.basis;
  const T = new Float64Array(n * n);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) T[(i * d + j) * n + i * d + k] = U.data[k * d + j]!;
  if (flow.variant === 'gd-beta') for (let k = 0; k < d; k++) for (let i = 0; i < d; i++) T[(d2 + k) * n + d2 + i] = W.data[i * d + k]!;
  const TJ = new Float64Array(n * n);
  const out = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) for (let c = 0; c < n; c++) TJ[a * n + c] += T[a * n + b]! * J[b * n + c]!;
  for (let a = 0; a < n; a++) for (let c = 0; c < n; c++) for (let b = 0; b < n; b++) out[a * n + b] += TJ[a * n + c]! * T[b * n + c]!;
  return out;
}

/** The documented system matrix of gdBetaWSolver at z, g, with 𝒬̂ given ([d, d] in ê coordinates). */
function documentedMatrix(flow: GdBetaFlow, ex: GdBetaExponential, z: Float64Array, g: number, Qhat: Float64Array): Float64Array {
  const { d, n, problem } = flow;
  const d2 = d * d;
  const lam = problem.lambda;
  const { U, W, sigma, Lhat } = ex.basis;
  const eh = z.subarray(d2);
  const e = Array.from({ length: d }, (_, i) => -eh.reduce((s, x, k) => s + W.data[i * d + k]! * x, 0));
  const u = e.map((x, i) => lam[i]! * x);
  const uh = Array.from({ length: d }, (_, j) => u.reduce((s, x, i) => s + U.data[i * d + j]! * x, 0));
  const dc = e.reduce((s, x, i) => s + lam[i]! * x * x, 0) / problem.M;
  const J = hatJacobian(flow, ex, ex.fromHat(z));
  const A: Matrix = { rows: d2, cols: d2, data: new Float64Array(d2 * d2) };
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++)
      for (let k = 0; k < d; k++) {
        const B = (k === j ? sigma[j]! + 2 * dc * Lhat.data[j * d + j]! : 0) + 2 * problem.kappa * uh[k]! * uh[j]!;
        A.data[(i * d + j) * d2 + i * d + k] = (i * d + j === i * d + k ? 1 : 0) + g * lam[i]! * B;
      }
  const F = lu(A, '𝒜');
  const M = new Float64Array(n * n);
  for (let a = 0; a < d2; a++) for (let b = 0; b < d2; b++) M[a * n + b] = A.data[a * d2 + b]!;
  const col = new Float64Array(d2);
  const AiC = new Float64Array(d2);
  for (let k = 0; k < d; k++) {
    for (let a = 0; a < d2; a++) {
      col[a] = J[a * n + d2 + k]!; // C = J_Γβ
      M[a * n + d2 + k] = -g * col[a]!;
      M[(d2 + k) * n + a] = -g * J[(d2 + k) * n + a]!; // Cᵀ = J_βΓ
    }
    luSolve(AiC, F, col);
    for (let l = 0; l < d; l++) {
      let s = 0;
      for (let a = 0; a < d2; a++) s += J[(d2 + l) * n + a]! * AiC[a]!;
      M[(d2 + l) * n + d2 + k] = (l === k ? 1 : 0) + 2 * g * Qhat[l * d + k]! + g * g * s;
    }
  }
  return M;
}

function residual(M: Float64Array, x: Float64Array, r: Float64Array): number {
  const n = x.length;
  let res = 0;
  let scale = 0;
  for (let a = 0; a < n; a++) {
    let s = -r[a]!;
    let sa = Math.abs(r[a]!);
    for (let b = 0; b < n; b++) {
      s += M[a * n + b]! * x[b]!;
      sa += Math.abs(M[a * n + b]! * x[b]!);
    }
    res = Math.max(res, Math.abs(s));
    scale = Math.max(scale, sa);
  }
  return res / scale;
}

const normal = (rng: Rng, n: number): Float64Array => Float64Array.from({ length: n }, () => rng.normal());

describe('gdBetaWSolver', () => {
  const cases = [
    { name: 'Ψ = ψ²I', p: randomProblem(new Rng(3), { d: 3, M: 5, condH: 30, psi: 'isotropic', betaStarNorm: 2, sigma2: 0.1 }) },
    { name: 'general Ψ', p: randomProblem(new Rng(4), { d: 3, M: 7, condH: 100, psi: 'general', condPsi: 10, betaStarNorm: 3, sigma2: 0.2 }) },
  ];

  it.each(cases)('$name: solve inverts the documented block-triangular W exactly (𝒬̂ = Ω before any refresh)', ({ p }) => {
    const flow = gdBetaFlow(p);
    const ex = gdBetaExponentialProblem(flow);
    const rng = new Rng(9);
    const z = ex.toHat(Float64Array.from(flow.yStar, (v) => v + 0.05 * rng.normal()));
    const ws = gdBetaWSolver(flow, ex);
    const g = 0.3;
    ws.prepare(0, z, g, false);
    expect(ws.stats.refreshes).toBe(0); // a small step: the lagged 𝒬̂ = Ω is close enough
    const d = flow.d;
    const Omega = new Float64Array(d * d);
    ex.basis.omega.forEach((w, k) => (Omega[k * d + k] = w));
    const r = normal(rng, flow.n);
    const x = new Float64Array(flow.n);
    ws.solve(x, r);
    expect(residual(documentedMatrix(flow, ex, z, g, Omega), x, r)).toBeLessThan(SOLVE_RTOL);
    // … and it is not the exact system (the β₀-block is lagged and carries g²Cᵀ𝒜⁻¹C)
    const J = hatJacobian(flow, ex, ex.fromHat(z));
    const exact = Float64Array.from(J, (v, k) => (k % (flow.n + 1) === 0 ? 1 : 0) - g * v);
    expect(residual(exact, x, r)).toBeGreaterThan(1e-6);
  });

  it('Ψ = ψ²I: the Γ-rows of the exact system (I − gJ)x = r hold (W_ΓΓ and the coupling are exact there)', () => {
    const { p } = cases[0]!;
    const flow = gdBetaFlow(p);
    const ex = gdBetaExponentialProblem(flow);
    const rng = new Rng(11);
    const z = ex.toHat(Float64Array.from(flow.yStar, (v) => v + 0.1 * rng.normal()));
    const ws = gdBetaWSolver(flow, ex);
    const g = 2;
    ws.prepare(0, z, g, false);
    const r = normal(rng, flow.n);
    const x = new Float64Array(flow.n);
    ws.solve(x, r);
    const J = hatJacobian(flow, ex, ex.fromHat(z));
    const n = flow.n;
    const d2 = flow.d * flow.d;
    for (let a = 0; a < d2; a++) {
      let s = x[a]! - r[a]!;
      let sa = Math.abs(x[a]!) + Math.abs(r[a]!);
      for (let b = 0; b < n; b++) {
        s -= g * J[a * n + b]! * x[b]!;
        sa += Math.abs(g * J[a * n + b]! * x[b]!);
      }
      expect(Math.abs(s)).toBeLessThan(SOLVE_RTOL * sa);
    }
  });

  it('a large mismatch refreshes 𝒬̂ to the current Wᵀ𝒬̃(Γ̃)W (then the documented matrix has that 𝒬̂)', () => {
    const { p } = cases[1]!;
    const flow = gdBetaFlow(p);
    const ex = gdBetaExponentialProblem(flow);
    const z = ex.toHat(new Float64Array(flow.n)); // Γ = 0, β₀ = 0: far from Γ̃*
    const ws = gdBetaWSolver(flow, ex);
    const g = 50;
    ws.prepare(0, z, g, false);
    expect(ws.stats.refreshes).toBe(1);
    // 𝒬̃ in ê coordinates from the exact Jacobian: J_ββ = −2Wᵀ𝒬̃W
    const J = hatJacobian(flow, ex, ex.fromHat(z));
    const { d, n } = flow;
    const d2 = d * d;
    const Q = new Float64Array(d * d);
    for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) Q[k * d + l] = -0.5 * J[(d2 + k) * n + d2 + l]!;
    const rng = new Rng(2);
    const r = normal(rng, n);
    const x = new Float64Array(n);
    ws.solve(x, r);
    expect(residual(documentedMatrix(flow, ex, z, g, Q), x, r)).toBeLessThan(SOLVE_RTOL);
    // the refreshed 𝒬̂ is a valid SPD matrix (3.11): its eigenvalues are ≥ 2λ_min(H)/(M + 2)
    const ev = eigh({ rows: d, cols: d, data: Q }, '𝒬̃').values;
    expect(ev[0]!).toBeGreaterThanOrEqual((2 * p.lambda[0]!) / (p.M + 2) * (1 - 1e-12));
  });

  it.each(cases)('$name: couplingNorm() bounds ‖J_Γβ‖₂ from above and vanishes at ẽ = 0', ({ p }) => {
    const flow = gdBetaFlow(p);
    const ex = gdBetaExponentialProblem(flow);
    const rng = new Rng(5);
    const y = Float64Array.from(flow.yStar, (v) => v + 0.3 * rng.normal());
    const z = ex.toHat(y);
    const ws = gdBetaWSolver(flow, ex);
    ws.prepare(0, z, 1, false);
    const J = hatJacobian(flow, ex, y);
    const { d, n } = flow;
    const d2 = d * d;
    const CtC = new Float64Array(d * d); // ‖C‖₂² = λ_max(CᵀC)
    for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) for (let a = 0; a < d2; a++) CtC[k * d + l] += J[a * n + d2 + k]! * J[a * n + d2 + l]!;
    const norm2 = Math.sqrt(eigh({ rows: d, cols: d, data: CtC }, 'CᵀC').values[d - 1]!);
    expect(norm2).toBeGreaterThan(0);
    expect(ws.couplingNorm()).toBeGreaterThanOrEqual(norm2);
    z.fill(0, d2); // ẽ = 0
    ws.prepare(0, z, 1, false);
    expect(ws.couplingNorm()).toBe(0);
  });

  it('GD-0: W is the linear part ℓ exactly, so solve divides by 1 − gℓ', () => {
    const flow = gdBetaFlow(cases[1]!.p, 'gd-0');
    const ex = gdBetaExponentialProblem(flow);
    const ws = gdBetaWSolver(flow, ex);
    const g = 0.7;
    const z = normal(new Rng(1), flow.n);
    ws.prepare(0, z, g, false);
    const r = normal(new Rng(2), flow.n);
    const x = new Float64Array(flow.n);
    ws.solve(x, r);
    const ell = ex.problem.ell;
    for (let k = 0; k < flow.n; k++) expect(Math.abs(x[k]! - r[k]! / (1 - g * ell[k]!))).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(x[k]!));
  });
});
