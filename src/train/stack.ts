/**
 * Sampled training of an L-layer stack (docs/math.md §2.5): the empirical squared loss of a batch of
 * prompts, L = (1/B)·Σ_b (f_b − y_b)², through the stacked forward pass (2.17) on the raw weights of
 * every layer, and its exact gradient by a hand-written reverse pass. Allocation-free after
 * {@link createStackKernel}.
 *
 * ## Why the pass runs on T_l = A_l⋯A_1 and W, not on the embedding E [d+1, M+1]
 *
 * Each layer maps every column by one matrix, E_l = A_l·E_{l−1} with
 * A_l = C_l·B_l,  C_l = I + W₂ᵀW₁ (I for an LSA),  B_l = I + W^{PV}·G_l·W^{KQ},  G_l = E_{l−1}𝕄E_{l−1}ᵀ/M
 * (§2.5, (2.17)). So E_l = T_l·E_0 with T_l = A_l⋯A_1, T_0 = I, and
 *
 *   G_l = T_{l−1}·W̃·T_{l−1}ᵀ,   W̃ = E_0𝕄E_0ᵀ/M = W (1.2) masked,  W + z_q z_qᵀ/M unmasked (§2.4),
 *   f = [T_L·z_q]_{d+1},        z_q = (x; 0) the query column (2.1).
 *
 * The prompt enters only through (W̃, x): the pass costs O(L·p³) per prompt (p = d + 1) instead of
 * O(L·p²·M) on E (cheaper whenever M ≥ p, the usual case), it accepts the Wishart prompts of kernel.ts (O(p³) each, exact in distribution) and
 * the stored (W, x, y) test sets of train.ts. Building W from a direct prompt costs O(p²·M), once.
 * The E-route (`predictStack`, src/models) is the independent check in tests/train/stack.test.ts.
 *
 * ## Reverse pass (r = ∂L/∂f = 2(f − y)/B per prompt)
 *
 * Seed ∂L/∂T_L = r·e_{d+1}z_qᵀ; then for l = L … 1, with dX = ∂L/∂X:
 *
 *   dA = dT_l·T_{l−1}ᵀ,                 dT_{l−1} = A_lᵀ·dT_l + (dG + dGᵀ)·T_{l−1}W̃
 *   dB = C_lᵀ·dA,  dC = dA·B_lᵀ,         dW₁ = W₂·dC,  dW₂ = W₁·dCᵀ           (C = I + W₂ᵀW₁)
 *   dW^{PV} = dB·(G_lW^{KQ})ᵀ,          dW^{KQ} = G_l·(W^{PV}ᵀdB),  dG = (W^{PV}ᵀdB)·W^{KQ}ᵀ
 *
 * (G_l is symmetric; the G-term of dT_{l−1} is the derivative of T W̃ Tᵀ, W̃ symmetric). At l = 1,
 * T_0 = I: dA = dT_1 and no dT_0 is formed. About 12·L·p³ flops per prompt with the gradient.
 *
 * Parameter layout θ (row-major blocks, layer after layer): [W^{KQ} (p²), W^{PV} (p²)] for an LSA
 * layer and [W^{KQ}, W^{PV}, W₁ (d_f·p), W₂ (d_f·p)] for an LTB layer — so a one-layer LTB (LSA) stack
 * has exactly the `'ltb'` (`'lsa'`) layout of layout.ts and the same gradient as kernel.ts.
 */
import { InputError } from '../errors.js';
import { Rng, type Matrix } from '../linalg/index.js';
import {
  allocPrompt, allocWishartFactorPrompt, contextStatisticInto, covariateFactor, sampleWishartFactorInto, samplePromptInto,
  stackDim, wishartStatisticInto,
  type CovariateFactor, type Problem, type Prompt, type Stack, type StackLayer, type WishartFactorPrompt,
} from '../models/index.js';
import type { PromptSet, PromptSource, SetLoss } from './kernel.js';
import { FastRng } from './random.js';

