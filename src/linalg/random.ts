/**
 * Seeded randomness with identical streams on every platform: a xoshiro128** generator (32-bit
 * integer arithmetic only, via Math.imul and shifts) seeded through splitmix64, plus Gaussian,
 * gamma and chi-square variates and random orthogonal / SPD matrix constructors.
 *
 * Reproducibility: the integer stream is exact everywhere. The normal and gamma variates use
 * only `Math.log`, `Math.sqrt`, `Math.pow` (Marsaglia's polar method avoids `sin`/`cos`),
 * which V8 implements with its own portable fdlibm port, so streams agree across operating
 * systems and CPUs for a given Node/V8.
 *
 * References: Blackman & Vigna, "Scrambled linear pseudorandom number generators" (2021);
 * Steele, Lea & Flood, "Fast splittable pseudorandom number generators" (2014, splitmix64);
 * Marsaglia & Bray (1964, polar method); Marsaglia & Tsang, "A simple method for generating
 * gamma variables" (2000); Mezzadri, "How to generate random matrices from the classical
 * compact groups" (2007, Haar orthogonal via QR with sign fix).
 */
import type { Matrix, ReadonlyMatrix } from './matrix.js';
import { NonFiniteError } from './errors.js';
import { checkLength, checkSquare, shapeOf } from './validate.js';
import { gemm } from './gemm.js';
import { scaleCols, symmetrise } from './blas.js';

/** 2⁻⁵³: scales a 53-bit integer into [0, 1). */
const TWO_POW_M53 = 1 / 9007199254740992;
/** 2²⁶: weight of the high 27 bits in a 53-bit uniform. */
const TWO_POW_26 = 67108864;
/** Integer degrees of freedom up to which `chiSquare` sums squared normals (exact, k normals). */
const CHI_SQUARE_DIRECT_MAX = 16;

const MASK64 = (1n << 64n) - 1n;

/** splitmix64 step: returns [next state, output], both as unsigned 64-bit BigInts. */
function splitmix64(state: bigint): [bigint, bigint] {
  const s = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [s, z ^ (z >> 31n)];
}

/**
 * Seeded pseudo-random generator (xoshiro128**, period 2¹²⁸ − 1). The 128-bit state is filled
 * from two splitmix64 outputs of the seed, as recommended by the xoshiro authors.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second variate of the last polar-method pair (the method yields two at a time). */
  private spare = 0;
  private hasSpare = false;

  /**
   * @param seed - any safe integer (negative seeds are taken modulo 2⁶⁴).
   * @throws RangeError when the seed is not a safe integer.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng: seed must be a safe integer, got ${seed}`);
    let st = BigInt.asUintN(64, BigInt(seed));
    let a: bigint;
    let b: bigint;
    [st, a] = splitmix64(st);
    [st, b] = splitmix64(st);
    this.s0 = Number(a & 0xffffffffn) | 0;
    this.s1 = Number(a >> 32n) | 0;
    this.s2 = Number(b & 0xffffffffn) | 0;
    this.s3 = Number(b >> 32n) | 0;
    // The all-zero state is a fixed point; splitmix64 makes it (practically) impossible, but be exact.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned integer in [0, 2³²). */
  nextUint32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits (every multiple of 2⁻⁵³ equally likely). */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * TWO_POW_26 + lo) * TWO_POW_M53;
  }

  /** Standard normal N(0, 1) by Marsaglia's polar method (only `log` and `sqrt`). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    this.hasSpare = true;
    return u * m;
  }

  /** Fills `out` with independent standard normals; returns `out`. O(n). */
  fillNormal<T extends Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /**
   * Gamma(shape, 1) variate by Marsaglia–Tsang (shape ≥ 1; for shape < 1 the boost
   * `Gamma(shape + 1)·U^{1/shape}`).
   * @throws RangeError unless shape is finite and > 0.
   */
  gamma(shape: number): number {
    if (!(shape > 0 && shape < Infinity)) throw new RangeError(`Rng.gamma: shape must be finite and > 0, got ${shape}`);
    if (shape < 1) {
      const g = this.gamma(shape + 1);
      return g * Math.pow(this.uniform(), 1 / shape);
    }
    return gammaMarsagliaTsang(shape, this);
  }

  /**
   * Chi-square variate with k degrees of freedom (Bartlett decomposition of Wishart matrices
   * needs k = n, n−1, …). Integer `k ≤ 16`: the exact sum of k squared normals; otherwise
   * `2·Gamma(k/2)` by Marsaglia–Tsang (any real k > 0, e.g. half-integers).
   * @throws RangeError unless k is finite and > 0.
   */
  chiSquare(k: number): number {
    if (!(k > 0 && k < Infinity)) throw new RangeError(`Rng.chiSquare: degrees of freedom must be finite and > 0, got ${k}`);
    if (Number.isInteger(k) && k <= CHI_SQUARE_DIRECT_MAX) {
      let s = 0;
      for (let i = 0; i < k; i++) {
        const z = this.normal();
        s += z * z;
      }
      return s;
    }
    return 2 * this.gamma(k / 2);
  }
}

