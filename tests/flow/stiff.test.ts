/**
 * The stiff paths of the GD flows: the structured Rosenbrock linear solver (src/flow/stiff.ts)
 * against a dense LU of I − γhJ with J from a forward-difference Jacobian of the plain field, and
 * the stiff methods (RODAS4 + structured solver, exponential integrator) against Dopri5 on an
 * ill-conditioned H (cond 10⁴).
 */
import { describe, expect, it } from 'vitest';
import { lu, luSolve, randomOrthogonal, Rng, spdFromSpectrum } from '../../src/linalg/index.js';
import { makeProblem, type Problem } from '../../src/models/index.js';
import { gdBetaDenseJacobian, gdBetaFlow, gdBetaInitialState, gdBetaLinearSolver, runFlow, type GdFlowVariant } from '../../src/flow/index.js';
import { dopri5, finiteDifferenceJacobian, solve } from '../../src/flow/ode/index.js';
import { allocDiagRankOneRows, factorDiagRankOneRows, solveDiagRankOneRows } from '../../src/flow/diagRankOneRows.js';
import { randomVector, relDiffArray, toRows } from '../helpers/problems.js';

function conditioned(seed: number, d: number, logCond: number, iso: boolean): Problem {
  const rng = new Rng(seed);
  const lam = Array.from({ length: d }, (_, i) => 10 ** (-(logCond * i) / Math.max(1, d - 1)));
  const H = spdFromSpectrum(randomOrthogonal(rng, d), lam);
  const Psi = iso ? 0.8 : toRows(spdFromSpectrum(randomOrthogonal(rng, d), Array.from({ length: d }, () => 0.3 + rng.uniform())));
  return makeProblem({ d, M: 2 * d, H: toRows(H), Psi, betaStar: Array.from({ length: d }, () => 1.5 * rng.normal()), sigma2: 0.1 });
}

/** Forward differences (Hairer's increment) have relative error ≈ √eps·(curvature scale): ~1e-7. */
const FD_JACOBIAN_RTOL = 1e-6;

describe('structured linear solver of I − γhJ (exact Γ–β₀ coupling)', () => {
  const cases: { seed: number; d: number; iso: boolean; variant: GdFlowVariant; gh: number }[] = [
    { seed: 71, d: 3, iso: false, variant: 'gd-beta', gh: 0.3 },
    { seed: 72, d: 4, iso: true, variant: 'gd-beta', gh: 7 },
    { seed: 73, d: 4, iso: false, variant: 'gd-0', gh: 2 },
    { seed: 74, d: 3, iso: true, variant: 'gd-0', gh: 50 },
    { seed: 75, d: 5, iso: false, variant: 'gd-beta', gh: 1e3 },
  ];
  it.each(cases)('seed $seed d=$d iso=$iso $variant γh=$gh', ({ seed, d, iso, variant, gh }) => {
    const p = conditioned(seed, d, 2, iso);
    const flow = gdBetaFlow(p, variant);
    const n = flow.n;
    const y = gdBetaInitialState(flow, 'random', seed);
    // Reference: J by forward differences of the *field* (independent of the solver's formulas).
    const J = new Float64Array(n * n);
    finiteDifferenceJacobian(flow.field, n)(0, y, J);
    const Ja = new Float64Array(n * n);
    gdBetaDenseJacobian(flow)(0, y, Ja);
    expect(relDiffArray(Ja, J)).toBeLessThan(FD_JACOBIAN_RTOL);
    const Mdense = { rows: n, cols: n, data: Float64Array.from(Ja, (x, k) => (Math.floor(k / n) === k % n ? 1 : 0) - gh * x) };
    const F = lu(Mdense);
    const ls = gdBetaLinearSolver(flow);
    expect(ls.prepare(0, y, gh, false)).not.toBe(false);
    const rng = new Rng(seed + 1);
    for (let r = 0; r < 3; r++) {
      const rhs = randomVector(rng, n);
      const x = new Float64Array(n);
      ls.solve(x, rhs);
      const ref = luSolve(new Float64Array(n), F, rhs);
      expect(relDiffArray(x, ref)).toBeLessThan(1e-11);
    }
    expect(ls.stats.linearSolves).toBe(3);
    // A refactorization at another γh with the same state (sameState: BDF's step changes) reuses
    // the state's eigh/𝒬̃ and must equal the dense LU at the new γh.
    const gh2 = gh * 3.7;
    const F2 = lu({ rows: n, cols: n, data: Float64Array.from(Ja, (x, k) => (Math.floor(k / n) === k % n ? 1 : 0) - gh2 * x) });
    expect(ls.prepare(0, y, gh2, true)).not.toBe(false);
    expect(ls.stats.jacobianEvaluations).toBe(1);
    const rhs = randomVector(rng, n);
    const x2 = new Float64Array(n);
    ls.solve(x2, rhs);
    expect(relDiffArray(x2, luSolve(new Float64Array(n), F2, rhs))).toBeLessThan(1e-11);
  });
});

