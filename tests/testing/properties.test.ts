/**
 * The kit's ready properties (src/testing/properties.ts): each passes on the library, and each
 * FAILS on a deliberately broken input — a GD-β → LTB map with a sign flip, an extraction that
 * transposes Γ, a "reparametrisation" that changes the function, a closed form off by 50 %, a
 * perturbed or transposed gradient — so they can fail. Fixed seeds (FC_SEED overrides).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectiveGdBeta, ltbFromGdBeta, type Estimator, type GdBeta, type Ltb, type Problem } from '../../src/models/index.js';
import { risk } from '../../src/risk/index.js';
import type { Matrix } from '../../src/linalg/index.js';
import {
  LTB_REPARAMETRISATIONS, gradientMatchesFiniteDifferences, isLtbOfGdBeta, mlpBasisArb, problemArb, rescaleGauge, riskIsReparametrisationInvariant,
  riskMatchesMonteCarlo, roundTripsEffectiveGdBeta, type LtbReparametrisation, type RiskFunction,
} from '../../src/testing/index.js';
import { propertyParams } from '../helpers/arbitraries.js';

const SEED = 20_240_611;
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, ...propertyParams(numRuns) });

/**
 * Runs a property expected to fail; returns fast-check's report (which names the seed and the
 * path) followed by the property's error message (fast-check attaches it as the cause). No
 * shrinking (`endOnFailure`): the Monte Carlo cases would re-run 10⁴-prompt estimates per step.
 */
function failure<T>(property: fc.IProperty<T>, numRuns: number): string {
  const details = fc.check(property, { seed: SEED, numRuns, endOnFailure: true });
  expect(details.failed, 'the property should fail on the broken input').toBe(true);
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return `${fc.defaultReportMessage(details) ?? ''}\n${cause}`;
}

/** A GD-β → LTB map with one sign flipped: W^{PV}'s last row (+β₀ᵀ, 1) instead of (−β₀ᵀ, 1). */
function signFlippedMap(g: GdBeta): Ltb {
  const ltb = ltbFromGdBeta(g);
  const n = ltb.WPV.rows;
  const WPV = { ...ltb.WPV, data: Float64Array.from(ltb.WPV.data) };
  for (let j = 0; j < n - 1; j++) WPV.data[(n - 1) * n + j] = -WPV.data[(n - 1) * n + j]!;
  return { ...ltb, WPV };
}

/** A correct but non-canonical map: the library's weights in another gauge, with an MLP of width 2. */
function otherCorrectMap(g: GdBeta): Ltb {
  const ltb = rescaleGauge(ltbFromGdBeta(g), -3);
  const n = ltb.W1.cols;
  const W1: Matrix = { rows: 2, cols: n, data: new Float64Array(2 * n) };
  const W2: Matrix = { rows: 2, cols: n, data: new Float64Array(2 * n) };
  // Unit 0: u = e_{d+1} + W₁ᵀ(W₂e_{d+1}) = e_{d+1} + 4·(β₀; 0)·0.25 = (β₀; 1), as before.
  for (let j = 0; j < n; j++) W1.data[j] = 4 * ltb.W1.data[j]!;
  W2.data[n - 1] = 0.25;
  // Unit 1: W₂e_{d+1} = 0, so its output never reaches the read-out.
  W1.data[n] = 7;
  W2.data[n] = -2;
  return { ...ltb, W1, W2 };
}