/** A source of uniform (0, 1) and standard normal variates. */
export interface VariateSource {
  /** A uniform variate in (0, 1). */
  uniform(): number;
  /** A standard normal variate. */
  normal(): number;
}

/**
 * Gamma(shape, 1) for shape ≥ 1 by Marsaglia & Tsang, "A simple method for generating gamma
 * variables", ACM TOMS 26(3), 2000 — from any {@link VariateSource} (`Rng`, and src/train's fast
 * generator), so both draw the same way.
 */
export function gammaMarsagliaTsang(shape: number, src: VariateSource): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = src.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = src.uniform();
    const x2 = x * x;
    // Squeeze test first (avoids the logarithms ~98 % of the time).
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** 32-bit rotate left (xoshiro128**). */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Haar-distributed random orthogonal matrix Q: [n, n] (Mezzadri 2007): Householder QR of a
 * matrix of iid standard normals, with the columns of Q multiplied by sign(r_kk) so that the
 * distribution is exactly uniform on O(n). Consumes n² normals from `rng`. O(n³).
 * @throws RangeError when n is not a non-negative integer.
 */
export function randomOrthogonal(rng: Rng, n: number): Matrix {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`randomOrthogonal: n must be a non-negative integer, got ${n}`);
  // X = Gᵀ (row k of X is column k of G): the Householder vectors then live in contiguous rows.
  const X = rng.fillNormal(new Float64Array(n * n));
  const tau = new Float64Array(n);
  const sign = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    const alpha = X[rk + k];
    let ss = 0;
    for (let j = k + 1; j < n; j++) ss += X[rk + j] * X[rk + j];
    if (ss === 0) {
      tau[k] = 0;
      sign[k] = alpha < 0 ? -1 : 1;
      continue;
    }
    const beta = alpha >= 0 ? -Math.sqrt(alpha * alpha + ss) : Math.sqrt(alpha * alpha + ss);
    tau[k] = (beta - alpha) / beta;
    sign[k] = beta < 0 ? -1 : 1; // r_kk = beta
    const scal = 1 / (alpha - beta);
    X[rk + k] = 1;
    for (let j = k + 1; j < n; j++) X[rk + j] *= scal;
    // Apply H_k to the remaining columns of G (rows j > k of X).
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      let u = 0;
      for (let j = k; j < n; j++) u += X[rk + j] * X[ri + j];
      u *= tau[k];
      for (let j = k; j < n; j++) X[ri + j] -= u * X[rk + j];
    }
  }
  // Qᵀ = H_{n−1}···H_0 by backward accumulation on rows, then Q = (Qᵀ)ᵀ·diag(sign).
  const Qt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Qt[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const t = tau[k];
    if (t === 0) continue;
    const rk = k * n;
    for (let i = k; i < n; i++) {
      const ri = i * n;
      let u = 0;
      for (let j = k; j < n; j++) u += Qt[ri + j] * X[rk + j];
      if (u === 0) continue;
      u *= t;
      for (let j = k; j < n; j++) Qt[ri + j] -= u * X[rk + j];
    }
  }
  const Q = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const s = sign[k];
    for (let i = 0; i < n; i++) Q[i * n + k] = s * Qt[k * n + i];
  }
  return { rows: n, cols: n, data: Q };
}

/**
 * `Q·diag(λ)·Qᵀ`, exactly symmetric (computed with `gemm` and then symmetrised). With Q
 * orthogonal this is the symmetric matrix with spectrum λ and eigenvectors the columns of Q.
 * Shapes: Q: [n, n], lambda: [n]. 2n³ flops.
 * @throws ShapeError on a shape mismatch; NonFiniteError('lambda', i, 0, v) for a non-finite λ_i.
 */
export function spdFromSpectrum(Q: ReadonlyMatrix, lambda: ArrayLike<number>): Matrix {
  checkSquare('spdFromSpectrum', 'Q', Q);
  const n = Q.rows;
  checkLength('spdFromSpectrum', 'lambda', lambda, n, `Q.rows (Q is ${shapeOf(Q)})`);
  const l = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = lambda[i] as number;
    if (!Number.isFinite(v)) throw new NonFiniteError('lambda', i, 0, v);
    l[i] = v;
  }
  const QL = scaleCols({ rows: n, cols: n, data: new Float64Array(n * n) }, Q, l);
  const S = gemm({ rows: n, cols: n, data: new Float64Array(n * n) }, QL, Q, 'NT');
  return symmetrise(S, S);
}
