/**
 * The stack training kernel (src/train/stack.ts): its forward pass (on T_l and W̃) against src/models'
 * `predictStack` (an independent route on the whole embedding E [d+1, M+1]), its hand-written reverse
 * pass against central finite differences of the same empirical loss (fixed batch: the kernel is
 * re-created with the same seed for every evaluation), and, for one layer, against the one-layer
 * kernel's gradient (src/train/kernel.ts). Seeds are fixed and printed in the test names.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import {
  contextStatisticInto, makeProblem, predictGdMultistep, type Ltb, predictStack, PromptSampler, stackFromGdMultistep, type Problem, type Prompt,
} from '../../src/models/index.js';
import { optimum } from '../../src/optimum/index.js';
import {
  batchLossGrad, createKernel, drawPromptSet, paramLayout, setLossGrad, train, type PromptSet, type PromptSource, type StackTrainOptions,
} from '../../src/train/index.js';
import {
  createStackKernel, paramsFromStack, stackBatchLossGrad, stackFromParams, stackLayout, stackLayoutOf, stackSetLossGrad,
  stackStructureResidual, type StackLayout,
} from '../../src/train/stack.js';
import { Z_MAX, zScore } from '../helpers/stats.js';
import { EPS } from '../helpers/tolerance.js';

/**
 * Central-difference step (jax check_grads: 1e-4). The loss is a polynomial in θ of degree up to
 * 2·3^L, and at L = 3 with M = 2 (heavy-tailed W) its third derivative is large: the plain central
 * difference at h = 1e-5 was off by 6e-6 relative, scaling exactly as h² (1e-3 … 1e-6 measured) —
 * truncation, not a wrong gradient. So the reference is Richardson-extrapolated,
 * (4·D(h/2) − D(h))/3, whose truncation is O(h⁴).
 */
const FD_STEP = 1e-4;
/**
 * |FD − gᵀv| ≤ FD_RTOL·(|gᵀv| + loss): in that worst case the h-sweep gives an h⁴ coefficient ≈ 1e9, so
 * the extrapolated truncation at h = 1e-4 is ≈ 2e-8 absolute (2e-10 relative), and rounding
 * ≈ eps·loss/h ≈ 2e-12·loss, so 1e-6 leaves a margin ≥ 10³ and
 * still catches any wrong term (a missing term of the reverse pass moves gᵀv by O(1) relative).
 */
const FD_RTOL = 1e-6;

/** Richardson-extrapolated central difference of t ↦ f(t) at 0 (error O(h⁴)). */
function richardson(f: (t: number) => number, h: number): number {
  const D = (s: number): number => (f(s) - f(-s)) / (2 * s);
  return (4 * D(h / 2) - D(h)) / 3;
}
/**
 * The T-route and the E-route sum the same products in different orders: O(L·p·(M + p)) roundings
 * of O(1) magnitudes per prediction; ε·1e4 covers L ≤ 3, p ≤ 4, M ≤ 10 with a margin of ≈ 50.
 */
const FORWARD_ATOL = 1e4 * EPS;
/** Same-function gradients by two association orders (one layer): ≈ p·M roundings of the largest entry. */
const SAME_GRAD_RTOL = 1e3 * EPS;

function problems(): { name: string; problem: Problem }[] {
  const H = [[1.5, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.7]];
  return [
    { name: 'masked, dense H, β* ≠ 0, σ² > 0 (M = 7)', problem: makeProblem({ d: 3, M: 7, H, Psi: 0.5, betaStar: [0.4, -0.3, 0.2], sigma2: 0.2 }) },
    { name: 'unmasked, dense H (M = 7)', problem: makeProblem({ d: 3, M: 7, H, Psi: 0.5, betaStar: [0.4, -0.3, 0.2], sigma2: 0.2, masked: false }) },
    { name: 'masked, M = 2 < d+1', problem: makeProblem({ d: 3, M: 2, H: [2, 1, 0.5], betaStar: 0.3, sigma2: 0.1 }) },
  ];
}

