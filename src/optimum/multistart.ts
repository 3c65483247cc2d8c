/**
 * The optimum of LSA or LTB (math.md §2, §3.3, §4.2; OPT in §5.1) by multi-start: named start points, each run
 * through {@link optimumFromStart} (flow stage, then polish) and also polished directly, plus extra
 * direct random starts; the lowest final risk wins, and the report lists every start and the spread
 * of their final risks (a spread well above the tolerance means several basins).
 *
 * Starts: the optimal GD-0 as an LSA (and, for LTB, the optimal GD-β as an LTB), ZFB's balanced start
 * (src/flow zfbBalancedStart), and `randomStarts` small seeded random starts; each is also polished
 * directly (`<name>/direct`), since the flow can settle in a spurious basin; then
 * `directRandomStarts` larger random starts polished directly (`direct-1`, …).
 */
import { InputError, NumericalError } from '../errors.js';
import { Rng, type Matrix } from '../linalg/index.js';
import {
  effectiveGdBeta, estimatorFromReduced, lsaFromGd0, ltbFromGdBeta, packReduced, reducedForm, reducedSize, unpackReduced,
  type AttentionKind, type EffectiveGdBeta, type Lsa, type Ltb, type Problem, type Reduced,
} from '../models/index.js';
import { optimumGd0, optimumGdBeta, riskAttention } from '../risk/index.js';
import { zfbBalancedStart } from '../flow/index.js';
import { optimumFromStart, startContext, type StartOptions, type StartOutcome, type StartResult } from './attention.js';

/** Options of {@link optimumAttention}: the starts, plus the options of each start ({@link StartOptions}). */
export interface AttentionOptimumOptions extends StartOptions {
  /** Seed of the random starts (and of ZFB's Θ). @defaultValue 1 */
  seed?: number;
  /** Number of small random starts. @defaultValue 2 */
  randomStarts?: number;
  /** Standard deviation of the entries of a random start. @defaultValue 0.1 */
  randomScale?: number;
  /** s of ZFB's balanced start W^{PV} = s·e_{d+1}e_{d+1}ᵀ, W^{KQ} = s·[[ΘΘᵀ, 0], [0, 0]]. @defaultValue 0.5 */
  zfbScale?: number;
  /**
   * Also polish every start without the flow stage (reported as `<start>/direct`): the flow may pick
   * a spurious basin, the optimum is the best of all. @defaultValue true
   */
  directPolish?: boolean;
  /** Extra seeded random starts (entries N(0, 1)·randomScale·10) polished directly, `direct-1`, …: a cheap global search. @defaultValue 2 */
  directRandomStarts?: number;
  /**
   * Largest d accepted: above it {@link optimumAttention} refuses with an InputError on `d` before
   * any heavy work (the cost grows like d⁵–d⁶: n ≈ d² parameters, O(d³) per evaluation, iteration
   * counts growing with n; at d = 100 one start takes tens of seconds). Memory is O(d²) at any d.
   * @defaultValue {@link MAX_DIMENSION}
   */
  maxDimension?: number;
  /** Called after each start with its outcome (e.g. for a progress line), in the order of `starts`. */
  onProgress?: (progress: AttentionProgress) => void;
}

/** What {@link AttentionOptimumOptions.onProgress} receives after each start. */
export interface AttentionProgress {
  /** 1-based index of the start just finished. */
  readonly done: number;
  /** Number of starts of the run. */
  readonly total: number;
  /** The finished start's report. */
  readonly start: StartResult;
  /** Lowest final risk so far. */
  readonly bestRisk: number;
}

/** Default {@link AttentionOptimumOptions.maxDimension}. */
export const MAX_DIMENSION = 100;

/** A named start point. */
export interface AttentionStart {
  readonly name: string;
  readonly reduced: Reduced;
}

/** The optimum of a class found by {@link optimumAttention}, with the report of every start. */
export interface AttentionOptimum {
  /** Discriminant: the class, `'lsa'` or `'ltb'`. */
  readonly kind: AttentionKind;
  /** The lowest risk R*_LSA or R*_LTB reached over all starts (3.22)–(3.23), unit [y]². */
  readonly risk: number;
  /** Raw weights computing the reduced parameters (models' estimatorFromReduced: exact). */
  readonly estimator: Lsa | Ltb;
  /** The optimum's reduced parameters (β_m [d], p [d+1], Q [d+1, d]) of (2.7); the gauge (2.10) is balanced in the polish's whitened coordinates (‖p̂‖ = ‖Q̂‖_F). */
  readonly reduced: Reduced;
  /** ‖∇R‖ over the raw weights of `estimator` (what `linear-icl risk` reports). */
  readonly gradNorm: number;
  /** ‖∇R‖ over the reduced parameters. */
  readonly reducedGradNorm: number;
  /** The outcome of every start, in order: each named start of `attentionStarts` (then its `/direct` polish), then the `direct-r` random starts. */
  readonly starts: readonly StartResult[];
  /** Name of the start that reached the lowest risk. */
  readonly best: string;
  /** max − min final risk over the starts (0 when every start reached the same level). */
  readonly spread: number;
  /** The GD-β the optimum equals, or why it is not one (math.md §2). */
  readonly effectiveGdBeta: EffectiveGdBeta;
  /** E[y²], the scale of the gradient tolerance. */
  readonly scale: number;
  /** Absolute gradient tolerance of the polish: `gtolRelative`·`scale` (compared with ‖∇R‖ over the whitened reduced parameters). */
  readonly gtol: number;
}

