import { describe, expect, it } from 'vitest';
import {
  BDF_KAPPA,
  BDF_MAX_ORDER,
  bdf,
  bdfChangeMatrix,
  ConstantStepSize,
  solve,
  type LinearSolverProvider,
  type VectorField,
} from '../../../src/flow/ode/index.js';
import { A, benchError, benchProblem, exactLinear, fittedOrder, linearField, maxAbsDiff, spectralSolver, Y0 } from './helpers.js';

const jacA = (_t: number, _y: Float64Array, J: Float64Array): void => void J.set(A);
const problem = benchProblem;

describe('bdf coefficients', () => {
  it('NDF constants: κ_5 = 0 (order 5 is plain BDF), |κ_k| < 0.2 (Shampine & Reichelt Table 1)', () => {
    expect(BDF_KAPPA).toHaveLength(BDF_MAX_ORDER + 1);
    expect(BDF_KAPPA[5]).toBe(0);
    for (const k of BDF_KAPPA) expect(Math.abs(k)).toBeLessThan(0.2);
  });

  it('re-representing the difference array on a new step (R·U)ᵀD equals the backward differences of the same polynomial on the new grid', () => {
    // Independent route: a random polynomial p of degree k, its backward differences ∇^j p(t_n) on
    // the grid t_n − ih computed directly from values, before and after the change h → ρh.
    const backward = (p: (t: number) => number, tn: number, h: number, k: number): number[] => {
      let vals = Array.from({ length: k + 1 }, (_, i) => p(tn - i * h));
      const out = [vals[0]!];
      for (let j = 1; j <= k; j++) {
        vals = vals.slice(0, -1).map((v, i) => v - vals[i + 1]!);
        out.push(vals[0]!);
      }
      return out;
    };
    for (let k = 1; k <= BDF_MAX_ORDER; k++) {
      const coef = Array.from({ length: k + 1 }, (_, i) => Math.sin(3 * i + k) + 0.5);
      const p = (t: number): number => coef.reduce((s, c, i) => s + c * t ** i, 0);
      for (const rho of [0.2, 0.5, 1.7, 10]) {
        const h = 0.3;
        const D = backward(p, 1, h, k);
        const want = backward(p, 1, rho * h, k);
        const m = k + 1;
        const R = bdfChangeMatrix(k, rho, new Float64Array(m * m));
        const U = bdfChangeMatrix(k, 1, new Float64Array(m * m));
        for (let j = 0; j < m; j++) {
          let got = 0;
          for (let i = 0; i < m; i++) {
            let ru = 0;
            for (let l = 0; l < m; l++) ru += R[i * m + l]! * U[l * m + j]!;
            got += ru * D[i]!;
          }
          const scale = Math.max(1, ...want.map(Math.abs), ...D.map(Math.abs));
          expect(Math.abs(got - want[j]!), `k=${k} ρ=${rho} j=${j}`).toBeLessThanOrEqual(64 * Number.EPSILON * scale * 10 ** k);
        }
      }
    }
  });
});