/** (2.19)'s architecture with L = 1, 2, 3 (d_f = 2 so that W₁, W₂ have more than one row), and a mixed stack. */
function layouts(d: number): { name: string; layout: StackLayout }[] {
  const mixed = stackLayoutOf({
    kind: 'stack',
    layers: [
      { kind: 'lsa', WKQ: zeros(d + 1, d + 1), WPV: zeros(d + 1, d + 1) },
      { kind: 'ltb', WKQ: zeros(d + 1, d + 1), WPV: zeros(d + 1, d + 1), W1: zeros(3, d + 1), W2: zeros(3, d + 1) },
      { kind: 'lsa', WKQ: zeros(d + 1, d + 1), WPV: zeros(d + 1, d + 1) },
    ],
  });
  return [
    { name: 'L = 1 (LTB)', layout: stackLayout(d, 1, { dF: 2 }) },
    { name: 'L = 2 (LTB, LSA)', layout: stackLayout(d, 2, { dF: 2 }) },
    { name: 'L = 3 (LTB, LSA, LSA)', layout: stackLayout(d, 3, { dF: 2 }) },
    { name: 'L = 3 (LSA, LTB d_f = 3, LSA)', layout: mixed },
  ];
}

function zeros(rows: number, cols: number) {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

function randomTheta(n: number, seed: number, scale = 0.3): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => scale * rng.normal());
}

/** A one-prompt stored set (W of (1.2), x, and the label given). */
function singleSet(prompt: Prompt, label: number): PromptSet {
  const d = prompt.x.length;
  const p = d + 1;
  const W = { rows: p, cols: p, data: new Float64Array(p * p) };
  contextStatisticInto(W, prompt.X, prompt.y);
  return { n: 1, W: W.data, x: Float64Array.from(prompt.x), y: Float64Array.of(label) };
}

describe('stack kernel forward pass = predictStack on the whole embedding (seed 11, θ seed 5)', () => {
  for (const { name, problem } of problems()) {
    for (const { name: lname, layout } of layouts(problem.d)) {
      it(`${lname}, ${name}: every prediction and the batch loss`, () => {
        const theta = randomTheta(layout.n, 5);
        const stack = stackFromParams(layout, theta);
        const B = 30;
        const k = createStackKernel(problem, layout, 'direct', 11);
        const loss = stackBatchLossGrad(k, theta, null, B);
        // Same stream: the kernel's direct prompts are src/models' PromptSampler with the same seed.
        const sampler = new PromptSampler(problem, 11);
        const evalKernel = createStackKernel(problem, layout, 'direct');
        let ref = 0;
        for (let s = 0; s < B; s++) {
          const pr = sampler.next();
          const f = predictStack(stack, pr, problem.masked);
          ref += (f - pr.yQuery) ** 2;
          // Per prompt, sign included: with the label f_ref + 1 the loss is (f − f_ref − 1)² = 1 − 2(f − f_ref) + …
          const one = stackSetLossGrad(evalKernel, theta, singleSet(pr, f + 1)).mean;
          const tol = FORWARD_ATOL * (1 + Math.abs(f));
          expect(Math.abs(one - 1), `prompt ${s}: f_ref = ${f}`).toBeLessThanOrEqual(2 * tol + tol * tol);
        }
        ref /= B;
        expect(Math.abs(loss - ref)).toBeLessThanOrEqual(FORWARD_ATOL * (1 + ref));
      });
    }
  }

  it('the (2.19) weights give the GD-β^L prediction (L = 3, masked, seed 13)', () => {
    const { problem } = problems()[0]!;
    const d = problem.d;
    const rng = new Rng(13);
    const mat = () => ({ rows: d, cols: d, data: Float64Array.from({ length: d * d }, () => 0.3 * rng.normal()) });
    const est = { kind: 'gd-multistep' as const, beta0: Float64Array.from({ length: d }, () => rng.normal()), Gammas: [mat(), mat(), mat()] };
    const stack = stackFromGdMultistep(est);
    const layout = stackLayoutOf(stack);
    expect(layout.layers.map((l) => l.kind)).toEqual(['ltb', 'lsa', 'lsa']);
    const theta = paramsFromStack(layout, stack);
    expect(stackStructureResidual(stack)).toBe(0);
    const k = createStackKernel(problem, layout, 'direct');
    const sampler = new PromptSampler(problem, 14);
    for (let s = 0; s < 10; s++) {
      const pr = sampler.next();
      const f = predictGdMultistep(est, pr);
      const one = stackSetLossGrad(k, theta, singleSet(pr, f + 1)).mean;
      const tol = FORWARD_ATOL * (1 + Math.abs(f));
      expect(Math.abs(one - 1)).toBeLessThanOrEqual(2 * tol + tol * tol);
    }
  });
});

