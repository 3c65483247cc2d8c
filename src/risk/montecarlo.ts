/**
 * Monte Carlo ICL risk of any estimator from sampled prompts through the explicit forward pass
 * (math.md §2) — the independent check of the closed forms, never a substitute for them.
 */
import { InputError } from '../errors.js';
import {
  allocAttentionWorkspace, allocPrompt, attentionQueryColumn, embed, predictGdBeta, PromptSampler,
  type Estimator, type Problem,
} from '../models/index.js';

/** Monte Carlo estimate: mean squared error and its standard error. */
export interface MonteCarloResult {
  readonly mean: number;
  /** Standard error of the mean (sample standard deviation / √samples). */
  readonly stderr: number;
  readonly samples: number;
  readonly seed: number;
}

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
 * one-step formula). Welford accumulation for the variance.
 */
export function monteCarloRisk(problem: Problem, est: Estimator, options: MonteCarloOptions = {}): MonteCarloResult {
  const { samples = 100_000, seed = 1 } = options;
  if (!Number.isInteger(samples) || samples < 2) throw new InputError('samples', `must be an integer ≥ 2, got ${samples}`);
  if (!Number.isInteger(seed) || seed < 0) throw new InputError('seed', `must be a non-negative integer, got ${seed}`);
  const sampler = new PromptSampler(problem, seed);
  const prompt = allocPrompt(problem.d, problem.M);
  const ws = allocAttentionWorkspace(problem.d);
  const n = problem.d + 1;
  let mean = 0;
  let m2 = 0;
  for (let k = 1; k <= samples; k++) {
    sampler.next(prompt);
    let f: number;
    if (est.kind === 'gd-beta' || est.kind === 'gd-0') {
      f = predictGdBeta(est, prompt);
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
  return { mean, stderr: Math.sqrt(m2 / (samples - 1) / samples), samples, seed };
}
