/**
 * Stacked (multi-layer) linear transformers in the one-layer conventions of docs/math.md §2.1, and
 * the explicit weights of an L-layer stack that computes L preconditioned GD steps (GD-β^L).
 *
 * A stack is a list of layers, each an LSA (W^{KQ}, W^{PV} [d+1, d+1]) or an LTB (the same plus
 * the residual linear MLP W₁, W₂ [d_f, d+1]). Unlike the one-layer forward pass, every layer acts
 * on the WHOLE embedding E [d+1, M+1] (2.1), because the next layer's keys and values are the
 * context columns this layer wrote:
 *
 *   E ← E + W^{PV}·(E𝕄Eᵀ/M)·W^{KQ}·E            (attention, mask 𝕄 of (2.2), 1/M in every layer)
 *   E ← E + W₂ᵀW₁·E                              (LTB layers only)
 *
 * and the prediction is the entry [d+1, M+1] of the last layer's output.
 *
 * ## Why one (d+1)×(d+1) matrix per layer
 *
 * Given G = E𝕄Eᵀ/M, both updates are the same linear map applied to every column:
 * E ← A·E with A = (I + W₂ᵀW₁)(I + W^{PV}·G·W^{KQ}) (the MLP factor is I for an LSA). The forward
 * pass forms G (O((d+1)²M)), then A (O((d+1)³ + d_f(d+1)²)), then A·E (O((d+1)²(M+1))): a layer
 * costs O((d+1)²·(M + d + d_f)) and never forms an (M+1)×(M+1) attention matrix. A consequence
 * used below: after l layers E_l = T_l·E_0 with T_l = A_l⋯A_1, so every column — context and query
 * alike — has been mapped by the same matrix.
 *
 * ## GD-β^L as an L-layer stack (identity; docs/math.md §2.5 in the report of issue 15)
 *
 * GD-β^L: b₀ = β₀, b_l = b_{l−1} + Γ_l·Xᵀ(y − X b_{l−1})/M, prediction xᵀb_L; residuals
 * r^{(l)} = y − X b_l. Take an LSA with W^{KQ} = [[Γᵀ, 0], [0, 0]] and W^{PV} = [[0, 0], [pᵀ, c]]
 * (only the label row). Column k, z_k = (x_k; ℓ_k), gains only in its label slot, by
 *
 *   ℓ_k ← ℓ_k + (1/M)·Σ_{i≤M} (pᵀx_i + c·ℓ_i)·(x_iᵀ Γᵀ x_k) = ℓ_k + x_kᵀ Γ Xᵀ(Xp + cℓ)/M      (★)
 *
 * (masked: i runs over the context only; the x-rows never change). With c = −1 and p = 0 the
 * label vector maps as ℓ ← ℓ − x_kᵀΓXᵀℓ/M, which is LINEAR in the labels — so if the context labels
 * hold ±r^{(l−1)} they then hold ±r^{(l)}, and the query label moves by ∓xᵀ(b_l − b_{l−1}), with the
 * same sign. The context labels start as +y (they are data) and the query label as 0, so without a
 * sign change the query would end at −xᵀb_L (this is von Oswald et al.'s read-out "−ŷ"). The read-out
 * of (2.1) takes the entry as it is, so one label flip is needed. It cannot come from attention
 * (attention adds data-quadratic terms; −2ℓ is linear) and among MLP maps ℓ ← ℓ + w_xᵀx + w_y·ℓ
 * only w_x = 0, w_y = −2 turns −xᵀb into +xᵀb for every x and every context: W₂ᵀW₁ ∋ −2 at
 * [d+1, d+1]. β₀ enters twice: the first layer's value row p = β₀ makes the first gradient
 * Xᵀ(y − Xβ₀) (pᵀx_i − ℓ_i = −r_i^{(0)}), and an MLP adds the missing −x_kᵀβ₀ to every label.
 *
 * The construction (`stackFromGdMultistep`, `signFlip: 'first'`, the default) — L layers,
 * exactly one of them an LTB (d_f = 1):
 *
 *   layer 1 (LTB):  W^{KQ} = [[Γ₁ᵀ, 0], [0, 0]],  W^{PV} = [[0, 0], [β₀ᵀ, −1]],
 *                   W₁ = (β₀ᵀ, −2),  W₂ = (0, …, 0, 1)          (MLP: ℓ ← −ℓ + β₀ᵀx)
 *   layer l ≥ 2 (LSA): W^{KQ} = [[Γ_lᵀ, 0], [0, 0]],  W^{PV} = [[0, 0], [0, −1]]
 *
 * Invariant after layer l (induction with (★)): context column j = (x_j; x_jᵀb_l − y_j) (the
 * NEGATED residual −r_j^{(l)}), query column = (x; xᵀb_l). Layer 1: attention gives
 * ℓ_j = y_j − x_jᵀΓ₁Xᵀr^{(0)}/M, ℓ_q = −xᵀΓ₁Xᵀr^{(0)}/M; the MLP ℓ ← −ℓ + β₀ᵀx gives
 * x_jᵀ(β₀ + Γ₁Xᵀr^{(0)}/M) − y_j = −r_j^{(1)} and xᵀb₁. Layer l: with labels −r^{(l−1)}, (★) gives
 * −r_j^{(l−1)} + x_jᵀΓ_lXᵀr^{(l−1)}/M = −r_j^{(l)} and xᵀb_{l−1} + xᵀΓ_lXᵀr^{(l−1)}/M = xᵀb_l. So
 * the read-out [d+1, M+1] is xᵀb_L, and every prefix of l layers computes GD-β^l for (β₀, Γ₁…Γ_l).
 * For L = 1 this is a one-layer LTB with the reduced form u = (β₀; −1), p = (W^{PV})ᵀu = (−β₀; 1),
 * Q_x = Γ₁ᵀ, β_m = β₀ — the same function as (2.11), with different raw weights: (2.11) leaves the
 * context labels at y_j + x_jᵀb₁, which a second layer could not use.
 *
 * `signFlip: 'last'` keeps the positive residuals y_j − x_jᵀb_l in the context labels (the query
 * carries −xᵀb_l) and flips once in an MLP of the last layer: layer 1 has W₁ = (−β₀ᵀ, 0) (adds
 * −β₀ᵀx), layers 2…L−1 are the LSA above, layer L is that LSA plus W₁ = (0, …, 0, −2), W₂ = e_{d+1}ᵀ.
 * For L = 1 the two variants coincide (the one MLP must add −β₀ᵀx BEFORE flipping: ℓ ← −(ℓ − β₀ᵀx)).
 *
 * ## GD-0^L (β₀ = 0): the MLP stays; label-slot LSA layers alone cannot do it
 *
 * With β₀ = 0 the MLP is there for the flip alone. L = 1 is the exception: `lsaFromGd0`'s
 * W^{PV} = +e_{d+1}e_{d+1}ᵀ reads +xᵀΓs off the query directly, because nothing reads the context
 * labels afterwards. For L ≥ 2 take K label-slot LSA layers (W^{KQ} = [[Q_k, 0], [0, 0]],
 * W^{PV} = c_k·e_{d+1}e_{d+1}ᵀ) and B_k = c_k·Q_kᵀ. By (★) the query ends at xᵀc_K, where with
 * t_k = Xᵀℓ^{(k)}/M: t_k = (I + S B_k) t_{k−1}, t₀ = s, and t_K = s + S c_K. GD-0^L has
 * s − S b_L = Π_l (I − S Γ_l) s. Equality for all (S, s) is the polynomial identity
 *
 *   Π_{k=K…1} (I + S B_k) + Π_{l=L…1} (I − S Γ_l) = 2I        for every symmetric S.
 *
 * At S = σ·vvᵀ products of rank-one updates I + σ v aᵀ collapse to the scalar identity
 * Π_k (1 + σ·vᵀB_k v) = 2 − Π_l (1 − σ·vᵀΓ_l v) in σ: the right side must have only real roots, for
 * every v. With equal steps Γ_l = γI (γ ≠ 0) its roots are (1 − 2^{1/L}ω)/γ over the L-th roots of
 * unity ω, non-real for L ≥ 3: no such stack of ANY depth K computes GD-0^L — an extra layer does
 * not help. At L = 2 with K = 2 the degree-2 term gives B₂ = tΓ₂, B₁ = −Γ₁/t, and the degree-1
 * term then needs tΓ₂ − Γ₁/t = Γ₁ + Γ₂, impossible for linearly independent Γ₁, Γ₂ (deeper
 * label-slot stacks at L = 2 are not excluded by this argument when every vᵀΓ_l v > 0). What survives is
 * the commuting case: GD-0² with Γ₁ = γ₁I, Γ₂ = γ₂I and (γ₁ + γ₂)² + 4γ₁γ₂ ≥ 0 is the two-layer
 * LSA with B_k = b_k I, b₁ + b₂ = γ₁ + γ₂, b₁b₂ = −γ₁γ₂ (equal steps: b = γ(1 ± √2)); a test
 * checks it. The argument covers label-slot layers only: LSA layers that also use the label column
 * of W^{KQ} or write the x-rows can rescale the labels by data-dependent factors (1 + pᵀ…S…), and
 * for d = 1 a least-squares search found 2- and 3-layer pure-LSA stacks computing GD-0² at
 * (γ₁, γ₂) = (1, −½) and GD-0³ at equal steps to rounding (≤ 2e-12 relative on fresh prompts, M = 1…50) — cases
 * the label-slot family provably cannot reach. No closed form is known here and d ≥ 2 is open, so
 * GD-0^L is built like GD-β^L: L layers, one of them an LTB (W₁ = (0, …, 0, −2)), no extra layer.
 *
 * References: J. von Oswald et al., "Transformers learn in-context by gradient descent", ICML 2023
 * (the residual-carrying LSA construction and the "−ŷ" read-out); docs/math.md §2.1–§2.3.
 */
