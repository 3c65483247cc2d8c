/**
 * The reduced form of LSA/LTB (math.md §2), in both directions: raw weights → (β_m, p, Q) by
 * u = e_{d+1} + (W₂ᵀW₁)ᵀe_{d+1}, p = (W^{PV})ᵀu, Q = first d columns of W^{KQ}, β_m = first d
 * entries of u (the masked block computes f = xᵀ(β_m + QᵀWp)); (β_m, p, Q) → the d_f = 1 LTB or the
 * LSA computing it; and the packing of (β_m, p, Q) into one vector θ. Also the exact GD-β ↔ LTB
 * weight maps and the effective GD-β of an LTB.
 */
import type { Matrix } from '../linalg/index.js';
import type { GdBeta, Gd0, Lsa, Ltb } from './estimators.js';

/** The attention blocks with a reduced form: linear self-attention or the linear transformer block. */
export type AttentionKind = 'lsa' | 'ltb';

/** Reduced parameters of an LSA/LTB. */
export interface Reduced {
  /** [d] the free linear term (0 for LSA). */
  readonly betaM: Float64Array;
  /** [d+1] p = (p_x; p_y). */
  readonly p: Float64Array;
  /** [d+1, d] Q = [Q_x; q_yᵀ]. */
  readonly Q: Matrix;
}

/** The read-out vector u = e_{d+1} + W₁ᵀW₂e_{d+1} ([d+1]; docs/math.md (2.7)); e_{d+1} for LSA. */
export function readoutVector(e: Lsa | Ltb): Float64Array {
  const n = e.WKQ.rows;
  const u = new Float64Array(n);
  u[n - 1] = 1;
  if (e.kind === 'ltb') {
    const { W1, W2 } = e;
    for (let f = 0; f < W1.rows; f++) {
      const v = W2.data[f * n + n - 1]!; // (W₂ e_{d+1})_f
      if (v === 0) continue;
      for (let j = 0; j < n; j++) u[j] += W1.data[f * n + j]! * v;
    }
  }
  return u;
}

/** The reduced parameters (β_m [d], p [d+1], Q [d+1, d]) of an LSA or LTB (docs/math.md (2.7)). O(d²·d_f). */
export function reducedForm(e: Lsa | Ltb): Reduced {
  const n = e.WKQ.rows;
  const d = n - 1;
  const u = readoutVector(e);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ui = u[i]!;
    if (ui === 0) continue;
    for (let j = 0; j < n; j++) p[j] += e.WPV.data[i * n + j]! * ui;
  }
  const Q: Matrix = { rows: n, cols: d, data: new Float64Array(n * d) };
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Q.data[i * d + j] = e.WKQ.data[i * n + j]!;
  const betaM = e.kind === 'ltb' ? u.slice(0, d) : new Float64Array(d);
  return { betaM, p, Q };
}

/**
 * The d_f = 1 LTB (or the LSA) whose reduced form is (β_m, p, Q): W^{KQ} = [Q | 0],
 * W^{PV} = [0; pᵀ] (only the last row), W₁ = (β_mᵀ, 0), W₂ = e_{d+1}ᵀ, so u = (β_m; 1) and
 * (W^{PV})ᵀu = p. For LSA β_m is ignored (an LSA has β_m = 0). Inverse of {@link reducedForm}:
 * `reducedForm(estimatorFromReduced(r, kind))` reproduces r exactly (no rounding: every entry is
 * copied or multiplied by 1). Shapes: W^{KQ}, W^{PV} [d+1, d+1]; W₁, W₂ [1, d+1]. O(d²).
 */
export function estimatorFromReduced(r: Reduced, kind: 'lsa'): Lsa;
export function estimatorFromReduced(r: Reduced, kind: 'ltb'): Ltb;
export function estimatorFromReduced(r: Reduced, kind: AttentionKind): Lsa | Ltb;
export function estimatorFromReduced(r: Reduced, kind: AttentionKind): Lsa | Ltb {
  const d = r.Q.cols;
  const m = d + 1;
  const WKQ: Matrix = { rows: m, cols: m, data: new Float64Array(m * m) };
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) WKQ.data[i * m + j] = r.Q.data[i * d + j]!;
  const WPV: Matrix = { rows: m, cols: m, data: new Float64Array(m * m) };
  WPV.data.set(r.p, d * m);
  if (kind === 'lsa') return { kind: 'lsa', WKQ, WPV };
  const W1: Matrix = { rows: 1, cols: m, data: new Float64Array(m) };
  W1.data.set(r.betaM, 0);
  const W2: Matrix = { rows: 1, cols: m, data: new Float64Array(m) };
  W2.data[d] = 1;
  return { kind: 'ltb', WKQ, WPV, W1, W2 };
}

