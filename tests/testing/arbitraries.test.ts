/**
 * The kit's arbitraries (src/testing): problems have the requested shape, condition number of H
 * (measured from the eigenvalues), kind of Ψ, ‖β*‖, σ² and mask, and nothing is ever NaN or ±∞;
 * weights and prompts have the documented shapes and bounds; a seed replays a problem exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, eigvalsh, type Matrix } from '../../src/linalg/index.js';
import { problemToJSON, type Problem } from '../../src/models/index.js';
import {
  conditionedMatrix, estimatorArb, gd0Arb, gdBetaArb, logUniformSpectrum, lsaArb, ltbArb, problemArb, promptArb, randomProblem, type PsiKind,
} from '../../src/testing/index.js';
import { propertyParams } from '../helpers/arbitraries.js';
import { EPS } from '../helpers/tolerance.js';

/** Fixed seed (FC_SEED overrides, see tests/helpers/arbitraries.ts). */
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: 0x5eed, ...propertyParams(numRuns) });

function allFinite(...arrays: ArrayLike<number>[]): boolean {
  return arrays.every((a) => Array.from(a).every(Number.isFinite));
}

/**
 * The kind of Ψ, read off its eigenvalues (zero below 64·d·ε·λ_max): rank 0 'zero', rank < d
 * 'singular', else 'general' — or 'isotropic' when makeProblem detected Ψ = ψ²I exactly (a
 * 'general' Ψ with cond 1 can round to exactly ψ²I too, so 'general' accepts both).
 */
function psiKindOf(p: Problem): { kind: PsiKind; rank: number; cond: number } {
  const mu = eigvalsh(p.Psi);
  const top = Math.max(0, mu[p.d - 1]!);
  const positive = Array.from(mu).filter((m) => m > 64 * p.d * EPS * top);
  if (positive.length === 0) return { kind: 'zero', rank: 0, cond: 1 };
  const cond = positive[positive.length - 1]! / positive[0]!;
  if (p.psiIsotropic !== null) return { kind: 'isotropic', rank: p.d, cond: 1 };
  return { kind: positive.length === p.d ? 'general' : 'singular', rank: positive.length, cond };
}

const accepts: Record<PsiKind, PsiKind[]> = { isotropic: ['isotropic'], general: ['general', 'isotropic'], zero: ['zero'], singular: ['singular'] };

