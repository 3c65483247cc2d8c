/**
 * Population gradient flows of LTB and LSA (math.md §3.3, §4): dθ/dt = −∇R(θ) with the exact
 * closed-form risk of `src/risk/attention.ts`, either on the reduced parameters (β_m, p, Q) — the
 * flow ZWB's Fig. 1 shows, computed exactly — or on the raw weights.
 *
 * State layouts (row-major blocks, concatenated):
 * - reduced LTB: [β_m (d), p (d+1), Q ((d+1)·d)];  reduced LSA: [p (d+1), Q ((d+1)·d)] (β_m ≡ 0);
 * - raw LSA: [W^{KQ} ((d+1)²), W^{PV} ((d+1)²)];  raw LTB: [W^{KQ}, W^{PV}, W₁ (d_f·(d+1)), W₂ (d_f·(d+1))].
 *
 * Each evaluation is O(d³) (a few d×d products inside `riskReduced`) and allocates its temporaries
 * (the risk kernel does): these flows are small (n ≈ d²) and not the hot path of the benchmarks.
 */
import { InputError } from '../errors.js';
import { Rng, type Matrix } from '../linalg/index.js';
import { estimatorFromReduced, reducedForm, type AttentionKind, type Lsa, type Ltb, type Problem, type Reduced } from '../models/index.js';
import { riskAttention, riskReduced } from '../risk/index.js';
import type { VectorField } from './ode/index.js';

/** Which block and which parametrisation flows. */
export interface AttentionFlowSpec {
  /** Which block flows: `'ltb'` (β_m trained) or `'lsa'` (β_m ≡ 0), §4.2. */
  readonly model: AttentionKind;
  /** Reduced parameters (β_m, p, Q) or raw weights. @defaultValue 'reduced' */
  readonly parametrization?: 'reduced' | 'raw';
  /** MLP width d_f of a raw LTB. @defaultValue 1 */
  readonly mlpWidth?: number;
}

/** An LTB/LSA gradient flow ready for an ODE solver. */
export interface AttentionFlow {
  /** The problem whose exact risk (3.22)–(3.23) drives the flow (4.10); masking follows `problem.masked`. */
  readonly problem: Problem;
  /** Which block flows, `'ltb'` or `'lsa'`. */
  readonly model: AttentionKind;
  /** The state: reduced parameters (β_m [d] (LTB only), p [d+1], Q [d+1, d]) or raw weights (W^{KQ}, W^{PV} [d+1, d+1], W₁, W₂ [d_f, d+1]), gradients through (3.24). */
  readonly parametrization: 'reduced' | 'raw';
  /** Feature dimension d. */
  readonly d: number;
  /** MLP width (raw LTB), else 0. */
  readonly mlpWidth: number;
  /** State length. */
  readonly n: number;
  /** −∇R(θ). */
  readonly field: VectorField;
  /** R(θ). */
  risk(y: Float64Array): number;
  /** The reduced parameters of a state (copies). */
  reduced(y: Float64Array): Reduced;
  /** The block as an estimator (reduced states become the equivalent d_f = 1 LTB, or an LSA). */
  toEstimator(y: Float64Array): Lsa | Ltb;
  /** The state of an estimator (reduced: its reduced form; raw: its weights, d_f must match). */
  fromEstimator(est: Lsa | Ltb): Float64Array;
}

/** Entries of a random attention start are N(0, RANDOM_ATTENTION_SCALE²) ("small random init"). */
export const RANDOM_ATTENTION_SCALE = 0.1;

/**
 * The LTB or LSA gradient flow (4.10) of a problem (docs/math.md §4.2; see the module comment).
 * Masking follows `problem.masked`.
 * @throws {InputError} on `mlpWidth` when a raw LTB's `spec.mlpWidth` is not a positive integer.
 */
