/**
 * The optimal L-step GD-β (src/optimum/multistep.ts, docs/math.md §3.7), checked by independent
 * routes: at L = 1 the closed form (3.13)–(3.14); at the optimum the analytic gradient vanishes and
 * the central-difference Hessian is positive semidefinite; seeded perturbations raise the risk; the
 * optimum beats every start; the CLI prints and exits as documented. Seeds are fixed and printed in
 * the test names.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { makeProblem, type GdMultistep } from '../../src/models/index.js';
import { optimumGdBeta, riskGdMultistep } from '../../src/risk/index.js';
import { optimum, optimumGdMultistep, OPTIMUM_CLASSES } from '../../src/optimum/index.js';
import { multistepHessian, packMultistep, unpackMultistep } from '../../src/flow/index.js';
import { runCli, tempFiles } from '../helpers/cli.js';

/** Anisotropic H, general Ψ (not commuting with H), β* ≠ 0, σ² > 0. */
const SPEC = { d: 3, M: 10, H: [[2, 0.5, 0], [0.5, 1, 0.2], [0, 0.2, 0.5]], Psi: [[1, 0.3, 0], [0.3, 0.5, 0], [0, 0, 0.8]], sigma2: 0.5, betaStar: [1, -1, 2] };
const P = makeProblem(SPEC);
const SEED = 1;

describe('optimum(problem, "gd-multistep") at L = 1 is the closed-form GD-β* (3.13)–(3.14)', () => {
  const o = optimum(P, 'gd-multistep', { steps: 1, seed: SEED });
  const cf = optimumGdBeta(P);

  it('risk to 1e-8 relative (measured ≈ 1e-15), weights to 1e-8 relative', () => {
    expect(o.kind).toBe('gd-multistep');
    expect(o.steps).toBe(1);
    expect(Math.abs(o.risk - cf.risk)).toBeLessThanOrEqual(1e-8 * cf.risk);
    let num = 0;
    let den = 0;
    for (let k = 0; k < 9; k++) {
      num += (o.estimator.Gammas[0]!.data[k]! - cf.estimator.Gamma.data[k]!) ** 2;
      den += cf.estimator.Gamma.data[k]! ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThanOrEqual(1e-8);
    const b = Math.hypot(...Array.from(o.estimator.beta0, (x, i) => x - P.betaStar[i]!));
    expect(b).toBeLessThanOrEqual(1e-8 * Math.hypot(...P.betaStar));
  });

  it('also on a problem with H, Ψ = I, β* = 10·𝟙 (the reference problem of §5.2, d = 3)', () => {
    const Q = makeProblem({ d: 3, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 });
    const r = optimumGdMultistep(Q, { steps: 1 }).risk;
    expect(Math.abs(r - optimumGdBeta(Q).risk)).toBeLessThanOrEqual(1e-8 * optimumGdBeta(Q).risk);
  });
});

describe(`the L = 2 optimum (seed ${SEED})`, () => {
  const o = optimum(P, 'gd-multistep', { steps: 2, seed: SEED });
  const theta = packMultistep(o.estimator);

  it('has zero gradient: ‖∇R‖ ≤ 1e-9·E[y²] over (β₀, Γ₁, Γ₂)', () => {
    const r = riskGdMultistep(P, o.estimator);
    expect(r.risk).toBe(o.risk);
    let g2 = 0;
    for (const v of r.gradBeta0) g2 += v * v;
    for (const G of r.gradGammas) for (const v of G.data) g2 += v * v;
    expect(Math.sqrt(g2)).toBeLessThanOrEqual(1e-9 * P.labelSecondMoment);
    expect(o.gradNorm).toBeCloseTo(Math.sqrt(g2), 20);
  });

  it('has a risk ≤ every start\'s final and initial risk, and the spread is their range', () => {
    expect(o.starts.length).toBeGreaterThanOrEqual(4);
    for (const s of o.starts) {
      expect(o.risk).toBeLessThanOrEqual(s.risk + 1e-12 * o.risk);
      expect(o.risk).toBeLessThan(s.initialRisk);
    }
    const finals = o.starts.map((s) => s.risk);
    expect(o.spread).toBe(Math.max(...finals) - Math.min(...finals));
    expect(o.starts.map((s) => s.name)).toEqual(['gd-beta-split', 'previous+zero', 'scaled-inverse', 'random-1', 'random-2']);
  });

  it('improves on one step: R*_2 < R*_1 − 1e-3·R*_1', () => {
    expect(o.risk).toBeLessThan(optimumGdBeta(P).risk * (1 - 1e-3));
  });

  it('rises under 20 seeded random perturbations of size 1e-3 (relative), by about ½δᵀ∇²Rδ', () => {
    const rng = new Rng(7);
    const { hessian } = multistepHessian(P, o.estimator);
    const n = theta.length;
    for (let k = 0; k < 20; k++) {
      const delta = Float64Array.from({ length: n }, () => 1e-3 * rng.normal());
      const t = Float64Array.from(theta, (x, i) => x + delta[i]!);
      const rise = riskGdMultistep(P, unpackMultistep(t, 3, 2)).risk - o.risk;
      let quad = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) quad += 0.5 * delta[i]! * hessian.data[i * n + j]! * delta[j]!;
      expect(rise).toBeGreaterThan(0);
      // Third-order terms are O(‖δ‖³) ≈ 1e-9·(d + 2d²)^{3/2}: a few percent of the quadratic rise.
      expect(Math.abs(rise - quad)).toBeLessThanOrEqual(0.05 * quad);
    }
  });

  it('is a minimum: the central-difference Hessian is PSD (λ_min ≥ −1e-8·λ_max) and positive definite here', () => {
    const { eigenvalues } = multistepHessian(P, o.estimator);
    const lmax = eigenvalues[eigenvalues.length - 1]!;
    expect(eigenvalues[0]!).toBeGreaterThanOrEqual(-1e-8 * lmax);
    expect(eigenvalues[0]!).toBeGreaterThan(1e-4 * lmax);
  });
});

