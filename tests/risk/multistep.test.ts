/**
 * GD-β^L exact risk (docs/math.md §3.6) checked three independent ways:
 *  (a) Gauss–Hermite quadrature over every context Gaussian of E[loss | X] computed by the explicit
 *      L-step recursion (no Wick pairings; exact because E[loss | X] is a polynomial of degree 4L in
 *      each entry of X), when d·M ≤ 6; its float64 value and the closed form are both compared with
 *      a 50-digit evaluation of the same quadrature (python3 + mpmath, when present);
 *  (b) Monte Carlo through the explicit recursion (`monteCarloRisk`), |z| < 4.5, when d·M > 6;
 *  (c) central finite differences of the risk against the analytic gradient;
 * plus the special case L = 1 = the GD-β closed form (3.5) to rounding.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Rng, gemm, spdFromSpectrum, randomOrthogonal, type Matrix } from '../../src/linalg/index.js';
import { PromptSampler, allocGdMultistepWorkspace, allocPrompt, makeProblem, predictGdMultistep, type GdMultistep, type Problem } from '../../src/models/index.js';
import { gaussHermite } from '../../src/quadrature/index.js';
import {
  GD_MULTISTEP_MAX_STEPS, compileMultistep, monteCarloRisk, risk, riskGdBeta, riskGdMultistep, riskGdMultistepCommuting, riskGdMultistepValue,
  wishartTraceMoments,
} from '../../src/risk/index.js';
import { InputError } from '../../src/errors.js';
import { directionalDerivative } from '../helpers/finiteDiff.js';
import { toRows } from '../helpers/problems.js';
import { zScore } from '../helpers/stats.js';
import { EPS } from '../helpers/tolerance.js';

/** |z| bound of the Monte Carlo checks (the brief's 4.5 standard errors). */
const Z_MC = 4.5;
/**
 * Per-n constant of the closed form's rounding bound |R̂ − R| ≤ C·n·ε·termScale: every face trace is
 * a sum of ≤ n^{len} products formed by ≤ 8 chained n×n products (error ≲ 8·n·ε·|terms| each), and
 * the monomials are summed once more; 64 leaves a factor of 8 of slack.
 */
const CLOSED_FORM_PER_N = 64;
/** Relative tolerance of the central-difference checks (docs/math.md's 10⁻⁶ for gradients). */
const FD_RTOL = 1e-6;

// ─── problems and estimators ───────────────────────────────────────────────────────────────────

interface CaseSpec {
  readonly seed: number;
  readonly d: number;
  readonly M: number;
  readonly L: number;
  /** σ² of the problem. */
  readonly sigma2?: number;
  /** Give Ψ rank d − 1 (singular). */
  readonly singularPsi?: boolean;
}

/** SPD H with spectrum log-spread over one decade (anisotropic, Haar eigenvectors), λ_max = 1.5. */
function anisotropicH(rng: Rng, d: number): Matrix {
  const lam = Float64Array.from({ length: d }, (_, i) => 1.5 * 10 ** (-(d === 1 ? 0 : i / (d - 1)) + 0.2 * (rng.uniform() - 0.5)));
  return spdFromSpectrum(randomOrthogonal(rng, d), lam);
}

/** A general PSD Ψ = CCᵀ/d (C [d, r] Gaussian), rank r. */
function generalPsi(rng: Rng, d: number, r: number): Matrix {
  const C: Matrix = { rows: d, cols: r, data: rng.fillNormal(new Float64Array(d * r)) };
  const P: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  gemm(P, C, C, 'NT');
  for (let k = 0; k < d * d; k++) P.data[k] = (0.6 * P.data[k]!) / Math.max(1, r);
  return P;
}

function caseProblem(c: CaseSpec, rng: Rng): Problem {
  const { d, M, sigma2 = 0.3, singularPsi = false } = c;
  return makeProblem({
    M,
    H: toRows(anisotropicH(rng, d)),
    Psi: toRows(generalPsi(rng, d, singularPsi ? Math.max(1, d - 1) : d)),
    betaStar: Array.from({ length: d }, () => 0.8 * rng.normal() + 0.3),
    sigma2,
  });
}

/**
 * Γ_l = (a_l/λ_max(H))·(I + 0.4·G_l/√d), G_l Gaussian (non-symmetric), a_l ∈ [0.15, 0.5]: steps of the
 * size a trained GD-β^L takes, so that the loss's tails are moderate enough for Monte Carlo.
 */
function caseEstimator(p: Problem, L: number, rng: Rng, stepScale = 1): GdMultistep {
  const d = p.d;
  const lmax = p.lambda[d - 1]!;
  const Gammas = Array.from({ length: L }, () => {
    const a = stepScale * (0.15 + 0.35 * rng.uniform());
    const G: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) G.data[i * d + j] = (a / lmax) * ((i === j ? 1 : 0) + (0.4 * rng.normal()) / Math.sqrt(d));
    return G;
  });
  return { kind: 'gd-multistep', beta0: Float64Array.from({ length: d }, () => 0.5 * rng.normal()), Gammas };
}

