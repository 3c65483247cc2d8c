/**
 * The claims of Zhang, Wu & Bartlett (ZWB; docs/math.md §5): ZWB-1 every GD-β is an LTB, ZWB-2 the
 * optimal LTB is effectively GD-β*, ZWB-3 LSA's additive error (with -growth, -noise, -limit),
 * ZWB-4 GD-β* against the Bayes risk, and OPT, the cross-check of the numerical LSA/LTB optima those
 * claims rest on. ZWB-5 (the GD-β flow) is in flows.ts.
 *
 * Every check takes a problem (and a label for reports) plus a {@link ClaimContext}; optional
 * `overrides` replace a computed ingredient so that tests can feed wrong inputs and watch it fail.
 */
import { norm2, Rng, toRows, type Matrix } from '../../linalg/index.js';
import {
  effectiveGdBeta, ltbFromGdBeta, predict, predictGdBeta, problemScale, reducedForm, samplePrompt, withProblem, type GdBeta, type Ltb, type Problem,
} from '../../models/index.js';
import { bayesReference, optimumGdBeta, riskAttention, riskGdBeta } from '../../risk/index.js';
import { optimumAttentionProjected } from '../projected.js';
import { matRelErr, relErr, type ClaimContext, type ClaimResult } from './context.js';

/** Overrides of {@link checkGdBetaIsLtb}. */
export interface GdBetaIsLtbOverrides {
  /** The GD-β to embed (default: seeded random Γ ~ 0.3/λ_max·N(0,1), β₀ ~ N(0, 1)). */
  gdBeta?: GdBeta;
  /** The LTB claimed to compute it (default: ltbFromGdBeta(gdBeta), math.md §2). */
  ltb?: Ltb;
  /** Number of random prompts. @defaultValue 200 */
  prompts?: number;
}

/**
 * ZWB-1 — every GD-β is an LTB. A random GD-β and the LTB of math.md §2 (d_f = 1) predict the same
 * on random prompts of the problem: max|f_LTB − f_GDβ| ≤ 1e-12·max|f_GDβ|, and (masked) their
 * closed-form risks agree to 1e-12. Unmasked problems are checked against the unmasked reading of the
 * same weights (GD-β over the M + 1 points with the query's label 0, still divided by M).
 */
export function checkGdBetaIsLtb(problem: Problem, label: string, ctx: ClaimContext, o: GdBetaIsLtbOverrides = {}): ClaimResult {
  const { d, M } = problem;
  const rng = new Rng(ctx.seed);
  let g = o.gdBeta;
  if (!g) {
    const s = 0.3 / problem.lambda[d - 1]!;
    const Gamma: Matrix = { rows: d, cols: d, data: Float64Array.from({ length: d * d }, () => s * rng.normal()) };
    g = { kind: 'gd-beta', Gamma, beta0: Float64Array.from({ length: d }, () => rng.normal()) };
  }
  const ltb = o.ltb ?? ltbFromGdBeta(g);
  const n = o.prompts ?? 200;
  let maxDiff = 0;
  let maxRef = 0;
  for (let k = 0; k < n; k++) {
    const prompt = samplePrompt(problem, rng);
    let ref: number;
    if (problem.masked) {
      ref = predictGdBeta(g, prompt);
    } else {
      // GD-β over M + 1 points, the query with label 0: xᵀ(β₀ + Γ(Xᵀ(y − Xβ₀) − x·xᵀβ₀)/M).
      const { X, y, x } = prompt;
      const grad = new Float64Array(d);
      for (let r = 0; r < M; r++) {
        let res = y[r]!;
        for (let j = 0; j < d; j++) res -= X.data[r * d + j]! * g.beta0[j]!;
        for (let j = 0; j < d; j++) grad[j] += X.data[r * d + j]! * res;
      }
      let xb = 0;
      for (let j = 0; j < d; j++) xb += x[j]! * g.beta0[j]!;
      for (let j = 0; j < d; j++) grad[j] -= x[j]! * xb;
      ref = 0;
      for (let i = 0; i < d; i++) {
        let s = g.beta0[i]!;
        for (let j = 0; j < d; j++) s += (g.Gamma.data[i * d + j]! * grad[j]!) / M;
        ref += x[i]! * s;
      }
    }
    const f = predict(ltb, prompt, problem.masked);
    maxDiff = Math.max(maxDiff, Math.abs(f - ref));
    maxRef = Math.max(maxRef, Math.abs(ref));
  }
  const predictionRelErr = maxRef === 0 ? maxDiff : maxDiff / maxRef;
  const measured: Record<string, number> = { prompts: n, predictionRelErr };
  const tolerance: Record<string, number> = { predictionRelErr: 1e-12 };
  let pass = predictionRelErr <= 1e-12;
  if (problem.masked) {
    measured.riskLtb = riskAttention(problem, ltb, false).risk;
    measured.riskGdBeta = riskGdBeta(problem, g).risk;
    measured.riskRelErr = relErr(measured.riskLtb, measured.riskGdBeta);
    tolerance.riskRelErr = 1e-12;
    pass &&= measured.riskRelErr <= 1e-12;
  }
  return {
    id: 'ZWB-1', title: 'every GD-β is an LTB', problem: label, measured, tolerance, pass,
    criterion: problem.masked
      ? 'max prediction difference ≤ 1e-12·max|f| over random prompts, closed-form risks equal to 1e-12'
      : 'max prediction difference to GD-β over M+1 points (query label 0) ≤ 1e-12·max|f| (unmasked)',
  };
}