/**
 * Largest depth of a trained stack. A stack's prediction is a polynomial of degree up to 3^L in the
 * data, so its loss grows heavy-tailed with L; the reference R*_L exists only for L ≤ 3 (math.md §3.6),
 * and L = 4 is kept for exploration.
 */
export const MAX_STACK_LAYERS = 4;

/** The shape of one layer of a trained stack. */
export type StackLayerShape =
  | {
      /** An LSA layer (W^{KQ}, W^{PV}). */
      readonly kind: 'lsa';
    }
  | {
      /** An LTB layer (W^{KQ}, W^{PV}, W₁, W₂). */
      readonly kind: 'ltb';
      /** Its MLP width d_f. */
      readonly dF: number;
    };

/** Offsets and sizes of the blocks of θ for a stack (module comment); p = d + 1. */
export interface StackLayout {
  /** Feature dimension d. */
  readonly d: number;
  /** The layers, first applied first. */
  readonly layers: readonly StackLayerShape[];
  /** Offset of layer l's block [W^{KQ}, W^{PV}(, W₁, W₂)] in θ. */
  readonly offsets: readonly number[];
  /** Length of θ. */
  readonly n: number;
}

/** Options of {@link stackLayout}. */
export interface StackLayoutOptions {
  /** MLP width d_f of the first (LTB) layer. @defaultValue 1 (what (2.19) needs) */
  readonly dF?: number;
}

/**
 * The layout of the architecture of (2.19): L layers, the first an LTB with d_f = `dF`, then L − 1
 * LSA layers — the shape that represents GD-β^L exactly (`stackFromGdMultistep`, math.md §2.5).
 * @throws {@link InputError} naming `d`, `layers` (1 … {@link MAX_STACK_LAYERS}) or `dF`.
 */
export function stackLayout(d: number, L: number, options: StackLayoutOptions = {}): StackLayout {
  const { dF = 1 } = options;
  if (!Number.isInteger(L) || L < 1 || L > MAX_STACK_LAYERS) throw new InputError('layers', `must be an integer 1..${MAX_STACK_LAYERS}, got ${String(L)}`);
  if (!Number.isInteger(dF) || dF < 1) throw new InputError('dF', `must be an integer ≥ 1, got ${String(dF)}`);
  const layers: StackLayerShape[] = [{ kind: 'ltb', dF }];
  for (let l = 1; l < L; l++) layers.push({ kind: 'lsa' });
  return layoutOf(d, layers);
}

/** The layout of an existing stack (any mix of LSA and LTB layers, any d_f per layer). */
export function stackLayoutOf(stack: Stack): StackLayout {
  const d = stackDim(stack);
  return layoutOf(d, stack.layers.map((l): StackLayerShape => (l.kind === 'ltb' ? { kind: 'ltb', dF: l.W1.rows } : { kind: 'lsa' })));
}

function layoutOf(d: number, layers: readonly StackLayerShape[]): StackLayout {
  if (!Number.isInteger(d) || d < 1) throw new InputError('d', `must be an integer ≥ 1, got ${String(d)}`);
  const p = d + 1;
  const offsets: number[] = [];
  let n = 0;
  for (const l of layers) {
    offsets.push(n);
    n += 2 * p * p + (l.kind === 'ltb' ? 2 * l.dF * p : 0);
  }
  return { d, layers, offsets, n };
}

/** Whether two layouts have the same layers (kinds and widths) and d. */
export function sameStackLayout(a: StackLayout, b: StackLayout): boolean {
  return a.d === b.d && a.layers.length === b.layers.length
    && a.layers.every((l, i) => { const m = b.layers[i]!; return l.kind === m.kind && (l.kind === 'lsa' || (m.kind === 'ltb' && l.dF === m.dF)); });
}

const block = (theta: Float64Array, off: number, rows: number, cols: number): Matrix => ({ rows, cols, data: Float64Array.from(theta.subarray(off, off + rows * cols)) });

