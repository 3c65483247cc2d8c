/** One entry point for the exact risk of any estimator kind (math.md §3.1, §3.3). */
import { frobeniusNorm, norm2 } from '../linalg/index.js';
import type { Estimator, Problem } from '../models/index.js';
import { riskAttention } from './attention.js';
import { riskGdBeta } from './gdbeta.js';

/** The exact risk of an estimator with the Euclidean norm of its full gradient. */
export interface RiskResult {
  readonly kind: Estimator['kind'];
  readonly risk: number;
  /** ‖∇R‖ over all the estimator's parameters (Frobenius/Euclidean, raw weights for LSA/LTB). */
  readonly gradNorm: number;
  /** The gradient, parameter by parameter, in the estimator's own shapes. */
  readonly gradient: Record<string, import('../linalg/index.js').Matrix | Float64Array>;
}

/**
 * Exact (closed-form, sampling-free) ICL risk of any estimator on a problem, with its gradient.
 * Masking (LSA/LTB) follows `problem.masked`.
 */
export function risk(problem: Problem, est: Estimator): RiskResult {
  switch (est.kind) {
    case 'gd-beta':
    case 'gd-0': {
      const r = riskGdBeta(problem, est);
      const g2 = frobeniusNorm(r.gradGamma) ** 2 + (est.kind === 'gd-beta' ? norm2(r.gradBeta0) ** 2 : 0);
      const gradient: RiskResult['gradient'] = { Gamma: r.gradGamma };
      if (est.kind === 'gd-beta') gradient.beta0 = r.gradBeta0;
      return { kind: est.kind, risk: r.risk, gradNorm: Math.sqrt(g2), gradient };
    }
    case 'lsa':
    case 'ltb': {
      const r = riskAttention(problem, est);
      let g2 = frobeniusNorm(r.gradWKQ) ** 2 + frobeniusNorm(r.gradWPV) ** 2;
      const gradient: RiskResult['gradient'] = { WKQ: r.gradWKQ, WPV: r.gradWPV };
      if (r.gradW1 && r.gradW2) {
        g2 += frobeniusNorm(r.gradW1) ** 2 + frobeniusNorm(r.gradW2) ** 2;
        gradient.W1 = r.gradW1;
        gradient.W2 = r.gradW2;
      }
      return { kind: est.kind, risk: r.risk, gradNorm: Math.sqrt(g2), gradient };
    }
  }
}
