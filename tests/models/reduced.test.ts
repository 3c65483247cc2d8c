import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import {
  effectiveGdBeta, estimatorFromReduced, ltbFromGdBeta, lsaFromGd0, packReduced, predict, predictReduced, reducedForm, reducedLayout,
  reducedSize, samplePrompt, unpackReduced, viewReduced, type GdBeta, type Ltb,
} from '../../src/models/index.js';
import { riskAttention, riskReduced } from '../../src/risk/index.js';
import { randomGdBeta, randomLtb, randomLsa, randomProblem, relDiff, relDiffArray } from '../helpers/problems.js';

// Sizes and seeds are drawn as their own parameters; every failure prints the seed for replay.
const dims = fc.integer({ min: 1, max: 6 });
const ctx = fc.integer({ min: 1, max: 12 });
const seeds = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** |a − b| ≤ tol·scale, scale = the size of the terms that were summed. */
function close(a: number, b: number, scale: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(scale, Math.abs(a), Math.abs(b), 1e-300);
}

describe('the LTB ↔ GD-β correspondence (math.md §2)', () => {
  test.prop([dims, ctx, seeds], { numRuns: 60 })('ltbFromGdBeta predicts what GD-β predicts (relative 1e-12)', (d, M, seed) => {
    const rng = new Rng(seed);
    const problem = randomProblem(rng, d, M, { betaScale: 2 });
    const g = randomGdBeta(rng, d, 0.5);
    const ltb = ltbFromGdBeta(g);
    for (let k = 0; k < 5; k++) {
      const prompt = samplePrompt(problem, rng);
      const a = predict(g, prompt);
      const b = predict(ltb, prompt, true);
      let scale = 0;
      for (let i = 0; i < d; i++) scale += Math.abs(prompt.x[i]!) * (Math.abs(g.beta0[i]!) + 1);
      expect(close(a, b, scale * 10, 1e-12), `seed ${seed}: GD-β ${a} vs LTB ${b}`).toBe(true);
    }
  });

  test.prop([dims, ctx, seeds], { numRuns: 40 })('lsaFromGd0 predicts what GD-0 predicts', (d, M, seed) => {
    const rng = new Rng(seed);
    const problem = randomProblem(rng, d, M);
    const g = { kind: 'gd-0' as const, Gamma: randomGdBeta(rng, d).Gamma };
    const prompt = samplePrompt(problem, rng);
    expect(relDiff(predict(g, prompt), predict(lsaFromGd0(g), prompt, true))).toBeLessThan(1e-12);
  });

  test.prop([dims, ctx, seeds, fc.integer({ min: 1, max: 4 })], { numRuns: 60 })(
    'the reduced form xᵀ(β_m + QᵀWp) predicts what the explicit masked forward pass predicts',
    (d, M, seed, df) => {
      const rng = new Rng(seed);
      const problem = randomProblem(rng, d, M);
      const ltb = randomLtb(rng, d, df, 0.7);
      const red = reducedForm(ltb);
      for (let k = 0; k < 3; k++) {
        const prompt = samplePrompt(problem, rng);
        const a = predict(ltb, prompt, true);
        const b = predictReduced(red, prompt);
        expect(relDiff(a, b), `seed ${seed}`).toBeLessThan(1e-10);
      }
    },
  );

  test.prop([dims, seeds], { numRuns: 60 })('effectiveGdBeta(ltbFromGdBeta(g)) round-trips to g', (d, seed) => {
    const rng = new Rng(seed);
    const g = randomGdBeta(rng, d, 1);
    const eff = effectiveGdBeta(ltbFromGdBeta(g));
    expect(eff.ok).toBe(true);
    if (!eff.ok) return;
    expect(relDiffArray(eff.estimator.Gamma.data, g.Gamma.data)).toBeLessThan(1e-15);
    expect(relDiffArray(eff.estimator.beta0, g.beta0)).toBeLessThan(1e-15);
  });
});

