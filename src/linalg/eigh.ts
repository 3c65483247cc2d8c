/**
 * Symmetric eigendecomposition `A = V·diag(λ)·Vᵀ` and the matrix functions built on it.
 *
 * Algorithm (EISPACK tred2/tql2 lineage, as in JAMA, reorganised for row-major memory):
 *  1. exact power-of-two scaling so that max|A| ≈ 1 (no overflow/underflow in the Householder norms);
 *  2. Householder tridiagonalisation `A = Q·T·Qᵀ` on the upper triangle (4n³/3 flops: a fused
 *     symmetric matrix–vector product and a rank-2 update per column, both unit stride);
 *  3. explicit accumulation of `Qᵀ` by backward accumulation (4n³/3 flops), blocks of 32
 *     reflectors in compact WY form through `gemm`, pairs of reflectors for small n;
 *  4. implicit QL with Wilkinson-type shifts on T. Each sweep's Givens rotations are recorded
 *     first and then applied to the rows of `Qᵀ` (the eigenvectors are kept as rows, so a
 *     rotation touches two contiguous rows) four at a time: one pass over five rows instead of
 *     four passes over two rows each (≈ 3n³ flops, the dominant cost);
 *  5. ascending sort, a deterministic sign (largest-magnitude component positive), transpose.
 *
 * References: Golub & Van Loan, Matrix Computations (4th ed.), §8.3; Wilkinson & Reinsch,
 * Handbook for Automatic Computation II (1971), tred2/tql2; LAPACK dsytd2/dorgtr/dsteqr.
 */
import type { Matrix, ReadonlyMatrix } from './matrix.js';
import { ConvergenceError, NonFiniteError, NotPositiveDefiniteError } from './errors.js';
import { symmetricInput } from './validate.js';
import { gemm, gemmAccumulate } from './gemm.js';
import { scaleCols, symmetrise } from './blas.js';

/** Result of `eigh`: ascending eigenvalues and the matching orthonormal eigenvectors. */
export interface EighResult {
  /** Eigenvalues λ_0 ≤ λ_1 ≤ … ≤ λ_{n−1}, shape [n]. */
  readonly values: Float64Array<ArrayBuffer>;
  /**
   * Orthonormal eigenvectors, shape [n, n]: column k is the unit eigenvector of `values[k]`,
   * signed so that its largest-magnitude component (the first, on ties) is positive.
   */
  readonly vectors: Matrix;
}

/** QL iteration cap, per eigenvalue on average (LAPACK dsteqr uses 30·n in total). */
const MAX_QL_SWEEPS_PER_EIGENVALUE = 30;

const EPS = Number.EPSILON;

/** `sqrt(a² + b²)` without overflow or destructive underflow (rescales only when needed). */
function hypot2(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const m = x > y ? x : y;
  if (m > 1e150 || m < 1e-150) {
    if (m === 0) return 0;
    const u = x / m;
    const w = y / m;
    return m * Math.sqrt(u * u + w * w);
  }
  return Math.sqrt(x * x + y * y);
}

/** LAPACK dlarfg's safmin = dlamch('S')/dlamch('E') = 2^−970: a power of two, so rescaling by it is exact. */
const REFLECTOR_SAFMIN = 2 ** -970;
const REFLECTOR_RSAFMIN = 2 ** 970;

/** Euclidean norm of `a[from .. to)`, rescaled when the plain sum of squares would under/overflow. */
function segmentNorm(a: Float64Array, from: number, to: number): number {
  let ss = 0;
  for (let j = from; j < to; j++) ss += a[j] * a[j];
  if (ss > 1e-290 && ss < 1e290) return Math.sqrt(ss);
  let m = 0;
  for (let j = from; j < to; j++) m = Math.max(m, Math.abs(a[j]));
  if (m === 0) return 0;
  ss = 0;
  for (let j = from; j < to; j++) {
    const u = a[j] / m;
    ss += u * u;
  }
  return m * Math.sqrt(ss);
}

