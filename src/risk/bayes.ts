/**
 * The Bayes reference of math.md §3.4: the risk of the posterior mean, the best any estimator of
 * the problem can do, reported as separate quantities that are never mixed:
 *
 *   R_Bayes = σ² + σ²·E tr(H(XᵀX + σ²Ψ⁻¹)⁻¹)            (independent of β*; σ² > 0).
 *
 * Reduction used throughout (valid for singular Ψ). With (XᵀX + σ²Ψ⁻¹)⁻¹ =
 * Ψ^{1/2}(Ψ^{1/2}XᵀXΨ^{1/2} + σ²I)⁻¹Ψ^{1/2}, X = Z·H^{1/2} (Z [M, d] standard Gaussian) and
 * C = H^{1/2}Ψ^{1/2} = U·D^{1/2}·Oᵀ (SVD; D = diag(μ), μ the eigenvalues of B = Ψ^{1/2}HΨ^{1/2}, i.e.
 * of HΨ), the rotation invariance of W = UᵀZᵀZU ~ Wishart_d(I, M) gives
 *
 *   E tr(H(XᵀX + σ²Ψ⁻¹)⁻¹) = E tr(B(CᵀZᵀZC + σ²I)⁻¹) = E tr(D(D^{1/2}WD^{1/2} + σ²I)⁻¹).
 *
 * Directions with μ_i = 0 (the null space of Ψ) contribute nothing, and the top-left r×r block of a
 * Wishart_d(I, M) matrix is Wishart_r(I, M), so only the r positive μ_i are kept.
 *
 * Quantities ({@link BayesReference}): the Jensen lower bound, the R*_GDβ upper bound, the
 * deterministic-equivalent approximation, a Monte Carlo estimate with its standard error, and for
 * d = 1 the exact value by quadrature.
 *
 * σ² = 0 policy: rejected with an InputError on `sigma2`. The posterior mean then interpolates
 * (R_Bayes = 0 when rank(HΨ) ≤ M, a different, non-Gaussian-integral formula otherwise) and every
 * formula here divides by σ²; the reference is defined for noisy labels only.
 */
import { InputError, NumericalError, requireFinite } from '../errors.js';
import { cholesky, eigh, Rng, symmetrise, type Matrix } from '../linalg/index.js';
import type { Problem } from '../models/index.js';
import { adaptiveGaussKronrod } from '../quadrature/index.js';
import { optimumGdBeta } from './gdbeta.js';

/** Work cap of {@link bayesMonteCarlo} in multiply-adds, samples·r²·(r + min(M, r)) (≈ 15 s on one core); larger runs are refused. */
export const BAYES_MAX_WORK = 2e9;

/** Options of {@link bayesReference} and {@link bayesMonteCarlo}. */
export interface BayesOptions {
  /** Number of Wishart draws of the Monte Carlo estimate (≥ 2). @defaultValue 20_000 */
  samples?: number;
  /** Seed of the Wishart stream (non-negative integer). @defaultValue 1 */
  seed?: number;
}

/** The Bayes reference of a problem (math.md §3.4); every field is its own quantity. */
export interface BayesReference {
  /** Jensen lower bound σ² + σ²·Σ μ_i/(Mμ_i + σ²) ≤ R_Bayes. */
  readonly lower: number;
  /** Upper bound R*_GDβ (optimal one-step GD-β, math.md §3.2) ≥ R_Bayes. */
  readonly upper: number;
  /** Deterministic-equivalent approximation σ²(1 + δ) (not a bound). */
  readonly approx: number;
  /** Monte Carlo estimate of R_Bayes (mean over `samples` Wishart draws). */
  readonly estimate: number;
  /** Standard error of `estimate` (sample standard deviation / √samples). */
  readonly stderr: number;
  /** Exact R_Bayes by quadrature; present only when d = 1. */
  readonly exact?: number;
  /** Number of Wishart draws behind `estimate`. */
  readonly samples: number;
  /** Seed of the Wishart stream (the same seed gives the same estimate). */
  readonly seed: number;
}

/** Monte Carlo estimate of R_Bayes: mean and standard error. */
export interface BayesMonteCarlo {
  /** Monte Carlo estimate of R_Bayes (3.27): the mean of (3.32) over the draws; unit [y]². */
  readonly estimate: number;
  /** Standard error of `estimate` (sample standard deviation / √samples); 0 when rank(HΨ) = 0. */
  readonly stderr: number;
  /** Number of Wishart draws. */
  readonly samples: number;
  /** Seed of the Wishart stream. */
  readonly seed: number;
}

