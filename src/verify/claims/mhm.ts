/**
 * The claims of Mahankali, Hashimoto & Ma (MHM; docs/math.md §3.5, §5): MHM-1 (Γ* = ηI, one step of
 * GD is the optimal LSA), MHM-2 (H = Σ, Ψ = Σ⁻¹: Γ* = ηΣ⁻¹, risk independent of Σ) and MHM-NL
 * (nonlinear responses: η_NL by quadrature, checked by Monte Carlo).
 */
import { identity, matmul, Rng, solveSPDMatrix, symmetrise, toRows, transpose, zeros, type Matrix } from '../../linalg/index.js';
import { makeProblem, type Problem } from '../../models/index.js';
import { optimumGd0 } from '../../risk/index.js';
import { etaNonlinear, evalResponse, responseMoments, type Response, type ResponseMoments } from './responses.js';
import { identityRows, matRelErr, relErr, type ClaimContext, type ClaimResult } from './context.js';

/** Γ* of one-step GD from zero by math.md §3.5 (independent of §3.2's route): Γ* = KH𝒜⁻¹. */
export function gammaStarEq35(problem: Problem): Matrix {
  const { d, M, H, Psi, betaStar, sigma2 } = problem;
  const K: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) K.data[i * d + j] = Psi.data[i * d + j]! + betaStar[i]! * betaStar[j]!;
  const HK = matmul(H, K);
  const HKH = matmul(HK, H);
  let trKH = 0;
  for (let i = 0; i < d; i++) trKH += HK.data[i * d + i]!;
  const kappa = problem.kappa;
  const c = (trKH + sigma2) / M;
  const A: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  for (let k = 0; k < d * d; k++) A.data[k] = kappa * HKH.data[k]! + c * H.data[k]!;
  symmetrise(A, A);
  const X = solveSPDMatrix(A, HK); // 𝒜⁻¹HK = (KH𝒜⁻¹)ᵀ
  return transpose(zeros(d, d), X);
}

/** Overrides of the MHM checks: the claimed η. */
export interface EtaOverrides {
  eta?: number;
}

/**
 * MHM Thm 1 — H = Ψ = I, β* = 0 (d, M, σ² from the problem): Γ* = ηI with η = M/(M + d + 1 + σ²),
 * by both closed-form routes (§3.2 and §3.5; relative 1e-12), and one step of GD is the optimal
 * LSA: R*_LSA = R*_GD0 (relative 1e-8, numerical LSA optimum).
 */
export function checkMhm1(problem: Problem, label: string, ctx: ClaimContext, o: EtaOverrides = {}): ClaimResult {
  const { d, M, sigma2 } = problem;
  const p = makeProblem({ d, M, H: 1, Psi: 1, betaStar: 0, sigma2 });
  const eta = o.eta ?? M / (M + d + 1 + sigma2);
  const etaI = identityRows(d, eta).flat();
  const gd0 = optimumGd0(p);
  const gammaErr32 = matRelErr(gd0.estimator.Gamma.data, etaI);
  const gammaErr35 = matRelErr(gammaStarEq35(p).data, etaI);
  const lsa = ctx.optimum(p, 'lsa').risk;
  const lsaRelGap = (lsa - gd0.risk) / gd0.risk;
  return {
    id: 'MHM-1', title: 'H = Ψ = I, β* = 0: Γ* = ηI and one-step GD is the optimal LSA', problem: `${label} [H=Ψ=I, β*=0]`,
    measured: { eta, gammaErr32, gammaErr35, riskGd0: gd0.risk, riskLsa: lsa, lsaRelGap },
    tolerance: { gammaErr: 1e-12, lsaRelGap: 1e-8 },
    criterion: '‖Γ* − ηI‖_F/‖ηI‖_F ≤ 1e-12 by §3.2 and §3.5; |R*_LSA − R*_GD0| ≤ 1e-8·R*_GD0',
    pass: gammaErr32 <= 1e-12 && gammaErr35 <= 1e-12 && Math.abs(lsaRelGap) <= 1e-8,
  };
}

/** Overrides of {@link checkMhm2}. */
export interface Mhm2Overrides extends EtaOverrides {
  /** Number of random Σ. @defaultValue 4 */
  count?: number;
}

