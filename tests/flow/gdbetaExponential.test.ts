/**
 * The GD flow in the eigenbasis of its Hessian at the optimum (src/flow/gdbetaExponential.ts),
 * integrated by the exponential methods through the one `solve`: exactness on a linear flow (GD-0),
 * the semilinear form against the rotated vector field, and the run's work counters.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { gdBetaExponentialProblem, gdBetaFlow, gdBetaInitialState, runFlow } from '../../src/flow/index.js';
import { ConstantStepSize, dop853, EXPONENTIAL_TABLEAUS, exponential, solve } from '../../src/flow/ode/index.js';
import { makeProblem } from '../../src/models/index.js';
import { randomProblem, relDiffArray, toRows } from '../helpers/problems.js';

describe('the GD flow in the Hessian eigenbasis', () => {
  it('GD-0 is linear: one exponential step equals the DOP853 solution at any time', () => {
    const p = randomProblem(new Rng(61), 3, 5, { betaScale: 1.5, logCondH: 2 });
    const flow = gdBetaFlow(p, 'gd-0');
    const ex = gdBetaExponentialProblem(flow);
    const y0 = gdBetaInitialState(flow, 'random', 61);
    const T = 0.7 / flow.hessian().lambdaMin;
    const sol = solve(ex.problem.nonlinear, ex.toHat(y0), [0, T], exponential(EXPONENTIAL_TABLEAUS.etd4, ex.problem), { controller: new ConstantStepSize(), dt0: T });
    expect(sol.stats.accepted).toBe(1);
    const ref = solve(flow.field, y0, [0, T], dop853, { rtol: 1e-12, atol: 1e-14, maxSteps: 200_000 });
    expect(relDiffArray(ex.fromHat(sol.y), ref.y)).toBeLessThan(1e-9);
  });

  it('the semilinear form ℓ ⊙ z + N(z) is the rotated vector field (general Ψ and Ψ = ψ²I)', () => {
    const rng = new Rng(62);
    for (const iso of [false, true]) {
      const base = randomProblem(rng, 4, 6, { betaScale: 2 });
      const p = iso ? makeProblem({ d: 4, M: 6, H: toRows(base.H), Psi: 0.7, betaStar: Array.from(base.betaStar), sigma2: 0.2 }) : base;
      const flow = gdBetaFlow(p);
      expect(flow.hessian().diagonalB).toBe(iso);
      const ex = gdBetaExponentialProblem(flow);
      const y = gdBetaInitialState(flow, 'random', 62);
      const z = ex.toHat(y);
      const N = new Float64Array(flow.n);
      ex.problem.nonlinear(0, z, N);
      const f = new Float64Array(flow.n);
      flow.field(0, y, f);
      // the rotated field is toHat(y* + f) (toHat is affine with linear part the rotation)
      const fh = ex.toHat(flow.yStar.map((x, k) => x + f[k]!));
      expect(relDiffArray(N.map((x, k) => x + ex.problem.ell[k]! * z[k]!), fh)).toBeLessThan(1e-13);
      expect(relDiffArray(ex.fromHat(z), y)).toBeLessThan(1e-14);
      expect(Math.abs(ex.gap(z) - flow.gap(y))).toBeLessThan(1e-13 * flow.risk(y));
      expect(ex.distance(z)).toBeCloseTo(flow.distance(y), 12);
    }
  });

  it("runFlow's etd path is one solve: its counters and gap record equal a direct solve with the same options", () => {
    const p = randomProblem(new Rng(63), 4, 8, { betaScale: 1.5, logCondH: 2 });
    // gap-only stopping rule (convergedDistance ∞), as the direct solve below
    const run = runFlow(p, { method: 'etd4', rtol: 1e-6, atol: 1e-10, convergedDistance: Infinity });
    expect(run.status).toBe('converged');
    const flow = gdBetaFlow(p);
    const ex = gdBetaExponentialProblem(flow);
    const target = 1e-10 * flow.optimalRisk;
    let last = NaN;
    const sol = solve(ex.problem.nonlinear, ex.toHat(gdBetaInitialState(flow, 'zero', 1)), [0, 1e300], exponential(EXPONENTIAL_TABLEAUS.etd4, ex.problem), {
      rtol: 1e-6,
      atol: 1e-10,
      dtMax: 1 / flow.hessian().lambdaMin,
      saveAt: { kind: 'final', fn: (_t, z) => (last = ex.gapAfterNonlinear(z)) },
      callback: () => (last <= target ? 'stop' : undefined),
    });
    expect(sol.status).toBe('cancelled');
    expect([run.steps, run.rejected, run.nfev]).toEqual([sol.stats.accepted, sol.stats.rejected, sol.stats.nfev]);
    expect(run.gaps).toEqual(sol.fnValues);
    // gapAfterNonlinear (reusing N's work at the accepted state) equals the full evaluation.
    expect(Math.abs(ex.gap(sol.y) - last)).toBeLessThanOrEqual(1e-12 * flow.optimalRisk);
  });
});
