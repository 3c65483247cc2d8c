import { describe, expect, it } from 'vitest';
import {
  ConstantStepSize,
  denseJacobianSolver,
  dopri5,
  finiteDifferenceJacobian,
  rodas4,
  rodas4p,
  rosenbrock,
  rosenbrockStepper,
  solve,
  type LinearSolverProvider,
  type TimeDerivative,
  type VectorField,
} from '../../../src/flow/ode/index.js';
import { lu, luSolve } from '../../../src/linalg/index.js';
import { A, N, TOL, Y0, exactLinear, fittedOrder, linearField, maxAbsDiff, spectralSolver } from './helpers.js';

describe('rodas4 (Rosenbrock) stepper', () => {
  it.each([rodas4, rodas4p])('$name converges with order 4 on y′ = A y with a structured (spectral) linear solver', (tab) => {
    const dts: number[] = [];
    const errs: number[] = [];
    for (let k = 2; k <= 8; k++) {
      const sol = solve(linearField, Y0, [0, 1], rosenbrock(tab, { linearSolver: spectralSolver() }), {
        controller: new ConstantStepSize(),
        dt0: 2 ** -k,
      });
      dts.push(2 ** -k);
      errs.push(maxAbsDiff(sol.y, exactLinear(1)));
    }
    const { slope, used } = fittedOrder(dts, errs);
    expect(used).toBeGreaterThanOrEqual(5);
    expect(Math.abs(slope - tab.order)).toBeLessThanOrEqual(TOL.orderSlack);
  });

  it('with the dense LU default: one J per accepted state, one factorization per attempt, s solves each', () => {
    const jac = (_t: number, _y: Float64Array, J: Float64Array) => J.set(A);
    const solver = denseJacobianSolver(jac, N);
    const sol = solve(linearField, Y0, [0, 2], rosenbrock(rodas4, { linearSolver: solver }), { rtol: 1e-8, atol: 1e-10 });
    expect(sol.status).toBe('success');
    expect(maxAbsDiff(sol.y, exactLinear(2))).toBeLessThan(1e-7);
    const { accepted, rejected, njev, nfactor, nlinsolve, nfev } = sol.stats;
    expect(njev).toBe(accepted); // rejected attempts reuse J at the same state
    expect(nfactor).toBe(accepted + rejected);
    expect(nlinsolve).toBe(rodas4.stages * nfactor);
    // f0 + probe + (s − 1) stage evaluations per attempt + f at every accepted state.
    expect(nfev).toBe(2 + (rodas4.stages - 1) * (accepted + rejected) + accepted);
    expect(solver.stats.factorizations).toBe(nfactor);
  });

  it('reaches rtol 1e-6 on a stiff problem (eigenvalues −1, −1e6) in ≥ 20× fewer steps than dopri5', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const l1 = -1;
    const l2 = -1e6;
    // A = R diag(−1, −1e6) Rᵀ with a rotation R: not diagonal, stiffness ratio 1e6.
    const S = [c * c * l1 + s * s * l2, c * s * (l1 - l2), c * s * (l1 - l2), s * s * l1 + c * c * l2];
    const f: VectorField = (_t, y, out) => {
      out[0] = (S[0] as number) * (y[0] as number) + (S[1] as number) * (y[1] as number);
      out[1] = (S[2] as number) * (y[0] as number) + (S[3] as number) * (y[1] as number);
    };
    const exact = (t: number): Float64Array => {
      // y0 = (1, 1): components along the eigenvectors (c, s) and (−s, c).
      const a = c + s;
      const b = -s + c;
      const ea = a * Math.exp(l1 * t);
      const eb = b * Math.exp(l2 * t);
      return Float64Array.of(c * ea - s * eb, s * ea + c * eb);
    };
    const T = 0.1;
    const opts = { rtol: 1e-6, atol: 1e-9 };
    const stiff = solve(f, Float64Array.of(1, 1), [0, T], rosenbrock(rodas4, { linearSolver: denseJacobianSolver((_t, _y, J) => J.set(S), 2) }), opts);
    const explicit = solve(f, Float64Array.of(1, 1), [0, T], dopri5, opts);
    expect(stiff.status).toBe('success');
    expect(explicit.status).toBe('success');
    expect(maxAbsDiff(stiff.y, exact(T))).toBeLessThan(1e-5);
    expect(maxAbsDiff(explicit.y, exact(T))).toBeLessThan(1e-5);
    expect(explicit.stats.accepted).toBeGreaterThanOrEqual(20 * stiff.stats.accepted);
  });

  describe('non-autonomous fields: y′ = λ(y − sin t) + cos t, y = sin t + e^{λt}', () => {
    const lam = -2;
    const f: VectorField = (t, y, out) => {
      out[0] = lam * ((y[0] as number) - Math.sin(t)) + Math.cos(t);
    };
    const dfdt: VectorField = (t, _y, out) => {
      out[0] = -lam * Math.cos(t) - Math.sin(t);
    };
    const exact = Math.sin(2) + Math.exp(2 * lam);
    const errorAt = (k: number, d: TimeDerivative | undefined): number => {
      const method = rosenbrock(rodas4, { linearSolver: denseJacobianSolver((_t, _y, J) => void (J[0] = lam), 1), dfdt: d });
      const sol = solve(f, Float64Array.of(1), [0, 2], method, { controller: new ConstantStepSize(), dt0: 2 ** -k });
      return Math.abs((sol.y[0] as number) - exact);
    };
    const ks = [2, 3, 4, 5, 6, 7];

    it('keeps order 4 with an analytic ∂f/∂t', () => {
      const { slope } = fittedOrder(
        ks.map((k) => 2 ** -k),
        ks.map((k) => errorAt(k, dfdt)),
      );
      expect(Math.abs(slope - 4)).toBeLessThanOrEqual(TOL.orderSlack);
    });

    it("matches the analytic ∂f/∂t with 'finiteDifference' (to the difference's accuracy)", () => {
      for (const k of [2, 3, 4]) expect(Math.abs(errorAt(k, 'finiteDifference') - errorAt(k, dfdt))).toBeLessThan(1e-10);
    });

    it('drops to first order when ∂f/∂t is omitted (documented autonomous assumption)', () => {
      const { slope } = fittedOrder(
        ks.map((k) => 2 ** -k),
        ks.map((k) => errorAt(k, undefined)),
      );
      expect(slope).toBeLessThan(1.5);
    });
  });

  describe('Prothero–Robinson y′ = λ(y − sin t) + cos t, λ = −1e6, y(0) = 0 (stiff, non-autonomous, y = sin t)', () => {
    // In the stiff regime |hλ| ≫ 1 the global error of a stiffly accurate Rosenbrock method is
    // governed by the PR conditions (Steinebach 1995), not by its classical order: RODAS4 does not
    // satisfy them and converges like h¹·(1/|λ|); RODAS4P does and keeps order 3 (4 for |hλ| ≪ 1).
    const lam = -1e6;
    const f: VectorField = (t, y, out) => {
      out[0] = lam * ((y[0] as number) - Math.sin(t)) + Math.cos(t);
    };
    const dfdt: VectorField = (t, _y, out) => {
      out[0] = -lam * Math.cos(t) - Math.sin(t);
    };
    const ks = [2, 3, 4, 5, 6, 7];
    const slopeOf = (tab: typeof rodas4): number => {
      const errs = ks.map((k) => {
        const method = rosenbrock(tab, { linearSolver: denseJacobianSolver((_t, _y, J) => void (J[0] = lam), 1), dfdt });
        const sol = solve(f, Float64Array.of(0), [0, 1], method, { controller: new ConstantStepSize(), dt0: 2 ** -k });
        return Math.abs((sol.y[0] as number) - Math.sin(1));
      });
      return fittedOrder(
        ks.map((k) => 2 ** -k),
        errs,
      ).slope;
    };

    it('rodas4p keeps order ≥ 3 (fitted slope ≥ 2.7)', () => {
      expect(slopeOf(rodas4p)).toBeGreaterThanOrEqual(3 - TOL.orderSlack);
    });

    it('rodas4 drops to order 1 (inherent to its coefficients, documented in bench/ode/RESULTS.md)', () => {
      expect(slopeOf(rodas4)).toBeLessThan(1.5);
    });
  });

  it('denseJacobianSolver factors I − γhJ in place: solves match src/linalg lu, singular M reports false', () => {
    const n = 5;
    const Jm = Float64Array.from({ length: n * n }, (_, k) => Math.sin(1 + 3.7 * k) * (k % 6 === 0 ? 4 : 1));
    const solver = denseJacobianSolver((_t, _y, J) => J.set(Jm), n);
    const gh = 0.37;
    expect(solver.prepare(0, new Float64Array(n), gh, false)).toBe(true);
    const M = { rows: n, cols: n, data: Float64Array.from(Jm, (v, k) => (k % (n + 1) === 0 ? 1 : 0) - gh * v) };
    const rhs = Float64Array.from({ length: n }, (_, i) => i - 1.5);
    const out = new Float64Array(n);
    solver.solve(out, rhs);
    const ref = luSolve(new Float64Array(n), lu(M), rhs);
    for (let i = 0; i < n; i++) expect(Math.abs((out[i] as number) - (ref[i] as number))).toBeLessThan(1e-14 * (1 + Math.abs(ref[i] as number)));
    // M = I − γhJ with J = I/γh is exactly singular (all pivots 0): reported, and solve refuses.
    const singular = denseJacobianSolver((_t, _y, J) => {
      J.fill(0);
      for (let i = 0; i < 3; i++) J[i * 3 + i] = 1 / gh;
    }, 3);
    expect(singular.prepare(0, new Float64Array(3), gh, false)).toBe(false);
    expect(() => singular.solve(new Float64Array(3), new Float64Array(3))).toThrow(/before a successful prepare/);
  });

  it('retries with a smaller step when the provider reports a singular matrix', () => {
    const inner = spectralSolver();
    let calls = 0;
    const flaky: LinearSolverProvider = {
      stats: inner.stats,
      prepare(t, y, gh, same) {
        calls++;
        inner.prepare(t, y, gh, same);
        return calls !== 1;
      },
      solve: (out, rhs) => inner.solve(out, rhs),
    };
    const sol = solve(linearField, Y0, [0, 1], rosenbrock(rodas4, { linearSolver: flaky }), { rtol: 1e-6, atol: 1e-8 });
    expect(sol.status).toBe('success');
    expect(sol.stats.rejected).toBeGreaterThanOrEqual(1);
  });

  it('a Jacobian with NaN makes the dense LU fail at factor time: rejected retries, then nonFiniteState', () => {
    const bad = denseJacobianSolver((_t, _y, J) => J.fill(NaN), N);
    const sol = solve(linearField, Y0, [0, 1], rosenbrock(rodas4, { linearSolver: bad }), { rtol: 1e-6, atol: 1e-8, throwOnFailure: false });
    expect(sol.status).toBe('nonFiniteState');
    expect(sol.stats.accepted).toBe(0);
    expect(sol.stats.njev).toBe(1); // retries at the same state reuse J
    expect(sol.stats.nfactor).toBe(sol.stats.rejected);
    expect(sol.y).toEqual(Y0);
  });

  it('reuses its workspace buffers across steps', () => {
    const st = rosenbrockStepper(rosenbrock(rodas4, { linearSolver: spectralSolver() }));
    const ws = st.init(linearField, 0, Y0, true);
    const { U, yNew, err, fNew, f, dense } = ws;
    expect(st.step(ws, 0, Y0, 0.1)).toBe(ws);
    st.complete(ws, 0, 0.1);
    expect(st.denseCoefficients(ws, 0, Y0, 0.1)).toBe(dense);
    st.advance(ws);
    expect(st.step(ws, 0.1, ws.yNew.slice(), 0.1)).toBe(ws);
    for (const [a, b] of [
      [ws.U, U],
      [ws.yNew, yNew],
      [ws.err, err],
      [ws.fNew, fNew],
      [ws.f, f],
    ] as const)
      expect(a).toBe(b);
  });

  it('finiteDifferenceJacobian approximates the analytic Jacobian', () => {
    const J = new Float64Array(N * N);
    finiteDifferenceJacobian(linearField, N)(0, Y0, J);
    for (let k = 0; k < N * N; k++) expect(Math.abs((J[k] as number) - (A[k] as number))).toBeLessThan(1e-6);
  });

  it('validates its arguments', () => {
    expect(() => rosenbrock(rodas4, { linearSolver: {} as never })).toThrow(/options.linearSolver must have prepare/);
    expect(() => rosenbrock(rodas4, { linearSolver: spectralSolver(), dfdt: 'central' as never })).toThrow(/options.dfdt must be a function or 'finiteDifference'/);
    expect(() => rosenbrock(dopri5 as never, { linearSolver: spectralSolver() })).toThrow(/tableau must come from defineRosenbrockTableau/);
    expect(() => denseJacobianSolver(() => {}, 0)).toThrow(/n must be a positive integer/);
  });
});