describe('several critical points: the start report shows them', () => {
  it('on H = Ψ = I, β* = 10·𝟙 the equal-step starts stop at a higher stationary point than previous+zero (spread > 0)', () => {
    const Q = makeProblem({ d: 3, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 });
    const o = optimumGdMultistep(Q, { steps: 2, randomStarts: 1 });
    const split = o.starts.find((s) => s.name === 'gd-beta-split')!;
    // Γ₁ = Γ₂ = c·I has exactly equal gradients for both steps (scalar steps commute, math.md (3.50)): L-BFGS stays on that saddle manifold.
    expect(split.risk).toBeGreaterThan(o.risk * (1 + 1e-3));
    expect(o.spread).toBeGreaterThan(1e-3 * o.risk);
  });
});

describe('L = 3 and the options', () => {
  it('R*_3 < R*_2 and `previous` reuses a given (L−1)-step optimum as the previous+zero start', () => {
    const o2 = optimumGdMultistep(P, { steps: 2, randomStarts: 0 });
    const o3 = optimumGdMultistep(P, { steps: 3, randomStarts: 0, previous: o2.estimator });
    expect(o3.risk).toBeLessThan(o2.risk * (1 - 1e-3));
    const prev = o3.starts.find((s) => s.name === 'previous+zero')!;
    expect(prev.initialRisk).toBeCloseTo(o2.risk, 12);
  });

  it('rejects steps outside 1..3 naming the field, with the reason', () => {
    expect(() => optimum(P, 'gd-multistep', { steps: 4 })).toThrow(/steps.*1\.\.3.*Wick/);
    expect(() => optimum(P, 'gd-multistep', { steps: 0 })).toThrow(/steps/);
    const wrong: GdMultistep = unpackMultistep(new Float64Array(3 + 9), 3, 1);
    expect(() => optimumGdMultistep(P, { steps: 3, previous: wrong })).toThrow(/previous/);
    expect(() => optimumGdMultistep(P, { steps: 2, structuredStarts: false, randomStarts: 0 })).toThrow(/randomStarts/);
  });

  it('lists gd-multistep among the classes', () => {
    expect(OPTIMUM_CLASSES).toContain('gd-multistep');
  });
});

describe('CLI: linear-icl optimum --class gd-multistep --steps L', () => {
  const files = tempFiles({ 'p.json': SPEC });

  it('--json prints the risk, the estimator, the starts and the spread; the risk is the exact risk of the estimator', () => {
    const r = runCli(['optimum', '--problem', files['p.json']!, '--class', 'gd-multistep', '--steps', '2', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { class: string; steps: number; risk: number; spread: number; estimator: { kind: string; beta0: number[]; Gammas: number[][][] }; starts: { name: string; risk: number }[] };
    expect(out.class).toBe('gd-multistep');
    expect(out.steps).toBe(2);
    expect(out.estimator.Gammas.length).toBe(2);
    expect(out.starts.length).toBe(5);
    expect(out.spread).toBeGreaterThanOrEqual(0);
    const est: GdMultistep = {
      kind: 'gd-multistep', beta0: Float64Array.from(out.estimator.beta0),
      Gammas: out.estimator.Gammas.map((G) => ({ rows: 3, cols: 3, data: Float64Array.from(G.flat()) })),
    };
    expect(Math.abs(riskGdMultistep(P, est).risk - out.risk)).toBeLessThanOrEqual(1e-14 * out.risk);
  }, 60_000);

  it('exit 2 with one line naming --steps for L = 4, for a missing --steps, and for --steps with another class', () => {
    for (const args of [['--steps', '4'], [], ['--steps', '2', '--class', 'gd-beta']]) {
      const cls = args.includes('--class') ? [] : ['--class', 'gd-multistep'];
      const r = runCli(['optimum', '--problem', files['p.json']!, ...cls, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--steps/);
    }
  }, 60_000);
});
