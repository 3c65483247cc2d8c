/**
 * Exponential Runge–Kutta integrators (src/flow/exponential.ts): φ-functions against independent
 * evaluations, empirical convergence order on a stiff semilinear problem with a closed-form
 * solution, the adaptive controller meeting its tolerance, and exactness on a linear flow (GD-0).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import {
  EXPONENTIAL_METHODS,
  gdBetaExponentialProblem,
  gdBetaFlow,
  gdBetaInitialState,
  phiFunctions,
  solveExponential,
  type ExponentialProblem,
} from '../../src/flow/index.js';
import { dop853, solve } from '../../src/flow/ode/index.js';
import { makeProblem } from '../../src/models/index.js';
import { randomProblem, relDiffArray, toRows } from '../helpers/problems.js';

/** Gauss–Legendre nodes and weights on [−1, 1] by Newton's iteration on P_n (Numerical Recipes gauleg). */
function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      dp = (n * (z * p1 - p2)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    x[i] = z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
  }
  return { x, w };
}
const GL = gaussLegendre(20);

/** φ_k by its defining integral φ_k(z) = ∫₀¹ e^{(1−θ)z} θ^{k−1}/(k−1)! dθ (k ≥ 1): 20-point Gauss–Legendre on 64 panels. */
function phiByQuadrature(z: number, k: number): number {
  let fact = 1;
  for (let j = 2; j < k; j++) fact *= j;
  const panels = 64;
  const h = 1 / panels;
  let s = 0;
  for (let p = 0; p < panels; p++) {
    for (let i = 0; i < GL.x.length; i++) {
      const th = p * h + (h * (1 + GL.x[i]!)) / 2;
      s += (h / 2) * GL.w[i]! * Math.exp((1 - th) * z) * th ** (k - 1);
    }
  }
  return s / fact;
}

describe('φ-functions', () => {
  it.each([0, 1e-12, -1e-6, 0.3, -0.49, -0.5, -0.51, 0.7, -1, -3, -20, -45])('z = %d against the integral definition', (z) => {
    const out = phiFunctions(z, new Float64Array(4));
    expect(out[0]).toBeCloseTo(Math.exp(z), 15);
    for (let k = 1; k <= 3; k++) {
      const ref = phiByQuadrature(z, k);
      expect(Math.abs(out[k]! - ref) / ref).toBeLessThan(1e-13);
    }
  });
  it('large negative arguments: φ₁ ≈ −1/z, φ₂ ≈ 1/z², finite', () => {
    const out = phiFunctions(-1e12, new Float64Array(4));
    expect(out[0]).toBe(0);
    expect(out[1]! * 1e12).toBeCloseTo(1, 12);
    expect(out[2]! * 1e12).toBeCloseTo(1, 9);
    expect(Number.isFinite(out[3]!)).toBe(true);
  });
});

/**
 * z′ = a ⊙ z + b ⊙ z² (Bernoulli), exact z(t) = a z₀ e^{at}/(a − b z₀(e^{at} − 1)); one stiff
 * component (a = −10⁴) and three mild ones.
 */
function bernoulli(): { problem: ExponentialProblem; z0: Float64Array; exact: (t: number) => Float64Array } {
  const a = Float64Array.of(-1, -2.5, -0.3, -1e4);
  const b = Float64Array.of(0.8, -1.5, 0.4, 2);
  const z0 = Float64Array.of(0.7, 0.4, -0.6, 0.5);
  return {
    problem: { ell: a, nonlinear: (z, out) => { for (let k = 0; k < 4; k++) out[k] = b[k]! * z[k]! * z[k]!; } },
    z0,
    exact: (t) => Float64Array.from(a, (ak, k) => (ak * z0[k]! * Math.exp(ak * t)) / (ak - b[k]! * z0[k]! * Math.expm1(ak * t))),
  };
}

