/**
 * `verify --precise`: the closed forms of GD-β (math.md §3.1–3.2) and of LSA/LTB (§3.3) evaluated
 * in 50-digit decimal arithmetic (mathjs BigNumber, imported lazily) and compared with the float64
 * library — the float64 relative error of each quantity.
 *
 * The formulas are written once over an abstract scalar ({@link Arith}); `float64Arith` runs the
 * same code in doubles (used by the tests to check the transcription against src/risk). Inputs
 * are converted to BigNumber through their shortest round-trip decimal strings, i.e. within half an
 * ulp of the binary values.
 */
import { reducedForm, type Problem, type Reduced } from '../models/index.js';
import { optimumGdBeta, riskGdBeta, riskReduced } from '../risk/index.js';
import type { ClaimContext } from './claims/index.js';

/** Scalar arithmetic the closed forms are written in. */
export interface Arith<T> {
  readonly name: string;
  from(x: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  abs(a: T): T;
  gt(a: T, b: T): boolean;
  toNumber(a: T): number;
}

/** float64 arithmetic (the same formulas in doubles). */
export const float64Arith: Arith<number> = {
  name: 'float64',
  from: (x) => x,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  abs: Math.abs,
  gt: (a, b) => a > b,
  toNumber: (a) => a,
};

/** Decimal precision of {@link bigArith}. */
export const PRECISE_DIGITS = 50;

/** BigNumber arithmetic with `digits` significant digits; mathjs is imported on first use only. */
export async function bigArith(digits = PRECISE_DIGITS): Promise<Arith<unknown>> {
  const { create, all } = await import('mathjs');
  const math = create(all!, { number: 'BigNumber', precision: digits });
  type B = ReturnType<typeof math.bignumber>;
  return {
    name: `BigNumber(${digits})`,
    from: (x) => math.bignumber(String(x)),
    add: (a, b) => math.add(a as B, b as B),
    sub: (a, b) => math.subtract(a as B, b as B),
    mul: (a, b) => math.multiply(a as B, b as B) as B,
    div: (a, b) => math.divide(a as B, b as B) as B,
    abs: (a) => math.abs(a as B),
    gt: (a, b) => math.larger(a as B, b as B) as boolean,
    toNumber: (a) => Number((a as B).toString()),
  };
}

type Mat<T> = T[][];

/** The problem's data in an arithmetic. */
interface Data<T> {
  d: number;
  M: T;
  s2: T;
  H: Mat<T>;
  Psi: Mat<T>;
  bs: T[];
  masked: boolean;
}

function toData<T>(A: Arith<T>, p: Problem): Data<T> {
  const d = p.d;
  const mat = (m: Float64Array): Mat<T> => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => A.from(m[i * d + j]!)));
  return { d, M: A.from(p.M), s2: A.from(p.sigma2), H: mat(p.H.data), Psi: mat(p.Psi.data), bs: Array.from(p.betaStar, (v) => A.from(v)), masked: p.masked };
}

