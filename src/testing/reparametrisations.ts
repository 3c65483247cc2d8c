/**
 * The non-identifiable reparametrisations of an LTB (docs/math.md §2.2): transformations of the
 * raw weights that leave the block's function — hence its risk, masked or not — unchanged. From
 * the forward pass (src/models/forward.ts, (2.4)) the prediction is
 *
 *   f = u_{1:d}ᵀx + pᵀ·G·Q·x,   u = e_{d+1} + W₁ᵀ(W₂e_{d+1}),  p = (W^{PV})ᵀu,  Q = W^{KQ}[:, 1:d],
 *
 * with G = E𝕄Eᵀ/M (the query column of E is (x; 0) under either mask). So f depends on the raw
 * weights only through (u, p, Q) up to the gauge (2.10), and each transformation below keeps
 * (u, p, Q) or maps it to (u, t·p, Q/t). Each is a function `(ltb, param) => Ltb` (fresh weights,
 * inputs untouched) with an arbitrary of its parameter, collected in {@link LTB_REPARAMETRISATIONS}.
 */
import fc from 'fast-check';
import { Rng, type Matrix } from '../linalg/index.js';
import { readoutVector, type Ltb } from '../models/index.js';
import { conditionedMatrix, seedArb } from './spectra.js';

/**
 * A function-preserving transformation of raw LTB weights (docs/math.md §2.2) with an arbitrary
 * of its parameter. `apply` is declared as a method so that a registry of differently
 * parametrised transformations types as `LtbReparametrisation<unknown>[]`.
 *
 * @example
 * ```ts
 * const double: LtbReparametrisation<number> = { name: 'gauge-2', apply: rescaleGauge, param: fc.constant(2), conditioning: () => 1 };
 * fc.assert(riskIsReparametrisationInvariant({ reparametrisations: [double] }));
 * ```
 */
export interface LtbReparametrisation<P> {
  /** Short identifier, e.g. `'gauge'`. */
  readonly name: string;
  /** The transformation; returns fresh weights and leaves `ltb` untouched. */
  apply(ltb: Ltb, param: P): Ltb;
  /** Arbitrary of the parameter. */
  readonly param: fc.Arbitrary<P>;
  /**
   * By how much the transformation may amplify relative rounding errors in (u, p, Q) (1 for
   * the exact ones; cond(A) for a basis change A). Used to scale tolerances.
   */
  conditioning(param: P): number;
}

function copy(A: Matrix): Matrix {
  return { rows: A.rows, cols: A.cols, data: Float64Array.from(A.data) };
}

/**
 * The gauge of docs/math.md (2.10), (p, Q) → (t·p, Q/t), in the raw weights: W^{KQ} → W^{KQ}/t,
 * W^{PV} → t·W^{PV}; W₁, W₂ (hence u and β_m) unchanged. Shapes preserved: W^{KQ}, W^{PV}
 * [d+1, d+1], W₁, W₂ [d_f, d+1].
 *
 * @param t - any finite non-zero number.
 * @example
 * ```ts
 * const same = rescaleGauge(ltbFromGdBeta(g), -2.5); // predicts exactly as g, up to rounding
 * ```
 */
export function rescaleGauge(ltb: Ltb, t: number): Ltb {
  if (!(Number.isFinite(t) && t !== 0)) throw new RangeError(`rescaleGauge: t must be finite and non-zero, got ${t}`);
  const WKQ = copy(ltb.WKQ);
  const WPV = copy(ltb.WPV);
  for (let k = 0; k < WKQ.data.length; k++) WKQ.data[k] = WKQ.data[k]! / t;
  for (let k = 0; k < WPV.data.length; k++) WPV.data[k] = WPV.data[k]! * t;
  return { kind: 'ltb', WKQ, WPV, W1: copy(ltb.W1), W2: copy(ltb.W2) };
}

/**
 * Gauge factors t for {@link rescaleGauge} (docs/math.md (2.10)): |t| log-uniform in
 * [1/maxFactor, maxFactor], either sign.
 *
 * @param maxFactor - largest |t|, ≥ 1. @defaultValue 4
 * @example
 * ```ts
 * fc.assert(fc.property(ltbArb(2), gaugeFactorArb(), (e, t) => rescaleGauge(e, t).W1.rows === e.W1.rows));
 * ```
 */