/** The deterministic equivalent: the fixed point δ and the approximation σ²(1 + δ). */
export interface BayesDeterministicEquivalent {
  /** The unique positive root δ of (3.31) (dimensionless; 0 when rank(HΨ) = 0). */
  readonly delta: number;
  /** The approximation R_Bayes ≈ σ²(1 + δ) (3.31), unit [y]²; not a bound. */
  readonly approx: number;
}

function requireNoise(sigma2: number): void {
  if (!(sigma2 > 0)) {
    throw new InputError(
      'sigma2',
      `must be > 0 for the Bayes reference, got ${sigma2} (with noise-free labels the posterior mean interpolates and R_Bayes is not the Gaussian integral of docs/math.md §3.4)`,
    );
  }
}

/** Positive entries of μ (those above the rounding level of the eigen-solver), as a new array. */
function positivePart(mu: ArrayLike<number>): Float64Array {
  let max = 0;
  for (let i = 0; i < mu.length; i++) max = Math.max(max, mu[i]!);
  const floor = 8 * mu.length * Number.EPSILON * max;
  const out: number[] = [];
  for (let i = 0; i < mu.length; i++) if (mu[i]! > floor) out.push(mu[i]!);
  return Float64Array.from(out);
}

/**
 * μ: the eigenvalues of B = Ψ^{1/2}HΨ^{1/2} (= those of HΨ), ascending, [d], clipped at 0. Computed
 * as the spectrum of Λ^{1/2}Ψ̃Λ^{1/2} (the same nonzero spectrum) from the problem's eigenbasis of H,
 * so no matrix square root of a possibly singular Ψ is needed. O(d³).
 */
export function bayesSpectrum(problem: Problem): Float64Array {
  const { d, lambda, PsiEig } = problem;
  const S: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  for (let i = 0; i < d; i++) {
    const si = Math.sqrt(lambda[i]!);
    for (let j = 0; j < d; j++) S.data[i * d + j] = si * PsiEig.data[i * d + j]! * Math.sqrt(lambda[j]!);
  }
  symmetrise(S, S);
  const mu = Float64Array.from(eigh(S, 'Λ^{1/2}Ψ̃Λ^{1/2}').values);
  for (let i = 0; i < d; i++) if (mu[i]! < 0) mu[i] = 0;
  return mu;
}

/**
 * Jensen lower bound (math.md §3.4): tr(H(XᵀX + σ²Ψ⁻¹)⁻¹) is convex in XᵀX and E[XᵀX] = MH, so
 * R_Bayes ≥ σ² + σ²·tr(H(MH + σ²Ψ⁻¹)⁻¹) = σ² + σ²·Σ_i μ_i/(Mμ_i + σ²) (3.28), unit [y]². O(d). Requires σ² > 0.
 * @throws {@link InputError} (CLI exit 2) on `sigma2` when σ² = 0.
 */
export function bayesLowerBound(mu: ArrayLike<number>, sigma2: number, M: number): number {
  requireNoise(sigma2);
  let s = 0;
  for (let i = 0; i < mu.length; i++) s += mu[i]! / (M * mu[i]! + sigma2);
  return sigma2 + sigma2 * s;
}

/** Relative accuracy of the deterministic-equivalent fixed point. */
const DELTA_RTOL = 1e-15;
/** Iteration cap of the safeguarded Newton solve (it converges quadratically in a handful). */
const DELTA_MAX_ITER = 200;

/**
 * Deterministic equivalent (math.md §3.4, an approximation, not a bound): δ solves
 *   δ = g(δ) = Σ_i μ_i/(Mμ_i/(1 + δ) + σ²),   R ≈ σ²(1 + δ).
 * g is increasing and concave with g(0) > 0 and g < Σμ_i/σ², so the root δ* > 0 is unique and
 * h = g − δ is decreasing to the right of it; with r = #{μ_i > 0} < M also δ* < r/(M − r).
 * Newton from the upper end of the bracket therefore decreases monotonically to δ*; a bisection
 * step replaces any Newton step that leaves the bracket [lo, hi] (h(lo) > 0 > h(hi)). Stops at
 * |Δδ| ≤ 1e-15·δ. All μ = 0 gives δ = 0. Requires σ² > 0. Formula (3.31).
 * @throws {@link InputError} (CLI exit 2) on `sigma2` when σ² = 0; {@link NumericalError} (exit 3)
 *   when the fixed-point iteration does not converge.
 */
