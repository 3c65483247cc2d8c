/**
 * The LTB reparametrisations of the kit (docs/math.md §2.2): each keeps the reduced form
 * (u, p, Q) — or maps it by the gauge (2.10) — and so predicts exactly what the original block
 * predicts through the explicit forward pass, under either mask; none touches its input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PromptSampler, estimatorToJSON, predictLtb, readoutVector, reducedForm, type Ltb } from '../../src/models/index.js';
import {
  LTB_REPARAMETRISATIONS, addPvOrthogonalToReadout, changeMlpBasis, ltbArb, padMlp, problemArb, rescaleGauge, seedArb,
  type LtbReparametrisation,
} from '../../src/testing/index.js';
import { propertyParams } from '../helpers/arbitraries.js';
import { EPS, maxAbsDiff } from '../helpers/tolerance.js';

const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: 0xca11, ...propertyParams(numRuns) });

/** The block with |weights|: its reduced form and predictions bound Σ|terms| of the original's. */
function absLtb(e: Ltb): Ltb {
  const a = (A: Ltb['WKQ']) => ({ rows: A.rows, cols: A.cols, data: A.data.map(Math.abs) });
  return { kind: 'ltb', WKQ: a(e.WKQ), WPV: a(e.WPV), W1: a(e.W1), W2: a(e.W2) };
}

/** |a_i − b_i| ≤ 64·n·ε·cond·(A_i + B_i) for every i, with A, B the Σ|terms| magnitudes. */
function near(a: ArrayLike<number>, b: ArrayLike<number>, A: ArrayLike<number>, B: ArrayLike<number>, n: number, cond: number): boolean {
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - b[i]!) <= 64 * n * EPS * cond * (A[i]! + B[i]!) + 2 ** -960)) return false;
  }
  return a.length === b.length;
}

describe.each(LTB_REPARAMETRISATIONS.map((r) => [r.name, r] as const))("'%s'", (_name, r: LtbReparametrisation<unknown>) => {
  it('keeps (u, β_m, p, Q), or maps (p, Q) → (t·p, Q/t), and leaves its input untouched', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }).chain((d) => fc.tuple(ltbArb(d), r.param)), ([ltb, param]) => {
        const before = JSON.stringify(estimatorToJSON(ltb));
        const other = r.apply(ltb, param);
        expect(JSON.stringify(estimatorToJSON(ltb))).toBe(before);
        const n = ltb.WKQ.rows + other.W1.rows;
        const cond = r.conditioning(param);
        const a = reducedForm(ltb);
        const b = reducedForm(other);
        const A = reducedForm(absLtb(ltb));
        const B = reducedForm(absLtb(other));
        const t = r.name === 'gauge' ? (param as number) : 1;
        expect(near(readoutVector(ltb), readoutVector(other), readoutVector(absLtb(ltb)), readoutVector(absLtb(other)), n, cond)).toBe(true);
        expect(near(a.betaM, b.betaM, A.betaM, B.betaM, n, cond)).toBe(true);
        expect(near(a.p.map((x) => t * x), b.p, A.p.map((x) => Math.abs(t) * x), B.p, n, cond)).toBe(true);
        expect(near(a.Q.data.map((x) => x / t), b.Q.data, A.Q.data.map((x) => x / Math.abs(t)), B.Q.data, n, cond)).toBe(true);
      }),
      params(40),
    );
  });

  it('predicts what the original predicts on random prompts, masked and unmasked', () => {
    fc.assert(
      fc.property(
        problemArb({ masked: [true, false], d: { min: 1, max: 3 } }).chain((p) => fc.tuple(fc.constant(p), ltbArb(p.d), r.param, seedArb)),
        ([problem, ltb, param, seed]) => {
          const other = r.apply(ltb, param);
          const sampler = new PromptSampler(problem, seed);
          for (let k = 0; k < 3; k++) {
            const q = sampler.next();
            const f0 = predictLtb(ltb, q, problem.masked);
            const f1 = predictLtb(other, q, problem.masked);
            const absQ = { ...q, X: { ...q.X, data: q.X.data.map(Math.abs) }, y: q.y.map(Math.abs), x: q.x.map(Math.abs) };
            const F = predictLtb(absLtb(ltb), absQ, problem.masked) + predictLtb(absLtb(other), absQ, problem.masked);
            const n = problem.M + problem.d + other.W1.rows + 3;
            expect(Math.abs(f0 - f1)).toBeLessThanOrEqual(64 * n * EPS * r.conditioning(param) * F + 2 ** -960);
          }
        },
      ),
      params(30),
    );
  });
});

describe('edge cases of the transformations', () => {
  const ltb: Ltb = {
    kind: 'ltb',
    WKQ: { rows: 2, cols: 2, data: Float64Array.from([1, 2, 3, 4]) },
    WPV: { rows: 2, cols: 2, data: Float64Array.from([0.5, -1, 2, 1]) },
    W1: { rows: 1, cols: 2, data: Float64Array.from([0.3, 0.7]) },
    W2: { rows: 1, cols: 2, data: Float64Array.from([0.2, 0.9]) },
  };

  it('rescaleGauge rejects t = 0 and non-finite t', () => {
    expect(() => rescaleGauge(ltb, 0)).toThrow(/non-zero/);
    expect(() => rescaleGauge(ltb, Number.NaN)).toThrow(RangeError);
  });

  it('padMlp adds rows with W₂[:, d+1] = 0; changeMlpBasis with cond 1 and d_f = 1 is ±identity', () => {
    const wider = padMlp(ltb, { rows: 2, seed: 1, scale: 1 });
    expect([wider.W1.rows, wider.W2.rows]).toEqual([3, 3]);
    expect([wider.W2.data[3], wider.W2.data[5]]).toEqual([0, 0]);
    const same = changeMlpBasis(ltb, { seed: 4, cond: 1 });
    expect(Math.abs(same.W1.data[0]!)).toBeCloseTo(0.3, 15);
    expect(same.W1.data[0]! * same.W2.data[0]!).toBeCloseTo(0.3 * 0.2, 15);
  });

  it('addPvOrthogonalToReadout changes W^{PV} but not p = (W^{PV})ᵀu', () => {
    const other = addPvOrthogonalToReadout(ltb, { seed: 8, scale: 3 });
    expect(maxAbsDiff(other.WPV.data, ltb.WPV.data)).toBeGreaterThan(0.1);
    expect(maxAbsDiff(reducedForm(other).p, reducedForm(ltb).p)).toBeLessThan(1e-14 * 30);
  });
});
