/**
 * ROS34PW2 (src/flow/ode/ros34pw2.ts): the W-method order conditions of its coefficients, its
 * empirical order 3 on a nonlinear problem with a W that is *not* the Jacobian (the property the
 * GD-β W path relies on; RODAS4 loses its order with the same W), the conversion from the standard
 * form, and the Rosenbrock stepper's `scaleRef`.
 */
import { describe, expect, it } from 'vitest';
import {
  ConstantStepSize,
  dop853,
  rodas4,
  ros34pw2,
  rosenbrock,
  rosenbrockStepper,
  rosenbrockTableauFromStandardForm,
  solve,
  type LinearSolverProvider,
  type LinearSolverStats,
  type RosenbrockTableau,
  type VectorField,
} from '../../../src/flow/ode/index.js';
import { fittedOrder, maxAbsDiff, rosenbrockStandardForm, TOL } from './helpers.js';

/**
 * Residuals of the W-method order conditions (autonomous; Hairer & Wanner II §IV.7, W-methods: the
 * trees with J = ∂f/∂y and with W counted separately), γ_ij including the diagonal:
 * order 1: Σb = 1; order 2: Σbα = ½, Σbγ = 0; order 3: Σbα² = ⅓, Σb(αα) = ⅙, Σb(αγ) = 0, Σb(γα) = 0, Σb(γγ) = 0,
 * with α_i = Σ_j α_ij, γ_i = Σ_j γ_ij and (XY)_i = Σ_j X_ij Y_j.
 */
function wResiduals(T: RosenbrockTableau, w: readonly number[]): number[][] {
  const { G, alpha } = rosenbrockStandardForm(T);
  const sum = (v: readonly number[]) => v.reduce((p, x) => p + x, 0);
  const dot = (u: readonly number[], v: readonly number[]) => u.reduce((p, x, i) => p + x * (v[i] as number), 0);
  const mat = (M: readonly (readonly number[])[], v: readonly number[]) => M.map((row) => dot(row, v));
  const al = alpha.map(sum);
  const ga = G.map(sum);
  return [
    [sum(w) - 1],
    [dot(w, al) - 0.5, dot(w, ga)],
    [dot(w, al.map((x) => x * x)) - 1 / 3, dot(w, mat(alpha, al)) - 1 / 6, dot(w, mat(alpha, ga)), dot(w, mat(G, al)), dot(w, mat(G, ga))],
  ];
}

