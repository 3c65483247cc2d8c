/**
 * The estimator kinds of math.md §2 (and the L-step GD-β of §3.6) as a discriminated union, with
 * JSON (de)serialisation.
 *
 * Shapes: Gamma [d, d] (not necessarily symmetric); beta0 [d]; WKQ, WPV [d+1, d+1];
 * W1, W2 [d_f, d+1] with any d_f ≥ 1; Gammas L ≥ 1 matrices [d, d].
 */
import { InputError } from '../errors.js';
import type { Matrix } from '../linalg/index.js';
import { describe, finiteMatrix, finiteVector, noUnknownKeys, record } from './schema.js';

/** One preconditioned GD step from β₀: f = xᵀ(β₀ + Γ·Xᵀ(y − Xβ₀)/M). */
export interface GdBeta {
  /** Discriminant: GD-β (2.5). */
  readonly kind: 'gd-beta';
  /** [d, d]. */
  readonly Gamma: Matrix;
  /** [d]. */
  readonly beta0: Float64Array;
}

/** GD-β with β₀ = 0: f = xᵀΓXᵀy/M. */
export interface Gd0 {
  /** Discriminant: GD-0 (2.6). */
  readonly kind: 'gd-0';
  /** [d, d]. */
  readonly Gamma: Matrix;
}

/** Linear self-attention: f = [E + W^{PV}·E𝕄Eᵀ·W^{KQ}·E/M]_{d+1, M+1}. */
export interface Lsa {
  /** Discriminant: masked or unmasked LSA (2.3). */
  readonly kind: 'lsa';
  /** [d+1, d+1]. */
  readonly WKQ: Matrix;
  /** [d+1, d+1]. */
  readonly WPV: Matrix;
}

/** Linear transformer block: LSA then the residual linear MLP h + W₂ᵀW₁h. */
export interface Ltb {
  /** Discriminant: LTB (2.4). */
  readonly kind: 'ltb';
  /** [d+1, d+1]. */
  readonly WKQ: Matrix;
  /** [d+1, d+1]. */
  readonly WPV: Matrix;
  /** [d_f, d+1]. */
  readonly W1: Matrix;
  /** [d_f, d+1]. */
  readonly W2: Matrix;
}

/**
 * L preconditioned GD steps from β₀ (GD-β^L, docs/math.md §3.6): b₀ = β₀,
 * b_l = b_{l−1} + Γ_l·Xᵀ(y − X b_{l−1})/M (l = 1…L), f = xᵀb_L. L = 1 is GD-β (2.5).
 */
export interface GdMultistep {
  /** Discriminant: GD-β^L (3.42). */
  readonly kind: 'gd-multistep';
  /** [d] the start b₀. */
  readonly beta0: Float64Array;
  /** L ≥ 1 preconditioners, each [d, d] (need not be symmetric); Gammas[0] is Γ₁, applied first. */
  readonly Gammas: readonly Matrix[];
}

/** Every estimator kind. */
export type Estimator = GdBeta | Gd0 | Lsa | Ltb | GdMultistep;
/** The kind tags, in a fixed order. */
export const ESTIMATOR_KINDS = ['gd-beta', 'gd-0', 'lsa', 'ltb', 'gd-multistep'] as const;
/** The kind tag of an estimator: `'gd-beta' | 'gd-0' | 'lsa' | 'ltb' | 'gd-multistep'`. */
export type EstimatorKind = Estimator['kind'];

/** Invalid estimator description: names the field and the reason. */
export class EstimatorError extends InputError {
  /** The class name, `'EstimatorError'`; the CLI maps this error to exit code 2. */
  override name = 'EstimatorError';
}

/**
 * Parses and validates an estimator from JSON for dimension d (shapes checked against d; d_f
 * inferred from W1 and required to match W2). Shapes as in docs/math.md §1.2.
 * @throws {@link EstimatorError} (an {@link InputError}: CLI exit 2) naming the field.
 */
