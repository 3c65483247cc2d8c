import { describe, expect, it } from 'vitest';
import {
  ConstantStepSize,
  MAX_NONFINITE_RETRIES,
  MIN_RTOL,
  OdeSolveError,
  RADAU_A,
  RADAU_C,
  RADAU_E,
  RADAU_MU_COMPLEX_IM,
  RADAU_MU_COMPLEX_RE,
  RADAU_MU_REAL,
  RADAU_P,
  RADAU_T,
  RADAU_TI,
  STATUS_MESSAGES,
  radau5,
  radau5Stepper,
  solve,
  type VectorField,
} from '../../../src/flow/ode/index.js';
import { A, TOL, Y0, benchError, benchProblem, exactLinear, fittedOrder, linearField, maxAbsDiff } from './helpers.js';

type M3 = readonly (readonly number[])[];
const mul = (X: M3, Y: M3): number[][] => X.map((row) => Y[0]!.map((_, j) => row.reduce((s, x, k) => s + x * Y[k]![j]!, 0)));
/** Inverse of a 3×3 matrix by cofactors. */
const inv3 = (X: M3): number[][] => {
  const [a, b, c] = X[0]!;
  const [d, e, f] = X[1]!;
  const [g, h, i] = X[2]!;
  const det = a! * (e! * i! - f! * h!) - b! * (d! * i! - f! * g!) + c! * (d! * h! - e! * g!);
  return [
    [(e! * i! - f! * h!) / det, (c! * h! - b! * i!) / det, (b! * f! - c! * e!) / det],
    [(f! * g! - d! * i!) / det, (a! * i! - c! * g!) / det, (c! * d! - a! * f!) / det],
    [(d! * h! - e! * g!) / det, (b! * g! - a! * h!) / det, (a! * e! - b! * d!) / det],
  ];
};
const jacA = (_t: number, _y: Float64Array, J: Float64Array): void => void J.set(A);

const problem = benchProblem;

describe('radau5 coefficients (Radau IIA, H&W IV.8; scipy radau.py)', () => {
  it('A has row sums c, is stiffly accurate (b = last row, c₃ = 1) and integrates polynomials to stage order 3', () => {
    for (let i = 0; i < 3; i++) {
      const row = RADAU_A[i]!;
      expect(Math.abs(row.reduce((s, x) => s + x, 0) - RADAU_C[i]!)).toBeLessThanOrEqual(TOL.tableauSum);
      // Stage order 3: Σ_j a_ij c_j^{q−1} = c_i^q / q for q = 1, 2, 3.
      for (let q = 1; q <= 3; q++) {
        const lhs = row.reduce((s, a, j) => s + a * RADAU_C[j]! ** (q - 1), 0);
        expect(Math.abs(lhs - RADAU_C[i]! ** q / q)).toBeLessThanOrEqual(TOL.tableauSum);
      }
    }
    expect(RADAU_C[2]).toBe(1);
    // Order 5 quadrature with b = last row of A: Σ b_j c_j^{q−1} = 1/q, q = 1…5.
    for (let q = 1; q <= 5; q++) {
      const lhs = RADAU_A[2]!.reduce((s, b, j) => s + b * RADAU_C[j]! ** (q - 1), 0);
      expect(Math.abs(lhs - 1 / q)).toBeLessThanOrEqual(TOL.tableauSum);
    }
  });

  it('T⁻¹ is the inverse of T and T⁻¹ A⁻¹ T = [[μ_r, 0, 0], [0, α, β], [0, −β, α]]', () => {
    const I = mul(RADAU_TI, RADAU_T);
    const L = mul(mul(RADAU_TI, inv3(RADAU_A)), RADAU_T);
    const block = [
      [RADAU_MU_REAL, 0, 0],
      [0, RADAU_MU_COMPLEX_RE, RADAU_MU_COMPLEX_IM],
      [0, -RADAU_MU_COMPLEX_IM, RADAU_MU_COMPLEX_RE],
    ];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        expect(Math.abs(I[i]![j]! - (i === j ? 1 : 0))).toBeLessThanOrEqual(1e-14);
        expect(Math.abs(L[i]![j]! - block[i]![j]!)).toBeLessThanOrEqual(1e-13);
      }
  });

  it('dense output P interpolates the stages: Σ_j P_kj c_i^{j+1} = δ_ki', () => {
    for (let i = 0; i < 3; i++)
      for (let k = 0; k < 3; k++) {
        const v = RADAU_P[k]!.reduce((s, p, j) => s + p * RADAU_C[i]! ** (j + 1), 0);
        expect(Math.abs(v - (i === k ? 1 : 0))).toBeLessThanOrEqual(TOL.tableauSum);
      }
  });

  it('error weights e make f(t, y) + Σ e_i Z_i / h = O(h³): e·c = −1, e·c² = e·c³ = 0 (with Z = hA F and stage order 3)', () => {
    const ec = (q: number): number => RADAU_E.reduce((acc, e, i) => acc + e * RADAU_C[i]! ** q, 0);
    expect(Math.abs(ec(1) + 1)).toBeLessThanOrEqual(1e-13);
    expect(Math.abs(ec(2))).toBeLessThanOrEqual(1e-13);
    expect(Math.abs(ec(3))).toBeLessThanOrEqual(1e-13);
  });
});