export function bayesDeterministicEquivalent(mu: ArrayLike<number>, sigma2: number, M: number): BayesDeterministicEquivalent {
  requireNoise(sigma2);
  const m = positivePart(mu);
  const r = m.length;
  if (r === 0) return { delta: 0, approx: sigma2 };
  const hAndSlope = (delta: number): [number, number] => {
    const w = 1 + delta;
    let g = 0;
    let dg = 0;
    for (let i = 0; i < r; i++) {
      const den = M * m[i]! + sigma2 * w;
      g += (m[i]! * w) / den;
      dg += (M * m[i]! * m[i]!) / (den * den);
    }
    return [g - delta, dg - 1];
  };
  let trace = 0;
  for (let i = 0; i < r; i++) trace += m[i]!;
  let lo = 0;
  let hi = trace / sigma2;
  if (M > r) hi = Math.min(hi, r / (M - r));
  let delta = hi;
  for (let it = 0; it < DELTA_MAX_ITER; it++) {
    const [h, dh] = hAndSlope(delta);
    if (h === 0) return { delta, approx: sigma2 * (1 + delta) };
    if (h > 0) lo = Math.max(lo, delta);
    else hi = Math.min(hi, delta);
    let next = delta - h / dh;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    const step = Math.abs(next - delta);
    delta = next;
    if (step <= DELTA_RTOL * delta || hi - lo <= DELTA_RTOL * delta) return { delta, approx: sigma2 * (1 + delta) };
  }
  throw new NumericalError('bayes: deterministic equivalent', `no convergence in ${DELTA_MAX_ITER} iterations (δ ∈ [${lo}, ${hi}])`);
}

/**
 * Target relative accuracy of the d = 1 quadrature. QUADPACK's error estimate is pessimistic and
 * floors each panel at 50·eps·∫|f| (so the sum of floors is ≈1.1e-14 relative): 5e-14 is reachable and
 * the achieved accuracy is ≈1e-15 in practice (see tests/risk/bayes.test.ts).
 */
const QUAD_RTOL = 5e-14;
/** e^{−750} underflows: the log-variable tail of the d = 1 integral stops at u = 750/a. */
const TAIL_CUTOFF = 750;

/**
 * Exact R_Bayes for d = 1 (math.md §3.4): with μ = H₁₁Ψ₁₁, XᵀX = H₁₁·χ²_M and
 * 1/(x + c) = ∫₀^∞ e^{−t(x+c)}dt,
 *   R = σ² + σ²h∫₀^∞ e^{−tλ}(1 + 2th)^{−M/2}dt = σ² + (σ²/2)·∫₀^∞ e^{−au}(1 + u)^{−M/2}du,
 * λ = σ²/ψ², h = H₁₁, a = λ/(2h) = σ²/(2μ) (u = 2th). The integrand f(u) = e^{−au}(1 + u)^{−ν},
 * ν = M/2, is within a factor e² of f(0) = 1 on [0, c], c = 1/(a + ν); beyond, its features (the
 * power law (1 + u)^{−ν}, the cutoff e^{−au} at u ~ 1/a, which for M ≤ 2 and μ ≫ σ² lies decades
 * away) are resolved on a log scale:
 *   ∫₀^c f(u)du + ∫_{ln c}^{ln(750/a)} f(eˣ)eˣ dx,
 * the second started on unit panels in x (so no feature hides between the nodes of a first wide
 * panel), both by globally adaptive G7K15 to 5e-14 relative (QUADPACK's pessimistic error estimate;
 * ≈1e-16 achieved against 30-digit references over μ/σ² ∈ [1e-10, 1e17], M ∈ [1, 2000]). The part
 * beyond u = 750/a is below e^{−750}. All parts are positive: no cancellation.
 * μ = 0 (Ψ = 0) gives exactly σ². Requires σ² > 0; M ≥ 1. Formula (3.30); unit [y]².
 * @throws {@link InputError} (CLI exit 2) on `sigma2` when σ² = 0 or on `mu` when it is negative or not finite.
 */
export function bayesExact1d(mu: number, sigma2: number, M: number): number {
  requireNoise(sigma2);
  if (!(mu >= 0) || !Number.isFinite(mu)) throw new InputError('mu', `must be a finite number ≥ 0, got ${mu}`);
  if (mu === 0) return sigma2;
  const a = sigma2 / (2 * mu);
  const nu = M / 2;
  const c = 1 / (a + nu);
  const logF = (u: number): number => -a * u - nu * Math.log1p(u);
  const head = (u: number): number => Math.exp(logF(u));
  const tail = (x: number): number => {
    const u = Math.exp(x);
    return Math.exp(logF(u) + x);
  };
  const x0 = Math.log(c);
  const x1 = Math.log(TAIL_CUTOFF / a);
  const panels = Math.max(1, Math.ceil(x1 - x0));
  const breaks = Array.from({ length: panels + 1 }, (_, k) => x0 + ((x1 - x0) * k) / panels);
  const where = 'bayes: exact d = 1';
  const integral = adaptiveGaussKronrod(head, [0, c], { rtol: QUAD_RTOL, where }) + adaptiveGaussKronrod(tail, breaks, { rtol: QUAD_RTOL, where });
  return sigma2 + 0.5 * sigma2 * integral;
}

