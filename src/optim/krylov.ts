/**
 * Matrix-free Krylov solvers for symmetric linear systems A·x = b, where A is available only as a
 * product v ↦ A·v: MINRES (symmetric, possibly indefinite or singular A) — Paige & Saunders (1975),
 * in the form of SciPy's `minres` without a preconditioner. Memory O(n) (seven n-vectors), one
 * product per iteration; used by the matrix-free Rosenbrock linear solves of src/optimum.
 */
import { dot, norm2 } from '../linalg/index.js';

/** out = A·v for a symmetric A (length n); must not keep references to `v` or `out`. */
export type LinearOperator = (v: Float64Array, out: Float64Array) => void;

/** Options of {@link minres}. */
export interface MinresOptions {
  /** Stop when the residual estimate ‖b − A·x‖ ≤ rtol·‖b‖. @defaultValue 1e-8 */
  rtol?: number;
  /** Iteration cap. @defaultValue 2·n */
  maxIterations?: number;
}

/** Outcome of {@link minres}. */
export interface MinresResult {
  /** Products with A. */
  readonly iterations: number;
  /** The final residual estimate ‖b − A·x‖ (from the recurrence). */
  readonly residual: number;
  readonly converged: boolean;
}

/**
 * Solves A·x = b by MINRES from x = 0, writing x into `out` (length n, not aliasing b). For a
 * singular consistent system it returns a least-squares solution. O(n) memory, one product per
 * iteration plus O(n).
 */
export function minres(A: LinearOperator, b: Readonly<Float64Array>, out: Float64Array, options: MinresOptions = {}): MinresResult {
  const n = b.length;
  const { rtol = 1e-8, maxIterations = 2 * n } = options;
  out.fill(0);
  const beta1 = norm2(b as Float64Array);
  if (!(beta1 > 0)) return { iterations: 0, residual: 0, converged: true };
  let r1 = Float64Array.from(b);
  let r2 = Float64Array.from(b);
  let y = Float64Array.from(b);
  const v = new Float64Array(n);
  let w = new Float64Array(n);
  let w1 = new Float64Array(n);
  let w2 = new Float64Array(n);
  let oldb = 0;
  let beta = beta1;
  let dbar = 0;
  let epsln = 0;
  let phibar = beta1;
  let cs = -1;
  let sn = 0;
  let it = 0;
  while (it < maxIterations) {
    it++;
    const s = 1 / beta;
    for (let i = 0; i < n; i++) v[i] = s * y[i]!;
    A(v, y);
    if (it >= 2) {
      const c = beta / oldb;
      for (let i = 0; i < n; i++) y[i] -= c * r1[i]!;
    }
    const alfa = dot(v, y);
    const c2 = alfa / beta;
    for (let i = 0; i < n; i++) y[i] -= c2 * r2[i]!;
    // rotate (r1, r2, y) ← (r2, y, old r1 buffer)
    const tmp = r1;
    r1 = r2;
    r2 = y;
    y = tmp;
    y.set(r2);
    oldb = beta;
    beta = norm2(r2);
    const oldeps = epsln;
    const delta = cs * dbar + sn * alfa;
    const gbar = sn * dbar - cs * alfa;
    epsln = sn * beta;
    dbar = -cs * beta;
    const gamma = Math.max(Math.hypot(gbar, beta), Number.MIN_VALUE);
    cs = gbar / gamma;
    sn = beta / gamma;
    const phi = cs * phibar;
    phibar = sn * phibar;
    // w ← (v − oldeps·w1 − delta·w2)/gamma with (w1, w2) ← (w2, w)
    const t = w1;
    w1 = w2;
    w2 = w;
    w = t;
    for (let i = 0; i < n; i++) {
      w[i] = (v[i]! - oldeps * w1[i]! - delta * w2[i]!) / gamma;
      out[i] += phi * w[i]!;
    }
    if (!Number.isFinite(phibar)) return { iterations: it, residual: phibar, converged: false };
    if (phibar <= rtol * beta1 || !(beta > 0)) return { iterations: it, residual: phibar, converged: phibar <= rtol * beta1 || beta === 0 };
  }
  return { iterations: it, residual: phibar, converged: phibar <= rtol * beta1 };
}
