/**
 * The ICL linear-regression problem of math.md §1: x ~ N(0, H), β ~ N(β*, Ψ), y = xᵀβ + ε,
 * ε ~ N(0, σ²), prompts of M context pairs plus a query.
 *
 * Shapes (used throughout src/models and src/risk):
 *   d  — feature dimension;  M — number of context pairs;
 *   H  — [d, d] covariate covariance (SPD);  Psi — [d, d] task covariance (PSD);
 *   betaStar — [d] task mean;  X — [M, d] context covariates;  y — [M] context labels.
 */
import { InputError, NumericalError } from '../errors.js';
import { eigh, fromEigenpairs, gemm, relativeAsymmetry, symmetrise, SYMMETRY_RTOL, type Matrix } from '../linalg/index.js';
import { finiteMatrix, finiteNumber, finiteVector, integerAtLeast, noUnknownKeys, record } from './schema.js';

/** Invalid problem description: names the field and the reason. */
export class ProblemError extends InputError {
  /** The class name, `'ProblemError'`; the CLI maps this error to exit code 2. */
  override name = 'ProblemError';
}

/** JSON description of a problem (the CLI's `--problem` file and the library's input). */
export interface ProblemSpec {
  /** Feature dimension d ≥ 1. Optional when H, Psi or betaStar is an array (then inferred). */
  d?: number;
  /** Context length M ≥ 1. */
  M: number;
  /** Covariate covariance: [d, d] nested array, [d] diagonal, or a number c (c·I). @defaultValue 1 (identity) */
  H?: number | number[] | number[][] | Matrix;
  /**
   * Task covariance (PSD; 0 allowed): same forms as H, or the string `"H^-1"` for Ψ = H⁻¹ (the
   * papers' "task covariance Σ⁻¹", e.g. Ahn et al.'s rotated data; computed here from H's
   * eigendecomposition, so it need not be inverted by hand). @defaultValue 1 (identity)
   */
  Psi?: number | number[] | number[][] | Matrix | 'H^-1';
  /** Task mean: [d] array or a number (every entry). @defaultValue 0 */
  betaStar?: number | number[] | Float64Array;
  /** Label-noise variance σ² ≥ 0. @defaultValue 0 */
  sigma2?: number;
  /** Attention mask 𝕄 = diag(I_M, 0) (true) or I_{M+1} (false). @defaultValue true */
  masked?: boolean;
}

/** A validated problem with what every risk needs precomputed once. */
export interface Problem {
  /** Feature dimension d, 1 ≤ d ≤ 1000 (`MAX_D`). */
  readonly d: number;
  /** Number of context pairs M (the query is extra), 1 ≤ M ≤ 2⁴⁰. */
  readonly M: number;
  /** [d, d] SPD. */
  readonly H: Matrix;
  /** [d, d] PSD. */
  readonly Psi: Matrix;
  /** [d]. */
  readonly betaStar: Float64Array;
  /** Label-noise variance σ² ≥ 0, unit [y]². */
  readonly sigma2: number;
  /** Attention mask (2.2): true for 𝕄 = diag(I_M, 0) (the query does not attend to itself), false for I_{M+1}. */
  readonly masked: boolean;
  /** Eigenvalues of H, ascending: H = V·diag(λ)·Vᵀ. */
  readonly lambda: Float64Array;
  /** [d, d] orthonormal eigenvectors of H (columns). */
  readonly V: Matrix;
  /** [d, d] Ψ in the eigenbasis of H: Vᵀ·Ψ·V. */
  readonly PsiEig: Matrix;
  /** [d] β* in the eigenbasis of H: Vᵀβ*. */
  readonly betaStarEig: Float64Array;
  /** ψ² when Ψ = ψ²·I (then risks and flows take O(d²) paths), else null. */
  readonly psiIsotropic: number | null;
  /** t₁ = tr(HΨ) = E[ξᵀHξ], ξ ~ N(0, Ψ). */
  readonly t1: number;
  /** t₂ = E[(ξᵀHξ)²] = t₁² + 2·tr(HΨHΨ). */
  readonly t2: number;
  /** tr H. */
  readonly trH: number;
  /** [d, d] factor C with C·Cᵀ = H (C = V·diag(√λ)), for sampling x = C·z. */
  readonly HFactor: Matrix;
  /** [d, d] factor C with C·Cᵀ = Ψ (eigen-factor, PSD-safe), for sampling β = β* + C·z. */
  readonly PsiFactor: Matrix;
  /** ‖β*‖²_H = β*ᵀHβ*. */
  readonly betaHNorm2: number;
  /** E[y²] = σ² + tr(HΨ) + ‖β*‖²_H: the risk of the zero predictor, the natural scale of every risk. */
  readonly labelSecondMoment: number;
  /** κ = 1 + 1/M, the Wishart second-moment factor: E[S·A·S] = κ·HAH + tr(AH)·H/M for S = XᵀX/M (math.md (3.3)). */
  readonly kappa: number;
}

