/**
 * Forward passes on an actual prompt, through the explicit (d+1)×(M+1) embedding of math.md §2:
 * E = [[x_1 … x_M, x], [y_1 … y_M, 0]], mask 𝕄 = diag(I_M, 0) (masked) or I_{M+1}, normalisation 1/M,
 * prediction = entry (d+1, M+1) (1-indexed). These are the independent route against which the
 * closed-form risks are checked (Monte Carlo), so they do not use the reduced form.
 */
import type { Matrix } from '../linalg/index.js';
import type { Estimator, GdBeta, Gd0, GdMultistep, Lsa, Ltb } from './estimators.js';
import type { Prompt } from './prompt.js';
import type { Reduced } from './reduced.js';

/** The embedding E ([d+1, M+1]) of a prompt, docs/math.md (2.1): context columns, then the query with label slot 0. */
export function embed(prompt: Prompt): Matrix {
  const n = prompt.X.cols + 1;
  const E: Matrix = { rows: n, cols: prompt.X.rows + 1, data: new Float64Array(n * (prompt.X.rows + 1)) };
  embedInto(E.data, prompt);
  return E;
}

/** Writes the embedding (2.1) of a prompt into `E` ([d+1, M+1] row-major); allocates nothing. */
export function embedInto(E: Float64Array, prompt: Prompt): void {
  const { X, y, x } = prompt;
  const M = X.rows;
  const d = X.cols;
  const cols = M + 1;
  for (let j = 0; j < M; j++) {
    for (let i = 0; i < d; i++) E[i * cols + j] = X.data[j * d + i]!;
    E[d * cols + j] = y[j]!;
  }
  for (let i = 0; i < d; i++) E[i * cols + M] = x[i]!;
  E[d * cols + M] = 0;
}

/**
 * G = E𝕄Eᵀ/M ([n, n], n = d+1) into `G` for an embedding `E` ([n, M+1] row-major), the mask (2.2)
 * dropping the query column when `masked`. Lower triangle then mirrored: G is symmetric by
 * construction, so it is made exactly symmetric. Allocates nothing.
 */
export function attentionGramInto(G: Float64Array, E: Float64Array, n: number, M: number, masked: boolean): void {
  const cols = M + 1;
  G.fill(0, 0, n * n);
  const last = masked ? M : M + 1; // 𝕄 = diag(I_M, 0) drops the query column.
  for (let j = 0; j < last; j++) {
    for (let r = 0; r < n; r++) {
      const er = E[r * cols + j]! / M;
      if (er === 0) continue;
      for (let s = 0; s <= r; s++) G[r * n + s] += er * E[s * cols + j]!;
    }
  }
  for (let r = 0; r < n; r++) for (let s = 0; s < r; s++) G[s * n + r] = G[r * n + s]!;
}

/** Scratch buffers of the attention forward pass, reusable across prompts of one size. */
export interface AttentionWorkspace {
  /** [d+1, d+1] E𝕄Eᵀ/M. */
  readonly G: Float64Array;
  /** [d+1] W^{KQ}·(x; 0), the key–query image of the query column. */
  readonly a: Float64Array;
  /** [d+1] G·a. */
  readonly b: Float64Array;
  /** [d+1] the query column h_{:,M+1} of the attention output (2.3), written by the predictors. */
  readonly c: Float64Array;
}

export function allocAttentionWorkspace(d: number): AttentionWorkspace {
  const n = d + 1;
  return { G: new Float64Array(n * n), a: new Float64Array(n), b: new Float64Array(n), c: new Float64Array(n) };
}

/**
 * Query column of the attention output h = E + W^{PV}·(E𝕄Eᵀ/M)·W^{KQ}·E, written into `out`
 * ([d+1]). Computes G = E𝕄Eᵀ/M = Σ_j 𝕄_jj·E_{:,j}E_{:,j}ᵀ/M explicitly, then h_{:,M+1} =
 * E_{:,M+1} + W^{PV}(G(W^{KQ}E_{:,M+1})). Only the query column is formed (the others do not
 * reach the prediction). O((d+1)²·M).
 */
export function attentionQueryColumn(out: Float64Array, WKQ: Matrix, WPV: Matrix, E: Matrix, masked: boolean, ws: AttentionWorkspace): Float64Array {
  const n = E.rows;
  const cols = E.cols;
  const M = cols - 1;
  const { G, a, b } = ws;
  attentionGramInto(G, E.data, n, M, masked);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += WKQ.data[r * n + k]! * E.data[k * cols + M]!;
    a[r] = s;
  }
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += G[r * n + k]! * a[k]!;
    b[r] = s;
  }
  for (let r = 0; r < n; r++) {
    let s = E.data[r * cols + M]!;
    for (let k = 0; k < n; k++) s += WPV.data[r * n + k]! * b[k]!;
    out[r] = s;
  }
  return out;
}

/** LSA prediction (2.3): [h]_{d+1, M+1}, normalised by 1/M with either mask (2.2). */
export function predictLsa(e: Lsa, prompt: Prompt, masked: boolean, ws?: AttentionWorkspace): number {
  const E = embed(prompt);
  const n = E.rows;
  const w = ws ?? allocAttentionWorkspace(n - 1);
  attentionQueryColumn(w.c, e.WKQ, e.WPV, E, masked, w);
  return w.c[n - 1]!;
}