/**
 * Where each block of the packed θ = (β_m, p, Q) starts: β_m at 0 (LTB only; an LSA's θ omits it),
 * p at `p` (length d+1), Q row-major at `Q` (length (d+1)·d); `size` = total length.
 */
export interface ReducedLayout {
  /** Offset of p [d+1] in θ: d for an LTB, 0 for an LSA. */
  readonly p: number;
  /** Offset of Q [d+1, d] (row-major) in θ: the offset of p plus d+1. */
  readonly Q: number;
  /** Total length of θ: (d if LTB) + (d+1) + (d+1)·d. */
  readonly size: number;
}

/** The {@link ReducedLayout} of θ for dimension d: size (d if LTB) + (d+1) + (d+1)·d. */
export function reducedLayout(d: number, kind: AttentionKind): ReducedLayout {
  const p = kind === 'ltb' ? d : 0;
  return { p, Q: p + d + 1, size: p + (d + 1) + (d + 1) * d };
}

/** Number of reduced parameters: (d if LTB) + (d+1) + (d+1)·d. */
export function reducedSize(d: number, kind: AttentionKind): number {
  return reducedLayout(d, kind).size;
}

/** Packs (β_m, p, Q) into a fresh θ (β_m omitted for LSA); see {@link ReducedLayout}. */
export function packReduced(red: Reduced, kind: AttentionKind): Float64Array {
  const d = red.betaM.length;
  const at = reducedLayout(d, kind);
  const theta = new Float64Array(at.size);
  if (kind === 'ltb') theta.set(red.betaM, 0);
  theta.set(red.p, at.p);
  theta.set(red.Q.data, at.Q);
  return theta;
}

/** Unpacks θ into fresh (β_m, p, Q) (β_m = 0 for LSA); inverse of {@link packReduced}. */
export function unpackReduced(theta: Readonly<Float64Array>, d: number, kind: AttentionKind): Reduced {
  const at = reducedLayout(d, kind);
  const betaM = kind === 'ltb' ? theta.slice(0, d) : new Float64Array(d);
  const p = theta.slice(at.p, at.Q);
  const Q: Matrix = { rows: d + 1, cols: d, data: theta.slice(at.Q, at.size) };
  return { betaM, p, Q };
}

/**
 * (β_m, p, Q) as views into a packed θ (layout {@link reducedLayout}; an LSA's β_m is `zeroBetaM`,
 * [d], all zeros): {@link unpackReduced} without its copies, for hot loops (objective evaluations and
 * Hessian-vector products of the optimum) that only read the parameters. The views alias θ: a
 * caller that keeps them past a change of θ must copy θ first.
 */
export function viewReduced(theta: Float64Array, d: number, kind: AttentionKind, zeroBetaM: Float64Array): Reduced {
  const at = reducedLayout(d, kind);
  return {
    betaM: kind === 'ltb' ? theta.subarray(0, d) : zeroBetaM,
    p: theta.subarray(at.p, at.Q),
    Q: { rows: d + 1, cols: d, data: theta.subarray(at.Q, at.size) },
  };
}

/**
 * The LTB that computes GD-β exactly (math.md (2.11), d_f = 1): W^{KQ} = [[Γᵀ, 0], [0, 0]],
 * W^{PV} = [[0, 0], [−β₀ᵀ, 1]], W₁ = (β₀ᵀ, 0), W₂ = (0, …, 0, 1).
 */
export function ltbFromGdBeta(g: GdBeta): Ltb {
  const d = g.Gamma.rows;
  const n = d + 1;
  const WKQ = gammaBlock(g.Gamma);
  const WPV: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  for (let j = 0; j < d; j++) WPV.data[d * n + j] = -g.beta0[j]!;
  WPV.data[d * n + d] = 1;
  const W1: Matrix = { rows: 1, cols: n, data: new Float64Array(n) };
  W1.data.set(g.beta0, 0);
  const W2: Matrix = { rows: 1, cols: n, data: new Float64Array(n) };
  W2.data[d] = 1;
  return { kind: 'ltb', WKQ, WPV, W1, W2 };
}

/** The LSA that computes GD-0 exactly (math.md (2.13)): W^{KQ} = [[Γᵀ, 0], [0, 0]], W^{PV} = [[0, 0], [0, 1]]; shapes [d+1, d+1]. */
export function lsaFromGd0(g: Gd0): Lsa {
  const d = g.Gamma.rows;
  const n = d + 1;
  const WPV: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  WPV.data[d * n + d] = 1;
  return { kind: 'lsa', WKQ: gammaBlock(g.Gamma), WPV };
}