describe('effectiveGdBeta reports why an LTB is not a GD-β, with the size', () => {
  const rng = new Rng(3);
  const g: GdBeta = randomGdBeta(rng, 3, 1);
  const base = ltbFromGdBeta(g);
  it('q_y ≠ 0', () => {
    const WKQ = { ...base.WKQ, data: Float64Array.from(base.WKQ.data) };
    WKQ.data[3 * 4 + 1] = 0.25; // row d+1 of the first d columns is q_yᵀ
    const eff = effectiveGdBeta({ ...base, WKQ });
    expect(eff.ok).toBe(false);
    if (!eff.ok) {
      expect(eff.reason).toBe('q_y ≠ 0');
      expect(eff.size).toBeCloseTo(0.25, 15);
    }
  });
  it('p_y = 0', () => {
    const WPV = { ...base.WPV, data: Float64Array.from(base.WPV.data) };
    WPV.data[15] = 0;
    const eff = effectiveGdBeta({ ...base, WPV });
    expect(eff.ok ? 'ok' : eff.reason).toBe('p_y = 0');
  });
  it('β_m ≠ −p_x/p_y (the MLP offset disagrees with the attention offset)', () => {
    const W1 = { ...base.W1, data: Float64Array.from(base.W1.data) };
    W1.data[0] += 0.5;
    const eff = effectiveGdBeta({ ...base, W1 } as Ltb);
    expect(eff.ok ? 'ok' : eff.reason).toBe('β_m ≠ −p_x/p_y');
    if (!eff.ok) expect(Math.abs(eff.size - 0.5)).toBeLessThan(1e-15);
  });
});

describe('reduced ↔ raw and the packing θ = (β_m, p, Q)', () => {
  const kinds = fc.constantFrom('lsa' as const, 'ltb' as const);

  test.prop([dims, seeds, kinds], { numRuns: 60 })('reduced → raw → reduced is exact (bit for bit), and pack/unpack round-trips', (d, seed, kind) => {
    const rng = new Rng(seed);
    const theta = Float64Array.from({ length: reducedSize(d, kind) }, () => rng.normal());
    const red = unpackReduced(theta, d, kind);
    expect(Array.from(packReduced(red, kind))).toEqual(Array.from(theta));
    const est = estimatorFromReduced(red, kind);
    expect(est.kind).toBe(kind);
    const back = reducedForm(est);
    expect(Array.from(back.p)).toEqual(Array.from(red.p));
    expect(Array.from(back.Q.data)).toEqual(Array.from(red.Q.data));
    expect(Array.from(back.betaM)).toEqual(Array.from(red.betaM)); // zeros for LSA
    // viewReduced: the same parameters as views into θ (no copies)
    const zero = new Float64Array(d);
    const view = viewReduced(theta, d, kind, zero);
    expect(Array.from(packReduced(view, kind))).toEqual(Array.from(theta));
    expect(view.Q.data.buffer).toBe(theta.buffer);
    if (kind === 'lsa') expect(view.betaM).toBe(zero);
  });

  test.prop([dims, seeds, fc.integer({ min: 1, max: 3 })], { numRuns: 40 })(
    'raw → reduced → raw keeps the function: the d_f = 1 LTB predicts what the original LTB/LSA predicts',
    (d, seed, df) => {
      const rng = new Rng(seed);
      const problem = randomProblem(rng, d, 5);
      for (const e of [randomLtb(rng, d, df, 0.7), randomLsa(rng, d, 0.7)]) {
        const again = estimatorFromReduced(reducedForm(e), e.kind);
        const prompt = samplePrompt(problem, rng);
        expect(relDiff(predict(again, prompt, true), predict(e, prompt, true)), `seed ${seed}`).toBeLessThan(1e-10);
      }
    },
  );

  it('the layout: β_m at 0 (LTB only), then p [d+1], then Q [d+1, d] row-major', () => {
    expect(reducedLayout(3, 'ltb')).toEqual({ p: 3, Q: 7, size: 19 });
    expect(reducedLayout(3, 'lsa')).toEqual({ p: 0, Q: 4, size: 16 });
    expect(reducedSize(1, 'ltb')).toBe(1 + 2 + 2);
  });

  describe('on a problem', () => {
    const p = randomProblem(new Rng(3), 3, 5, { betaScale: 3 });
    const rng = new Rng(5);
    const theta = Float64Array.from({ length: 3 + 4 + 12 }, () => rng.normal());

    it('pack/unpack round-trips and raw weights reproduce the reduced parameters', () => {
      const red = unpackReduced(theta, 3, 'ltb');
      expect(Array.from(packReduced(red, 'ltb'))).toEqual(Array.from(theta));
      const est = estimatorFromReduced(red, 'ltb');
      expect(riskAttention(p, est).risk).toBe(riskReduced(p, red).risk);
    });
  });
});
