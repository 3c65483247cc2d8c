/**
 * One entry point for the optimum of an estimator class: closed form for GD-β and GD-0 (math.md
 * §3.2, src/risk optimumGdBeta/optimumGd0), numerical for LSA and LTB (multistart.ts) and for
 * L-step GD-β (math.md §3.7, multistep.ts: `optimum(problem, 'gd-multistep', { steps: L })`).
 */
import type { AttentionKind, Estimator, Gd0, GdBeta, Problem } from '../models/index.js';
import { optimumGd0, optimumGdBeta, type GdOptimum } from '../risk/index.js';
import { optimumAttention, type AttentionOptimum, type AttentionOptimumOptions } from './multistart.js';
import { optimumGdMultistep, type MultistepOptimum, type MultistepOptimumOptions } from './multistep.js';
import { NumericalError, requireFinite } from '../errors.js';

/** The classes {@link optimum} knows. */
export const OPTIMUM_KINDS = ['gd-beta', 'gd-0', 'lsa', 'ltb'] as const;
/** One of {@link OPTIMUM_KINDS}. */
export type OptimumKind = (typeof OPTIMUM_KINDS)[number];
/**
 * Every class {@link optimum} knows: {@link OPTIMUM_KINDS} and L-step GD-β, `'gd-multistep'`, whose
 * optimum also needs the number of steps (`{ steps: L }`). Kept apart from OPTIMUM_KINDS so that
 * callers that switch over the four one-step classes (their result union {@link Optimum}) stay exhaustive.
 */
export const OPTIMUM_CLASSES = [...OPTIMUM_KINDS, 'gd-multistep'] as const;
/** One of {@link OPTIMUM_CLASSES}. */
export type OptimumClass = (typeof OPTIMUM_CLASSES)[number];

/**
 * What every optimum of a class offers its consumers (training's reference line, the claims): the
 * optimal risk and an optimal estimator of kind E. Every {@link Optimum} is one.
 */
export interface ClassOptimum<E extends Estimator = Estimator> {
  /** R*_class, unit [y]². */
  readonly risk: number;
  /** An optimal estimator of the class. */
  readonly estimator: E;
}

/** The closed-form optimum of GD-β (math.md §3.2). */
export interface GdBetaOptimum extends GdOptimum<GdBeta> {
  /** Discriminant: the class, GD-β. */
  readonly kind: 'gd-beta';
}

/** The closed-form optimum of GD-0 (math.md §3.2). */
export interface Gd0Optimum extends GdOptimum<Gd0> {
  /** Discriminant: the class, GD-0. */
  readonly kind: 'gd-0';
}

/**
 * The optimum of a class, discriminated by `kind`: closed form for `'gd-beta'`/`'gd-0'`, numerical
 * with the report of every start ({@link AttentionOptimum}) for `'lsa'`/`'ltb'`. Every member has
 * `risk` and `estimator`.
 */
export type Optimum = GdBetaOptimum | Gd0Optimum | AttentionOptimum;
/** The optimum of any class of {@link OPTIMUM_CLASSES}: {@link Optimum} or the L-step GD-β optimum. */
export type AnyOptimum = Optimum | MultistepOptimum;

/** Largest E[y²] the LSA/LTB optimum accepts: its curvatures scale like E[y²]², which must stay below ≈ 1e308. */
export const MAX_ATTENTION_SCALE = 1e150;
/** Smallest positive E[y²] the LSA/LTB optimum accepts (E[y²] = 0, every risk zero, is allowed). */
export const MIN_ATTENTION_SCALE = 1e-150;