function gammaBlock(Gamma: Matrix): Matrix {
  const d = Gamma.rows;
  const n = d + 1;
  const WKQ: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) WKQ.data[i * n + j] = Gamma.data[j * d + i]!;
  return WKQ;
}

/** Why an LSA/LTB is not (numerically) a GD-β, with the size of each discrepancy. */
export type EffectiveGdBeta =
  | {
      /** The block is a GD-β within the tolerances (2.14). */
      readonly ok: true;
      /** The GD-β it equals: Γ = p_y·Q_xᵀ [d, d], β₀ = −p_x/p_y [d]. */
      readonly estimator: GdBeta;
      /** ‖q_y‖ (zero within `rtol`·‖Q‖_F). */
      readonly qyNorm: number;
      /** ‖β_m + p_x/p_y‖ (zero within `rtol`·(1 + ‖β_m‖)); unit [y]/[x]. */
      readonly offsetGap: number;
    }
  | {
      /** The block is not read as a GD-β. */
      readonly ok: false;
      /** The first condition of (2.14) that fails: checked in the order p_y = 0, q_y ≠ 0, β_m ≠ −p_x/p_y. */
      readonly reason: 'q_y ≠ 0' | 'p_y = 0' | 'β_m ≠ −p_x/p_y';
      /** ‖q_y‖, |p_y| or ‖β_m + p_x/p_y‖ (the failing quantity). */
      readonly size: number;
      /** The closest GD-β reading (Γ = p_y·Q_xᵀ, β₀ = −p_x/p_y), when p_y ≠ 0. */
      readonly estimator?: GdBeta;
      /** ‖q_y‖. */
      readonly qyNorm: number;
      /** ‖β_m + p_x/p_y‖; NaN when p_y = 0. */
      readonly offsetGap: number;
    };

/** Tolerances of {@link effectiveGdBeta}, relative to the scale of the weights. */
export interface EffectiveGdBetaOptions {
  /** |p_y| ≤ rtol·max|p_i|, ‖q_y‖ ≤ rtol·‖Q‖_F and ‖β_m + p_x/p_y‖ ≤ rtol·(1 + ‖β_m‖) count as zero. @defaultValue 1e-8 */
  rtol?: number;
}

/**
 * The GD-β an LTB (or LSA) equals (math.md (2.14)): if q_y = 0 and p_y ≠ 0 it is GD-β with
 * Γ = p_y·Q_xᵀ, β₀ = −p_x/p_y, iff β_m = −p_x/p_y. Otherwise says which condition fails and by how
 * much. Compares functions, not raw weights (weights are not identifiable).
 */
export function effectiveGdBeta(e: Lsa | Ltb, options: EffectiveGdBetaOptions = {}): EffectiveGdBeta {
  const { rtol = 1e-8 } = options;
  const { betaM, p, Q } = reducedForm(e);
  const d = Q.cols;
  let qy2 = 0;
  let Q2 = 0;
  for (let j = 0; j < d; j++) qy2 += Q.data[d * d + j]! ** 2;
  for (let k = 0; k < Q.data.length; k++) Q2 += Q.data[k]! ** 2;
  const qyNorm = Math.sqrt(qy2);
  const py = p[d]!;
  let pScale = 0;
  for (let i = 0; i < d + 1; i++) pScale = Math.max(pScale, Math.abs(p[i]!));
  if (!(Math.abs(py) > rtol * pScale) || py === 0) {
    return { ok: false, reason: 'p_y = 0', size: Math.abs(py), qyNorm, offsetGap: Number.NaN };
  }
  const Gamma: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Gamma.data[i * d + j] = py * Q.data[j * d + i]!;
  const beta0 = new Float64Array(d);
  let gap2 = 0;
  let bm2 = 0;
  for (let i = 0; i < d; i++) {
    beta0[i] = -p[i]! / py;
    gap2 += (betaM[i]! - beta0[i]!) ** 2;
    bm2 += betaM[i]! ** 2;
  }
  const offsetGap = Math.sqrt(gap2);
  const estimator: GdBeta = { kind: 'gd-beta', Gamma, beta0 };
  if (qyNorm > rtol * Math.sqrt(Q2)) return { ok: false, reason: 'q_y ≠ 0', size: qyNorm, estimator, qyNorm, offsetGap };
  if (offsetGap > rtol * (1 + Math.sqrt(bm2))) return { ok: false, reason: 'β_m ≠ −p_x/p_y', size: offsetGap, estimator, qyNorm, offsetGap };
  return { ok: true, estimator, qyNorm, offsetGap };
}
