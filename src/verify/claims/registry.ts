/**
 * The claim catalogue (docs/math.md §5) as one registry: each entry names a claim, says when it
 * applies to a problem, and runs it. The checks live by source: zwb.ts, mhm.ts, acds-zfb.ts,
 * flows.ts, multistep.ts (L-step GD-β), training.ts (sampled training judged on exact risks).
 */
import { eigvalsh } from '../../linalg/index.js';
import { lsaFromGd0, type Problem } from '../../models/index.js';
import { optimumGd0, riskAttention } from '../../risk/index.js';
import { checkAcds, checkZfb } from './acds-zfb.js';
import type { ClaimContext, ClaimResult, AttentionClassOptimum } from './context.js';
import { checkGdBetaFlow } from './flows.js';
import { checkMhm1, checkMhm2, checkMhmNonlinear } from './mhm.js';
import { checkMultistepBeta0, checkMultistepCommute, checkMultistepDecrease, GDL_MAX_D } from './multistep.js';
import { RESPONSES } from './responses.js';
import { checkStackTraining, checkTrainingShape } from './training.js';
import {
  checkGdBetaIsLtb, checkLsaGap, checkLsaGapGrowth, checkLsaGapSmallNoise, checkLsaLimit, checkNearBayes, checkOptimalLtbIsGdBeta, checkOptimizer,
} from './zwb.js';

/** One entry of the catalogue: how to run a claim on a problem of a suite. */
export interface ClaimSpec {
  /** Catalogue id (docs/math.md §5.1), e.g. `ZWB-2`. */
  readonly id: string;
  /** One-line statement of the claim. */
  readonly title: string;
  /** Hard precondition: null when the check can run on the problem, else why not. */
  readonly applies: (problem: Problem) => string | null;
  /**
   * Whether the claim is run when a suite problem names no claims (default: when it applies).
   * Claims stated for masked attention (ZWB-2, ZWB-3, OPT) run on unmasked problems only when asked
   * for explicitly — and are then expected to fail (e.g. the unmasked LTB optimum is not GD-β*).
   */
  readonly byDefault?: (problem: Problem) => boolean;
  /** Runs the check on a problem labelled `label`; returns one result per checked statement (a claim may report several). */
  readonly run: (problem: Problem, label: string, ctx: ClaimContext) => ClaimResult[];
}

const isMasked = (p: Problem): boolean => p.masked;
/** The GD-β^L claims run only when a suite names them (their optima cost ≈ 1 s per problem at d = 3). */
const onlyWhenNamed = (): boolean => false;
const smallD = (p: Problem): string | null => (p.d <= GDL_MAX_D ? null : `needs d ≤ ${GDL_MAX_D} (the GD-β^L optimum has d + 3d² parameters and a dense finite-difference Hessian)`);
const nonzeroBeta = (p: Problem): string | null => (!p.masked ? 'needs masked attention (masked: true)' : p.betaHNorm2 > 0 ? null : 'needs β* ≠ 0');