describe('stack kernel reverse pass = central finite differences of the same batch loss', () => {
  const sources: PromptSource[] = ['direct', 'wishart'];
  for (const { name, problem } of problems()) {
    for (const { name: lname, layout } of layouts(problem.d)) {
      for (const source of sources) {
        it(`${lname}, ${source} prompts, ${name} (seeds: θ 21, batch 31, directions 41)`, () => {
          const theta = randomTheta(layout.n, 21);
          const B = 12;
          const lossAt = (th: Float64Array): number => stackBatchLossGrad(createStackKernel(problem, layout, source, 31), th, null, B);
          const grad = new Float64Array(layout.n);
          const L = stackBatchLossGrad(createStackKernel(problem, layout, source, 31), theta, grad, B);
          expect(L).toBe(lossAt(theta));
          // One random direction per matrix of every layer (a wrong block cannot hide behind a right one), and one over all of θ.
          const p = problem.d + 1;
          const blocks: [number, number][] = [];
          layout.layers.forEach((shape, l) => {
            const o = layout.offsets[l]!;
            blocks.push([o, o + p * p], [o + p * p, o + 2 * p * p]);
            if (shape.kind === 'ltb') blocks.push([o + 2 * p * p, o + 2 * p * p + shape.dF * p], [o + 2 * p * p + shape.dF * p, o + 2 * p * p + 2 * shape.dF * p]);
          });
          blocks.push([0, layout.n]);
          const dirRng = new Rng(41);
          for (const [lo, hi] of blocks) {
            const v = new Float64Array(layout.n);
            for (let i = lo; i < hi; i++) v[i] = dirRng.normal();
            const fd = richardson((s) => lossAt(Float64Array.from(theta, (t, i) => t + s * v[i]!)), FD_STEP);
            let gv = 0;
            for (let i = 0; i < layout.n; i++) gv += grad[i]! * v[i]!;
            expect(Math.abs(fd - gv), `block [${lo}, ${hi}): FD ${fd} vs analytic ${gv}`).toBeLessThanOrEqual(FD_RTOL * (Math.abs(gv) + L));
            expect(Math.abs(gv)).toBeGreaterThan(0);
          }
        });
      }
    }
  }

  it('at the (2.19) weights of GD-β² (structured zeros), stored set, unmasked (seeds 61, 62, 63)', () => {
    const { problem } = problems()[1]!;
    const d = problem.d;
    const rng = new Rng(61);
    const mat = () => ({ rows: d, cols: d, data: Float64Array.from({ length: d * d }, () => 0.3 * rng.normal()) });
    const stack = stackFromGdMultistep({ beta0: Float64Array.from({ length: d }, () => rng.normal()), Gammas: [mat(), mat()] });
    const layout = stackLayoutOf(stack);
    const theta = paramsFromStack(layout, stack);
    const set = drawPromptSet(problem, 25, 62);
    const k = createStackKernel(problem, layout, 'direct');
    const grad = new Float64Array(layout.n);
    const { mean: L } = stackSetLossGrad(k, theta, set, grad);
    const v = randomTheta(layout.n, 63, 1);
    const at = (s: number): number => stackSetLossGrad(k, Float64Array.from(theta, (t, i) => t + s * v[i]!), set).mean;
    const fd = richardson(at, FD_STEP);
    let gv = 0;
    for (let i = 0; i < layout.n; i++) gv += grad[i]! * v[i]!;
    expect(Math.abs(fd - gv)).toBeLessThanOrEqual(FD_RTOL * (Math.abs(gv) + L));
    expect(Math.abs(gv)).toBeGreaterThan(0);
  });
});

