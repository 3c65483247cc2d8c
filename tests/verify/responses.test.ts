import { describe, expect, it } from 'vitest';
import { etaNonlinear, responseMoments, RESPONSES } from '../../src/verify/index.js';
import { KNOWN_MOMENTS } from '../../src/verify/index.js';
import { relDiff } from '../helpers/problems.js';

describe('MHM responses', () => {
  it('response moments of sign, ReLU and z + z² match their closed forms; a smooth response needs no split', () => {
    for (const r of [RESPONSES.sign, RESPONSES.relu, RESPONSES.poly]) {
      const m = responseMoments(r);
      const k = KNOWN_MOMENTS[r.name]!;
      expect(relDiff(m.c1, k.c1)).toBeLessThan(1e-13);
      expect(relDiff(m.g2, k.g2)).toBeLessThan(1e-13);
      expect(relDiff(m.g2z2, k.g2z2)).toBeLessThan(1e-13);
    }
    expect(relDiff(KNOWN_MOMENTS.sign!.c1 ** 2, 2 / Math.PI)).toBeLessThan(1e-15);
  });

  it('η_NL reduces to the linear case g(z) = z: η = M/(M + d + 1 + σ²d) and R(η) is minimal at η_NL', () => {
    const m = { c1: 1, g2: 1, g2z2: 3 };
    const { eta, risk, riskAt } = etaNonlinear(m, 4, 12, 0.5);
    expect(relDiff(eta, 12 / (12 + 4 + 1 + 0.5 * 4))).toBeLessThan(1e-15);
    expect(relDiff(riskAt(eta), risk)).toBeLessThan(1e-15);
    expect(riskAt(eta * 1.01)).toBeGreaterThan(risk);
    expect(riskAt(eta * 0.99)).toBeGreaterThan(risk);
  });
});
