/**
 * The GD-β^L estimator kind (docs/math.md §3.6): JSON parsing with field-naming errors, the round
 * trip, and the explicit recursion of `predictGdMultistep` against independent formulas.
 */
import { describe, expect, it } from 'vitest';
import { Rng, type Matrix } from '../../src/linalg/index.js';
import {
  EstimatorError, estimatorDim, estimatorToJSON, parseEstimator, predict, predictGdBeta, predictGdMultistep, samplePrompt, type GdMultistep,
} from '../../src/models/index.js';
import { randomMatrix, randomProblem, randomVector } from '../helpers/problems.js';
import { EPS } from '../helpers/tolerance.js';

const rows = (A: Matrix): number[][] => Array.from({ length: A.rows }, (_, i) => Array.from(A.data.subarray(i * A.cols, (i + 1) * A.cols)));

describe('gd-multistep JSON', () => {
  const json = { kind: 'gd-multistep', beta0: [0.5, -1], Gammas: [[[1, 2], [3, 4]], [[0.5, 0], [0, 0.25]], [[0, 1], [-1, 0]]] };

  it('parses, reports d, and round-trips through estimatorToJSON', () => {
    const e = parseEstimator(json, 2) as GdMultistep;
    expect(e.kind).toBe('gd-multistep');
    expect(e.Gammas).toHaveLength(3);
    expect(Array.from(e.Gammas[0]!.data)).toEqual([1, 2, 3, 4]);
    expect(estimatorDim(e)).toBe(2);
    expect(estimatorToJSON(e)).toEqual(json);
    expect(estimatorToJSON(parseEstimator(estimatorToJSON(e), 2))).toEqual(json);
  });

  it('names the field in every error', () => {
    const bad = (v: Record<string, unknown>): (() => unknown) => () => parseEstimator({ ...json, ...v }, 2);
    expect(bad({ Gammas: [] })).toThrow(/Gammas: must be a non-empty list of L matrices \[d, d\] = \[2, 2\]/);
    expect(bad({ Gammas: 3 })).toThrow(EstimatorError);
    expect(bad({ Gammas: [[[1, 2], [3, 4]], [[1, 2], [3, 4]], [[1, 2], [3]]] })).toThrow(/Gammas\[2\]\[1\]: has 1 entries/);
    expect(bad({ Gammas: [[[1, 2], [3, 4]], [[1, 2, 3], [3, 4, 5]]] })).toThrow(/Gammas\[1\]/);
    expect(bad({ Gammas: [[[1, 2], [3, 4]], [[1, 2], [3, 'x']]] })).toThrow(/Gammas\[1\]\[1\]\[1\]/);
    expect(bad({ beta0: [1] })).toThrow(/beta0: must have length 2/);
    expect(() => parseEstimator({ kind: 'gd-multistep', Gammas: json.Gammas }, 2)).toThrow(/beta0: is required/);
    expect(() => parseEstimator({ kind: 'gd-multistep', beta0: [0, 0] }, 2)).toThrow(/Gammas: is required/);
    expect(bad({ Gamma: [[1, 0], [0, 1]] })).toThrow(/Gamma: unknown field/);
  });
});

describe('predictGdMultistep: the explicit recursion (3.42)', () => {
  it('with L = 1 equals the one-step GD-β prediction (2.5)', () => {
    const rng = new Rng(21);
    for (const d of [1, 3, 5]) {
      const p = randomProblem(rng, d, 4);
      const Gamma = randomMatrix(rng, d, d, 0.4);
      const beta0 = randomVector(rng, d);
      for (let k = 0; k < 20; k++) {
        const q = samplePrompt(p, rng);
        const a = predictGdMultistep({ kind: 'gd-multistep', beta0, Gammas: [Gamma] }, q);
        const b = predictGdBeta({ kind: 'gd-beta', Gamma, beta0 }, q);
        // The same sums in a different order (the 1/M placement): rounding of O((M + d)·ε) relative.
        expect(Math.abs(a - b)).toBeLessThanOrEqual(64 * (4 + d) * EPS * (1 + Math.abs(b)));
      }
    }
  });

  it('equals the product form b_L = P_L β₀ + Σ_l P_{L←l+1} Γ_l s (S = XᵀX/M, s = Xᵀy/M), and predict() dispatches to it', () => {
    const rng = new Rng(22);
    const d = 3;
    const M = 5;
    const p = randomProblem(rng, d, M, { betaScale: 2 });
    const est: GdMultistep = { kind: 'gd-multistep', beta0: randomVector(rng, d), Gammas: [0, 1, 2, 3].map(() => randomMatrix(rng, d, d, 0.3)) };
    for (let k = 0; k < 10; k++) {
      const q = samplePrompt(p, rng);
      const S = new Float64Array(d * d);
      const s = new Float64Array(d);
      for (let i = 0; i < M; i++) {
        for (let a = 0; a < d; a++) {
          s[a] += (q.X.data[i * d + a]! * q.y[i]!) / M;
          for (let b = 0; b < d; b++) S[a * d + b] += (q.X.data[i * d + a]! * q.X.data[i * d + b]!) / M;
        }
      }
      // b ← (I − ΓS)b + Γs, written with S formed explicitly (the recursion never forms S).
      let b = Float64Array.from(est.beta0);
      for (const G of est.Gammas) {
        const r = new Float64Array(d);
        for (let a = 0; a < d; a++) {
          let t = s[a]!;
          for (let c = 0; c < d; c++) t -= S[a * d + c]! * b[c]!;
          r[a] = t;
        }
        const nb = Float64Array.from(b);
        for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) nb[a] += G.data[a * d + c]! * r[c]!;
        b = nb;
      }
      let want = 0;
      let mag = 0;
      for (let a = 0; a < d; a++) {
        want += q.x[a]! * b[a]!;
        mag += Math.abs(q.x[a]! * b[a]!);
      }
      const got = predictGdMultistep(est, q);
      expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(1e3 * EPS * (mag + 1) * M * d);
      expect(predict(est, q, false)).toBe(got); // GD has no mask
    }
  });

  it('is written as rows(…) in the JSON the CLI reads', () => {
    const G: Matrix = { rows: 1, cols: 1, data: Float64Array.of(0.5) };
    expect(estimatorToJSON({ kind: 'gd-multistep', beta0: Float64Array.of(1), Gammas: [G, G] })).toEqual({ kind: 'gd-multistep', beta0: [1], Gammas: [rows(G), rows(G)] });
  });
});
