import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { ltbFromGdBeta, packReduced, reducedForm } from '../../src/models/index.js';
import { optimumGdBeta } from '../../src/risk/index.js';
import { optimumFromStart, startContext } from '../../src/optimum/index.js';
import { randomProblem, relDiff } from '../helpers/problems.js';

describe('optimumFromStart (one start: flow stage, then polish)', () => {
  const p = randomProblem(new Rng(21), 3, 6, { betaScale: 2 });

  it('from GD-β* as an LTB, the polish stays at R*_GDβ and does not touch the start', () => {
    const ctx = startContext(p, 'ltb');
    const theta0 = packReduced(reducedForm(ltbFromGdBeta(optimumGdBeta(p).estimator)), 'ltb');
    const copy = Float64Array.from(theta0);
    const r = optimumFromStart(ctx, 'gd-beta', theta0, 'none');
    expect(Array.from(theta0)).toEqual(Array.from(copy));
    expect(r.name).toBe('gd-beta');
    expect(r.flowTime).toBe(0);
    expect(r.flowRisk).toBe(r.initialRisk);
    expect(relDiff(r.risk, optimumGdBeta(p).risk)).toBeLessThan(1e-12);
    expect(r.gradNorm).toBeLessThan(1e-9 * ctx.scale);
    expect(r.theta.length).toBe(theta0.length);
  });

  it('the flow stage lowers the risk before the polish and is counted in nfev', () => {
    const ctx = startContext(p, 'lsa', { flowSteps: 30 });
    const rng = new Rng(4);
    const theta0 = Float64Array.from({ length: 4 + 12 }, () => 0.1 * rng.normal());
    const gd = optimumFromStart(ctx, 's', theta0, 'gradient-descent');
    const direct = optimumFromStart(ctx, 's', theta0, 'none');
    expect(gd.flowRisk).toBeLessThan(gd.initialRisk);
    expect(gd.flowTime).toBe(30);
    expect(gd.initialRisk).toBe(direct.initialRisk);
    expect(gd.nfev).toBeGreaterThan(30);
    expect(relDiff(gd.risk, direct.risk)).toBeLessThan(1e-10);
  });

  it('startContext resolves the documented defaults and the tolerance scale', () => {
    const ctx = startContext(p, 'lsa');
    expect(ctx.options).toMatchObject({ flow: 'ode', flowSteadyRelative: 1e-3, flowMaxSteps: 200, flowSteps: 300, gtolRelative: 1e-9, gaugeWeight: 1, newtonSteps: 4 });
    expect(ctx.gtol).toBe(1e-9 * ctx.scale);
  });
});
