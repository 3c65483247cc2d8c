import { describe, expect, it } from 'vitest';
import { EstimatorError, ProblemError, estimatorToJSON, makeProblem, parseEstimator } from '../../src/models/index.js';
import { Rng } from '../../src/linalg/index.js';
import { randomLtb, randomGdBeta } from '../helpers/problems.js';

function problemError(spec: unknown): ProblemError {
  try {
    makeProblem(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(ProblemError);
    return e as ProblemError;
  }
  throw new Error('expected a ProblemError');
}

describe('makeProblem validation names the field and the reason', () => {
  it.each([
    [{ d: 0, M: 3 }, 'd', /integer ≥ 1/],
    [{ d: 2, M: 1.5 }, 'M', /integer ≥ 1/],
    [{ d: 2 }, 'M', /required/],
    [{ M: 3 }, 'd', /required/],
    [{ d: 2, M: 3, H: [[1, 0], [0, -1]] }, 'H', /positive definite: smallest eigenvalue -1/],
    [{ d: 2, M: 3, H: [[1, 0.5], [0.2, 1]] }, 'H', /symmetric/],
    [{ d: 2, M: 3, Psi: [1, -0.5] }, 'Psi', /positive semidefinite: smallest eigenvalue -5/],
    [{ d: 2, M: 3, sigma2: -1 }, 'sigma2', /≥ 0/],
    [{ d: 2, M: 3, betaStar: [1, 2, 3] }, 'betaStar', /size 3 but d = 2/],
    [{ M: 3, H: [[1, 0], [0, 1]], Psi: [1, 1, 1] }, 'Psi', /size 3 but d = 2/],
    [{ d: 2, M: 3, H: [[1, 0], [0, Number.NaN]] }, 'H[1][1]', /finite/],
    [{ d: 2, M: 3, H: [[1, 0], [0]] }, 'H[1]', /not rectangular/],
    [{ d: 2, M: 3, sigma: 1 }, 'sigma', /unknown field/],
    [{ d: 2, M: 3, masked: 'yes' }, 'masked', /true or false/],
  ])('%j → %s', (spec, field, reason) => {
    const e = problemError(spec);
    expect(e.field).toBe(field);
    expect(e.message).toMatch(reason);
  });

  it('accepts the number, diagonal and nested forms, and Ψ = 0', () => {
    const a = makeProblem({ d: 2, M: 3, H: 2, Psi: 0, betaStar: 1 });
    expect(Array.from(a.H.data)).toEqual([2, 0, 0, 2]);
    expect(Array.from(a.Psi.data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(a.betaStar)).toEqual([1, 1]);
    expect(a.masked).toBe(true);
    const b = makeProblem({ M: 3, H: [1, 4], Psi: [[1, 0.5], [0.5, 1]] });
    expect(b.d).toBe(2);
    expect(Array.from(b.lambda)).toEqual([1, 4]);
    expect(b.t1).toBeCloseTo(5, 14);
  });
});

describe('estimator JSON', () => {
  it('round-trips every kind', () => {
    const rng = new Rng(1);
    for (const e of [randomGdBeta(rng, 3), { kind: 'gd-0' as const, Gamma: randomGdBeta(rng, 3).Gamma }, { kind: 'lsa' as const, WKQ: randomLtb(rng, 3).WKQ, WPV: randomLtb(rng, 3).WPV }, randomLtb(rng, 3, 2)]) {
      const json = JSON.parse(JSON.stringify(estimatorToJSON(e)));
      expect(estimatorToJSON(parseEstimator(json, 3))).toEqual(json);
    }
  });
  it.each([
    [{ kind: 'gd' }, 'kind', /one of/],
    [{ kind: 'gd-beta', Gamma: [[1, 0], [0, 1]] }, 'beta0', /required/],
    [{ kind: 'gd-0', Gamma: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }, 'Gamma', /must be 2×2, got 3×3/],
    [{ kind: 'lsa', WKQ: [[1, 0], [0, 1]], WPV: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }, 'WKQ', /3×3/],
    [{ kind: 'ltb', WKQ: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], WPV: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], W1: [[1, 2, 3]], W2: [[1, 2, 3], [1, 2, 3]] }, 'W2', /1×3/],
    [{ kind: 'gd-beta', Gamma: [[1, 0], [0, 1]], beta0: [1, null] }, 'beta0[1]', /number/],
  ])('%j → %s', (json, field, reason) => {
    try {
      parseEstimator(json, 2);
      throw new Error('expected an EstimatorError');
    } catch (e) {
      expect(e).toBeInstanceOf(EstimatorError);
      expect((e as EstimatorError).field).toBe(field);
      expect((e as EstimatorError).message).toMatch(reason);
    }
  });
});
