/**
 * The Wishart sufficient-statistic sampler (docs/math.md (1.2), §3 preliminaries).
 *
 * Masked LSA/LTB and GD-β/GD-0 see the context only through W = (1/M)·Σ_i z_i z_iᵀ, z_i = (x_i; y_i)
 * (math.md (2.8), (2.5)). Given the task β, the z_i are i.i.d. N(0, Σ_z(β)) with
 *
 *   Σ_z(β) = [[H, Hβ], [βᵀH, βᵀHβ + σ²]] = L·Lᵀ,   L = [[C, 0], [βᵀC, σ]]   (C·Cᵀ = H, C lower-triangular),
 *
 * so z_i = L·ξ_i with ξ_i ~ N(0, I_{d+1}), and M·W = L·(Σ_i ξ_i ξ_iᵀ)·Lᵀ = L·A·Aᵀ·Lᵀ where, by the
 * Bartlett decomposition, A is lower-triangular with A_ii = √χ²_{M−i} (0-based i) and A_ij ~ N(0, 1)
 * below the diagonal, all independent: M·W ~ Wishart_{d+1}(M, Σ_z(β)). One draw costs (d+1)(d+2)/2
 * variates and O(d³) flops instead of the direct sampler's M·(d+1) variates and O(M·d²) flops.
 * Integer degrees of freedom only. For M < d+1 the statistic is singular; the same argument
 * (Gram–Schmidt on the rows of the [d+1, M] Gaussian matrix Ξ = [ξ_1 … ξ_M], Ξ = A·O with O
 * orthogonal) gives a lower-trapezoidal A [d+1, M]: A_ii = √χ²_{M−i} for i < M, A_ij ~ N(0, 1) for
 * j < min(i, M), zero elsewhere — M(M+1)/2 + (d+1−M)·M variates instead of (d+1)·M.
 *
 * The query (x, y) is independent of the context given β and is drawn as in the direct sampler.
 * Draw order of one prompt: β (d normals), A (row by row: the diagonal χ² (rows i < M), then the
 * normals left of it), the query x (d normals), the query noise (1 normal) — fixed, so a seed gives
 * one stream.
 *
 * The variates come from any {@link NormalSource}: the library's `Rng`, or a faster generator
 * (src/train uses a typed-array xoshiro128** with a ziggurat, `FastRng`).
 *
 * Shapes: p = d + 1; r = min(M, p); A [p, r] row-major, lower-trapezoidal; L, W [p, p];
 * C [d, d] lower-triangular; beta, x [d].
 *
 * References: Bartlett (1933); Anderson, "An Introduction to Multivariate Statistical Analysis"
 * (3rd ed., 2003), Thm 7.2.1; Odell & Feiveson (1966).
 */
import { cholesky, Rng, type Matrix } from '../linalg/index.js';
import type { Problem } from './problem.js';

/** A source of standard normal and chi-square variates (the library's `Rng` is one). */
export interface NormalSource {
  /** A standard normal N(0, 1) variate. */
  normal(): number;
  /** A χ²_k variate (integer k ≥ 1 here). */
  chiSquare(k: number): number;
}

/** One prompt in factored sufficient-statistic form: the task, the Bartlett factor and the query. */
export interface WishartFactorPrompt {
  /** [d] the task β of the prompt. */
  readonly beta: Float64Array;
  /**
   * [p, r] row-major, r = min(M, p), with A·Aᵀ ~ Wishart_p(M, I): the lower-trapezoidal Bartlett
   * factor (zero above the diagonal; lower-triangular when M ≥ p).
   */
  readonly A: Float64Array;
  /** [d] query covariates. */
  readonly x: Float64Array;
  /** The query's label y = xᵀβ + ε. */
  readonly yQuery: number;
}

/** One prompt as (W, query): W [p, p] = (1/M)·Σ z_i z_iᵀ of (1.2), explicit. */
export interface WishartPrompt extends WishartFactorPrompt {
  /** [p, p] the context statistic W = [[S, s], [sᵀ, s_yy]] of (1.2). */
  readonly W: Matrix;
}

/** The factor of H the Wishart sampler uses: lower-triangular C with C·Cᵀ = H, and whether it is diagonal. */
export interface CovariateFactor {
  /** [d, d] lower-triangular Cholesky factor of H (row-major). */
  readonly C: Float64Array;
  /** True when H (hence C) is diagonal: then C·v costs d flops, not d²/2. */
  readonly diagonal: boolean;
}