import { InputError } from '../errors.js';
import { zeros, type Matrix } from '../linalg/index.js';
import { EstimatorError, estimatorToJSON, parseEstimator, type Lsa, type Ltb } from './estimators.js';
import { attentionGramInto, embedInto } from './forward.js';
import type { Prompt } from './prompt.js';
import { describe, finiteMatrix, finiteVector, noUnknownKeys, record } from './schema.js';

/** One layer of a stack: an LSA (2.3) or an LTB (2.4), with the shapes of the one-layer models. */
export type StackLayer = Lsa | Ltb;

/**
 * An L-layer linear transformer (L ≥ 1): `layers[0]` acts first. Every layer has W^{KQ}, W^{PV}
 * [d+1, d+1] with the same d; an LTB layer also W₁, W₂ [d_f, d+1] (d_f may differ between layers).
 */
export interface Stack {
  /** Discriminant of the JSON form `{ "kind": "stack", "layers": [...] }`. */
  readonly kind: 'stack';
  /** The layers in the order they are applied. */
  readonly layers: readonly StackLayer[];
}

/**
 * The parameters of GD-β^L (structural, so the `gd-multistep` estimator kind fits it):
 * b₀ = β₀, b_l = b_{l−1} + Γ_l·Xᵀ(y − X b_{l−1})/M, prediction xᵀb_L.
 */
