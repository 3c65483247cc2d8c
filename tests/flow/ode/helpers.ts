/**
 * Shared fixtures of the ODE tests: the registry of all tableaus (drives describe.each, like
 * diffrax `all_ode_solvers`), a linear test problem with a hand-computed exact solution (also split
 * as a semilinear problem for the exponential methods), a
 * structured (spectral) linear-solver provider for it, the least-squares slope fit used by the
 * convergence tests, the tolerance table, and the bench's test problems with their reference
 * solutions and error metric.
 */
import { readFileSync } from 'node:fs';
import { PROBLEMS, type OdeProblem } from '../../../bench/ode/problems.js';
import {
  bosh3,
  dop853,
  dopri5,
  euler,
  rk4,
  tsit5,
  type ButcherTableau,
  type LinearSolverProvider,
  type LinearSolverStats,
  type RosenbrockTableau,
  type SemilinearProblem,
  type VectorField,
} from '../../../src/flow/ode/index.js';

/** Every explicit tableau with the facts the tests check against. */
export const ALL_TABLEAUS: readonly { readonly tableau: ButcherTableau; readonly fsal: boolean; readonly adaptive: boolean }[] = [
  { tableau: euler, fsal: false, adaptive: false },
  { tableau: rk4, fsal: false, adaptive: false },
  { tableau: bosh3, fsal: true, adaptive: true },
  { tableau: dopri5, fsal: true, adaptive: true },
  { tableau: tsit5, fsal: true, adaptive: true },
  { tableau: dop853, fsal: false, adaptive: true },
];

/** Adaptive tableaus only. */
export const ADAPTIVE_TABLEAUS: readonly ButcherTableau[] = ALL_TABLEAUS.filter((e) => e.adaptive).map((e) => e.tableau);

/** Tolerances, in units of Number.EPSILON or as named empirical bounds. */
export const TOL = {
  /** Tableau invariants (the validator's own bound is 1e-14 relative). */
  tableauExact: 1e-15,
  tableauSum: 1e-14,
  /** Convergence slopes: fitted order within ±0.3 of nominal. */
  orderSlack: 0.3,
  /** Round-off floor (≈ 50 eps for ‖y‖ ≈ 1) below which convergence points are dropped. */
  roundoffFloor: 1e-14,
  /** Event time accuracy (relative to max(1, |t|)) with rtol = 1e-12. */
  eventTime: 1e-10,
} as const;

/** Householder Q = I − 2vvᵀ/(vᵀv), v = (1, 2, 3, 4): symmetric and orthogonal (Qᵀ = Q = Q⁻¹). */
const v = [1, 2, 3, 4];
const vv = v.reduce((s, x) => s + x * x, 0);
export const Q: readonly (readonly number[])[] = v.map((vi, i) => v.map((vj, j) => (i === j ? 1 : 0) - (2 * vi * vj) / vv));
/** Eigenvalues of A: negative, moderate spread. */
export const LAMBDA: readonly number[] = [-0.5, -1, -2, -3];
export const N = 4;
/** A = Q diag(λ) Qᵀ, row-major. */
export const A: Float64Array = (() => {
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += (Q[i]![k] as number) * (LAMBDA[k] as number) * (Q[j]![k] as number);
      out[i * N + j] = s;
    }
  return out;
})();
export const Y0: Float64Array = Float64Array.of(1, -0.5, 0.25, 2);

/** y′ = A y. */
export const linearField: VectorField = (_t, y, out) => {
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += (A[i * N + j] as number) * (y[j] as number);
    out[i] = s;
  }
};

/**
 * y′ = A y split as a semilinear problem for the exponential methods: ℓ = diag(A), N(y) = (A − diag A) y
 * (exact solution {@link exactLinear}).
 */
export const linearSplit: SemilinearProblem = {
  ell: Float64Array.from({ length: N }, (_, i) => A[i * N + i] as number),
  nonlinear: (_t, y, out) => {
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let j = 0; j < N; j++) if (j !== i) s += (A[i * N + j] as number) * (y[j] as number);
      out[i] = s;
    }
  },
};

