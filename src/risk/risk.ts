/** One entry point for the exact risk of any estimator kind (math.md §3.1, §3.3, §3.6). */
import { requireFinite } from '../errors.js';
import { frobeniusNorm, norm2, type Matrix } from '../linalg/index.js';
import type { Estimator, EstimatorKind, Problem } from '../models/index.js';
import { riskAttention } from './attention.js';
import { riskGdBeta } from './gdbeta.js';
import { GD_MULTISTEP_MAX_STEPS, riskGdMultistep, riskGdMultistepCommuting } from './multistep.js';

/** ∂R/∂(Γ, β₀) of a GD-β: Gamma [d, d], beta0 [d] (docs/math.md §3.1). */
export type GdBetaGradient = {
  /** ∂R/∂Γ [d, d], (3.8). */
  readonly Gamma: Matrix;
  /** ∂R/∂β₀ [d], (3.9). */
  readonly beta0: Float64Array;
};
/** ∂R/∂Γ of a GD-0: Gamma [d, d]. */
export type Gd0Gradient = {
  /** ∂R/∂Γ [d, d], (3.8) with β₀ = 0. */
  readonly Gamma: Matrix;
};
/** ∂R/∂(W^{KQ}, W^{PV}) of an LSA: WKQ, WPV [d+1, d+1] (docs/math.md §3.3). */
export type LsaGradient = {
  /** ∂R/∂W^{KQ} [d+1, d+1], (3.24); its last column is zero. */
  readonly WKQ: Matrix;
  /** ∂R/∂W^{PV} [d+1, d+1], (3.24). */
  readonly WPV: Matrix;
};
/** ∂R/∂(W^{KQ}, W^{PV}, W₁, W₂) of an LTB: WKQ, WPV [d+1, d+1]; W1, W2 [d_f, d+1]. */
export type LtbGradient = LsaGradient & {
  /** ∂R/∂W₁ [d_f, d+1], (3.24). */
  readonly W1: Matrix;
  /** ∂R/∂W₂ [d_f, d+1], (3.24); only column d+1 is nonzero. */
  readonly W2: Matrix;
};

/** ∂R/∂(Γ_1 … Γ_L, β₀) of a GD-β^L (docs/math.md §3.6): Gammas L × [d, d], beta0 [d]. */
export type GdMultistepGradient = {
  /** ∂R/∂Γ_l [d, d] for l = 1…L, in the order of the estimator's `Gammas`, (3.49). */
  readonly Gammas: readonly Matrix[];
  /** ∂R/∂β₀ [d], (3.49). */
  readonly beta0: Float64Array;
};

/** The gradient type of each estimator kind: the same keys and shapes as the estimator's weights. */
export type GradientOf<K extends EstimatorKind> = {
  /** Gradient of a GD-β. */
  readonly 'gd-beta': GdBetaGradient;
  /** Gradient of a GD-0. */
  readonly 'gd-0': Gd0Gradient;
  /** Gradient of an LSA. */
  readonly lsa: LsaGradient;
  /** Gradient of an LTB. */
  readonly ltb: LtbGradient;
  /** Gradient of a GD-β^L. */
  readonly 'gd-multistep': GdMultistepGradient;
}[K];

/** The exact risk of an estimator of kind K with its gradient and the gradient's Euclidean norm. */
export interface RiskResultOf<K extends EstimatorKind> {
  /** The estimator's kind tag (the discriminant). */
  readonly kind: K;
  /** The exact ICL risk R (1.3), unit [y]²: (3.5) for GD-β/GD-0, (3.22)–(3.23) for LSA/LTB, (3.48) for GD-β^L. */
  readonly risk: number;
  /** ‖∇R‖ over all the estimator's parameters (Frobenius/Euclidean, raw weights for LSA/LTB). */
  readonly gradNorm: number;
  /** The gradient, parameter by parameter, in the estimator's own shapes. */
  readonly gradient: GradientOf<K>;
}

/** The result type of {@link risk} for an estimator type E (a union of estimators gives the union of results). */
export type RiskResultFor<E extends Estimator> = E extends Estimator ? RiskResultOf<E['kind']> : never;

/** {@link RiskResultOf} of any kind, discriminated on `kind`. */
export type RiskResult = { [K in EstimatorKind]: RiskResultOf<K> }[EstimatorKind];

