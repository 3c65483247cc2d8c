import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { optimumGd0, optimumGdBeta } from '../../src/risk/index.js';
import { optimum, optimumAttention, OPTIMUM_KINDS, type OptimumKind } from '../../src/optimum/index.js';
import { randomProblem } from '../helpers/problems.js';

/** Float64Arrays as plain arrays, so toEqual compares values. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Float64Array ? Array.from(x) : x)));
}

describe('optimum(problem, kind): one entry for all four classes', () => {
  const p = randomProblem(new Rng(41), 2, 5, { betaScale: 2 });
  const options = { randomStarts: 1, directRandomStarts: 1 };

  it('gd-beta and gd-0 are the closed forms of src/risk, bit for bit', () => {
    const gb = optimum(p, 'gd-beta');
    expect(gb.kind).toBe('gd-beta');
    expect(plain(gb)).toEqual(plain({ kind: 'gd-beta', ...optimumGdBeta(p) }));
    const g0 = optimum(p, 'gd-0');
    expect(g0.kind).toBe('gd-0');
    expect(g0.estimator.kind).toBe('gd-0');
    expect(plain(g0)).toEqual(plain({ kind: 'gd-0', ...optimumGd0(p) }));
  });

  it.each(['lsa', 'ltb'] as const)('%s is optimumAttention with the same options (risk, weights, start report)', (kind) => {
    const o = optimum(p, kind, options);
    expect(o.kind).toBe(kind);
    expect(o.estimator.kind).toBe(kind);
    expect(plain(o)).toEqual(plain(optimumAttention(p, kind, options)));
  });

  it('discriminates on kind for every class, and LTB* = GD-β* < GD-0*, LSA*', () => {
    const all = OPTIMUM_KINDS.map((kind: OptimumKind) => optimum(p, kind, options));
    expect(all.map((o) => o.kind)).toEqual(['gd-beta', 'gd-0', 'lsa', 'ltb']);
    const [gb, g0, lsa, ltb] = all.map((o) => o.risk) as [number, number, number, number];
    expect(Math.abs(ltb - gb)).toBeLessThan(1e-10 * gb);
    expect(lsa).toBeLessThanOrEqual(g0 * (1 + 1e-12));
    expect(gb).toBeLessThan(lsa);
  });

  it('rejects an unknown kind with a RangeError naming the choices', () => {
    expect(() => optimum(p, 'lsx' as OptimumKind)).toThrow(/gd-beta, gd-0, lsa, ltb.*"lsx"/);
  });
});
