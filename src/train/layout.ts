/**
 * The flat parameter vector θ of a trained model and its maps to and from estimators.
 *
 * Layouts (row-major blocks, concatenated; p = d + 1):
 * - `'lsa'`: [W^{KQ} (p²), W^{PV} (p²)];
 * - `'ltb'`: [W^{KQ} (p²), W^{PV} (p²), W₁ (d_f·p), W₂ (d_f·p)] — the raw layout of src/flow's
 *   attention flows, so a training run and the exact flow share their start bit for bit;
 * - `'gd-beta'`: [Γ (d²), β₀ (d)];  `'gd-0'`: [Γ (d²)].
 */
import type { Estimator } from '../models/index.js';

/** The models sampled training knows. */
export const TRAIN_MODELS = ['lsa', 'ltb', 'gd-beta', 'gd-0'] as const;
/** One of {@link TRAIN_MODELS}. */
export type TrainModel = (typeof TRAIN_MODELS)[number];

/** Offsets and sizes of the blocks of θ for one model. */
export interface ParamLayout {
  /** The model. */
  readonly model: TrainModel;
  /** Feature dimension d. */
  readonly d: number;
  /** MLP width d_f (LTB), else 0. */
  readonly dF: number;
  /** Length of θ. */
  readonly n: number;
}

/** The layout of θ for a model of dimension d (d_f used by LTB only). */
export function paramLayout(model: TrainModel, d: number, dF: number): ParamLayout {
  const p = d + 1;
  switch (model) {
    case 'lsa':
      return { model, d, dF: 0, n: 2 * p * p };
    case 'ltb':
      return { model, d, dF, n: 2 * p * p + 2 * dF * p };
    case 'gd-beta':
      return { model, d, dF: 0, n: d * d + d };
    case 'gd-0':
      return { model, d, dF: 0, n: d * d };
  }
}

const block = (theta: Float64Array, off: number, rows: number, cols: number) => ({ rows, cols, data: Float64Array.from(theta.subarray(off, off + rows * cols)) });

/** The estimator whose weights are θ (copies). */
export function estimatorFromParams(layout: ParamLayout, theta: Float64Array): Estimator {
  const { d, dF } = layout;
  const p = d + 1;
  switch (layout.model) {
    case 'lsa':
      return { kind: 'lsa', WKQ: block(theta, 0, p, p), WPV: block(theta, p * p, p, p) };
    case 'ltb':
      return { kind: 'ltb', WKQ: block(theta, 0, p, p), WPV: block(theta, p * p, p, p), W1: block(theta, 2 * p * p, dF, p), W2: block(theta, 2 * p * p + dF * p, dF, p) };
    case 'gd-beta':
      return { kind: 'gd-beta', Gamma: block(theta, 0, d, d), beta0: Float64Array.from(theta.subarray(d * d, d * d + d)) };
    case 'gd-0':
      return { kind: 'gd-0', Gamma: block(theta, 0, d, d) };
  }
}

/** θ of an estimator of the layout's kind and shapes (the caller has checked them). */
export function paramsFromEstimator(layout: ParamLayout, est: Estimator): Float64Array {
  const theta = new Float64Array(layout.n);
  const p = layout.d + 1;
  switch (est.kind) {
    case 'lsa':
      theta.set(est.WKQ.data, 0);
      theta.set(est.WPV.data, p * p);
      break;
    case 'ltb':
      theta.set(est.WKQ.data, 0);
      theta.set(est.WPV.data, p * p);
      theta.set(est.W1.data, 2 * p * p);
      theta.set(est.W2.data, 2 * p * p + layout.dF * p);
      break;
    case 'gd-beta':
      theta.set(est.Gamma.data, 0);
      theta.set(est.beta0, layout.d * layout.d);
      break;
    case 'gd-0':
      theta.set(est.Gamma.data, 0);
      break;
    default:
      throw new RangeError(`paramsFromEstimator: cannot train a '${est.kind}'`);
  }
  return theta;
}
