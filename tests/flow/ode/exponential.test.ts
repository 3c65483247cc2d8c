/**
 * Exponential Runge–Kutta methods (src/flow/ode/exponential-tableau.ts, etd.ts, exponential.ts)
 * driven by the one `solve`: φ-functions against independent evaluations, the tableau invariants,
 * empirical convergence order on a stiff semilinear problem with a closed-form solution, the
 * adaptive controller meeting its tolerance, and every `solve` feature — SaveAt, dense output,
 * events, steady state, statuses, stats, the workspace contract — as for the other methods (the
 * dense output's convergence order is checked with every method's in interpolation.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  ConstantStepSize,
  defineExponentialTableau,
  dopri5,
  etd2,
  etd4,
  EXPONENTIAL_DEAD_BAND_MIN_N,
  EXPONENTIAL_TABLEAUS,
  exponential,
  exponentialStepper,
  MAX_NONFINITE_RETRIES,
  OdeSolveError,
  phiFunctions,
  solve,
  type ExponentialTableau,
  type ExponentialTableauDefinition,
  type Method,
  type PhiTerm,
  type SemilinearProblem,
  type SolveOptions,
  type VectorField,
} from '../../../src/flow/ode/index.js';
import { TOL, maxAbsDiff } from './helpers.js';

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

/** Σ coef·φ_k(c·z) of a coefficient, and the sum of the absolute terms. */
function evalTerms(terms: readonly PhiTerm[], z: number): { v: number; scale: number } {
  const phi = new Float64Array(4);
  let v = 0;
  let scale = 0;
  for (const x of terms) {
    const t = x.coef * phiFunctions(x.c * z, phi)[x.k]!;
    v += t;
    scale += Math.abs(t);
  }
  return { v, scale };
}
const phiAt = (z: number, k: number): number => phiFunctions(z, new Float64Array(4))[k]!;
const TABLEAUS: readonly ExponentialTableau[] = Object.values(EXPONENTIAL_TABLEAUS);

describe.each(TABLEAUS.map((t) => [t.name, t] as const))('tableau %s', (_name, T) => {
  const Z = [0, -0.1, -1, -10, -200];

  it('is frozen, derived stages = c.length, c₀ = 0, and carries a citation', () => {
    expect(Object.isFrozen(T)).toBe(true);
    expect(Object.isFrozen(T.a[T.stages - 1])).toBe(true);
    expect(T.kind).toBe('exponentialTableau');
    expect(T.stages).toBe(T.c.length);
    expect(T.c[0]).toBe(0);
    expect(T.reference.length).toBeGreaterThan(20);
  });

  it('stage consistency Σ_j a_ij(z) = c_i φ₁(c_i z), Σ b(z) = φ₁(z), Σ (b − b̂)(z) = 0 (to 1e-14)', () => {
    for (const z of Z) {
      for (let i = 1; i < T.stages; i++) {
        const row = evalTerms(T.a[i]!.flat(), z);
        expect(Math.abs(row.v - T.c[i]! * phiAt(T.c[i]! * z, 1))).toBeLessThanOrEqual(TOL.tableauSum * Math.max(1, row.scale));
      }
      const b = evalTerms(T.b.flat(), z);
      expect(Math.abs(b.v - phiAt(z, 1))).toBeLessThanOrEqual(TOL.tableauSum * Math.max(1, b.scale));
      const e = evalTerms(T.bErr.flat(), z);
      expect(Math.abs(e.v)).toBeLessThanOrEqual(TOL.tableauSum * Math.max(1, e.scale));
    }
  });

  it('stiff quadrature condition Σ b_i(z) c_i = φ₂(z) for b and (when errorOrder ≥ 2) b̂', () => {
    for (const z of Z) {
      const bHatTerms = T.b.map((bi, i) => [...bi, ...T.bErr[i]!.map((x) => ({ ...x, coef: -x.coef }))]);
      const weights = T.errorOrder >= 2 ? [T.b, bHatTerms] : [T.b];
      for (const w of weights) {
        const terms = w.flatMap((bi, i) => bi.map((x) => ({ ...x, coef: x.coef * T.c[i]! })));
        const s = evalTerms(terms, z);
        expect(Math.abs(s.v - phiAt(z, 2))).toBeLessThanOrEqual(TOL.tableauSum * Math.max(1, s.scale));
      }
    }
  });

  it('at z = 0 (no linear part) b and b̂ satisfy the classical quadrature conditions Σ b c^{q−1} = 1/q up to order and errorOrder', () => {
    const b = T.b.map((bi) => evalTerms(bi, 0).v);
    const bHat = b.map((bi, i) => bi - evalTerms(T.bErr[i]!, 0).v);
    for (const [w, p] of [[b, T.order], [bHat, T.errorOrder]] as const) {
      for (let q = 1; q <= p; q++) {
        const s = w.reduce((acc, wi, i) => acc + wi * T.c[i]! ** (q - 1), 0);
        expect(Math.abs(s - 1 / q)).toBeLessThanOrEqual(TOL.tableauSum);
      }
    }
  });
});