function build(c: CaseSpec, stepScale = 1): { p: Problem; est: GdMultistep } {
  const rng = new Rng(c.seed);
  const p = caseProblem(c, rng);
  return { p, est: caseEstimator(p, c.L, rng, stepScale) };
}

// ─── route (a): Gauss–Hermite over the context, E[loss | X] from the explicit recursion ────────

/**
 * E[(b_L − β)ᵀH(b_L − β) | X] + σ² with b_L from `predictGdMultistep`: given X, b_L is affine in
 * (β, ε), so its conditional second moment needs the recursion at (β*, 0), at β* + (column k of
 * Ψ's factor) and at ε = e_i (math.md (1.4)). No Wishart moment enters.
 */
function conditionalLoss(p: Problem, est: GdMultistep, X: Float64Array, prompt: ReturnType<typeof allocPrompt>, ws: ReturnType<typeof allocGdMultistepWorkspace>): number {
  const { d, M, H, betaStar, PsiFactor, sigma2 } = p;
  const b = ws.b;
  const mean = new Float64Array(d);
  const diff = new Float64Array(d);
  const hq = (v: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += v[i]! * H.data[i * d + j]! * v[j]!;
    return s;
  };
  prompt.X.data.set(X);
  const solve = (beta: Float64Array, noiseAt: number): void => {
    for (let i = 0; i < M; i++) {
      let s = noiseAt === i ? 1 : 0;
      for (let k = 0; k < d; k++) s += X[i * d + k]! * beta[k]!;
      prompt.y[i] = s;
    }
    predictGdMultistep(est, prompt, ws); // leaves b_L in ws.b
  };
  solve(betaStar, -1);
  mean.set(b);
  for (let i = 0; i < d; i++) diff[i] = mean[i]! - betaStar[i]!;
  let total = hq(diff);
  const beta = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    for (let i = 0; i < d; i++) beta[i] = betaStar[i]! + PsiFactor.data[i * d + k]!;
    solve(beta, -1);
    for (let i = 0; i < d; i++) diff[i] = b[i]! - mean[i]! - PsiFactor.data[i * d + k]!;
    total += hq(diff);
  }
  if (sigma2 > 0) {
    for (let r = 0; r < M; r++) {
      solve(betaStar, r);
      for (let i = 0; i < d; i++) diff[i] = b[i]! - mean[i]!;
      total += sigma2 * hq(diff);
    }
  }
  return total + sigma2;
}

/**
 * The risk as a tensor-product Gauss–Hermite sum over the M·d standard normals z with x_i = C_H z_i:
 * (2L + 1) nodes per coordinate integrate degree 4L exactly. (2L+1)^{M·d} evaluations.
 */
function riskByQuadrature(p: Problem, est: GdMultistep): number {
  const { d, M, HFactor } = p;
  const L = est.Gammas.length;
  const rule = gaussHermite(2 * L + 1);
  const n = rule.nodes.length;
  const K = M * d;
  const idx = new Int32Array(K);
  const X = new Float64Array(K);
  const prompt = allocPrompt(d, M);
  const ws = allocGdMultistepWorkspace(d, M);
  let total = 0;
  for (;;) {
    let w = 1;
    for (let i = 0; i < M; i++) {
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += HFactor.data[a * d + k]! * rule.nodes[idx[i * d + k]!]!;
        X[i * d + a] = s;
      }
    }
    for (let k = 0; k < K; k++) w *= rule.weights[idx[k]!]!;
    total += w * conditionalLoss(p, est, X, prompt, ws);
    let k = 0;
    while (k < K && ++idx[k]! === n) idx[k++] = 0;
    if (k === K) break;
  }
  return total;
}

/** The closed form's rounding bound (module comment of src/risk/multistep.ts). */
function closedFormTolerance(p: Problem, termScale: number): number {
  const n = p.sigma2 > 0 ? p.d + 1 : p.d;
  return CLOSED_FORM_PER_N * n * EPS * termScale;
}

describe('GD-β^L symbolic stage (math.md (3.46)–(3.48))', () => {
  it('enumerates Σ_{k} (2k−1)!!·#words pairings and merges faces; L beyond the limit is refused', () => {
    // Words with k W's: C(2L, k) of them (choose the W-slots among the 2L factors).
    const dfact = (k: number): number => (k <= 1 ? 1 : (2 * k - 1) * dfact(k - 1));
    const choose = (n: number, k: number): number => (k === 0 ? 1 : (choose(n, k - 1) * (n - k + 1)) / k);
    for (let L = 1; L <= GD_MULTISTEP_MAX_STEPS; L++) {
      let want = 0;
      for (let k = 0; k <= 2 * L; k++) want += choose(2 * L, k) * dfact(k);
      const prog = compileMultistep(L);
      expect(prog.pairings).toBe(want);
      console.log(`L = ${L}: ${prog.pairings} pairings → ${prog.faces.length} faces, ${prog.products.length} products, ${prog.monomials.length} monomials`);
    }
    expect(() => compileMultistep(GD_MULTISTEP_MAX_STEPS + 1)).toThrow(InputError);
    expect(() => compileMultistep(GD_MULTISTEP_MAX_STEPS + 1)).toThrow(/Gammas: has L = 4 steps; the exact GD-β\^L risk supports 1 ≤ L ≤ 3/);
  });
});