export interface GdMultistepWeights {
  /** [d] the start β₀. */
  readonly beta0: Float64Array;
  /** L ≥ 1 preconditioners Γ_l, each [d, d] (need not be symmetric); `Gammas[0]` is the first step. */
  readonly Gammas: readonly Matrix[];
}

/** Where {@link stackFromGdMultistep} puts the read-out sign flip (see the module comment). */
export type StackSignFlip = 'first' | 'last';

/** Options of {@link stackFromGdMultistep}. */
export interface StackFromGdMultistepOptions {
  /**
   * `'first'`: the first layer's MLP flips the label slots, so context labels carry the negated
   * residuals x_jᵀb_l − y_j, the query carries xᵀb_l after every layer, and only layer 1 is an LTB.
   * `'last'`: context labels carry the residuals y_j − x_jᵀb_l, the query −xᵀb_l, and the last
   * layer's MLP flips (layers 1 and L are LTBs). Both compute GD-β^L exactly.
   * @defaultValue 'first'
   */
  signFlip?: StackSignFlip;
}

/** Scratch buffers of the stacked forward pass for one (d, M): nothing is allocated per call. */
export interface StackWorkspace {
  /** The feature dimension d the buffers are sized for. */
  readonly d: number;
  /** The context length M the buffers are sized for. */
  readonly M: number;
  /** Two [d+1, M+1] embeddings, written alternately (the current E and the next A·E). */
  readonly E: readonly [Matrix, Matrix];
  /** [d+1, d+1] G = E𝕄Eᵀ/M of the current layer. */
  readonly G: Float64Array;
  /** [d+1, d+1] G·W^{KQ}. */
  readonly C: Float64Array;
  /** Two [d+1, d+1] column maps: A = I + W^{PV}·G·W^{KQ}, then (I + W₂ᵀW₁)·A for an LTB. */
  readonly A: readonly [Float64Array, Float64Array];
  /** [d+1] one row W₁[f, :]·A of the MLP factor. */
  readonly v: Float64Array;
}