/**
 * Power of two closest to max|a| (clamped to 2^±1000 so that its reciprocal is finite): scaling
 * by it is exact, so the eigenvalues can be scaled back without rounding.
 */
function powerOfTwoScale(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  if (m === 0) return 0;
  const k = Math.max(-1000, Math.min(1000, Math.round(Math.log2(m))));
  return 2 ** k;
}

/**
 * Householder reduction of the symmetric `a` (n×n, row-major; only the upper triangle is read
 * and updated) to tridiagonal form: `d` gets the diagonal, `e[k]` the (k, k+1) entry, `e[n−1] = 0`.
 * Reflector k is `I − tau[k]·v·vᵀ` with `v = [0…0, 1, a[k][k+2 …]]` (stored in row k).
 * `v`, `p`: workspaces of length n.
 */
function tridiagonalise(a: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array, v: Float64Array, p: Float64Array): void {
  for (let k = 0; k < n - 2; k++) {
    const rk = k * n;
    const off = k + 1;
    d[k] = a[rk + k];
    let alpha = a[rk + off];
    let xnorm = segmentNorm(a, rk + off + 1, rk + n);
    if (xnorm === 0) {
      // Column already reduced: H = I.
      tau[k] = 0;
      e[k] = alpha;
      continue;
    }
    let beta = alpha >= 0 ? -hypot2(alpha, xnorm) : hypot2(alpha, xnorm);
    // LAPACK dlarfg: a (sub)normal-tiny β would make 1/(α − β) overflow: rescale the column by
    // 1/SAFMIN until it is representable, and scale β back at the end (exact powers of two).
    let knt = 0;
    while (Math.abs(beta) < REFLECTOR_SAFMIN && knt < 20) {
      for (let j = off + 1; j < n; j++) a[rk + j] *= REFLECTOR_RSAFMIN;
      alpha *= REFLECTOR_RSAFMIN;
      knt++;
      xnorm = segmentNorm(a, rk + off + 1, rk + n);
      beta = alpha >= 0 ? -hypot2(alpha, xnorm) : hypot2(alpha, xnorm);
    }
    const t = (beta - alpha) / beta;
    const scal = 1 / (alpha - beta);
    tau[k] = t;
    e[k] = knt === 0 ? beta : beta * REFLECTOR_SAFMIN ** knt;
    v[off] = 1;
    for (let j = off + 1; j < n; j++) {
      const vj = a[rk + j] * scal;
      a[rk + j] = vj;
      v[j] = vj;
    }
    // p ← S·v for the trailing block S = a[off.., off..], reading its upper triangle once:
    // entry a_ij (j > i) feeds p_i (row dot) and p_j (by symmetry). Two rows per pass share
    // the loads of v_j and p_j.
    for (let i = off; i < n; i++) p[i] = 0;
    let i = off;
    for (; i + 1 < n; i += 2) {
      const ri = i * n;
      const ri1 = ri + n;
      const vi = v[i];
      const vi1 = v[i + 1];
      const aii1 = a[ri + i + 1];
      let s0 = a[ri + i] * vi + aii1 * vi1;
      let s1 = aii1 * vi + a[ri1 + i + 1] * vi1;
      for (let j = i + 2; j < n; j++) {
        const x = a[ri + j];
        const y = a[ri1 + j];
        const vj = v[j];
        s0 += x * vj;
        s1 += y * vj;
        p[j] += x * vi + y * vi1;
      }
      p[i] += s0;
      p[i + 1] += s1;
    }
    if (i < n) p[i] += a[i * n + i] * v[i];
    // w = τ·p − (τ²/2)(pᵀv)·v (stored over p), then S ← S − v·wᵀ − w·vᵀ on the upper triangle.
    let pv = 0;
    for (let q = off; q < n; q++) pv += p[q] * v[q];
    const K = -0.5 * t * t * pv;
    for (let q = off; q < n; q++) p[q] = t * p[q] + K * v[q];
    for (i = off; i + 1 < n; i += 2) {
      const ri = i * n;
      const ri1 = ri + n;
      const vi = v[i];
      const wi = p[i];
      const vi1 = v[i + 1];
      const wi1 = p[i + 1];
      a[ri + i] -= vi * wi + wi * vi;
      a[ri + i + 1] -= vi * wi1 + wi * vi1;
      a[ri1 + i + 1] -= vi1 * wi1 + wi1 * vi1;
      for (let j = i + 2; j < n; j++) {
        const vj = v[j];
        const wj = p[j];
        a[ri + j] -= vi * wj + wi * vj;
        a[ri1 + j] -= vi1 * wj + wi1 * vj;
      }
    }
    if (i < n) a[i * n + i] -= 2 * v[i] * p[i];
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2];
    e[n - 2] = a[(n - 2) * n + n - 1];
  }
  d[n - 1] = a[(n - 1) * n + n - 1];
  e[n - 1] = 0;
}

