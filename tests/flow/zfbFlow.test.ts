/**
 * ZFB's LSA flow (src/flow/zfbFlow.ts, math.md §4): the claims are checked, not assumed —
 * conservation of u² − ‖U‖²_F, monotone loss, the limit U = tr(Γ⁻²)^{−1/4}Γ⁻¹, u = tr(Γ⁻²)^{1/4}
 * (computed here independently in the original basis with a dense inverse), and agreement of the
 * restricted (u, U) flow with the flow of *all* raw LSA weights through src/risk.
 */
import { describe, expect, it } from 'vitest';
import { gemm, randomOrthogonal, Rng, solveMatrix, spdFromSpectrum, identity, type Matrix } from '../../src/linalg/index.js';
import { makeProblem, type Problem } from '../../src/models/index.js';
import { optimumGd0 } from '../../src/risk/index.js';
import { attentionFlow, checkZfbProblem, runFlow, zfbFlow } from '../../src/flow/index.js';
import { dop853, solve } from '../../src/flow/ode/index.js';
import { relDiffArray, toRows } from '../helpers/problems.js';

/** The task's bound on the conservation residual. */
const CONSERVATION_TOL = 1e-9;

function zfbProblem(seed: number, d: number, M: number): Problem {
  const rng = new Rng(seed);
  const lam = Array.from({ length: d }, () => 0.1 + rng.uniform());
  return makeProblem({ d, M, H: toRows(spdFromSpectrum(randomOrthogonal(rng, d), lam)), Psi: 1, betaStar: 0, sigma2: 0, masked: false });
}

/** ZFB's predicted limit in the original basis: Γ_Z = (1 + 1/M)H + (tr H/M)I (dense inverse). */
function predicted(p: Problem): { U: Matrix; u: number } {
  const d = p.d;
  const G: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) G.data[i * d + j] = (1 + 1 / p.M) * p.H.data[i * d + j]! + (i === j ? p.trH / p.M : 0);
  const Ginv = solveMatrix(G, identity(d));
  const G2 = gemm({ rows: d, cols: d, data: new Float64Array(d * d) }, Ginv, Ginv);
  let tr = 0;
  for (let i = 0; i < d; i++) tr += G2.data[i * d + i]!;
  return { U: { rows: d, cols: d, data: Ginv.data.map((x) => x * tr ** -0.25) }, u: tr ** 0.25 };
}

describe("ZFB's flow from the balanced start", () => {
  it.each([
    { seed: 1, d: 3, M: 10, s: 0.1 },
    { seed: 2, d: 5, M: 4, s: 0.3 },
  ])('seed $seed d=$d M=$M s=$s: conservation ≤ 1e-9, monotone loss, the predicted limit', ({ seed, d, M, s }) => {
    const p = zfbProblem(seed, d, M);
    const run = runFlow(p, { model: 'zfb', initScale: s, seed, rtol: 1e-12, atol: 1e-14, convergedGap: 1e-24 });
    expect(run.status).toBe('converged');
    const v = run.verdict;
    if (v.kind !== 'zfb') throw new Error('ZFB verdict expected');
    expect(v.conservationResidual).toBeLessThanOrEqual(CONSERVATION_TOL);
    expect(v.monotone).toBe(true);
    // the limit, against an independent dense computation in the original basis
    const want = predicted(p);
    const est = run.estimator;
    if (est.kind !== 'lsa') throw new Error('LSA expected');
    const m = d + 1;
    const U = Float64Array.from({ length: d * d }, (_, k) => est.WKQ.data[Math.floor(k / d) * m + (k % d)]!);
    expect(relDiffArray(U, want.U.data)).toBeLessThan(1e-9);
    expect(Math.abs(est.WPV.data[m * m - 1]! - want.u)).toBeLessThan(1e-9 * want.u);
    expect(v.distanceToPredicted).toBeLessThan(1e-9);
    // the limit computes GD-0*: uUᵀ = Γ₀* (§3.5)
    const g0 = optimumGd0(p).estimator.Gamma;
    const uUt = Float64Array.from({ length: d * d }, (_, k) => want.u * want.U.data[(k % d) * d + Math.floor(k / d)]!);
    expect(relDiffArray(uUt, g0.data)).toBeLessThan(1e-10);
    // every other raw weight stayed exactly zero (the family is invariant)
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      if (i < d && j < d) continue;
      expect(est.WKQ.data[i * m + j]).toBe(0);
      if (!(i === d && j === d)) expect(est.WPV.data[i * m + j]).toBe(0);
    }
  });

  it('the (u, U) flow equals the flow of all raw LSA weights (src/risk gradients) at t = 5, 20, 60', () => {
    const p = zfbProblem(3, 3, 6);
    const z = zfbFlow(p);
    const y0 = z.initialState(0.4, 3);
    const raw = attentionFlow(p, { model: 'lsa', parametrization: 'raw' });
    const w0 = raw.fromEstimator(z.toLsa(y0));
    for (const T of [5, 20, 60]) {
      const a = solve(z.field, y0, [0, T], dop853, { rtol: 1e-12, atol: 1e-14 });
      const b = solve(raw.field, w0, [0, T], dop853, { rtol: 1e-12, atol: 1e-14 });
      const wa = raw.fromEstimator(z.toLsa(a.y));
      expect(relDiffArray(wa, b.y)).toBeLessThan(1e-9);
      expect(Math.abs(z.risk(a.y) - raw.risk(b.y))).toBeLessThan(1e-10);
    }
  });

  it('rejects problems outside the ZFB setting, naming the field', () => {
    const p = zfbProblem(4, 2, 5);
    const spec = { d: 2, M: 5, H: toRows(p.H), Psi: 1, betaStar: 0, sigma2: 0, masked: false };
    expect(() => checkZfbProblem(p)).not.toThrow();
    expect(() => checkZfbProblem(makeProblem({ ...spec, masked: true }))).toThrow(/masked/);
    expect(() => checkZfbProblem(makeProblem({ ...spec, sigma2: 0.1 }))).toThrow(/sigma2/);
    expect(() => checkZfbProblem(makeProblem({ ...spec, betaStar: [1, 0] }))).toThrow(/betaStar/);
    expect(() => checkZfbProblem(makeProblem({ ...spec, Psi: 2 }))).toThrow(/Psi/);
  });
});
