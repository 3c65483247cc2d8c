/**
 * Tolerance policy of the numerical tests (stdlib's `rtol · EPS · |expected|`): every bound is a
 * named multiple of `Number.EPSILON`, scaled by the problem size `n` and the norm (and, where
 * forward errors are concerned, the condition number) of the input — never a digit count.
 * Statistical checks use the separate `STAT` table. Also holds the small error-measurement
 * helpers the bounds are applied to.
 */
import type { ReadonlyMatrix } from '../../src/linalg/index.js';

/** Machine epsilon, 2⁻⁵². Unit roundoff is EPS/2. */
export const EPS = Number.EPSILON;

/**
 * Named tolerances in multiples of EPS. "Per-n" constants multiply `n · ‖·‖` in the bound.
 */
export const TOL = {
  /** Results that must be bit-exact (symmetry of symmetrised outputs, exact zeros). */
  exact: 0,
  /** Elementwise kernels (a few roundings per entry), relative to the entry magnitudes. */
  elementwise: 4 * EPS,
  /**
   * Per-n constant of a dot product / gemm entry against a naive loop: each side is within
   * γ_k·Σ|a||b| of the exact value (γ_k ≈ k·EPS/2, any summation order), so their difference is
   * within k·EPS·Σ|a||b|; a factor 2 of slack on top. `GEMM_SLACK` adds the alpha/beta roundings.
   */
  dotPerN: 2 * EPS,
  /** Per-n constant of factorisation backward errors, ‖LLᵀ − A‖ or ‖PA − LU‖ ≤ c·n·EPS·‖A‖. */
  factorPerN: 4 * EPS,
  /** Per-n constant of solve residuals ‖Ax − b‖ ≤ c·n·EPS·‖A‖·‖x‖ (+‖b‖). */
  residualPerN: 8 * EPS,
  /** Per-n constant of eigen residuals ‖AV − VΛ‖ and eigenvalue errors (Weyl), relative to ‖A‖. */
  eigenPerN: 16 * EPS,
  /** Per-n constant of orthogonality ‖VᵀV − I‖. */
  orthogonalityPerN: 8 * EPS,
  /** Per-n constant of forward errors, multiplied by the condition number: ‖x̂ − x‖/‖x‖ ≤ c·n·κ·EPS. */
  forwardPerN: 8 * EPS,
} as const;

/**
 * Absolute floor added to relative bounds: products of subnormal-range operands carry an
 * absolute error of order 2⁻¹⁰⁷⁴ per operation (gradual underflow), which no relative bound covers.
 */
export const UNDERFLOW_FLOOR = 2 ** -1000;

/** Extra roundings of gemm's alpha/beta scaling, added to k in the per-entry bound. */
export const GEMM_SLACK = 4;

/** Looser, separate table for statistical (Monte Carlo) checks. */
export const STAT = {
  /** Accept |sample statistic − exact| < Z_MAX standard errors. */
  zMax: 5,
} as const;

/** `max |a_i − b_i|` over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!(d <= m)) m = d; // NaN propagates as NaN
  }
  return m;
}

/** `max |a_i|`. */
export function maxAbsOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/** Naive triple-loop `op(A)·op(B)` in plain row order: the independent oracle for gemm. */
export function naiveProduct(A: ReadonlyMatrix, B: ReadonlyMatrix, trans: 'NN' | 'TN' | 'NT' = 'NN'): { rows: number; cols: number; data: Float64Array; absData: Float64Array } {
  const tA = trans === 'TN';
  const tB = trans === 'NT';
  const m = tA ? A.cols : A.rows;
  const k = tA ? A.rows : A.cols;
  const n = tB ? B.rows : B.cols;
  const data = new Float64Array(m * n);
  const absData = new Float64Array(m * n); // Σ_p |op(A)_ip|·|op(B)_pj|, for error bounds
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const a = tA ? A.data[p * A.cols + i] : A.data[i * A.cols + p];
        const b = tB ? B.data[j * B.cols + p] : B.data[p * B.cols + j];
        s += a * b;
        t += Math.abs(a * b);
      }
      data[i * n + j] = s;
      absData[i * n + j] = t;
    }
  }
  return { rows: m, cols: n, data, absData };
}

/** Infinity norm `max_i Σ_j |a_ij|` (an upper bound on ‖A‖₂·… within √n; cheap and monotone). */
export function normInf(A: ReadonlyMatrix): number {
  let m = 0;
  for (let i = 0; i < A.rows; i++) {
    let s = 0;
    for (let j = 0; j < A.cols; j++) s += Math.abs(A.data[i * A.cols + j]);
    m = Math.max(m, s);
  }
  return m;
}

/** `max_i |(A·x − b)_i|` computed naively. */
export function residualInf(A: ReadonlyMatrix, x: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < A.rows; i++) {
    let s = -(b[i] as number);
    for (let j = 0; j < A.cols; j++) s += A.data[i * A.cols + j] * (x[j] as number);
    m = Math.max(m, Math.abs(s));
  }
  return m;
}

/**
 * `null` when `actual` and `expected` agree bit for bit (Object.is per entry, so −0 ≠ +0 and
 * NaN = NaN), else a description of the first difference. One `expect(...).toBeNull()` per
 * property run instead of one `expect` per entry keeps the property tests fast.
 */
export function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} ≠ ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) return `entry ${i}: ${actual[i]} ≠ ${expected[i]}`;
  }
  return null;
}

/**
 * `null` when `|actual_i − expected_i| ≤ bound(i)` for every i, else a description of the first
 * violation.
 */
export function firstViolation(actual: ArrayLike<number>, expected: ArrayLike<number>, bound: (i: number) => number): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} ≠ ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs((actual[i] as number) - (expected[i] as number));
    const b = bound(i);
    if (!(err <= b)) return `entry ${i}: |${actual[i]} − ${expected[i]}| = ${err} > ${b}`;
  }
  return null;
}
