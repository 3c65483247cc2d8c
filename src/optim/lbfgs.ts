/**
 * Limited-memory BFGS with a strong-Wolfe line search, for smooth unconstrained minimisation on ℝⁿ
 * (here: the exact risks, n ≤ a few hundred parameters). Vector kernels: src/linalg `dot`, `norm2`.
 *
 * Algorithm: Nocedal & Wright, *Numerical Optimization* (2nd ed., 2006) — Alg. 7.4 (two-loop
 * recursion) with the initial scaling H₀ = γI, γ = sᵀy/yᵀy (eq. 7.20); Alg. 3.5 + 3.6 (strong-Wolfe
 * line search: bracketing, then `zoom` with safeguarded cubic interpolation). Pairs with sᵀy ≤ 0
 * are skipped, so the inverse-Hessian approximation stays positive definite.
 *
 * Failures are a typed status (diffrax-style), never silent: see {@link LbfgsStatus}. With
 * `throw: true` any status other than `'converged'` raises a {@link NumericalError}.
 */
import { NumericalError } from '../errors.js';
import { dot, norm2 } from '../linalg/index.js';

/** f(x), writing ∇f(x) into `grad` (length n). Must not keep references to `x` or `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

/** Options of `lbfgs`. Every field is optional; defaults are applied in one place. */
export interface LbfgsOptions {
  /** Stop when ‖∇f‖₂ ≤ gtol (absolute; callers scale it to their problem). @defaultValue 1e-9 */
  gtol?: number;
  /** Number m of stored (s, y) pairs. @defaultValue 12 */
  memory?: number;
  /** Maximum number of iterations (accepted steps). @defaultValue 5000 */
  maxIterations?: number;
  /** Sufficient-decrease (Armijo) constant c₁ of the strong-Wolfe conditions. @defaultValue 1e-4 */
  c1?: number;
  /** Curvature constant c₂ (0 < c₁ < c₂ < 1; 0.9 is the quasi-Newton choice). @defaultValue 0.9 */
  c2?: number;
  /** Maximum objective evaluations of one line search. @defaultValue 40 */
  maxLineSearch?: number;
  /** Throw a NumericalError unless the status is `'converged'`. @defaultValue false */
  throw?: boolean;
}

/**
 * Why the minimiser stopped:
 * - `'converged'`: ‖∇f‖ ≤ gtol;
 * - `'maxIterations'`: the iteration cap was reached first;
 * - `'lineSearchFailed'`: no step along the (reset, steepest-descent) direction decreased f — in
 *   practice the floating-point floor of f was reached above gtol;
 * - `'nonFinite'`: f or ∇f was NaN/∞ at the start point.
 */
export type LbfgsStatus = 'converged' | 'maxIterations' | 'lineSearchFailed' | 'nonFinite';

/** One fixed message per status. */
export const LBFGS_MESSAGES: Readonly<Record<LbfgsStatus, string>> = {
  converged: 'gradient norm below gtol',
  maxIterations: 'iteration limit reached before the gradient norm fell below gtol',
  lineSearchFailed: 'the line search found no decrease along a steepest-descent direction (floating-point floor of f?)',
  nonFinite: 'the objective or its gradient is not finite at the start point',
};

/** Result of {@link lbfgs}. */
export interface LbfgsResult {
  /** The last accepted point (a fresh array). */
  readonly x: Float64Array;
  readonly f: number;
  /** ∇f at x (a fresh array). */
  readonly grad: Float64Array;
  readonly gradNorm: number;
  readonly status: LbfgsStatus;
  readonly message: string;
  /** Accepted steps. */
  readonly iterations: number;
  /** Objective (and gradient) evaluations. */
  readonly nfev: number;
}

/** Bracket shrink limit of `zoom` relative to the step (below it the interval is numerically empty). */
const ZOOM_MIN_RELATIVE_WIDTH = 1e-14;
/** Safeguard of the cubic-interpolation step inside a bracket (fraction kept from each end). */
const ZOOM_SAFEGUARD = 0.1;
/** Growth factor of the trial step while bracketing. */
const BRACKET_GROWTH = 4;

