/**
 * Weights trained elsewhere, read in this project's conventions (docs/math.md §2.6).
 *
 * Two published one-layer linear-attention layouts are read into an {@link Lsa} whose exact risk and
 * per-prompt predictions equal the peers' own:
 *
 * * `acds` — Ahn, Cheng, Daneshmand & Sra (2023), github.com/chengxiang/LinearTransformer: tokens as
 *   rows Z ∈ ℝ^{(N+1)×(d+1)} (query last, label slot 0), d×d matrices P (value) and Q (key·query)
 *   padded to P_full = [[P, 0], [0, 1]] and Q_full = [[Q, 0], [0, 0]], the query excluded as a key,
 *   output normalised by N, prediction −Z_out[N, d]. Then
 *   W^{KQ} = Q_fullᵀ and W^{PV} = −P_full.                                                      (2.22)
 *   Several heads of one layer add their outputs; the label row of each head's output involves only
 *   its Q (row d+1 of P_full is e_{d+1}ᵀ), so the prediction is that of Q = Σ_h Q_h, and P only
 *   shapes the covariate rows, which one layer never reads out.
 * * `vo` — von Oswald et al. (2023), github.com/google-research/self-organising-systems
 *   (transformers_learn_icl_by_gd): tokens as rows, one linear head with row-vector projections
 *   q = z·W_q, k = z·W_k, v = z·W_v ([d+1, key] and [d+1, value]), output projection W_o
 *   ([value, d+1]), keys and values from the context tokens only, no 1/N, prediction −h_out[N, d].
 *   Then W^{KQ} = W_k·W_qᵀ and W^{PV} = −M·(W_v·W_o)ᵀ (the 1/M of (2.3) undone by the factor M).  (2.23)
 *
 * Shapes: P, Q [d, d]; W_q, W_k [d+1, k]; W_v [d+1, v]; W_o [v, d+1]; the result's W^{KQ}, W^{PV}
 * [d+1, d+1].
 */
import { zeros, type Matrix } from '../linalg/index.js';
import { EstimatorError, parseEstimator, type Estimator, type Lsa } from './estimators.js';
import { finiteMatrix, noUnknownKeys, record } from './schema.js';

/** The weight layouts of other codebases this project reads. */
export const CONVENTIONS = ['acds', 'vo'] as const;
/** `'acds'` (Ahn et al.) or `'vo'` (von Oswald et al.): see the module comment. */
export type Convention = (typeof CONVENTIONS)[number];

/** Ahn et al.'s one-layer weights: P and Q, each [d, d] (one head). */
export interface AcdsWeights {
  /** [d, d] value matrix (top-left block of P_full). */
  readonly P: Matrix;
  /** [d, d] key·query matrix (top-left block of Q_full). */
  readonly Q: Matrix;
}

/** von Oswald et al.'s one linear head, in haiku's row-vector layout (y = x·W). */
export interface VoWeights {
  /** [d+1, k] query projection. */
  readonly Wq: Matrix;
  /** [d+1, k] key projection. */
  readonly Wk: Matrix;
  /** [d+1, v] value projection. */
  readonly Wv: Matrix;
  /** [v, d+1] output projection. */
  readonly Wo: Matrix;
}

/** (2.22): the LSA computing Ahn et al.'s one-layer prediction on every prompt. */
export function lsaFromAcds(w: AcdsWeights): Lsa {
  const d = w.P.rows;
  if (w.P.cols !== d || w.Q.rows !== d || w.Q.cols !== d) {
    throw new EstimatorError('Q', `P and Q must both be [d, d]; got P [${w.P.rows}, ${w.P.cols}], Q [${w.Q.rows}, ${w.Q.cols}]`);
  }
  const n = d + 1;
  const WKQ = zeros(n, n);
  const WPV = zeros(n, n);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      WKQ.data[i * n + j] = w.Q.data[j * d + i]!; // Q_fullᵀ
      WPV.data[i * n + j] = -w.P.data[i * d + j]!; // −P_full
    }
  }
  WPV.data[d * n + d] = -1;
  return { kind: 'lsa', WKQ, WPV };
}

/** (2.23): the LSA computing von Oswald et al.'s one-head prediction at context length M. */
export function lsaFromVo(w: VoWeights, M: number): Lsa {
  const n = w.Wq.rows;
  const k = w.Wq.cols;
  const v = w.Wv.cols;
  if (w.Wk.rows !== n || w.Wk.cols !== k) throw new EstimatorError('Wk', `must be [${n}, ${k}] like Wq, got [${w.Wk.rows}, ${w.Wk.cols}]`);
  if (w.Wv.rows !== n) throw new EstimatorError('Wv', `must have ${n} rows like Wq, got ${w.Wv.rows}`);
  if (w.Wo.rows !== v || w.Wo.cols !== n) throw new EstimatorError('Wo', `must be [${v}, ${n}] (value size × d+1), got [${w.Wo.rows}, ${w.Wo.cols}]`);
  const WKQ = zeros(n, n);
  const WPV = zeros(n, n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let kq = 0;
      for (let c = 0; c < k; c++) kq += w.Wk.data[a * k + c]! * w.Wq.data[b * k + c]!; // (W_k W_qᵀ)_{ab}
      WKQ.data[a * n + b] = kq;
      let vo = 0;
      for (let c = 0; c < v; c++) vo += w.Wv.data[b * v + c]! * w.Wo.data[c * n + a]!; // (W_v W_o)_{ba}
      WPV.data[a * n + b] = -M * vo;
    }
  }
  return { kind: 'lsa', WKQ, WPV };
}

