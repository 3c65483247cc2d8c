/**
 * General matrix–matrix product, the level-3 kernel everything else leans on.
 *
 * Structure (GotoBLAS / BLIS, scaled down to what V8's scalar code can use):
 *  - cache blocking: op(B) is packed in `KC × NC` blocks and op(A) in `MC × KC` blocks into one
 *    contiguous module-level workspace, so the micro-kernel streams unit-stride memory whatever
 *    the transpose flags (the transposes cost only a different packing loop);
 *  - register tiling: a 4×3 (MR × NR) micro-kernel keeps its 12 accumulators in registers and
 *    performs 12 multiply–adds per 7 loads; ragged edges go through a zero-padded scratch tile.
 * V8 emits scalar SSE/AVX code (no FMA, no SIMD) with a bounds check per typed-array load, so the
 * micro-kernel is bounded by instruction throughput (≈ 4–4.5 GFLOP/s on a Zen 3 core), not by
 * flops or memory; the tile shape was chosen by benchmark (see bench/linalg/RESULTS.md).
 * Products with m·n·k ≤ 256 skip packing and use plain dot products.
 */
import { ShapeError } from './errors.js';
import type { Matrix, ReadonlyMatrix } from './matrix.js';
import { checkNoAlias, shapeOf } from './validate.js';

/** Transpose flags of `gemm`: `'NN'` = A·B, `'TN'` = Aᵀ·B, `'NT'` = A·Bᵀ. */
export type GemmTrans = 'NN' | 'TN' | 'NT';

/** Micro-tile rows (of op(A)). */
const MR = 4;
/**
 * Micro-tile columns (of op(B)). 4×3 keeps the 12 accumulators, 3 B values and the A value in
 * the 16 XMM registers (4×4 spills); it measured ~5 % faster than 4×4 and 4×2 under Node 20.
 */
const NR = 3;
/** Cache-block sizes of `gemm`. */
export interface GemmBlocking {
  /** Depth of a packed block: a `kc × NR` panel of op(B) (6 KiB at 256) stays in L1. */
  readonly kc: number;
  /** Rows of a packed op(A) block, a multiple of MR: `mc × kc` doubles (192 KiB) stay in L2. */
  readonly mc: number;
  /** Columns of a packed op(B) block, a multiple of NR (only the last block has a ragged panel). */
  readonly nc: number;
}

const DEFAULT_BLOCKING: GemmBlocking = { kc: 256, mc: 96, nc: 768 };
let blocking: GemmBlocking = DEFAULT_BLOCKING;

/**
 * @internal Test hook: replaces the cache-block sizes (e.g. tiny ones so that small matrices
 * cross every block boundary) and returns the previous ones; `undefined` restores the defaults.
 */
export function setGemmBlocking(next?: GemmBlocking): GemmBlocking {
  const prev = blocking;
  if (next === undefined) {
    blocking = DEFAULT_BLOCKING;
    return prev;
  }
  const { kc, mc, nc } = next;
  if (!(Number.isInteger(kc) && kc >= 1 && Number.isInteger(mc) && mc >= MR && mc % MR === 0 && Number.isInteger(nc) && nc >= NR && nc % NR === 0)) {
    throw new RangeError(`setGemmBlocking: need integers kc ≥ 1, mc a positive multiple of ${MR}, nc a positive multiple of ${NR}; got ${JSON.stringify(next)}`);
  }
  blocking = { kc, mc, nc };
  return prev;
}

/**
 * Packing workspace, grown on demand and then reused: gemm allocates nothing in steady state
 * (at most (MC + NC)·KC doubles ≈ 1.7 MB).
 * JavaScript is single-threaded and gemm never calls back into user code, so one buffer is safe.
 */
let work = new Float64Array(0);
/** Scratch tile for the ragged right/bottom edges (zero-padded panels write here, then the valid part is added to C). */
const edgeTile = new Float64Array(MR * NR);

function workspace(size: number): Float64Array {
  if (work.length < size) work = new Float64Array(size);
  return work;
}

/**
 * `C[c0 + i·ldc + j] += Σ_p W[a0 + p·MR + i] · W[b0 + p·NR + j]` for the `MR × NR` tile.
 * Packed A and B live in the same array so V8 checks one map per iteration; `| 0` keeps the
 * index arithmetic in int32 (no overflow checks).
 */