describe('defineExponentialTableau rejects inconsistent data, naming the tableau and the field', () => {
  const base: ExponentialTableauDefinition = { ...etd2 };
  const term = (coef: number, k: 0 | 1 | 2 | 3, c = 1): PhiTerm => ({ coef, k, c });
  it.each([
    ['a row sum', { a: [[], [[term(1, 2)]]] }, /etd2: Σ_j a\[1\]\[j\]\(z\)/],
    ['Σ b', { b: [[term(1, 1)], [term(1, 2)]] }, /etd2: Σ b\(z\)/],
    ['Σ bErr', { bErr: [[term(-1, 2)], [term(1, 3)]] }, /etd2: Σ bErr\(z\)/],
    ['the shape of a', { a: [[], []] }, /etd2: a\[1\] must have 1 entries/],
    ['the length of b', { b: [[term(1, 1)]] }, /etd2: b must have 2 entries/],
    ['c₀', { c: [0.5, 1] }, /etd2: c\[0\] must be 0/],
    ['φ index', { a: [[], [[{ coef: 1, k: 4, c: 1 } as unknown as PhiTerm]]] }, /etd2: a\[1\]\[0\]\[0\]\.k is 4/],
    ['orders', { errorOrder: 2 }, /etd2: need integers 1 ≤ errorOrder < order/],
  ] as const)('%s', (_what, change, message) => {
    expect(() => defineExponentialTableau({ ...base, ...change } as ExponentialTableauDefinition)).toThrow(message);
  });
});

/**
 * z′ = a ⊙ z + b ⊙ z² (Bernoulli), exact z(t) = a z₀ e^{at}/(a − b z₀(e^{at} − 1)); one stiff
 * component (a = −10⁴) and three mild ones.
 */
function bernoulli(): { problem: SemilinearProblem; z0: Float64Array; exact: (t: number) => Float64Array; full: VectorField } {
  const a = Float64Array.of(-1, -2.5, -0.3, -1e4);
  const b = Float64Array.of(0.8, -1.5, 0.4, 2);
  const z0 = Float64Array.of(0.7, 0.4, -0.6, 0.5);
  return {
    problem: {
      ell: a,
      nonlinear: (_t, z, out) => {
        for (let k = 0; k < 4; k++) out[k] = b[k]! * z[k]! * z[k]!;
      },
    },
    z0,
    exact: (t) => Float64Array.from(a, (ak, k) => (ak * z0[k]! * Math.exp(ak * t)) / (ak - b[k]! * z0[k]! * Math.expm1(ak * t))),
    full: (_t, z, out) => {
      for (let k = 0; k < 4; k++) out[k] = a[k]! * z[k]! + b[k]! * z[k]! * z[k]!;
    },
  };
}
const fixed = (dt: number): SolveOptions => ({ controller: new ConstantStepSize(), dt0: dt });

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
      const sol = solve(problem.nonlinear, z0, [0, 1], exponential(EXPONENTIAL_TABLEAUS[name], problem), fixed(h));
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
      const sol = solve(problem.nonlinear, z0, [0, 3], exponential(EXPONENTIAL_TABLEAUS.etd4, problem), { rtol, atol: rtol * 1e-3 });
      expect(sol.status).toBe('success');
      expect(sol.t).toBe(3);
      const err = Math.max(...sol.y.map((x, i) => Math.abs(x - ref[i]!)));
      expect(err).toBeLessThan(10 * rtol * Math.max(...ref.map(Math.abs)));
    }
  });

  it('rejects inconsistent options, naming them', () => {
    const { problem, z0 } = bernoulli();
    const m = exponential(EXPONENTIAL_TABLEAUS.etd4, problem);
    expect(() => solve(problem.nonlinear, z0, [0, 1], m, {})).toThrow(/options\.rtol/);
    expect(() => solve(problem.nonlinear, z0, [0, 1], m, { ...fixed(0.1), rtol: 1e-6 })).toThrow(/options\.rtol has no effect with ConstantStepSize/);
    expect(() => solve(problem.nonlinear, z0, [0, Infinity], m, fixed(0.1))).toThrow(/t1\) must be finite/);
  });
});