/** The stack whose weights are θ [layout.n] (copies). */
export function stackFromParams(layout: StackLayout, theta: Float64Array): Stack {
  const p = layout.d + 1;
  const layers = layout.layers.map((shape, l): StackLayer => {
    const o = layout.offsets[l]!;
    const WKQ = block(theta, o, p, p);
    const WPV = block(theta, o + p * p, p, p);
    if (shape.kind === 'lsa') return { kind: 'lsa', WKQ, WPV };
    return { kind: 'ltb', WKQ, WPV, W1: block(theta, o + 2 * p * p, shape.dF, p), W2: block(theta, o + 2 * p * p + shape.dF * p, shape.dF, p) };
  });
  return { kind: 'stack', layers };
}

/**
 * θ [layout.n] of a stack with the layout's layers.
 * @throws {@link InputError} naming `field` when the stack's layers or shapes differ from the layout.
 */
export function paramsFromStack(layout: StackLayout, stack: Stack, field = 'init'): Float64Array {
  const own = stackLayoutOf(stack);
  if (!sameStackLayout(own, layout)) {
    const show = (s: StackLayout): string => `d = ${s.d}, [${s.layers.map((l) => (l.kind === 'ltb' ? `ltb(d_f = ${l.dF})` : 'lsa')).join(', ')}]`;
    throw new InputError(field, `is a stack with ${show(own)} but the trained stack has ${show(layout)}`);
  }
  const theta = new Float64Array(layout.n);
  const p = layout.d + 1;
  stack.layers.forEach((layer, l) => {
    const o = layout.offsets[l]!;
    theta.set(layer.WKQ.data, o);
    theta.set(layer.WPV.data, o + p * p);
    if (layer.kind === 'ltb') {
      theta.set(layer.W1.data, o + 2 * p * p);
      theta.set(layer.W2.data, o + 2 * p * p + layer.W1.rows * p);
    }
  });
  for (let i = 0; i < theta.length; i++) if (!Number.isFinite(theta[i]!)) throw new InputError(field, `has a non-finite weight (${theta[i]}) at flat index ${i}`);
  return theta;
}

/**
 * A random start: every weight N(0, scale²) from `new Rng(seed)`, in θ order. Zero weights are a
 * critical point of the stack's loss (every layer is then the identity and every weight gradient has
 * a zero factor), hence a small random start.
 */
export function randomStackParams(layout: StackLayout, seed: number, scale: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: layout.n }, () => scale * rng.normal());
}

/**
 * How far a stack is from the shape of (2.19): √(Σ off-structure² / Σ all²) over the attention weights
 * and the MLP products, where (2.19) has W^{KQ} nonzero only in its leading d×d block, W^{PV} only in
 * its label row d+1 and W₂ᵀW₁ only in its label row. 0 for `stackFromGdMultistep`'s stacks; invariant
 * under the gauge (W^{PV}, W^{KQ}) → (t·W^{PV}, W^{KQ}/t) only up to the balance of the two norms —
 * a shape indicator, not a distance between functions. O(L·p²·d_f).
 */
export function stackStructureResidual(stack: Stack): number {
  let off = 0;
  let all = 0;
  for (const layer of stack.layers) {
    const p = layer.WKQ.rows;
    const d = p - 1;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        const kq = layer.WKQ.data[i * p + j]!;
        const pv = layer.WPV.data[i * p + j]!;
        all += kq * kq + pv * pv;
        if (i === d || j === d) off += kq * kq;
        if (i !== d) off += pv * pv;
      }
    }
    if (layer.kind === 'ltb') {
      const dF = layer.W1.rows;
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) {
          let c = 0;
          for (let f = 0; f < dF; f++) c += layer.W2.data[f * p + i]! * layer.W1.data[f * p + j]!;
          all += c * c;
          if (i !== d) off += c * c;
        }
      }
    }
  }
  return all > 0 ? Math.sqrt(off / all) : 0;
}