/**
 * The Cholesky factor C of H (lower-triangular, C·Cᵀ = H), and whether H is diagonal. Any factor
 * gives the same distribution; the triangular one halves the cost of C·v. O(d³).
 */
export function covariateFactor(problem: Problem): CovariateFactor {
  const d = problem.d;
  const C = Float64Array.from(cholesky(problem.H, 'H').L.data);
  let diagonal = true;
  for (let i = 0; i < d && diagonal; i++) for (let j = 0; j < d; j++) if (i !== j && problem.H.data[i * d + j] !== 0) diagonal = false;
  return { C, diagonal };
}

/**
 * Σ_z(β) = [[H, Hβ], [βᵀH, βᵀHβ + σ²]] ([d+1, d+1]): the covariance of one context pair z = (x; y)
 * given the task β (from (1.1)). O(d²).
 */
export function contextCovariance(problem: Problem, beta: Float64Array): Matrix {
  const { d, H, sigma2 } = problem;
  const p = d + 1;
  const S: Matrix = { rows: p, cols: p, data: new Float64Array(p * p) };
  let bHb = 0;
  for (let i = 0; i < d; i++) {
    let hb = 0;
    for (let j = 0; j < d; j++) {
      S.data[i * p + j] = H.data[i * d + j]!;
      hb += H.data[i * d + j]! * beta[j]!;
    }
    S.data[i * p + d] = hb;
    S.data[d * p + i] = hb;
    bHb += beta[i]! * hb;
  }
  S.data[d * p + d] = bHb + sigma2;
  return S;
}

/**
 * Writes a Bartlett factor into `A` ([p, r] row-major, r = min(M, p)): lower-trapezoidal,
 * A_ii = √χ²_{M−i} (0-based i < r), A_ij ~ N(0, 1) for j < min(i, r), zero above the diagonal; then
 * A·Aᵀ ~ Wishart_p(M, I) (singular when M < p). Draws row by row (χ² first, then the row's normals).
 * Allocates nothing.
 * @throws RangeError when M is not a positive integer.
 */
export function bartlettFactorInto(A: Float64Array, p: number, M: number, rng: NormalSource): Float64Array {
  if (!(Number.isInteger(M) && M >= 1)) throw new RangeError(`bartlettFactorInto: M must be a positive integer, got ${M}`);
  const r = Math.min(M, p);
  for (let i = 0; i < p; i++) {
    const row = i * r;
    if (i < r) A[row + i] = Math.sqrt(rng.chiSquare(M - i));
    const jEnd = Math.min(i, r);
    for (let j = 0; j < jEnd; j++) A[row + j] = rng.normal();
    for (let j = i + 1; j < r; j++) A[row + j] = 0;
  }
  return A;
}

/** Buffers of one factored prompt ({@link sampleWishartFactorInto}). */
export function allocWishartFactorPrompt(d: number, M: number): WishartFactorPrompt {
  const p = d + 1;
  return { beta: new Float64Array(d), A: new Float64Array(p * Math.min(M, p)), x: new Float64Array(d), yQuery: 0 };
}

/**
 * Draws one prompt in factored form into `out` (see the module comment for the draw order):
 * β = β* + C_Ψ·ζ, the Bartlett factor A of the context, x = C·ζ', y = xᵀβ + σ·ε. `z` is [d]
 * scratch. Allocates nothing. O(d²) flops, (d+1)(d+2)/2 + 2d + 1 variates (χ² counted as one);
 * for M < d + 1, M(M+1)/2 + (d+1−M)·M + 2d + 1.
 */
export function sampleWishartFactorInto(out: WishartFactorPrompt, problem: Problem, factor: CovariateFactor, rng: NormalSource, z: Float64Array): WishartFactorPrompt {
  const { d, M, PsiFactor, betaStar } = problem;
  const sigma = Math.sqrt(problem.sigma2);
  const beta = out.beta;
  for (let k = 0; k < d; k++) z[k] = rng.normal();
  const psi2 = problem.psiIsotropic;
  if (psi2 !== null) {
    // Ψ = ψ²I: β = β* + ψ·ζ in O(d) (the same law as the eigen-factor's O(d²) product, not the same draw).
    const psi = Math.sqrt(psi2);
    for (let i = 0; i < d; i++) beta[i] = betaStar[i]! + psi * z[i]!;
  } else {
    for (let i = 0; i < d; i++) {
      let s = betaStar[i]!;
      for (let k = 0; k < d; k++) s += PsiFactor.data[i * d + k]! * z[k]!;
      beta[i] = s;
    }
  }
  bartlettFactorInto(out.A, d + 1, M, rng);
  for (let k = 0; k < d; k++) z[k] = rng.normal();
  const C = factor.C;
  let yq = 0;
  for (let i = 0; i < d; i++) {
    let s = 0;
    if (factor.diagonal) s = C[i * d + i]! * z[i]!;
    else for (let k = 0; k <= i; k++) s += C[i * d + k]! * z[k]!;
    out.x[i] = s;
    yq += s * beta[i]!;
  }
  (out as { yQuery: number }).yQuery = yq + sigma * rng.normal();
  return out;
}