describe('(a) isLtbOfGdBeta: every GD-β is an LTB (math.md §2.3)', () => {
  it('holds for ltbFromGdBeta on masked problems (predictions and risks) and unmasked ones ((2.16))', () => {
    fc.assert(isLtbOfGdBeta(), params(40));
    fc.assert(isLtbOfGdBeta(ltbFromGdBeta, { problems: { masked: false } }), params(25));
  });

  it("holds for a user's correct, non-canonical map (another gauge, wider MLP)", () => {
    fc.assert(isLtbOfGdBeta(otherCorrectMap, { problems: { masked: [true, false] } }), params(30));
  });

  it('fails for a map with a sign flip, and fast-check reports the seed and the discrepancy', () => {
    const report = failure(isLtbOfGdBeta(signFlippedMap), 40);
    expect(report).toContain(`seed: ${SEED}`);
    expect(report).toMatch(/the LTB predicts .* GD-β \(2\.5\) predicts/);
  });

  it('fails for a map that forgets the MLP (β_m = 0), and for a map of the wrong shape', () => {
    const noMlp = (g: GdBeta): Ltb => {
      const ltb = ltbFromGdBeta(g);
      return { ...ltb, W1: { ...ltb.W1, data: new Float64Array(ltb.W1.data.length) } };
    };
    expect(failure(isLtbOfGdBeta(noMlp), 40)).toMatch(/the LTB predicts/);
    const tooSmall = (g: GdBeta): Ltb => ltbFromGdBeta({ ...g, Gamma: { rows: 1, cols: 1, data: Float64Array.of(1) }, beta0: Float64Array.of(0) });
    expect(failure(isLtbOfGdBeta(tooSmall, { problems: { d: { min: 2, max: 3 } } }), 5)).toMatch(/has shapes WKQ/);
  });
});

describe('(b) roundTripsEffectiveGdBeta: effectiveGdBeta(ltbFromGdBeta(g)) = g (math.md (2.14))', () => {
  it("holds for the library, and for a user's correct non-canonical map", () => {
    fc.assert(roundTripsEffectiveGdBeta(), params(60));
    fc.assert(roundTripsEffectiveGdBeta({ map: otherCorrectMap }), params(40));
  });

  it('fails for the sign-flipped map, and for an extraction that transposes Γ', () => {
    expect(failure(roundTripsEffectiveGdBeta({ map: signFlippedMap }), 40)).toMatch(/β_m ≠ −p_x\/p_y|does not round-trip/);
    const transposing = (ltb: Ltb): GdBeta => {
      const r = effectiveGdBeta(ltb);
      if (!r.ok) throw new Error(r.reason);
      const G = r.estimator.Gamma;
      const T = { rows: G.cols, cols: G.rows, data: new Float64Array(G.data.length) };
      for (let i = 0; i < G.rows; i++) for (let j = 0; j < G.cols; j++) T.data[j * G.rows + i] = G.data[i * G.cols + j]!;
      return { ...r.estimator, Gamma: T };
    };
    expect(failure(roundTripsEffectiveGdBeta({ extract: transposing }), 40)).toMatch(/Γ does not round-trip/);
  });
});

describe('(c) riskIsReparametrisationInvariant (math.md §2.2, (2.10))', () => {
  it('holds for every reparametrisation of the kit, masked and unmasked', () => {
    fc.assert(riskIsReparametrisationInvariant(), params(60));
  });

  it('holds one reparametrisation at a time, including an ill-conditioned MLP basis change (cond ≤ 1e4)', () => {
    for (const r of LTB_REPARAMETRISATIONS) fc.assert(riskIsReparametrisationInvariant({ reparametrisations: [r], problems: { d: { min: 1, max: 3 } } }), params(10));
    const illConditioned: LtbReparametrisation<unknown> = { ...LTB_REPARAMETRISATIONS[1]!, param: mlpBasisArb(1e4) };
    fc.assert(riskIsReparametrisationInvariant({ reparametrisations: [illConditioned] }), params(20));
  });

  it('fails for transformations that change the function: the gauge on W^{PV} alone, and W₁ → A·W₁, W₂ → A·W₂ (A = 2I, not A⁻ᵀ)', () => {
    const wrongGauge: LtbReparametrisation<number> = {
      name: 'gauge-on-WPV-only',
      apply: (ltb, t) => ({ ...ltb, WPV: { ...ltb.WPV, data: ltb.WPV.data.map((x) => t * x) } }),
      param: fc.constantFrom(2, -0.5),
      conditioning: () => 1,
    };
    expect(failure(riskIsReparametrisationInvariant({ reparametrisations: [wrongGauge] }), 40)).toMatch(/'gauge-on-WPV-only' changes the risk/);
    const wrongBasis: LtbReparametrisation<number> = {
      name: 'W2-times-2',
      apply: (ltb) => ({ ...ltb, W1: { ...ltb.W1, data: ltb.W1.data.map((x) => 2 * x) }, W2: { ...ltb.W2, data: ltb.W2.data.map((x) => 2 * x) } }),
      param: fc.constant(0),
      conditioning: () => 1,
    };
    expect(failure(riskIsReparametrisationInvariant({ reparametrisations: [wrongBasis] }), 40)).toMatch(/'W2-times-2' changes the risk/);
  });
});

