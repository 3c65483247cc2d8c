import { describe, expect, it } from 'vitest';
import { ConstantStepSize, dopri5, euler, solve, tsit5, type VectorField } from '../../../src/flow/ode/index.js';
import { Y0, exactLinear, linearField, maxAbsDiff } from './helpers.js';

/** Gradient flow of L(w) = ½ wᵀ H w − bᵀ w, H = diag(1, 4, 9): f = −∇L = b − H w. */
const H = [1, 4, 9];
const b = [1, -2, 0.5];
const loss = (_t: number, w: Float64Array): number => w.reduce((s, wi, i) => s + 0.5 * (H[i] as number) * wi * wi - (b[i] as number) * wi, 0);
const gradientFlow: VectorField = (_t, w, out) => {
  for (let i = 0; i < 3; i++) out[i] = (b[i] as number) - (H[i] as number) * (w[i] as number);
};
const W0 = Float64Array.of(2, 2, 2);

describe('saveAt', () => {
  const opts = { rtol: 1e-9, atol: 1e-11 };

  it("'final' (the default) saves only the final state", () => {
    const sol = solve(linearField, Y0, [0, 1], dopri5, opts);
    expect([...sol.ts]).toEqual([1]);
    expect(sol.ys).toHaveLength(1);
    expect(sol.ys[0]).toEqual(sol.y);
    expect(sol.ys[0]).not.toBe(sol.y);
  });

  it("'steps' saves t0 and every accepted step, as fresh copies", () => {
    const sol = solve(linearField, Y0, [0, 1], dopri5, { ...opts, saveAt: { kind: 'steps' } });
    expect(sol.ts).toHaveLength(sol.stats.accepted + 1);
    expect(sol.ts[0]).toBe(0);
    expect(sol.ts[sol.ts.length - 1]).toBe(1);
    expect(sol.ys[0]).toEqual(Y0);
    expect(new Set(sol.ys).size).toBe(sol.ys.length);
    sol.ts.forEach((t, i) => expect(maxAbsDiff(sol.ys[i] as Float64Array, exactLinear(t))).toBeLessThan(1e-8));
    for (let i = 1; i < sol.ts.length; i++) expect(sol.ts[i]).toBeGreaterThan(sol.ts[i - 1] as number);
  });

  it("'times' interpolates requested times (endpoints and repeats included)", () => {
    const ts = [0, 0, 0.123, 0.5, 0.5, 0.77, 1];
    const sol = solve(linearField, Y0, [0, 1], tsit5, { ...opts, saveAt: { kind: 'times', ts } });
    expect([...sol.ts]).toEqual(ts);
    sol.ts.forEach((t, i) => expect(maxAbsDiff(sol.ys[i] as Float64Array, exactLinear(t))).toBeLessThan(1e-8));
    expect(sol.ys[0]).toEqual(Y0);
    expect(sol.ys[6]).toEqual(sol.y);
  });

  it("'times' works backward with descending times (Float64Array accepted)", () => {
    const y1 = exactLinear(1);
    const ts = Float64Array.of(1, 0.6, 0.2, 0);
    const sol = solve(linearField, y1, [1, 0], dopri5, { ...opts, saveAt: { kind: 'times', ts } });
    expect([...sol.ts]).toEqual([...ts]);
    sol.ts.forEach((t, i) => expect(maxAbsDiff(sol.ys[i] as Float64Array, exactLinear(t))).toBeLessThan(1e-8));
  });

  it('fn records a statistic at t0 and after every accepted step: the loss of a gradient flow never increases', () => {
    const sol = solve(gradientFlow, W0, [0, 5], dopri5, { ...opts, saveAt: { kind: 'final', fn: loss } });
    expect(sol.fnTs).toHaveLength(sol.stats.accepted + 1);
    expect(sol.fnValues).toHaveLength(sol.fnTs.length);
    expect(sol.fnTs[0]).toBe(0);
    expect(sol.fnValues[0]).toBe(loss(0, W0));
    for (let i = 1; i < sol.fnValues.length; i++) expect(sol.fnValues[i]).toBeLessThanOrEqual(sol.fnValues[i - 1] as number);
    // Exact flow: w_i(t) = w*_i + (w0_i − w*_i) e^{−H_i t}, w* = H⁻¹ b.
    const wExact = Float64Array.from(H, (h, i) => (b[i] as number) / h + ((W0[i] as number) - (b[i] as number) / h) * Math.exp(-h * 5));
    expect(Math.abs((sol.fnValues[sol.fnValues.length - 1] as number) - loss(5, wExact))).toBeLessThan(1e-8);
  });

  it('fn along fixed-step Euler (= gradient descent) is the loss curve of GD', () => {
    const eta = 0.05;
    const sol = solve(gradientFlow, W0, [0, 1], euler, { controller: new ConstantStepSize(), dt0: eta, saveAt: { kind: 'steps', fn: loss } });
    expect(sol.fnValues).toHaveLength(21);
    const w = Float64Array.from(W0);
    for (let k = 1; k <= 20; k++) {
      for (let i = 0; i < 3; i++) w[i] = (w[i] as number) + eta * ((b[i] as number) - (H[i] as number) * (w[i] as number));
      expect(sol.fnValues[k]).toBe(loss(0, w));
    }
  });

  it('validates saveAt, naming the field', () => {
    expect(() => solve(linearField, Y0, [0, 1], dopri5, { ...opts, saveAt: { kind: 'all' } as never })).toThrow(
      "options.saveAt.kind must be 'steps', 'times' or 'final', got all",
    );
    expect(() => solve(linearField, Y0, [0, 1], dopri5, { ...opts, saveAt: { kind: 'times', ts: [0.5, 0.2] } })).toThrow(
      /options.saveAt.ts must be monotone in the direction of integration: ts\[1\] = 0.2 comes before ts\[0\] = 0.5/,
    );
    expect(() => solve(linearField, Y0, [0, 1], dopri5, { ...opts, saveAt: { kind: 'times', ts: [0.5, 2] } })).toThrow(
      'options.saveAt.ts[1] = 2 lies outside the span [0, 1]',
    );
    expect(() => solve(linearField, Y0, [0, 1], dopri5, { ...opts, saveAt: { kind: 'times', ts: [NaN] } })).toThrow('options.saveAt.ts[0] is NaN, must be finite');
    expect(() => solve(linearField, Y0, [0, 1], dopri5, { ...opts, saveAt: { kind: 'steps', fn: 1 as never } })).toThrow(/saveAt.fn must be a function/);
  });
});
