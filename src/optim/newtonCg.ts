/**
 * Matrix-free trust-region Newton-CG (Steihaug–Toint): Nocedal & Wright, *Numerical Optimization*
 * (2nd ed., 2006), Alg. 4.1 (trust-region radius update) with the subproblem solved by Alg. 7.2
 * (CG-Steihaug: CG on ∇²f·s = −∇f, stopped at the boundary, at negative curvature, or at the
 * forcing tolerance ‖r‖ ≤ η‖∇f‖, η = min(forcing, √‖∇f‖)). The Hessian enters only through
 * products v ↦ ∇²f(x)·v, so the memory is O(n) — no n×n matrix is ever formed.
 *
 * Polishing at the floating-point floor: once the predicted decrease is below what f can resolve
 * (≲ ftolRelative·|f|), the ratio actual/predicted is rounding noise; a step is then accepted when
 * ‖∇f‖ decreases and f rises by at most ftolRelative·|f| (the acceptance test of {@link newtonPolish}),
 * so the iteration still converges in ‖∇f‖ far below the level where f stops changing.
 */
import { dot, norm2 } from '../linalg/index.js';
import type { Objective } from './lbfgs.js';

/** out = ∇²f(x)·v (length n). Must not keep references to its arguments. */
export type HessianVectorProduct = (x: Float64Array, v: Float64Array, out: Float64Array) => void;

/** Options of {@link trustRegionNewtonCg}. */
export interface TrustRegionOptions {
  /** Stop when ‖∇f‖ ≤ gtol. @defaultValue 0 (run until no step improves, or the iteration cap) */
  gtol?: number;
  /** Outer (trust-region) iterations. @defaultValue 100 */
  maxIterations?: number;
  /** CG iterations per subproblem. @defaultValue min(n, 500) */
  maxCgIterations?: number;
  /** Upper bound of the forcing term η (CG stops at ‖r‖ ≤ η‖∇f‖, η = min(forcing, √‖∇f‖)). @defaultValue 0.1 */
  forcing?: number;
  /** Initial trust-region radius. @defaultValue max(‖∇f(x₀)‖, 1e-3·max(1, ‖x₀‖)) */
  initialRadius?: number;
  /** Relative resolution of f (see the module comment). @defaultValue 1e-12 */
  ftolRelative?: number;
  /** Consecutive rejected steps after which the iteration stops (`noImprovement`). @defaultValue 12 */
  maxRejections?: number;
}

/** Why {@link trustRegionNewtonCg} stopped (the statuses of {@link newtonPolish} without `'saddle'`, plus `'nonFinite'`). */
export type TrustRegionStatus = 'converged' | 'maxIterations' | 'noImprovement' | 'nonFinite';

/** Outcome of {@link trustRegionNewtonCg}. */
export interface TrustRegionResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly grad: Float64Array;
  readonly gradNorm: number;
  /** Outer iterations (accepted or rejected trust-region steps). */
  readonly iterations: number;
  /** Objective evaluations. */
  readonly nfev: number;
  /** Hessian-vector products. */
  readonly nhvp: number;
  /** Smallest Rayleigh quotient vᵀ∇²f v/‖v‖² met by CG at the last iterate (negative: indefinite). */
  readonly minCurvature: number;
  readonly status: TrustRegionStatus;
}

/** Radius update constants (N&W Alg. 4.1). */
const ETA_ACCEPT = 1e-4;
const SHRINK = 0.25;
const GROW = 2;

/**
 * Minimises f from x0 by trust-region Newton-CG with Hessian-vector products `hvp` (see the module
 * comment). Allocates O(n) once; each iteration costs one objective evaluation plus up to
 * `maxCgIterations` products.
 */
