/**
 * Monte Carlo ICL risk of any estimator from sampled prompts through the explicit forward pass
 * (math.md §2) — the independent check of the closed forms, never a substitute for them.
 */
import { InputError, requireFinite } from '../errors.js';
import {
  allocAttentionWorkspace, allocGdMultistepWorkspace, allocPrompt, attentionQueryColumn, embed, predictGdBeta, predictGdMultistep,
  PromptSampler, type Estimator, type Problem,
} from '../models/index.js';

/** Monte Carlo estimate: mean squared error and its standard error. */
export interface MonteCarloResult {
  /** Mean of (f − y)² over the sampled prompts (1.3) through the explicit forward pass of §2; unit [y]². */
  readonly mean: number;
  /** Standard error of the mean (sample standard deviation / √samples). */
  readonly stderr: number;
  /** Number of prompts drawn. */
  readonly samples: number;
  /** Seed of the prompt stream. */
  readonly seed: number;
}

/**
 * Work cap of one Monte Carlo run, in multiply-adds: samples·M·(d+1)² (drawing the prompt and the
 * attention sums) ≤ MC_MAX_WORK, about 15 s on one core of these machines. Larger runs are refused.
 */
export const MC_MAX_WORK = 5e8;
/** Memory cap of one prompt: M·(d+1) ≤ MC_MAX_PROMPT_ENTRIES numbers (80 MB). */
export const MC_MAX_PROMPT_ENTRIES = 1e7;

/** Options of {@link monteCarloRisk}. */
export interface MonteCarloOptions {
  /** Number of prompts. @defaultValue 100_000 */
  samples?: number;
  /** Seed of the prompt stream (identical on every platform). @defaultValue 1 */
  seed?: number;
}

/**
 * E[(f(prompt) − y)²] estimated from `samples` prompts drawn from the problem, each predicted by the
 * explicit forward pass (LSA/LTB through the embedding and mask of the problem; GD through the
 * one-step formula; GD-β^L through its explicit L-step recursion (3.42), for any L). Welford
 * accumulation for the variance. Checks the closed forms of docs/math.md §3.
 * @throws {@link InputError} (CLI exit 2) for samples < 2, a bad seed, or a run over the prompt-size
 *   or work caps; {@link NumericalError} (exit 3) when the mean or its standard error overflows.
 */
export function monteCarloRisk(problem: Problem, est: Estimator, options: MonteCarloOptions = {}): MonteCarloResult {
  const { samples = 100_000, seed = 1 } = options;
  if (!Number.isInteger(samples) || samples < 2) throw new InputError('samples', `must be an integer ≥ 2, got ${samples}`);
  if (!Number.isInteger(seed) || seed < 0) throw new InputError('seed', `must be a non-negative integer, got ${seed}`);
  const n1 = problem.d + 1;
  if (problem.M * n1 > MC_MAX_PROMPT_ENTRIES) {
    throw new InputError('M', `a prompt of M·(d+1) = ${problem.M * n1} numbers exceeds the Monte Carlo limit ${MC_MAX_PROMPT_ENTRIES} (80 MB); the closed forms take any M`);
  }
  const work = samples * problem.M * n1 * n1;
  if (work > MC_MAX_WORK) {
    throw new InputError('samples', `samples·M·(d+1)² = ${work.toExponential(2)} exceeds the Monte Carlo work limit ${MC_MAX_WORK.toExponential(0)} (≈ 15 s): use at most ${Math.max(2, Math.floor(MC_MAX_WORK / (problem.M * n1 * n1)))} samples`);
  }
  if (est.kind === 'gd-multistep') {
    // The L-step recursion adds L·(2M·d + d²) per prompt: counted so that a long L cannot run away.
    const perSample = problem.M * n1 * n1 + est.Gammas.length * (2 * problem.M * problem.d + problem.d * problem.d);
    const total = samples * perSample;
    if (total > MC_MAX_WORK) {
      throw new InputError('samples', `samples·(M·(d+1)² + L·(2M·d + d²)) = ${total.toExponential(2)} exceeds the Monte Carlo work limit ${MC_MAX_WORK.toExponential(0)} (≈ 15 s): use at most ${Math.max(2, Math.floor(MC_MAX_WORK / perSample))} samples`);
    }
  }
  const sampler = new PromptSampler(problem, seed);
  const prompt = allocPrompt(problem.d, problem.M);
  const ws = allocAttentionWorkspace(problem.d);
  const wsGd = allocGdMultistepWorkspace(problem.d, problem.M);
  const n = problem.d + 1;
  let mean = 0;
  let m2 = 0;
  for (let k = 1; k <= samples; k++) {
    sampler.next(prompt);
    let f: number;
    if (est.kind === 'gd-beta' || est.kind === 'gd-0') {
      f = predictGdBeta(est, prompt);
    } else if (est.kind === 'gd-multistep') {
      f = predictGdMultistep(est, prompt, wsGd);
    } else {
      const h = attentionQueryColumn(ws.c, est.WKQ, est.WPV, embed(prompt), problem.masked, ws);
      f = h[n - 1]!;
      if (est.kind === 'ltb') {
        for (let r = 0; r < est.W1.rows; r++) {
          let t = 0;
          for (let j = 0; j < n; j++) t += est.W1.data[r * n + j]! * h[j]!;
          f += est.W2.data[r * n + n - 1]! * t;
        }
      }
    }
    const err = (f - prompt.yQuery) ** 2;
    const delta = err - mean;
    mean += delta / k;
    m2 += delta * (err - mean);
  }
  const stderr = Math.sqrt(m2 / (samples - 1) / samples);
  const hint = `rescale the problem (E[y²] = ${problem.labelSecondMoment.toExponential(3)}) or the estimator's weights`;
  requireFinite(mean, `monteCarlo(${est.kind})`, 'the mean squared error', hint);
  requireFinite(stderr, `monteCarlo(${est.kind})`, 'its standard error (the squared errors’ variance)', hint);
  return { mean, stderr, samples, seed };
}