/**
 * MHM Thm 2 — H = Σ, Ψ = Σ⁻¹, β* = 0 (d, M, σ² from the problem; `count` seeded random Σ with
 * condition numbers up to ~10²): Γ* = ηΣ⁻¹ and R* = σ² + d(d + 1 + σ²)/(M + d + 1 + σ²) for every Σ
 * (relative 1e-10 each; the spread of R* over the Σ's relative 1e-10).
 */
export function checkMhm2(problem: Problem, label: string, ctx: ClaimContext, o: Mhm2Overrides = {}): ClaimResult {
  const { d, M, sigma2 } = problem;
  const eta = o.eta ?? M / (M + d + 1 + sigma2);
  const claimedRisk = sigma2 + (d * (d + 1 + sigma2)) / (M + d + 1 + sigma2);
  const rng = new Rng(ctx.seed + 17);
  let gammaErr = 0;
  let riskErr = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let c = 0; c < (o.count ?? 4); c++) {
    // Σ = AAᵀ/d + 0.05·I with A Gaussian (condition ≲ 10² for d ≤ 8).
    const A = Float64Array.from({ length: d * d }, () => rng.normal());
    const S: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let s = i === j ? 0.05 : 0;
        for (let k = 0; k < d; k++) s += (A[i * d + k]! * A[j * d + k]!) / d;
        S.data[i * d + j] = s;
        S.data[j * d + i] = s;
      }
    }
    const Si = symmetrise(zeros(d, d), solveSPDMatrix(S, identity(d)));
    const p = makeProblem({ d, M, H: toRows(S), Psi: toRows(Si), betaStar: 0, sigma2 });
    const opt = optimumGd0(p);
    gammaErr = Math.max(gammaErr, matRelErr(opt.estimator.Gamma.data, Si.data.map((v) => eta * v)));
    riskErr = Math.max(riskErr, relErr(opt.risk, claimedRisk));
    lo = Math.min(lo, opt.risk);
    hi = Math.max(hi, opt.risk);
  }
  const riskSpread = (hi - lo) / claimedRisk;
  return {
    id: 'MHM-2', title: 'H = Σ, Ψ = Σ⁻¹: Γ* = ηΣ⁻¹, risk independent of Σ', problem: `${label} [H=Σ, Ψ=Σ⁻¹, β*=0]`,
    measured: { eta, claimedRisk, gammaErr, riskErr, riskSpread },
    tolerance: { gammaErr: 1e-10, riskErr: 1e-10, riskSpread: 1e-10 },
    criterion: 'for every random Σ: ‖Γ* − ηΣ⁻¹‖_F/‖ηΣ⁻¹‖_F ≤ 1e-10, |R* − claimed|/claimed ≤ 1e-10; spread of R* ≤ 1e-10',
    pass: gammaErr <= 1e-10 && riskErr <= 1e-10 && riskSpread <= 1e-10,
  };
}

/** Closed-form Gaussian moments of the catalogue's responses (the quadrature's known answers). */
export const KNOWN_MOMENTS: Readonly<Record<string, ResponseMoments>> = {
  sign: { c1: Math.sqrt(2 / Math.PI), g2: 1, g2z2: 1 },
  relu: { c1: 0.5, g2: 0.5, g2z2: 1.5 },
  'z + z²': { c1: 1, g2: 4, g2z2: 18 },
};

/** Options of {@link monteCarloNonlinear}. */
export interface NonlinearMonteCarloOptions {
  /** Feature dimension d ≥ 1. */
  readonly d: number;
  /** Context length M ≥ 1. */
  readonly M: number;
  /** Label-noise variance σ² ≥ 0. */
  readonly sigma2: number;
  /** The isotropic step sizes η to evaluate, on common prompts. */
  readonly etas: readonly number[];
  /** Number of prompts. */
  readonly samples: number;
  /** Seed of the portable Rng. */
  readonly seed: number;
}

/**
 * Monte Carlo of the risk of the isotropic one-step GD f = η·xᵀXᵀy/M on y = g(x₁) + ε,
 * x ~ N(0, I_d) (w = e₁; by rotation invariance any unit w gives the same risk), for several η on
 * common prompts. Returns mean and standard error per η.
 */