describe('problemArb: the requested shape, cond(H), Ψ kind, β*, σ², mask', () => {
  it('defaults: d ∈ [1, 4], M ∈ [1, 12], cond(H) ≤ 100, masked, all finite', () => {
    fc.assert(
      fc.property(problemArb(), (p) => {
        expect(p.d).toBeGreaterThanOrEqual(1);
        expect(p.d).toBeLessThanOrEqual(4);
        expect(p.M).toBeGreaterThanOrEqual(1);
        expect(p.M).toBeLessThanOrEqual(12);
        expect(p.masked).toBe(true);
        const lambda = eigvalsh(p.H);
        expect(lambda[0]!).toBeGreaterThan(0);
        expect(lambda[p.d - 1]! / lambda[0]!).toBeLessThanOrEqual(100 * (1 + 64 * p.d * EPS * 100));
        expect(allFinite(p.H.data, p.Psi.data, p.betaStar, [p.sigma2, p.t1, p.t2])).toBe(true);
      }),
      params(60),
    );
  });

  it('ranges and lists are honoured, and cond(H) measured from the eigenvalues is the requested one', () => {
    const options = {
      d: { min: 2, max: 5 }, M: { min: 3, max: 7 }, minCondH: 1e3, maxCondH: 1e3, hScale: { min: 0.1, max: 10 },
      psi: ['general', 'singular'] as PsiKind[], maxCondPsi: 50, betaStarNorm: { min: 1, max: 2 }, sigma2: { min: 0.5, max: 0.75 },
      masked: [false],
    };
    fc.assert(
      fc.property(problemArb(options), (p) => {
        expect(p.d >= 2 && p.d <= 5 && p.M >= 3 && p.M <= 7).toBe(true);
        expect(p.masked).toBe(false);
        const lambda = eigvalsh(p.H);
        const cond = lambda[p.d - 1]! / lambda[0]!;
        // Eigenvalues carry an error of about d·ε·λ_max, so λ_min a relative d·ε·cond.
        expect(Math.abs(cond - 1e3)).toBeLessThanOrEqual(1e3 * 64 * p.d * EPS * 1e3);
        expect(lambda[p.d - 1]!).toBeGreaterThanOrEqual(0.1 * (1 - 1e-12));
        expect(lambda[p.d - 1]!).toBeLessThanOrEqual(10 * (1 + 1e-12));
        const psi = psiKindOf(p);
        expect(['general', 'isotropic', 'singular']).toContain(psi.kind);
        if (psi.kind === 'singular') expect(psi.rank).toBeLessThan(p.d);
        expect(psi.cond).toBeLessThanOrEqual(50 * (1 + 1e-6));
        const bnorm = Math.hypot(...p.betaStar);
        expect(bnorm >= 1 - 1e-12 && bnorm <= 2 + 1e-12).toBe(true);
        expect(p.sigma2 >= 0.5 && p.sigma2 <= 0.75).toBe(true);
      }),
      params(60),
    );
  });

  it.each<PsiKind>(['isotropic', 'general', 'zero', 'singular'])("psi: '%s' gives that kind of Ψ (PSD, finite)", (kind) => {
    fc.assert(
      fc.property(problemArb({ psi: kind, d: { min: 2, max: 4 } }), (p) => {
        const got = psiKindOf(p);
        expect(accepts[kind]).toContain(got.kind);
        if (kind === 'general') expect(got.rank).toBe(p.d);
        expect(eigvalsh(p.Psi)[0]!).toBeGreaterThanOrEqual(-64 * p.d * EPS * Math.max(...p.Psi.data.map(Math.abs)));
        if (kind === 'isotropic') expect(p.psiIsotropic).toBeGreaterThan(0);
        if (kind === 'singular') expect(got.rank >= 1 && got.rank <= p.d - 1).toBe(true);
      }),
      params(25),
    );
  });

  it('rejects invalid options, naming them', () => {
    expect(() => problemArb({ d: { min: 0, max: 2 } })).toThrow(/options\.d/);
    expect(() => problemArb({ maxCondH: 0.5 })).toThrow(/maxCondH/);
    expect(() => problemArb({ hScale: { min: 0, max: 1 } })).toThrow(/options\.hScale/);
    expect(() => problemArb({ sigma2: { min: 1, max: 0 } })).toThrow(/options\.sigma2/);
    expect(() => problemArb({ psi: [] })).toThrow(/options\.psi/);
  });
});

describe('randomProblem: the seeded constructor behind problemArb', () => {
  it('a seed replays the same problem bit for bit; recipe values are attained', () => {
    const recipe = { d: 4, M: 9, condH: 250, hScale: 2, psi: 'singular' as const, psiRank: 2, condPsi: 7, psiScale: 0.3, betaStarNorm: 1.5, sigma2: 0.2 };
    const a = randomProblem(new Rng(99), recipe);
    const b = randomProblem(new Rng(99), recipe);
    expect(problemToJSON(a)).toEqual(problemToJSON(b));
    expect(a.lambda[3]! / a.lambda[0]!).toBeCloseTo(250, 9);
    expect(psiKindOf(a)).toMatchObject({ kind: 'singular', rank: 2 });
    expect(Math.hypot(...a.betaStar)).toBeCloseTo(1.5, 14);
  });

  it('explicit spectra and β* (arrays or functions of the Rng) replace the drawn ones', () => {
    const p = randomProblem(new Rng(1), { d: 3, M: 5, lambdaH: [4, 1, 0.5], psi: 'general', muPsi: (_rng, n) => new Float64Array(n).fill(0.25), betaStar: [1, 2, 3] });
    expect(Array.from(p.lambda).map((l) => Math.round(l * 1e12) / 1e12)).toEqual([0.5, 1, 4]);
    expect(Array.from(p.betaStar)).toEqual([1, 2, 3]);
    expect(eigvalsh(p.Psi).every((m) => Math.abs(m - 0.25) < 1e-14)).toBe(true);
    expect(() => randomProblem(new Rng(1), { d: 3, M: 5, lambdaH: [1, 2] })).toThrow(/lambdaH must have length 3/);
    expect(() => randomProblem(new Rng(1), { d: 3, M: 5, condH: 0.5 })).toThrow(/condH/);
  });
});