class Alg<T> {
  constructor(readonly A: Arith<T>) {}
  zeros(r: number, c: number): Mat<T> {
    return Array.from({ length: r }, () => Array.from({ length: c }, () => this.A.from(0)));
  }
  mm(X: Mat<T>, Y: Mat<T>): Mat<T> {
    const { A } = this;
    return X.map((row) => Y[0]!.map((_, j) => row.reduce((s, x, k) => A.add(s, A.mul(x, Y[k]![j]!)), A.from(0))));
  }
  mv(X: Mat<T>, v: T[]): T[] {
    const { A } = this;
    return X.map((row) => row.reduce((s, x, k) => A.add(s, A.mul(x, v[k]!)), A.from(0)));
  }
  t(X: Mat<T>): Mat<T> {
    return X[0]!.map((_, j) => X.map((row) => row[j]!));
  }
  dot(a: T[], b: T[]): T {
    const { A } = this;
    return a.reduce((s, x, k) => A.add(s, A.mul(x, b[k]!)), A.from(0));
  }
  tr(X: Mat<T>): T {
    const { A } = this;
    return X.reduce((s, row, i) => A.add(s, row[i]!), A.from(0));
  }
  /** tr(XY) without forming XY. */
  trMul(X: Mat<T>, Y: Mat<T>): T {
    const { A } = this;
    let s = A.from(0);
    for (let i = 0; i < X.length; i++) for (let k = 0; k < Y.length; k++) s = A.add(s, A.mul(X[i]![k]!, Y[k]![i]!));
    return s;
  }
  lin(a: T, X: Mat<T>, b: T, Y: Mat<T>): Mat<T> {
    const { A } = this;
    return X.map((row, i) => row.map((x, j) => A.add(A.mul(a, x), A.mul(b, Y[i]![j]!))));
  }
  outer(u: T[], v: T[]): Mat<T> {
    return u.map((x) => v.map((y) => this.A.mul(x, y)));
  }
  eye(n: number): Mat<T> {
    return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => this.A.from(i === j ? 1 : 0)));
  }
  /** X⁻¹B by Gaussian elimination with partial pivoting. */
  solve(X: Mat<T>, B: Mat<T>): Mat<T> {
    const { A } = this;
    const n = X.length;
    const a = X.map((r) => [...r]);
    const b = B.map((r) => [...r]);
    for (let c = 0; c < n; c++) {
      let piv = c;
      for (let r = c + 1; r < n; r++) if (A.gt(A.abs(a[r]![c]!), A.abs(a[piv]![c]!))) piv = r;
      [a[c], a[piv]] = [a[piv]!, a[c]!];
      [b[c], b[piv]] = [b[piv]!, b[c]!];
      for (let r = c + 1; r < n; r++) {
        const f = A.div(a[r]![c]!, a[c]![c]!);
        for (let k = c; k < n; k++) a[r]![k] = A.sub(a[r]![k]!, A.mul(f, a[c]![k]!));
        for (let k = 0; k < b[0]!.length; k++) b[r]![k] = A.sub(b[r]![k]!, A.mul(f, b[c]![k]!));
      }
    }
    for (let c = n - 1; c >= 0; c--) {
      for (let k = 0; k < b[0]!.length; k++) {
        let s: T = b[c]![k]!;
        for (let j = c + 1; j < n; j++) s = A.sub(s, A.mul(a[c]![j]!, b[j]![k]!));
        b[c]![k] = A.div(s, a[c]![c]!);
      }
    }
    return b;
  }
}

/** Optimal GD-β in an arithmetic (math.md §3.2): Γ* = (κΨH + cI)⁻¹Ψ, R* = σ² + tr(HΨ) − tr(HΓ*HΨ). */
export function gdBetaOptimumIn<T>(A: Arith<T>, p: Problem): { Gamma: Mat<T>; risk: T } {
  const g = new Alg(A);
  const D = toData(A, p);
  const one = A.from(1);
  const kappa = A.add(one, A.div(one, D.M));
  const t1 = g.trMul(D.H, D.Psi);
  const c = A.div(A.add(t1, D.s2), D.M);
  const B = g.lin(kappa, g.mm(D.Psi, D.H), c, g.eye(D.d));
  const Gamma = g.solve(B, D.Psi);
  const risk = A.sub(A.add(D.s2, t1), g.trMul(g.mm(D.H, Gamma), g.mm(D.H, D.Psi)));
  return { Gamma, risk };
}

/** GD-β risk in an arithmetic (math.md §3.1) at (Γ, β₀). */
export function gdBetaRiskIn<T>(A: Arith<T>, p: Problem, Gamma: Mat<T>, beta0: T[]): T {
  const g = new Alg(A);
  const D = toData(A, p);
  const one = A.from(1);
  const kappa = A.add(one, A.div(one, D.M));
  const e = D.bs.map((b, i) => A.sub(b, beta0[i]!));
  const Am = g.lin(one, g.outer(e, e), one, D.Psi);
  const HA = g.trMul(D.H, Am);
  const HG = g.mm(D.H, Gamma);
  const GtHG = g.mm(g.t(Gamma), HG);
  const HAH = g.mm(g.mm(D.H, Am), D.H);
  let r = A.add(D.s2, HA);
  r = A.sub(r, A.mul(A.from(2), g.trMul(HG, g.mm(D.H, Am))));
  r = A.add(r, A.mul(kappa, g.trMul(GtHG, HAH)));
  r = A.add(r, A.mul(A.div(A.add(HA, D.s2), D.M), g.trMul(GtHG, D.H)));
  return r;
}