/** LTB prediction (2.4): [h + W₂ᵀW₁h]_{d+1, M+1}, h the LSA output. */
export function predictLtb(e: Ltb, prompt: Prompt, masked: boolean, ws?: AttentionWorkspace): number {
  const E = embed(prompt);
  const n = E.rows;
  const w = ws ?? allocAttentionWorkspace(n - 1);
  const h = attentionQueryColumn(w.c, e.WKQ, e.WPV, E, masked, w);
  let out = h[n - 1]!;
  for (let f = 0; f < e.W1.rows; f++) {
    let t = 0;
    for (let k = 0; k < n; k++) t += e.W1.data[f * n + k]! * h[k]!;
    out += e.W2.data[f * n + n - 1]! * t; // row d+1 of W₂ᵀW₁h
  }
  return out;
}

/** GD-β prediction (2.5): xᵀ(β₀ + Γ·Xᵀ(y − Xβ₀)/M); GD-0 (2.6) has β₀ = 0. */
export function predictGdBeta(e: GdBeta | Gd0, prompt: Prompt): number {
  const { X, y, x } = prompt;
  const M = X.rows;
  const d = X.cols;
  const beta0 = e.kind === 'gd-beta' ? e.beta0 : undefined;
  const g = new Float64Array(d); // Xᵀ(y − Xβ₀)/M
  for (let r = 0; r < M; r++) {
    let res = y[r]!;
    if (beta0) for (let k = 0; k < d; k++) res -= X.data[r * d + k]! * beta0[k]!;
    res /= M;
    for (let k = 0; k < d; k++) g[k] += X.data[r * d + k]! * res;
  }
  let out = 0;
  for (let i = 0; i < d; i++) {
    let s = beta0 ? beta0[i]! : 0;
    for (let k = 0; k < d; k++) s += e.Gamma.data[i * d + k]! * g[k]!;
    out += x[i]! * s;
  }
  return out;
}

/** Scratch of {@link predictGdMultistep}: the iterate b [d], the residual r [M], the gradient g [d]. */
export interface GdMultistepWorkspace {
  /** [d] the iterate b_l. */
  readonly b: Float64Array;
  /** [M] the residual y − X b_{l−1}. */
  readonly r: Float64Array;
  /** [d] Xᵀ(y − X b_{l−1})/M. */
  readonly g: Float64Array;
}

/** Buffers of {@link predictGdMultistep} for dimension d and context length M. */
export function allocGdMultistepWorkspace(d: number, M: number): GdMultistepWorkspace {
  return { b: new Float64Array(d), r: new Float64Array(M), g: new Float64Array(d) };
}

/**
 * GD-β^L prediction (docs/math.md (3.42)) through the explicit recursion: b₀ = β₀,
 * b_l = b_{l−1} + Γ_l·Xᵀ(y − X b_{l−1})/M, f = xᵀb_L. It never forms S = XᵀX/M, so it is a route
 * independent of the closed form (3.48). O(L·(M·d + d²)); allocates nothing when `ws` is given.
 * GD reads the M context pairs only, so there is no mask.
 */
export function predictGdMultistep(e: GdMultistep, prompt: Prompt, ws?: GdMultistepWorkspace): number {
  const { X, y, x } = prompt;
  const M = X.rows;
  const d = X.cols;
  const { b, r, g } = ws ?? allocGdMultistepWorkspace(d, M);
  b.set(e.beta0);
  for (const G of e.Gammas) {
    for (let i = 0; i < M; i++) {
      let s = y[i]!;
      for (let k = 0; k < d; k++) s -= X.data[i * d + k]! * b[k]!;
      r[i] = s / M;
    }
    g.fill(0);
    for (let i = 0; i < M; i++) {
      const ri = r[i]!;
      for (let k = 0; k < d; k++) g[k] += X.data[i * d + k]! * ri;
    }
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += G.data[i * d + k]! * g[k]!;
      b[i] += s;
    }
  }
  let out = 0;
  for (let i = 0; i < d; i++) out += x[i]! * b[i]!;
  return out;
}

/**
 * The prediction of any estimator on a prompt. `masked` applies to LSA/LTB (GD has no mask);
 * GD-β/GD-0 use the one-step formula directly, GD-β^L its explicit recursion.
 */
export function predict(e: Estimator, prompt: Prompt, masked = true): number {
  switch (e.kind) {
    case 'gd-beta':
    case 'gd-0':
      return predictGdBeta(e, prompt);
    case 'lsa':
      return predictLsa(e, prompt, masked);
    case 'ltb':
      return predictLtb(e, prompt, masked);
    case 'gd-multistep':
      return predictGdMultistep(e, prompt);
  }
}

/**
 * Masked prediction from the reduced form (2.8): xᵀ(β_m + QᵀWp) with W = (1/M)Σ z_i z_iᵀ over the
 * context. Used to check the reduced-form identity against the explicit forward pass.
 */
export function predictReduced(r: Reduced, prompt: Prompt): number {
  const { X, y, x } = prompt;
  const M = X.rows;
  const d = X.cols;
  const n = d + 1;
  const Wp = new Float64Array(n);
  for (let j = 0; j < M; j++) {
    let zp = y[j]! * r.p[d]!;
    for (let k = 0; k < d; k++) zp += X.data[j * d + k]! * r.p[k]!;
    for (let k = 0; k < d; k++) Wp[k] += (X.data[j * d + k]! * zp) / M;
    Wp[d] += (y[j]! * zp) / M;
  }
  let out = 0;
  for (let i = 0; i < d; i++) {
    let s = r.betaM[i]!;
    for (let k = 0; k < n; k++) s += r.Q.data[k * d + i]! * Wp[k]!;
    out += x[i]! * s;
  }
  return out;
}