/** Options of {@link parseEstimatorWithConvention}. */
export interface ConventionOptions {
  /** The layout to read when the JSON has no `convention` field. @defaultValue undefined (this project's own) */
  readonly convention?: Convention;
  /** Context length M (needed by `vo`, whose attention has no 1/M). */
  readonly M: number;
}

/**
 * Parses an estimator JSON that may be in a peer's layout: `{"convention": "acds", "P", "Q"}`
 * (or `"allparam"`: [1][heads][2][d][d], Ahn et al.'s parameter tensor for one layer) and
 * `{"convention": "vo", "Wq", "Wk", "Wv", "Wo"}`; without a convention (field or option) it is
 * this project's own JSON ({@link parseEstimator}).
 * @throws {@link EstimatorError} naming the field (unknown convention, a field of the wrong shape,
 *   more than one layer, a `convention` field that contradicts the option).
 */
export function parseEstimatorWithConvention(value: unknown, d: number, options: ConventionOptions): Estimator {
  const obj = record(value, 'estimator', EstimatorError);
  const field = obj.convention;
  if (field !== undefined && !CONVENTIONS.includes(field as Convention)) {
    throw new EstimatorError('convention', `must be one of ${CONVENTIONS.join(', ')}, got ${JSON.stringify(field)}`);
  }
  if (field !== undefined && options.convention !== undefined && field !== options.convention) {
    throw new EstimatorError('convention', `the file says '${String(field)}' but '${options.convention}' was asked for`);
  }
  const convention = (field as Convention | undefined) ?? options.convention;
  if (convention === undefined) return parseEstimator(value, d);
  if (obj.kind !== undefined && obj.kind !== 'lsa') {
    throw new EstimatorError('kind', `a '${convention}' estimator is one linear-attention layer ('lsa'), got ${JSON.stringify(obj.kind)}`);
  }
  if (convention === 'acds') {
    if (obj.allparam !== undefined) {
      noUnknownKeys(obj, ['kind', 'convention', 'allparam'], '', EstimatorError);
      return lsaFromAcdsAllparam(obj.allparam, d);
    }
    noUnknownKeys(obj, ['kind', 'convention', 'P', 'Q'], '', EstimatorError);
    for (const f of ['P', 'Q']) if (obj[f] === undefined) throw new EstimatorError(f, `is required for convention 'acds' ([d, d] = [${d}, ${d}])`);
    return lsaFromAcds({ P: finiteMatrix(obj.P, 'P', d, d, EstimatorError), Q: finiteMatrix(obj.Q, 'Q', d, d, EstimatorError) });
  }
  noUnknownKeys(obj, ['kind', 'convention', 'Wq', 'Wk', 'Wv', 'Wo'], '', EstimatorError);
  for (const f of ['Wq', 'Wk', 'Wv', 'Wo']) if (obj[f] === undefined) throw new EstimatorError(f, "is required for convention 'vo'");
  return lsaFromVo({
    Wq: finiteMatrix(obj.Wq, 'Wq', d + 1, undefined, EstimatorError),
    Wk: finiteMatrix(obj.Wk, 'Wk', d + 1, undefined, EstimatorError),
    Wv: finiteMatrix(obj.Wv, 'Wv', d + 1, undefined, EstimatorError),
    Wo: finiteMatrix(obj.Wo, 'Wo', undefined, d + 1, EstimatorError),
  }, options.M);
}

/** Ahn et al.'s `allparam` [n_layer = 1][n_head][2][d][d]: heads add, P at [.,0], Q at [.,1] (2.22). */
function lsaFromAcdsAllparam(value: unknown, d: number): Lsa {
  if (!Array.isArray(value) || value.length !== 1) {
    throw new EstimatorError('allparam', `must be [1][n_head][2][d][d] (one layer; ${Array.isArray(value) ? `got ${value.length} layers — a multi-layer model is not one LSA` : 'not an array'})`);
  }
  const heads = value[0];
  if (!Array.isArray(heads) || heads.length === 0) throw new EstimatorError('allparam[0]', 'must be a non-empty list of heads');
  const P = zeros(d, d);
  const Q = zeros(d, d);
  heads.forEach((h: unknown, i: number) => {
    if (!Array.isArray(h) || h.length !== 2) throw new EstimatorError(`allparam[0][${i}]`, 'must be [P, Q]');
    const Ph = finiteMatrix(h[0], `allparam[0][${i}][0]`, d, d, EstimatorError);
    const Qh = finiteMatrix(h[1], `allparam[0][${i}][1]`, d, d, EstimatorError);
    for (let k = 0; k < d * d; k++) {
      P.data[k] = P.data[k]! + Ph.data[k]!;
      Q.data[k] = Q.data[k]! + Qh.data[k]!;
    }
  });
  return lsaFromAcds({ P, Q });
}
