/**
 * Dense output: evaluation of one step's interpolating polynomial in its basis, and the
 * piecewise interpolant over a whole solve (one polynomial per accepted step, scipy `OdeSolution`).
 */
import type { DenseBasis } from './types.js';

/**
 * Evaluate one step's dense output at θ = (t − t_old)/h:
 * `out = y0 + basis(θ; r_0 … r_{m−1})` (see {@link DenseBasis}), by Horner's rule per component.
 *
 * @param coeffs - m coefficient vectors, row-major, starting at `offset` (shape [m, n]).
 * @param y0 - state at the start of the step, starting at `y0Offset` (length n).
 * @returns `out` (length n). O(m·n), allocates nothing.
 */
export function evaluateDense(
  basis: DenseBasis,
  m: number,
  n: number,
  coeffs: Float64Array,
  offset: number,
  y0: Float64Array,
  y0Offset: number,
  theta: number,
  out: Float64Array,
): Float64Array {
  const last = offset + (m - 1) * n;
  if (basis === 'monomial') {
    for (let k = 0; k < n; k++) {
      let acc = coeffs[last + k] as number;
      for (let j = m - 2; j >= 0; j--) acc = acc * theta + (coeffs[offset + j * n + k] as number);
      out[k] = (y0[y0Offset + k] as number) + theta * acc;
    }
  } else {
    const oneMinus = 1 - theta;
    for (let k = 0; k < n; k++) {
      let acc = coeffs[last + k] as number;
      // Level j multiplies the inner sum by (1 − θ) for even j and θ for odd j.
      for (let j = m - 2; j >= 0; j--) acc = (coeffs[offset + j * n + k] as number) + ((j & 1) === 0 ? oneMinus : theta) * acc;
      out[k] = (y0[y0Offset + k] as number) + theta * acc;
    }
  }
  return out;
}

/**
 * Piecewise dense output of a whole solve: for every accepted step, its start time, size, start
 * state and m coefficient vectors. Memory: (m + 1)·n doubles per step — keep it off
 * (`options.dense = false`, the default) for large n.
 */
export class DenseHistory {
  private tStarts: Float64Array;
  private steps: Float64Array;
  private data: Float64Array;
  private count = 0;
  private readonly stride: number;

  /**
   * @param n - state dimension.
   * @param basis - basis of every step's polynomial.
   * @param m - number of coefficient vectors per step.
   * @param direction - +1 for forward spans, −1 for backward spans.
   */
  constructor(
    readonly n: number,
    readonly basis: DenseBasis,
    readonly m: number,
    readonly direction: 1 | -1,
  ) {
    this.stride = (m + 1) * n;
    this.tStarts = new Float64Array(16);
    this.steps = new Float64Array(16);
    this.data = new Float64Array(16 * this.stride);
  }

  /** Number of stored steps. */
  get length(): number {
    return this.count;
  }

  /** Append the step [tStart, tStart + h] with start state `y0` and coefficients `coeffs` (m·n). */
  push(tStart: number, h: number, y0: Float64Array, coeffs: Float64Array): void {
    if (this.count === this.tStarts.length) {
      const cap = 2 * this.count;
      const ts = new Float64Array(cap);
      ts.set(this.tStarts);
      this.tStarts = ts;
      const hs = new Float64Array(cap);
      hs.set(this.steps);
      this.steps = hs;
      const d = new Float64Array(cap * this.stride);
      d.set(this.data);
      this.data = d;
    }
    const base = this.count * this.stride;
    this.data.set(y0, base);
    this.data.set(coeffs.subarray(0, this.m * this.n), base + this.n);
    this.tStarts[this.count] = tStart;
    this.steps[this.count] = h;
    this.count++;
  }

  /**
   * Evaluate the piecewise interpolant at t into `out` (length n). The caller guarantees t lies
   * in the covered span. At a step boundary the later step's polynomial is used. O(log steps + m·n).
   */
  evaluate(t: number, out: Float64Array): Float64Array {
    // Last step whose start is at or before t (in the direction of integration).
    const dir = this.direction;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (dir * ((this.tStarts[mid] as number) - t) <= 0) lo = mid;
      else hi = mid - 1;
    }
    const theta = (t - (this.tStarts[lo] as number)) / (this.steps[lo] as number);
    const base = lo * this.stride;
    return evaluateDense(this.basis, this.m, this.n, this.data, base + this.n, this.data, base, theta, out);
  }
}