describe('weight and prompt arbitraries', () => {
  const bounded = (A: Matrix | Float64Array, bound: number): boolean => Array.from(A instanceof Float64Array ? A : A.data).every((v) => Number.isFinite(v) && Math.abs(v) <= bound);

  it('GD-β, GD-0, LSA, LTB have the documented shapes ([d, d], [d], [d+1, d+1], [d_f, d+1]) and bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((d) => fc.tuple(fc.constant(d), gdBetaArb(d, { bound: 2 }), gd0Arb(d), lsaArb(d, { bound: 0.5 }), ltbArb(d, { mlpWidth: { min: 2, max: 4 } }))),
        ([d, g, g0, lsa, ltb]) => {
          expect([g.Gamma.rows, g.Gamma.cols, g.beta0.length, g0.Gamma.rows, g0.Gamma.cols]).toEqual([d, d, d, d, d]);
          expect(bounded(g.Gamma, 2) && bounded(g.beta0, 2) && bounded(g0.Gamma, 1)).toBe(true);
          expect([lsa.WKQ.rows, lsa.WKQ.cols, lsa.WPV.rows, lsa.WPV.cols]).toEqual([d + 1, d + 1, d + 1, d + 1]);
          expect(bounded(lsa.WKQ, 0.5) && bounded(lsa.WPV, 0.5)).toBe(true);
          expect(ltb.W1.rows >= 2 && ltb.W1.rows <= 4 && ltb.W2.rows === ltb.W1.rows).toBe(true);
          expect([ltb.W1.cols, ltb.W2.cols, ltb.WKQ.rows, ltb.WPV.cols]).toEqual([d + 1, d + 1, d + 1, d + 1]);
          // No weight in (0, 1e-30): products of up to ten weights never underflow.
          for (const A of [g.Gamma, g0.Gamma, lsa.WKQ, ltb.W1, ltb.W2]) expect(A.data.every((v) => v === 0 || Math.abs(v) >= 1e-30)).toBe(true);
        },
      ),
      params(40),
    );
  });

  it('estimatorArb draws only the requested kinds; promptArb draws finite prompts of shape X [M, d], y [M], x [d]', () => {
    fc.assert(
      fc.property(
        problemArb({ d: { min: 1, max: 3 } }).chain((p) => fc.tuple(fc.constant(p), estimatorArb(p.d, { kinds: ['lsa', 'gd-0'] }), promptArb(p))),
        ([p, e, q]) => {
          expect(['lsa', 'gd-0']).toContain(e.kind);
          expect([q.X.rows, q.X.cols, q.y.length, q.x.length]).toEqual([p.M, p.d, p.M, p.d]);
          expect(allFinite(q.X.data, q.y, q.x, [q.yQuery])).toBe(true);
        },
      ),
      params(30),
    );
  });

  it('ltbArb rejects a width < 1', () => {
    expect(() => ltbArb(2, { mlpWidth: 0 })).toThrow(/mlpWidth/);
  });
});

describe('matrices with an exact condition number', () => {
  it('logUniformSpectrum attains both ends; conditionedMatrix gives A and A⁻ᵀ with A·(A⁻ᵀ)ᵀ = I to n·ε·cond', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.double({ min: 0, max: 6, noNaN: true }), fc.integer({ min: 0, max: 1e9 }), (n, log10Cond, seed) => {
        const cond = 10 ** log10Cond;
        const l = logUniformSpectrum(new Rng(seed), n, cond, { scale: 3 });
        expect(Math.max(...l)).toBe(3);
        expect(Math.abs(Math.max(...l) / Math.min(...l) - cond)).toBeLessThanOrEqual(4 * EPS * cond);
        const { A, AinvT } = conditionedMatrix(new Rng(seed), n, cond);
        let err = 0;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let s = i === j ? -1 : 0;
            for (let k = 0; k < n; k++) s += A.data[i * n + k]! * AinvT.data[j * n + k]!;
            err = Math.max(err, Math.abs(s));
          }
        }
        expect(err).toBeLessThanOrEqual(16 * n * n * EPS * cond);
      }),
      params(50),
    );
  });
});