/** Overrides of {@link checkOptimalLtbIsGdBeta}. */
export interface OptimalLtbOverrides {
  /** The claimed Γ* (default: the closed form of math.md §3.2). */
  GammaStar?: Matrix;
}

/**
 * ZWB-2 — the optimal LTB is effectively GD-β*: the numerical LTB optimum (ctx.optimum) has
 * R*_LTB = R*_GDβ (relative 1e-9) and its effective GD-β reading (math.md §2: q_y = 0,
 * Γ = p_yQ_xᵀ, β₀ = −p_x/p_y, β_m) matches Γ* (relative Frobenius 1e-6), β₀ = β_m = β*
 * (‖·‖ ≤ 1e-6·max(1, ‖β*‖)). Exact only for masked attention; an unmasked LTB can do better.
 */
export function checkOptimalLtbIsGdBeta(problem: Problem, label: string, ctx: ClaimContext, o: OptimalLtbOverrides = {}): ClaimResult {
  const opt = ctx.optimum(problem, 'ltb');
  const gd = optimumGdBeta(problem);
  const GammaStar = o.GammaStar ?? gd.estimator.Gamma;
  const riskLtb = riskAttention(problem, opt.estimator, false).risk;
  const eff = effectiveGdBeta(opt.estimator, { rtol: 1e-6 });
  const bScale = Math.max(1, norm2(problem.betaStar));
  const measured: Record<string, number> = {
    riskLtb, riskGdBeta: gd.risk, riskRelGap: (riskLtb - gd.risk) / gd.risk, qyNorm: eff.qyNorm,
  };
  let pass = Math.abs(measured.riskRelGap!) <= 1e-9;
  if (eff.estimator) {
    measured.gammaRelErr = matRelErr(eff.estimator.Gamma.data, GammaStar.data);
    const b0 = eff.estimator.beta0.map((v, i) => v - problem.betaStar[i]!);
    measured.beta0Err = norm2(b0) / bScale;
    pass &&= measured.gammaRelErr <= 1e-6 && measured.beta0Err <= 1e-6;
  } else {
    pass = false;
  }
  const { betaM } = reducedForm(opt.estimator);
  measured.betaMErr = norm2(betaM.map((v, i) => v - problem.betaStar[i]!)) / bScale;
  pass &&= measured.betaMErr <= 1e-6 && eff.ok;
  return {
    id: 'ZWB-2', title: 'the optimal LTB is effectively GD-β*', problem: label, measured, pass,
    tolerance: { riskRelGap: 1e-9, gammaRelErr: 1e-6, beta0Err: 1e-6, betaMErr: 1e-6 },
    criterion: '|R*_LTB − R*_GDβ| ≤ 1e-9·R*_GDβ; effective GD-β reading exists with Γ, β₀, β_m within 1e-6 (relative) of Γ*, β*, β*',
    ...(eff.ok ? {} : { note: `not a GD-β: ${eff.reason} (${eff.size.toExponential(3)})` }),
  };
}