export function gaugeFactorArb(maxFactor = 4): fc.Arbitrary<number> {
  if (!(maxFactor >= 1 && maxFactor < Infinity)) throw new RangeError(`gaugeFactorArb: maxFactor must be finite and ≥ 1, got ${maxFactor}`);
  const L = Math.log(maxFactor);
  return fc.tuple(fc.boolean(), L > 0 ? fc.double({ min: -L, max: L, noNaN: true }) : fc.constant(0)).map(([neg, s]) => (neg ? -1 : 1) * Math.exp(s));
}

/**
 * Parameter of {@link changeMlpBasis}: the seed and condition number of the basis change A
 * (docs/math.md §2.2).
 *
 * @example
 * ```ts
 * const q: MlpBasisParam = { seed: 3, cond: 10 };
 * ```
 */
export interface MlpBasisParam {
  /** Seed of A = U·diag(σ)·Vᵀ ({@link conditionedMatrix}). */
  readonly seed: number;
  /** cond₂(A) ≥ 1. */
  readonly cond: number;
}

/**
 * A change of basis of the MLP's hidden layer: W₁ → A·W₁, W₂ → A⁻ᵀ·W₂ with A [d_f, d_f]
 * invertible (drawn from `param`, A⁻ᵀ formed from the same SVD factors). Then
 * W₂ᵀW₁ → W₂ᵀA⁻¹A·W₁ = W₂ᵀW₁: the whole MLP, not only its read-out, is unchanged
 * (docs/math.md (2.4), (2.7)). Rounding grows with cond(A).
 *
 * @example
 * ```ts
 * const same = changeMlpBasis(ltb, { seed: 7, cond: 10 });
 * ```
 */
export function changeMlpBasis(ltb: Ltb, param: MlpBasisParam): Ltb {
  const df = ltb.W1.rows;
  const n = ltb.W1.cols;
  const { A, AinvT } = conditionedMatrix(new Rng(param.seed), df, param.cond);
  const W1: Matrix = { rows: df, cols: n, data: new Float64Array(df * n) };
  const W2: Matrix = { rows: df, cols: n, data: new Float64Array(df * n) };
  for (let i = 0; i < df; i++) {
    for (let j = 0; j < n; j++) {
      let s1 = 0;
      let s2 = 0;
      for (let k = 0; k < df; k++) {
        s1 += A.data[i * df + k]! * ltb.W1.data[k * n + j]!;
        s2 += AinvT.data[i * df + k]! * ltb.W2.data[k * n + j]!;
      }
      W1.data[i * n + j] = s1;
      W2.data[i * n + j] = s2;
    }
  }
  return { kind: 'ltb', WKQ: copy(ltb.WKQ), WPV: copy(ltb.WPV), W1, W2 };
}

/**
 * Parameters of {@link changeMlpBasis} (docs/math.md §2.2): a seed and cond(A) log-uniform in
 * [1, maxCond].
 *
 * @param maxCond - largest cond(A). @defaultValue 10
 * @example
 * ```ts
 * const basis = mlpBasisArb(100);
 * ```
 */
export function mlpBasisArb(maxCond = 10): fc.Arbitrary<MlpBasisParam> {
  if (!(maxCond >= 1 && maxCond < Infinity)) throw new RangeError(`mlpBasisArb: maxCond must be finite and ≥ 1, got ${maxCond}`);
  const L = Math.log(maxCond);
  return fc.record({ seed: seedArb, cond: L > 0 ? fc.double({ min: 0, max: L, noNaN: true }).map((s) => Math.max(1, Math.exp(s))) : fc.constant(1) });
}

/**
 * Parameter of the seeded additive transformations (the unused weights of docs/math.md §2.2): a
 * seed and the scale of the added entries.
 *
 * @example
 * ```ts
 * const q: SeededPerturbation = { seed: 1, scale: 0.5 };
 * ```
 */
export interface SeededPerturbation {
  /** Seed of the Gaussian entries. */
  readonly seed: number;
  /** Their standard deviation, ≥ 0. */
  readonly scale: number;
}