describe('empirical order on a stiff semilinear problem (fixed steps, h = 2^−k)', () => {
  it.each([
    ['etd2', 2],
    ['etd3', 3],
    ['etd4', 4],
  ] as const)('%s has order %i (fitted slope within ±0.35)', (name, order) => {
    const { problem, z0, exact } = bernoulli();
    const ref = exact(1);
    const hs: number[] = [];
    const errs: number[] = [];
    for (let k = 3; k <= 8; k++) {
      const h = 2 ** -k;
      const sol = solveExponential(problem, z0, [0, 1], EXPONENTIAL_METHODS[name], { dt: h });
      expect(sol.stats.accepted).toBe(2 ** k);
      const err = Math.max(...sol.y.map((x, i) => Math.abs(x - ref[i]!)));
      if (err > 1e-13) {
        hs.push(Math.log(h));
        errs.push(Math.log(err));
      }
    }
    expect(hs.length).toBeGreaterThanOrEqual(4);
    const mh = hs.reduce((s, x) => s + x, 0) / hs.length;
    const me = errs.reduce((s, x) => s + x, 0) / errs.length;
    let num = 0;
    let den = 0;
    hs.forEach((x, i) => {
      num += (x - mh) * (errs[i]! - me);
      den += (x - mh) ** 2;
    });
    expect(Math.abs(num / den - order)).toBeLessThan(0.35);
  });

  it('adaptive etd4 meets its tolerance: error ≤ 10·rtol·|z| at t = 3 for rtol 1e-6 … 1e-10', () => {
    const { problem, z0, exact } = bernoulli();
    const ref = exact(3);
    for (const rtol of [1e-6, 1e-8, 1e-10]) {
      const sol = solveExponential(problem, z0, [0, 3], EXPONENTIAL_METHODS.etd4, { rtol, atol: rtol * 1e-3 });
      expect(sol.status).toBe('success');
      expect(sol.t).toBe(3);
      const err = Math.max(...sol.y.map((x, i) => Math.abs(x - ref[i]!)));
      expect(err).toBeLessThan(10 * rtol * Math.max(...ref.map(Math.abs)));
    }
  });

  it('rejects inconsistent options, naming them', () => {
    const { problem, z0 } = bernoulli();
    expect(() => solveExponential(problem, z0, [0, 1], EXPONENTIAL_METHODS.etd4, {})).toThrow(/options\.rtol/);
    expect(() => solveExponential(problem, z0, [0, 1], EXPONENTIAL_METHODS.etd4, { dt: 0.1, rtol: 1e-6 })).toThrow(/rtol\/atol/);
    expect(() => solveExponential(problem, z0, [0, Infinity], EXPONENTIAL_METHODS.etd4, { dt: 0.1 })).toThrow(/finite t1/);
  });
});

describe('the GD flow in the Hessian eigenbasis', () => {
  it('GD-0 is linear: one exponential step equals the DOP853 solution at any time', () => {
    const p = randomProblem(new Rng(61), 3, 5, { betaScale: 1.5, logCondH: 2 });
    const flow = gdBetaFlow(p, 'gd-0');
    const ex = gdBetaExponentialProblem(flow);
    const y0 = gdBetaInitialState(flow, 'random', 61);
    const T = 0.7 / flow.hessian().lambdaMin;
    const sol = solveExponential(ex.problem, ex.toHat(y0), [0, T], EXPONENTIAL_METHODS.etd4, { dt: T });
    expect(sol.stats.accepted).toBe(1);
    const ref = solve(flow.field, y0, [0, T], dop853, { rtol: 1e-12, atol: 1e-14, maxSteps: 200_000 });
    expect(relDiffArray(ex.fromHat(sol.y), ref.y)).toBeLessThan(1e-9);
  });

  it('the semilinear form ℓ ⊙ z + N(z) is the rotated vector field (general Ψ and Ψ = ψ²I)', () => {
    const rng = new Rng(62);
    for (const iso of [false, true]) {
      const base = randomProblem(rng, 4, 6, { betaScale: 2 });
      const p = iso ? makeProblem({ d: 4, M: 6, H: toRows(base.H), Psi: 0.7, betaStar: Array.from(base.betaStar), sigma2: 0.2 }) : base;
      const flow = gdBetaFlow(p);
      expect(flow.hessian().diagonalB).toBe(iso);
      const ex = gdBetaExponentialProblem(flow);
      const y = gdBetaInitialState(flow, 'random', 62);
      const z = ex.toHat(y);
      const N = new Float64Array(flow.n);
      ex.problem.nonlinear(z, N);
      const f = new Float64Array(flow.n);
      flow.field(0, y, f);
      // the rotated field is toHat(y* + f) (toHat is affine with linear part the rotation)
      const fh = ex.toHat(flow.yStar.map((x, k) => x + f[k]!));
      expect(relDiffArray(N.map((x, k) => x + ex.problem.ell[k]! * z[k]!), fh)).toBeLessThan(1e-13);
      expect(relDiffArray(ex.fromHat(z), y)).toBeLessThan(1e-14);
      expect(Math.abs(ex.gap(z) - flow.gap(y))).toBeLessThan(1e-13 * flow.risk(y));
      expect(ex.distance(z)).toBeCloseTo(flow.distance(y), 12);
    }
  });
});