/** Scale of the direct random starts relative to `randomScale` (larger: more diverse basins). */
const DIRECT_SCALE = 10;
/** Offset of the seed of the direct random starts (an independent stream from the named starts'). */
const DIRECT_SEED_OFFSET = 1_000_003;
/** Tolerance of the effective-GD-β reading of the optimum (weights known to ~1e-9·E[y²]). */
const EFFECTIVE_RTOL = 1e-6;

/** The named start points (reduced parameters) of {@link optimumAttention}, in order. */
export function attentionStarts(problem: Problem, kind: AttentionKind, options: AttentionOptimumOptions = {}): AttentionStart[] {
  const { seed = 1, randomStarts = 2, randomScale = 0.1, zfbScale = 0.5 } = options;
  const d = problem.d;
  const starts: AttentionStart[] = [];
  if (kind === 'ltb') starts.push({ name: 'gd-beta', reduced: reducedForm(ltbFromGdBeta(optimumGdBeta(problem).estimator)) });
  starts.push({ name: 'gd0', reduced: reducedForm(lsaFromGd0(optimumGd0(problem).estimator)) });
  const rng = new Rng(seed);
  const Theta: Matrix = { rows: d, cols: d, data: Float64Array.from({ length: d * d }, () => rng.normal()) };
  starts.push({ name: 'zfb', reduced: reducedForm(zfbBalancedStart(Theta, zfbScale)) });
  for (let r = 1; r <= randomStarts; r++) {
    const theta = Float64Array.from({ length: reducedSize(d, kind) }, () => randomScale * rng.normal());
    starts.push({ name: `random-${r}`, reduced: unpackReduced(theta, d, kind) });
  }
  return starts;
}

/**
 * The optimal LSA or LTB of a problem (math.md §4.2; checked by OPT, §5.1), by multi-start flow + L-BFGS + Newton on the
 * exact risk (see the module comment). Returns the best start's risk and raw weights (balanced
 * gauge), every start's outcome and the spread of the final risks. Cost ≈ (starts)·(flow
 * steps·6·MINRES iterations + L-BFGS iterations + CG iterations)·O(d³); memory O(n), n =
 * #parameters ≈ d² (no n×n matrix).
 *
 * @throws {@link InputError} on `d` when d > `maxDimension` (checked first).
 * @throws {@link NumericalError} (CLI exit 3) when every start diverged.
 */
export function optimumAttention(problem: Problem, kind: AttentionKind, options: AttentionOptimumOptions = {}): AttentionOptimum {
  const { seed = 1, randomScale = 0.1, directPolish = true, directRandomStarts = 2, maxDimension = MAX_DIMENSION, onProgress } = options;
  const d = problem.d;
  if (d > maxDimension) {
    throw new InputError('d', `d = ${d} exceeds the limit ${maxDimension} of the numerical LSA/LTB optimum: its work grows like d⁵–d⁶ ` +
      `(≈ d² parameters, O(d³) per risk evaluation; d = 100 takes about a minute on one core, d = 300 hours); ` +
      `raise maxDimension (CLI: --max-dimension) to run it anyway`);
  }
  const ctx = startContext(problem, kind, options);
  const flow = ctx.options.flow;
  const starts = attentionStarts(problem, kind, options);
  const total = starts.length * (flow !== 'none' && directPolish ? 2 : 1) + Math.max(0, directRandomStarts);
  const results: StartOutcome[] = [];
  const push = (r: StartOutcome): void => {
    results.push(r);
    if (onProgress) {
      const { theta: _theta, ...start } = r;
      onProgress({ done: results.length, total, start, bestRisk: Math.min(...results.map((x) => x.risk).filter(Number.isFinite)) });
    }
  };
  for (const start of starts) {
    const theta0 = packReduced(start.reduced, kind);
    push(optimumFromStart(ctx, start.name, theta0));
    // The flow can settle in a spurious basin (observed for LSA: two local minima 0.5% apart, every
    // flow from small starts reaching the higher one), so every start is also polished directly.
    if (flow !== 'none' && directPolish) push(optimumFromStart(ctx, `${start.name}/direct`, theta0, 'none'));
  }
  const rngDirect = new Rng(seed + DIRECT_SEED_OFFSET);
  for (let r = 1; r <= directRandomStarts; r++) {
    const theta0 = Float64Array.from({ length: reducedSize(d, kind) }, () => DIRECT_SCALE * randomScale * rngDirect.normal());
    push(optimumFromStart(ctx, `direct-${r}`, theta0, 'none'));
  }
  let best = results[0]!;
  let worst = -Infinity;
  for (const r of results) {
    if (!Number.isFinite(r.risk)) continue;
    if (r.risk < best.risk || !Number.isFinite(best.risk)) best = r;
    worst = Math.max(worst, r.risk);
  }
  if (!Number.isFinite(best.risk)) throw new NumericalError(`optimum(${kind})`, 'every start diverged (non-finite risk)');
  const reduced = unpackReduced(best.theta, d, kind);
  const estimator = estimatorFromReduced(reduced, kind);
  const raw = riskAttention(problem, estimator);
  let rg2 = 0;
  for (const M of [raw.gradWKQ, raw.gradWPV, raw.gradW1, raw.gradW2]) if (M) for (const v of M.data) rg2 += v * v;
  return {
    kind,
    risk: best.risk,
    estimator,
    reduced,
    gradNorm: Math.sqrt(rg2),
    reducedGradNorm: best.gradNorm,
    starts: results.map(({ theta: _theta, ...r }) => r),
    best: best.name,
    spread: worst - Math.min(...results.map((r) => r.risk).filter(Number.isFinite)),
    effectiveGdBeta: effectiveGdBeta(estimator, { rtol: EFFECTIVE_RTOL }),
    scale: ctx.scale,
    gtol: ctx.gtol,
  };
}
