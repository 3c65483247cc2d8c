import { describe, expect, it } from 'vitest';
import {
  ConstantStepSize,
  explicitRK,
  solve,
  type ButcherTableau,
  type ExplicitRKWorkspace,
} from '../../../src/flow/ode/index.js';
import { ADAPTIVE_TABLEAUS, ALL_TABLEAUS, TOL, Y0, exactLinear, fittedOrder, linearField, maxAbsDiff } from './helpers.js';

/**
 * Step-size exponents k (dt = 2^-k) per method: inside the asymptotic regime and, after the
 * round-off floor is dropped, at least three points (y′ = A y on [0, 1], λ(A) = −0.5 … −3).
 */
const ORDER_RANGES: Record<string, readonly [number, number]> = {
  euler: [4, 10],
  rk4: [3, 8],
  bosh3: [3, 9],
  dopri5: [4, 8],
  tsit5: [5, 8],
  dop853: [1, 4],
};

function fixedStepError(T: ButcherTableau, dt: number): number {
  const sol = solve(linearField, Y0, [0, 1], T, { controller: new ConstantStepSize(), dt0: dt });
  return maxAbsDiff(sol.y, exactLinear(1));
}

describe.each(ALL_TABLEAUS.map((e) => [e.tableau.name, e.tableau] as const))('explicit RK stepper with %s', (name, T) => {
  it(`converges with order ${T.order} ± ${TOL.orderSlack} on y′ = A y (fixed steps 2^-k)`, () => {
    const [k0, k1] = ORDER_RANGES[name] as readonly [number, number];
    const dts: number[] = [];
    const errs: number[] = [];
    for (let k = k0; k <= k1; k++) {
      dts.push(2 ** -k);
      errs.push(fixedStepError(T, 2 ** -k));
    }
    const { slope, used } = fittedOrder(dts, errs);
    expect(used).toBeGreaterThanOrEqual(3);
    expect(Math.abs(slope - T.order)).toBeLessThanOrEqual(TOL.orderSlack);
  });

  it('allocates its workspace once: step/complete/dense/advance reuse the same buffers', () => {
    const st = explicitRK(T);
    const y = Float64Array.from(Y0);
    const ws: ExplicitRKWorkspace = st.init(linearField, 0, y, T.bErr !== undefined);
    const { K, yNew, err, tmp, dense, f, fNew } = ws;
    const rows = [...ws.rows];
    const r1 = st.step(ws, 0, y, 0.1);
    const r2 = st.step(ws, 0, y, 0.05);
    expect(r1).toBe(ws);
    expect(r2).toBe(ws);
    st.complete(ws, 0, 0.05);
    expect(st.denseCoefficients(ws, 0, y, 0.05)).toBe(dense);
    y.set(ws.yNew);
    st.advance(ws);
    st.step(ws, 0.05, y, 0.05);
    for (const [a, b] of [
      [ws.K, K],
      [ws.yNew, yNew],
      [ws.err, err],
      [ws.tmp, tmp],
      [ws.dense, dense],
      [ws.f, f],
      [ws.fNew, fNew],
    ] as const)
      expect(a).toBe(b);
    ws.rows.forEach((row, i) => {
      expect(row).toBe(rows[i]);
      expect(row.buffer).toBe(K.buffer);
    });
  });

  it('leaves f(t, y) intact when a step is attempted (so a rejected step can be retried)', () => {
    const st = explicitRK(T);
    const ws = st.init(linearField, 0, Y0, true);
    const f0 = Float64Array.from(ws.f);
    st.step(ws, 0, Y0, 0.3);
    st.step(ws, 0, Y0, 0.1);
    expect(ws.f).toEqual(f0);
  });

  it(`costs ${T.fsal ? 's − 1' : 's'} evaluations per fixed step (K row 0 is carried over)`, () => {
    const steps = 16;
    const sol = solve(linearField, Y0, [0, 1], T, { controller: new ConstantStepSize(), dt0: 1 / steps });
    const perStep = T.fsal ? T.stages - 1 : T.stages;
    expect(sol.stats.nfev).toBe(1 + steps * perStep);
    expect(sol.stats.accepted).toBe(steps);
  });
});

describe.each(ADAPTIVE_TABLEAUS.map((T) => [T.name, T] as const))('embedded error estimate of %s', (name, T) => {
  // Asymptotic range of single steps from the exact initial value; DOP853 reaches round-off sooner.
  const ks = name === 'dop853' ? [1, 2, 3, 4] : [3, 4, 5, 6];
  const st = explicitRK(T);
  const unitScale = new Float64Array(Y0.length).fill(1);
  const rms = (a: Float64Array, b: Float64Array) => Math.sqrt(a.reduce((s, x, i) => s + (x - (b[i] as number)) ** 2, 0) / a.length);
  const estimates: number[] = [];
  const truths: number[] = [];
  for (const k of ks) {
    const ws = st.init(linearField, 0, Y0, true);
    st.step(ws, 0, Y0, 2 ** -k);
    estimates.push(st.errorNorm(ws, unitScale));
    truths.push(rms(ws.yNew, exactLinear(2 ** -k)));
  }

  it('bounds the true local error of the propagated solution (scipy test_error_estimation)', () => {
    truths.forEach((tr, i) => expect(tr).toBeLessThanOrEqual(estimates[i] as number));
  });

  it(`scales like h^(errorOrder + 1) = h^${(T.errorOrder as number) + 1}`, () => {
    const { slope } = fittedOrder(
      ks.map((k) => 2 ** -k),
      estimates,
      1e-15,
    );
    expect(Math.abs(slope - ((T.errorOrder as number) + 1))).toBeLessThanOrEqual(TOL.orderSlack);
  });
});