/** Reflectors per block in the blocked accumulation of Qᵀ (compact WY, LAPACK dorgtr's nb). */
const QT_BLOCK = 32;
/** Below this order the unblocked accumulation is faster than the gemm-based one. */
const QT_BLOCKED_MIN_N = 48;

/**
 * `Z ← Qᵀ = H_{n−3}···H_1·H_0` by backward accumulation: right-multiplying by H_k in descending
 * k touches only rows/columns > k. Blocks of QT_BLOCK reflectors are applied at once in compact
 * WY form, `H_{k1}···H_{k0} = I − V·Tᵀ·Vᵀ` (Schreiber & Van Loan 1989; LAPACK dlarft/dlarfb), so
 * that almost all of the 4n³/3 flops run in the blocked `gemm`.
 */
function accumulateQt(a: Float64Array, n: number, tau: Float64Array, Z: Float64Array, v: Float64Array): void {
  Z.fill(0);
  for (let i = 0; i < n; i++) Z[i * n + i] = 1;
  const reflectors = Math.max(n - 2, 0);
  const nb = QT_BLOCK;
  // The last reflectors (smallest trailing blocks) go one at a time; the first ⌊(n−2)/nb⌋·nb,
  // which carry almost all the flops, go in blocks.
  const blocked = n >= QT_BLOCKED_MIN_N ? reflectors - (reflectors % nb) : 0;
  let k = reflectors - 1;
  for (; k - 1 >= blocked; k -= 2) applyReflectorPairRight(a, n, tau[k], tau[k - 1], k, Z, v);
  if (k >= blocked) applyReflectorRight(a, n, tau[k], k, Z, v);
  if (blocked === 0) return;
  const Vb = new Float64Array(n * nb);
  const T = new Float64Array(nb * nb);
  const W = new Float64Array(n * nb);
  const W2 = new Float64Array(n * nb);
  for (let k0 = blocked - nb; k0 >= 0; k0 -= nb) {
    const r0 = k0 + 1;
    const m = n - r0;
    // Vb[row][j] = v_{k0+j}[r0 + row]: zero above its unit entry at row j.
    Vb.fill(0, 0, m * nb);
    for (let j = 0; j < nb; j++) {
      Vb[j * nb + j] = 1;
      const rk = (k0 + j) * n + r0;
      for (let row = j + 1; row < m; row++) Vb[row * nb + j] = a[rk + row];
    }
    // T upper triangular with H_{k0}···H_{k0+nb−1} = I − Vb·T·Vbᵀ (dlarft, forward, columnwise).
    T.fill(0);
    for (let j = 0; j < nb; j++) {
      const t = tau[k0 + j];
      T[j * nb + j] = t;
      if (t === 0) continue;
      for (let i = 0; i < j; i++) {
        let s = 0;
        for (let row = j; row < m; row++) s += Vb[row * nb + i] * Vb[row * nb + j];
        v[i] = -t * s;
      }
      for (let i = 0; i < j; i++) {
        let s = 0;
        for (let q = i; q < j; q++) s += T[i * nb + q] * v[q];
        T[i * nb + j] = s;
      }
    }
    // Z_R ← Z_R − (Z_R·Vb)·Tᵀ·Vbᵀ on the trailing block R = Z[r0.., r0..].
    const zr = r0 * n + r0;
    W.fill(0, 0, m * nb);
    gemmAccumulate(m, nb, m, 1, Z, zr, n, 1, Vb, 0, nb, 1, W, 0, nb);
    W2.fill(0, 0, m * nb);
    gemmAccumulate(m, nb, nb, 1, W, 0, nb, 1, T, 0, 1, nb, W2, 0, nb);
    gemmAccumulate(m, m, nb, -1, W2, 0, nb, 1, Vb, 0, 1, nb, Z, zr, n);
  }
}

