/**
 * The training kernel (src/train/kernel.ts): its forward pass against src/models' explicit forward
 * pass (an independent route: E, 𝕄 and E𝕄Eᵀ formed explicitly), and its hand-written reverse pass
 * against central finite differences of the same empirical loss (fixed batch: the kernel is
 * re-created with the same seed for every evaluation). Seeds are fixed and printed in the names.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import {
  allocWishartFactorPrompt, covariateFactor, makeProblem, predict, PromptSampler, reducedForm, sampleWishartFactorInto,
  wishartStatisticInto, type Problem,
} from '../../src/models/index.js';
import {
  batchLossGrad, createKernel, drawPromptSet, estimatorFromParams, paramLayout, setLossGrad, TRAIN_MODELS, type PromptSource,
} from '../../src/train/index.js';
import { FastRng } from '../../src/train/random.js';

/** Central-difference step (jax check_grads uses 1e-4; the loss is a polynomial of degree ≤ 8 in θ). */
const FD_STEP = 1e-5;
/**
 * |FD − gᵀv| ≤ FD_RTOL·(|gᵀv| + L): truncation h²/6·|L'''| ≈ 1e-11·L and rounding eps·L/h ≈ 2e-11·L
 * at these well-scaled weights, so 1e-6 leaves a margin of 10⁴ and still catches any wrong term.
 */
const FD_RTOL = 1e-6;
/** Forward passes agree to a few roundings of sums of O((d+1)²·M) terms: a relative 1e-12. */
const FORWARD_RTOL = 1e-12;

function problems(): { name: string; problem: Problem }[] {
  const H = [[1.5, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.7]];
  return [
    { name: 'masked, dense H, β* ≠ 0, σ² > 0 (M = 7 ≥ d+1)', problem: makeProblem({ d: 3, M: 7, H, Psi: 0.5, betaStar: [0.4, -0.3, 0.2], sigma2: 0.2 }) },
    { name: 'unmasked, dense H (M = 7)', problem: makeProblem({ d: 3, M: 7, H, Psi: 0.5, betaStar: [0.4, -0.3, 0.2], sigma2: 0.2, masked: false }) },
    { name: 'masked, M = 2 < d+1 (trapezoidal Bartlett factor)', problem: makeProblem({ d: 3, M: 2, H: [2, 1, 0.5], betaStar: 0.3, sigma2: 0.1 }) },
  ];
}

function randomTheta(n: number, seed: number, scale = 0.3): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => scale * rng.normal());
}

describe('kernel forward pass = src/models forward pass (explicit embedding), seed 11', () => {
  for (const { name, problem } of problems()) {
    for (const model of TRAIN_MODELS) {
      it(`${model}, ${name}: direct batch loss and test-set loss`, () => {
        const layout = paramLayout(model, problem.d, 2);
        const theta = randomTheta(layout.n, 5);
        const est = estimatorFromParams(layout, theta);
        const B = 40;
        // Direct prompts: the kernel's stream is src/models' PromptSampler with the same seed.
        const k = createKernel(problem, layout, 'direct', 11);
        const loss = batchLossGrad(k, theta, null, B);
        const sampler = new PromptSampler(problem, 11);
        let ref = 0;
        for (let s = 0; s < B; s++) {
          const pr = sampler.next();
          ref += (predict(est, pr, problem.masked) - pr.yQuery) ** 2;
        }
        ref /= B;
        expect(Math.abs(loss - ref)).toBeLessThanOrEqual(FORWARD_RTOL * ref);
        // Stored (W, x, y) set: drawn by the same sampler from the same seed.
        const set = drawPromptSet(problem, B, 11);
        const { mean } = setLossGrad(k, theta, set);
        expect(Math.abs(mean - ref)).toBeLessThanOrEqual(FORWARD_RTOL * ref);
      });
    }
  }

  it('Wishart prompts (masked LTB): the factored W·v equals the explicit statistic of the same draw, through the reduced form (2.8)', () => {
    const { problem } = problems()[0]!;
    const layout = paramLayout('ltb', problem.d, 2);
    const theta = randomTheta(layout.n, 6);
    const B = 30;
    const k = createKernel(problem, layout, 'wishart', 12);
    const loss = batchLossGrad(k, theta, null, B);
    // Same stream: FastRng(12) through sampleWishartFactorInto, then the explicit W.
    const rng = new FastRng(12);
    const fp = allocWishartFactorPrompt(problem.d, problem.M);
    const factor = covariateFactor(problem);
    const p = problem.d + 1;
    const W = { rows: p, cols: p, data: new Float64Array(p * p) };
    const T = new Float64Array(p * p);
    const z = new Float64Array(problem.d);
    const { betaM, p: pv, Q } = reducedForm(estimatorFromParams(layout, theta) as never);
    let ref = 0;
    for (let s = 0; s < B; s++) {
      sampleWishartFactorInto(fp, problem, factor, rng, z);
      wishartStatisticInto(W, fp, factor, problem.sigma2, problem.M, T);
      // f = xᵀ(β_m + QᵀWp)  (2.8)
      const Wp = new Float64Array(p);
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) Wp[i] += W.data[i * p + j]! * pv[j]!;
      let f = 0;
      for (let i = 0; i < problem.d; i++) {
        let g = betaM[i]!;
        for (let r = 0; r < p; r++) g += Q.data[r * problem.d + i]! * Wp[r]!;
        f += fp.x[i]! * g;
      }
      ref += (f - fp.yQuery) ** 2;
    }
    ref /= B;
    expect(Math.abs(loss - ref)).toBeLessThanOrEqual(FORWARD_RTOL * ref);
  });
});