describe('GD-β^L with L = 1 is GD-β (3.5) to rounding', () => {
  it.each([1, 2, 3, 5, 6])('d = %i, σ² > 0 and σ² = 0, random (Γ, β₀); seed 40 + d', (d) => {
    const rng = new Rng(40 + d);
    for (const sigma2 of [0.4, 0]) {
      const p = caseProblem({ seed: 0, d, M: 1 + (d % 4), L: 1, sigma2 }, rng);
      const est = caseEstimator(p, 1, rng, 2);
      const ms = riskGdMultistep(p, est);
      const one = riskGdBeta(p, { kind: 'gd-beta', Gamma: est.Gammas[0]!, beta0: est.beta0 });
      const tol = closedFormTolerance(p, ms.termScale);
      expect(Math.abs(ms.risk - one.risk), `R ${ms.risk} vs ${one.risk}, tol ${tol}`).toBeLessThanOrEqual(tol);
      // ∂R/∂θ of a quadratic in θ: rounding of order tol/‖θ‖ per entry.
      let theta = 0;
      for (const x of est.Gammas[0]!.data) theta = Math.max(theta, Math.abs(x));
      for (const x of est.beta0) theta = Math.max(theta, Math.abs(x));
      const gtol = (4 * tol) / Math.min(1, theta);
      for (let k = 0; k < d * d; k++) expect(Math.abs(ms.gradGammas[0]!.data[k]! - one.gradGamma.data[k]!)).toBeLessThanOrEqual(gtol);
      for (let k = 0; k < d; k++) expect(Math.abs(ms.gradBeta0[k]! - one.gradBeta0[k]!)).toBeLessThanOrEqual(gtol);
    }
  });
});

// (a) quadrature, d·M ≤ 6 (the small-M, L = 3 regime where Monte Carlo's standard error is unreliable)
const QUADRATURE_CASES: CaseSpec[] = [
  { seed: 101, d: 1, M: 1, L: 3 },
  { seed: 102, d: 1, M: 3, L: 3 },
  { seed: 103, d: 1, M: 6, L: 2 },
  { seed: 104, d: 2, M: 1, L: 3 },
  { seed: 105, d: 2, M: 2, L: 3, singularPsi: true },
  { seed: 106, d: 2, M: 3, L: 2 },
  { seed: 107, d: 3, M: 1, L: 3, sigma2: 0 },
  { seed: 108, d: 3, M: 2, L: 2 },
  { seed: 109, d: 6, M: 1, L: 2, singularPsi: true },
  { seed: 110, d: 1, M: 2, L: 3, sigma2: 0 },
];

describe('(a) GD-β^L closed form = Gauss–Hermite over the context of the explicit recursion (d·M ≤ 6)', () => {
  it.each(QUADRATURE_CASES)('seed $seed: d=$d M=$M L=$L', (c) => {
    for (const stepScale of [1, 3]) {
      // stepScale 3: steps past 1/λ_max, where terms of different degree cancel.
      const { p, est } = build(c, stepScale);
      const r = riskGdMultistep(p, est);
      const q = riskByQuadrature(p, est);
      // The quadrature sums positive conditional losses: its own rounding is a few ε relative
      // per operation of the recursion (≤ 16·(M·d + L) ε·q); the closed form's bound is above.
      const tol = closedFormTolerance(p, r.termScale) + 16 * (p.M * p.d + c.L) * EPS * q;
      console.log(`seed ${c.seed} ×${stepScale}: R = ${r.risk}, quadrature ${q}, |Δ| = ${Math.abs(r.risk - q).toExponential(2)} (tol ${tol.toExponential(2)}), termScale/R = ${(r.termScale / r.risk).toExponential(2)}`);
      expect(Math.abs(r.risk - q)).toBeLessThanOrEqual(tol);
    }
  });
});

// (b) Monte Carlo, d·M > 6, anisotropic H, general Ψ, β* ≠ 0
const MC_CASES: CaseSpec[] = [
  { seed: 201, d: 2, M: 4, L: 2 },
  { seed: 202, d: 2, M: 10, L: 3 },
  { seed: 203, d: 3, M: 5, L: 3 },
  { seed: 204, d: 4, M: 2, L: 2, singularPsi: true },
  { seed: 205, d: 4, M: 8, L: 3 },
  { seed: 206, d: 5, M: 3, L: 3, sigma2: 0 },
  { seed: 207, d: 6, M: 7, L: 2 },
  { seed: 208, d: 6, M: 10, L: 3, singularPsi: true },
  { seed: 209, d: 1, M: 9, L: 3 },
];