/** Relative size of R*_LSA − R*_LTB (over E[y²]) that counts as a positive gap. */
const GAP_RTOL = 1e-8;

/**
 * ZWB-3 — LSA's additive error: R*_LSA − R*_LTB > 1e-8·E[y²] when β* ≠ 0, and |R*_LSA − R*_LTB| ≤
 * 1e-8·E[y²] when β* = 0 (then the optimal LSA is GD-0* = GD-β*). R*_LTB is the closed form R*_GDβ
 * (ZWB-2); R*_LSA the numerical optimum. Also reports 2‖β*‖²_H/(M+2), the gap's σ = Ψ = 0 limit.
 */
export function checkLsaGap(problem: Problem, label: string, ctx: ClaimContext): ClaimResult {
  const lsa = ctx.optimum(problem, 'lsa').risk;
  const ltb = optimumGdBeta(problem).risk;
  const scale = problemScale(problem);
  const gap = lsa - ltb;
  const b2 = problem.betaHNorm2;
  const pass = b2 > 0 ? gap > GAP_RTOL * scale : Math.abs(gap) <= GAP_RTOL * scale;
  return {
    id: 'ZWB-3', title: 'LSA has an irreducible additive error when β* ≠ 0', problem: label, pass,
    measured: { riskLsa: lsa, riskLtb: ltb, gap, gapOverScale: gap / scale, betaHNorm2: b2, zeroNoiseLimit: (2 * b2) / (problem.M + 2) },
    tolerance: { gapOverScale: GAP_RTOL },
    criterion: b2 > 0 ? '(R*_LSA − R*_LTB)/E[y²] > 1e-8 (β* ≠ 0)' : '|R*_LSA − R*_LTB|/E[y²] ≤ 1e-8 (β* = 0: no gap)',
  };
}

/** Overrides of {@link checkLsaGapGrowth}. */
export interface GapGrowthOverrides {
  /** Multipliers of β*. @defaultValue [0.5, 1, 2, 4] */
  factors?: readonly number[];
}

/**
 * ZWB-3 (growth) — the gap grows with ‖β*‖²_H: with β* scaled by each factor (ascending), the gaps
 * R*_LSA − R*_GDβ are strictly increasing (each by more than 1e-8·E[y²] of the larger problem).
 */
export function checkLsaGapGrowth(problem: Problem, label: string, ctx: ClaimContext, o: GapGrowthOverrides = {}): ClaimResult {
  const factors = [...(o.factors ?? [0.5, 1, 2, 4])].sort((a, b) => a - b);
  const measured: Record<string, number> = {};
  let pass = true;
  let prev = -Infinity;
  for (const f of factors) {
    const p = withProblem(problem, { betaStar: Array.from(problem.betaStar, (b) => b * f) });
    const gap = ctx.optimum(p, 'lsa').risk - optimumGdBeta(p).risk;
    measured[`gap@${f}`] = gap;
    measured[`gapOverBetaH2@${f}`] = gap / p.betaHNorm2;
    if (!(gap - prev > GAP_RTOL * problemScale(p))) pass = false;
    prev = gap;
  }
  return {
    id: 'ZWB-3-growth', title: 'the LSA gap grows with ‖β*‖²_H', problem: label, measured, pass,
    tolerance: { increment: GAP_RTOL },
    criterion: `gap(t·β*) strictly increasing over t ∈ {${factors.join(', ')}} (increments > 1e-8·E[y²])`,
  };
}

/** Overrides of {@link checkLsaGapSmallNoise}. */
export interface GapNoiseOverrides {
  /** Multipliers t of (ψ, σ): Ψ → t²Ψ, σ² → t²σ². @defaultValue [1, 0.1, 0.01] */
  levels?: readonly number[];
}

/**
 * ZWB-3 (small noise) — the gap does not vanish as ψ, σ → 0: with Ψ → t²Ψ, σ² → t²σ² for the given
 * levels t, every gap is > 0 and the gap at the smallest t is within 1% of the σ = Ψ = 0 limit
 * 2‖β*‖²_H/(M+2) (masked attention; derived and checked in checkLsaLimit).
 */
