/**
 * Every claim check passes on correct inputs and FAILS on deliberately wrong ones (an LSA passed
 * as the LTB optimum, a perturbed Γ*, a wrong η, an unmasked problem where ZWB-2 is not exact, …).
 */
import { describe, expect, it } from 'vitest';
import { ltbFromGdBeta, makeProblem, type Problem } from '../../src/models/index.js';
import { optimumGdBeta } from '../../src/risk/index.js';
import {
  checkAcds, checkGdBetaIsLtb, checkLsaGap, checkLsaGapGrowth, checkLsaGapSmallNoise, checkLsaLimit, checkMhm1, checkMhm2,
  checkMhmNonlinear, checkNearBayes, checkOptimalLtbIsGdBeta, checkOptimizer, claimContext, gammaStarEq35, gd0AsLsa,
  type AttentionClassOptimum,
} from '../../src/verify/index.js';
import { checkGdBetaFlow, checkZfb } from '../../src/verify/index.js';
import { RESPONSES } from '../../src/verify/index.js';
import { optimumGd0 } from '../../src/risk/index.js';
import type { AttentionKind as AttentionClass } from '../../src/models/index.js';
import { relDiffArray } from '../helpers/problems.js';

const ctx = claimContext({ bayesSamples: 4000, mcSamples: 20_000 });
/** A small non-isotropic problem (H, Ψ not commuting, β* ≠ 0). */
const P = makeProblem({
  d: 3, M: 8, H: [[2, 0.3, 0], [0.3, 1, 0.1], [0, 0.1, 0.5]], Psi: [[1, 0.2, 0], [0.2, 0.6, 0], [0, 0, 0.3]], betaStar: [1, -2, 0.5], sigma2: 0.3,
});
/** ZWB's isotropic setting, small. */
const ISO = makeProblem({ d: 3, M: 8, H: 1, Psi: 1, betaStar: 3, sigma2: 0.25 });

/** A context whose optimum of `cls` is replaced by `wrong`. */
function injecting(cls: AttentionClass, wrong: (p: Problem) => AttentionClassOptimum) {
  return claimContext({ optimum: (p, c) => (c === cls ? wrong(p) : ctx.optimum(p, c)) });
}
/** The LTB optimum's risk and weights presented as the LSA optimum (no additive error). */
const ltbAsLsa = (p: Problem): AttentionClassOptimum => ({ risk: optimumGdBeta(p).risk, estimator: ctx.optimum(p, 'ltb').estimator });

function perturb<T extends { data: Float64Array }>(A: T, eps = 1e-3): T {
  return { ...A, data: A.data.map((v, i) => (i === 0 ? v + eps * (1 + Math.abs(v)) : v)) };
}

describe('ZWB-1: every GD-β is an LTB', () => {
  it('passes on masked and unmasked problems, and in its closed-form risks', () => {
    const r = checkGdBetaIsLtb(P, 'P', ctx);
    expect(r.pass, JSON.stringify(r.measured)).toBe(true);
    expect(r.measured.riskRelErr).toBeLessThan(1e-12);
    expect(checkGdBetaIsLtb(makeProblem({ ...ISOspec(), masked: false }), 'unmasked', ctx).pass).toBe(true);
  });
  it('fails when the LTB weights are wrong', () => {
    const g = optimumGdBeta(P).estimator;
    const ltb = ltbFromGdBeta(g);
    expect(checkGdBetaIsLtb(P, 'P', ctx, { gdBeta: g, ltb: { ...ltb, W1: perturb(ltb.W1, 1e-6) } }).pass).toBe(false);
  });
});

function ISOspec() {
  return { d: 3, M: 8, H: 1, Psi: 1, betaStar: 3, sigma2: 0.25 };
}

describe('ZWB-2: the optimal LTB is effectively GD-β*', () => {
  it('passes on a non-isotropic masked problem', () => {
    const r = checkOptimalLtbIsGdBeta(P, 'P', ctx);
    expect(r.pass, JSON.stringify(r.measured)).toBe(true);
  });
  it('fails with an LSA passed as the LTB optimum', () => {
    const r = checkOptimalLtbIsGdBeta(P, 'P', injecting('ltb', gd0AsLsa));
    expect(r.pass).toBe(false);
    expect(r.measured.riskRelGap).toBeGreaterThan(1e-3);
  });
  it('fails against a perturbed Γ*', () => {
    const r = checkOptimalLtbIsGdBeta(P, 'P', ctx, { GammaStar: perturb(optimumGdBeta(P).estimator.Gamma) });
    expect(r.pass).toBe(false);
    expect(r.measured.gammaRelErr).toBeGreaterThan(1e-6);
  });
  it('fails on an unmasked problem, where the LTB optimum is not GD-β*', () => {
    const un = makeProblem({ d: 2, M: 6, H: [1, 2], Psi: 1, betaStar: [1, -1], sigma2: 0.25, masked: false });
    const r = checkOptimalLtbIsGdBeta(un, 'unmasked', ctx);
    expect(r.pass).toBe(false);
    expect(Math.abs(r.measured.riskRelGap!)).toBeGreaterThan(1e-3);
  });
});