describe('kernel reverse pass = central finite differences of the same batch loss', () => {
  const sources: PromptSource[] = ['direct', 'wishart'];
  for (const { name, problem } of problems()) {
    for (const model of TRAIN_MODELS) {
      for (const source of sources) {
        it(`${model}, ${source} prompts, ${name} (seeds: θ 21, batch 31, directions 41)`, () => {
          const layout = paramLayout(model, problem.d, 2);
          const theta = randomTheta(layout.n, 21);
          const B = 16;
          const lossAt = (th: Float64Array): number => batchLossGrad(createKernel(problem, layout, source, 31), th, null, B);
          const grad = new Float64Array(layout.n);
          const L = batchLossGrad(createKernel(problem, layout, source, 31), theta, grad, B);
          // One random direction per block of θ (so a wrong block cannot hide behind a right one), and one over all of θ.
          const p = problem.d + 1;
          const blocks: [number, number][] =
            model === 'lsa' ? [[0, p * p], [p * p, 2 * p * p]]
              : model === 'ltb' ? [[0, p * p], [p * p, 2 * p * p], [2 * p * p, 2 * p * p + 2 * p], [2 * p * p + 2 * p, layout.n]]
                : model === 'gd-beta' ? [[0, problem.d ** 2], [problem.d ** 2, layout.n]] : [[0, layout.n]];
          blocks.push([0, layout.n]);
          const dirRng = new Rng(41);
          for (const [lo, hi] of blocks) {
            const v = new Float64Array(layout.n);
            for (let i = lo; i < hi; i++) v[i] = dirRng.normal();
            const plus = Float64Array.from(theta, (t, i) => t + FD_STEP * v[i]!);
            const minus = Float64Array.from(theta, (t, i) => t - FD_STEP * v[i]!);
            const fd = (lossAt(plus) - lossAt(minus)) / (2 * FD_STEP);
            let gv = 0;
            for (let i = 0; i < layout.n; i++) gv += grad[i]! * v[i]!;
            expect(Math.abs(fd - gv), `block [${lo}, ${hi}): FD ${fd} vs analytic ${gv}`).toBeLessThanOrEqual(FD_RTOL * (Math.abs(gv) + L));
            expect(Math.abs(gv)).toBeGreaterThan(0);
          }
        });
      }
    }
  }

  it('the test-set gradient (stored W) matches finite differences too (unmasked LTB, seed 51)', () => {
    const { problem } = problems()[1]!;
    const layout = paramLayout('ltb', problem.d, 3);
    const theta = randomTheta(layout.n, 51);
    const set = drawPromptSet(problem, 25, 52);
    const k = createKernel(problem, layout, 'direct');
    const grad = new Float64Array(layout.n);
    const { mean: L } = setLossGrad(k, theta, set, grad);
    const v = randomTheta(layout.n, 53, 1);
    const at = (s: number): number => setLossGrad(k, Float64Array.from(theta, (t, i) => t + s * v[i]!), set).mean;
    const fd = (at(FD_STEP) - at(-FD_STEP)) / (2 * FD_STEP);
    let gv = 0;
    for (let i = 0; i < layout.n; i++) gv += grad[i]! * v[i]!;
    expect(Math.abs(fd - gv)).toBeLessThanOrEqual(FD_RTOL * (Math.abs(gv) + L));
  });
});