/**
 * The optimal estimator of a class and its risk: `'gd-beta'`/`'gd-0'` in closed form (O(d³); the
 * options are not used), `'lsa'`/`'ltb'` by {@link optimumAttention} with these options.
 *
 * `'gd-multistep'`: the optimal GD-β^L by {@link optimumGdMultistep} with these options (`steps` = L,
 * 1 … 3; default 2), multi-start L-BFGS + Newton polish on the exact risk (3.48).
 *
 * GD-β: (3.12)–(3.14); GD-0: (3.16); LSA/LTB: docs/math.md §4.2; GD-β^L: §3.7. Risks in units of y².
 *
 * @throws RangeError for an unknown kind; {@link NumericalError} (CLI exit 3) when every LSA/LTB or
 *   GD-β^L start diverged; {@link InputError} on `steps` outside 1 … 3 (gd-multistep).
 */
export function optimum(problem: Problem, kind: 'gd-beta', options?: AttentionOptimumOptions): GdBetaOptimum;
export function optimum(problem: Problem, kind: 'gd-0', options?: AttentionOptimumOptions): Gd0Optimum;
export function optimum(problem: Problem, kind: AttentionKind, options?: AttentionOptimumOptions): AttentionOptimum;
export function optimum(problem: Problem, kind: 'gd-multistep', options?: MultistepOptimumOptions): MultistepOptimum;
export function optimum(problem: Problem, kind: OptimumKind, options?: AttentionOptimumOptions): Optimum;
export function optimum(problem: Problem, kind: OptimumClass, options?: AttentionOptimumOptions | MultistepOptimumOptions): AnyOptimum;
export function optimum(problem: Problem, kind: OptimumClass, options: AttentionOptimumOptions | MultistepOptimumOptions = {}): AnyOptimum {
  switch (kind) {
    case 'gd-multistep': {
      const opt = optimumGdMultistep(problem, options as MultistepOptimumOptions);
      requireFinite(opt.risk, 'optimum(gd-multistep)', 'the optimal risk', `rescale the problem (E[y²] ≈ ${problem.labelSecondMoment.toExponential(2)})`);
      return opt;
    }
    case 'gd-beta':
      return { kind, ...optimumGdBeta(problem) };
    case 'gd-0':
      return { kind, ...optimumGd0(problem) };
    case 'lsa':
    case 'ltb': {
      // The numerical optimum multiplies risks, gradients and curvatures of size up to E[y²]²:
      // beyond MAX_ATTENTION_SCALE they overflow float64. Say so in the user's terms.
      const ey2 = problem.labelSecondMoment;
      if (ey2 > 0 && ey2 < MIN_ATTENTION_SCALE) {
        throw new NumericalError(
          `optimum(${kind})`,
          `the problem's scale E[y²] = σ² + tr(HΨ) + ‖β*‖²_H ≈ ${ey2.toExponential(2)} is too small for the numerical optimum (its curvatures reach E[y²]², below float64's normal range): ` +
            'rescale the problem — β* → s·β*, Ψ → s²Ψ, σ² → s²σ² multiplies every risk by s²',
        );
      }
      if (ey2 > MAX_ATTENTION_SCALE) {
        throw new NumericalError(
          `optimum(${kind})`,
          `the problem's scale E[y²] = σ² + tr(HΨ) + ‖β*‖²_H ≈ ${ey2.toExponential(2)} is too large for the numerical optimum (its curvatures reach E[y²]², past float64): ` +
            'rescale the problem — β* → β*/s, Ψ → Ψ/s², σ² → σ²/s² divides every risk by s²',
        );
      }
      const opt = optimumAttention(problem, kind, options as AttentionOptimumOptions);
      requireFinite(opt.risk, `optimum(${kind})`, 'the optimal risk', `rescale the problem (E[y²] ≈ ${ey2.toExponential(2)})`);
      requireFinite(opt.gradNorm, `optimum(${kind})`, 'the gradient norm at the optimum', `rescale the problem (E[y²] ≈ ${ey2.toExponential(2)})`);
      return opt;
    }
    default:
      throw new RangeError(`optimum: kind must be one of ${OPTIMUM_CLASSES.join(', ')}, got ${JSON.stringify(kind as unknown)}`);
  }
}