function kernel4x3(kc: number, W: Float64Array, a0: number, b0: number, C: Float64Array, c0: number, ldc: number): void {
  let c00 = 0, c01 = 0, c02 = 0;
  let c10 = 0, c11 = 0, c12 = 0;
  let c20 = 0, c21 = 0, c22 = 0;
  let c30 = 0, c31 = 0, c32 = 0;
  let a = a0 | 0;
  let b = b0 | 0;
  const end = (a0 + MR * kc) | 0;
  while (a < end) {
    const y0 = W[b], y1 = W[(b + 1) | 0], y2 = W[(b + 2) | 0];
    let x = W[a];
    c00 += x * y0; c01 += x * y1; c02 += x * y2;
    x = W[(a + 1) | 0];
    c10 += x * y0; c11 += x * y1; c12 += x * y2;
    x = W[(a + 2) | 0];
    c20 += x * y0; c21 += x * y1; c22 += x * y2;
    x = W[(a + 3) | 0];
    c30 += x * y0; c31 += x * y1; c32 += x * y2;
    a = (a + MR) | 0;
    b = (b + NR) | 0;
  }
  let r = c0;
  C[r] += c00; C[r + 1] += c01; C[r + 2] += c02;
  r += ldc;
  C[r] += c10; C[r + 1] += c11; C[r + 2] += c12;
  r += ldc;
  C[r] += c20; C[r + 1] += c21; C[r + 2] += c22;
  r += ldc;
  C[r] += c30; C[r + 1] += c31; C[r + 2] += c32;
}

/**
 * Packs `alpha · op(A)[i0 : i0+mc, p0 : p0+kc]` into MR-row panels, `W[off + panel·kc·MR + p·MR + r]`,
 * zero-padding the last panel. `op(A)[i][p] = a[a0 + i·si + p·sp]`.
 */
function packA(W: Float64Array, off: number, a: Readonly<Float64Array>, a0: number, si: number, sp: number, i0: number, mc: number, p0: number, kc: number, alpha: number): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    const base = off + (ir / MR) * kc * MR;
    for (let r = 0; r < MR; r++) {
      if (r < rows) {
        let src = a0 + (i0 + ir + r) * si + p0 * sp;
        let dst = base + r;
        for (let p = 0; p < kc; p++) {
          W[dst] = alpha * a[src];
          src += sp;
          dst += MR;
        }
      } else {
        for (let p = 0, dst = base + r; p < kc; p++, dst += MR) W[dst] = 0;
      }
    }
  }
}

/**
 * Packs `op(B)[p0 : p0+kc, j0 : j0+nc]` into NR-column panels, `W[off + panel·kc·NR + p·NR + c]`,
 * zero-padding the last panel. `op(B)[p][j] = b[b0 + p·sp + j·sj]`.
 */
function packB(W: Float64Array, off: number, b: Readonly<Float64Array>, b0: number, sp: number, sj: number, p0: number, kc: number, j0: number, nc: number): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    const base = off + (jr / NR) * kc * NR;
    for (let c = 0; c < NR; c++) {
      if (c < cols) {
        let src = b0 + p0 * sp + (j0 + jr + c) * sj;
        let dst = base + c;
        for (let p = 0; p < kc; p++) {
          W[dst] = b[src];
          src += sp;
          dst += NR;
        }
      } else {
        for (let p = 0, dst = base + c; p < kc; p++, dst += NR) W[dst] = 0;
      }
    }
  }
}

/**
 * General matrix product `out ← alpha · op(A) · op(B) + beta · out`, with
 * `op(A) = A` ('NN', 'NT') or `Aᵀ` ('TN') and `op(B) = B` ('NN', 'TN') or `Bᵀ` ('NT').
 *
 * Shapes: op(A): [m, k], op(B): [k, n], out: [m, n]. Cost 2·m·n·k flops; no allocation once
 * the packing workspace has grown to size. When `beta = 0`, `out` is not read (NaNs in it are
 * discarded, as in BLAS). Inputs are not checked for finiteness.
 *
 * @param trans - which operands are transposed; default 'NN'.
 * @returns out
 * @throws ShapeError when shapes disagree (naming both) or when `out` shares memory with A or B.
 */