/**
 * Exact (closed-form, sampling-free) ICL risk of any estimator on a problem, with its gradient.
 * Masking (LSA/LTB) follows `problem.masked`; GD-β, GD-0 and GD-β^L read the context directly, so
 * masking does not apply to them. GD-β^L is exact for L ≤ 3 with arbitrary Γ_l
 * (`riskGdMultistep`), and for L ≤ 8 when every Γ_l = c_l·H⁻¹ (`riskGdMultistepCommuting`, math.md §3.6).
 * @throws {InputError} for a GD-β^L outside both routes (the message names `Gammas[l]` and gives the limits).
 * @throws {NumericalError} when the risk or its gradient overflows float64 (the message gives the
 *   problem's scale E[y²] and the largest weight, and says to rescale).
 */
export function risk<E extends Estimator>(problem: Problem, est: E): RiskResultFor<E>;
export function risk(problem: Problem, est: Estimator): RiskResult {
  const r = riskUnchecked(problem, est);
  const hint = `rescale the problem (E[y²] = ${problem.labelSecondMoment.toExponential(3)}) or the estimator's weights (max |w| = ${maxWeight(est).toExponential(3)})`;
  requireFinite(r.risk, `risk(${est.kind})`, 'the risk', hint);
  requireFinite(r.gradNorm, `risk(${est.kind})`, 'the norm of the risk gradient', hint);
  return r;
}

/** Largest |entry| of an estimator's weights (for messages). */
function maxWeight(est: Estimator): number {
  const blocks = est.kind === 'gd-beta' ? [est.Gamma.data, est.beta0] : est.kind === 'gd-0' ? [est.Gamma.data]
    : est.kind === 'gd-multistep' ? [est.beta0, ...est.Gammas.map((G) => G.data)]
    : est.kind === 'lsa' ? [est.WKQ.data, est.WPV.data] : [est.WKQ.data, est.WPV.data, est.W1.data, est.W2.data];
  let m = 0;
  for (const b of blocks) for (let k = 0; k < b.length; k++) m = Math.max(m, Math.abs(b[k]!));
  return m;
}

function riskUnchecked(problem: Problem, est: Estimator): RiskResult {
  switch (est.kind) {
    case 'gd-beta': {
      const r = riskGdBeta(problem, est);
      const gradNorm = Math.hypot(frobeniusNorm(r.gradGamma), norm2(r.gradBeta0));
      return { kind: est.kind, risk: r.risk, gradNorm, gradient: { Gamma: r.gradGamma, beta0: r.gradBeta0 } };
    }
    case 'gd-0': {
      const r = riskGdBeta(problem, est);
      return { kind: est.kind, risk: r.risk, gradNorm: frobeniusNorm(r.gradGamma), gradient: { Gamma: r.gradGamma } };
    }
    case 'lsa': {
      const r = riskAttention(problem, est);
      const gradNorm = Math.hypot(frobeniusNorm(r.gradWKQ), frobeniusNorm(r.gradWPV));
      return { kind: est.kind, risk: r.risk, gradNorm, gradient: { WKQ: r.gradWKQ, WPV: r.gradWPV } };
    }
    case 'ltb': {
      const r = riskAttention(problem, est);
      const W1 = r.gradW1!;
      const W2 = r.gradW2!;
      const gradNorm = Math.hypot(frobeniusNorm(r.gradWKQ), frobeniusNorm(r.gradWPV), frobeniusNorm(W1), frobeniusNorm(W2));
      return { kind: est.kind, risk: r.risk, gradNorm, gradient: { WKQ: r.gradWKQ, WPV: r.gradWPV, W1, W2 } };
    }
    case 'gd-multistep': {
      // L ≤ 3: the general route; beyond, only steps Γ_l = c_l·H⁻¹ are exact (math.md §3.6).
      const r = est.Gammas.length <= GD_MULTISTEP_MAX_STEPS ? riskGdMultistep(problem, est) : riskGdMultistepCommuting(problem, est);
      const gradNorm = Math.hypot(norm2(r.gradBeta0), ...r.gradGammas.map(frobeniusNorm));
      return { kind: est.kind, risk: r.risk, gradNorm, gradient: { Gammas: r.gradGammas, beta0: r.gradBeta0 } };
    }
  }
}
