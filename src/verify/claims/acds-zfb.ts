/**
 * The claims of Ahn, Cheng, Daneshmand & Sra (ACDS) and Zhang, Frei & Bartlett (ZFB) on isotropic
 * tasks without noise (docs/math.md §3.5, §4.3, §5): ACDS — the optimal one-step GD and LSA are
 * preconditioned GD with Γ* = (κH + (tr H/M)I)⁻¹; ZFB — the unmasked LSA flow from the balanced start
 * conserves u² − ‖U‖²_F, decreases the loss and converges to U ∝ Γ⁻¹.
 */
import { identity, solveMatrix, solveSPDMatrix, toRows, type Matrix } from '../../linalg/index.js';
import { effectiveGdBeta, makeProblem, type Lsa, type Problem } from '../../models/index.js';
import { optimumGd0, riskAttention } from '../../risk/index.js';
import { runFlow, zfbBalancedStart, zfbFlow } from '../../flow/index.js';
import { solve, tsit5 } from '../../flow/ode/index.js';
import { matRelErr, type ClaimContext, type ClaimResult } from './context.js';

/** Overrides of {@link checkAcds}: the claimed Γ*. */
export interface AcdsOverrides {
  Gamma?: Matrix;
}

/**
 * ACDS — Ψ = I, σ = 0, β* = 0 (H, M from the problem): the optimal one-step GD and the optimal LSA
 * are preconditioned GD with Γ* = ((1 + 1/M)H + (tr H/M)I)⁻¹. Checks the closed-form GD-0 optimum
 * against it (relative 1e-10), R*_LSA = R*_GD0 (relative 1e-8) and the effective Γ = p_yQ_xᵀ of the
 * numerical LSA optimum (relative 1e-6).
 */
export function checkAcds(problem: Problem, label: string, ctx: ClaimContext, o: AcdsOverrides = {}): ClaimResult {
  const { d, M } = problem;
  const p = makeProblem({ d, M, H: toRows(problem.H), Psi: 1, betaStar: 0, sigma2: 0 });
  let claimed = o.Gamma;
  if (!claimed) {
    const B: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
    for (let k = 0; k < d * d; k++) B.data[k] = p.kappa * p.H.data[k]!;
    for (let i = 0; i < d; i++) B.data[i * d + i] += p.trH / M;
    claimed = solveSPDMatrix(B, identity(d));
  }
  const gd0 = optimumGd0(p);
  const gammaErr = matRelErr(gd0.estimator.Gamma.data, claimed.data);
  const lsa = ctx.optimum(p, 'lsa');
  const lsaRelGap = (lsa.risk - gd0.risk) / gd0.risk;
  const eff = effectiveGdBeta(lsa.estimator, { rtol: 1e-6 });
  const lsaGammaErr = eff.estimator ? matRelErr(eff.estimator.Gamma.data, claimed.data) : Number.POSITIVE_INFINITY;
  return {
    id: 'ACDS', title: 'Ψ = I, σ = 0: optimal LSA = preconditioned GD, Γ* = ((1+1/M)H + trH/M·I)⁻¹', problem: `${label} [Ψ=I, σ=0, β*=0]`,
    measured: { gammaErr, riskGd0: gd0.risk, riskLsa: lsa.risk, lsaRelGap, lsaGammaErr },
    tolerance: { gammaErr: 1e-10, lsaRelGap: 1e-8, lsaGammaErr: 1e-6 },
    criterion: 'closed-form Γ₀* = claimed (1e-10); |R*_LSA − R*_GD0| ≤ 1e-8·R*_GD0; LSA optimum effective Γ = claimed (1e-6)',
    pass: gammaErr <= 1e-10 && Math.abs(lsaRelGap) <= 1e-8 && lsaGammaErr <= 1e-6,
  };
}

/** Overrides of {@link checkZfb}. */
export interface ZfbOverrides {
  /** s of the balanced start. @defaultValue 0.1 */
  scale?: number;
  /** The claimed limit preconditioner Γ (default (1 + 1/M)H + (tr H/M)I). */
  Gamma?: Matrix;
}

/**
 * ZFB — unmasked LSA, β* = 0, Ψ = I, σ = 0 (H, M from the problem). Two flows: src/flow's ZFB flow on
 * (u, U) (runFlow, model 'zfb': conservation residual ≤ 1e-8 relative, monotone loss, distance to
 * the predicted limit ≤ 1e-5 relative), and — checking the premise of that reduction — the flow on
 * the full raw weights
 * (W^{KQ}, W^{PV}) from ZFB's balanced start W^{PV}(0) = s·e_{d+1}e_{d+1}ᵀ,
 * W^{KQ}(0) = s·[[ΘΘᵀ, 0], [0, 0]], ‖ΘΘᵀ‖_F = 1 (Θ seeded): (i) u² − ‖U‖²_F stays at its initial
 * value 0 (max drift ≤ 1e-7·‖U‖²); (ii) the loss is non-increasing along accepted steps (up to
 * 1e-12 relative); (iii) the limit is U = tr(Γ⁻²)^{−1/4}Γ⁻¹, u = tr(Γ⁻²)^{1/4} (relative 1e-5) with
 * Γ = (1 + 1/M)H + (tr H/M)I; the blocks outside U and u stay ≤ 1e-7.
 */