export function checkLsaGapSmallNoise(problem: Problem, label: string, ctx: ClaimContext, o: GapNoiseOverrides = {}): ClaimResult {
  const levels = [...(o.levels ?? [1, 0.1, 0.01])].sort((a, b) => b - a);
  const limit = (2 * problem.betaHNorm2) / (problem.M + 2);
  const measured: Record<string, number> = { limit };
  let pass = limit > 0;
  let last = Number.NaN;
  for (const t of levels) {
    const Psi = toRows(problem.Psi).map((r) => r.map((v) => v * t * t));
    const p = withProblem(problem, { Psi, sigma2: problem.sigma2 * t * t });
    last = ctx.optimum(p, 'lsa').risk - optimumGdBeta(p).risk;
    measured[`gap@${t}`] = last;
    if (!(last > GAP_RTOL * problemScale(p))) pass = false;
  }
  measured.relDistanceToLimit = Math.abs(last - limit) / limit;
  pass &&= measured.relDistanceToLimit <= 0.01;
  return {
    id: 'ZWB-3-noise', title: 'the LSA gap does not vanish as ψ, σ → 0', problem: label, measured, pass,
    tolerance: { relDistanceToLimit: 0.01, gapOverScale: GAP_RTOL },
    criterion: 'all gaps > 1e-8·E[y²]; at the smallest level |gap − 2‖β*‖²_H/(M+2)| ≤ 1% of the limit',
  };
}

/**
 * ZWB-3 (exact limit) — at σ = 0, Ψ = 0 (masked): R*_LSA = 2‖β*‖²_H/(M+2) (relative 1e-8) and
 * R*_LTB = 0 (≤ 1e-10·E[y²]).
 *
 * Derivation (verified here numerically rather than assumed): with y = Xβ* exactly, QᵀWp = V*ᵀSw*
 * (w* = p_x + p_yβ*, V* = Q_x + β*q_yᵀ), so LSA predicts xᵀAS w with A, w free. For fixed w the best
 * A gives R = ‖β*‖²_H(1 − (Hw)ᵀ E[Sw wᵀS]⁻¹ Hw), and the Wishart identity
 * E[SwwᵀS] = κHwwᵀH + (wᵀHw/M)H makes the quotient M/(M+2) for every w and H.
 */
export function checkLsaLimit(problem: Problem, label: string, ctx: ClaimContext): ClaimResult {
  const p = withProblem(problem, { Psi: 0, sigma2: 0 });
  const limit = (2 * p.betaHNorm2) / (p.M + 2);
  const lsa = ctx.optimum(p, 'lsa').risk;
  const ltb = ctx.optimum(p, 'ltb').risk;
  const scale = problemScale(p);
  const lsaRelErr = relErr(lsa, limit);
  const pass = lsaRelErr <= 1e-8 && Math.abs(ltb) <= 1e-10 * scale;
  return {
    id: 'ZWB-3-limit', title: 'σ = Ψ = 0: R*_LSA = 2‖β*‖²_H/(M+2), R*_LTB = 0', problem: label, pass,
    measured: { riskLsa: lsa, limit, lsaRelErr, riskLtb: ltb, ltbOverScale: ltb / scale },
    tolerance: { lsaRelErr: 1e-8, ltbOverScale: 1e-10 },
    criterion: '|R*_LSA − 2‖β*‖²_H/(M+2)| ≤ 1e-8 relative and R*_LTB ≤ 1e-10·E[y²] (σ = 0, Ψ = 0)',
  };
}

/** Overrides of {@link checkNearBayes}. */
export interface NearBayesOverrides {
  /** The bound's factor (default 1 + 2ψ²tr(H)/σ²). */
  boundFactor?: number;
}

/** Standard errors of slack when a Monte Carlo estimate is compared with a bound. */
const Z_SLACK = 5;

