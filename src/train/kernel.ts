/**
 * The hot loop of sampled training: draw B prompts, run the explicit forward pass on the raw
 * weights (docs/math.md §2.1) and its hand-written reverse pass, accumulate the gradient of the
 * empirical squared loss L = (1/B)·Σ_b (f_b − y_b)². Allocation-free after {@link createKernel}.
 *
 * Forward pass of LSA/LTB ((2.3), (2.4)), query column only (the other columns never reach the
 * prediction, §2.1), with z_q = (x; 0) the query column and G = E𝕄Eᵀ/M:
 *
 *   a = W^{KQ} z_q,   b = G a,   c = z_q + W^{PV} b (the query column of h),   f = uᵀc,
 *   u = e_{d+1} + W₁ᵀ W₂[:, d+1]   (u = e_{d+1} for an LSA: f = c_{d+1}),
 *
 * and uᵀc = uᵀz_q + pᵀb with p = (W^{PV})ᵀu (2.7). Reverse pass (r = ∂L/∂f = 2(f − y)/B):
 *
 *   ∂f/∂W^{PV} = u bᵀ,   ∂f/∂W^{KQ} = (G p) z_qᵀ,   ∂f/∂W₁ = W₂[:, d+1] cᵀ,   ∂f/∂W₂[:, d+1] = W₁ c,
 *
 * (other columns of ∂f/∂W₂ are zero). The terms u bᵀ and c = z_q + W^{PV} b are linear in the
 * per-prompt quantities, so only Σ r·b and Σ r·x are accumulated per prompt and the outer products
 * are formed once per batch; ∂/∂W^{KQ} needs one (d+1)×d rank-one update per prompt.
 * Masked (2.2): G = W = (1/M)Σ_i z_i z_iᵀ (1.2); unmasked: G = W + z_q z_qᵀ/M (the query column
 * joins the keys, §2.4).
 *
 * GD-β (2.5): with v₀ = (−β₀; 1), s − Sβ₀ = (W v₀)_{1:d} =: w, q = Γᵀx:  f = xᵀβ₀ + qᵀw,
 * ∂f/∂Γ = x wᵀ, ∂f/∂β₀ = x − S q = x − (W (q; 0))_{1:d}. GD-0 (2.6): β₀ ≡ 0. GD has no mask.
 *
 * Every model needs W only through two products W·v₁, W·v₂ per prompt, computed without forming W:
 * - direct prompts: W v = (1/M)Σ_i z_i (z_iᵀ v), O(M·(d+1)) — the association order of E𝕄(Eᵀv)/M;
 * - Wishart prompts (src/models wishart.ts): W v = L A Aᵀ Lᵀ v / M, O((d+1)²), with
 *   L = [[C, 0], [βᵀC, σ]] applied blockwise;
 * - the fixed test set stores W explicitly: O((d+1)²).
 */
import {
  allocPrompt, allocWishartFactorPrompt, covariateFactor, sampleWishartFactorInto, samplePromptInto,
  type CovariateFactor, type Problem, type Prompt, type WishartFactorPrompt,
} from '../models/index.js';
import { Rng } from '../linalg/index.js';
import type { ParamLayout } from './layout.js';
import { FastRng } from './random.js';

/** How the training prompts are drawn: full prompts (O(M·d²)) or the Wishart statistic (O(d³)). */
export type PromptSource = 'direct' | 'wishart';

const MODE_ROWS = 0;
const MODE_FACTOR = 1;
const MODE_EXPLICIT = 2;

