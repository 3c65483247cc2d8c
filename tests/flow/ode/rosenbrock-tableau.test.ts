import { describe, expect, it } from 'vitest';
import { defineRosenbrockTableau, rodas4, rodas4p, type RosenbrockTableau } from '../../../src/flow/ode/index.js';
import { rosenbrockStandardForm } from './helpers.js';

/** Residuals of the Rosenbrock order conditions up to order 4 (Hairer–Wanner II, Table 7.1). */
function orderResiduals(T: RosenbrockTableau, w: readonly number[]): number[][] {
  const { alpha, beta } = rosenbrockStandardForm(T);
  const g = T.gamma;
  const s = T.stages;
  const al = alpha.map((row) => row.reduce((p, x) => p + x, 0));
  const bp = beta.map((row) => row.reduce((p, x) => p + x, 0));
  const dot = (u: readonly number[], v: readonly number[]) => u.reduce((p, x, i) => p + x * (v[i] as number), 0);
  const mat = (M: number[][], v: readonly number[]) => M.map((row) => dot(row, v));
  const sq = al.map((x) => x * x);
  return [
    [dot(w, new Array<number>(s).fill(1)) - 1],
    [dot(w, bp) - (0.5 - g)],
    [dot(w, sq) - 1 / 3, dot(w, mat(beta, bp)) - (1 / 6 - g + g * g)],
    [
      dot(w, al.map((x) => x ** 3)) - 1 / 4,
      dot(w, al.map((x, i) => x * (mat(alpha, bp)[i] as number))) - (1 / 8 - g / 3),
      dot(w, mat(beta, sq)) - (1 / 12 - g / 3),
      dot(w, mat(beta, mat(beta, bp))) - (1 / 24 - g / 2 + 1.5 * g * g - g ** 3),
    ],
  ];
}

/** Every Rosenbrock tableau (registry driving describe.each). */
const ROSENBROCK_TABLEAUS: readonly RosenbrockTableau[] = [rodas4, rodas4p];

describe.each(ROSENBROCK_TABLEAUS.map((t) => [t.name, t] as const))('%s coefficients', (_name, T) => {
  it('satisfy every order condition up to order 4 for b (to 1e-13)', () => {
    for (const level of orderResiduals(T, rosenbrockStandardForm(T).b)) for (const r of level) expect(Math.abs(r)).toBeLessThan(1e-13);
  });

  it('embedded b̂ has order exactly 3', () => {
    const res = orderResiduals(T, rosenbrockStandardForm(T).bHat);
    for (const level of res.slice(0, 3)) for (const r of level) expect(Math.abs(r)).toBeLessThan(1e-13);
    expect(Math.max(...(res[3] as number[]).map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('is stiffly accurate: y₁ is the last stage argument plus U₆, err = U₆', () => {
    expect([...T.m.slice(0, 5)]).toEqual([...(T.a[5] as readonly number[])]);
    expect([...T.e]).toEqual([0, 0, 0, 0, 0, 1]);
    expect(T.c[5]).toBe(1);
  });

  it('has d_i = Σ_j Γ_ij and c_i = Σ_j α_ij', () => {
    const { G, alpha } = rosenbrockStandardForm(T);
    G.forEach((row, i) => expect(Math.abs(row.reduce((p, x) => p + x, 0) - (T.d[i] as number))).toBeLessThan(1e-13));
    alpha.forEach((row, i) => expect(Math.abs(row.reduce((p, x) => p + x, 0) - (T.c[i] as number))).toBeLessThan(1e-14));
  });

  it('is frozen', () => {
    expect(Object.isFrozen(T)).toBe(true);
    expect(Object.isFrozen(T.C[3])).toBe(true);
  });
});

describe('defineRosenbrockTableau validation', () => {
  const { kind: _k, stages: _s, ...def } = rodas4;
  it('rebuilds rodas4 from its own data', () => {
    expect(defineRosenbrockTableau(def).m).toEqual(rodas4.m);
  });
  it.each([
    ['a wrong time-derivative weight', { d: [0.25, -0.1, 0.1035, -0.0362, 0, 0] }, /d\[1\] = -0.1 but Σ_j Γ_1j = -0.1043/],
    ['a wrong stage time', { c: [0, 0.4, 0.21, 0.63, 1, 1] }, /c\[1\] = 0.4 but Σ_j α_1j = 0.386/],
    ['weights that do not sum to one', { m: [1, 0, 0, 0, 0, 0] }, /Σ b = Σ \(mΓ\)/],
    ['gamma ≤ 0', { gamma: 0 }, /gamma must be finite and > 0/],
    ['a ragged C', { C: [[], [1, 2], [0, 0], [0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0, 0]] }, /C\[1\] must have 1 entries/],
  ] as const)('rejects %s', (_label, patch, message) => {
    expect(() => defineRosenbrockTableau({ ...def, ...patch } as never)).toThrow(message);
  });
});