/** `Z ← Z·H_k` for one reflector: row i of Z gets `−τ·(Z_i·v)·vᵀ` (rows/columns > k only). */
function applyReflectorRight(a: Float64Array, n: number, t: number, k: number, Z: Float64Array, v: Float64Array): void {
  if (t === 0) return;
  const off = k + 1;
  const rk = k * n;
  v[off] = 1;
  for (let j = off + 1; j < n; j++) v[j] = a[rk + j];
  for (let i = off; i < n; i++) {
    const ri = i * n;
    let u = 0;
    for (let j = off; j < n; j++) u += Z[ri + j] * v[j];
    if (u === 0) continue;
    u *= t;
    for (let j = off; j < n; j++) Z[ri + j] -= u * v[j];
  }
}

/**
 * `Z ← Z·H_k·H_{k−1}` in one pass over each row (a 2-reflector compact WY step): with
 * `u = Z_i·v_k`, `w = Z_i·v_{k−1}` and `γ = v_kᵀv_{k−1}`, row i gets
 * `−τ_k·u·v_kᵀ − τ_{k−1}·(w − τ_k·u·γ)·v_{k−1}ᵀ`. Half the row traffic of two single steps.
 */
function applyReflectorPairRight(a: Float64Array, n: number, t1: number, t0: number, k: number, Z: Float64Array, v: Float64Array): void {
  if (t1 === 0 || t0 === 0) {
    applyReflectorRight(a, n, t1, k, Z, v);
    applyReflectorRight(a, n, t0, k - 1, Z, v);
    return;
  }
  // v holds v_{k−1} (unit at k, from row k−1 of a); v_k (unit at k+1) is read from row k of a.
  const off = k;
  const rk = k * n;
  const rk0 = (k - 1) * n;
  v[off] = 1;
  for (let j = off + 1; j < n; j++) v[j] = a[rk0 + j];
  let gamma = v[k + 1];
  for (let j = k + 2; j < n; j++) gamma += a[rk + j] * v[j];
  for (let i = off; i < n; i++) {
    const ri = i * n;
    // v_k has a 0 at column k and 1 at column k+1.
    let u = Z[ri + k + 1];
    let w = Z[ri + k] + u * v[k + 1];
    for (let j = k + 2; j < n; j++) {
      const z = Z[ri + j];
      u += z * a[rk + j];
      w += z * v[j];
    }
    const alpha = t1 * u;
    const beta = t0 * (w - alpha * gamma);
    if (alpha === 0 && beta === 0) continue;
    Z[ri + k] -= beta;
    Z[ri + k + 1] -= alpha + beta * v[k + 1];
    for (let j = k + 2; j < n; j++) Z[ri + j] -= alpha * a[rk + j] + beta * v[j];
  }
}

/**
 * Applies the rotations of one QL sweep, i = m−1 down to l, to the rows of Z:
 * `Z[i+1] ← s_i·Z[i] + c_i·Z[i+1]`, `Z[i] ← c_i·Z[i] − s_i·Z[i+1]`. Four consecutive rotations
 * share one pass over five rows (5 loads + 5 stores per 24 flops instead of 8 + 8); the
 * remaining 1–3 rotations share one pass too.
 */
