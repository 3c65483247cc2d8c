/**
 * Internal: the magnitudes the kit's tolerances are scaled by (never exported from the face).
 * Each is the size of the quantities a computation sums, so that "c·n·ε·scale" bounds the
 * rounding error of a sum of n terms whatever the cancellation (stdlib's rtol·EPS·|expected|,
 * with |expected| replaced by Σ|terms|).
 */
import type { Matrix } from '../linalg/index.js';
import { predictLtb, type Estimator, type GdBeta, type GdMultistep, type Ltb, type Prompt } from '../models/index.js';

/** Machine epsilon 2⁻⁵². */
export const EPS = Number.EPSILON;

/**
 * Absolute floor of every tolerance: below this, results are dominated by gradual underflow
 * (products of tiny operands), which no relative bound covers.
 */
export const UNDERFLOW_FLOOR = 2 ** -960;

/** The parameter blocks of an estimator, keyed as in `risk(…).gradient`. */
export function parameterBlocks(e: Estimator): [string, Float64Array, number, number][] {
  const m = (k: string, A: Matrix): [string, Float64Array, number, number] => [k, A.data, A.rows, A.cols];
  switch (e.kind) {
    case 'gd-beta':
      return [m('Gamma', e.Gamma), ['beta0', e.beta0, e.beta0.length, 1]];
    case 'gd-0':
      return [m('Gamma', e.Gamma)];
    case 'lsa':
      return [m('WKQ', e.WKQ), m('WPV', e.WPV)];
    case 'ltb':
      return [m('WKQ', e.WKQ), m('WPV', e.WPV), m('W1', e.W1), m('W2', e.W2)];
    case 'gd-multistep':
      return [['beta0', e.beta0, e.beta0.length, 1], ...e.Gammas.map((G, l) => m(`Gammas[${l}]`, G))];
  }
}

/** The estimator with every parameter block replaced by `f(block)` (fresh arrays). */
export function mapParameters(e: Exclude<Estimator, GdMultistep>, f: (key: string, data: Float64Array) => Float64Array): Exclude<Estimator, GdMultistep>;
export function mapParameters(e: Estimator, f: (key: string, data: Float64Array) => Float64Array): Estimator;
export function mapParameters(e: Estimator, f: (key: string, data: Float64Array) => Float64Array): Estimator {
  const M = (k: string, A: Matrix): Matrix => ({ rows: A.rows, cols: A.cols, data: f(k, A.data) });
  switch (e.kind) {
    case 'gd-beta':
      return { kind: e.kind, Gamma: M('Gamma', e.Gamma), beta0: f('beta0', e.beta0) };
    case 'gd-0':
      return { kind: e.kind, Gamma: M('Gamma', e.Gamma) };
    case 'lsa':
      return { kind: e.kind, WKQ: M('WKQ', e.WKQ), WPV: M('WPV', e.WPV) };
    case 'ltb':
      return { kind: e.kind, WKQ: M('WKQ', e.WKQ), WPV: M('WPV', e.WPV), W1: M('W1', e.W1), W2: M('W2', e.W2) };
    case 'gd-multistep':
      return { kind: e.kind, beta0: f('beta0', e.beta0), Gammas: e.Gammas.map((G, l) => M(`Gammas[${l}]`, G)) };
  }
}

/** Total number of parameters. */
export function parameterCount(e: Estimator): number {
  return parameterBlocks(e).reduce((s, [, data]) => s + data.length, 0);
}

/** The gradient block `key` as a flat array, checked against the parameter's shape. */
/** A gradient record as `risk(…).gradient`: blocks keyed like the weights (GD-β^L: `Gammas` is a list). */
export type GradientRecord = Readonly<Record<string, Matrix | Float64Array | readonly Matrix[]>>;

function isList(v: Matrix | Float64Array | readonly Matrix[] | undefined): v is readonly Matrix[] {
  return Array.isArray(v);
}