export function trustRegionNewtonCg(f: Objective, hvp: HessianVectorProduct, x0: Readonly<Float64Array>, options: TrustRegionOptions = {}): TrustRegionResult {
  const n = x0.length;
  const { gtol = 0, maxIterations = 100, maxCgIterations = Math.min(n, 500), forcing = 0.1, ftolRelative = 1e-12, maxRejections = 12 } = options;
  if (!(gtol >= 0)) throw new RangeError(`trustRegionNewtonCg: options.gtol must be ≥ 0, got ${gtol}`);
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const xt = new Float64Array(n);
  const gt = new Float64Array(n);
  const s = new Float64Array(n);
  const r = new Float64Array(n);
  const dvec = new Float64Array(n);
  const Hd = new Float64Array(n);
  const Hs = new Float64Array(n);
  let fx = f(x, g);
  let nfev = 1;
  let nhvp = 0;
  let gn = norm2(g);
  let minCurv = Number.NaN;
  const done = (status: TrustRegionStatus, iterations: number): TrustRegionResult => ({
    x, f: fx, grad: g, gradNorm: gn, iterations, nfev, nhvp, minCurvature: minCurv, status,
  });
  if (!Number.isFinite(fx) || !Number.isFinite(gn)) return done('nonFinite', 0);
  let radius = options.initialRadius ?? Math.max(gn, 1e-3 * Math.max(1, norm2(x)));
  let rejections = 0;

  /** CG-Steihaug: s ≈ argmin gᵀs + ½sᵀ∇²f s, ‖s‖ ≤ radius; Hs = ∇²f·s. */
  const subproblem = (): void => {
    s.fill(0);
    Hs.fill(0);
    for (let i = 0; i < n; i++) {
      r[i] = g[i]!;
      dvec[i] = -g[i]!;
    }
    let rr = gn * gn;
    const tol = Math.min(forcing, Math.sqrt(gn)) * gn;
    minCurv = Number.POSITIVE_INFINITY;
    for (let k = 0; k < maxCgIterations; k++) {
      hvp(x, dvec, Hd);
      nhvp++;
      const dHd = dot(dvec, Hd);
      const dd = dot(dvec, dvec);
      minCurv = Math.min(minCurv, dHd / dd);
      if (!(dHd > 0)) {
        toBoundary();
        return;
      }
      const alpha = rr / dHd;
      // would the step leave the region?
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (s[i]! + alpha * dvec[i]!) ** 2;
      if (Math.sqrt(ss) >= radius) {
        toBoundary();
        return;
      }
      for (let i = 0; i < n; i++) {
        s[i] += alpha * dvec[i]!;
        Hs[i] += alpha * Hd[i]!;
        r[i] += alpha * Hd[i]!;
      }
      const rrNew = dot(r, r);
      if (Math.sqrt(rrNew) <= tol) return;
      const beta = rrNew / rr;
      rr = rrNew;
      for (let i = 0; i < n; i++) dvec[i] = -r[i]! + beta * dvec[i]!;
    }
  };
  /** s ← s + τ·d with ‖s + τd‖ = radius, τ ≥ 0 (Hd holds ∇²f·d). */
  const toBoundary = (): void => {
    const dd = dot(dvec, dvec);
    const sd = dot(s, dvec);
    const ss = dot(s, s);
    const tau = (-sd + Math.sqrt(Math.max(0, sd * sd + dd * (radius * radius - ss)))) / dd;
    if (!Number.isFinite(tau)) return;
    for (let i = 0; i < n; i++) {
      s[i] += tau * dvec[i]!;
      Hs[i] += tau * Hd[i]!;
    }
  };

  for (let it = 0; it < maxIterations; it++) {
    if (gn <= gtol) return done('converged', it);
    subproblem();
    const snorm = norm2(s);
    if (!(snorm > 0)) return done('noImprovement', it);
    const predicted = -(dot(g, s) + 0.5 * dot(s, Hs)); // m(0) − m(s) > 0
    for (let i = 0; i < n; i++) xt[i] = x[i]! + s[i]!;
    const ft = f(xt, gt);
    nfev++;
    const gtn = norm2(gt);
    const actual = fx - ft;
    const floor = ftolRelative * Math.abs(fx);
    let accept: boolean;
    let rho: number;
    if (!Number.isFinite(ft) || !Number.isFinite(gtn)) {
      accept = false;
      rho = -1;
    } else if (predicted <= floor) {
      // Below the resolution of f: judge by the gradient (see the module comment).
      accept = gtn < gn && ft <= fx + floor;
      rho = accept ? 1 : -1;
    } else {
      rho = actual / predicted;
      accept = rho > ETA_ACCEPT;
    }
    if (rho < 0.25) radius = SHRINK * snorm;
    else if (rho > 0.75 && snorm >= 0.99 * radius) radius = GROW * radius;
    if (accept) {
      x.set(xt);
      g.set(gt);
      fx = ft;
      gn = gtn;
      rejections = 0;
    } else if (++rejections >= maxRejections || !(radius > 0)) {
      return done('noImprovement', it + 1);
    }
  }
  return done(gn <= gtol ? 'converged' : 'maxIterations', maxIterations);
}

/**
 * Hessian-vector products by central differences of an analytic gradient:
 * ∇²f(x)·v ≈ (∇f(x + hv̂) − ∇f(x − hv̂))·‖v‖/(2h), v̂ = v/‖v‖, h = relativeStep·max(1, ‖x‖∞).
 * Two gradient evaluations per product, O(n) memory; error O(h²) + O(eps·‖∇f‖/h) relative to ‖v‖.
 */
export function finiteDifferenceHvp(f: Objective, relativeStep = 1e-5): HessianVectorProduct {
  let buf: { xt: Float64Array; gp: Float64Array; gm: Float64Array } | undefined;
  return (x, v, out) => {
    const n = x.length;
    if (buf?.xt.length !== n) buf = { xt: new Float64Array(n), gp: new Float64Array(n), gm: new Float64Array(n) };
    const { xt, gp, gm } = buf;
    const vn = norm2(v);
    if (!(vn > 0)) {
      out.fill(0);
      return;
    }
    let xmax = 1;
    for (let i = 0; i < n; i++) xmax = Math.max(xmax, Math.abs(x[i]!));
    const h = relativeStep * xmax;
    for (let i = 0; i < n; i++) xt[i] = x[i]! + (h * v[i]!) / vn;
    f(xt, gp);
    for (let i = 0; i < n; i++) xt[i] = x[i]! - (h * v[i]!) / vn;
    f(xt, gm);
    const c = vn / (2 * h);
    for (let i = 0; i < n; i++) out[i] = c * (gp[i]! - gm[i]!);
  };
}
