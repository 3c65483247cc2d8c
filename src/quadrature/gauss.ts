/**
 * Gaussian quadrature rules by the Golub–Welsch algorithm, and expectations E[q(z)], z ~ N(0, 1),
 * of smooth and of piecewise-smooth (kink at 0) integrands — used for MHM's nonlinear-response
 * step size η_NL (math.md §3.5) without sampling.
 *
 * Golub–Welsch (Golub & Welsch, *Calculation of Gauss quadrature rules*, Math. Comp. 23 (1969)):
 * for a weight with monic three-term recurrence π_{k+1}(t) = (t − a_k)π_k(t) − b_kπ_{k−1}(t), the
 * n nodes are the eigenvalues of the symmetric tridiagonal Jacobi matrix J (diagonal a_0…a_{n−1},
 * off-diagonal √b_1…√b_{n−1}) and the weights are μ₀·v_{k,0}², v_k the unit eigenvectors and
 * μ₀ = ∫ weight. The rule is exact for polynomials of degree ≤ 2n − 1.
 *
 * Rules here: probabilists' Gauss–Hermite (weight e^{−z²/2} on ℝ: a_k = 0, b_k = k, μ₀ = √(2π))
 * and generalised Gauss–Laguerre (weight t^α e^{−t} on [0, ∞): a_k = 2k + α + 1, b_k = k(k + α),
 * μ₀ = Γ(α + 1)).
 */
import { eigh, type Matrix } from '../linalg/index.js';

/** A quadrature rule: ∫ q(t)·weight(t) dt ≈ Σ_k weights[k]·q(nodes[k]). */
export interface QuadratureRule {
  /** [n] ascending. */
  readonly nodes: Float64Array;
  /** [n] positive. */
  readonly weights: Float64Array;
}

/**
 * Golub–Welsch: nodes and weights of the n-point Gauss rule of the weight with monic recurrence
 * coefficients a_0…a_{n−1} (diagonal) and b_1…b_{n−1} (b[0] is ignored) and total mass μ₀.
 * O(n³) (one dense symmetric eigendecomposition).
 */
export function golubWelsch(a: ArrayLike<number>, b: ArrayLike<number>, mu0: number): QuadratureRule {
  const n = a.length;
  if (n < 1) throw new RangeError(`golubWelsch: need at least one node, got ${n}`);
  const J: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  for (let k = 0; k < n; k++) {
    J.data[k * n + k] = a[k]!;
    if (k > 0) {
      if (!(b[k]! > 0)) throw new RangeError(`golubWelsch: b[${k}] must be > 0, got ${b[k]}`);
      const s = Math.sqrt(b[k]!);
      J.data[k * n + k - 1] = s;
      J.data[(k - 1) * n + k] = s;
    }
  }
  const { values, vectors } = eigh(J, 'Jacobi matrix');
  const weights = new Float64Array(n);
  for (let k = 0; k < n; k++) weights[k] = mu0 * vectors.data[k]! ** 2; // first component of eigenvector k
  return { nodes: Float64Array.from(values), weights };
}

const cache = new Map<string, QuadratureRule>();

/**
 * n-point Gauss–Hermite rule for the standard normal: E[q(z)] ≈ Σ w_k q(z_k), Σ w_k = 1
 * (weight e^{−z²/2}/√(2π)). Exact for polynomials of degree ≤ 2n − 1. Cached per n.
 */
export function gaussHermite(n: number): QuadratureRule {
  const key = `H${n}`;
  let r = cache.get(key);
  if (!r) {
    const a = new Float64Array(n);
    const b = Float64Array.from({ length: n }, (_, k) => k);
    const raw = golubWelsch(a, b, 1); // μ₀ = 1: the normalised weight directly
    // Symmetrise (the exact rule is symmetric): removes eigen-solver rounding asymmetry.
    const nodes = new Float64Array(n);
    const weights = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      nodes[k] = 0.5 * (raw.nodes[k]! - raw.nodes[n - 1 - k]!);
      weights[k] = 0.5 * (raw.weights[k]! + raw.weights[n - 1 - k]!);
    }
    r = { nodes, weights };
    cache.set(key, r);
  }
  return r;
}

/** Γ(α + 1) for the two α used here (α = 0 → 1, α = −½ → √π). */
function gammaPlusOne(alpha: number): number {
  if (alpha === 0) return 1;
  if (alpha === -0.5) return Math.sqrt(Math.PI);
  throw new RangeError(`gaussLaguerre: only α ∈ {0, −1/2} are supported, got ${alpha}`);
}

/** n-point generalised Gauss–Laguerre rule for the weight t^α e^{−t} on [0, ∞) (α ∈ {0, −½}). Cached. */
export function gaussLaguerre(n: number, alpha: 0 | -0.5): QuadratureRule {
  const key = `L${alpha}:${n}`;
  let r = cache.get(key);
  if (!r) {
    const a = Float64Array.from({ length: n }, (_, k) => 2 * k + alpha + 1);
    const b = Float64Array.from({ length: n }, (_, k) => k * (k + alpha));
    r = golubWelsch(a, b, gammaPlusOne(alpha));
    cache.set(key, r);
  }
  return r;
}

/** Default number of nodes: exact for polynomial integrands of degree ≤ 127. */
export const DEFAULT_NODES = 64;

/** E[q(z)], z ~ N(0, 1), for q smooth on ℝ (Gauss–Hermite, n nodes). */
export function normalExpectation(q: (z: number) => number, n = DEFAULT_NODES): number {
  const { nodes, weights } = gaussHermite(n);
  let s = 0;
  for (let k = 0; k < n; k++) s += weights[k]! * q(nodes[k]!);
  return s;
}

/**
 * E[q(z)·1{z > 0}], z ~ N(0, 1), for q smooth on ℝ (analytic near 0), exact for polynomials.
 * With q = q_e + q_o (even/odd parts) and t = z²/2:
 *   √(2π)·E[q_e 1{z>0}] = 2^{−1/2}∫₀^∞ q_e(√(2t)) t^{−1/2}e^{−t}dt   (Laguerre α = −½),
 *   √(2π)·E[q_o 1{z>0}] = ∫₀^∞ (q_o(z)/z)|_{z=√(2t)} e^{−t}dt        (Laguerre α = 0),
 * both integrands smooth in t, so the rules converge spectrally.
 */
export function halfNormalExpectation(q: (z: number) => number, n = DEFAULT_NODES): number {
  const L5 = gaussLaguerre(n, -0.5);
  const L0 = gaussLaguerre(n, 0);
  let even = 0;
  for (let k = 0; k < n; k++) {
    const z = Math.sqrt(2 * L5.nodes[k]!);
    even += L5.weights[k]! * 0.5 * (q(z) + q(-z));
  }
  let odd = 0;
  for (let k = 0; k < n; k++) {
    const z = Math.sqrt(2 * L0.nodes[k]!);
    odd += (L0.weights[k]! * 0.5 * (q(z) - q(-z))) / z;
  }
  return (even / Math.SQRT2 + odd) / Math.sqrt(2 * Math.PI);
}
