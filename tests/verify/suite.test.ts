import { describe, expect, it } from 'vitest';
import { NumericalError } from '../../src/errors.js';
import { InputError } from '../../src/errors.js';
import { makeProblem } from '../../src/models/index.js';
import { optimumGdBeta, riskReduced } from '../../src/risk/index.js';
import { claimContext } from '../../src/verify/index.js';
import { float64Arith, gdBetaOptimumIn, preciseCheck, reducedRiskIn } from '../../src/verify/precise.js';
import { DEFAULT_SUITE_JSON, defaultSuite, parseSuite, runSuite } from '../../src/verify/suite.js';
import { Rng } from '../../src/linalg/index.js';
import { randomProblem, relDiff } from '../helpers/problems.js';

function fieldOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.field;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('suite schema', () => {
  it('the embedded default suite parses, with ZWB M ∈ {5, …, 80} and every claim id present', () => {
    const s = defaultSuite();
    expect(s.problems.map((p) => p.name)).toEqual(expect.arrayContaining(['zwb-M5', 'zwb-M80', 'aniso', 'mhm', 'acds-zfb']));
    const ids = new Set(s.problems.flatMap((p) => p.claims ?? []));
    for (const id of ['ZWB-1', 'ZWB-2', 'ZWB-3', 'ZWB-3-growth', 'ZWB-3-noise', 'ZWB-3-limit', 'ZWB-4', 'ZWB-5', 'OPT', 'MHM-1', 'MHM-2', 'MHM-NL', 'ACDS', 'ZFB']) {
      expect(ids.has(id), id).toBe(true);
    }
    expect(s.figures?.M).toEqual([5, 10, 20, 40, 80]);
    expect(DEFAULT_SUITE_JSON.problems.length).toBe(s.problems.length);
  });

  it('accepts a bare array of problems; defaults run every applicable claim (masked-only claims only when masked)', () => {
    const s = parseSuite([{ name: 'u', d: 2, M: 3, masked: false, Psi: [1, 0], sigma2: 0 }]);
    expect(s.problems[0]!.claims).toBeNull();
    const run = runSuite({ ...s, problems: s.problems }, { ctx: claimContext({ mcSamples: 200 }) });
    const ran = run.results.map((r) => r.id);
    expect(ran).toContain('ZWB-1');
    expect(ran).not.toContain('ZWB-2');
    expect(run.skipped.map((k) => k.claim)).toEqual(expect.arrayContaining(['ZWB-4', 'ZWB-5']));
  });

  it('a check that throws is recorded with its error — not passed, and not counted as a failed claim', () => {
    const s = parseSuite({ problems: [{ name: 'p', d: 2, M: 4, betaStar: 1, sigma2: 0.1, claims: ['ZWB-1', 'ZWB-3', 'OPT'] }], figures: false });
    const ctx = claimContext({
      optimum: (p) => {
        if (p.d === 2) throw new NumericalError('optimum(lsa)', 'optimiser exploded');
        throw new Error('unreachable');
      },
    });
    const run = runSuite(s, { ctx });
    expect(run.results.map((r) => [r.id, r.pass])).toEqual([['ZWB-1', true], ['ZWB-3', false], ['OPT', false]]);
    expect(run.results[1]!.error).toEqual({ kind: 'numerical', message: 'optimum(lsa): optimiser exploded' });
    expect(run.results[0]!.error).toBeUndefined();
    expect(run.pass).toBe(false);
    expect(run.failed).toBe(0);
    expect(run.errors).toBe(2);
  });

  it('schema errors name the field', () => {
    const ok = { name: 'a', d: 2, M: 4 };
    expect(fieldOf(() => parseSuite({}))).toBe('problems');
    expect(fieldOf(() => parseSuite({ problems: [ok], extra: 1 }))).toBe('extra');
    expect(fieldOf(() => parseSuite({ problems: [{ d: 2, M: 4 }] }))).toBe('problems[0].name');
    expect(fieldOf(() => parseSuite({ problems: [ok, { ...ok }] }))).toBe('problems[1].name');
    expect(fieldOf(() => parseSuite({ problems: [ok, { ...ok, name: 'b', M: 0 }] }))).toBe('problems[1].M');
    expect(fieldOf(() => parseSuite({ problems: [{ ...ok, H: [[1, 2], [0, 1]] }] }))).toBe('problems[0].H');
    expect(fieldOf(() => parseSuite({ problems: [{ ...ok, claims: ['ZWB-1', 'ZWB-9'] }] }))).toBe('problems[0].claims[1]');
    expect(fieldOf(() => parseSuite({ problems: [{ ...ok, Psi: [1, 2], sigma2: 1, claims: ['ZWB-4'] }] }))).toBe('problems[0].claims[0]');
    expect(fieldOf(() => parseSuite({ claims: ['ZWB-4'], problems: [{ ...ok, sigma2: 0 }] }))).toBe('claims[0]');
    expect(fieldOf(() => parseSuite({ problems: [ok], seed: -1 }))).toBe('seed');
    expect(fieldOf(() => parseSuite({ problems: [ok], figures: { M: [2, 0] } }))).toBe('figures.M[1]');
    expect(fieldOf(() => parseSuite({ problems: [ok], figures: { problem: { d: 2, Psi: -1 } } }))).toBe('figures.problem.Psi');
  });
});

describe('--precise closed forms', () => {
  it('the generic transcription in float64 reproduces src/risk (§3.2, §3.3 masked and unmasked)', () => {
    for (const masked of [true, false]) {
      const p = randomProblem(new Rng(masked ? 1 : 2), 3, 6, { masked });
      const rng = new Rng(3);
      const red = {
        betaM: Float64Array.from({ length: 3 }, () => rng.normal()),
        p: Float64Array.from({ length: 4 }, () => rng.normal()),
        Q: { rows: 4, cols: 3, data: Float64Array.from({ length: 12 }, () => rng.normal()) },
      };
      expect(relDiff(reducedRiskIn(float64Arith, p, red), riskReduced(p, red).risk)).toBeLessThan(1e-12);
      expect(relDiff(gdBetaOptimumIn(float64Arith, p).risk, optimumGdBeta(p).risk)).toBeLessThan(1e-12);
    }
  });

  it('float64 closed forms agree with 50-digit evaluations to ~1e-15; the GD-β/LTB identity holds to 1e-40', async () => {
    const p = makeProblem({ d: 3, M: 7, H: [2, 1, 0.5], Psi: 1, betaStar: [1, -1, 2], sigma2: 0.3 });
    const [r] = await preciseCheck([{ name: 'p', problem: p }], claimContext());
    for (const v of [r!.gdBetaOptimum, r!.gdBetaRisk, r!.ltbRiskAtGdBeta, r!.ltbRiskAtOptimum]) expect(v).toBeLessThan(1e-13);
    expect(r!.identityAt50Digits).toBeLessThan(1e-40);
  });
});