describe('ZWB-3: LSA’s additive error', () => {
  it('gap > 0, grows with ‖β*‖²_H, tends to 2‖β*‖²_H/(M+2) as ψ, σ → 0, and equals it at σ = Ψ = 0', () => {
    for (const r of [checkLsaGap(P, 'P', ctx), checkLsaGapGrowth(P, 'P', ctx, { factors: [0.5, 1, 2] }), checkLsaGapSmallNoise(P, 'P', ctx), checkLsaLimit(P, 'P', ctx)]) {
      expect(r.pass, `${r.id} ${JSON.stringify(r.measured)}`).toBe(true);
    }
  });
  it('β* = 0: no gap (the optimal LSA is GD-0* = GD-β*), which the check also verifies', () => {
    const r = checkLsaGap(makeProblem({ ...ISOspec(), betaStar: 0 }), 'beta0', ctx);
    expect(r.pass).toBe(true);
    expect(Math.abs(r.measured.gap!)).toBeLessThan(1e-10);
  });
  it('fails when the LTB optimum is passed as the LSA optimum', () => {
    const bad = injecting('lsa', ltbAsLsa);
    expect(checkLsaGap(P, 'P', bad).pass).toBe(false);
    expect(checkLsaGapGrowth(P, 'P', bad, { factors: [1, 2] }).pass).toBe(false);
    expect(checkLsaGapSmallNoise(P, 'P', bad, { levels: [1, 0.01] }).pass).toBe(false);
    expect(checkLsaLimit(P, 'P', bad).pass).toBe(false);
    // (GD-0* posing as the LSA optimum would NOT fail the limit: at σ = Ψ = 0 the bound
    // 1 − M/(M+2) holds for every w, so GD-0* is itself an optimal LSA there.)
    expect(checkLsaLimit(P, 'P', injecting('lsa', gd0AsLsa)).pass).toBe(true);
  });
});

describe('ZWB-4: near Bayes-optimality of GD-β*', () => {
  it('the derived bound holds; the excess ratio is honest (large at high SNR, near 1 at low SNR)', () => {
    const hi = checkNearBayes(ISO, 'ISO', ctx);
    expect(hi.pass, JSON.stringify(hi.measured)).toBe(true);
    expect(hi.measured.excessRatio).toBeGreaterThan(2);
    const lo = checkNearBayes(makeProblem({ ...ISOspec(), sigma2: 25 }), 'noisy', ctx);
    expect(lo.pass).toBe(true);
    expect(lo.measured.excessRatio).toBeLessThan(1.2);
  });
  it('fails with a bound factor that is too small', () => {
    expect(checkNearBayes(ISO, 'ISO', ctx, { boundFactor: 1 }).pass).toBe(false);
  });
});

describe('ZWB-5 and ZFB: gradient flows', () => {
  it('ZWB-5 passes: the GD-β flow reaches the optimum at the predicted rate', () => {
    const r = checkGdBetaFlow(P, 'P', ctx);
    expect(r.pass, JSON.stringify(r.measured)).toBe(true);
  });
  it('ZFB passes with the claimed limit and fails with a perturbed Γ', () => {
    const q = makeProblem({ d: 2, M: 6, H: [2, 0.5] });
    const ok = checkZfb(q, 'zfb', ctx);
    expect(ok.pass, JSON.stringify(ok.measured)).toBe(true);
    const G = { rows: 2, cols: 2, data: Float64Array.from([(1 + 1 / 6) * 2 + 2.5 / 6, 0, 0, (1 + 1 / 6) * 0.5 + 2.5 / 6]) };
    expect(checkZfb(q, 'zfb', ctx, { Gamma: G }).pass).toBe(true); // the same Γ written out by hand
    expect(checkZfb(q, 'zfb', ctx, { Gamma: perturb(G) }).pass).toBe(false);
  });
});

describe('MHM and ACDS', () => {
  it('MHM-1 passes and fails with a wrong η', () => {
    expect(checkMhm1(ISO, 'ISO', ctx).pass).toBe(true);
    expect(checkMhm1(ISO, 'ISO', ctx, { eta: 0.9 * 8 / (8 + 3 + 1 + 0.25) }).pass).toBe(false);
  });
  it('MHM-2 passes (risk independent of Σ) and fails with a wrong η', () => {
    expect(checkMhm2(P, 'P', ctx).pass).toBe(true);
    expect(checkMhm2(P, 'P', ctx, { eta: 0.5 }).pass).toBe(false);
  });
  it('§3.5’s Γ* = KH𝒜⁻¹ equals §3.2’s GD-0 optimum on a non-isotropic problem', () => {
    expect(relDiffArray(gammaStarEq35(P).data, optimumGd0(P).estimator.Gamma.data)).toBeLessThan(1e-12);
  });
  it('MHM-NL passes for sign, ReLU and z + z², and fails with a wrong η', () => {
    for (const g of [RESPONSES.sign, RESPONSES.relu, RESPONSES.poly]) {
      const r = checkMhmNonlinear(ISO, 'ISO', ctx, g);
      expect(r.pass, `${g.name} ${JSON.stringify(r.measured)}`).toBe(true);
    }
    const good = checkMhmNonlinear(ISO, 'ISO', ctx, RESPONSES.relu);
    expect(checkMhmNonlinear(ISO, 'ISO', ctx, RESPONSES.relu, { eta: 0.5 * good.measured.eta! }).pass).toBe(false);
  });
  it('ACDS passes and fails with a perturbed Γ*', () => {
    expect(checkAcds(P, 'P', ctx).pass).toBe(true);
    const G = optimumGd0(makeProblem({ d: 3, M: 8, H: [[2, 0.3, 0], [0.3, 1, 0.1], [0, 0.1, 0.5]], Psi: 1, betaStar: 0, sigma2: 0 })).estimator.Gamma;
    expect(checkAcds(P, 'P', ctx, { Gamma: perturb(G) }).pass).toBe(false);
  });
});

describe('OPT: optimiser cross-check', () => {
  it('passes, and fails when a wrong optimum is injected', () => {
    expect(checkOptimizer(P, 'P', ctx).pass).toBe(true);
    expect(checkOptimizer(P, 'P', injecting('ltb', gd0AsLsa)).pass).toBe(false);
    expect(checkOptimizer(P, 'P', injecting('lsa', gd0AsLsa)).pass).toBe(false);
  });
});