describe('radau5 stepper', () => {
  it('converges with order 5 on y′ = A y (fixed steps 2^-k)', () => {
    const dts: number[] = [];
    const errs: number[] = [];
    for (let k = 1; k <= 6; k++) {
      const sol = solve(linearField, Y0, [0, 1], radau5({ jac: jacA }), { controller: new ConstantStepSize(), dt0: 2 ** -k });
      dts.push(2 ** -k);
      errs.push(maxAbsDiff(sol.y, exactLinear(1)));
    }
    const { slope, used } = fittedOrder(dts, errs);
    expect(used).toBeGreaterThanOrEqual(4);
    expect(Math.abs(slope - 5)).toBeLessThanOrEqual(TOL.orderSlack);
  });

  it('converges with order 5 on a nonlinear non-stiff problem (Lotka–Volterra, finite-difference J)', () => {
    const p = problem('lotka');
    const fine = solve(p.field, Float64Array.from(p.y0), [0, 2], radau5({ jac: p.jac }), { controller: new ConstantStepSize(), dt0: 2 ** -9 }).y;
    const dts: number[] = [];
    const errs: number[] = [];
    for (let k = 2; k <= 6; k++) {
      const sol = solve(p.field, Float64Array.from(p.y0), [0, 2], radau5(), { controller: new ConstantStepSize(), dt0: 2 ** -k });
      dts.push(2 ** -k);
      errs.push(maxAbsDiff(sol.y, fine));
    }
    const { slope, used } = fittedOrder(dts, errs, 1e-12);
    expect(used).toBeGreaterThanOrEqual(4);
    expect(Math.abs(slope - 5)).toBeLessThanOrEqual(TOL.orderSlack);
  });

  describe('Prothero–Robinson y′ = λ(y − sin t) + cos t, λ = −1e6, y(0) = 0 (stiff, non-autonomous, y = sin t)', () => {
    // Radau IIA is stiffly accurate with stage order 3: in the stiff regime |hλ| ≫ 1 its global
    // error is O(h^3) at worst (H&W IV.15), no collapse to order 1 as RODAS4 (bench/ode/RESULTS.md §1).
    const lam = -1e6;
    const f: VectorField = (t, y, out) => {
      out[0] = lam * ((y[0] as number) - Math.sin(t)) + Math.cos(t);
    };
    it('keeps order ≥ 3 (fitted slope ≥ 2.7) without any ∂f/∂t', () => {
      const ks = [2, 3, 4, 5, 6, 7];
      const errs = ks.map((k) => {
        const sol = solve(f, Float64Array.of(0), [0, 1], radau5({ jac: (_t, _y, J) => void (J[0] = lam) }), { controller: new ConstantStepSize(), dt0: 2 ** -k });
        return Math.abs((sol.y[0] as number) - Math.sin(1));
      });
      const { slope } = fittedOrder(
        ks.map((k) => 2 ** -k),
        errs,
      );
      expect(slope).toBeGreaterThanOrEqual(3 - TOL.orderSlack);
    });
  });

  it.each([
    ['robertson', 1e-6],
    ['robertson', 1e-10],
    ['hires', 1e-6],
    ['hires', 1e-10],
  ] as const)('%s at rtol %s meets the bench reference to the requested tolerance', (id, rtol) => {
    const p = problem(id);
    const sol = solve(p.field, Float64Array.from(p.y0), p.span, radau5({ jac: p.jac }), { rtol, atol: p.atolFactor * rtol });
    expect(sol.status).toBe('success');
    expect(benchError(p, sol.y)).toBeLessThanOrEqual(rtol);
    // J and the LU factors are reused across steps (RADAU5): far fewer than one per step.
    expect(sol.stats.njev).toBeLessThan(sol.stats.accepted);
    expect(sol.stats.nfactor).toBeLessThan(2 * (sol.stats.accepted + sol.stats.rejected));
  });

  it('finite-difference Jacobian (no jac) reaches the same accuracy on HIRES; its n evaluations per J are counted in nfev', () => {
    const p = problem('hires');
    const opts = { rtol: 1e-8, atol: 1e-12 };
    const fd = solve(p.field, Float64Array.from(p.y0), p.span, radau5(), opts);
    const an = solve(p.field, Float64Array.from(p.y0), p.span, radau5({ jac: p.jac }), opts);
    expect(fd.status).toBe('success');
    expect(benchError(p, fd.y)).toBeLessThanOrEqual(1e-8);
    expect(fd.stats.nfev).toBeGreaterThanOrEqual(p.y0.length * fd.stats.njev);
    expect(Math.abs(fd.stats.accepted - an.stats.accepted)).toBeLessThanOrEqual(0.1 * an.stats.accepted);
  });

  it('dense output (the collocation cubic) is accurate between steps', () => {
    const rtol = 1e-8;
    const sol = solve(linearField, Y0, [0, 4], radau5({ jac: jacA }), { rtol, atol: rtol, dense: true });
    expect(sol.status).toBe('success');
    let worst = 0;
    const out = new Float64Array(4);
    for (let k = 0; k <= 400; k++) {
      const t = (4 * k) / 400;
      worst = Math.max(worst, maxAbsDiff(sol.evaluate(t, out), exactLinear(t)));
    }
    // Interpolant order 3 (local error O(h⁴)) against a 5th-order step: a few hundred × rtol.
    expect(worst).toBeLessThan(300 * rtol);
    expect(worst).toBeGreaterThan(0);
    // On the step grid it reproduces the steps exactly.
    expect(maxAbsDiff(sol.evaluate(4), sol.y)).toBeLessThanOrEqual(4 * Number.EPSILON);
  });

  it('integrates backward (t1 < t0)', () => {
    const yEnd = exactLinear(1);
    const sol = solve(linearField, yEnd, [1, 0], radau5({ jac: jacA }), { rtol: 1e-10, atol: 1e-12 });
    expect(sol.status).toBe('success');
    expect(maxAbsDiff(sol.y, Y0)).toBeLessThan(1e-8);
  });

  describe('Newton failures: a wrong Jacobian (J = 0) on a stiff problem makes the simplified Newton iteration diverge', () => {
    const lam = -1e6;
    const f: VectorField = (t, y, out) => {
      out[0] = lam * ((y[0] as number) - Math.cos(t));
    };
    const wrong = radau5({ jac: (_t, _y, J) => void J.fill(0) });

    it('rejects and shrinks the step; a small maxSteps gives maxStepsReached (not nonFiniteState)', () => {
      const sol = solve(f, Float64Array.of(1), [0, 1], wrong, { rtol: 1e-6, atol: 1e-9, dt0: 0.1, maxSteps: 30, throwOnFailure: false });
      expect(sol.status).toBe('maxStepsReached');
      expect(sol.message).toBe(STATUS_MESSAGES.maxStepsReached);
      expect(sol.stats.rejected).toBeGreaterThan(0);
      expect(Number.isFinite(sol.y[0] as number)).toBe(true);
    });

    it('with dtMin above the step where Newton converges: stepSizeTooSmall, thrown as OdeSolveError by default', () => {
      expect(() => solve(f, Float64Array.of(1), [0, 1], wrong, { rtol: 1e-6, atol: 1e-9, dt0: 0.1, dtMin: 1e-4 })).toThrow(OdeSolveError);
      const sol = solve(f, Float64Array.of(1), [0, 1], wrong, { rtol: 1e-6, atol: 1e-9, dt0: 0.1, dtMin: 1e-4, throwOnFailure: false });
      expect(sol.status).toBe('stepSizeTooSmall');
      expect(sol.t).toBe(0);
    });

    it('with the right Jacobian the same problem needs no rejection', () => {
      const sol = solve(f, Float64Array.of(1), [0, 1], radau5({ jac: (_t, _y, J) => void (J[0] = lam) }), { rtol: 1e-6, atol: 1e-9, dt0: 0.1 });
      expect(sol.status).toBe('success');
      expect(Math.abs((sol.y[0] as number) - Math.cos(1))).toBeLessThan(1e-5);
    });
  });

  it('a Jacobian with NaN makes the factorization fail: rejected retries, then nonFiniteState at t0', () => {
    const bad = radau5({ jac: (_t, _y, J) => void J.fill(NaN) });
    const sol = solve(linearField, Y0, [0, 1], bad, { rtol: 1e-6, atol: 1e-9, throwOnFailure: false });
    expect(sol.status).toBe('nonFiniteState');
    expect(sol.t).toBe(0);
    expect(sol.stats.rejected).toBe(MAX_NONFINITE_RETRIES + 1);
    expect(maxAbsDiff(sol.y, Y0)).toBe(0);
  });

  it("solve's validation applies: rtol < 100·eps is rejected, MIN_RTOL accepted, tolerances required", () => {
    const m = radau5({ jac: jacA });
    expect(() => solve(linearField, Y0, [0, 1], m, { rtol: 1e-15, atol: 1e-15 })).toThrow(RangeError);
    expect(() => solve(linearField, Y0, [0, 1], m, { rtol: 1e-15, atol: 1e-15 })).toThrow(/MIN_RTOL/);
    expect(() => solve(linearField, Y0, [0, 1], m, { atol: 1e-8 })).toThrow(/rtol is required/);
    expect(solve(linearField, Y0, [0, 0.1], m, { rtol: MIN_RTOL, atol: 1e-14 }).status).toBe('success');
    expect(() => radau5({ jac: 3 as never })).toThrow(TypeError);
  });

  it('reuses its workspace buffers across steps', () => {
    const st = radau5Stepper(radau5({ jac: jacA }));
    const ws = st.init(linearField, 0, Y0, true, { rtol: 1e-8, atol: 1e-8 });
    const bufs = [ws.yNew, ws.fNew, ws.f, ws.Z, ws.W, ws.F, ws.err, ws.J, ws.Mr, ws.McRe, ws.McIm, ws.dense];
    const y = Float64Array.from(Y0);
    for (let k = 0; k < 3; k++) {
      expect(st.step(ws, 0.1 * k, y, 0.1)).toBe(ws);
      st.complete(ws, 0.1 * k, 0.1);
      expect(st.denseCoefficients(ws, 0.1 * k, y, 0.1)).toBe(ws.dense);
      y.set(ws.yNew);
      st.advance(ws);
    }
    expect([ws.yNew, ws.fNew, ws.f, ws.Z, ws.W, ws.F, ws.err, ws.J, ws.Mr, ws.McRe, ws.McIm, ws.dense]).toEqual(bufs);
    bufs.forEach((b, i) => expect(b).toBe([ws.yNew, ws.fNew, ws.f, ws.Z, ws.W, ws.F, ws.err, ws.J, ws.Mr, ws.McRe, ws.McIm, ws.dense][i]));
    expect(maxAbsDiff(y, exactLinear(0.3))).toBeLessThan(1e-6);
  });
});