/**
 * κ = 1 + 1/M, the Wishart second-moment factor of M context pairs (math.md (3.3)): for S = XᵀX/M,
 * E[S·A·S] = κ·HAH + tr(AH)·H/M. The one place it is written; {@link Problem.kappa} holds it.
 */
export function wishartKappa(M: number): number {
  return 1 + 1 / M;
}

/**
 * Largest feature dimension d a problem may have: validation alone eigendecomposes H and Ψ (O(d³),
 * ≈ 3 s at d = 1000 on one core), and every closed form is O(d³).
 */
export const MAX_D = 1000;
/** Largest context length M (closed forms take any M; the bound keeps 1/M and M² representable exactly). */
export const MAX_M = 2 ** 40;

/** log₁₀ of a sum of non-negative terms given by their log₁₀ (for magnitudes past float64). */
function log10Sum(logs: readonly number[]): number {
  const m = Math.max(...logs);
  if (!Number.isFinite(m)) return m;
  return m + Math.log10(logs.reduce((s, l) => s + 10 ** (l - m), 0));
}

/** The `Psi` string meaning Ψ = H⁻¹. */
export const PSI_H_INVERSE = 'H^-1';

/** The keys a problem JSON may have (anything else is an error). */
export const PROBLEM_KEYS = ['d', 'M', 'H', 'Psi', 'betaStar', 'sigma2', 'masked', 'name', 'description'] as const;

function inferDim(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'object' && value !== null && typeof (value as Matrix).rows === 'number') return (value as Matrix).rows;
  if (value instanceof Float64Array) return value.length;
  return undefined;
}

function covariance(value: unknown, field: string, d: number): Matrix {
  const out: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  if (typeof value === 'number') {
    const c = finiteNumber(value, field, ProblemError);
    for (let i = 0; i < d; i++) out.data[i * d + i] = c;
    return out;
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
    const diag = finiteVector(value, field, d, ProblemError);
    for (let i = 0; i < d; i++) out.data[i * d + i] = diag[i]!;
    return out;
  }
  const A = finiteMatrix(value, field, d, d, ProblemError);
  // Entries may come from printed decimals: symmetric to linalg's relative tolerance, then symmetrised.
  const asym = relativeAsymmetry(A);
  if (asym > SYMMETRY_RTOL) {
    throw new ProblemError(field, `must be symmetric: max|A_ij − A_ji| / max|A| = ${asym.toExponential(3)} > ${SYMMETRY_RTOL}`);
  }
  symmetrise(A, A);
  return A;
}

/**
 * Validates a problem description and precomputes the eigendecomposition of H, Ψ in that basis,
 * the Gaussian moments t₁, t₂ and sampling factors. Throws {@link ProblemError} naming the field:
 * d or M not a positive integer, sizes inconsistent, non-finite numbers, H not symmetric positive
 * definite (with its smallest eigenvalue), Ψ not positive semidefinite, σ² < 0.
 * @throws {@link ProblemError} (an {@link InputError}: CLI exit 2) for an invalid description;
 *   {@link NumericalError} (exit 3) when E[y²] (1.5) or its square overflows float64.
 */
