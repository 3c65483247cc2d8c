/**
 * The GD-β^L population gradient flow (src/flow/multistepFlow.ts, docs/math.md §3.6, §4): its
 * endpoint reaches the optimum's risk (src/optimum, an independent minimiser), the risk decreases at
 * the rate dR/dt = −‖∇R‖² (checked by central differences in time on the saved risks), the verdict
 * fails when it should, and the CLI runs it. Seeds fixed.
 */
import { describe, expect, it } from 'vitest';
import { makeProblem } from '../../src/models/index.js';
import { optimumGdMultistep } from '../../src/optimum/index.js';
import { multistepDistance, multistepObjective, runMultistepFlow, unpackMultistep } from '../../src/flow/index.js';
import { solve, tsit5 } from '../../src/flow/ode/index.js';
import { runCli, tempFiles } from '../helpers/cli.js';

const ISO = { d: 3, M: 10, H: 1, Psi: 1, sigma2: 0.25, betaStar: 1 };
const P = makeProblem(ISO);

describe('flow from zero, L = 2 (H = Ψ = I, β* = 𝟙)', () => {
  const opt = optimumGdMultistep(P, { steps: 2, seed: 1 });
  const run = runMultistepFlow(P, { steps: 2, reference: opt });

  it('reaches the optimum: R − R* ≤ 1e-9·R*, distance ≤ 1e-4(1 + ‖θ*‖), rate at least the predicted −2λ_min', () => {
    expect(run.status).toBe('converged');
    const v = run.verdict!;
    expect(Math.abs(v.gap)).toBeLessThanOrEqual(1e-9 * opt.risk);
    expect(v.distanceModuloOrder).toBeLessThanOrEqual(1e-4 * (1 + v.optimumNorm));
    expect(v.rateRatio!).toBeGreaterThanOrEqual(0.95);
    expect(v.monotone).toBe(true);
    expect(run.initialRisk).toBeCloseTo(P.labelSecondMoment, 12); // zero weights predict 0: R = E[y²]
  });

  it('the distance agrees with an independent recomputation', () => {
    const d = multistepDistance(run.estimator, opt.estimator);
    expect(d.moduloOrder).toBe(run.verdict!.distanceModuloOrder);
    expect(d.moduloOrder).toBeLessThanOrEqual(d.plain);
  });
});

describe('dR/dt = −‖∇R‖² along the trajectory (central differences in time)', () => {
  it('holds to 1e-6 relative at 8 times of a dense Tsit5 solve (fourth-order stencil in t)', () => {
    // An independent integration with dense output: R(t ± h) by the interpolant, ∇R at t by the analytic gradient.
    const L = 2;
    const f = multistepObjective(P, L);
    const n = 3 + L * 9;
    const g = new Float64Array(n);
    const field = (_t: number, y: Float64Array, out: Float64Array): void => {
      f(y, g);
      for (let i = 0; i < n; i++) out[i] = -g[i]!;
    };
    const y0 = new Float64Array(n);
    const sol = solve(field, y0, [0, 4], tsit5, { rtol: 1e-12, atol: 1e-14, dense: true });
    // Stencil (−R(t+2h) + 8R(t+h) − 8R(t−h) + R(t−2h))/(12h): truncation O(h⁴) ≈ 1e-12; the
    // interpolant's error (≈ rtol) enters divided by h.
    const h = 1e-3;
    const R = (t: number): number => f(sol.evaluate(t), g);
    for (const t of [0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 2.5, 3.5]) {
      const dRdt = (-R(t + 2 * h) + 8 * R(t + h) - 8 * R(t - h) + R(t - 2 * h)) / (12 * h);
      f(sol.evaluate(t), g);
      let g2 = 0;
      for (const v of g) g2 += v * v;
      expect(Math.abs(dRdt + g2)).toBeLessThanOrEqual(1e-6 * g2 + 1e-10);
    }
  });

  it('the run\'s own saved risks decrease (non-increasing to 1e-12)', () => {
    const run = runMultistepFlow(P, { steps: 1, reference: optimumGdMultistep(P, { steps: 1 }) });
    for (let k = 1; k < run.risks.length; k++) expect(run.risks[k]!).toBeLessThanOrEqual(run.risks[k - 1]! * (1 + 1e-12));
  });
});

describe('the verdict can fail', () => {
  it('against a wrong reference (R* lowered by 1 %): not converged', () => {
    const opt = optimumGdMultistep(P, { steps: 1 });
    const run = runMultistepFlow(P, { reference: { risk: opt.risk * 0.99, estimator: opt.estimator } });
    expect(run.status).not.toBe('converged');
    expect(run.verdict!.gapOk).toBe(false);
  });

  it('too short a run (tEnd = 0.5): notConverged, naming what failed', () => {
    const opt = optimumGdMultistep(P, { steps: 2 });
    const run = runMultistepFlow(P, { reference: opt, tEnd: 0.5 });
    expect(run.status).toBe('notConverged');
    expect(run.statusNote).toMatch(/R − R\*/);
  });

  it('from zero on a general-Ψ problem (L = 2): stops at another local minimum, 2 % above R*_2 (stationaryElsewhere)', () => {
    const Q = makeProblem({ d: 3, M: 10, H: [[2, 0.5, 0], [0.5, 1, 0.2], [0, 0.2, 0.5]], Psi: [[1, 0.3, 0], [0.3, 0.5, 0], [0, 0, 0.8]], sigma2: 0.5, betaStar: [1, -1, 2] });
    const opt = optimumGdMultistep(Q, { steps: 2 });
    const run = runMultistepFlow(Q, { reference: opt });
    expect(run.status).toBe('stationaryElsewhere');
    expect(run.finalRisk).toBeGreaterThan(opt.risk * (1 + 1e-3));
    // A minimum, not a saddle: the endpoint's Hessian is positive definite.
    expect(run.verdict!.endpointHessianMin!).toBeGreaterThan(0);
  });

  it('rejects bad options naming the field', () => {
    expect(() => runMultistepFlow(P, { steps: 4 })).toThrow(/steps/);
    expect(() => runMultistepFlow(P, { steps: 2, init: unpackMultistep(new Float64Array(12), 3, 1) })).toThrow(/init/);
    expect(() => runMultistepFlow(P, { rtol: -1 })).toThrow(/rtol/);
  });
});

describe('CLI: linear-icl flow --model gd-multistep', () => {
  const files = tempFiles({ 'p.json': ISO });

  it('--json reports status converged, the gap, the distance and both rates', () => {
    const r = runCli(['flow', '--problem', files['p.json']!, '--model', 'gd-multistep', '--steps', '2', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, number | string | null>;
    expect(out.status).toBe('converged');
    expect(out.model).toBe('gd-multistep');
    expect(out.steps).toBe(2);
    expect(Math.abs(out.gap as number)).toBeLessThanOrEqual(1e-9 * (out.optimalRisk as number));
    expect(typeof out.measuredRate).toBe('number');
    expect(typeof out.predictedRate).toBe('number');
  }, 60_000);

  it('exit 2 naming --steps for L = 4 and for a missing --steps', () => {
    for (const extra of [['--steps', '4'], []]) {
      const r = runCli(['flow', '--problem', files['p.json']!, '--model', 'gd-multistep', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--steps/);
    }
  }, 60_000);
});