/** Options of {@link forwardStack} and {@link predictStack}. */
export interface StackForwardOptions {
  /**
   * Buffers sized for the prompt's (d, M) from {@link allocStackWorkspace}; when given the call
   * allocates nothing (and {@link forwardStack}'s result is one of its buffers, overwritten by the
   * next call). @defaultValue a fresh workspace per call
   */
  workspace?: StackWorkspace;
}

/** Buffers for {@link forwardStack}/{@link predictStack} on prompts with d features and M context pairs. */
export function allocStackWorkspace(d: number, M: number): StackWorkspace {
  if (!Number.isInteger(d) || d < 1) throw new InputError('d', `must be an integer ≥ 1, got ${describe(d)}`);
  if (!Number.isInteger(M) || M < 1) throw new InputError('M', `must be an integer ≥ 1, got ${describe(M)}`);
  const n = d + 1;
  const mat = (): Matrix => ({ rows: n, cols: M + 1, data: new Float64Array(n * (M + 1)) });
  return {
    d, M, E: [mat(), mat()], G: new Float64Array(n * n), C: new Float64Array(n * n),
    A: [new Float64Array(n * n), new Float64Array(n * n)], v: new Float64Array(n),
  };
}

/**
 * The feature dimension d of a stack (its W^{KQ} are [d+1, d+1]).
 * @throws {@link EstimatorError} naming the first misshapen `layers[i]` field, or `layers` when empty.
 */
export function stackDim(stack: Stack): number {
  return checkStackShapes(stack);
}

/**
 * The output embedding E_L [d+1, M+1] of the stack on a prompt: E_0 is the embedding (2.1), and
 * each layer maps E ← (I + W₂ᵀW₁)(I + W^{PV}·(E𝕄Eᵀ/M)·W^{KQ})·E (the MLP factor only for an LTB),
 * with the mask 𝕄 of (2.2) — `masked`: the query column is never a key or value — and 1/M in every
 * layer. Cost O(L·(d+1)²·(M + d + d_f)); allocates nothing when `options.workspace` is given.
 * @throws {@link EstimatorError} naming `layers[i].WKQ` etc. when the layer shapes disagree;
 *   {@link InputError} naming `prompt.X`/`prompt.y`/`prompt.x` or `workspace` on a shape mismatch.
 */