/** Preallocated state of the stack kernel (one per run); p = d + 1, L layers. */
export interface StackKernel {
  /** The problem prompts are drawn from. */
  readonly problem: Problem;
  /** The layout of θ. */
  readonly layout: StackLayout;
  /** Where fresh prompts come from. */
  readonly source: PromptSource;
  /** The mask (2.2) of every layer. */
  readonly masked: boolean;
  /** Buffers of one direct prompt. */
  readonly prompt: Prompt;
  /** Buffers of one Wishart prompt. */
  readonly factorPrompt: WishartFactorPrompt;
  /** The factor of H of the Wishart prompts (null for direct prompts). */
  readonly factor: CovariateFactor | null;
  /** The direct prompts' generator. */
  readonly rng: Rng;
  /** The Wishart prompts' generator. */
  readonly fast: FastRng;
  /** [d] scratch of the samplers. */
  readonly z: Float64Array;
  /** [p, p] W̃ of the current prompt (module comment). */
  readonly Wt: Matrix;
  /** [p, p] scratch of src/models' `wishartStatisticInto`. */
  readonly wishartScratch: Float64Array;
  /** [(L+1)·p²] T_0 … T_L. */
  readonly T: Float64Array;
  /** [L·p²] T_{l−1}·W̃ per layer. */
  readonly TW: Float64Array;
  /** [L·p²] G_l. */
  readonly G: Float64Array;
  /** [L·p²] K_l = G_l·W^{KQ}. */
  readonly K: Float64Array;
  /** [L·p²] B_l = I + W^{PV}·K_l. */
  readonly B: Float64Array;
  /** [L·p²] A_l = C_l·B_l. */
  readonly A: Float64Array;
  /** [p²] dT_l, [p²] dT_{l−1} (swapped). */
  readonly dT: readonly [Float64Array, Float64Array];
  /** [p²] dA. */
  readonly dA: Float64Array;
  /** [p²] dB. */
  readonly dB: Float64Array;
  /** [p²] dC, then dG + dGᵀ. */
  readonly dC: Float64Array;
  /** [p²] W^{PV}ᵀ·dB. */
  readonly P: Float64Array;
  /** [p²] dG. */
  readonly dG: Float64Array;
  /** [max d_f · p] W₁·B or W₂·dA. */
  readonly v: Float64Array;
}

/**
 * Allocates the stack kernel of one training run; fresh prompts come from `seed` (linalg's `Rng` for
 * direct prompts — the stream of src/models' `PromptSampler` — and {@link FastRng} for Wishart
 * prompts, as kernel.ts). O(L·p² + d³).
 * @throws {@link InputError} naming `layout` when its d differs from the problem's.
 */
export function createStackKernel(problem: Problem, layout: StackLayout, source: PromptSource, seed = 1): StackKernel {
  const d = problem.d;
  if (layout.d !== d) throw new InputError('layout', `has d = ${layout.d} but the problem has d = ${d}`);
  const p = d + 1;
  const p2 = p * p;
  const L = layout.layers.length;
  const maxDF = Math.max(1, ...layout.layers.map((l) => (l.kind === 'ltb' ? l.dF : 0)));
  const f = (k: number): Float64Array => new Float64Array(k * p2);
  return {
    problem, layout, source, masked: problem.masked,
    prompt: allocPrompt(d, problem.M), factorPrompt: allocWishartFactorPrompt(d, problem.M),
    factor: source === 'wishart' ? covariateFactor(problem) : null,
    rng: new Rng(seed), fast: new FastRng(seed), z: new Float64Array(d),
    Wt: { rows: p, cols: p, data: f(1) }, wishartScratch: f(1),
    T: f(L + 1), TW: f(L), G: f(L), K: f(L), B: f(L), A: f(L),
    dT: [f(1), f(1)], dA: f(1), dB: f(1), dC: f(1), P: f(1), dG: f(1), v: new Float64Array(maxDF * p),
  };
}

// p×p kernels on row-major blocks at offsets (no subarray views: those allocate). `add` accumulates.