export function monteCarloNonlinear(r: Response, options: NonlinearMonteCarloOptions): { mean: number; stderr: number }[] {
  const { d, M, sigma2, etas, samples, seed } = options;
  const rng = new Rng(seed);
  const sigma = Math.sqrt(sigma2);
  const v = new Float64Array(d);
  const x = new Float64Array(d);
  const k = etas.length;
  const mean = new Float64Array(k);
  const m2 = new Float64Array(k);
  const row = new Float64Array(d);
  for (let n = 1; n <= samples; n++) {
    v.fill(0);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < d; j++) row[j] = rng.normal();
      const y = evalResponse(r, row[0]!) + sigma * rng.normal();
      for (let j = 0; j < d; j++) v[j] += (row[j]! * y) / M;
    }
    for (let j = 0; j < d; j++) x[j] = rng.normal();
    const yq = evalResponse(r, x[0]!) + sigma * rng.normal();
    let xv = 0;
    for (let j = 0; j < d; j++) xv += x[j]! * v[j]!;
    for (let e = 0; e < k; e++) {
      const err = (etas[e]! * xv - yq) ** 2;
      const delta = err - mean[e]!;
      mean[e] += delta / n;
      m2[e] += delta * (err - mean[e]!);
    }
  }
  return Array.from(mean, (m, e) => ({ mean: m, stderr: Math.sqrt(m2[e]! / (samples - 1) / samples) }));
}

/** Monte Carlo slack (standard errors) of the MHM-NL risk check. */
const MC_Z = 5;

/**
 * MHM nonlinear responses — y = g(wᵀx) + ε, x ~ N(0, I_d) (d, M, σ² from the problem): η_NL from
 * Gauss–Hermite/Laguerre quadrature (src/quadrature via responses.ts; the moments match their closed forms to
 * 1e-12) and the predicted risk R(η) = E[g²] + σ² − 2ηc₁² + η²D matches a Monte Carlo of the
 * one-step GD with step η·I at η = η_NL (the claimed optimum R*) and at 0.5η_NL, 1.5η_NL, each within
 * 5 standard errors; the MC risk at η_NL is also the smallest of the three.
 */
export function checkMhmNonlinear(problem: Problem, label: string, ctx: ClaimContext, response: Response, o: EtaOverrides = {}): ClaimResult {
  const { d, M, sigma2 } = problem;
  const m = responseMoments(response);
  const nl = etaNonlinear(m, d, M, sigma2);
  const eta = o.eta ?? nl.eta;
  const claimed = o.eta === undefined ? nl.risk : m.g2 + sigma2 - eta * m.c1 * m.c1; // R* as the claim states it
  const etas = [eta, 0.5 * eta, 1.5 * eta];
  const mc = monteCarloNonlinear(response, { d, M, sigma2, etas, samples: ctx.mcSamples, seed: ctx.seed + 101 });
  const predicted = [claimed, nl.riskAt(0.5 * eta), nl.riskAt(1.5 * eta)];
  const z = mc.map((r, i) => Math.abs(r.mean - predicted[i]!) / r.stderr);
  const known = KNOWN_MOMENTS[response.name];
  const momentErr = known ? Math.max(relErr(m.c1, known.c1), relErr(m.g2, known.g2), relErr(m.g2z2, known.g2z2)) : 0;
  const minimal = mc[0]!.mean <= mc[1]!.mean && mc[0]!.mean <= mc[2]!.mean;
  return {
    id: 'MHM-NL', title: `nonlinear response ${response.name}: η_NL by quadrature`, problem: `${label} [y = g(x₁) + ε, g = ${response.name}]`,
    measured: {
      eta, c1: m.c1, Eg2: m.g2, Eg2z2: m.g2z2, momentErr, riskClaimed: claimed, mcRisk: mc[0]!.mean, mcStderr: mc[0]!.stderr,
      z: z[0]!, zHalf: z[1]!, zOneHalf: z[2]!,
    },
    tolerance: { momentErr: 1e-12, z: MC_Z },
    criterion: 'quadrature moments = closed forms (1e-12); |MC − R(η)| ≤ 5se at η_NL, 0.5η_NL, 1.5η_NL; MC risk smallest at η_NL',
    pass: momentErr <= 1e-12 && z.every((v) => v <= MC_Z) && minimal,
  };
}