describe('diagRankOneRows: row i solves x_i(I + gλ_i(diag(D) + 2κuuᵀ)) = r_i', () => {
  it('matches a dense LU of each row matrix', () => {
    const rng = new Rng(91);
    const d = 5;
    const lam = Float64Array.from({ length: d }, () => 0.1 + rng.uniform());
    const D = Float64Array.from({ length: d }, () => rng.uniform());
    const u = Float64Array.from({ length: d }, () => rng.normal());
    const [g, kappa] = [3.7, 1.25];
    const f = allocDiagRankOneRows(d);
    factorDiagRankOneRows(f, lam, g, kappa, D, u);
    const R = Float64Array.from({ length: d * d }, () => rng.normal());
    const X = new Float64Array(d * d);
    solveDiagRankOneRows(f, X, R);
    for (let i = 0; i < d; i++) {
      // row i: x A = r with A symmetric, so A x = r
      const A = Float64Array.from({ length: d * d }, (_, k) => {
        const [a, b] = [Math.floor(k / d), k % d];
        return (a === b ? 1 + g * lam[i]! * D[a]! : 0) + g * lam[i]! * 2 * kappa * u[a]! * u[b]!;
      });
      const ref = luSolve(new Float64Array(d), lu({ rows: d, cols: d, data: A }), R.subarray(i * d, (i + 1) * d));
      expect(relDiffArray(X.subarray(i * d, (i + 1) * d), ref)).toBeLessThan(1e-13);
    }
  });
});

describe('cond(H) = 10⁴: the stiff paths take far fewer steps than Dopri5', () => {
  it.each([false, true])('iso Ψ = %s', (iso) => {
    const p = conditioned(81, 4, 4, iso);
    const flow = gdBetaFlow(p);
    const hs = flow.hessian();
    expect(hs.lambdaMax / hs.lambdaMin).toBeGreaterThan(1e6); // stiffness ratio of the linearised flow
    const stiffRuns = (['rosenbrock', 'etd4'] as const).map((method) => runFlow(p, { method, rtol: 1e-6, atol: 1e-10, convergedGap: 1e-10 }));
    for (const r of stiffRuns) {
      expect(r.status, r.method).toBe('converged');
      expect(r.steps, r.method).toBeLessThan(1500);
      const v = r.verdict;
      if (v.kind !== 'gd') throw new Error('GD verdict expected');
      expect(v.gap).toBeLessThan(1e-10 * flow.optimalRisk);
      expect(v.monotone).toBe(true);
    }
    // Dopri5 on the same field: stability caps its step near 3.3/λ_max, so within 20× the
    // stiff methods' largest step count it covers only a sliver of the time they needed.
    const budget = 20 * Math.max(...stiffRuns.map((r) => r.steps));
    const tNeeded = Math.min(...stiffRuns.map((r) => r.t));
    const sol = solve(flow.field, new Float64Array(flow.n), [0, tNeeded], dopri5, { rtol: 1e-6, atol: 1e-10, maxSteps: budget, throwOnFailure: false });
    expect(sol.status).toBe('maxStepsReached');
    expect(sol.t).toBeLessThan(1e-2 * tNeeded);
    expect(flow.gap(sol.y)).toBeGreaterThan(1e3 * 1e-10 * flow.optimalRisk);
  });
});