/** out = X·Y. */
function mulNN(out: Float64Array, oo: number, X: Float64Array, ox: number, Y: Float64Array, oy: number, p: number, add: boolean): void {
  for (let i = 0; i < p; i++) {
    const ro = oo + i * p;
    if (!add) for (let j = 0; j < p; j++) out[ro + j] = 0;
    for (let k = 0; k < p; k++) {
      const a = X[ox + i * p + k]!;
      if (a === 0) continue;
      const ry = oy + k * p;
      for (let j = 0; j < p; j++) out[ro + j] += a * Y[ry + j]!;
    }
  }
}

/** out = X·Yᵀ. */
function mulNT(out: Float64Array, oo: number, X: Float64Array, ox: number, Y: Float64Array, oy: number, p: number, add: boolean): void {
  for (let i = 0; i < p; i++) {
    const rx = ox + i * p;
    for (let j = 0; j < p; j++) {
      const ry = oy + j * p;
      let s = 0;
      for (let k = 0; k < p; k++) s += X[rx + k]! * Y[ry + k]!;
      if (add) out[oo + i * p + j] += s;
      else out[oo + i * p + j] = s;
    }
  }
}

/** out = Xᵀ·Y. */
function mulTN(out: Float64Array, oo: number, X: Float64Array, ox: number, Y: Float64Array, oy: number, p: number, add: boolean): void {
  if (!add) for (let i = 0; i < p * p; i++) out[oo + i] = 0;
  for (let k = 0; k < p; k++) {
    const rx = ox + k * p;
    const ry = oy + k * p;
    for (let i = 0; i < p; i++) {
      const a = X[rx + i]!;
      if (a === 0) continue;
      const ro = oo + i * p;
      for (let j = 0; j < p; j++) out[ro + j] += a * Y[ry + j]!;
    }
  }
}

/**
 * One prompt (W̃ in k.Wt, query x, label y) through the forward pass and, when `grad` is given, the
 * reverse pass: returns f − y and adds r·∂f/∂θ to `grad`, r = scale·(f − y). Allocates nothing.
 */