/** Preallocated state of the training kernel (one per run); p = d + 1. */
export interface Kernel {
  /** The problem prompts are drawn from. */
  readonly problem: Problem;
  /** The layout of θ. */
  readonly layout: ParamLayout;
  /** Where the prompts come from. */
  readonly source: PromptSource;
  /** The mask applies to LSA/LTB only (GD reads the context directly). */
  readonly masked: boolean;
  /** Buffers of one direct prompt (X [M, d], y [M], x [d]). */
  readonly prompt: Prompt;
  /** Buffers of one Wishart prompt (β [d], A [p, min(M, p)], x [d]). */
  readonly factorPrompt: WishartFactorPrompt;
  /** The factor C of H of the Wishart prompts (null for direct prompts). */
  readonly factor: CovariateFactor | null;
  /** Columns r = min(M, p) of the factored prompts' lower-trapezoidal Bartlett factor A. */
  readonly r: number;
  /** The direct prompts' generator (linalg's Rng, as src/models' PromptSampler). */
  readonly rng: Rng;
  /** The Wishart prompts' generator. */
  readonly fast: FastRng;
  /** [p, p] explicit W of the current stored prompt (test sets). */
  readonly W: Float64Array;
  /** [d] scratch of the samplers. */
  readonly z: Float64Array;
  /** [p] a = W^{KQ} z_q (GD: W v₀). */
  readonly a: Float64Array;
  /** [p] b = G a (GD: W (q; 0)). */
  readonly b: Float64Array;
  /** [p] G p. */
  readonly gp: Float64Array;
  /** [p] the read-out vector u of (2.7). */
  readonly u: Float64Array;
  /** [p] p = (W^{PV})ᵀu of (2.7). */
  readonly pv: Float64Array;
  /** [p] v₀ = (−β₀; 1) (GD). */
  readonly v0: Float64Array;
  /** [p] (Γᵀx; 0) (GD). */
  readonly qv: Float64Array;
  /** [p] scratch of the factored products. */
  readonly w1: Float64Array;
  /** [p] scratch of the factored products. */
  readonly w2: Float64Array;
  /** [p] scratch of the factored products. */
  readonly t1: Float64Array;
  /** [p] scratch of the factored products. */
  readonly t2: Float64Array;
  /** [p] scratch of the factored products. */
  readonly s1: Float64Array;
  /** [p] scratch of the factored products. */
  readonly s2: Float64Array;
  /** [p] Σ_b r_b·b over the batch. */
  readonly sumRB: Float64Array;
  /** [p] Σ_b r_b·x over the batch (first d entries). */
  readonly sumRX: Float64Array;
  /** [p] c̄ = Σ_b r_b·c over the batch. */
  readonly cbar: Float64Array;
}

/**
 * Allocates the kernel of one training run; its prompts come from `seed` (linalg's `Rng` for direct
 * prompts, {@link FastRng} for Wishart prompts). O(d³) (the Cholesky factor of H).
 */
export function createKernel(problem: Problem, layout: ParamLayout, source: PromptSource, seed = 1): Kernel {
  const d = problem.d;
  const p = d + 1;
  const v = (): Float64Array => new Float64Array(p);
  const gd = layout.model === 'gd-beta' || layout.model === 'gd-0';
  return {
    problem, layout, source, masked: gd ? true : problem.masked,
    prompt: allocPrompt(d, problem.M), factorPrompt: allocWishartFactorPrompt(d, problem.M),
    factor: source === 'wishart' ? covariateFactor(problem) : null, r: Math.min(problem.M, p),
    rng: new Rng(seed), fast: new FastRng(seed),
    W: new Float64Array(p * p), z: new Float64Array(d),
    a: v(), b: v(), gp: v(), u: v(), pv: v(), v0: v(), qv: v(), w1: v(), w2: v(), t1: v(), t2: v(), s1: v(), s2: v(),
    sumRB: v(), sumRX: v(), cbar: v(),
  };
}

/** o1 = W v1, o2 = W v2 for a direct prompt: W v = (1/M)Σ_i z_i (z_iᵀ v). O(M·p). */
function applyRows(k: Kernel, v1: Float64Array, o1: Float64Array, v2: Float64Array, o2: Float64Array): void {
  const { X, y } = k.prompt;
  const M = X.rows;
  const d = X.cols;
  const Xd = X.data;
  o1.fill(0);
  o2.fill(0);
  const v1y = v1[d]!;
  const v2y = v2[d]!;
  for (let r = 0; r < M; r++) {
    const row = r * d;
    const yr = y[r]!;
    let s1 = yr * v1y;
    let s2 = yr * v2y;
    for (let c = 0; c < d; c++) {
      const xc = Xd[row + c]!;
      s1 += xc * v1[c]!;
      s2 += xc * v2[c]!;
    }
    for (let c = 0; c < d; c++) {
      const xc = Xd[row + c]!;
      o1[c] += xc * s1;
      o2[c] += xc * s2;
    }
    o1[d] += yr * s1;
    o2[d] += yr * s2;
  }
  const inv = 1 / M;
  for (let c = 0; c <= d; c++) {
    o1[c] *= inv;
    o2[c] *= inv;
  }
}