export function parseEstimator(value: unknown, d: number): Estimator {
  const obj = record(value, 'estimator', EstimatorError);
  const kind = obj.kind;
  const m = (f: string, rows?: number, cols?: number): Matrix => {
    if (obj[f] === undefined) throw new EstimatorError(f, `is required for kind '${String(kind)}'`);
    return finiteMatrix(obj[f], f, rows, cols, EstimatorError);
  };
  switch (kind) {
    case 'gd-beta': {
      noUnknownKeys(obj, ['kind', 'Gamma', 'beta0'], '', EstimatorError);
      if (obj.beta0 === undefined) throw new EstimatorError('beta0', "is required for kind 'gd-beta'");
      return { kind, Gamma: m('Gamma', d, d), beta0: finiteVector(obj.beta0, 'beta0', d, EstimatorError) };
    }
    case 'gd-0':
      noUnknownKeys(obj, ['kind', 'Gamma'], '', EstimatorError);
      return { kind, Gamma: m('Gamma', d, d) };
    case 'lsa':
      noUnknownKeys(obj, ['kind', 'WKQ', 'WPV'], '', EstimatorError);
      return { kind, WKQ: m('WKQ', d + 1, d + 1), WPV: m('WPV', d + 1, d + 1) };
    case 'ltb': {
      noUnknownKeys(obj, ['kind', 'WKQ', 'WPV', 'W1', 'W2'], '', EstimatorError);
      const W1 = m('W1', undefined, d + 1);
      return { kind, WKQ: m('WKQ', d + 1, d + 1), WPV: m('WPV', d + 1, d + 1), W1, W2: m('W2', W1.rows, d + 1) };
    }
    case 'gd-multistep': {
      noUnknownKeys(obj, ['kind', 'beta0', 'Gammas'], '', EstimatorError);
      if (obj.beta0 === undefined) throw new EstimatorError('beta0', "is required for kind 'gd-multistep'");
      const beta0 = finiteVector(obj.beta0, 'beta0', d, EstimatorError);
      const list = obj.Gammas;
      if (list === undefined) throw new EstimatorError('Gammas', `is required for kind 'gd-multistep' (a list of L ≥ 1 matrices [d, d] = [${d}, ${d}])`);
      if (!Array.isArray(list) || list.length === 0) {
        throw new EstimatorError('Gammas', `must be a non-empty list of L matrices [d, d] = [${d}, ${d}], got ${describe(list)}`);
      }
      // Each Γ_l is named by its index so that a bad entry reads `Gammas[2][0][1]`.
      const Gammas = list.map((G: unknown, l: number) => finiteMatrix(G, `Gammas[${l}]`, d, d, EstimatorError));
      return { kind, beta0, Gammas };
    }
    default: {
      const kinds = ESTIMATOR_KINDS.map((k) => `'${k}'`).join(', ');
      if (kind === undefined) {
        // The commonest mistake: a problem file passed where an estimator is expected.
        const looksLikeProblem = ['M', 'H', 'Psi', 'betaStar', 'sigma2'].some((k) => k in obj);
        throw new EstimatorError(
          'kind',
          `is missing: an estimator has "kind" (one of ${kinds}) and its weights, e.g. {"kind": "gd-beta", "Gamma": [[…]], "beta0": […]}` +
            (looksLikeProblem ? ` — this file has problem fields (${Object.keys(obj).join(', ')}): is it the --problem file?` : ''),
        );
      }
      throw new EstimatorError('kind', `must be one of ${kinds}, got ${describe(kind)}`);
    }
  }
}

function rows(A: Matrix): number[][] {
  return Array.from({ length: A.rows }, (_, i) => Array.from(A.data.subarray(i * A.cols, (i + 1) * A.cols)));
}

/** The estimator as JSON in the documented shape (accepted back by {@link parseEstimator}). */
export function estimatorToJSON(e: Estimator): Record<string, unknown> {
  switch (e.kind) {
    case 'gd-beta':
      return { kind: e.kind, Gamma: rows(e.Gamma), beta0: Array.from(e.beta0) };
    case 'gd-0':
      return { kind: e.kind, Gamma: rows(e.Gamma) };
    case 'lsa':
      return { kind: e.kind, WKQ: rows(e.WKQ), WPV: rows(e.WPV) };
    case 'ltb':
      return { kind: e.kind, WKQ: rows(e.WKQ), WPV: rows(e.WPV), W1: rows(e.W1), W2: rows(e.W2) };
    case 'gd-multistep':
      return { kind: e.kind, beta0: Array.from(e.beta0), Gammas: e.Gammas.map(rows) };
  }
}

/** The feature dimension d an estimator is shaped for. */
export function estimatorDim(e: Estimator): number {
  switch (e.kind) {
    case 'gd-beta':
    case 'gd-0':
      return e.Gamma.rows;
    case 'gd-multistep':
      return e.beta0.length;
    case 'lsa':
    case 'ltb':
      return e.WKQ.rows - 1;
  }
}