/**
 * Parameter of {@link padMlp}: how many rows to add, and their seeded entries (docs/math.md
 * (2.7)).
 *
 * @example
 * ```ts
 * const q: MlpPaddingParam = { rows: 2, seed: 1, scale: 1 };
 * ```
 */
export interface MlpPaddingParam extends SeededPerturbation {
  /** Number of hidden units added, ≥ 0. */
  readonly rows: number;
}

/**
 * Adds `rows` hidden units whose output weight on the read-out row is zero: new rows of W₁ are
 * arbitrary, new rows of W₂ arbitrary except column d+1, which is 0. The read-out only sees
 * W₂e_{d+1} (docs/math.md (2.7)), so u, p, β_m are unchanged exactly. W₁, W₂ become
 * [d_f + rows, d+1].
 *
 * @example
 * ```ts
 * const wider = padMlp(ltb, { rows: 2, seed: 1, scale: 0.5 });
 * ```
 */
export function padMlp(ltb: Ltb, param: MlpPaddingParam): Ltb {
  const { rows, seed, scale } = param;
  const df = ltb.W1.rows;
  const n = ltb.W1.cols;
  const rng = new Rng(seed);
  const W1: Matrix = { rows: df + rows, cols: n, data: new Float64Array((df + rows) * n) };
  const W2: Matrix = { rows: df + rows, cols: n, data: new Float64Array((df + rows) * n) };
  W1.data.set(ltb.W1.data);
  W2.data.set(ltb.W2.data);
  for (let k = df * n; k < W1.data.length; k++) {
    W1.data[k] = scale * rng.normal();
    W2.data[k] = k % n === n - 1 ? 0 : scale * rng.normal();
  }
  return { kind: 'ltb', WKQ: copy(ltb.WKQ), WPV: copy(ltb.WPV), W1, W2 };
}

/**
 * Parameters of {@link padMlp} (docs/math.md (2.7)): 0…maxRows rows, a seed, scale in
 * [0, maxScale].
 *
 * @param maxRows - @defaultValue 2
 * @param maxScale - @defaultValue 1
 * @example
 * ```ts
 * const padding = mlpPaddingArb(3);
 * ```
 */
export function mlpPaddingArb(maxRows = 2, maxScale = 1): fc.Arbitrary<MlpPaddingParam> {
  return fc.record({ rows: fc.integer({ min: 0, max: maxRows }), seed: seedArb, scale: fc.double({ min: 0, max: maxScale, noNaN: true }) });
}

/**
 * Overwrites the last column of W^{KQ} with seeded entries. The query column of E is (x; 0)
 * under either mask, so W^{KQ}e_{d+1} never reaches the output (docs/math.md §2.2: "the last
 * column of W^{KQ} never enters").
 *
 * @example
 * ```ts
 * const same = randomiseKqLastColumn(ltb, { seed: 3, scale: 10 });
 * ```
 */
export function randomiseKqLastColumn(ltb: Ltb, param: SeededPerturbation): Ltb {
  const rng = new Rng(param.seed);
  const WKQ = copy(ltb.WKQ);
  const n = WKQ.cols;
  for (let i = 0; i < n; i++) WKQ.data[i * n + n - 1] = param.scale * rng.normal();
  return { kind: 'ltb', WKQ, WPV: copy(ltb.WPV), W1: copy(ltb.W1), W2: copy(ltb.W2) };
}

/**
 * Overwrites columns 1…d of W₂ with seeded entries. Only W₂e_{d+1} reaches the read-out
 * (docs/math.md (2.7)); the other columns change rows of the block's output that are never read.
 *
 * @example
 * ```ts
 * const same = randomiseW2FeatureColumns(ltb, { seed: 3, scale: 1 });
 * ```
 */
export function randomiseW2FeatureColumns(ltb: Ltb, param: SeededPerturbation): Ltb {
  const rng = new Rng(param.seed);
  const W2 = copy(ltb.W2);
  const n = W2.cols;
  for (let f = 0; f < W2.rows; f++) for (let j = 0; j < n - 1; j++) W2.data[f * n + j] = param.scale * rng.normal();
  return { kind: 'ltb', WKQ: copy(ltb.WKQ), WPV: copy(ltb.WPV), W1: copy(ltb.W1), W2 };
}