describe('a one-layer stack has the one-layer kernel\'s loss and gradient (src/train/kernel.ts)', () => {
  for (const { name, problem } of problems()) {
    for (const model of ['ltb', 'lsa'] as const) {
      for (const source of ['direct', 'wishart'] as const) {
        it(`${model}, ${source} prompts, ${name} (θ seed 71, batch seed 72)`, () => {
          const d = problem.d;
          const one = paramLayout(model, d, 2);
          const layout = model === 'ltb' ? stackLayout(d, 1, { dF: 2 }) : stackLayoutOf({ kind: 'stack', layers: [{ kind: 'lsa', WKQ: zeros(d + 1, d + 1), WPV: zeros(d + 1, d + 1) }] });
          expect(layout.n).toBe(one.n);
          const theta = randomTheta(one.n, 71);
          const B = 20;
          const g1 = new Float64Array(one.n);
          const g2 = new Float64Array(one.n);
          const l1 = batchLossGrad(createKernel(problem, one, source, 72), theta, g1, B);
          const l2 = stackBatchLossGrad(createStackKernel(problem, layout, source, 72), theta, g2, B);
          expect(Math.abs(l1 - l2)).toBeLessThanOrEqual(SAME_GRAD_RTOL * l1);
          let scale = 0;
          for (const g of g1) scale = Math.max(scale, Math.abs(g));
          for (let i = 0; i < one.n; i++) expect(Math.abs(g1[i]! - g2[i]!), `entry ${i}`).toBeLessThanOrEqual(SAME_GRAD_RTOL * scale);
          // And on a stored set (the test-set route of train.ts).
          const set = drawPromptSet(problem, 15, 73);
          const s1 = setLossGrad(createKernel(problem, one, 'direct'), theta, set, g1);
          const s2 = stackSetLossGrad(createStackKernel(problem, layout, 'direct'), theta, set, g2);
          expect(Math.abs(s1.mean - s2.mean)).toBeLessThanOrEqual(SAME_GRAD_RTOL * s1.mean);
          expect(Math.abs(s1.stderr - s2.stderr)).toBeLessThanOrEqual(1e3 * SAME_GRAD_RTOL * s1.stderr);
          scale = 0;
          for (const g of g1) scale = Math.max(scale, Math.abs(g));
          for (let i = 0; i < one.n; i++) expect(Math.abs(g1[i]! - g2[i]!), `set entry ${i}`).toBeLessThanOrEqual(SAME_GRAD_RTOL * scale);
        });
      }
    }
  }
});

describe('stack layout', () => {
  it('round-trips a stack through θ, and rejects another architecture naming the field', () => {
    const layout = stackLayout(2, 3, { dF: 2 });
    expect(layout.n).toBe(3 * 2 * 9 + 2 * 2 * 3);
    const theta = randomTheta(layout.n, 81);
    const back = paramsFromStack(layout, stackFromParams(layout, theta));
    expect(Array.from(back)).toEqual(Array.from(theta));
    expect(() => paramsFromStack(stackLayout(2, 2), stackFromParams(layout, theta))).toThrow(/init.*ltb\(d_f = 2\), lsa, lsa/);
    expect(() => stackLayout(2, 0)).toThrow(/layers/);
    expect(() => stackLayout(2, 5)).toThrow(/layers/);
  });
});

