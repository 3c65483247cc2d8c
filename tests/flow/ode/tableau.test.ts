import { describe, expect, it } from 'vitest';
import { defineTableau, evaluateDense, TableauError, type ButcherTableau } from '../../../src/flow/ode/index.js';
import { ALL_TABLEAUS, TOL } from './helpers.js';

const l1 = (v: readonly number[]): number => v.reduce((s, x) => s + Math.abs(x), 0);
const total = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0);

describe.each(ALL_TABLEAUS.map((e) => [e.tableau.name, e] as const))('tableau %s', (_name, { tableau: T, fsal, adaptive }) => {
  it('has lower-triangular rows summing to c (1e-15 relative to the row ℓ¹ size)', () => {
    expect(T.c[0]).toBe(0);
    T.a.forEach((row, i) => {
      expect(row.length).toBe(i);
      expect(Math.abs(total(row) - (T.c[i] as number))).toBeLessThanOrEqual(TOL.tableauExact * Math.max(1, l1(row)));
    });
  });

  it('has Σb = 1 and Σb_err = 0', () => {
    expect(Math.abs(total(T.b) - 1)).toBeLessThanOrEqual(TOL.tableauExact * Math.max(1, l1(T.b)));
    expect(T.bErr !== undefined).toBe(adaptive);
    expect(T.errorOrder !== undefined).toBe(adaptive);
    if (T.bErr !== undefined) expect(Math.abs(total(T.bErr))).toBeLessThanOrEqual(TOL.tableauSum * Math.max(1, l1(T.bErr)));
    if (T.bErrLow !== undefined) expect(Math.abs(total(T.bErrLow))).toBeLessThanOrEqual(TOL.tableauSum * Math.max(1, l1(T.bErrLow)));
  });

  it(`derives fsal = ${fsal} and the K layout`, () => {
    expect(T.fsal).toBe(fsal);
    expect(T.fNewRow).toBe(fsal ? T.stages - 1 : T.stages);
    expect(T.kRows).toBe(T.fNewRow + 1 + (T.dense?.extraStages?.c.length ?? 0));
  });

  it('is deeply frozen data', () => {
    expect(Object.isFrozen(T)).toBe(true);
    expect(Object.isFrozen(T.a)).toBe(true);
    expect(Object.isFrozen(T.a[T.stages - 1])).toBe(true);
    expect(Object.isFrozen(T.b)).toBe(true);
    expect(() => {
      (T.b as number[])[0] = 2;
    }).toThrow(TypeError);
    expect(T.reference.length).toBeGreaterThan(10);
  });

  it('has a dense output that reproduces y₁ at θ = 1 and f(t, y) at θ = 0', () => {
    const d = T.dense;
    expect(d).toBeDefined();
    if (d === undefined) return;
    // Coefficients of a single component: r_j = h Σ_i P[i][j] K_i with random K_i.
    const h = 0.37;
    const K = Array.from({ length: T.kRows }, (_, i) => Math.sin(1 + 3.1 * i));
    const m = (d.P[0] as readonly number[]).length;
    const r = Float64Array.from({ length: m }, (_, j) => h * d.P.reduce((s, row, i) => s + (row[j] as number) * (K[i] as number), 0));
    const y0 = Float64Array.of(0.5);
    const yAt = (theta: number): number => (evaluateDense(d.basis, m, 1, r, 0, y0, 0, theta, new Float64Array(1))[0] as number);
    const y1 = 0.5 + h * T.b.reduce((s, bi, i) => s + bi * (K[i] as number), 0);
    expect(Math.abs(yAt(1) - y1)).toBeLessThanOrEqual(1e-14 * Math.max(1, l1([...r])));
    expect(yAt(0)).toBe(0.5);
    // y′(0) = h f0: monomial r_0; nested r_0 + r_1 — both equal h K_0 when P has the Hermite property.
    const slope0 = d.basis === 'monomial' ? (r[0] as number) : (r[0] as number) + (r[1] as number);
    expect(Math.abs(slope0 - h * (K[0] as number))).toBeLessThanOrEqual(1e-14 * Math.max(1, l1([...r])));
  });
});

describe('defineTableau validation', () => {
  const heun = {
    name: 'heun',
    c: [0, 1],
    a: [[], [1]],
    b: [1 / 2, 1 / 2],
    bHat: [1, 0],
    order: 2,
    errorOrder: 1,
    reference: 'Heun–Euler 2(1), Hairer–Nørsett–Wanner I §II.4',
  };

  it('accepts a valid tableau, derives b_err = b − b̂ and fsal = false when the last row is not b', () => {
    const T: ButcherTableau = defineTableau(heun);
    expect(T.bErr).toEqual([-1 / 2, 1 / 2]);
    expect(T.fsal).toBe(false);
    expect(T.kind).toBe('explicitRK');
  });

  it('derives fsal = true for an FSAL layout', () => {
    const T = defineTableau({ ...heun, c: [0, 1, 1], a: [[], [1], [1 / 2, 1 / 2]], b: [1 / 2, 1 / 2, 0], bHat: [1, 0, 0] });
    expect(T.fsal).toBe(true);
  });

  it.each([
    ['a row of the wrong length', { a: [[], [1, 0]] }, /a\[1\] must have 1 entries, got 2/],
    ['a row sum different from c', { a: [[], [0.9]] }, /row sum of a\[1\] is 0.9, must equal c = 1/],
    ['Σb ≠ 1', { b: [0.5, 0.4] }, /Σb = 0.9/],
    ['c_0 ≠ 0', { c: [0.1, 1], a: [[], [1]] }, /c\[0\] must be 0/],
    ['a non-finite entry', { b: [NaN, 1] }, /b\[0\] is NaN, must be finite/],
    ['both bHat and bErr', { bErr: [-0.5, 0.5] }, /at most one of bHat and bErr/],
    ['Σb̂ ≠ 1', { bHat: [1, 0.1] }, /Σb̂ = 1.1/],
    ['errorOrder without embedded weights', { bHat: undefined }, /errorOrder must be given exactly when/],
    ['errorOrder ≥ order', { errorOrder: 2 }, /errorOrder must be an integer in \[1, order\)/],
    ['a dense P with the wrong row count', { dense: { basis: 'monomial', order: 1, P: [[1]] } }, /dense.P must have 3 rows/],
    ['a dense P that misses y₁ at θ = 1', { dense: { basis: 'monomial', order: 1, P: [[1], [0], [0]] } }, /dense.P\[0\] gives weight 1 at θ = 1, must equal b = 0.5/],
  ] as const)('rejects %s', (_label, patch, message) => {
    expect(() => defineTableau({ ...heun, ...patch } as never)).toThrow(TableauError);
    expect(() => defineTableau({ ...heun, ...patch } as never)).toThrow(message);
  });
});