function applySweep(Z: Float64Array, n: number, cs: Float64Array, sn: Float64Array, l: number, m: number): void {
  let i = m - 1;
  for (; i - 3 >= l; i -= 4) {
    const c0 = cs[i], s0 = sn[i], c1 = cs[i - 1], s1 = sn[i - 1];
    const c2 = cs[i - 2], s2 = sn[i - 2], c3 = cs[i - 3], s3 = sn[i - 3];
    const r0 = (i + 1) * n, r1 = i * n, r2 = (i - 1) * n, r3 = (i - 2) * n, r4 = (i - 3) * n;
    for (let k = 0; k < n; k++) {
      let x = Z[r0 + k];
      let y = Z[r1 + k];
      Z[r0 + k] = s0 * y + c0 * x;
      x = c0 * y - s0 * x;
      y = Z[r2 + k];
      Z[r1 + k] = s1 * y + c1 * x;
      x = c1 * y - s1 * x;
      y = Z[r3 + k];
      Z[r2 + k] = s2 * y + c2 * x;
      x = c2 * y - s2 * x;
      y = Z[r4 + k];
      Z[r3 + k] = s3 * y + c3 * x;
      Z[r4 + k] = c3 * y - s3 * x;
    }
  }
  if (i - 2 >= l) {
    const c0 = cs[i], s0 = sn[i], c1 = cs[i - 1], s1 = sn[i - 1], c2 = cs[i - 2], s2 = sn[i - 2];
    const r0 = (i + 1) * n, r1 = i * n, r2 = (i - 1) * n, r3 = (i - 2) * n;
    for (let k = 0; k < n; k++) {
      let x = Z[r0 + k];
      let y = Z[r1 + k];
      Z[r0 + k] = s0 * y + c0 * x;
      x = c0 * y - s0 * x;
      y = Z[r2 + k];
      Z[r1 + k] = s1 * y + c1 * x;
      x = c1 * y - s1 * x;
      y = Z[r3 + k];
      Z[r2 + k] = s2 * y + c2 * x;
      Z[r3 + k] = c2 * y - s2 * x;
    }
  } else if (i - 1 >= l) {
    const c0 = cs[i], s0 = sn[i], c1 = cs[i - 1], s1 = sn[i - 1];
    const r0 = (i + 1) * n, r1 = i * n, r2 = (i - 1) * n;
    for (let k = 0; k < n; k++) {
      let x = Z[r0 + k];
      let y = Z[r1 + k];
      Z[r0 + k] = s0 * y + c0 * x;
      x = c0 * y - s0 * x;
      y = Z[r2 + k];
      Z[r1 + k] = s1 * y + c1 * x;
      Z[r2 + k] = c1 * y - s1 * x;
    }
  } else if (i >= l) {
    const c = cs[i], s = sn[i];
    const r0 = (i + 1) * n, r1 = i * n;
    for (let k = 0; k < n; k++) {
      const x = Z[r0 + k];
      const y = Z[r1 + k];
      Z[r0 + k] = s * y + c * x;
      Z[r1 + k] = c * y - s * x;
    }
  }
}

/**
 * Implicit QL iteration on the symmetric tridiagonal (d, e) (tql2): on return `d` holds the
 * eigenvalues (unsorted); when `Z` is given, the rotations are applied to its rows.
 */