describe('bdf stepper', () => {
  it('meets the exact solution of y′ = A y, and its dense output is accurate between steps', () => {
    const rtol = 1e-8;
    const sol = solve(linearField, Y0, [0, 4], bdf({ jac: jacA }), { rtol, atol: rtol, dense: true });
    expect(sol.status).toBe('success');
    // Global error of a variable-order BDF at rtol: a modest multiple of rtol.
    expect(maxAbsDiff(sol.y, exactLinear(4))).toBeLessThan(100 * rtol);
    let worst = 0;
    const out = new Float64Array(4);
    for (let k = 0; k <= 400; k++) {
      const t = (4 * k) / 400;
      worst = Math.max(worst, maxAbsDiff(sol.evaluate(t, out), exactLinear(t)));
    }
    expect(worst).toBeLessThan(300 * rtol);
    expect(worst).toBeGreaterThan(0);
    expect(maxAbsDiff(sol.evaluate(4), sol.y)).toBeLessThanOrEqual(4 * Number.EPSILON * 4);
  });

  it('raises its order: steps grow like rtol^(−1/(p+1)) with an effective p ≥ 3 (order 1 would give slope −1/2)', () => {
    const rtols = [1e-4, 1e-6, 1e-8, 1e-10];
    const steps = rtols.map((rtol) => solve(linearField, Y0, [0, 4], bdf({ jac: jacA }), { rtol, atol: rtol }).stats.accepted);
    // fittedOrder fits log(steps) against log(rtol): slope = −1/(p+1).
    const { slope } = fittedOrder(rtols, steps, 0);
    expect(slope).toBeLessThan(0);
    expect(-1 / slope - 1).toBeGreaterThanOrEqual(3);
  });

  it('fixed steps (ConstantStepSize) run the order-1 formula: global error O(h)', () => {
    const dts = [2 ** -6, 2 ** -7, 2 ** -8, 2 ** -9];
    const errs = dts.map((dt) => maxAbsDiff(solve(linearField, Y0, [0, 1], bdf({ jac: jacA }), { controller: new ConstantStepSize(), dt0: dt }).y, exactLinear(1)));
    const { slope } = fittedOrder(dts, errs);
    expect(Math.abs(slope - 1)).toBeLessThanOrEqual(0.1);
  });

  it.each([
    ['robertson', 1e-6],
    ['robertson', 1e-9],
    ['hires', 1e-6],
    ['hires', 1e-9],
    ['vdp1000', 1e-6],
    ['vdp1000', 1e-9],
  ] as const)('stiff %s at rtol %s: within 1000·rtol of the bench reference, J and the factorization reused over steps', (id, rtol) => {
    const p = problem(id);
    const sol = solve(p.field, Float64Array.from(p.y0), p.span, bdf({ jac: p.jac }), { rtol, atol: p.atolFactor * rtol, maxSteps: 100_000 });
    expect(sol.status).toBe('success');
    // measured: 186·rtol worst (vdp1000 at 1e-6); BDF controls the local error only
    expect(benchError(p, sol.y)).toBeLessThanOrEqual(1000 * rtol);
    expect(sol.stats.njev).toBeLessThan(sol.stats.accepted / 5);
    expect(sol.stats.nfactor).toBeLessThan(sol.stats.accepted / 2);
    // 1–3 corrector evaluations per step (scipy's BDF: 2.3–3.1 on these problems)
    expect(sol.stats.nfev).toBeLessThan(4 * (sol.stats.accepted + sol.stats.rejected));
  });

  it.each(['arenstorf', 'lotka', 'vdp1'])('non-stiff %s converges as rtol shrinks: error ∝ rtol^q with q in [0.6, 1.2] over rtol 1e-5…1e-12', (id) => {
    const p = problem(id);
    const rtols = [1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12];
    const errs = rtols.map((rtol) => benchError(p, solve(p.field, Float64Array.from(p.y0), p.span, bdf({ jac: p.jac }), { rtol, atol: p.atolFactor * rtol, maxSteps: 100_000 }).y));
    // measured q: arenstorf 0.73, lotka 0.80, vdp1 0.86 (scipy's BDF behaves alike: a local-error control)
    const { slope } = fittedOrder(rtols, errs, 0);
    expect(slope).toBeGreaterThanOrEqual(0.6);
    expect(slope).toBeLessThanOrEqual(1.2);
  });

  it('finite-difference Jacobian (no jac) reaches the same accuracy on HIRES; its n evaluations per J are counted', () => {
    const p = problem('hires');
    const fd = solve(p.field, Float64Array.from(p.y0), p.span, bdf(), { rtol: 1e-8, atol: 1e-12 });
    const an = solve(p.field, Float64Array.from(p.y0), p.span, bdf({ jac: p.jac }), { rtol: 1e-8, atol: 1e-12 });
    expect(fd.status).toBe('success');
    expect(benchError(p, fd.y)).toBeLessThanOrEqual(1000 * 1e-8);
    expect(fd.stats.nfev).toBeGreaterThanOrEqual(p.y0.length * fd.stats.njev);
    expect(Math.abs(fd.stats.accepted - an.stats.accepted)).toBeLessThanOrEqual(0.1 * an.stats.accepted);
  });

  it('a structured linear solver is used as given: J evaluated rarely, refactorizations with the same J flagged sameState', () => {
    const base = spectralSolver();
    let fresh = 0;
    let reused = 0;
    const ls: LinearSolverProvider = {
      stats: base.stats,
      prepare(t, y, g, same) {
        if (same) reused++;
        else fresh++;
        return base.prepare(t, y, g, same);
      },
      solve: (o, r) => base.solve(o, r),
    };
    const rtol = 1e-8;
    const sol = solve(linearField, Y0, [0, 4], bdf({ linearSolver: ls }), { rtol, atol: rtol });
    expect(sol.status).toBe('success');
    expect(maxAbsDiff(sol.y, exactLinear(4))).toBeLessThan(100 * rtol);
    expect(fresh).toBeGreaterThanOrEqual(1);
    expect(reused).toBeGreaterThan(fresh);
    expect(fresh + reused).toBeLessThan(sol.stats.accepted / 2);
    expect(sol.stats.nlinsolve).toBe(base.stats.linearSolves);
  });

  it('a singular iteration matrix or a diverging Newton iteration rejects the attempt and shrinks h, never a non-finite state', () => {
    // Stiff scalar problem with a wrong Jacobian (J = 0): simplified Newton diverges for |hλ| ≳ 1.
    const lam = -1e6;
    const f: VectorField = (t, y, out) => {
      out[0] = lam * ((y[0] as number) - Math.cos(t));
    };
    const sol = solve(f, Float64Array.of(1), [0, 1e-3], bdf({ jac: (_t, _y, J) => void J.fill(0) }), { rtol: 1e-6, atol: 1e-9, dt0: 1e-3, maxSteps: 100_000, throwOnFailure: false });
    expect(sol.stats.rejected).toBeGreaterThan(0);
    expect(Number.isFinite(sol.y[0] as number)).toBe(true);
    expect(sol.status === 'success' || sol.status === 'maxStepsReached' || sol.status === 'stepSizeTooSmall').toBe(true);
    // A provider that reports the first factorization as singular: the solve still succeeds.
    let calls = 0;
    const base = spectralSolver();
    const flaky: LinearSolverProvider = {
      stats: base.stats,
      prepare(t, y, g, same) {
        calls++;
        if (calls === 1) return false;
        return base.prepare(t, y, g, same);
      },
      solve: (o, r) => base.solve(o, r),
    };
    const ok = solve(linearField, Y0, [0, 1], bdf({ linearSolver: flaky }), { rtol: 1e-8, atol: 1e-8 });
    expect(ok.status).toBe('success');
    expect(maxAbsDiff(ok.y, exactLinear(1))).toBeLessThan(1e-6);
  });

  it('integrates backward (t1 < t0)', () => {
    const sol = solve(linearField, exactLinear(1), [1, 0], bdf({ jac: jacA }), { rtol: 1e-10, atol: 1e-12 });
    expect(sol.status).toBe('success');
    expect(maxAbsDiff(sol.y, Y0)).toBeLessThan(1e-7);
  });

  it('rejects bad options with a TypeError naming the option', () => {
    expect(() => bdf({ jac: 3 as never })).toThrow(/options\.jac/);
    expect(() => bdf({ linearSolver: {} as never })).toThrow(/options\.linearSolver/);
    expect(() => bdf(null as never)).toThrow(TypeError);
  });
});