/**
 * Adds to W^{PV} a seeded matrix N [d+1, d+1] whose columns are orthogonal to the read-out
 * vector u: N = [u_{d+1}·B; −u_{1:d}ᵀB] with B [d, d+1] Gaussian, so uᵀN = u_{d+1}·u_{1:d}ᵀB −
 * u_{d+1}·u_{1:d}ᵀB = 0 and p = (W^{PV})ᵀu is unchanged up to rounding: only uᵀW^{PV} reaches the
 * prediction (docs/math.md (2.7)). (Built from the pairs u_{d+1}e_i − u_ie_{d+1}, which span u⊥
 * when u_{d+1} ≠ 0, rather than by projecting with I − uuᵀ/uᵀu: no cancellation inside an entry
 * of N, so the rounding of p stays relative to Σ|W^{PV}_ij u_i|.)
 *
 * @example
 * ```ts
 * const same = addPvOrthogonalToReadout(ltb, { seed: 5, scale: 1 });
 * ```
 */
export function addPvOrthogonalToReadout(ltb: Ltb, param: SeededPerturbation): Ltb {
  const rng = new Rng(param.seed);
  const u = readoutVector(ltb);
  const n = u.length;
  const d = n - 1;
  const WPV = copy(ltb.WPV);
  for (let j = 0; j < n; j++) {
    let last = 0;
    for (let i = 0; i < d; i++) {
      const b = param.scale * rng.normal();
      WPV.data[i * n + j] = WPV.data[i * n + j]! + u[d]! * b;
      last -= u[i]! * b;
    }
    WPV.data[d * n + j] = WPV.data[d * n + j]! + last;
  }
  return { kind: 'ltb', WKQ: copy(ltb.WKQ), WPV, W1: copy(ltb.W1), W2: copy(ltb.W2) };
}

/**
 * Parameters of the seeded additive transformations ({@link randomiseKqLastColumn},
 * {@link randomiseW2FeatureColumns}, {@link addPvOrthogonalToReadout}; docs/math.md §2.2): a
 * seed and a scale in [0, maxScale].
 *
 * @param maxScale - @defaultValue 1
 * @example
 * ```ts
 * fc.assert(fc.property(ltbArb(2), unusedWeightsArb(5), (e, q) => randomiseKqLastColumn(e, q).WKQ.rows === 3));
 * ```
 */
export function unusedWeightsArb(maxScale = 1): fc.Arbitrary<SeededPerturbation> {
  return fc.record({ seed: seedArb, scale: fc.double({ min: 0, max: maxScale, noNaN: true }) });
}

const exact = (): number => 1;

/**
 * Every reparametrisation of docs/math.md §2.2 above with its default parameter arbitrary: `'gauge'`,
 * `'mlp-basis'`, `'mlp-padding'`, `'kq-last-column'`, `'w2-feature-columns'`,
 * `'pv-orthogonal-to-readout'`. The default set of {@link riskIsReparametrisationInvariant}.
 *
 * @example
 * ```ts
 * for (const r of LTB_REPARAMETRISATIONS) fc.assert(fc.property(ltbArb(2), r.param, (e, q) => r.apply(e, q).kind === 'ltb'));
 * ```
 */
export const LTB_REPARAMETRISATIONS: readonly LtbReparametrisation<unknown>[] = [
  { name: 'gauge', apply: rescaleGauge, param: gaugeFactorArb(), conditioning: exact },
  { name: 'mlp-basis', apply: changeMlpBasis, param: mlpBasisArb(), conditioning: (q: MlpBasisParam) => q.cond },
  { name: 'mlp-padding', apply: padMlp, param: mlpPaddingArb(), conditioning: exact },
  { name: 'kq-last-column', apply: randomiseKqLastColumn, param: unusedWeightsArb(), conditioning: exact },
  { name: 'w2-feature-columns', apply: randomiseW2FeatureColumns, param: unusedWeightsArb(), conditioning: exact },
  { name: 'pv-orthogonal-to-readout', apply: addPvOrthogonalToReadout, param: unusedWeightsArb(), conditioning: exact },
];