describe('ros34pw2 coefficients', () => {
  it('satisfy every W-method order condition up to order 3 for b (to 1e-14)', () => {
    for (const level of wResiduals(ros34pw2, rosenbrockStandardForm(ros34pw2).b)) for (const r of level) expect(Math.abs(r)).toBeLessThan(1e-14);
  });

  it('embedded b̂ has W-order exactly 2', () => {
    const res = wResiduals(ros34pw2, rosenbrockStandardForm(ros34pw2).bHat);
    for (const level of res.slice(0, 2)) for (const r of level) expect(Math.abs(r)).toBeLessThan(1e-14);
    expect(Math.max(...res[2]!.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('RODAS4 is not a W-method: its b violates an order-2 W condition', () => {
    const res = wResiduals(rodas4, rosenbrockStandardForm(rodas4).b);
    expect(Math.abs(res[1]![1]!)).toBeGreaterThan(1e-2);
  });

  it('the standard-form conversion reproduces the source coefficients and is stiffly accurate', () => {
    const { alpha, b } = rosenbrockStandardForm(ros34pw2);
    expect(alpha[2]![1]).toBeCloseTo(-1.1299064236484185e-1, 15);
    expect(b[1]).toBeCloseTo(-1.2232505839045147, 14);
    // stiffly accurate: y₁ is the last stage argument plus the last increment (m = (a_s, 1))
    ros34pw2.a[3]!.forEach((x, j) => expect(Math.abs(x - ros34pw2.m[j]!)).toBeLessThanOrEqual(TOL.tableauSum * Math.max(1, Math.abs(x))));
    expect(ros34pw2.m[3]).toBe(1);
    expect(() => rosenbrockTableauFromStandardForm({ name: 'bad', alpha: [[0, 0], [1, 0]], gammaMatrix: [[0.5, 0], [0, 0.4]], b: [0.5, 0.5], bHat: [1, 0], order: 2, errorOrder: 1, denseB: [[1], [0]], denseOrder: 1, reference: '' })).toThrow(
      /gammaMatrix\[1\]\[1\] = 0.4, must equal γ = 0.5/,
    );
  });
});

// A nonlinear, mildly stiff test problem (a damped oscillator with a cubic term) and a W that is a
// crude, state-independent stand-in for its Jacobian.
const field: VectorField = (_t, y, out) => {
  const a = y[0]!;
  const b = y[1]!;
  out[0] = b - 0.5 * a * a * a;
  out[1] = -4 * a - 3 * b + Math.sin(a);
};
const Y0 = Float64Array.of(1, 0.5);
const T_END = 2;
const REFERENCE = solve(field, Y0, [0, T_END], dop853, { rtol: 1e-13, atol: 1e-15 }).y;

/** (I − γhW)x = r for the fixed matrix W = [[−1, 0.5], [−3, −2]] (Cramer's rule). */
function fixedW(): LinearSolverProvider {
  const W = [-1, 0.5, -3, -2];
  let m = [1, 0, 0, 1];
  let det = 1;
  const stats: LinearSolverStats = { jacobianEvaluations: 0, factorizations: 0, linearSolves: 0 };
  return {
    stats,
    prepare(_t, _y, g) {
      stats.factorizations++;
      m = [1 - g * W[0]!, -g * W[1]!, -g * W[2]!, 1 - g * W[3]!];
      det = m[0]! * m[3]! - m[1]! * m[2]!;
      return det !== 0;
    },
    solve(out, r) {
      stats.linearSolves++;
      out[0] = (m[3]! * r[0]! - m[1]! * r[1]!) / det;
      out[1] = (m[0]! * r[1]! - m[2]! * r[0]!) / det;
    },
  };
}

function fixedStepOrder(tab: RosenbrockTableau): number {
  const dts: number[] = [];
  const errs: number[] = [];
  for (let k = 4; k <= 9; k++) {
    const sol = solve(field, Y0, [0, T_END], rosenbrock(tab, { linearSolver: fixedW() }), { controller: new ConstantStepSize(), dt0: T_END * 2 ** -k });
    dts.push(2 ** -k);
    errs.push(maxAbsDiff(sol.y, REFERENCE));
  }
  const { slope, used } = fittedOrder(dts, errs);
  expect(used).toBeGreaterThanOrEqual(5);
  return slope;
}

describe('ros34pw2 stepper with an inexact W', () => {
  it('converges with order 3 on a nonlinear problem although W is not the Jacobian', () => {
    expect(Math.abs(fixedStepOrder(ros34pw2) - 3)).toBeLessThanOrEqual(TOL.orderSlack);
  });

  it('RODAS4 with the same W drops below order 3 (it needs the exact Jacobian)', () => {
    expect(fixedStepOrder(rodas4)).toBeLessThan(2.5);
  });

  it('adaptive: reaches the reference within a few tolerances, and the dense output interpolates', () => {
    const sol = solve(field, Y0, [0, T_END], rosenbrock(ros34pw2, { linearSolver: fixedW() }), { rtol: 1e-8, atol: 1e-10, dense: true });
    expect(maxAbsDiff(sol.y, REFERENCE)).toBeLessThan(1e-6);
    const mid = solve(field, Y0, [0, 1.3], dop853, { rtol: 1e-13, atol: 1e-15 }).y;
    expect(maxAbsDiff(sol.evaluate(1.3), mid)).toBeLessThan(1e-6);
  });
});

describe("the Rosenbrock stepper's scaleRef", () => {
  it('measures the error relative to ref + y, and rejects a ref of the wrong length at init', () => {
    const ref = Float64Array.of(10, -20);
    const st = rosenbrockStepper(rosenbrock(ros34pw2, { linearSolver: fixedW(), scaleRef: ref }));
    const ws = st.init(field, 0, Y0, true);
    const scale = new Float64Array(2);
    st.errorScale!(ws, scale, 1e-3, 1e-9, Float64Array.of(1, 2), Float64Array.of(-1, 3));
    expect(Array.from(scale)).toEqual([1e-9 + 1e-3 * 11, 1e-9 + 1e-3 * 18]);
    const bad = rosenbrockStepper(rosenbrock(ros34pw2, { linearSolver: fixedW(), scaleRef: Float64Array.of(1) }));
    expect(() => bad.init(field, 0, Y0, true)).toThrow(/scaleRef has length 1, must be n = 2/);
    expect(() => rosenbrock(ros34pw2, { linearSolver: fixedW(), scaleRef: Float64Array.of(NaN, 1) })).toThrow(/scaleRef must be a Float64Array of finite numbers/);
  });
});