describe('(d) riskMatchesMonteCarlo: closed form = Monte Carlo within z standard errors', () => {
  it('holds for the library over all four kinds, masked and unmasked', () => {
    fc.assert(riskMatchesMonteCarlo(), params(30));
  });

  it('fails for a closed form off by 50 %, and for the masked formula used on unmasked problems', () => {
    const offBy50: RiskFunction = (p, e) => {
      const r = risk(p, e);
      return { risk: 1.5 * r.risk, gradient: r.gradient };
    };
    expect(failure(riskMatchesMonteCarlo({ riskFn: offBy50 }), 30)).toMatch(/standard errors > z = 5/);
    const maskAlways: RiskFunction = (p: Problem, e: Estimator) => risk({ ...p, masked: true }, e);
    expect(
      failure(riskMatchesMonteCarlo({ riskFn: maskAlways, problems: { masked: false, d: 2, M: 2, sigma2: 0.1, betaStarNorm: 1 }, samples: 20_000 }), 20),
    ).toMatch(/standard errors > z = 5/);
  });
});

describe('(e) gradientMatchesFiniteDifferences: the closed-form gradient = central differences', () => {
  it('holds for the library over all four kinds, masked and unmasked', () => {
    fc.assert(gradientMatchesFiniteDifferences(), params(60));
  });

  it('fails for a gradient perturbed by 0.1 %, for a transposed ∂R/∂Γ and for a missing block', () => {
    const scaled = (s: number): RiskFunction => (p, e) => {
      const r = risk(p, e);
      const gradient: Record<string, Matrix | Float64Array> = {};
      for (const [k, g] of Object.entries(r.gradient)) gradient[k] = g instanceof Float64Array ? g.map((x) => s * x) : { ...g, data: g.data.map((x) => s * x) };
      return { risk: r.risk, gradient };
    };
    expect(failure(gradientMatchesFiniteDifferences({ riskFn: scaled(1.001) }), 40)).toMatch(/central differences give/);
    const transposed: RiskFunction = (p, e) => {
      const r = risk(p, e);
      const G = 'Gamma' in r.gradient ? r.gradient.Gamma : undefined;
      if (G === undefined || G instanceof Float64Array) return r;
      const T = { rows: G.cols, cols: G.rows, data: new Float64Array(G.data.length) };
      for (let i = 0; i < G.rows; i++) for (let j = 0; j < G.cols; j++) T.data[j * G.rows + i] = G.data[i * G.cols + j]!;
      return { risk: r.risk, gradient: { ...r.gradient, Gamma: T } };
    };
    expect(failure(gradientMatchesFiniteDifferences({ riskFn: transposed, problems: { d: { min: 2, max: 4 } } }), 40)).toMatch(/central differences give/);
    const missing: RiskFunction = (p, e) => {
      const r = risk(p, e);
      const { W2: _dropped, ...gradient } = r.gradient as Record<string, Matrix | Float64Array>;
      return { risk: r.risk, gradient };
    };
    expect(failure(gradientMatchesFiniteDifferences({ riskFn: missing, estimators: () => fc.constant(ltbFromGdBeta({ kind: 'gd-beta', Gamma: { rows: 2, cols: 2, data: Float64Array.of(1, 0, 0, 1) }, beta0: Float64Array.of(1, 2) })), problems: { d: 2 } }), 3)).toMatch(
      /no entry 'W2'/,
    );
  });
});

describe('problem sources', () => {
  it('accept an arbitrary as well as problemArb options', () => {
    fc.assert(isLtbOfGdBeta(ltbFromGdBeta, { problems: problemArb({ d: 2, M: 3 }), prompts: 2 }), params(10));
  });
});
