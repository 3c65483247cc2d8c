/**
 * What every claim shares: its result type, the run's context (seed, sample counts, the memoised
 * optimum of LSA/LTB) and the small comparisons the checks judge by.
 *
 * Tolerances: exact identities (closed form vs closed form, forward pass vs forward pass) are judged
 * at ~1e-12 relative; numerically minimised risks at 1e-8 relative (the minimiser reaches ~1e-14;
 * see src/optimum); Monte Carlo at 5 standard errors.
 */
import { problemToJSON, type AttentionKind, type Lsa, type Ltb, type Problem } from '../../models/index.js';
import { optimumAttention, type ClassOptimum } from '../../optimum/index.js';

/** The outcome of one claim on one problem. */
export interface ClaimResult {
  /** Catalogue id, e.g. `ZWB-2`. */
  readonly id: string;
  /** One-line statement of the claim, as in the catalogue of docs/math.md §5.1. */
  readonly title: string;
  /** Label of the problem (suite name) the claim was checked on. */
  readonly problem: string;
  /** Every number the check measured, by name. */
  readonly measured: Readonly<Record<string, number>>;
  /** The tolerances the verdict used, by name. */
  readonly tolerance: Readonly<Record<string, number>>;
  /** How measured numbers and tolerances decide the verdict (one sentence). */
  readonly criterion: string;
  /** The verdict: true when every criterion held (false also when `error` is set). */
  readonly pass: boolean;
  /** Extra context (e.g. which basin a start reached, why a regime is not near-Bayes). */
  readonly note?: string;
  /**
   * Set when the check could not be carried out (a numerical failure or a refused resource): the
   * claim is then neither confirmed nor refuted — `pass` is false, but it is not a failed claim.
   */
  readonly error?: {
    /** What failed: a `NumericalError`, an `InputError` (e.g. a refused resource) or anything else. */
    readonly kind: 'numerical' | 'input' | 'internal';
    /** The error's message. */
    readonly message: string;
  };
}

/** An LSA/LTB optimum as the claims consume it: its risk R*_LSA or R*_LTB and its raw weights. */
export type AttentionClassOptimum = ClassOptimum<Lsa | Ltb>;

/** Shared settings and caches of a verification run. */
export interface ClaimContext {
  /** The optimum of LSA/LTB on a problem (default: cached {@link optimumAttention}). Tests inject wrong ones. */
  readonly optimum: (problem: Problem, cls: AttentionKind) => AttentionClassOptimum;
  /** Seed of every sampled quantity. @defaultValue 1 */
  readonly seed: number;
  /** Wishart draws of the Bayes estimate (ZWB-4). @defaultValue 20000 */
  readonly bayesSamples: number;
  /** Prompts of the Monte Carlo checks (MHM-NL). @defaultValue 40000 */
  readonly mcSamples: number;
}

/** Options of {@link claimContext}. */
export interface ClaimContextOptions {
  /** Seed of every sampled quantity (and of the optimum's starts). @defaultValue 1 */
  seed?: number;
  /** Wishart draws of the Bayes estimate (ZWB-4). @defaultValue 20000 */
  bayesSamples?: number;
  /** Prompts of the Monte Carlo checks (MHM-NL). @defaultValue 40000 */
  mcSamples?: number;
  /** The LSA/LTB optimum to check. @defaultValue {@link optimumAttention} with `seed`, memoised per class and problem content */
  optimum?: (problem: Problem, cls: AttentionKind) => AttentionClassOptimum;
}

/**
 * A context whose optimum is {@link optimumAttention}, memoised per class and problem *content*
 * (problems built separately from the same JSON share one optimisation).
 */
export function claimContext(options: ClaimContextOptions = {}): ClaimContext {
  const { seed = 1, bayesSamples = 20_000, mcSamples = 40_000 } = options;
  const cache = new Map<string, AttentionClassOptimum>();
  const optimum = options.optimum ?? ((problem: Problem, cls: AttentionKind): AttentionClassOptimum => {
    const key = `${cls}:${JSON.stringify(problemToJSON(problem))}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = optimumAttention(problem, cls, { seed });
      cache.set(key, hit);
    }
    return hit;
  });
  return { optimum, seed, bayesSamples, mcSamples };
}

/** |a − b| / max(|a|, |b|) (0 when both are 0). */
export function relErr(a: number, b: number): number {
  const den = Math.max(Math.abs(a), Math.abs(b));
  return den === 0 ? 0 : Math.abs(a - b) / den;
}

/** ‖A − B‖_F / ‖B‖_F (absolute when B = 0), over flat arrays of equal length. */
export function matRelErr(A: ArrayLike<number>, B: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < A.length; k++) {
    num += (A[k]! - B[k]!) ** 2;
    den += B[k]! ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** c·I [d, d] as nested rows (problem JSON). */
export function identityRows(d: number, c = 1): number[][] {
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? c : 0)));
}