export function gemm(out: Matrix, A: ReadonlyMatrix, B: ReadonlyMatrix, trans: GemmTrans = 'NN', alpha = 1, beta = 0): Matrix {
  const tA = trans === 'TN';
  const tB = trans === 'NT';
  if (!tA && !tB && trans !== 'NN') throw new ShapeError(`gemm: trans must be 'NN', 'TN' or 'NT', got ${String(trans)}`);
  const m = tA ? A.cols : A.rows;
  const k = tA ? A.rows : A.cols;
  const kB = tB ? B.cols : B.rows;
  const n = tB ? B.rows : B.cols;
  const opA = tA ? 'Aᵀ' : 'A';
  const opB = tB ? 'Bᵀ' : 'B';
  if (k !== kB) {
    throw new ShapeError(`gemm(${trans}): ${opA} is [${m}, ${k}] (A is ${shapeOf(A)}) but ${opB} is [${kB}, ${n}] (B is ${shapeOf(B)}); inner dimensions must agree`);
  }
  if (out.rows !== m || out.cols !== n) {
    throw new ShapeError(`gemm(${trans}): out is ${shapeOf(out)} but ${opA}·${opB} is [${m}, ${n}]`);
  }
  checkNoAlias('gemm', 'out', out.data, 'A', A.data);
  checkNoAlias('gemm', 'out', out.data, 'B', B.data);
  const c = out.data;
  if (beta === 0) c.fill(0);
  else if (beta !== 1) for (let i = 0; i < m * n; i++) c[i] *= beta;
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return out;
  // op(A)[i][p] = a[i·asi + p·asp], op(B)[p][j] = b[p·bsp + j·bsj]: transposes are strides.
  gemmAccumulate(m, n, k, alpha, A.data, 0, tA ? 1 : A.cols, tA ? A.cols : 1, B.data, 0, tB ? 1 : B.cols, tB ? B.cols : 1, c, 0, n);
  return out;
}

/** Below this many multiply–adds (m·n·k) packing costs more than it saves: use plain dot products. */
const SMALL_GEMM = 256;

/**
 * @internal Strided core of `gemm`: `C[c0 + i·ldc + j] += alpha · Σ_p op(A)[i][p] · op(B)[p][j]`
 * with `op(A)[i][p] = a[a0 + i·asi + p·asp]` and `op(B)[p][j] = b[b0 + p·bsp + j·bsj]`, for
 * i < m, j < n, p < k. Lets callers (e.g. `eigh`) multiply sub-blocks in place without copies.
 * No checks: the caller guarantees bounds and that C does not overlap A or B.
 */
export function gemmAccumulate(
  m: number, n: number, k: number, alpha: number,
  a: Readonly<Float64Array>, a0: number, asi: number, asp: number,
  b: Readonly<Float64Array>, b0: number, bsp: number, bsj: number,
  c: Float64Array, c0: number, ldc: number,
): void {
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  if (m * n * k <= SMALL_GEMM) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[a0 + i * asi + p * asp] * b[b0 + p * bsp + j * bsj];
        c[c0 + i * ldc + j] += alpha * s;
      }
    }
    return;
  }
  const KC = blocking.kc;
  const MC = blocking.mc;
  const NC = blocking.nc;
  const kcMax = Math.min(KC, k);
  const mcMax = Math.ceil(Math.min(MC, m) / MR) * MR;
  const ncMax = Math.ceil(Math.min(NC, n) / NR) * NR;
  const bOff = mcMax * kcMax;
  const W = workspace(bOff + ncMax * kcMax);
  const T = edgeTile;

  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(W, bOff, b, b0, bsp, bsj, pc, kc, jc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(W, 0, a, a0, asi, asp, ic, mc, pc, kc, alpha);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const bp = bOff + (jr / NR) * kc * NR;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            const ap = (ir / MR) * kc * MR;
            const cij = c0 + (ic + ir) * ldc + jc + jr;
            if (mr === MR && nr === NR) {
              kernel4x3(kc, W, ap, bp, c, cij, ldc);
            } else {
              for (let q = 0; q < MR * NR; q++) T[q] = 0; // cheaper than a fill() call for 12 entries
              kernel4x3(kc, W, ap, bp, T, 0, NR);
              for (let i = 0; i < mr; i++) {
                for (let j = 0; j < nr; j++) c[cij + i * ldc + j] += T[i * NR + j];
              }
            }
          }
        }
      }
    }
  }
}

/** Allocating `A · B`. A: [m, k], B: [k, n] → [m, n]. 2mnk flops. */
export function matmul(A: ReadonlyMatrix, B: ReadonlyMatrix): Matrix {
  return gemm({ rows: A.rows, cols: B.cols, data: new Float64Array(A.rows * B.cols) }, A, B, 'NN');
}

/** Allocating `Aᵀ · B`. A: [k, m], B: [k, n] → [m, n]. 2mnk flops. */
export function matmulTN(A: ReadonlyMatrix, B: ReadonlyMatrix): Matrix {
  return gemm({ rows: A.cols, cols: B.cols, data: new Float64Array(A.cols * B.cols) }, A, B, 'TN');
}

/** Allocating `A · Bᵀ`. A: [m, k], B: [n, k] → [m, n]. 2mnk flops. */
export function matmulNT(A: ReadonlyMatrix, B: ReadonlyMatrix): Matrix {
  return gemm({ rows: A.rows, cols: B.rows, data: new Float64Array(A.rows * B.rows) }, A, B, 'NT');
}