/**
 * ZWB-4 — GD-β* is nearly Bayes-optimal: for Ψ = ψ²I, σ² > 0, the derived bound
 * R*_GDβ − σ² ≤ (1 + 2ψ²tr(H)/σ²)(R_Bayes − σ²). Certified with the Jensen lower bound of R_Bayes
 * when possible, else with the Monte Carlo estimate − 5 stderr; also checks lower ≤ R*_GDβ and
 * estimate ≤ R*_GDβ + 5 stderr. Reports the excess-risk ratio (R*_GDβ − σ²)/(R_Bayes − σ²): close
 * to 1 only when ψ²tr(H)/σ² is small or M is small — the bound is not "nearly optimal" at high
 * signal-to-noise ratio, where the ratio approaches ~1 + ψ²tr(H)/σ² for large M.
 */
export function checkNearBayes(problem: Problem, label: string, ctx: ClaimContext, o: NearBayesOverrides = {}): ClaimResult {
  const psi2 = problem.psiIsotropic;
  if (psi2 === null || !(problem.sigma2 > 0)) throw new RangeError('checkNearBayes: needs Psi = ψ²I and sigma2 > 0');
  const s2 = problem.sigma2;
  const b = bayesReference(problem, { samples: ctx.bayesSamples, seed: ctx.seed });
  const gd = optimumGdBeta(problem).risk;
  const factor = o.boundFactor ?? 1 + (2 * psi2 * problem.trH) / s2;
  const certifiedLower = Math.max(b.lower, b.estimate - Z_SLACK * b.stderr);
  const boundHolds = gd - s2 <= factor * (certifiedLower - s2) * (1 + 1e-12);
  const consistent = b.lower <= gd * (1 + 1e-12) && b.estimate <= gd + Z_SLACK * b.stderr;
  const ratio = (gd - s2) / (b.estimate - s2);
  return {
    id: 'ZWB-4', title: 'GD-β* is nearly Bayes-optimal (derived bound)', problem: label, pass: boundHolds && consistent,
    measured: {
      riskGdBeta: gd, bayesLower: b.lower, bayesEstimate: b.estimate, bayesStderr: b.stderr, bayesApprox: b.approx,
      excessRatio: ratio, excessRatioUpper: (gd - s2) / (certifiedLower - s2), boundFactor: factor, snr: (psi2 * problem.trH) / s2,
    },
    tolerance: { zSlack: Z_SLACK },
    criterion: 'R*_GDβ − σ² ≤ factor·(max(lower, estimate − 5se) − σ²); lower ≤ R*_GDβ; estimate ≤ R*_GDβ + 5se',
    note: ratio < 1.5 ? 'near Bayes-optimal (excess ratio < 1.5)' : `excess ratio ${ratio.toFixed(2)}: not near Bayes-optimal here (SNR ψ²trH/σ² = ${((psi2 * problem.trH) / s2).toFixed(2)})`,
  };
}

/**
 * OPT — the numerical optima are right: the LSA optimum (ctx.optimum, multi-start L-BFGS) agrees
 * with the independent variable-projection Newton route (src/verify/projected.ts; from GD-0*'s p and
 * three random p's) to 1e-8 relative,
 * and the LTB optimum equals the closed form R*_GDβ to 1e-10 relative (masked problems).
 */
export function checkOptimizer(problem: Problem, label: string, ctx: ClaimContext): ClaimResult {
  const lsa = ctx.optimum(problem, 'lsa').risk;
  const lsaProjected = optimumAttentionProjected(problem, 'lsa', { seed: ctx.seed + 7 }).risk;
  const ltb = ctx.optimum(problem, 'ltb').risk;
  const gd = optimumGdBeta(problem).risk;
  const lsaRelDiff = relErr(lsa, lsaProjected);
  const ltbRelDiff = relErr(ltb, gd);
  return {
    id: 'OPT', title: 'the numerical LSA/LTB optima agree with independent routes', problem: label,
    measured: { riskLsa: lsa, riskLsaProjected: lsaProjected, lsaRelDiff, riskLtb: ltb, riskGdBeta: gd, ltbRelDiff },
    tolerance: { lsaRelDiff: 1e-8, ltbRelDiff: 1e-10 },
    criterion: 'L-BFGS R*_LSA = variable-projection Newton R*_LSA (1e-8); L-BFGS R*_LTB = closed-form R*_GDβ (1e-10)',
    pass: lsaRelDiff <= 1e-8 && ltbRelDiff <= 1e-10,
  };
}