export function forwardStack(stack: Stack, prompt: Prompt, masked = true, options: StackForwardOptions = {}): Matrix {
  const d = checkStackShapes(stack);
  const M = checkPrompt(prompt, d);
  const { workspace = allocStackWorkspace(d, M) } = options;
  if (workspace.d !== d || workspace.M !== M) {
    throw new InputError('workspace', `is sized for d = ${workspace.d}, M = ${workspace.M} but the prompt has d = ${d}, M = ${M}`);
  }
  const n = d + 1;
  const cols = M + 1;
  const { G, C, v } = workspace;
  let E = workspace.E[0];
  let Enext = workspace.E[1];
  embedInto(E.data, prompt);
  for (let l = 0; l < stack.layers.length; l++) {
    const layer = stack.layers[l]!;
    attentionGramInto(G, E.data, n, M, masked); // G = E𝕄Eᵀ/M, the mask (2.2) in every layer
    // C = G·W^{KQ}; A = I + W^{PV}·C: the attention's map of one column.
    const WKQ = layer.WKQ.data;
    const WPV = layer.WPV.data;
    for (let r = 0; r < n; r++) {
      for (let s = 0; s < n; s++) {
        let t = 0;
        for (let k = 0; k < n; k++) t += G[r * n + k]! * WKQ[k * n + s]!;
        C[r * n + s] = t;
      }
    }
    let A = workspace.A[0];
    for (let r = 0; r < n; r++) {
      for (let s = 0; s < n; s++) {
        let t = r === s ? 1 : 0;
        for (let k = 0; k < n; k++) t += WPV[r * n + k]! * C[k * n + s]!;
        A[r * n + s] = t;
      }
    }
    if (layer.kind === 'ltb') {
      // (I + W₂ᵀW₁)·A = A + Σ_f W₂[f, :]ᵀ (W₁[f, :]·A): every row f reads the attention-only A, so
      // accumulate into the second buffer.
      const A2 = workspace.A[1];
      A2.set(A);
      const W1 = layer.W1.data;
      const W2 = layer.W2.data;
      for (let f = 0; f < layer.W1.rows; f++) {
        for (let s = 0; s < n; s++) {
          let t = 0;
          for (let k = 0; k < n; k++) t += W1[f * n + k]! * A[k * n + s]!;
          v[s] = t;
        }
        for (let r = 0; r < n; r++) {
          const w = W2[f * n + r]!;
          if (w === 0) continue;
          for (let s = 0; s < n; s++) A2[r * n + s] += w * v[s]!;
        }
      }
      A = A2;
    }
    // Every column, the query included, is mapped by A: E_next = A·E.
    for (let r = 0; r < n; r++) {
      const out = r * cols;
      for (let j = 0; j < cols; j++) Enext.data[out + j] = 0;
      for (let k = 0; k < n; k++) {
        const a = A[r * n + k]!;
        if (a === 0) continue;
        const src = k * cols;
        for (let j = 0; j < cols; j++) Enext.data[out + j] += a * E.data[src + j]!;
      }
    }
    const t = E;
    E = Enext;
    Enext = t;
  }
  return E;
}

/**
 * The stack's prediction on a prompt: entry [d+1, M+1] (1-indexed) of {@link forwardStack}'s output,
 * i.e. the label slot of the query column after the last layer (math.md §2.1 conventions).
 * O(L·(d+1)²·(M + d + d_f)); allocates nothing when `options.workspace` is given.
 */
export function predictStack(stack: Stack, prompt: Prompt, masked = true, options: StackForwardOptions = {}): number {
  const E = forwardStack(stack, prompt, masked, options);
  return E.data[E.data.length - 1]!;
}

/**
 * The L-layer stack that computes GD-β^L exactly on every prompt (masked; L = `Gammas.length`).
 * Layer l has W^{KQ} = [[Γ_lᵀ, 0], [0, 0]] and W^{PV} label row (0, −1), except layer 1's
 * (β₀ᵀ, −1); layer 1 is an LTB with W₁ = (β₀ᵀ, −2), W₂ = e_{d+1}ᵀ (`signFlip: 'first'`). With
 * `signFlip: 'last'` layer 1's MLP is W₁ = (−β₀ᵀ, 0) and layer L adds W₁ = (0, …, 0, −2) (for
 * L = 1 both give the first form). Derivation and invariants in the module comment. Shapes:
 * W^{KQ}, W^{PV} [d+1, d+1], W₁, W₂ [1, d+1]. O(L·d²).
 * @throws {@link EstimatorError} naming `beta0`, `Gammas` or `Gammas[l]` (non-finite or misshapen).
 */