/** o1 = W v1, o2 = W v2 for a Wishart prompt: W v = L A Aᵀ Lᵀ v / M, L = [[C, 0], [βᵀC, σ]]. O(p²). */
function applyFactor(k: Kernel, v1: Float64Array, o1: Float64Array, v2: Float64Array, o2: Float64Array): void {
  const d = k.problem.d;
  const p = d + 1;
  const { A, beta } = k.factorPrompt;
  const { C, diagonal } = k.factor!;
  const sigma = Math.sqrt(k.problem.sigma2);
  const { w1, w2, t1, t2, s1, s2 } = k;
  // Lᵀv = (Cᵀ(v_{1:d} + v_{d+1}β); σ v_{d+1}).
  for (let i = 0; i < d; i++) {
    w1[i] = v1[i]! + v1[d]! * beta[i]!;
    w2[i] = v2[i]! + v2[d]! * beta[i]!;
  }
  if (diagonal) {
    for (let i = 0; i < d; i++) {
      const c = C[i * d + i]!;
      t1[i] = c * w1[i]!;
      t2[i] = c * w2[i]!;
    }
  } else {
    t1.fill(0);
    t2.fill(0);
    for (let i = 0; i < d; i++) {
      const row = i * d;
      const a1 = w1[i]!;
      const a2 = w2[i]!;
      for (let c = 0; c <= i; c++) {
        const cc = C[row + c]!;
        t1[c] += cc * a1;
        t2[c] += cc * a2;
      }
    }
  }
  t1[d] = sigma * v1[d]!;
  t2[d] = sigma * v2[d]!;
  // s = Aᵀt ([r]; A [p, r] row-major, lower-trapezoidal: walk rows up to the diagonal).
  const r = k.r;
  s1.fill(0);
  s2.fill(0);
  for (let i = 0; i < p; i++) {
    const row = i * r;
    const a1 = t1[i]!;
    const a2 = t2[i]!;
    const cEnd = i < r ? i + 1 : r;
    for (let c = 0; c < cEnd; c++) {
      const aa = A[row + c]!;
      s1[c] += aa * a1;
      s2[c] += aa * a2;
    }
  }
  // A s (into t1, t2).
  for (let i = 0; i < p; i++) {
    const row = i * r;
    let r1 = 0;
    let r2 = 0;
    const cEnd = i < r ? i + 1 : r;
    for (let c = 0; c < cEnd; c++) {
      const aa = A[row + c]!;
      r1 += aa * s1[c]!;
      r2 += aa * s2[c]!;
    }
    t1[i] = r1;
    t2[i] = r2;
  }
  // o = L r / M = (C r_{1:d}; βᵀ(C r_{1:d}) + σ r_{d+1}) / M.
  const inv = 1 / k.problem.M;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < d; i++) {
    let c1 = 0;
    let c2 = 0;
    if (diagonal) {
      const cc = C[i * d + i]!;
      c1 = cc * t1[i]!;
      c2 = cc * t2[i]!;
    } else {
      const row = i * d;
      for (let c = 0; c <= i; c++) {
        const cc = C[row + c]!;
        c1 += cc * t1[c]!;
        c2 += cc * t2[c]!;
      }
    }
    b1 += beta[i]! * c1;
    b2 += beta[i]! * c2;
    o1[i] = c1 * inv;
    o2[i] = c2 * inv;
  }
  o1[d] = (b1 + sigma * t1[d]!) * inv;
  o2[d] = (b2 + sigma * t2[d]!) * inv;
}

/** o1 = W v1, o2 = W v2 with W stored explicitly in k.W. O(p²). */
function applyExplicit(k: Kernel, v1: Float64Array, o1: Float64Array, v2: Float64Array, o2: Float64Array): void {
  const p = k.problem.d + 1;
  const W = k.W;
  for (let i = 0; i < p; i++) {
    const row = i * p;
    let r1 = 0;
    let r2 = 0;
    for (let c = 0; c < p; c++) {
      const ww = W[row + c]!;
      r1 += ww * v1[c]!;
      r2 += ww * v2[c]!;
    }
    o1[i] = r1;
    o2[i] = r2;
  }
}

function applyW2(k: Kernel, mode: number, v1: Float64Array, o1: Float64Array, v2: Float64Array, o2: Float64Array): void {
  if (mode === MODE_ROWS) applyRows(k, v1, o1, v2, o2);
  else if (mode === MODE_FACTOR) applyFactor(k, v1, o1, v2, o2);
  else applyExplicit(k, v1, o1, v2, o2);
}

/**
 * Per-batch preparation from θ: u and p = (W^{PV})ᵀu (LSA/LTB) or v₀ = (−β₀; 1) (GD), and zeroed
 * accumulators.
 */