export function attentionFlow(problem: Problem, spec: AttentionFlowSpec): AttentionFlow {
  const { model, parametrization = 'reduced', mlpWidth = 1 } = spec;
  const d = problem.d;
  const m = d + 1;
  if (parametrization === 'raw' && model === 'ltb' && (!Number.isInteger(mlpWidth) || mlpWidth < 1)) {
    throw new InputError('mlpWidth', `must be a positive integer, got ${mlpWidth}`);
  }
  const df = parametrization === 'raw' && model === 'ltb' ? mlpWidth : 0;
  let n: number;
  if (parametrization === 'reduced') n = (model === 'ltb' ? d : 0) + m + m * d;
  else n = 2 * m * m + 2 * df * m;
  const bOff = model === 'ltb' ? d : 0; // reduced: start of p

  const reduced = (y: Float64Array): Reduced => {
    if (parametrization === 'raw') return reducedForm(rawEstimator(y));
    const betaM = model === 'ltb' ? Float64Array.from(y.subarray(0, d)) : new Float64Array(d);
    const p = Float64Array.from(y.subarray(bOff, bOff + m));
    const Q: Matrix = { rows: m, cols: d, data: Float64Array.from(y.subarray(bOff + m, bOff + m + m * d)) };
    return { betaM, p, Q };
  };

  const mat = (y: Float64Array, off: number, rows: number, cols: number): Matrix => ({ rows, cols, data: Float64Array.from(y.subarray(off, off + rows * cols)) });
  const rawEstimator = (y: Float64Array): Lsa | Ltb => {
    const WKQ = mat(y, 0, m, m);
    const WPV = mat(y, m * m, m, m);
    if (model === 'lsa') return { kind: 'lsa', WKQ, WPV };
    return { kind: 'ltb', WKQ, WPV, W1: mat(y, 2 * m * m, df, m), W2: mat(y, 2 * m * m + df * m, df, m) };
  };

  const field: VectorField =
    parametrization === 'reduced'
      ? (_t, y, out) => {
          const { grad } = riskReduced(problem, reduced(y));
          if (model === 'ltb') for (let i = 0; i < d; i++) out[i] = -grad.betaM[i]!;
          for (let i = 0; i < m; i++) out[bOff + i] = -grad.p[i]!;
          for (let k = 0; k < m * d; k++) out[bOff + m + k] = -grad.Q.data[k]!;
        }
      : (_t, y, out) => {
          const r = riskAttention(problem, rawEstimator(y));
          for (let k = 0; k < m * m; k++) {
            out[k] = -r.gradWKQ.data[k]!;
            out[m * m + k] = -r.gradWPV.data[k]!;
          }
          if (model === 'ltb') {
            for (let k = 0; k < df * m; k++) {
              out[2 * m * m + k] = -r.gradW1!.data[k]!;
              out[2 * m * m + df * m + k] = -r.gradW2!.data[k]!;
            }
          }
        };

  const risk = (y: Float64Array): number =>
    parametrization === 'reduced' ? riskReduced(problem, reduced(y), false).risk : riskAttention(problem, rawEstimator(y), false).risk;

  const toEstimator = (y: Float64Array): Lsa | Ltb => {
    if (parametrization === 'raw') return rawEstimator(y);
    return estimatorFromReduced(reduced(y), model);
  };

  const fromEstimator = (est: Lsa | Ltb): Float64Array => {
    const y = new Float64Array(n);
    if (parametrization === 'reduced') {
      const r = reducedForm(est);
      if (model === 'ltb') y.set(r.betaM, 0);
      y.set(r.p, bOff);
      y.set(r.Q.data, bOff + m);
      return y;
    }
    if (est.kind !== model) throw new RangeError(`attentionFlow: a raw ${model} flow needs a ${model} estimator, got '${est.kind}'`);
    y.set(est.WKQ.data, 0);
    y.set(est.WPV.data, m * m);
    if (est.kind === 'ltb') {
      if (est.W1.rows !== df) throw new RangeError(`attentionFlow: the estimator has d_f = ${est.W1.rows} but the flow has mlpWidth = ${df}`);
      y.set(est.W1.data, 2 * m * m);
      y.set(est.W2.data, 2 * m * m + df * m);
    }
    return y;
  };

  return { problem, model, parametrization, d, mlpWidth: df, n, field, risk, reduced, toEstimator, fromEstimator };
}

/**
 * Initial state of an attention flow: `'random'` (every entry N(0, scale²), scale =
 * {@link RANDOM_ATTENTION_SCALE} by default, from `new Rng(seed)`), `'zero'` (a critical point of the
 * LSA/LTB risk in (p, Q): only β_m moves), or a given estimator.
 */
export function attentionInitialState(flow: AttentionFlow, init: 'zero' | 'random' | Lsa | Ltb, seed = 1, scale = RANDOM_ATTENTION_SCALE): Float64Array {
  if (init === 'zero') return new Float64Array(flow.n);
  if (init === 'random') {
    const rng = new Rng(seed);
    return Float64Array.from({ length: flow.n }, () => scale * rng.normal());
  }
  return flow.fromEstimator(init);
}