export function makeProblem(spec: ProblemSpec | unknown): Problem {
  const obj = record(spec, 'problem', ProblemError);
  noUnknownKeys(obj, PROBLEM_KEYS, '', ProblemError);
  if (obj.M === undefined) throw new ProblemError('M', 'is required (the number of context pairs)');
  const M = integerAtLeast(obj.M, 'M', 1, ProblemError);
  if (M > MAX_M) throw new ProblemError('M', `must be ≤ 2^40 = ${MAX_M}, got ${M}`);
  const inferred = [['H', inferDim(obj.H)], ['Psi', inferDim(obj.Psi)], ['betaStar', inferDim(obj.betaStar)]] as const;
  let d: number | undefined;
  if (obj.d !== undefined) d = integerAtLeast(obj.d, 'd', 1, ProblemError);
  for (const [field, n] of inferred) {
    if (n === undefined) continue;
    if (d === undefined) d = n;
    else if (n !== d) throw new ProblemError(field, `has size ${n} but d = ${d}`);
  }
  if (d === undefined) throw new ProblemError('d', 'is required when H, Psi and betaStar are all scalars');
  if (d < 1) throw new ProblemError('d', `must be ≥ 1, got ${d}`);
  if (d > MAX_D) throw new ProblemError('d', `must be ≤ ${MAX_D} (every computation is O(d³)), got ${d}`);

  const H = covariance(obj.H ?? 1, 'H', d);
  const PsiIsHInverse = typeof obj.Psi === 'string';
  if (PsiIsHInverse && obj.Psi !== PSI_H_INVERSE) {
    throw new ProblemError('Psi', `must be a number, a diagonal, a [d, d] matrix or "${PSI_H_INVERSE}", got ${JSON.stringify(obj.Psi)}`);
  }
  let Psi = PsiIsHInverse ? H : covariance(obj.Psi ?? 1, 'Psi', d);
  let betaStar: Float64Array;
  if (obj.betaStar === undefined || typeof obj.betaStar === 'number') {
    betaStar = new Float64Array(d).fill(finiteNumber(obj.betaStar ?? 0, 'betaStar', ProblemError));
  } else {
    betaStar = finiteVector(obj.betaStar, 'betaStar', d, ProblemError);
  }
  const sigma2 = finiteNumber(obj.sigma2 ?? 0, 'sigma2', ProblemError);
  if (sigma2 < 0) throw new ProblemError('sigma2', `must be ≥ 0, got ${sigma2}`);
  let masked = true;
  if (obj.masked !== undefined) {
    if (typeof obj.masked !== 'boolean') throw new ProblemError('masked', `must be true or false, got ${JSON.stringify(obj.masked)}`);
    masked = obj.masked;
  }

  const hE = eigh(H, 'H');
  const lambda = hE.values;
  const lmax = lambda[d - 1]!;
  // Positive definiteness judged against the scale of H (a pivot ≤ d·eps·λ_max is zero).
  if (!(lambda[0]! > d * Number.EPSILON * Math.abs(lmax)) || !(lmax > 0)) {
    throw new ProblemError('H', `must be symmetric positive definite: smallest eigenvalue ${lambda[0]!.toExponential(6)}`);
  }
  if (PsiIsHInverse) Psi = fromEigenpairs(hE.vectors, hE.values.map((l) => 1 / l)); // Ψ = H⁻¹ = V·diag(1/λ)·Vᵀ
  const pE = eigh(Psi, 'Psi');
  const pmax = Math.max(0, pE.values[d - 1]!);
  const ptol = 8 * d * Number.EPSILON * pmax;
  if (pE.values[0]! < -ptol) {
    throw new ProblemError('Psi', `must be positive semidefinite: smallest eigenvalue ${pE.values[0]!.toExponential(6)}`);
  }

  const V = hE.vectors;
  const tmp: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  const PsiEig: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  gemm(tmp, Psi, V); // ΨV
  gemm(PsiEig, V, tmp, 'TN'); // VᵀΨV
  const betaStarEig = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += V.data[k * d + i]! * betaStar[k]!;
    betaStarEig[i] = s;
  }
  let psiIsotropic: number | null = Psi.data[0]!;
  for (let i = 0; i < d && psiIsotropic !== null; i++) {
    for (let j = 0; j < d; j++) {
      const target = i === j ? psiIsotropic : 0;
      if (Psi.data[i * d + j] !== target) {
        psiIsotropic = null;
        break;
      }
    }
  }
  // t₁ = tr(HΨ) = Σ λ_i Ψ̃_ii;  tr(HΨHΨ) = Σ_ij λ_i Ψ̃_ij λ_j Ψ̃_ji.
  let t1 = 0;
  let t22 = 0;
  for (let i = 0; i < d; i++) {
    t1 += lambda[i]! * PsiEig.data[i * d + i]!;
    for (let j = 0; j < d; j++) t22 += lambda[i]! * lambda[j]! * PsiEig.data[i * d + j]! ** 2;
  }
  let trH = 0;
  for (let i = 0; i < d; i++) trH += H.data[i * d + i]!;
  // β*ᵀHβ* = Σ λ_i (Vᵀβ*)_i²
  let betaHNorm2 = 0;
  for (let i = 0; i < d; i++) betaHNorm2 += lambda[i]! * betaStarEig[i]! ** 2;
  const HFactor: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  const PsiFactor: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  for (let j = 0; j < d; j++) {
    const sh = Math.sqrt(lambda[j]!);
    const sp = Math.sqrt(Math.max(0, pE.values[j]!));
    for (let i = 0; i < d; i++) {
      HFactor.data[i * d + j] = V.data[i * d + j]! * sh;
      PsiFactor.data[i * d + j] = pE.vectors.data[i * d + j]! * sp;
    }
  }
  const labelSecondMoment = sigma2 + t1 + betaHNorm2;
  if (!Number.isFinite(labelSecondMoment) || !Number.isFinite(t1 * t1 + 2 * t22)) {
    // Which term overflows, in the user's terms, with its magnitude from logarithms.
    const lb = lambda.map((l, i) => (l > 0 && betaStarEig[i] !== 0 ? Math.log10(l) + 2 * Math.log10(Math.abs(betaStarEig[i]!)) : -Infinity));
    const lp = lambda.map((l, i) => (l > 0 && PsiEig.data[i * d + i]! > 0 ? Math.log10(l) + Math.log10(PsiEig.data[i * d + i]!) : -Infinity));
    const terms: [string, number][] = [['‖β*‖²_H', log10Sum(Array.from(lb))], ['tr(HΨ)', log10Sum(Array.from(lp))], ['σ²', sigma2 > 0 ? Math.log10(sigma2) : -Infinity]];
    const [name, lg] = terms.reduce((a, b) => (b[1] > a[1] ? b : a));
    const what = Number.isFinite(labelSecondMoment) ? `E[y²]² (the scale of the risk's fourth moments, tr(HΨ)² ≈ 1e${Math.round(2 * log10Sum(Array.from(lp)))})` : `E[y²] = σ² + tr(HΨ) + ‖β*‖²_H (${name} ≈ 1e${Math.round(lg)})`;
    throw new NumericalError('problem', `${what} overflows float64 (max ≈ 1.8e308): rescale the problem — risks scale with E[y²] when β* → β*/s, Ψ → Ψ/s², σ² → σ²/s²`);
  }
  return {
    d, M, H, Psi, betaStar, sigma2, masked, lambda, V, PsiEig, betaStarEig, psiIsotropic,
    t1, t2: t1 * t1 + 2 * t22, trH, HFactor, PsiFactor, kappa: wishartKappa(M), betaHNorm2, labelSecondMoment,
  };
}