function tridiagonalQL(d: Float64Array, e: Float64Array, n: number, Z: Float64Array | null, cs: Float64Array, sn: Float64Array, name: string): void {
  const maxIter = MAX_QL_SWEEPS_PER_EIGENVALUE * Math.max(n, 1);
  let iter = 0;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    // Deflate at the first negligible off-diagonal, judged against the norm seen so far.
    while (m < n - 1 && !(Math.abs(e[m]) <= EPS * tst1)) m++;
    if (m > l) {
      do {
        if (++iter > maxIter) throw new ConvergenceError(name, 'eigh (implicit QL)', maxIter);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot2(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot2(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          cs[i] = c;
          sn[i] = s;
        }
        if (Z !== null) applySweep(Z, n, cs, sn, l, m);
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Workspace of one decomposition: the symmetrised, scaled input plus the tridiagonal data. */
interface Tridiagonal {
  readonly n: number;
  readonly a: Float64Array;
  readonly d: Float64Array<ArrayBuffer>;
  readonly e: Float64Array;
  readonly tau: Float64Array;
  readonly v: Float64Array;
  readonly p: Float64Array;
  readonly scale: number;
}

function reduce(A: ReadonlyMatrix, name: string, op: string): Tridiagonal {
  const S = symmetricInput(op, A, name);
  const n = S.rows;
  const a = S.data;
  const scale = powerOfTwoScale(a);
  const t: Tridiagonal = {
    n,
    a,
    d: new Float64Array(n),
    e: new Float64Array(n),
    tau: new Float64Array(n),
    v: new Float64Array(n),
    p: new Float64Array(n),
    scale,
  };
  if (n === 0 || scale === 0) return t;
  const inv = 1 / scale;
  for (let i = 0; i < a.length; i++) a[i] *= inv;
  tridiagonalise(a, n, t.d, t.e, t.tau, t.v, t.p);
  return t;
}

/**
 * Eigendecomposition of a real symmetric matrix: `A = V·diag(values)·Vᵀ`, `VᵀV = I`.
 *
 * A: [n, n] finite and symmetric to a relative tolerance (its symmetrised copy is decomposed).
 * Backward stable: the computed pairs are exact for `A + E` with `‖E‖ = O(n·eps·‖A‖)`, so each
 * eigenvalue is within O(n·eps·‖A‖) of the exact one (Weyl) and eigenvector errors scale with
 * `n·eps·‖A‖ / gap`. About 9n³ flops; O(n²) memory.
 *
 * @param name - argument name used in error messages.
 * @returns ascending `values` [n] and `vectors` [n, n] (column k ↔ values[k]).
 * @throws ShapeError (not square), NonFiniteError, NotSymmetricError, ConvergenceError.
 */
export function eigh(A: ReadonlyMatrix, name = 'A'): EighResult {
  const t = reduce(A, name, 'eigh');
  const { n, d, e, scale } = t;
  const Z = new Float64Array(n * n);
  if (scale === 0) {
    // The zero matrix (and the 0×0 matrix): λ = 0, V = I.
    for (let i = 0; i < n; i++) Z[i * n + i] = 1;
    return { values: d, vectors: { rows: n, cols: n, data: Z } };
  }
  accumulateQt(t.a, n, t.tau, Z, t.v);
  tridiagonalQL(d, e, n, Z, t.v, t.p, name);

  // Ascending selection sort: ≤ n row swaps of Z.
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let best = d[i];
    for (let j = i + 1; j < n; j++) {
      if (d[j] < best) {
        k = j;
        best = d[j];
      }
    }
    if (k !== i) {
      d[k] = d[i];
      d[i] = best;
      const ri = i * n;
      const rk = k * n;
      for (let j = 0; j < n; j++) {
        const tmp = Z[ri + j];
        Z[ri + j] = Z[rk + j];
        Z[rk + j] = tmp;
      }
    }
  }
  // Deterministic signs, then V = Zᵀ (row k of Z is eigenvector k).
  const V = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    let big = 0;
    let at = 0;
    for (let j = 0; j < n; j++) {
      const x = Math.abs(Z[rk + j]);
      if (x > big) {
        big = x;
        at = j;
      }
    }
    const sgn = Z[rk + at] < 0 ? -1 : 1;
    for (let j = 0; j < n; j++) V[j * n + k] = sgn * Z[rk + j];
    d[k] *= scale;
  }
  return { values: d, vectors: { rows: n, cols: n, data: V } };
}

/**
 * Eigenvalues only, ascending, of a real symmetric matrix (same checks and accuracy as `eigh`,
 * ≈ 4n³/3 flops: tridiagonalisation plus an O(n²) QL iteration).
 * @throws as `eigh`.
 */
export function eigvalsh(A: ReadonlyMatrix, name = 'A'): Float64Array<ArrayBuffer> {
  const t = reduce(A, name, 'eigvalsh');
  const { n, d, e, scale } = t;
  if (scale === 0) return d;
  tridiagonalQL(d, e, n, null, t.v, t.p, name);
  d.sort();
  for (let i = 0; i < n; i++) d[i] *= scale;
  return d;
}

/**
 * `f(A) = V·diag(f(λ))·Vᵀ` for symmetric A, returned exactly symmetric. A: [n, n]; ≈ 11n³ flops.
 * @param f - scalar function applied to each eigenvalue; must return finite values.
 * @throws as `eigh`; NonFiniteError(`f(${name})`, k, k, value) when f(λ_k) is not finite.
 */
export function symmetricFunction(A: ReadonlyMatrix, f: (lambda: number) => number, name = 'A'): Matrix {
  const { values, vectors } = eigh(A, name);
  const fv = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const y = f(values[k]);
    if (!Number.isFinite(y)) throw new NonFiniteError(`f(${name})`, k, k, y);
    fv[k] = y;
  }
  return fromEigenpairs(vectors, fv);
}

/** `V·diag(w)·Vᵀ` for V [n, n] and w [n], symmetrised so that it is exactly symmetric. ≈ 2n³ flops. */
export function fromEigenpairs(V: Matrix, w: Float64Array): Matrix {
  const n = V.rows;
  const VW = scaleCols({ rows: n, cols: n, data: new Float64Array(n * n) }, V, w);
  const out = gemm({ rows: n, cols: n, data: new Float64Array(n * n) }, VW, V, 'NT');
  return symmetrise(out, out);
}

/** Relative threshold below which an eigenvalue counts as zero: n·eps·max|λ|. */
function zeroThreshold(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return 0;
  return n * EPS * Math.max(Math.abs(values[0]), Math.abs(values[n - 1]));
}

/**
 * Principal square root `A^{1/2}` of a symmetric positive semidefinite matrix (the unique PSD
 * X with X² = A), exactly symmetric. Eigenvalues in `[−n·eps·max|λ|, 0)` are rounding noise and
 * are treated as 0. A: [n, n]; ≈ 11n³ flops.
 * @throws as `eigh`; NotPositiveDefiniteError(name, k, λ_k, 'eigenvalue') for a clearly
 *   negative eigenvalue.
 */
export function sqrtm(A: ReadonlyMatrix, name = 'A'): Matrix {
  const { values, vectors } = eigh(A, name);
  const tol = zeroThreshold(values);
  const w = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const lam = values[k];
    if (lam < -tol) throw new NotPositiveDefiniteError(name, k, lam, 'eigenvalue');
    w[k] = Math.sqrt(Math.max(lam, 0));
  }
  return fromEigenpairs(vectors, w);
}