describe('(b) GD-β^L closed form = Monte Carlo through the explicit recursion (d·M > 6), |z| < 4.5', () => {
  it.each(MC_CASES)('seed $seed: d=$d M=$M L=$L (MC seed = 7·seed + 1, 2·10⁵ prompts)', (c) => {
    const { p, est } = build(c);
    const exact = riskGdMultistep(p, est).risk;
    const mc = monteCarloRisk(p, est, { samples: 200_000, seed: 7 * c.seed + 1 });
    const z = zScore(mc.mean, mc.stderr, exact);
    console.log(`seed ${c.seed}: exact ${exact}, MC ${mc.mean} ± ${mc.stderr}, z = ${((mc.mean - exact) / mc.stderr).toFixed(2)}`);
    expect(z, `MC ${mc.mean} ± ${mc.stderr} vs exact ${exact}`).toBeLessThan(Z_MC);
  });
});

describe('(c) GD-β^L gradient = central finite differences (math.md (3.49))', () => {
  it.each([
    { seed: 301, d: 1, M: 2, L: 3 },
    { seed: 302, d: 3, M: 4, L: 2 },
    { seed: 303, d: 4, M: 3, L: 3, singularPsi: true },
    { seed: 304, d: 5, M: 7, L: 3, sigma2: 0 },
    { seed: 305, d: 2, M: 1, L: 1 },
  ] as CaseSpec[])('seed $seed: d=$d M=$M L=$L, random direction (seed + 1)', (c) => {
    const { p, est } = build(c, 2);
    const r = riskGdMultistep(p, est);
    const rng = new Rng(c.seed + 1);
    const vB = rng.fillNormal(new Float64Array(p.d));
    const vG = est.Gammas.map((G) => rng.fillNormal(new Float64Array(G.data.length)));
    let slope = 0;
    let gnorm2 = 0;
    for (let k = 0; k < p.d; k++) {
      slope += r.gradBeta0[k]! * vB[k]!;
      gnorm2 += r.gradBeta0[k]! ** 2;
    }
    est.Gammas.forEach((_, l) => {
      for (let k = 0; k < vG[l]!.length; k++) {
        slope += r.gradGammas[l]!.data[k]! * vG[l]![k]!;
        gnorm2 += r.gradGammas[l]!.data[k]! ** 2;
      }
    });
    const at = (t: number): number =>
      riskGdMultistepValue(p, {
        kind: 'gd-multistep',
        beta0: est.beta0.map((x, k) => x + t * vB[k]!),
        Gammas: est.Gammas.map((G, l) => ({ rows: G.rows, cols: G.cols, data: G.data.map((x, k) => x + t * vG[l]![k]!) })),
      });
    const fd = directionalDerivative(at, 1e-3);
    const vnorm = Math.sqrt(vB.reduce((s, x) => s + x * x, 0) + vG.reduce((s, v) => s + v.reduce((t, x) => t + x * x, 0), 0));
    expect(Math.abs(fd - slope), `FD ${fd} vs analytic ${slope}`).toBeLessThanOrEqual(FD_RTOL * Math.sqrt(gnorm2) * vnorm);
  });

  it('the dispatcher risk() returns kind gd-multistep with the typed gradient { Gammas, beta0 }', () => {
    const { p, est } = build({ seed: 400, d: 3, M: 4, L: 2 });
    const r = risk(p, est);
    expect(r.kind).toBe('gd-multistep');
    expect(r.gradient.Gammas).toHaveLength(2);
    expect(r.gradient.beta0).toHaveLength(3);
    const direct = riskGdMultistep(p, est);
    expect(r.risk).toBe(direct.risk);
    expect(r.gradNorm).toBeGreaterThan(0);
  });

  it('refuses L = 4 and mis-shaped weights with an InputError naming the field', () => {
    const { p, est } = build({ seed: 401, d: 2, M: 3, L: 3 });
    const four: GdMultistep = { ...est, Gammas: [...est.Gammas, est.Gammas[0]!] };
    expect(() => riskGdMultistep(p, four)).toThrow(/Gammas: has L = 4 steps; the exact GD-β\^L risk supports 1 ≤ L ≤ 3/);
    expect(() => risk(p, four)).toThrow(InputError);
    const bad: GdMultistep = { ...est, Gammas: [est.Gammas[0]!, { rows: 2, cols: 3, data: new Float64Array(6) }] };
    expect(() => riskGdMultistep(p, bad)).toThrow(/Gammas\[1\]: must be \[d, d\] = \[2, 2\]/);
    const nan: GdMultistep = { ...est, beta0: Float64Array.from([0, NaN]) };
    expect(() => riskGdMultistep(p, nan)).toThrow(/beta0\[1\]: must be finite/);
    // Monte Carlo through the recursion takes any L.
    expect(monteCarloRisk(p, four, { samples: 100, seed: 1 }).mean).toBeGreaterThan(0);
    // The workspace cap (GD_MULTISTEP_MAX_WORKSPACE_BYTES) names d and the largest n it allows.
    const big = makeProblem({ d: 300, M: 2, H: 1, Psi: 1, sigma2: 0.1 });
    const zero = { rows: 300, cols: 300, data: new Float64Array(300 * 300) };
    expect(() => riskGdMultistep(big, { kind: 'gd-multistep', beta0: new Float64Array(300), Gammas: [zero, zero, zero] })).toThrow(/^d: is 300, but .* n = d \+ 1 ≤ 286 at this L/);
  });
});