/**
 * A factor F of W ~ Wishart_r(I, M), W = FFᵀ, drawn into `out` ([r, k], k = min(M, r), row-major):
 * - M ≥ r: the Bartlett decomposition — F = A lower triangular [r, r], A_ii² ~ χ²_{M−i+1}
 *   (i = 1..r), A_ij ~ N(0, 1) for j < i, zeros above the diagonal; r(r+1)/2 random numbers.
 * - M < r (W singular; Bartlett's χ² degrees would run out): F = Zᵀ with Z [M, r] standard
 *   Gaussian, i.e. W = ZᵀZ formed from the M Gaussian rows; Mr random numbers.
 * Allocates nothing. Returns `out`. Used by the Monte Carlo estimate (3.32).
 * @throws {@link InputError} (CLI exit 2) when `out` is not [r, min(M, r)].
 */
export function sampleWishartFactor(out: Matrix, rng: Rng, M: number): Matrix {
  const r = out.rows;
  const k = out.cols;
  if (k !== Math.min(M, r)) throw new InputError('out', `must be [r, min(M, r)] = [${r}, ${Math.min(M, r)}], got [${r}, ${k}]`);
  const F = out.data;
  if (M >= r) {
    for (let i = 0; i < r; i++) {
      const row = i * r;
      for (let j = 0; j < i; j++) F[row + j] = rng.normal();
      F[row + i] = Math.sqrt(rng.chiSquare(M - i));
      for (let j = i + 1; j < r; j++) F[row + j] = 0;
    }
  } else {
    // Row t of Z is column t of F: draw Z row by row.
    for (let t = 0; t < M; t++) for (let i = 0; i < r; i++) F[i * k + t] = rng.normal();
  }
  return out;
}

/**
 * Monte Carlo estimate of R_Bayes (math.md §3.4): the mean of σ² + σ²·tr(D(D^{1/2}WD^{1/2} + σ²I)⁻¹)
 * over `samples` independent W ~ Wishart_r(I, M), r = #{μ_i > 0} (μ = `mu`, the eigenvalues of HΨ),
 * with its standard error (Welford). W = FFᵀ from `sampleWishartFactor`: the Bartlett
 * decomposition when M ≥ r (O(r²) random numbers per draw), Gaussian Z [M, r] with W = ZᵀZ when M < r.
 * Then K = GGᵀ + σ²I with G = D^{1/2}F, and tr(DK⁻¹) = ‖L⁻¹D^{1/2}‖²_F from the Cholesky factor
 * K = LLᵀ (linalg `cholesky`; K ⪰ σ²I is SPD) by forward substitution from row j for column j.
 * O(r³) per draw. F, G, K and the solve vector are allocated once; the only per-draw allocation is
 * the [r, r] factor that linalg's `cholesky` returns (it has no in-place variant). Requires σ² > 0.
 * @throws {@link InputError} (CLI exit 2) for σ² = 0, samples < 2, a bad seed, or a run over
 *   `BAYES_MAX_WORK`; {@link NumericalError} (exit 3) when the estimate overflows.
 */