/** LSA/LTB risk in an arithmetic (math.md §3.3, with the unmasked ΔR) at reduced parameters. */
export function reducedRiskIn<T>(A: Arith<T>, p: Problem, red: Reduced): T {
  const g = new Alg(A);
  const D = toData(A, p);
  const d = D.d;
  const two = A.from(2);
  const num = (x: number): T => A.from(x);
  const betaM = Array.from(red.betaM, num);
  const px = Array.from(red.p.subarray(0, d), num);
  const py = num(red.p[d]!);
  const Qx: Mat<T> = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => num(red.Q.data[i * d + j]!)));
  const qy = Array.from(red.Q.data.subarray(d * d, d * d + d), num);
  const t1 = g.trMul(D.H, D.Psi);
  const HPsi = g.mm(D.H, D.Psi);
  const t2 = A.add(A.mul(t1, t1), A.mul(two, g.trMul(HPsi, HPsi)));
  const w = px.map((x, i) => A.add(x, A.mul(py, D.bs[i]!)));
  const V = g.lin(A.from(1), Qx, A.from(1), g.outer(D.bs, qy));
  const Hw = g.mv(D.H, w);
  const c0 = g.mv(g.t(V), Hw).map((x, i) => A.add(x, A.mul(A.mul(D.s2, py), qy[i]!)));
  const VtH = g.mm(g.t(V), D.H);
  const L = g.lin(py, VtH, A.from(1), g.outer(qy, Hw));
  const r = qy.map((q) => A.mul(py, q));
  const m = c0.map((c, i) => A.sub(A.add(c, betaM[i]!), D.bs[i]!));
  const N = g.lin(A.from(1), L, A.from(-1), g.eye(d));
  const Hq = g.mv(D.H, qy);
  const HV = g.mm(D.H, V);
  const a2 = g.dot(qy, Hq);
  const a0 = A.add(g.trMul(g.mm(D.H, g.t(V)), HV), A.mul(D.s2, a2));
  const a1 = g.mv(HV, Hq);
  const o0 = A.add(g.dot(w, Hw), A.mul(D.s2, A.mul(py, py)));
  const b1 = Hw.map((x) => A.mul(py, x));
  const o2 = A.mul(py, py);
  const quad = (u: T[], v: T[]): T => g.dot(u, g.mv(D.H, v));
  const rHr = quad(r, r);
  const E1 = A.add(A.add(quad(m, m), g.trMul(g.mm(g.mm(g.t(N), D.H), N), D.Psi)), A.add(A.mul(rHr, t2), A.mul(A.mul(two, quad(m, r)), t1)));
  const E2 = A.add(A.add(quad(c0, c0), g.trMul(g.mm(g.mm(g.t(L), D.H), L), D.Psi)), A.add(A.mul(rHr, t2), A.mul(A.mul(two, quad(c0, r)), t1)));
  const T3 = A.add(
    A.add(A.mul(a0, o0), A.mul(A.add(A.mul(a0, o2), A.mul(a2, o0)), t1)),
    A.add(A.mul(A.mul(a2, o2), t2), A.mul(A.from(4), g.dot(a1, g.mv(D.Psi, b1)))),
  );
  let R = A.add(A.add(D.s2, E1), A.div(A.add(E2, T3), D.M));
  if (!D.masked) {
    const half = A.from(0.5);
    const As = g.lin(half, Qx, half, g.t(Qx));
    const eb = m.map((x, i) => A.add(x, A.mul(r[i]!, t1)));
    const AsH = g.mm(As, D.H);
    const tau = g.tr(AsH);
    const HAsH = g.mm(D.H, AsH);
    const M2 = A.mul(D.M, D.M);
    const t1a = A.add(A.mul(g.dot(px, g.mv(D.H, eb)), tau), A.mul(two, g.dot(px, g.mv(HAsH, eb))));
    const pHp = quad(px, px);
    const t2a = A.add(
      A.add(A.mul(pHp, A.add(A.mul(tau, tau), A.mul(two, g.trMul(AsH, AsH)))), A.mul(A.from(8), g.dot(px, g.mv(g.mm(HAsH, AsH), px)))),
      A.mul(A.mul(A.from(4), tau), g.dot(px, g.mv(HAsH, px))),
    );
    R = A.add(R, A.add(A.div(A.mul(two, t1a), D.M), A.div(t2a, M2)));
  }
  return R;
}