export function checkZfb(problem: Problem, label: string, ctx: ClaimContext, o: ZfbOverrides = {}): ClaimResult {
  const d = problem.d;
  const n = d + 1;
  const { M } = problem;
  const p = makeProblem({ d, M, H: Array.from({ length: d }, (_, i) => Array.from(problem.H.data.subarray(i * d, (i + 1) * d))), Psi: 1, betaStar: 0, sigma2: 0, masked: false });
  const s = o.scale ?? 0.1;
  // Θ: seeded, ΘΘᵀ normalised to unit Frobenius norm.
  let seed = ctx.seed * 7919 + 13;
  const rand = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  const start = zfbBalancedStart({ rows: d, cols: d, data: Float64Array.from({ length: d * d }, rand) }, s);
  const y0 = new Float64Array(2 * n * n); // [W^{KQ}, W^{PV}] row-major
  y0.set(start.WKQ.data, 0);
  y0.set(start.WPV.data, n * n);
  const asLsa = (y: Float64Array): Lsa => ({
    kind: 'lsa', WKQ: { rows: n, cols: n, data: y.subarray(0, n * n) }, WPV: { rows: n, cols: n, data: y.subarray(n * n) },
  });
  const field = (_t: number, y: Float64Array, out: Float64Array): void => {
    const r = riskAttention(p, asLsa(y));
    for (let k = 0; k < n * n; k++) {
      out[k] = -r.gradWKQ.data[k]!;
      out[n * n + k] = -r.gradWPV.data[k]!;
    }
  };
  const invariant = (y: Float64Array): number => {
    let U2 = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) U2 += y[i * n + j]! ** 2;
    return y[n * n + d * n + d]! ** 2 - U2;
  };
  // Claimed limit.
  let Gam = o.Gamma;
  if (!Gam) {
    Gam = { rows: d, cols: d, data: new Float64Array(d * d) };
    for (let k = 0; k < d * d; k++) Gam.data[k] = p.kappa * p.H.data[k]!;
    for (let i = 0; i < d; i++) Gam.data[i * d + i] += p.trH / M;
  }
  const Gi = solveMatrix(Gam, identity(d)).data;
  let trGi2 = 0;
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) trGi2 += Gi[i * d + k]! * Gi[k * d + i]!;
  const uStar = trGi2 ** 0.25;
  const Ustar = Gi.map((v) => v / uStar);

  let maxDrift = 0;
  let maxRise = 0;
  let prevLoss = riskAttention(p, asLsa(y0), false).risk;
  const loss0 = prevLoss;
  const sol = solve(field, y0, [0, 2000], tsit5, {
    rtol: 1e-9, atol: 1e-12, maxSteps: 200_000, steadyState: { tol: 1e-7, norm: 'inf' },
    callback: ({ y }) => {
      maxDrift = Math.max(maxDrift, Math.abs(invariant(y) - 0));
      const L = riskAttention(p, asLsa(y), false).risk;
      maxRise = Math.max(maxRise, (L - prevLoss) / loss0);
      prevLoss = L;
    },
  });
  const y = sol.y;
  let num = 0;
  let den = 0;
  let off = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const kq = y[i * n + j]!;
      const pv = y[n * n + i * n + j]!;
      if (i < d && j < d) {
        num += (kq - Ustar[i * d + j]!) ** 2;
        den += Ustar[i * d + j]! ** 2;
      } else {
        off = Math.max(off, Math.abs(kq));
      }
      if (!(i === d && j === d)) off = Math.max(off, Math.abs(pv));
    }
  }
  const UErr = Math.sqrt(num / den);
  // src/flow's ZFB flow on (u, U) (its own Θ stream): conservation, monotonicity, predicted limit.
  const zr = runFlow(p, { model: 'zfb', seed: ctx.seed, initScale: s, convergedGap: 1e-14 });
  const zv = zr.verdict.kind === 'zfb' ? zr.verdict : null;
  let limNorm = 0;
  for (const v of zfbFlow(p).predictedLimit) limNorm += v * v;
  const flowDistance = zv ? zv.distanceToPredicted / Math.sqrt(limNorm) : Number.NaN;
  const flowConservation = zv ? zv.relativeConservationResidual : Number.NaN;
  const flowMonotone = zv?.monotone === true;
  const uErr = Math.abs(y[n * n + d * n + d]! - uStar) / uStar;
  let U2 = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) U2 += y[i * n + j]! ** 2;
  const driftRel = maxDrift / U2;
  return {
    id: 'ZFB', title: 'ZFB flow: conservation law, monotone loss, limit U ∝ Γ⁻¹', problem: `${label} [unmasked, Ψ=I, σ=0, β*=0]`,
    measured: {
      t: sol.t, steps: sol.stats.accepted, finalLoss: prevLoss, driftRel, maxRise, UErr, uErr, offBlock: off,
      flowConservation, flowMonotone: flowMonotone ? 1 : 0, flowDistance,
    },
    tolerance: { driftRel: 1e-7, maxRise: 1e-12, limitRel: 1e-5, offBlock: 1e-7, flowConservation: 1e-8, flowDistance: 1e-5 },
    criterion: 'raw-weight flow: |u² − ‖U‖²_F| ≤ 1e-7·‖U‖², loss non-increasing (1e-12), U, u within 1e-5 of the claimed limit, other blocks ≤ 1e-7; src/flow (u, U) flow: conservation 1e-8, monotone, limit within 1e-5',
    pass: (sol.status === 'success' || sol.status === 'steadyState') && driftRel <= 1e-7 && maxRise <= 1e-12 && UErr <= 1e-5 && uErr <= 1e-5 && off <= 1e-7 &&
      flowConservation <= 1e-8 && flowMonotone && flowDistance <= 1e-5,
    note: `raw-weight flow stopped at t = ${sol.t.toPrecision(4)} (${sol.status}); src/flow's ZFB flow: ${zr.status} at t = ${zr.t.toPrecision(4)}`,
  };
}