// ─── the 50-digit reference (python3 + mpmath) ─────────────────────────────────────────────────

/** The same quadrature as `riskByQuadrature`, in 50-digit arithmetic; H = FFᵀ, Ψ = CCᵀ exactly. */
const MP_SCRIPT = String.raw`
import sys, json, itertools
from mpmath import mp, mpf, polyroots, factorial
mp.dps = 50
c = json.load(sys.stdin)
d, M, L = c['d'], c['M'], len(c['Gammas'])
F = [[mpf(v) for v in r] for r in c['F']]
C = [[mpf(v) for v in r] for r in c['C']]
bs = [mpf(v) for v in c['betaStar']]; b0 = [mpf(v) for v in c['beta0']]
s2 = mpf(c['sigma2']); G = [[[mpf(v) for v in r] for r in g] for g in c['Gammas']]
H = [[sum(F[i][k]*F[j][k] for k in range(d)) for j in range(d)] for i in range(d)]
n = 2*L + 1
He = [[mpf(1)], [mpf(0), mpf(1)]]
for k in range(1, n):
    a = [mpf(0)] + He[k]; b = He[k-1] + [mpf(0)]*2
    He.append([a[i] - k*b[i] for i in range(k+2)])
ev = lambda cf, x: sum(v * x**i for i, v in enumerate(cf))
nodes = [mp.re(r) for r in polyroots(list(reversed(He[n])), maxsteps=400, extraprec=400)]
w = [factorial(n) / (n**2 * ev(He[n-1], x)**2) for x in nodes]
def run(X, beta, eps):
    b = list(b0)
    y = [sum(X[i][k]*beta[k] for k in range(d)) + eps[i] for i in range(M)]
    for g in G:
        r = [(y[i] - sum(X[i][k]*b[k] for k in range(d))) / M for i in range(M)]
        gv = [sum(X[i][k]*r[i] for i in range(M)) for k in range(d)]
        b = [b[i] + sum(g[i][k]*gv[k] for k in range(d)) for i in range(d)]
    return b
hq = lambda v: sum(v[i]*H[i][j]*v[j] for i in range(d) for j in range(d))
total = mpf(0)
zero = [mpf(0)]*M
for idx in itertools.product(range(n), repeat=M*d):
    wt = mpf(1)
    for t in idx: wt *= w[t]
    Z = [nodes[t] for t in idx]
    X = [[sum(F[k][m]*Z[i*d+m] for m in range(d)) for k in range(d)] for i in range(M)]
    m0 = run(X, bs, zero)
    val = hq([m0[k]-bs[k] for k in range(d)])
    for col in range(len(C[0])):
        cv = [C[k][col] for k in range(d)]
        bb = run(X, [bs[k]+cv[k] for k in range(d)], zero)
        val += hq([bb[k]-m0[k]-cv[k] for k in range(d)])
    if s2 > 0:
        for i in range(M):
            e = list(zero); e[i] = mpf(1)
            bb = run(X, bs, e)
            val += s2*hq([bb[k]-m0[k] for k in range(d)])
    total += wt*val
print(mp.nstr(total + s2, 40))
`;

const mpAvailable = spawnSync('python3', ['-c', 'import mpmath'], { encoding: 'utf8' }).status === 0;

/** Fixed cases whose H and Ψ are given by factors with float64-exact entries. */
const MP_CASES = [
  { name: 'd=1 M=2 L=3', F: [[1.25]], C: [[0.75]], betaStar: [1.5], beta0: [-0.25], sigma2: 0.5, M: 2, Gammas: [[[0.5]], [[0.375]], [[0.625]]] },
  {
    name: 'd=2 M=2 L=3 (large steps: cancellation)',
    F: [[1.5, 0], [0.5, 0.75]], C: [[0.5, 0.25], [-0.25, 0.5]], betaStar: [1, -2], beta0: [0.5, 0.25], sigma2: 0.25, M: 2,
    Gammas: [[[0.75, 0.125], [-0.25, 1.5]], [[0.5, -0.375], [0.25, 1.25]], [[1.25, 0.5], [0, 0.875]]],
  },
  {
    name: 'd=3 M=1 L=3, σ² = 0, singular Ψ', F: [[1, 0, 0], [0.5, 0.5, 0], [-0.25, 0.25, 0.75]], C: [[0.5], [0.25], [-0.5]],
    betaStar: [0.5, 1, -1], beta0: [0, 0, 0], sigma2: 0, M: 1,
    Gammas: [[[0.25, 0, 0.125], [0.0625, 0.5, 0], [0, -0.125, 0.375]], [[0.5, 0.25, 0], [0, 0.25, 0], [0.125, 0, 0.5]], [[0.125, 0, 0], [0, 0.125, 0.25], [0, 0, 0.125]]],
  },
];