function stackPromptStep(k: StackKernel, theta: Float64Array, x: Float64Array, y: number, scale: number, grad: Float64Array | null): number {
  const { layout, T, TW, G, K, B, A, v } = k;
  const d = layout.d;
  const p = d + 1;
  const p2 = p * p;
  const L = layout.layers.length;
  const W = k.Wt.data;
  for (let i = 0; i < p2; i++) T[i] = 0;
  for (let i = 0; i < p; i++) T[i * p + i] = 1;
  for (let l = 0; l < L; l++) {
    const shape = layout.layers[l]!;
    const o = layout.offsets[l]!;
    const oKQ = o;
    const oPV = o + p2;
    const ol = l * p2;
    // G_l = T_{l−1}W̃T_{l−1}ᵀ (T_0 = I: G_1 = W̃). Lower triangle then mirrored, so G is exactly symmetric.
    if (l === 0) {
      for (let i = 0; i < p2; i++) { TW[i] = W[i]!; G[i] = W[i]!; }
    } else {
      mulNN(TW, ol, T, ol, W, 0, p, false);
      for (let i = 0; i < p; i++) {
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let c = 0; c < p; c++) s += TW[ol + i * p + c]! * T[ol + j * p + c]!;
          G[ol + i * p + j] = s;
          G[ol + j * p + i] = s;
        }
      }
    }
    mulNN(K, ol, G, ol, theta, oKQ, p, false);
    mulNN(B, ol, theta, oPV, K, ol, p, false);
    for (let i = 0; i < p; i++) B[ol + i * p + i] += 1;
    // A_l = (I + W₂ᵀW₁)B_l = B_l + Σ_f W₂[f, :]ᵀ(W₁[f, :]B_l).
    for (let i = 0; i < p2; i++) A[ol + i] = B[ol + i]!;
    if (shape.kind === 'ltb') {
      const o1 = o + 2 * p2;
      const o2 = o1 + shape.dF * p;
      for (let f = 0; f < shape.dF; f++) {
        for (let j = 0; j < p; j++) {
          let s = 0;
          for (let c = 0; c < p; c++) s += theta[o1 + f * p + c]! * B[ol + c * p + j]!;
          v[j] = s;
        }
        for (let i = 0; i < p; i++) {
          const w = theta[o2 + f * p + i]!;
          if (w === 0) continue;
          for (let j = 0; j < p; j++) A[ol + i * p + j] += w * v[j]!;
        }
      }
    }
    // T_l = A_l·T_{l−1}.
    if (l === 0) for (let i = 0; i < p2; i++) T[p2 + i] = A[i]!;
    else mulNN(T, ol + p2, A, ol, T, ol, p, false);
  }
  // f = [T_L z_q]_{d+1}, z_q = (x; 0).
  const oL = L * p2 + d * p;
  let f = 0;
  for (let c = 0; c < d; c++) f += T[oL + c]! * x[c]!;
  const e = f - y;
  if (grad === null) return e;

  const r = scale * e;
  let dT = k.dT[0];
  let dTprev = k.dT[1];
  const { dA, dB, dC, P, dG } = k;
  dT.fill(0);
  for (let c = 0; c < d; c++) dT[d * p + c] = r * x[c]!;
  for (let l = L - 1; l >= 0; l--) {
    const shape = layout.layers[l]!;
    const o = layout.offsets[l]!;
    const oKQ = o;
    const oPV = o + p2;
    const ol = l * p2;
    // dA = dT_l·T_{l−1}ᵀ (T_0 = I).
    if (l === 0) dA.set(dT);
    else mulNT(dA, 0, dT, 0, T, ol, p, false);
    // dT_{l−1} = A_lᵀ·dT_l (+ the G-term below).
    if (l > 0) mulTN(dTprev, 0, A, ol, dT, 0, p, false);
    if (shape.kind === 'ltb') {
      const dF = shape.dF;
      const o1 = o + 2 * p2;
      const o2 = o1 + dF * p;
      // dC = dA·B_lᵀ; dW₁ = W₂·dC; dW₂ = W₁·dCᵀ.
      mulNT(dC, 0, dA, 0, B, ol, p, false);
      for (let fi = 0; fi < dF; fi++) {
        for (let j = 0; j < p; j++) {
          let s1 = 0;
          let s2 = 0;
          for (let i = 0; i < p; i++) {
            s1 += theta[o2 + fi * p + i]! * dC[i * p + j]!;
            s2 += theta[o1 + fi * p + i]! * dC[j * p + i]!;
          }
          grad[o1 + fi * p + j] += s1;
          grad[o2 + fi * p + j] += s2;
        }
      }
      // dB = Cᵀ·dA = dA + Σ_f W₁[f, :]ᵀ(W₂[f, :]·dA).
      dB.set(dA);
      for (let fi = 0; fi < dF; fi++) {
        for (let j = 0; j < p; j++) {
          let s = 0;
          for (let i = 0; i < p; i++) s += theta[o2 + fi * p + i]! * dA[i * p + j]!;
          v[j] = s;
        }
        for (let i = 0; i < p; i++) {
          const w = theta[o1 + fi * p + i]!;
          if (w === 0) continue;
          for (let j = 0; j < p; j++) dB[i * p + j] += w * v[j]!;
        }
      }
    } else {
      dB.set(dA);
    }
    // dW^{PV} += dB·K_lᵀ; P = W^{PV}ᵀ·dB; dW^{KQ} += G_l·P; dG = P·W^{KQ}ᵀ.
    mulNT(grad, oPV, dB, 0, K, ol, p, true);
    mulTN(P, 0, theta, oPV, dB, 0, p, false);
    mulNN(grad, oKQ, G, ol, P, 0, p, true);
    if (l > 0) {
      mulNT(dG, 0, P, 0, theta, oKQ, p, false);
      // dT_{l−1} += (dG + dGᵀ)·T_{l−1}W̃.
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) dC[i * p + j] = dG[i * p + j]! + dG[j * p + i]!;
      mulNN(dTprev, 0, dC, 0, TW, ol, p, true);
      const t = dT;
      dT = dTprev;
      dTprev = t;
    }
  }
  return e;
}