export function bayesMonteCarlo(mu: ArrayLike<number>, sigma2: number, M: number, options: BayesOptions = {}): BayesMonteCarlo {
  const { samples = 20_000, seed = 1 } = options;
  requireNoise(sigma2);
  if (!Number.isInteger(samples) || samples < 2) throw new InputError('samples', `must be an integer ≥ 2, got ${samples}`);
  if (!Number.isInteger(seed) || seed < 0) throw new InputError('seed', `must be a non-negative integer, got ${seed}`);
  const m = positivePart(mu);
  const r = m.length;
  const work = samples * r * r * (r + Math.min(M, r));
  if (work > BAYES_MAX_WORK) {
    throw new InputError('samples', `samples·r²·(r + min(M, r)) = ${work.toExponential(2)} (r = rank of HΨ = ${r}) exceeds the Monte Carlo work limit ${BAYES_MAX_WORK.toExponential(0)} (≈ 15 s): use at most ${Math.max(2, Math.floor(BAYES_MAX_WORK / (r * r * (r + Math.min(M, r)))))} samples`);
  }
  if (r === 0) return { estimate: sigma2, stderr: 0, samples, seed };
  const rng = new Rng(seed);
  const sq = Float64Array.from(m, Math.sqrt);
  const k = Math.min(M, r);
  const bartlett = M >= r;
  const F: Matrix = { rows: r, cols: k, data: new Float64Array(r * k) };
  const G = F.data; // scaled in place: G = D^{1/2}F
  const K: Matrix = { rows: r, cols: r, data: new Float64Array(r * r) };
  const Kd = K.data;
  const y = new Float64Array(r); // one column of L⁻¹D^{1/2}
  let mean = 0;
  let m2 = 0;
  for (let n = 1; n <= samples; n++) {
    sampleWishartFactor(F, rng, M);
    for (let i = 0; i < r; i++) for (let t = 0; t < k; t++) G[i * k + t] *= sq[i]!;
    // K = GGᵀ + σ²I (Bartlett: G lower triangular, so the sum stops at t = j ≤ i).
    for (let i = 0; i < r; i++) {
      for (let j = 0; j <= i; j++) {
        const tEnd = bartlett ? j + 1 : k;
        let s = i === j ? sigma2 : 0;
        for (let t = 0; t < tEnd; t++) s += G[i * k + t]! * G[j * k + t]!;
        Kd[i * r + j] = s;
        Kd[j * r + i] = s;
      }
    }
    const L = cholesky(K, 'D^{1/2}WD^{1/2} + σ²I').L.data;
    // tr(DK⁻¹) = Σ_j ‖L⁻¹(√μ_j e_j)‖²; L⁻¹e_j vanishes above row j (forward substitution from row j).
    let tr = 0;
    for (let j = 0; j < r; j++) {
      for (let i = j; i < r; i++) {
        let s = i === j ? sq[j]! : 0;
        for (let t = j; t < i; t++) s -= L[i * r + t]! * y[t]!;
        const v = s / L[i * r + i]!;
        y[i] = v;
        tr += v * v;
      }
    }
    // In units of σ² (R = σ²(1 + tr)): a tiny σ² would underflow the squared deviations to 0.
    const value = 1 + tr;
    const delta = value - mean;
    mean += delta / n;
    m2 += delta * (value - mean);
  }
  const where = 'bayes: Monte Carlo';
  const hint = `rescale the problem (σ² = ${sigma2.toExponential(3)}, largest eigenvalue of HΨ = ${Math.max(...m).toExponential(3)})`;
  return {
    estimate: requireFinite(sigma2 * mean, where, 'the estimate', hint),
    stderr: requireFinite(sigma2 * Math.sqrt(m2 / (samples - 1) / samples), where, 'its standard error', hint),
    samples,
    seed,
  };
}

/**
 * The Bayes reference of a problem (math.md §3.4), each quantity under its own name:
 * lower (Jensen) ≤ R_Bayes ≤ upper (R*_GDβ, math.md §3.2); approx (deterministic equivalent);
 * estimate ± stderr (Monte Carlo over Wishart draws, {@link bayesMonteCarlo}); exact (d = 1 only,
 * {@link bayesExact1d}). Independent of β*; singular Ψ allowed (only the positive eigenvalues μ of
 * HΨ enter). Risks in units of y².
 * @throws {@link InputError} (CLI exit 2) on `sigma2` when σ² = 0 (see the module comment), or on
 *   `samples`/`seed` as {@link bayesMonteCarlo}; {@link NumericalError} (exit 3) when a quantity
 *   overflows or the deterministic equivalent does not converge.
 */
export function bayesReference(problem: Problem, options: BayesOptions = {}): BayesReference {
  const { samples = 20_000, seed = 1 } = options;
  requireNoise(problem.sigma2);
  const { sigma2, M } = problem;
  const mu = bayesSpectrum(problem);
  const lower = bayesLowerBound(mu, sigma2, M);
  const upper = optimumGdBeta(problem).risk;
  const { approx } = bayesDeterministicEquivalent(mu, sigma2, M);
  const mc = bayesMonteCarlo(mu, sigma2, M, { samples, seed });
  const out: BayesReference = { lower, upper, approx, estimate: mc.estimate, stderr: mc.stderr, samples, seed };
  if (problem.d === 1) {
    return { ...out, exact: bayesExact1d(problem.H.data[0]! * problem.Psi.data[0]!, sigma2, M) };
  }
  return out;
}