/**
 * Inverse square root `A^{−1/2}` of a symmetric positive definite matrix, exactly symmetric.
 * A: [n, n]; ≈ 11n³ flops.
 * @throws as `eigh`; NotPositiveDefiniteError(name, 0, λ_min, 'eigenvalue') when
 *   `λ_min ≤ n·eps·max|λ|` (indefinite, singular or numerically singular).
 */
export function invSqrtm(A: ReadonlyMatrix, name = 'A'): Matrix {
  const { values, vectors } = eigh(A, name);
  checkPositive(values, name);
  const w = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) w[k] = 1 / Math.sqrt(values[k]);
  return fromEigenpairs(vectors, w);
}

function checkPositive(values: Float64Array, name: string): void {
  if (values.length > 0 && !(values[0] > zeroThreshold(values))) {
    throw new NotPositiveDefiniteError(name, 0, values[0], 'eigenvalue');
  }
}

/**
 * Spectral condition number `κ₂(A) = λ_max / λ_min` of a symmetric positive definite matrix
 * (1 for the 0×0 matrix). A: [n, n]; ≈ 4n³/3 flops (eigenvalues only). The result carries a
 * relative error of about `κ₂·n·eps`.
 * @throws as `eigh`; NotPositiveDefiniteError(name, 0, λ_min, 'eigenvalue') when
 *   `λ_min ≤ n·eps·λ_max`.
 */
export function conditionNumberSPD(A: ReadonlyMatrix, name = 'A'): number {
  const values = eigvalsh(A, name);
  if (values.length === 0) return 1;
  checkPositive(values, name);
  return values[values.length - 1] / values[0];
}
