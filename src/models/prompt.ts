/**
 * Prompts and the seeded prompt sampler. A prompt holds the M context pairs and the query.
 * Shapes: X [M, d] (rows x_iᵀ), y [M], x [d] (query covariates).
 */
import { Rng, type Matrix } from '../linalg/index.js';
import type { Problem } from './problem.js';

/** One ICL prompt (and, for sampled prompts, the task and the query label). */
export interface Prompt {
  /** [M, d] context covariates, rows x_iᵀ. */
  readonly X: Matrix;
  /** [M] context labels. */
  readonly y: Float64Array;
  /** [d] query covariates. */
  readonly x: Float64Array;
  /** The query's label (what the estimator predicts), when known. */
  readonly yQuery: number;
  /** [d] the task β the prompt was drawn with, when known. */
  readonly beta: Float64Array;
}

/** Reusable buffers for {@link samplePromptInto}. */
export function allocPrompt(d: number, M: number): Prompt {
  return {
    X: { rows: M, cols: d, data: new Float64Array(M * d) },
    y: new Float64Array(M),
    x: new Float64Array(d),
    yQuery: 0,
    beta: new Float64Array(d),
  };
}

/**
 * Draws a prompt from the problem's distribution into `out` (allocates nothing except a [d]
 * scratch passed in): β = β* + C_Ψ·z, x_i = C_H·z_i, y_i = x_iᵀβ + σ·ε_i, and the query likewise.
 * Returns the query label (Prompt.yQuery is readonly for callers; the sampler owns it).
 * The stream is identical on every platform for a given seed (see linalg Rng).
 */
export function samplePromptInto(out: Prompt, problem: Problem, rng: Rng, z: Float64Array): Prompt {
  const { d, M, HFactor, PsiFactor, betaStar } = problem;
  const sigma = Math.sqrt(problem.sigma2);
  for (let k = 0; k < d; k++) z[k] = rng.normal();
  const beta = out.beta;
  for (let i = 0; i < d; i++) {
    let s = betaStar[i]!;
    for (let k = 0; k < d; k++) s += PsiFactor.data[i * d + k]! * z[k]!;
    beta[i] = s;
  }
  const X = out.X.data;
  for (let r = 0; r < M; r++) {
    for (let k = 0; k < d; k++) z[k] = rng.normal();
    let yr = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += HFactor.data[i * d + k]! * z[k]!;
      X[r * d + i] = s;
      yr += s * beta[i]!;
    }
    out.y[r] = yr + sigma * rng.normal();
  }
  for (let k = 0; k < d; k++) z[k] = rng.normal();
  let yq = 0;
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += HFactor.data[i * d + k]! * z[k]!;
    out.x[i] = s;
    yq += s * beta[i]!;
  }
  (out as { yQuery: number }).yQuery = yq + sigma * rng.normal();
  return out;
}

/** Draws one fresh prompt (allocating). */
export function samplePrompt(problem: Problem, rng: Rng): Prompt {
  return samplePromptInto(allocPrompt(problem.d, problem.M), problem, rng, new Float64Array(problem.d));
}

/** A seeded sampler of prompts: `new PromptSampler(problem, seed).next()`. */
export class PromptSampler {
  private readonly rng: Rng;
  private readonly z: Float64Array;
  constructor(
    /** The problem the prompts are drawn from (1.1). */
    readonly problem: Problem,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.z = new Float64Array(problem.d);
  }
  /** The next prompt, written into `out` when given (then nothing is allocated). */
  next(out: Prompt = allocPrompt(this.problem.d, this.problem.M)): Prompt {
    return samplePromptInto(out, this.problem, this.rng, this.z);
  }
}