/** The catalogue of docs/math.md §5.1, in report order (ZWB-5 and ZFB live in src/verify/claims/flows.ts). */
export const CLAIMS: readonly ClaimSpec[] = [
  { id: 'ZWB-1', title: 'every GD-β is an LTB', applies: () => null, run: (p, l, c) => [checkGdBetaIsLtb(p, l, c)] },
  { id: 'ZWB-2', title: 'the optimal LTB is effectively GD-β*', applies: () => null, byDefault: isMasked, run: (p, l, c) => [checkOptimalLtbIsGdBeta(p, l, c)] },
  { id: 'ZWB-3', title: 'LSA has an irreducible additive error when β* ≠ 0', applies: () => null, byDefault: isMasked, run: (p, l, c) => [checkLsaGap(p, l, c)] },
  { id: 'ZWB-3-growth', title: 'the LSA gap grows with ‖β*‖²_H', applies: nonzeroBeta, run: (p, l, c) => [checkLsaGapGrowth(p, l, c)] },
  { id: 'ZWB-3-noise', title: 'the LSA gap does not vanish as ψ, σ → 0', applies: nonzeroBeta, run: (p, l, c) => [checkLsaGapSmallNoise(p, l, c)] },
  { id: 'ZWB-3-limit', title: 'σ = Ψ = 0: R*_LSA = 2‖β*‖²_H/(M+2)', applies: nonzeroBeta, run: (p, l, c) => [checkLsaLimit(p, l, c)] },
  {
    id: 'ZWB-4', title: 'GD-β* is nearly Bayes-optimal (derived bound)',
    applies: (p) => (p.psiIsotropic !== null && p.sigma2 > 0 ? null : 'needs Psi = ψ²I and sigma2 > 0'),
    run: (p, l, c) => [checkNearBayes(p, l, c)],
  },
  {
    id: 'ZWB-5', title: 'gradient flow on GD-β reaches the global optimum',
    applies: (p) => (eigvalsh(p.Psi, 'Psi')[0]! > 1e-12 * Math.max(1, p.t1) ? null : 'needs Psi positive definite (unique critical point)'),
    run: (p, l, c) => [checkGdBetaFlow(p, l, c)],
  },
  { id: 'OPT', title: 'the numerical optima agree with independent routes', applies: () => null, byDefault: isMasked, run: (p, l, c) => [checkOptimizer(p, l, c)] },
  { id: 'MHM-1', title: 'MHM Thm 1: Γ* = ηI, one-step GD is the optimal LSA', applies: () => null, run: (p, l, c) => [checkMhm1(p, l, c)] },
  { id: 'MHM-2', title: 'MHM Thm 2: Γ* = ηΣ⁻¹, risk independent of Σ', applies: () => null, run: (p, l, c) => [checkMhm2(p, l, c)] },
  {
    id: 'MHM-NL', title: 'MHM nonlinear responses: η_NL by quadrature, checked by Monte Carlo', applies: () => null,
    run: (p, l, c) => [RESPONSES.sign, RESPONSES.relu, RESPONSES.poly].map((r) => checkMhmNonlinear(p, l, c, r)),
  },
  { id: 'ACDS', title: 'ACDS: Γ* = ((1+1/M)H + trH/M·I)⁻¹', applies: () => null, run: (p, l, c) => [checkAcds(p, l, c)] },
  { id: 'ZFB', title: 'ZFB flow: conservation law, monotone loss, limit', applies: () => null, run: (p, l, c) => [checkZfb(p, l, c)] },
  {
    id: 'TRAIN-1', title: 'trained as in ZWB Fig. 1: the LTB reaches R*_GDβ, the LSA plateaus at R*_LSA (exact risks)',
    applies: (p) => (p.masked && p.betaHNorm2 > 0 ? null : 'needs masked attention and β* ≠ 0 (the LSA gap of ZWB-3)'), byDefault: onlyWhenNamed,
    run: (p, l, c) => [checkTrainingShape(p, l, c)],
  },
  {
    id: 'STACK-1', title: 'a trained 2-layer linear transformer against the exact R*_2 of 2-step GD-β',
    applies: (p) => (p.masked ? smallD(p) : 'needs masked attention (the stack of (2.19))'), byDefault: onlyWhenNamed,
    run: (p, l, c) => [checkStackTraining(p, l, c)],
  },
  {
    id: 'GDL-1', title: 'the optimal L-step GD-β risk R*_L decreases with L toward the Bayes risk',
    applies: (p) => (p.sigma2 > 0 ? smallD(p) : 'needs sigma2 > 0 (the Bayes reference)'), byDefault: onlyWhenNamed,
    run: (p, l, c) => [checkMultistepDecrease(p, l, c)],
  },
  { id: 'GDL-2', title: 'the optimal start stays β₀* = β* for every L', applies: smallD, byDefault: onlyWhenNamed, run: (p, l, c) => [checkMultistepBeta0(p, l, c)] },
  {
    id: 'GDL-3', title: 'with Ψ = ψ²I the optimal steps commute with H; general Ψ recorded', applies: smallD, byDefault: onlyWhenNamed,
    run: (p, l, c) => [checkMultistepCommute(p, l, c)],
  },
];

/** The ids of the catalogue, in order. */
export const CLAIM_IDS: readonly string[] = CLAIMS.map((c) => c.id);

/** The LSA built from the closed-form GD-0 optimum (a convenient wrong "LTB optimum" in tests). */
export function gd0AsLsa(problem: Problem): AttentionClassOptimum {
  const est = lsaFromGd0(optimumGd0(problem).estimator);
  return { risk: riskAttention(problem, est, false).risk, estimator: est };
}