/** Float64 relative errors of one problem's closed forms against the 50-digit evaluation. */
export interface PreciseResult {
  /** Name of the problem the comparison ran on. */
  readonly problem: string;
  /** |R*_GDβ(float64, src/risk) − R*_GDβ(50 digits)| / R*. */
  readonly gdBetaOptimum: number;
  /** §3.1 at the float64 Γ*, β₀ = β*: src/risk vs 50 digits. */
  readonly gdBetaRisk: number;
  /** §3.3 at the GD-β* weights as an LTB (math.md §2): src/risk vs 50 digits. */
  readonly ltbRiskAtGdBeta: number;
  /** §3.3 at the numerical LTB optimum (`ctx.optimum`, by default src/optimum): src/risk vs 50 digits. */
  readonly ltbRiskAtOptimum: number;
  /**
   * |§3.3(LTB(Γ, β*)) − §3.1(Γ, β*)| / §3.1 at the float64 Γ = Γ*, both sides in 50 digits: the exact
   * identity "every GD-β is an LTB" (ZWB-1) checked far below float64 rounding (masked; NaN unmasked).
   */
  readonly identityAt50Digits: number;
  /** Value of R*_GDβ (float64). */
  readonly riskGdBeta: number;
}

/** Runs the precise comparison on named problems (mathjs loaded lazily, once). */
export async function preciseCheck(problems: readonly { name: string; problem: Problem }[], ctx: ClaimContext, digits = PRECISE_DIGITS): Promise<PreciseResult[]> {
  const B = await bigArith(digits);
  const out: PreciseResult[] = [];
  for (const { name, problem } of problems) {
    const d = problem.d;
    const rel = (f: number, big: unknown): number => {
      const diff = B.toNumber(B.abs(B.sub(B.from(f), big)));
      const den = Math.abs(B.toNumber(big));
      return den === 0 ? diff : diff / den;
    };
    const opt = optimumGdBeta(problem);
    const big = gdBetaOptimumIn(B, problem);
    const GammaBig = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => B.from(opt.estimator.Gamma.data[i * d + j]!)));
    const gdBetaRisk = rel(riskGdBeta(problem, opt.estimator).risk, gdBetaRiskIn(B, problem, GammaBig, Array.from(problem.betaStar, (v) => B.from(v))));
    // LTB(Γ*, β*) reduced parameters: β_m = β*, p = (−β*; 1), Q = [Γᵀ; 0].
    const redOf = (G: (i: number, j: number) => number): Reduced => {
      const p = new Float64Array(d + 1);
      for (let i = 0; i < d; i++) p[i] = -problem.betaStar[i]!;
      p[d] = 1;
      const Q = { rows: d + 1, cols: d, data: new Float64Array((d + 1) * d) };
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Q.data[i * d + j] = G(j, i);
      return { betaM: Float64Array.from(problem.betaStar), p, Q };
    };
    const red = redOf((i, j) => opt.estimator.Gamma.data[i * d + j]!);
    const ltbRiskAtGdBeta = rel(riskReduced(problem, red, false).risk, reducedRiskIn(B, problem, red));
    const ltbOpt = ctx.optimum(problem, 'ltb');
    const redOpt = reducedForm(ltbOpt.estimator);
    const ltbRiskAtOptimum = rel(riskReduced(problem, redOpt, false).risk, reducedRiskIn(B, problem, redOpt));
    let identity = Number.NaN;
    if (problem.masked) {
      const a = reducedRiskIn(B, problem, red);
      const b = gdBetaRiskIn(B, problem, GammaBig, Array.from(problem.betaStar, (v) => B.from(v)));
      identity = B.toNumber(B.abs(B.sub(a, b))) / Math.abs(B.toNumber(b));
    }
    out.push({
      problem: name, gdBetaOptimum: rel(opt.risk, big.risk), gdBetaRisk, ltbRiskAtGdBeta, ltbRiskAtOptimum,
      identityAt50Digits: identity, riskGdBeta: opt.risk,
    });
  }
  return out;
}