describe('exponential(tableau, { ell, scaleRef })', () => {
  it('validates its arguments at the boundary, naming them', () => {
    const ell = Float64Array.of(-1, -2);
    expect(() => exponential(dopri5 as never, { ell })).toThrow(/tableau must come from defineExponentialTableau/);
    expect(() => exponential(etd4, { ell: [1, 2] as never })).toThrow(/options\.ell must be a Float64Array/);
    expect(() => exponential(etd4, { ell: new Float64Array(0) })).toThrow(/options\.ell has length 0/);
    expect(() => exponential(etd4, { ell: Float64Array.of(-1, NaN) })).toThrow(/options\.ell\[1\] is NaN/);
    expect(() => exponential(etd4, { ell, scaleRef: new Float64Array(3) })).toThrow(/options\.scaleRef has length 3, must be n = 2/);
    const m = exponential(etd4, { ell });
    expect(() => solve((_t, _y, out) => out.fill(0), new Float64Array(3), [0, 1], m, { rtol: 1e-6, atol: 1e-9 })).toThrow(/y0 has length 3.*ell has length 2/);
  });

  it('is frozen data holding copies of ell and scaleRef', () => {
    const ell = Float64Array.of(-1, -2);
    const m = exponential(etd4, { ell, scaleRef: Float64Array.of(3, 4) });
    ell[0] = 7;
    expect(Object.isFrozen(m)).toBe(true);
    expect([...m.ell]).toEqual([-1, -2]);
    expect([...(m.scaleRef as Float64Array)]).toEqual([3, 4]);
  });
});