/**
 * Minimiser of the cubic through (a, fa, ga), (b, fb, gb) (values and slopes), clamped into the
 * safeguarded interior of [min(a,b), max(a,b)]; falls back to bisection when the cubic has no
 * real minimiser. Nocedal & Wright eq. 3.59.
 */
function cubicStep(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const w = hi - lo;
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  let t = Number.NaN;
  if (disc >= 0) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    t = b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2));
  }
  if (!Number.isFinite(t)) t = 0.5 * (a + b);
  return Math.min(Math.max(t, lo + ZOOM_SAFEGUARD * w), hi - ZOOM_SAFEGUARD * w);
}

/**
 * Minimises f from x0 by L-BFGS with a strong-Wolfe line search. Allocates O(m·n) once; each
 * iteration costs O(m·n) plus the objective evaluations. x0, ∇f [n].
 * @throws {@link NumericalError} (CLI exit 3) when `options.throw` is set and the run did not converge.
 */
export function lbfgs(f: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const { gtol = 1e-9, memory = 12, maxIterations = 5000, c1 = 1e-4, c2 = 0.9, maxLineSearch = 40 } = options;
  if (!(gtol >= 0)) throw new RangeError(`lbfgs: options.gtol must be ≥ 0, got ${gtol}`);
  if (!(Number.isInteger(memory) && memory >= 1)) throw new RangeError(`lbfgs: options.memory must be an integer ≥ 1, got ${memory}`);
  if (!(0 < c1 && c1 < c2 && c2 < 1)) throw new RangeError(`lbfgs: need 0 < c1 < c2 < 1, got c1 = ${c1}, c2 = ${c2}`);
  const n = x0.length;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const dir = new Float64Array(n);
  const xt = new Float64Array(n);
  const gt = new Float64Array(n);
  const S = Array.from({ length: memory }, () => new Float64Array(n));
  const Y = Array.from({ length: memory }, () => new Float64Array(n));
  const rho = new Float64Array(memory);
  const alphaBuf = new Float64Array(memory);
  let stored = 0;
  let head = 0; // index of the next slot to write
  let nfev = 1;
  let fx = f(x, g);
  let gnorm = norm2(g);

  const finish = (status: LbfgsStatus, iterations: number): LbfgsResult => {
    const res: LbfgsResult = {
      x: Float64Array.from(x), f: fx, grad: Float64Array.from(g), gradNorm: gnorm, status,
      message: LBFGS_MESSAGES[status], iterations, nfev,
    };
    if (options.throw && status !== 'converged') {
      throw new NumericalError('L-BFGS', `${LBFGS_MESSAGES[status]} (‖∇f‖ = ${gnorm.toExponential(3)}, gtol = ${gtol}, ${iterations} iterations)`);
    }
    return res;
  };
  if (!Number.isFinite(fx) || !Number.isFinite(gnorm)) return finish('nonFinite', 0);

  // φ(α) = f(x + α·dir): evaluates into xt/gt and returns [φ, φ'].
  const phi = (alpha: number): [number, number] => {
    for (let i = 0; i < n; i++) xt[i] = x[i]! + alpha * dir[i]!;
    nfev++;
    const v = f(xt, gt);
    return [v, dot(gt, dir)];
  };

  /**
   * Strong-Wolfe line search from α₁ (Alg. 3.5/3.6). Returns the accepted α with xt/gt holding the
   * point, or 0 when nothing decreased f. A point satisfying only sufficient decrease is accepted
   * when the bracket collapses (the caller then skips the memory update if sᵀy ≤ 0).
   */
  const lineSearch = (f0: number, g0: number, alpha1: number): [number, number] => {
    let aPrev = 0;
    let fPrev = f0;
    let gPrev = g0;
    let a = alpha1;
    let evals = 0;
    let best = 0;
    let fBest = f0;
    const zoom = (lo: number, flo: number, glo: number, hi: number, fhi: number, ghi: number): [number, number] => {
      while (evals < maxLineSearch) {
        if (Math.abs(hi - lo) <= ZOOM_MIN_RELATIVE_WIDTH * Math.max(Math.abs(lo), Math.abs(hi))) break;
        const aj = Number.isFinite(fhi) && Number.isFinite(ghi) ? cubicStep(lo, flo, glo, hi, fhi, ghi) : 0.5 * (lo + hi);
        const [fj, gj] = phi(aj);
        evals++;
        if (!Number.isFinite(fj) || fj > f0 + c1 * aj * g0 || fj >= flo) {
          hi = aj;
          fhi = fj;
          ghi = gj;
        } else {
          if (fj < fBest) {
            fBest = fj;
            best = aj;
          }
          if (Math.abs(gj) <= -c2 * g0) return [aj, fj];
          if (gj * (hi - lo) >= 0) {
            hi = lo;
            fhi = flo;
            ghi = glo;
          }
          lo = aj;
          flo = fj;
          glo = gj;
        }
      }
      return [best, fBest];
    };
    while (evals < maxLineSearch) {
      const [fa, ga] = phi(a);
      evals++;
      if (!Number.isFinite(fa)) {
        // Overshot into overflow: shrink towards the last good point.
        const r = zoom(aPrev, fPrev, gPrev, a, Number.POSITIVE_INFINITY, Number.NaN);
        return r;
      }
      if (fa > f0 + c1 * a * g0 || (evals > 1 && fa >= fPrev)) return zoom(aPrev, fPrev, gPrev, a, fa, ga);
      if (fa < fBest) {
        fBest = fa;
        best = a;
      }
      if (Math.abs(ga) <= -c2 * g0) return [a, fa];
      if (ga >= 0) return zoom(a, fa, ga, aPrev, fPrev, gPrev);
      aPrev = a;
      fPrev = fa;
      gPrev = ga;
      a *= BRACKET_GROWTH;
    }
    return [best, fBest];
  };

  let iterations = 0;
  let resetOnce = false;
  while (iterations < maxIterations) {
    if (gnorm <= gtol) return finish('converged', iterations);
    // Two-loop recursion: dir = −H·g.
    for (let i = 0; i < n; i++) dir[i] = -g[i]!;
    let gamma = 1;
    for (let k = 0; k < stored; k++) {
      const j = (head - 1 - k + memory) % memory;
      const a = rho[j]! * dot(S[j]!, dir);
      alphaBuf[j] = a;
      const yj = Y[j]!;
      for (let i = 0; i < n; i++) dir[i] -= a * yj[i]!;
    }
    if (stored > 0) {
      const j = (head - 1 + memory) % memory;
      gamma = 1 / (rho[j]! * dot(Y[j]!, Y[j]!));
    }
    for (let i = 0; i < n; i++) dir[i] *= gamma;
    for (let k = stored - 1; k >= 0; k--) {
      const j = (head - 1 - k + memory) % memory;
      const b = rho[j]! * dot(Y[j]!, dir);
      const sj = S[j]!;
      const c = alphaBuf[j]! - b;
      for (let i = 0; i < n; i++) dir[i] += c * sj[i]!;
    }
    let g0 = dot(g, dir);
    if (!(g0 < 0)) {
      // Not a descent direction (numerical loss of definiteness): restart from steepest descent.
      stored = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i]!;
      g0 = -gnorm * gnorm;
    }
    const alpha1 = stored === 0 ? Math.min(1, 1 / gnorm) : 1;
    const [alpha, fa] = lineSearch(fx, g0, alpha1);
    if (!(alpha > 0) || !(fa < fx)) {
      if (stored > 0 && !resetOnce) {
        // Retry once along steepest descent with a fresh memory before giving up.
        stored = 0;
        resetOnce = true;
        continue;
      }
      return finish('lineSearchFailed', iterations);
    }
    resetOnce = false;
    // xt/gt hold the accepted point only if the last evaluation was at α; re-evaluate otherwise.
    let same = true;
    for (let i = 0; i < n && same; i++) same = xt[i] === x[i]! + alpha * dir[i]!;
    if (!same) {
      phi(alpha);
    }
    const s = S[head]!;
    const y = Y[head]!;
    for (let i = 0; i < n; i++) {
      s[i] = xt[i]! - x[i]!;
      y[i] = gt[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 0 && Number.isFinite(sy)) {
      rho[head] = 1 / sy;
      head = (head + 1) % memory;
      stored = Math.min(stored + 1, memory);
    }
    x.set(xt);
    g.set(gt);
    fx = fa;
    gnorm = norm2(g);
    iterations++;
  }
  return finish(gnorm <= gtol ? 'converged' : 'maxIterations', iterations);
}