/**
 * W = L·A·Aᵀ·Lᵀ/M ([p, p], written into `out`), L = [[C, 0], [βᵀC, σ]] (module comment), from a
 * factored prompt. `T` is [p, p] scratch (≥ p·min(M, p) entries). Exactly symmetric. O(p³).
 */
export function wishartStatisticInto(out: Matrix, f: WishartFactorPrompt, factor: CovariateFactor, sigma2: number, M: number, T: Float64Array): Matrix {
  const d = f.beta.length;
  const p = d + 1;
  const r = Math.min(M, p);
  const { C } = factor;
  const A = f.A;
  const sigma = Math.sqrt(sigma2);
  // T = L·A ([p, r]): rows 0..d−1 are C·A[0:d, :] (C lower-triangular), row d is βᵀ(C·A[0:d, :]) + σ·A[d, :].
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let k = 0; k <= i; k++) s += C[i * d + k]! * A[k * r + j]!;
      T[i * r + j] = s;
    }
  }
  for (let j = 0; j < r; j++) {
    let s = sigma * A[d * r + j]!;
    for (let i = 0; i < d; i++) s += f.beta[i]! * T[i * r + j]!;
    T[d * r + j] = s;
  }
  const W = out.data;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += T[i * r + k]! * T[j * r + k]!;
      W[i * p + j] = s / M;
      W[j * p + i] = s / M;
    }
  }
  return out;
}

/**
 * A seeded sampler of prompts as (W, query) through the Bartlett decomposition:
 * `new WishartSampler(problem, seed).next()`. Same distribution of (W, x, y, β) as computing W
 * from a {@link PromptSampler} prompt, in O(d³) per prompt instead of O(M·d²).
 */
export class WishartSampler {
  private readonly rng: Rng;
  private readonly z: Float64Array;
  private readonly T: Float64Array;
  /** The factor of H used for every draw. */
  readonly factor: CovariateFactor;
  constructor(
    /** The problem the prompts are drawn from (1.1). */
    readonly problem: Problem,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.z = new Float64Array(problem.d);
    this.T = new Float64Array((problem.d + 1) ** 2);
    this.factor = covariateFactor(problem);
  }
  /** The next prompt, written into `out` when given (then nothing is allocated). */
  next(out: WishartPrompt = allocWishartPrompt(this.problem.d, this.problem.M)): WishartPrompt {
    sampleWishartFactorInto(out, this.problem, this.factor, this.rng, this.z);
    wishartStatisticInto(out.W, out, this.factor, this.problem.sigma2, this.problem.M, this.T);
    return out;
  }
}

/** Buffers of one (W, query) prompt. */
export function allocWishartPrompt(d: number, M: number): WishartPrompt {
  const p = d + 1;
  return { ...allocWishartFactorPrompt(d, M), W: { rows: p, cols: p, data: new Float64Array(p * p) } };
}

/** W = (1/M)·Σ_i z_i z_iᵀ ([d+1, d+1], (1.2)) of a prompt's context X [M, d], y [M], written into `out`. O(M·d²). */
export function contextStatisticInto(out: Matrix, X: Matrix, y: Float64Array): Matrix {
  const M = X.rows;
  const d = X.cols;
  const p = d + 1;
  const W = out.data;
  W.fill(0);
  for (let r = 0; r < M; r++) {
    const yr = y[r]!;
    for (let i = 0; i < d; i++) {
      const xi = X.data[r * d + i]!;
      for (let j = 0; j <= i; j++) W[i * p + j] += xi * X.data[r * d + j]!;
      W[d * p + i] += yr * xi;
    }
    W[d * p + d] += yr * yr;
  }
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      W[i * p + j] /= M;
      W[j * p + i] = W[i * p + j]!;
    }
  }
  return out;
}
