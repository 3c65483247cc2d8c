import { describe, expect, it } from 'vitest';
import {
  ConstantStepSize,
  EXPONENTIAL_TABLEAUS,
  evaluateDense,
  exponential,
  rodas4,
  rodas4p,
  rosenbrock,
  solve,
  type Method,
  type VectorField,
} from '../../../src/flow/ode/index.js';
import { DenseHistory } from '../../../src/flow/ode/interpolation.js';
import { ALL_TABLEAUS, TOL, Y0, exactLinear, fittedOrder, linearField, linearSplit, maxAbsDiff, spectralSolver } from './helpers.js';

describe('evaluateDense', () => {
  const y0 = Float64Array.of(2);
  const r = Float64Array.of(1, 10, 100);
  const at = (basis: 'monomial' | 'nested', theta: number) => evaluateDense(basis, 3, 1, r, 0, y0, 0, theta, new Float64Array(1))[0];

  it('monomial basis: y0 + r0 θ + r1 θ² + r2 θ³', () => {
    expect(at('monomial', 0.5)).toBe(2 + 0.5 + 10 * 0.25 + 100 * 0.125);
  });

  it('nested basis: y0 + θ(r0 + (1 − θ)(r1 + θ r2))', () => {
    expect(at('nested', 0.25)).toBe(2 + 0.25 * (1 + 0.75 * (10 + 0.25 * 100)));
    expect(at('nested', 1)).toBe(3);
  });

  it('reads coefficient and state offsets (several components, packed buffers)', () => {
    const coeffs = Float64Array.of(9, 9, 1, 2, 3, 4); // two rows of n = 2 after an offset of 2
    const ys = Float64Array.of(7, 5, 6);
    const out = evaluateDense('monomial', 2, 2, coeffs, 2, ys, 1, 1, new Float64Array(2));
    expect([...out]).toEqual([5 + 1 + 3, 6 + 2 + 4]);
  });
});

describe('DenseHistory', () => {
  it('picks the step containing t (forward and backward), the later step at a boundary', () => {
    for (const dir of [1, -1] as const) {
      const hist = new DenseHistory(1, 'monomial', 1, dir);
      // Steps of size dir·1; on step i, y = i + θ·dir·(1 + i).
      for (let i = 0; i < 40; i++) hist.push(dir * i, dir, Float64Array.of(i), Float64Array.of(dir * (1 + i)));
      expect(hist.length).toBe(40);
      expect(hist.evaluate(dir * 2.5, new Float64Array(1))[0]).toBe(2 + 0.5 * dir * 3);
      expect(hist.evaluate(dir * 3, new Float64Array(1))[0]).toBe(3);
      expect(hist.evaluate(dir * 40, new Float64Array(1))[0]).toBe(39 + dir * 40);
    }
  });
});

/** Exponent ranges (dt = 2^-k) of the dense-output convergence test. */
const DENSE_RANGES: Record<string, readonly [number, number]> = {
  euler: [4, 10],
  rk4: [3, 8],
  bosh3: [3, 9],
  dopri5: [4, 8],
  tsit5: [5, 8],
  dop853: [1, 4],
  rodas4: [2, 9],
  rodas4p: [2, 9],
  etd2: [2, 7],
  etd3: [2, 7],
  etd4: [2, 7],
};

/**
 * [name, method, order p, dense order q, field]: the exponential methods integrate the same y′ = A y
 * split as ℓ = diag A, N = (A − diag A) y (their field is N; dense output: cubic Hermite, q = 3).
 */
const DENSE_CASES: readonly (readonly [string, () => Method, number, number, VectorField])[] = [
  ...ALL_TABLEAUS.map((e) => [e.tableau.name, () => e.tableau, e.tableau.order, e.tableau.dense?.order as number, linearField] as const),
  ['rodas4', () => rosenbrock(rodas4, { linearSolver: spectralSolver() }), rodas4.order, rodas4.dense.order, linearField] as const,
  ['rodas4p', () => rosenbrock(rodas4p, { linearSolver: spectralSolver() }), rodas4p.order, rodas4p.dense.order, linearField] as const,
  ...Object.values(EXPONENTIAL_TABLEAUS).map((T) => [T.name, () => exponential(T, linearSplit), T.order, 3, linearSplit.nonlinear] as const),
];

describe.each(DENSE_CASES)('dense output of %s', (name, method, order, denseOrder, field) => {
  // Global error O(h^p) plus local interpolation error O(h^{q+1}).
  const expected = Math.min(order, denseOrder + 1);

  it(`converges with order min(p, q + 1) = ${expected} at off-grid times`, () => {
    const [k0, k1] = DENSE_RANGES[name] as readonly [number, number];
    const dts: number[] = [];
    const errs: number[] = [];
    for (let k = k0; k <= k1; k++) {
      const dt = 2 ** -k;
      const sol = solve(field, Y0, [0, 1], method(), { controller: new ConstantStepSize(), dt0: dt, dense: true });
      let e = 0;
      const out = new Float64Array(Y0.length);
      for (let j = 0; j * dt < 1; j++) {
        const tq = (j + 0.37) * dt;
        e = Math.max(e, maxAbsDiff(sol.evaluate(tq, out), exactLinear(tq)));
      }
      dts.push(dt);
      errs.push(e);
    }
    const { slope, used } = fittedOrder(dts, errs);
    expect(used).toBeGreaterThanOrEqual(3);
    expect(Math.abs(slope - expected)).toBeLessThanOrEqual(TOL.orderSlack);
  });

  it('solution.evaluate reproduces the saved step ends and y0', () => {
    const sol = solve(field, Y0, [0, 1], method(), { controller: new ConstantStepSize(), dt0: 1 / 8, dense: true, saveAt: { kind: 'steps' } });
    sol.ts.forEach((t, i) => {
      expect(maxAbsDiff(sol.evaluate(t), sol.ys[i] as Float64Array)).toBeLessThanOrEqual(1e-14);
    });
    expect(sol.evaluate(0)).toEqual(Y0);
  });
});

describe('solution.evaluate', () => {
  it('throws without stored dense output and outside the span', () => {
    const m = rosenbrock(rodas4, { linearSolver: spectralSolver() });
    const plain = solve(linearField, Y0, [0, 1], m, { rtol: 1e-6, atol: 1e-8 });
    expect(() => plain.evaluate(0.5)).toThrow(/pass options.dense = true/);
    const dense = solve(linearField, Y0, [0, 1], m, { rtol: 1e-6, atol: 1e-8, dense: true });
    expect(() => dense.evaluate(1.5)).toThrow(RangeError);
    expect(() => dense.evaluate(-0.1)).toThrow(/outside the solved span \[0, 1\]/);
    expect(() => dense.evaluate(0.5, new Float64Array(2))).toThrow(/out has length 2/);
    const out = new Float64Array(Y0.length);
    expect(dense.evaluate(0.5, out)).toBe(out);
  });
});