export function stackFromGdMultistep(g: GdMultistepWeights, options: StackFromGdMultistepOptions = {}): Stack {
  const { signFlip = 'first' } = options;
  if (signFlip !== 'first' && signFlip !== 'last') {
    throw new EstimatorError('signFlip', `must be 'first' or 'last', got ${describe(signFlip)}`);
  }
  const beta0 = finiteVector(g.beta0, 'beta0', undefined, EstimatorError);
  const d = beta0.length;
  if (d < 1) throw new EstimatorError('beta0', 'must have length d ≥ 1, got 0');
  if (!Array.isArray(g.Gammas) || g.Gammas.length === 0) {
    throw new EstimatorError('Gammas', `must be a non-empty array of ${d}×${d} matrices, got ${describe(g.Gammas)}`);
  }
  const L = g.Gammas.length;
  const n = d + 1;
  const layers: StackLayer[] = [];
  for (let l = 0; l < L; l++) {
    const Gamma = finiteMatrix(g.Gammas[l], `Gammas[${l}]`, d, d, EstimatorError);
    const WKQ = zeros(n, n);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) WKQ.data[i * n + j] = Gamma.data[j * d + i]!; // Γ_lᵀ
    const WPV = zeros(n, n);
    WPV.data[d * n + d] = -1; // ℓ ← ℓ − x_kᵀΓ_lXᵀ(residual labels)/M, (★)
    if (l === 0) for (let j = 0; j < d; j++) WPV.data[d * n + j] = beta0[j]!; // value pᵀx_i − y_i = −r_i⁽⁰⁾
    const flipHere = signFlip === 'first' ? l === 0 : l === L - 1;
    if (l !== 0 && !flipHere) {
      layers.push({ kind: 'lsa', WKQ, WPV });
      continue;
    }
    const W1 = zeros(1, n);
    const W2 = zeros(1, n);
    W2.data[d] = 1; // the MLP writes the label row only
    if (l === 0) {
      // Layer 1 adds −β₀ᵀx to every label; if it also flips, the flip acts on (ℓ − β₀ᵀx): −ℓ + β₀ᵀx.
      const sign = flipHere ? 1 : -1;
      for (let j = 0; j < d; j++) W1.data[j] = sign * beta0[j]!;
    }
    if (flipHere) W1.data[d] = -2; // ℓ ← ℓ − 2ℓ
    layers.push({ kind: 'ltb', WKQ, WPV, W1, W2 });
  }
  return { kind: 'stack', layers };
}

/**
 * Parses and validates a stack `{ "kind": "stack", "layers": [ {"kind": "lsa", "WKQ", "WPV"} |
 * {"kind": "ltb", "WKQ", "WPV", "W1", "W2"}, … ] }` (at least one layer; each layer in the JSON
 * shape of {@link parseEstimator}). d is checked when given, else read off `layers[0].WKQ`
 * ([d+1, d+1]). Matrices may also be in-memory `Matrix` objects; they are copied.
 * @throws {@link EstimatorError} naming the field, e.g. `layers[2].WKQ` or `layers[0].W2[1][0]`.
 */
