/** One entry point for the exact risk of any estimator kind (math.md §3.1, §3.3). */
import { frobeniusNorm, norm2, type Matrix } from '../linalg/index.js';
import type { Estimator, EstimatorKind, Problem } from '../models/index.js';
import { riskAttention } from './attention.js';
import { riskGdBeta } from './gdbeta.js';

/** ∂R/∂(Γ, β₀) of a GD-β: Gamma [d, d], beta0 [d] (docs/math.md §3.1). */
export type GdBetaGradient = { readonly Gamma: Matrix; readonly beta0: Float64Array };
/** ∂R/∂Γ of a GD-0: Gamma [d, d]. */
export type Gd0Gradient = { readonly Gamma: Matrix };
/** ∂R/∂(W^{KQ}, W^{PV}) of an LSA: WKQ, WPV [d+1, d+1] (docs/math.md §3.3). */
export type LsaGradient = { readonly WKQ: Matrix; readonly WPV: Matrix };
/** ∂R/∂(W^{KQ}, W^{PV}, W₁, W₂) of an LTB: WKQ, WPV [d+1, d+1]; W1, W2 [d_f, d+1]. */
export type LtbGradient = LsaGradient & { readonly W1: Matrix; readonly W2: Matrix };

/** The gradient type of each estimator kind: the same keys and shapes as the estimator's weights. */
export type GradientOf<K extends EstimatorKind> = {
  readonly 'gd-beta': GdBetaGradient;
  readonly 'gd-0': Gd0Gradient;
  readonly lsa: LsaGradient;
  readonly ltb: LtbGradient;
}[K];

/** The exact risk of an estimator of kind K with its gradient and the gradient's Euclidean norm. */
export interface RiskResultOf<K extends EstimatorKind> {
  readonly kind: K;
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
 * Masking (LSA/LTB) follows `problem.masked`.
 */
export function risk<E extends Estimator>(problem: Problem, est: E): RiskResultFor<E>;
export function risk(problem: Problem, est: Estimator): RiskResult {
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
  }
}