describe("train({ model: 'stack' })", () => {
  const problem = makeProblem({ d: 2, M: 8, H: [1.2, 0.7], Psi: 0.5, betaStar: [0.6, -0.4], sigma2: 0.2 });

  it('a one-layer stack follows the one-layer LTB run from the same start step by step (seed 3, Wishart prompts)', () => {
    const p = problem.d + 1;
    const rng = new Rng(91);
    const m = (rows: number) => ({ rows, cols: p, data: Float64Array.from({ length: rows * p }, () => 0.3 * rng.normal()) });
    const ltb: Ltb = { kind: 'ltb', WKQ: m(p), WPV: m(p), W1: m(1), W2: m(1) };
    const common = { lr: 1e-2, batch: 32, steps: 30, logEvery: 10, testSize: 200, seed: 3, optimum: null } as const;
    const a = train(problem, { ...common, model: 'ltb', init: ltb });
    const b = train(problem, { ...common, model: 'stack', init: { kind: 'stack', layers: [ltb] } });
    expect(b.layers).toBe(1);
    expect(b.dF).toBe(1);
    expect(b.rows.length).toBe(a.rows.length);
    // Same prompts, gradients equal to rounding (tested above), so the Adam trajectories agree to a
    // small multiple of the rounding (measured: 2e-16 relative); 1e-10 leaves room for growth over the
    // steps and still catches any real difference (a different prompt or update changes O(1e-3)).
    for (let i = 0; i < a.rows.length; i++) {
      const ra = a.rows[i]!;
      const rb = b.rows[i]!;
      expect(Math.abs(ra.batchLoss - rb.batchLoss), `row ${i}`).toBeLessThanOrEqual(1e-10 * ra.batchLoss);
      expect(Math.abs(ra.testLoss - rb.testLoss), `row ${i}`).toBeLessThanOrEqual(1e-10 * ra.testLoss);
      expect(rb.risk).toBeNaN();
      expect(Number.isFinite(rb.structureResidual)).toBe(true);
      expect(ra.structureResidual).toBeNaN();
    }
    const wa = a.estimator as Ltb;
    const wb = b.estimator.layers[0] as Ltb;
    for (const key of ['WKQ', 'WPV', 'W1', 'W2'] as const) {
      let scale = 0;
      for (const v of wa[key].data) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < wa[key].data.length; i++) expect(Math.abs(wa[key].data[i]! - wb[key].data[i]!), `${key}[${i}]`).toBeLessThanOrEqual(1e-10 * scale);
    }
  });

  it('logs no exact risk, the test-set estimate, R*_L as the reference, and trains (L = 2, seed 4)', () => {
    const o: StackTrainOptions = { model: 'stack', layers: 2, lr: 1e-2, batch: 64, steps: 300, logEvery: 100, testSize: 2000, seed: 4 };
    const r = train(problem, o);
    expect(r.model).toBe('stack');
    expect(r.estimator.layers.map((l) => l.kind)).toEqual(['ltb', 'lsa']);
    expect(r.dF).toBe(1);
    expect(r.optimumRisk).toBe(optimum(problem, 'gd-multistep', { steps: 2 }).risk);
    expect(r.finalRisk).toBeNaN();
    const first = r.rows[0]!;
    const last = r.rows[r.rows.length - 1]!;
    expect(first.risk).toBeNaN();
    expect(Number.isFinite(last.testLoss) && last.testStderr > 0).toBe(true);
    // From N(0, 0.1²) weights the stack predicts ≈ 0 (test loss ≈ E[y²]); 300 Adam steps must cut it by
    // far more than the test set's noise (a sign error in the gradient would raise it instead).
    expect(last.testLoss).toBeLessThan(first.testLoss - 10 * (first.testStderr + last.testStderr));
    // Same seed: bit-identical run.
    const again = train(problem, o);
    expect(again.rows.map((x) => x.testLoss)).toEqual(r.rows.map((x) => x.testLoss));
  });

  it('at the (2.19) stack of the optimal GD-β², the test-set estimate agrees with the exact R*_2 (test seed 5, 20000 prompts)', () => {
    const opt = optimum(problem, 'gd-multistep', { steps: 2 });
    const r = train(problem, { model: 'stack', init: stackFromGdMultistep(opt.estimator), steps: 0, testSize: 20000, seed: 5, optimum: opt });
    const row = r.rows[0]!;
    expect(zScore(row.testLoss, row.testStderr, opt.risk), `test ${row.testLoss} ± ${row.testStderr} vs R*_2 ${opt.risk}`).toBeLessThan(Z_MAX);
    expect(row.structureResidual).toBe(0);
  });

  it('names the option on invalid stack options', () => {
    const base = { model: 'stack', steps: 1, testSize: 0, optimum: null } as const;
    expect(() => train(problem, { ...base, layers: 5 })).toThrow(/layers/);
    expect(() => train(problem, { ...base, layers: 0 })).toThrow(/layers/);
    expect(() => train(problem, { ...base, init: 'zero' as never })).toThrow(/init.*critical point/);
    const stack = stackFromGdMultistep({ beta0: new Float64Array(3), Gammas: [{ rows: 3, cols: 3, data: new Float64Array(9) }] });
    expect(() => train(problem, { ...base, init: stack })).toThrow(/init.*dimension 3/);
    const ok = stackFromGdMultistep({ beta0: new Float64Array(2), Gammas: [{ rows: 2, cols: 2, data: new Float64Array(4) }] });
    expect(() => train(problem, { ...base, init: ok, layers: 2 })).toThrow(/layers.*1 layers/);
    expect(() => train(problem, { ...base, init: ok, dF: 2 })).toThrow(/dF.*d_f = 1/);
  });
});