export function parseStack(value: unknown, d?: number): Stack {
  const obj = record(value, 'stack', EstimatorError);
  noUnknownKeys(obj, ['kind', 'layers'], '', EstimatorError);
  if (obj.kind !== 'stack') throw new EstimatorError('kind', `must be 'stack', got ${describe(obj.kind)}`);
  const raw = obj.layers;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new EstimatorError('layers', `must be a non-empty array of layers, got ${describe(raw)}`);
  }
  let dim = d;
  if (dim === undefined) {
    // Read d off the first layer so that every later shape error names its own layer.
    const first = record(raw[0], 'layers[0]', EstimatorError);
    if (first.WKQ === undefined) throw new EstimatorError('layers[0].WKQ', 'is required (it fixes d)');
    const WKQ = finiteMatrix(first.WKQ, 'layers[0].WKQ', undefined, undefined, EstimatorError);
    if (WKQ.rows !== WKQ.cols || WKQ.rows < 2) {
      throw new EstimatorError('layers[0].WKQ', `must be (d+1)×(d+1) with d ≥ 1, got ${WKQ.rows}×${WKQ.cols}`);
    }
    dim = WKQ.rows - 1;
  }
  const layers: StackLayer[] = [];
  for (let i = 0; i < raw.length; i++) {
    const field = `layers[${i}]`;
    const layer = record(raw[i], field, EstimatorError);
    if (layer.kind !== 'lsa' && layer.kind !== 'ltb') {
      throw new EstimatorError(`${field}.kind`, `must be 'lsa' or 'ltb', got ${describe(layer.kind)}`);
    }
    try {
      // One home for the LSA/LTB JSON shape: the estimator parser, with its field names prefixed.
      layers.push(parseEstimator(layer, dim) as StackLayer);
    } catch (e) {
      if (e instanceof InputError) throw new EstimatorError(`${field}.${e.field}`, e.reason);
      throw e;
    }
  }
  return { kind: 'stack', layers };
}

/** The JSON form of a {@link Stack}: `{"kind": "stack", "layers": [estimator JSON, …]}`. */
export interface StackJSON {
  /** Discriminant. */
  kind: 'stack';
  /** Each layer's estimator JSON (`lsa` or `ltb`), first layer first. */
  layers: Record<string, unknown>[];
}

/** The stack as JSON in the shape {@link parseStack} accepts back (layers as the estimator JSON). */
export function stackToJSON(stack: Stack): StackJSON {
  return { kind: 'stack', layers: stack.layers.map((l) => estimatorToJSON(l)) };
}

/** Checks every layer's shapes against the first layer's d; returns d. Allocates nothing. */
function checkStackShapes(stack: Stack): number {
  const layers = stack.layers;
  if (!Array.isArray(layers) || layers.length === 0) throw new EstimatorError('layers', 'must hold at least one layer');
  const n = layers[0]!.WKQ.rows;
  if (n < 2) throw new EstimatorError('layers[0].WKQ', `must be (d+1)×(d+1) with d ≥ 1, got ${n}×${layers[0]!.WKQ.cols}`);
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    checkShape(l.WKQ, i, 'WKQ', n, n);
    checkShape(l.WPV, i, 'WPV', n, n);
    if (l.kind === 'ltb') {
      checkShape(l.W1, i, 'W1', l.W1.rows, n);
      checkShape(l.W2, i, 'W2', l.W1.rows, n);
    } else if (l.kind !== 'lsa') {
      throw new EstimatorError(`layers[${i}].kind`, `must be 'lsa' or 'ltb', got ${describe((l as { kind: unknown }).kind)}`);
    }
  }
  return n - 1;
}

/** Throws unless A is rows×cols with matching data (the field is only formatted on failure). */
function checkShape(A: Matrix, layer: number, name: string, rows: number, cols: number): void {
  if (A.rows !== rows || A.cols !== cols || A.data.length !== rows * cols) {
    throw new EstimatorError(`layers[${layer}].${name}`, `must be ${rows}×${cols}, got ${A.rows}×${A.cols}`);
  }
}

/** Checks the prompt's shapes against d; returns M. */
function checkPrompt(prompt: Prompt, d: number): number {
  const { X, y, x } = prompt;
  const M = X.rows;
  if (X.cols !== d || M < 1 || X.data.length !== M * d) {
    throw new InputError('prompt.X', `must be M×${d} with M ≥ 1 (the stack has d = ${d}), got ${X.rows}×${X.cols}`);
  }
  if (y.length !== M) throw new InputError('prompt.y', `must have length M = ${M}, got ${y.length}`);
  if (x.length !== d) throw new InputError('prompt.x', `must have length d = ${d}, got ${x.length}`);
  return M;
}

/** Writes the embedding (2.1) of `prompt` into `E` ([d+1, M+1] row-major): context columns, then (x; 0). */