describe('an exponential method through solve', () => {
  const { problem, z0, exact, full } = bernoulli();
  const m = exponential(etd4, problem);
  const tight = { rtol: 1e-10, atol: 1e-13 };

  it("SaveAt 'steps' with fn: t0 and every accepted step, fn recorded at the same times", () => {
    const fn = (_t: number, z: Float64Array): number => z[0]! + 2 * z[2]!;
    const sol = solve(problem.nonlinear, z0, [0, 3], m, { ...tight, saveAt: { kind: 'steps', fn } });
    expect(sol.ts.length).toBe(sol.stats.accepted + 1);
    expect(sol.ts[0]).toBe(0);
    expect(sol.ts[sol.ts.length - 1]).toBe(3);
    expect(sol.fnTs).toEqual(sol.ts);
    sol.ts.forEach((t, i) => {
      expect(maxAbsDiff(sol.ys[i]!, exact(t))).toBeLessThan(1e-8);
      expect(sol.fnValues[i]).toBe(fn(t, sol.ys[i]!));
    });
  });

  it("SaveAt 'times' and dense output: the cubic Hermite interpolant between steps", () => {
    const ts = [0, 0.05, 0.5, 1.7, 2.25, 3];
    const sol = solve(problem.nonlinear, z0, [0, 3], m, { ...tight, saveAt: { kind: 'times', ts }, dense: true });
    expect([...sol.ts]).toEqual(ts);
    sol.ts.forEach((t, i) => expect(maxAbsDiff(sol.ys[i]!, exact(t))).toBeLessThan(1e-8));
    for (const tq of [0.01, 0.3, 1.234, 2.9]) expect(maxAbsDiff(sol.evaluate(tq), exact(tq))).toBeLessThan(1e-8);
  });

  it('events: a terminal crossing located on the dense output (z₀ = 0.3, known in closed form)', () => {
    // z₀(t) = a z e^{at}/(a − b z(e^{at} − 1)) = c at e^{at} = c(a + b z)/(z(a + b c)).
    const [a, b, zi, c] = [-1, 0.8, 0.7, 0.3];
    const tStar = Math.log((c * (a + b * zi)) / (zi * (a + b * c))) / a;
    const sol = solve(problem.nonlinear, z0, [0, 10], m, { ...tight, events: [{ g: (_t, z) => z[0]! - c, terminal: true, name: 'z0 = 0.3' }] });
    expect(sol.status).toBe('event');
    expect(Math.abs(sol.t - tStar)).toBeLessThan(1e-8);
    expect(sol.events).toHaveLength(1);
    expect(sol.events[0]!.direction).toBe(-1);
    expect(sol.events[0]!.name).toBe('z0 = 0.3');
    expect(Math.abs(sol.y[0]! - c)).toBeLessThan(1e-9);
  });

  it('steadyState: ‖ℓ ⊙ z + N‖ (the full field, not N alone) below tol ends the solve at the equilibrium', () => {
    // z′ = ℓ ⊙ z + β: N ≡ β never vanishes, the full field does at z* = −β/ℓ.
    const ell = Float64Array.of(-1, -50, -2);
    const beta = Float64Array.of(1, 2, -3);
    const N: VectorField = (_t, _z, out) => out.set(beta);
    const zStar = beta.map((x, k) => -x / ell[k]!);
    const lin = exponential(etd4, { ell });
    const tol = 1e-9;
    const sol = solve(N, new Float64Array(3), [0, 1e6], lin, { rtol: 1e-8, atol: 1e-12, steadyState: { tol, norm: 'inf' } });
    expect(sol.status).toBe('steadyState');
    expect(maxAbsDiff(sol.y, zStar)).toBeLessThan(tol);
    expect(sol.t).toBeLessThan(1e6);
    const atRest = solve(N, zStar, [0, 1], lin, { rtol: 1e-8, atol: 1e-12, steadyState: { tol } });
    expect(atRest.status).toBe('steadyState');
    expect(atRest.stats.accepted).toBe(0);
  });

  it('callback: sees every accepted step and can stop (cancelled)', () => {
    const steps: number[] = [];
    const sol = solve(problem.nonlinear, z0, [0, 3], m, { ...tight, callback: ({ step }) => (steps.push(step), step === 4 ? 'stop' : undefined) });
    expect(sol.status).toBe('cancelled');
    expect(steps).toEqual([1, 2, 3, 4]);
  });

  /** The same semilinear problem for dopri5 (full field) and etd4 (N + ℓ on the method). */
  const both: readonly (readonly [string, VectorField, Method])[] = [
    ['dopri5', full, dopri5],
    ['etd4', problem.nonlinear, m],
  ];

  it.each(both)('%s: maxStepsReached throws OdeSolveError carrying the partial solution', (_name, field, method) => {
    let caught: unknown;
    try {
      solve(field, z0, [0, 100], method, { rtol: 1e-8, atol: 1e-10, maxSteps: 5 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OdeSolveError);
    const sol = (caught as OdeSolveError).solution;
    expect(sol.status).toBe('maxStepsReached');
    expect(sol.stats.accepted + sol.stats.rejected).toBe(5);
    expect(sol.t).toBeGreaterThan(0);
    expect(sol.t).toBeLessThan(100);
    expect(sol.y.every(Number.isFinite)).toBe(true);
  });

  it.each(both)(`%s: nonFiniteState after ${MAX_NONFINITE_RETRIES} shrinking retries, at the last finite state`, (_name, field, method) => {
    const nanAfterStart: VectorField = (t, z, out) => {
      field(t, z, out);
      if (t > 0) out[1] = NaN;
    };
    const sol = solve(nanAfterStart, z0, [0, 1], method, { rtol: 1e-8, atol: 1e-10, throwOnFailure: false });
    expect(sol.status).toBe('nonFiniteState');
    expect(sol.stats.rejected).toBe(MAX_NONFINITE_RETRIES + 1);
    expect(sol.stats.accepted).toBe(0);
    expect(sol.t).toBe(0);
    expect([...sol.y]).toEqual([...z0]);
  });

  it.each(both)('%s: stepSizeTooSmall approaching the blow-up of z′ = z² (ℓ = 0) with dtMin', (name, _field, method) => {
    const sq: VectorField = (_t, z, out) => {
      out[0] = z[0]! * z[0]!;
    };
    const sol = solve(sq, Float64Array.of(1), [0, 2], name === 'etd4' ? exponential(etd4, { ell: Float64Array.of(0) }) : method, {
      rtol: 1e-8,
      atol: 1e-10,
      dtMin: 1e-8,
      throwOnFailure: false,
    });
    expect(sol.status).toBe('stepSizeTooSmall');
    expect(sol.t).toBeGreaterThan(0.99);
    expect(sol.t).toBeLessThan(1);
    expect(Number.isFinite(sol.y[0])).toBe(true);
  });

  it('fixed steps: nonFiniteState at the first overflow, returning the last finite state', () => {
    const sq: VectorField = (_t, z, out) => {
      out[0] = z[0]! * z[0]!;
    };
    const sol = solve(sq, Float64Array.of(1), [0, 10], exponential(etd4, { ell: Float64Array.of(0.5) }), { ...fixed(0.5), throwOnFailure: false });
    expect(sol.status).toBe('nonFiniteState');
    expect(Number.isFinite(sol.y[0])).toBe(true);
    expect(sol.t).toBeLessThan(10);
  });

  it('stats: s − 1 evaluations of N per attempt + 1 per accepted step + the initial one (no probe); one φ fill per distinct h', () => {
    const sol = solve(problem.nonlinear, z0, [0, 3], m, tight);
    const { nfev, accepted, rejected, coefficientFills, njev, nlinsolve, nfactor } = sol.stats;
    expect(nfev).toBe(1 + (etd4.stages - 1) * (accepted + rejected) + accepted);
    expect(coefficientFills).toBe(accepted + rejected); // every adaptive h differs (n < the dead-band size)
    expect([njev, nlinsolve, nfactor]).toEqual([0, 0, 0]);
    const fixedSol = solve(problem.nonlinear, z0, [0, 1], m, fixed(1 / 16));
    expect(fixedSol.stats.accepted).toBe(16);
    expect(fixedSol.stats.coefficientFills).toBe(1);
    expect(solve(full, z0, [0, 3], dopri5, tight).stats.coefficientFills).toBe(0);
  });

  it(`dead band from n = ${EXPONENTIAL_DEAD_BAND_MIN_N}: runs of steps keep h and reuse the φ coefficients`, () => {
    const run = (n: number) => {
      const ell = Float64Array.from({ length: n }, (_, k) => -(1 + (100 * k) / n));
      const N: VectorField = (_t, z, out) => {
        for (let k = 0; k < n; k++) out[k] = 0.3 * z[k]! * z[k]!;
      };
      return solve(N, new Float64Array(n).fill(0.5), [0, 20], exponential(etd4, { ell }), { rtol: 1e-8, atol: 1e-10 });
    };
    const small = run(EXPONENTIAL_DEAD_BAND_MIN_N - 1);
    expect(small.stats.coefficientFills).toBe(small.stats.accepted + small.stats.rejected);
    const large = run(EXPONENTIAL_DEAD_BAND_MIN_N);
    expect(large.status).toBe('success');
    expect(large.stats.coefficientFills).toBeLessThan(large.stats.accepted + large.stats.rejected);
    expect(large.stats.coefficientFills).toBeLessThan(small.stats.coefficientFills);
  });

  it('scaleRef: the error scale is relative to the full state scaleRef + z', () => {
    const ref = Float64Array.of(10, -20, 30, 0);
    const st = exponentialStepper(exponential(etd4, { ell: problem.ell, scaleRef: ref }));
    const ws = st.init(problem.nonlinear, 0, z0, true);
    const yNew = Float64Array.of(0.5, 0.5, 0.5, 0.5);
    const scale = st.errorScale!(ws, new Float64Array(4), 1e-3, 1e-6, z0, yNew);
    scale.forEach((s, k) => expect(s).toBe(1e-6 + 1e-3 * Math.max(Math.abs(ref[k]! + z0[k]!), Math.abs(ref[k]! + yNew[k]!))));
    // A large reference loosens the relative tolerance on the deviation: fewer steps.
    const plain = solve(problem.nonlinear, z0, [0, 3], m, { rtol: 1e-8, atol: 1e-12 });
    const withRef = solve(problem.nonlinear, z0, [0, 3], exponential(etd4, { ...problem, scaleRef: ref.map((x) => 100 * x + 100) }), { rtol: 1e-8, atol: 1e-12 });
    expect(withRef.stats.accepted).toBeLessThan(plain.stats.accepted);
  });

  it('workspace contract: step returns the same workspace and buffers; coefficients refilled only when h changes', () => {
    const st = exponentialStepper(m);
    const ws = st.init(problem.nonlinear, 0, z0, true);
    const { yNew, err, N, coef } = ws;
    expect(st.step(ws, 0, z0, 0.01)).toBe(ws);
    const y1 = Float64Array.from(ws.yNew);
    expect(st.step(ws, 0, z0, 0.01)).toBe(ws);
    expect(ws.counters.coefficientFills).toBe(1);
    expect([...ws.yNew]).toEqual([...y1]);
    st.step(ws, 0, z0, 0.02);
    expect(ws.counters.coefficientFills).toBe(2);
    expect(ws.yNew).toBe(yNew);
    expect(ws.err).toBe(err);
    expect(ws.N).toBe(N);
    expect(ws.coef).toBe(coef);
    // f is the full field ℓ ⊙ z + N at the current state.
    const f = new Float64Array(4);
    full(0, z0, f);
    expect(maxAbsDiff(ws.f, f)).toBe(0);
  });
});