function mul(A: number[][], B: number[][]): number[][] {
  return A.map((row) => B[0]!.map((_, j) => row.reduce((s, a, k) => s + a * B[k]![j]!, 0)));
}
const tr = (A: number[][]): number[][] => A[0]!.map((_, j) => A.map((r) => r[j]!));

describe(`GD-β^L against a 50-digit evaluation (python3 + mpmath${mpAvailable ? '' : ': NOT FOUND, these checks are skipped'})`, () => {
  it.skipIf(!mpAvailable).each(MP_CASES)('$name', (c) => {
    const p = makeProblem({ M: c.M, H: mul(c.F, tr(c.F)), Psi: mul(c.C, tr(c.C)), betaStar: c.betaStar, sigma2: c.sigma2 });
    const est: GdMultistep = {
      kind: 'gd-multistep', beta0: Float64Array.from(c.beta0),
      Gammas: c.Gammas.map((G) => ({ rows: G.length, cols: G.length, data: Float64Array.from(G.flat()) })),
    };
    const out = spawnSync('python3', ['-c', MP_SCRIPT], { input: JSON.stringify({ d: c.F.length, ...c }), encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const ref = Number(out.stdout.trim());
    const r = riskGdMultistep(p, est);
    const q = riskByQuadrature(p, est);
    const digits = (x: number): string => (x === ref ? '≥ 16' : (-Math.log10(Math.abs(x - ref) / Math.abs(ref))).toFixed(1));
    console.log(`${c.name}: 50-digit ${out.stdout.trim()}; closed form ${r.risk} (${digits(r.risk)} digits), float64 quadrature ${q} (${digits(q)} digits); termScale/R = ${(r.termScale / r.risk).toExponential(2)}`);
    expect(Math.abs(r.risk - ref)).toBeLessThanOrEqual(closedFormTolerance(p, r.termScale));
    expect(Math.abs(q - ref)).toBeLessThanOrEqual(16 * (p.M * p.d + est.Gammas.length) * EPS * ref);
  });
});

// ─── the route for steps Γ_l = c_l·H⁻¹ (math.md §3.6), L ≤ 8 ────────────────────────────────

function scaledInverseSteps(p: Problem, cs: readonly number[], beta0: Float64Array): GdMultistep {
  const d = p.d;
  // H⁻¹ = V·Λ⁻¹·Vᵀ from the problem's eigendecomposition.
  const Hinv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) Hinv[i * d + j] += (p.V.data[i * d + k]! * p.V.data[j * d + k]!) / p.lambda[k]!;
  return { kind: 'gd-multistep', beta0, Gammas: cs.map((c) => ({ rows: d, cols: d, data: Hinv.map((x) => c * x) })) };
}

describe('GD-β^L with Γ_l = c_l·H⁻¹: the spectral-moment route (3.50)–(3.54)', () => {
  it('multi-trace Wishart moments: E tr W = n, E tr W² = n + n(n+1)/M, E (tr W)² = n² + 2n/M, E tr W³ (known closed form)', () => {
    for (const [n, M] of [[1, 1], [3, 4], [7, 2]] as const) {
      const m = wishartTraceMoments(n, M);
      const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
      expect(rel(m([1]), n)).toBeLessThanOrEqual(4 * EPS);
      expect(rel(m([2]), n + (n * (n + 1)) / M)).toBeLessThanOrEqual(8 * EPS);
      expect(rel(m([1, 1]), n * n + (2 * n) / M)).toBeLessThanOrEqual(8 * EPS);
      // Real Wishart (Letac & Massam): E tr (ZᵀZ)³ = nM·(M² + n² + 3Mn + 3M + 3n + 4).
      expect(rel(m([3]), (n * M * (M * M + n * n + 3 * M * n + 3 * M + 3 * n + 4)) / M ** 3)).toBeLessThanOrEqual(16 * EPS);
    }
  });

  it.each([
    { seed: 501, d: 1, M: 2, L: 3 },
    { seed: 502, d: 3, M: 4, L: 2 },
    { seed: 503, d: 4, M: 3, L: 3, singularPsi: true },
    { seed: 504, d: 5, M: 7, L: 3, sigma2: 0 },
    { seed: 505, d: 2, M: 1, L: 1 },
  ] as CaseSpec[])('equals the general route (risk and the FULL gradient ∂R/∂Γ_l) for L ≤ 3, seed $seed d=$d M=$M L=$L', (c) => {
    const rng = new Rng(c.seed);
    const p = caseProblem(c, rng);
    const est = scaledInverseSteps(p, Array.from({ length: c.L }, () => 0.2 + 0.8 * rng.uniform()), Float64Array.from({ length: c.d }, () => rng.normal()));
    const general = riskGdMultistep(p, est);
    const spectral = riskGdMultistepCommuting(p, est);
    const tol = closedFormTolerance(p, Math.max(general.termScale, spectral.termScale));
    expect(Math.abs(general.risk - spectral.risk), `${general.risk} vs ${spectral.risk}`).toBeLessThanOrEqual(tol);
    let theta = 0;
    for (const G of est.Gammas) for (const x of G.data) theta = Math.max(theta, Math.abs(x));
    for (const x of est.beta0) theta = Math.max(theta, Math.abs(x));
    const gtol = (4 * c.L * tol) / Math.min(1, theta);
    general.gradGammas.forEach((G, l) => {
      for (let k = 0; k < G.data.length; k++) expect(Math.abs(G.data[k]! - spectral.gradGammas[l]!.data[k]!)).toBeLessThanOrEqual(gtol);
    });
    for (let k = 0; k < c.d; k++) expect(Math.abs(general.gradBeta0[k]! - spectral.gradBeta0[k]!)).toBeLessThanOrEqual(gtol);
  });

  it.each([
    { seed: 601, d: 1, M: 2, L: 8 },
    { seed: 602, d: 2, M: 1, L: 6 },
    { seed: 603, d: 1, M: 3, L: 5, sigma2: 0 },
    { seed: 604, d: 3, M: 1, L: 4, singularPsi: true },
  ] as CaseSpec[])('L > 3 equals Gauss–Hermite over the context (d·M ≤ 3), seed $seed d=$d M=$M L=$L', (c) => {
    const rng = new Rng(c.seed);
    const p = caseProblem(c, rng);
    const est = scaledInverseSteps(p, Array.from({ length: c.L }, () => 0.1 + 0.5 * rng.uniform()), Float64Array.from({ length: c.d }, () => rng.normal()));
    const r = risk(p, est); // dispatches to the spectral route for L > 3
    const direct = riskGdMultistepCommuting(p, est);
    expect(r.risk).toBe(direct.risk);
    const q = riskByQuadrature(p, est);
    const tol = closedFormTolerance(p, direct.termScale) + 16 * (p.M * p.d + c.L) * EPS * q;
    console.log(`seed ${c.seed} (L = ${c.L}): spectral ${direct.risk}, quadrature ${q}, |Δ| = ${Math.abs(direct.risk - q).toExponential(2)} (tol ${tol.toExponential(2)})`);
    expect(Math.abs(direct.risk - q)).toBeLessThanOrEqual(tol);
  });

  it.each([
    { seed: 701, d: 3, M: 6, L: 5 },
    { seed: 702, d: 5, M: 10, L: 8 },
    { seed: 703, d: 2, M: 8, L: 8, sigma2: 0 },
  ] as CaseSpec[])('L > 3 equals Monte Carlo through the recursion, seed $seed d=$d M=$M L=$L (MC seed 7·seed + 1, 2·10⁵ prompts)', (c) => {
    const rng = new Rng(c.seed);
    const p = caseProblem(c, rng);
    const est = scaledInverseSteps(p, Array.from({ length: c.L }, () => 0.1 + 0.4 * rng.uniform()), Float64Array.from({ length: c.d }, () => rng.normal()));
    const exact = riskGdMultistepCommuting(p, est).risk;
    const mc = monteCarloRisk(p, est, { samples: 200_000, seed: 7 * c.seed + 1 });
    console.log(`seed ${c.seed} (L = ${c.L}): exact ${exact}, MC ${mc.mean} ± ${mc.stderr}, z = ${((mc.mean - exact) / mc.stderr).toFixed(2)}`);
    expect(zScore(mc.mean, mc.stderr, exact)).toBeLessThan(Z_MC);
  });

  it('L = 8: the gradient along the structure (dc_l·H⁻¹ and any dβ₀) = central differences', () => {
    const c: CaseSpec = { seed: 801, d: 3, M: 5, L: 8 };
    const rng = new Rng(c.seed);
    const p = caseProblem(c, rng);
    const cs = Array.from({ length: c.L }, () => 0.1 + 0.5 * rng.uniform());
    const b0 = Float64Array.from({ length: c.d }, () => rng.normal());
    const dc = Array.from({ length: c.L }, () => rng.normal());
    const db = Float64Array.from({ length: c.d }, () => rng.normal());
    const r = riskGdMultistepCommuting(p, scaledInverseSteps(p, cs, b0));
    const dir = scaledInverseSteps(p, dc, db);
    let slope = 0;
    r.gradGammas.forEach((G, l) => G.data.forEach((g, k) => (slope += g * dir.Gammas[l]!.data[k]!)));
    r.gradBeta0.forEach((g, k) => (slope += g * db[k]!));
    const fd = directionalDerivative((t) => riskGdMultistepCommuting(p, scaledInverseSteps(p, cs.map((x, l) => x + t * dc[l]!), b0.map((x, k) => x + t * db[k]!))).risk, 1e-3);
    expect(Math.abs(fd - slope), `FD ${fd} vs analytic ${slope}`).toBeLessThanOrEqual(FD_RTOL * Math.abs(slope));
  });

  it.each([
    { seed: 851, d: 3, M: 6, L: 5 },
    { seed: 852, d: 2, M: 9, L: 8 },
  ] as CaseSpec[])('L > 3: the FULL gradient along an unstructured direction = Monte Carlo of the pathwise derivative, seed $seed L=$L (MC seed 7·seed + 1, 2·10⁵ prompts)', (c) => {
    // d/dt E[(f − y)²] = E[2(f − y)·xᵀḃ_L], ḃ_l = ḃ_{l−1} + ΔΓ_l·g_l − Γ_l·XᵀXḃ_{l−1}/M, ḃ₀ = Δβ₀,
    // g_l = Xᵀ(y − Xb_{l−1})/M: forward-mode through the recursion (3.42), no closed form involved.
    const rng = new Rng(c.seed);
    const p = caseProblem(c, rng);
    const est = scaledInverseSteps(p, Array.from({ length: c.L }, () => 0.1 + 0.4 * rng.uniform()), Float64Array.from({ length: c.d }, () => rng.normal()));
    const dG = est.Gammas.map(() => rng.fillNormal(new Float64Array(c.d * c.d)));
    const dB = rng.fillNormal(new Float64Array(c.d));
    const r = riskGdMultistepCommuting(p, est);
    let slope = 0;
    r.gradGammas.forEach((G, l) => G.data.forEach((g, k) => (slope += g * dG[l]![k]!)));
    r.gradBeta0.forEach((g, k) => (slope += g * dB[k]!));
    const { d, M } = p;
    const sampler = new PromptSampler(p, 7 * c.seed + 1);
    const q = allocPrompt(d, M);
    const b = new Float64Array(d);
    const bd = new Float64Array(d);
    const g = new Float64Array(d);
    const gd = new Float64Array(d);
    const res = new Float64Array(M);
    const resd = new Float64Array(M);
    const N = 200_000;
    let mean = 0;
    let m2 = 0;
    for (let k = 1; k <= N; k++) {
      sampler.next(q);
      b.set(est.beta0);
      bd.set(dB);
      est.Gammas.forEach((G, l) => {
        for (let i = 0; i < M; i++) {
          let s = q.y[i]!;
          let sd = 0;
          for (let a = 0; a < d; a++) {
            s -= q.X.data[i * d + a]! * b[a]!;
            sd -= q.X.data[i * d + a]! * bd[a]!;
          }
          res[i] = s / M;
          resd[i] = sd / M;
        }
        g.fill(0);
        gd.fill(0);
        for (let i = 0; i < M; i++) {
          for (let a = 0; a < d; a++) {
            g[a] += q.X.data[i * d + a]! * res[i]!;
            gd[a] += q.X.data[i * d + a]! * resd[i]!;
          }
        }
        for (let a = 0; a < d; a++) {
          let s = 0;
          let sd = 0;
          for (let j = 0; j < d; j++) {
            s += G.data[a * d + j]! * g[j]!;
            sd += dG[l]![a * d + j]! * g[j]! + G.data[a * d + j]! * gd[j]!;
          }
          b[a] += s;
          bd[a] += sd;
        }
      });
      let f = 0;
      let fd = 0;
      for (let a = 0; a < d; a++) {
        f += q.x[a]! * b[a]!;
        fd += q.x[a]! * bd[a]!;
      }
      const v = 2 * (f - q.yQuery) * fd;
      const delta = v - mean;
      mean += delta / k;
      m2 += delta * (v - mean);
    }
    const se = Math.sqrt(m2 / (N - 1) / N);
    console.log(`seed ${c.seed} (L = ${c.L}): ⟨∇R, Δ⟩ = ${slope}, pathwise MC ${mean} ± ${se}, z = ${((mean - slope) / se).toFixed(2)}`);
    expect(zScore(mean, se, slope)).toBeLessThan(Z_MC);
  });

  it('refuses steps that are not c·H⁻¹ (naming Gammas[l]) and L = 9 (giving the limits)', () => {
    const rng = new Rng(901);
    const p = caseProblem({ seed: 0, d: 3, M: 4, L: 5 }, rng);
    const est = scaledInverseSteps(p, [0.2, 0.3, 0.1, 0.2, 0.3], new Float64Array(3));
    const bent: GdMultistep = { ...est, Gammas: est.Gammas.map((G, l) => (l === 3 ? { ...G, data: G.data.map((x, k) => (k === 1 ? x + 1e-6 : x)) } : G)) };
    expect(() => riskGdMultistepCommuting(p, bent)).toThrow(/Gammas\[3\]: is not a multiple of H⁻¹/);
    expect(() => risk(p, bent)).toThrow(/L ≤ 3, and for L ≤ 8 when every Γ_l = c_l·H⁻¹/);
    const nine: GdMultistep = { ...est, Gammas: [...est.Gammas, ...est.Gammas.slice(0, 4)] };
    expect(() => risk(p, nine)).toThrow(/has L = 9 steps; the exact GD-β\^L risk supports L ≤ 8 for steps Γ_l = c_l·H⁻¹ and L ≤ 3 for arbitrary Γ_l/);
  });
});
