import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { makeProblem } from '../../src/models/index.js';
import { MAX_DIMENSION, optimum, optimumAttention, type AttentionProgress } from '../../src/optimum/index.js';

describe('optimumAttention: the dimension cap and progress reports', () => {
  it('refuses d above maxDimension with an InputError on d, before any work', () => {
    const big = makeProblem({ d: MAX_DIMENSION + 1, M: 5, H: 1, Psi: 1, sigma2: 0.1, betaStar: 1 });
    const t0 = performance.now();
    let err: unknown;
    try {
      optimum(big, 'ltb');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe('d');
    expect((err as InputError).message).toMatch(/exceeds the limit 100 .*maxDimension/);
    expect(performance.now() - t0).toBeLessThan(1000);
    const small = makeProblem({ d: 3, M: 5, H: 1, Psi: 1, sigma2: 0.1, betaStar: 1 });
    expect(() => optimumAttention(small, 'lsa', { maxDimension: 2 })).toThrow(InputError);
  });

  it('onProgress sees every start in order, with the running best', () => {
    const p = makeProblem({ d: 2, M: 5, H: 1, Psi: 1, sigma2: 0.1, betaStar: 1 });
    const seen: AttentionProgress[] = [];
    const o = optimumAttention(p, 'lsa', { flow: 'none', randomStarts: 1, directRandomStarts: 1, onProgress: (x) => seen.push(x) });
    expect(seen.map((s) => s.start.name)).toEqual(o.starts.map((s) => s.name));
    expect(seen.map((s) => s.done)).toEqual([1, 2, 3, 4]);
    for (const s of seen) expect(s.total).toBe(4);
    expect(seen.at(-1)!.bestRisk).toBe(o.risk);
    expect('theta' in seen[0]!.start).toBe(false);
  });
});