/** E[y²] = σ² + tr(HΨ) + ‖β*‖²_H (the risk of the zero predictor), or 1 when that is 0: the scale that relative tolerances of risks and gradients refer to. O(1). */
export function problemScale(problem: Problem): number {
  return problem.labelSecondMoment > 0 ? problem.labelSecondMoment : 1;
}

/** The problem as JSON (nested arrays), accepted back by {@link makeProblem}. */
export function problemToJSON(p: Problem): Required<Omit<ProblemSpec, 'H' | 'Psi' | 'betaStar'>> & {
  /** H as [d, d] nested rows. */
  H: number[][];
  /** Ψ as [d, d] nested rows. */
  Psi: number[][];
  /** β* as a [d] array. */
  betaStar: number[];
} {
  const rows = (A: Matrix): number[][] => Array.from({ length: A.rows }, (_, i) => Array.from(A.data.subarray(i * A.cols, (i + 1) * A.cols)));
  return { d: p.d, M: p.M, H: rows(p.H), Psi: rows(p.Psi), betaStar: Array.from(p.betaStar), sigma2: p.sigma2, masked: p.masked };
}

/**
 * A copy of the problem with some fields replaced (re-validated by {@link makeProblem}).
 * @throws {@link ProblemError} (CLI exit 2) or {@link NumericalError} (exit 3), as {@link makeProblem}.
 */
export function withProblem(p: Problem, changes: Partial<ProblemSpec>): Problem {
  return makeProblem({ ...problemToJSON(p), ...changes });
}