function prepare(k: Kernel, theta: Float64Array): void {
  const { d, dF, model } = k.layout;
  const p = d + 1;
  if (model === 'gd-beta' || model === 'gd-0') {
    for (let i = 0; i < d; i++) k.v0[i] = model === 'gd-beta' ? -theta[d * d + i]! : 0;
    k.v0[d] = 1;
    k.qv[d] = 0;
    return;
  }
  const u = k.u;
  u.fill(0);
  u[d] = 1;
  if (model === 'ltb') {
    const o1 = 2 * p * p;
    const o2 = o1 + dF * p;
    for (let f = 0; f < dF; f++) {
      const w2 = theta[o2 + f * p + d]!;
      for (let j = 0; j < p; j++) u[j] += theta[o1 + f * p + j]! * w2;
    }
  }
  const pv = k.pv;
  const oPV = p * p;
  pv.fill(0);
  for (let i = 0; i < p; i++) {
    const ui = u[i]!;
    for (let j = 0; j < p; j++) pv[j] += theta[oPV + i * p + j]! * ui;
  }
  k.sumRB.fill(0);
  k.sumRX.fill(0);
}

/**
 * One prompt through the forward (and, when `grad` is given, reverse) pass: returns f − y and adds
 * r·∂f/∂θ (r = scale·(f − y)) to `grad` (only the per-prompt parts; see {@link finishGradient}).
 */
function promptStep(k: Kernel, mode: number, theta: Float64Array, x: Float64Array, y: number, scale: number, grad: Float64Array | null): number {
  const { d, model } = k.layout;
  const p = d + 1;
  if (model === 'gd-beta' || model === 'gd-0') {
    const { v0, qv, a: w, b: sq } = k;
    // q = Γᵀx
    for (let c = 0; c < d; c++) qv[c] = 0;
    for (let i = 0; i < d; i++) {
      const xi = x[i]!;
      const row = i * d;
      for (let c = 0; c < d; c++) qv[c] += theta[row + c]! * xi;
    }
    applyW2(k, mode, v0, w, qv, sq);
    let f = 0;
    for (let i = 0; i < d; i++) f += x[i]! * -v0[i]! + qv[i]! * w[i]!;
    const e = f - y;
    if (grad !== null) {
      const r = scale * e;
      for (let i = 0; i < d; i++) {
        const rx = r * x[i]!;
        const row = i * d;
        for (let c = 0; c < d; c++) grad[row + c] += rx * w[c]!;
      }
      if (model === 'gd-beta') for (let i = 0; i < d; i++) grad[d * d + i] += r * (x[i]! - sq[i]!);
    }
    return e;
  }
  const { a, b, gp, u, pv } = k;
  for (let i = 0; i < p; i++) {
    const row = i * p;
    let s = 0;
    for (let c = 0; c < d; c++) s += theta[row + c]! * x[c]!;
    a[i] = s;
  }
  applyW2(k, mode, a, b, pv, gp);
  if (!k.masked) {
    // G = W + z_q z_qᵀ/M: the query column is one of the keys (2.2), still normalised by 1/M.
    let xa = 0;
    let xp = 0;
    for (let c = 0; c < d; c++) {
      xa += x[c]! * a[c]!;
      xp += x[c]! * pv[c]!;
    }
    const inv = 1 / k.problem.M;
    for (let c = 0; c < d; c++) {
      b[c] += (x[c]! * xa) * inv;
      gp[c] += (x[c]! * xp) * inv;
    }
  }
  let f = 0;
  for (let c = 0; c < d; c++) f += u[c]! * x[c]!;
  for (let i = 0; i < p; i++) f += pv[i]! * b[i]!;
  const e = f - y;
  if (grad !== null) {
    const r = scale * e;
    const { sumRB, sumRX } = k;
    for (let i = 0; i < p; i++) sumRB[i] += r * b[i]!;
    for (let c = 0; c < d; c++) sumRX[c] += r * x[c]!;
    // ∂/∂W^{KQ}[:, 1:d] += r·(G p) xᵀ (its last column stays zero: z_q has label slot 0).
    for (let i = 0; i < p; i++) {
      const rg = r * gp[i]!;
      const row = i * p;
      for (let c = 0; c < d; c++) grad[row + c] += rg * x[c]!;
    }
  }
  return e;
}