/** Q · diag(w) · Qᵀ · x. */
function spectral(w: (lambda: number) => number, x: Float64Array, out: Float64Array): Float64Array {
  const z = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += (Q[j]![k] as number) * (x[j] as number);
    z[k] = w(LAMBDA[k] as number) * s;
  }
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let k = 0; k < N; k++) s += (Q[i]![k] as number) * (z[k] as number);
    out[i] = s;
  }
  return out;
}

/** Exact solution y(t) = Q exp((t − t0)Λ) Qᵀ y0 of y′ = A y. */
export function exactLinear(t: number, t0 = 0, y0: Float64Array = Y0): Float64Array {
  return spectral((l) => Math.exp(l * (t - t0)), y0, new Float64Array(N));
}

/** Max-abs difference. */
export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/**
 * Structured provider for y′ = A y: (I − γhA)⁻¹ = Q diag(1/(1 − γhλ)) Qᵀ, never forming a matrix
 * (how large structured Jacobians are meant to plug in).
 */
export function spectralSolver(): LinearSolverProvider {
  let gh = 0;
  const stats: LinearSolverStats = { jacobianEvaluations: 0, factorizations: 0, linearSolves: 0 };
  return {
    stats,
    prepare(_t, _y, gammaH, sameState) {
      if (!sameState) stats.jacobianEvaluations++;
      stats.factorizations++;
      gh = gammaH;
    },
    solve(out, rhs) {
      stats.linearSolves++;
      spectral((l) => 1 / (1 - gh * l), rhs, out);
    },
  };
}

/** Least-squares slope of log2(err) against log2(dt), after dropping points at the round-off floor. */
export function fittedOrder(dts: readonly number[], errs: readonly number[], floor: number = TOL.roundoffFloor): { slope: number; used: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  dts.forEach((dt, i) => {
    const e = errs[i] as number;
    if (e > floor) {
      xs.push(Math.log2(dt));
      ys.push(Math.log2(e));
    }
  });
  const m = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / m;
  const my = ys.reduce((s, y) => s + y, 0) / m;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < m; i++) {
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    sxx += ((xs[i] as number) - mx) ** 2;
  }
  return { slope: sxy / sxx, used: m };
}

/**
 * Rebuild the original coefficients from the transformed ones (Hairer–Wanner II, (7.25)):
 * Γ = (diag(1/γ) − C)⁻¹, α = aΓ, b = mΓ, b̂ = (m − e)Γ; then β = α + Γ.
 */
export function rosenbrockStandardForm(T: RosenbrockTableau) {
  const s = T.stages;
  const G = Array.from({ length: s }, () => new Array<number>(s).fill(0));
  for (let i = 0; i < s; i++)
    for (let j = 0; j <= i; j++) {
      let acc = i === j ? 1 : 0;
      for (let k = j; k < i; k++) acc += (T.C[i]![k] as number) * (G[k]![j] as number);
      G[i]![j] = T.gamma * acc;
    }
  const times = (w: readonly number[], len: number) =>
    Array.from({ length: s }, (_, j) => {
      let acc = 0;
      for (let k = 0; k < len; k++) acc += (w[k] as number) * (G[k]![j] as number);
      return acc;
    });
  const alpha = T.a.map((row, i) => times(row, i));
  const beta = alpha.map((row, i) => row.map((x, j) => (j < i ? x + (G[i]![j] as number) : 0)));
  return { G, alpha, beta, b: times(T.m, s), bHat: times(T.m.map((mi, i) => mi - (T.e[i] as number)), s) };
}

const benchReference = JSON.parse(readFileSync(new URL('../../../bench/ode/reference.json', import.meta.url), 'utf8')) as {
  problems: Record<string, { y: number[] }>;
};
/** The bench/ode test problem with this id. */
export const benchProblem = (id: string): OdeProblem => PROBLEMS.find((p) => p.id === id) as OdeProblem;
/** The bench's error metric against bench/ode/reference.json: normwise relative, componentwise for Robertson. */
export const benchError = (p: OdeProblem, y: Float64Array): number => {
  const ref = benchReference.problems[p.id]!.y;
  if (p.id === 'robertson') return Math.max(...ref.map((r, i) => Math.abs((y[i] as number) - r) / Math.abs(r)));
  return Math.max(...ref.map((r, i) => Math.abs((y[i] as number) - r))) / Math.max(...ref.map(Math.abs));
};