/** W̃ += z_q z_qᵀ/M for an unmasked stack: the query column is a key and value in every layer (2.2), still 1/M. */
function addQueryColumn(k: StackKernel, x: Float64Array): void {
  if (k.masked) return;
  const d = k.layout.d;
  const p = d + 1;
  const inv = 1 / k.problem.M;
  const W = k.Wt.data;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) W[i * p + j] += x[i]! * x[j]! * inv;
}

function checkTheta(k: StackKernel, theta: Float64Array, grad: Float64Array | null): void {
  if (theta.length !== k.layout.n) throw new InputError('theta', `must have length ${k.layout.n} (the stack layout), got ${theta.length}`);
  if (grad !== null && grad.length !== k.layout.n) throw new InputError('grad', `must have length ${k.layout.n}, got ${grad.length}`);
}

/**
 * Draws B fresh prompts from the kernel's stream and returns the empirical loss (1/B)·Σ(f − y)² of
 * the stack θ; when `grad` is given ([n], overwritten) it receives the exact gradient of that loss.
 * Allocates nothing. O(B·(M·p² + L·p³)) (direct prompts) or O(B·L·p³) (Wishart prompts).
 */
export function stackBatchLossGrad(k: StackKernel, theta: Float64Array, grad: Float64Array | null, B: number): number {
  checkTheta(k, theta, grad);
  if (grad !== null) grad.fill(0);
  const scale = 2 / B;
  const { problem } = k;
  let loss = 0;
  for (let s = 0; s < B; s++) {
    let x: Float64Array;
    let y: number;
    if (k.source === 'wishart') {
      const fp = k.factorPrompt;
      sampleWishartFactorInto(fp, problem, k.factor!, k.fast, k.z);
      wishartStatisticInto(k.Wt, fp, k.factor!, problem.sigma2, problem.M, k.wishartScratch);
      x = fp.x;
      y = fp.yQuery;
    } else {
      const pr = k.prompt;
      samplePromptInto(pr, problem, k.rng, k.z);
      contextStatisticInto(k.Wt, pr.X, pr.y);
      x = pr.x;
      y = pr.yQuery;
    }
    addQueryColumn(k, x);
    const e = stackPromptStep(k, theta, x, y, scale, grad);
    loss += e * e;
  }
  return loss / B;
}

/**
 * The empirical loss (1/n)·Σ(f − y)² of the stack θ on a stored prompt set (train.ts `drawPromptSet`:
 * W of (1.2), x, y) and the standard error sd/√n of that mean; when `grad` is given it receives the
 * gradient of the loss, and when `errors` is given ([n]) the per-prompt errors f − y (for paired
 * comparisons of two models on the same set). Allocates only one [d] query buffer per call. O(n·L·p³).
 */
export function stackSetLossGrad(k: StackKernel, theta: Float64Array, set: PromptSet, grad: Float64Array | null = null, errors: Float64Array | null = null): SetLoss {
  checkTheta(k, theta, grad);
  if (errors !== null && errors.length !== set.n) throw new InputError('errors', `must have length ${set.n} (the set), got ${errors.length}`);
  const d = k.layout.d;
  const p2 = (d + 1) ** 2;
  if (grad !== null) grad.fill(0);
  const x = new Float64Array(d);
  let sum = 0;
  let sum2 = 0;
  for (let s = 0; s < set.n; s++) {
    const Wt = k.Wt.data;
    for (let i = 0; i < p2; i++) Wt[i] = set.W[s * p2 + i]!;
    for (let i = 0; i < d; i++) x[i] = set.x[s * d + i]!;
    addQueryColumn(k, x);
    const e = stackPromptStep(k, theta, x, set.y[s]!, 2 / set.n, grad);
    if (errors !== null) errors[s] = e;
    sum += e * e;
    sum2 += e * e * e * e;
  }
  const n = set.n;
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sum2 - n * mean * mean) / (n - 1)) : NaN;
  return { mean, stderr: Math.sqrt(variance / n) };
}