export function gradientBlock(gradient: GradientRecord, key: string, rows: number, cols: number): Float64Array {
  // `Gammas[l]` names entry l of a list-valued block (GD-β^L's ∂R/∂Γ_l).
  const listed = /^(\w+)\[(\d+)\]$/.exec(key);
  const entry = gradient[listed === null ? key : listed[1]!];
  const picked = listed !== null && isList(entry) ? entry[Number(listed[2])] : entry;
  if (isList(picked)) throw new Error(`the gradient entry '${key}' is a list; name one element, e.g. '${key}[0]'`);
  const g: Matrix | Float64Array | undefined = picked;
  if (g === undefined) throw new Error(`the gradient has no entry '${key}' (it has ${Object.keys(gradient).join(', ') || 'none'})`);
  const data = g instanceof Float64Array ? g : g.data;
  const shapeOk = g instanceof Float64Array ? g.length === rows * cols && cols === 1 : g.rows === rows && g.cols === cols;
  if (!shapeOk) {
    const got = g instanceof Float64Array ? `[${g.length}]` : `[${g.rows}, ${g.cols}]`;
    throw new Error(`gradient '${key}' has shape ${got}, the parameter has ${cols === 1 && !(g instanceof Float64Array) ? `[${rows}]` : `[${rows}, ${cols}]`}`);
  }
  return data;
}

/**
 * ⟨|∇R|, |θ|⟩ over every parameter block: the first-order change of R under a relative
 * perturbation of every weight by one unit — what rounding the weights by ε moves R by, over ε.
 */
export function sensitivity(e: Estimator, gradient: GradientRecord): number {
  let s = 0;
  for (const [key, data, rows, cols] of parameterBlocks(e)) {
    const g = gradientBlock(gradient, key, rows, cols);
    for (let k = 0; k < data.length; k++) s += Math.abs(g[k]!) * Math.abs(data[k]!);
  }
  return s;
}

function absMatrix(A: Matrix): Matrix {
  return { rows: A.rows, cols: A.cols, data: A.data.map(Math.abs) };
}

function absPrompt(q: Prompt): Prompt {
  return { X: absMatrix(q.X), y: q.y.map(Math.abs), x: q.x.map(Math.abs), yQuery: Math.abs(q.yQuery), beta: q.beta.map(Math.abs) };
}

/**
 * Σ|terms| of the explicit LTB forward pass (2.4): the same pass on |weights| and |prompt|
 * (every operation in it is a sum of products, so this is exactly the magnitude its rounding
 * error is relative to).
 */
export function ltbPredictionMagnitude(e: Ltb, q: Prompt, masked: boolean): number {
  return predictLtb({ kind: 'ltb', WKQ: absMatrix(e.WKQ), WPV: absMatrix(e.WPV), W1: absMatrix(e.W1), W2: absMatrix(e.W2) }, absPrompt(q), masked);
}

/**
 * GD-β's prediction (2.5), or for `pseudoQuery` the unmasked block's (2.16)
 * xᵀ(β₀ + Γ·[Xᵀ(y − Xβ₀) + x(0 − xᵀβ₀)]/M), and Σ|terms| of the same computation.
 */
export function gdBetaPrediction(g: GdBeta, q: Prompt, pseudoQuery: boolean): { value: number; magnitude: number } {
  const { X, y, x } = q;
  const M = X.rows;
  const d = X.cols;
  const v = new Float64Array(d);
  const va = new Float64Array(d);
  const addPoint = (row: ArrayLike<number>, label: number): void => {
    let r = label;
    let ra = Math.abs(label);
    for (let k = 0; k < d; k++) {
      r -= row[k]! * g.beta0[k]!;
      ra += Math.abs(row[k]! * g.beta0[k]!);
    }
    for (let k = 0; k < d; k++) {
      v[k] += row[k]! * r;
      va[k] += Math.abs(row[k]!) * ra;
    }
  };
  for (let j = 0; j < M; j++) addPoint(X.data.subarray(j * d, (j + 1) * d), y[j]!);
  if (pseudoQuery) addPoint(x, 0);
  let value = 0;
  let magnitude = 0;
  for (let i = 0; i < d; i++) {
    let s = g.beta0[i]!;
    let sa = Math.abs(s);
    for (let k = 0; k < d; k++) {
      s += (g.Gamma.data[i * d + k]! * v[k]!) / M;
      sa += (Math.abs(g.Gamma.data[i * d + k]!) * va[k]!) / M;
    }
    value += x[i]! * s;
    magnitude += Math.abs(x[i]!) * sa;
  }
  return { value, magnitude };
}

/** max_k |a_k − b_k| and max_k max(|a_k|, |b_k|). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < a.length; k++) {
    const t = Math.abs(a[k]! - b[k]!);
    if (!(t <= diff)) diff = t;
    scale = Math.max(scale, Math.abs(a[k]!), Math.abs(b[k]!));
  }
  return { diff, scale };
}