/** The batch-level parts of the attention gradient: u (Σ r b)ᵀ, and W₁, W₂ through c̄ = Σ r c. */
function finishGradient(k: Kernel, theta: Float64Array, grad: Float64Array): void {
  const { d, dF, model } = k.layout;
  if (model === 'gd-beta' || model === 'gd-0') return;
  const p = d + 1;
  const { u, sumRB, sumRX, cbar } = k;
  const oPV = p * p;
  for (let i = 0; i < p; i++) {
    const ui = u[i]!;
    for (let j = 0; j < p; j++) grad[oPV + i * p + j] = ui * sumRB[j]!;
  }
  if (model !== 'ltb') return;
  // c̄ = Σ r c = Σ r z_q + W^{PV} Σ r b.
  for (let i = 0; i < p; i++) {
    let s = i < d ? sumRX[i]! : 0;
    for (let j = 0; j < p; j++) s += theta[oPV + i * p + j]! * sumRB[j]!;
    cbar[i] = s;
  }
  const o1 = 2 * p * p;
  const o2 = o1 + dF * p;
  for (let f = 0; f < dF; f++) {
    const w2 = theta[o2 + f * p + d]!;
    let w1c = 0;
    for (let j = 0; j < p; j++) {
      grad[o1 + f * p + j] = w2 * cbar[j]!;
      w1c += theta[o1 + f * p + j]! * cbar[j]!;
    }
    for (let j = 0; j < p; j++) grad[o2 + f * p + j] = j === d ? w1c : 0;
  }
}

/**
 * Draws B fresh prompts from the kernel's stream and returns the empirical loss (1/B)·Σ(f − y)² at θ;
 * when `grad` is given ([n], overwritten) it receives the exact gradient of that loss. Allocates
 * nothing. O(B·M·d²) (direct prompts, sampling included) or O(B·d²) (Wishart prompts, M ≥ d + 1).
 */
export function batchLossGrad(k: Kernel, theta: Float64Array, grad: Float64Array | null, B: number): number {
  prepare(k, theta);
  if (grad !== null) grad.fill(0);
  const scale = 2 / B;
  let loss = 0;
  if (k.source === 'wishart') {
    const fp = k.factorPrompt;
    for (let s = 0; s < B; s++) {
      sampleWishartFactorInto(fp, k.problem, k.factor!, k.fast, k.z);
      const e = promptStep(k, MODE_FACTOR, theta, fp.x, fp.yQuery, scale, grad);
      loss += e * e;
    }
  } else {
    const pr = k.prompt;
    for (let s = 0; s < B; s++) {
      samplePromptInto(pr, k.problem, k.rng, k.z);
      const e = promptStep(k, MODE_ROWS, theta, pr.x, pr.yQuery, scale, grad);
      loss += e * e;
    }
  }
  if (grad !== null) finishGradient(k, theta, grad);
  return loss / B;
}

/** A fixed set of prompts stored as (W, x, y): W [n, p, p], x [n, d], y [n]. */
export interface PromptSet {
  /** Number of prompts n. */
  readonly n: number;
  /** [n·p²] the context statistics W (1.2), prompt after prompt. */
  readonly W: Float64Array;
  /** [n·d] query covariates. */
  readonly x: Float64Array;
  /** [n] query labels. */
  readonly y: Float64Array;
}

/** The mean squared error on a stored prompt set and its standard error. */
export interface SetLoss {
  /** (1/n)·Σ(f − y)², unit [y]². */
  readonly mean: number;
  /** sd/√n (sd with the 1/(n − 1) normalisation; NaN for n = 1). */
  readonly stderr: number;
}

/**
 * The empirical loss (1/n)·Σ(f − y)² of θ on a stored prompt set, and the standard error of that
 * mean, sd/√n (sd with the 1/(n − 1) normalisation). When `grad` is given it receives the gradient
 * of the loss (for tests). O(n·d²).
 */
export function setLossGrad(k: Kernel, theta: Float64Array, set: PromptSet, grad: Float64Array | null = null): SetLoss {
  const d = k.problem.d;
  const p2 = (d + 1) ** 2;
  prepare(k, theta);
  if (grad !== null) grad.fill(0);
  const x = new Float64Array(d);
  let sum = 0;
  let sum2 = 0;
  for (let s = 0; s < set.n; s++) {
    k.W.set(set.W.subarray(s * p2, (s + 1) * p2));
    x.set(set.x.subarray(s * d, (s + 1) * d));
    const e = promptStep(k, MODE_EXPLICIT, theta, x, set.y[s]!, 2 / set.n, grad);
    sum += e * e;
    sum2 += e * e * e * e;
  }
  if (grad !== null) finishGradient(k, theta, grad);
  const n = set.n;
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sum2 - n * mean * mean) / (n - 1)) : NaN;
  return { mean, stderr: Math.sqrt(variance / n) };
}
