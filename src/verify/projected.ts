/**
 * An independent route to the optimal LSA/LTB risk (used to cross-check {@link optimumAttention}):
 * variable projection + Newton on the value-projection parameters p, with a finite-difference Hessian.
 *
 * For fixed p the masked or unmasked block predicts xᵀ(β_m + QᵀWp) (+ (xᵀA_s x)(p_xᵀx)/M unmasked),
 * which is *linear* in z = (β_m, Q); the risk is therefore an exact quadratic ½zᵀAz − bᵀz + c in z.
 * A and b are read off the analytic gradient at z = 0 and z = e_j (exact for a quadratic), and
 * φ(p) = min_z R(p, z) is a linear solve (eigen pseudo-inverse, so singular A is fine). φ is
 * invariant under p → t·p, i.e. a function on the d-dimensional sphere; its gradient is ∂_pR at
 * (p, z*(p)) (envelope theorem). Saddle-free Newton steps (−|H|⁻¹g, backtracking) in the tangent space
 * p^⊥ (orthonormal basis from a Householder reflector), Hessian by central differences of the
 * analytic tangent gradient (src/optim finiteDifferenceHessian), the iterate renormalised to ‖p‖ = 1.
 *
 * This shares nothing with the L-BFGS route except the risk function: a different parametrisation
 * (d instead of ~d² dimensions), a different algorithm, a different gauge treatment.
 */
import { eigh, norm2, Rng, symmetrise, type Matrix } from '../linalg/index.js';
import { finiteDifferenceHessian } from '../optim/index.js';
import {
  lsaFromGd0, ltbFromGdBeta, packReduced, problemScale, reducedForm, reducedLayout, unpackReduced, type AttentionKind, type Problem, type Reduced,
} from '../models/index.js';
import { optimumGd0, optimumGdBeta, riskReduced } from '../risk/index.js';

/** Options of {@link optimumAttentionProjected}. */
export interface ProjectedOptions {
  /** Seed of the random p starts. @defaultValue 7 */
  seed?: number;
  /** Random p starts added to the GD-derived ones. @defaultValue 3 */
  randomStarts?: number;
  /** Newton iterations per start. @defaultValue 60 */
  maxIterations?: number;
  /** Stop when the tangent gradient ‖∇φ‖ ≤ gtolRelative·E[y²] (with ‖p‖ = 1). @defaultValue 1e-11 */
  gtolRelative?: number;
  /** Central-difference step of the Hessian (‖p‖ = 1). @defaultValue 1e-5 */
  fdStep?: number;
}

/** Result of {@link optimumAttentionProjected}. */
export interface ProjectedOptimum {
  readonly risk: number;
  /** The minimiser, with ‖p‖ = 1. */
  readonly reduced: Reduced;
  /** ‖∇_θ R‖ over all reduced parameters at the minimiser (analytic). */
  readonly gradNorm: number;
  /** Final φ of each start, in order (GD-derived start(s) first). */
  readonly startRisks: readonly number[];
  readonly iterations: number;
}

/**
 * z = (β_m, Q) ↔ (Reduced with a given p): z is the packed θ of src/models with the p block taken
 * out, so z = (θ[0, p), θ[Q, size)).
 */
function assemble(p: Float64Array, z: Float64Array, d: number, kind: AttentionKind): Reduced {
  const at = reducedLayout(d, kind);
  const theta = new Float64Array(at.size);
  theta.set(z.subarray(0, at.p), 0);
  theta.set(p, at.p);
  theta.set(z.subarray(at.p), at.Q);
  return unpackReduced(theta, d, kind);
}

function zGrad(problem: Problem, p: Float64Array, z: Float64Array, kind: AttentionKind, out: Float64Array): number {
  const d = problem.d;
  const { risk, grad } = riskReduced(problem, assemble(p, z, d, kind));
  const at = reducedLayout(d, kind);
  const g = packReduced(grad, kind);
  out.set(g.subarray(0, at.p), 0);
  out.set(g.subarray(at.Q), at.p);
  return risk;
}

/** φ(p) = min_z R(p, z), the minimiser z*, and ∂_pR(p, z*). */
export function projectedRisk(problem: Problem, p: Float64Array, kind: AttentionKind): { phi: number; z: Float64Array; gradP: Float64Array } {
  const d = problem.d;
  const nz = reducedLayout(d, kind).size - (d + 1);
  const z = new Float64Array(nz);
  const g0 = new Float64Array(nz);
  const gj = new Float64Array(nz);
  zGrad(problem, p, z, kind, g0);
  const A: Matrix = { rows: nz, cols: nz, data: new Float64Array(nz * nz) };
  for (let j = 0; j < nz; j++) {
    z.fill(0);
    z[j] = 1;
    zGrad(problem, p, z, kind, gj);
    for (let i = 0; i < nz; i++) A.data[i * nz + j] = gj[i]! - g0[i]!;
  }
  symmetrise(A, A);
  // z* = −A⁺g0 by the eigendecomposition (pseudo-inverse: A is singular when p leaves directions unused).
  const { values, vectors } = eigh(A, 'projected Hessian');
  const lmax = Math.max(...Array.from(values, Math.abs));
  const cut = nz * 64 * Number.EPSILON * lmax;
  z.fill(0);
  for (let k = 0; k < nz; k++) {
    const lam = values[k]!;
    if (!(lam > cut)) continue;
    let c = 0;
    for (let i = 0; i < nz; i++) c += vectors.data[i * nz + k]! * g0[i]!;
    c /= lam;
    for (let i = 0; i < nz; i++) z[i] -= c * vectors.data[i * nz + k]!;
  }
  const red = assemble(p, z, d, kind);
  const { risk, grad } = riskReduced(problem, red);
  return { phi: risk, z, gradP: Float64Array.from(grad.p) };
}

/** Columns 0..n−2 of the Householder reflector mapping e_{n} to v (‖v‖ = 1): a basis of v^⊥. */
function tangentBasis(v: Float64Array): Matrix {
  const n = v.length;
  // P = I − 2wwᵀ/(wᵀw), w = v − s·e_n with s = −sign(v_n) (no cancellation); P e_n = s'·v.
  const s = v[n - 1]! >= 0 ? -1 : 1;
  const w = Float64Array.from(v);
  w[n - 1] -= s;
  let ww = 0;
  for (let i = 0; i < n; i++) ww += w[i]! * w[i]!;
  const B: Matrix = { rows: n, cols: n - 1, data: new Float64Array(n * (n - 1)) };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n - 1; j++) B.data[i * (n - 1) + j] = (i === j ? 1 : 0) - (2 * w[i]! * w[j]!) / ww;
  }
  return B;
}

function normalise(p: Float64Array): Float64Array {
  const s = norm2(p);
  for (let i = 0; i < p.length; i++) p[i] /= s;
  return p;
}

/** Tangent steps below this (‖p‖ = 1) cannot change φ measurably. */
const STEP_FLOOR = 1e-14;
/** Floor of |eigenvalue| in the saddle-free Newton step, relative to the largest. */
const LM_FLOOR = 1e-12;

/** One Newton run on the sphere from p0; returns the final p, φ and the number of iterations. */
function newtonFrom(problem: Problem, kind: AttentionKind, p0: Float64Array, o: Required<ProjectedOptions>, gtol: number): { p: Float64Array; phi: number; iterations: number } {
  const n = p0.length;
  const m = n - 1;
  let p = normalise(Float64Array.from(p0));
  let cur = projectedRisk(problem, p, kind);
  let it = 0;
  const tangentGrad = (B: Matrix, gp: Float64Array): Float64Array => {
    const g = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += B.data[i * m + j]! * gp[i]!;
      g[j] = s;
    }
    return g;
  };
  for (; it < o.maxIterations; it++) {
    const B = tangentBasis(p);
    const g = tangentGrad(B, cur.gradP);
    if (norm2(g) <= gtol) break;
    // Hessian of ξ ↦ φ(p + Bξ) at ξ = 0 by central differences of its analytic gradient Bᵀ∇_pR
    // (at ξ = 0 the relative step is the absolute step fdStep).
    const pAt = (xi: Float64Array): Float64Array => {
      const q = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let v = p[i]!;
        for (let j = 0; j < m; j++) v += B.data[i * m + j]! * xi[j]!;
        q[i] = v;
      }
      return q;
    };
    const Hs = finiteDifferenceHessian(
      (xi, out) => out.set(tangentGrad(B, projectedRisk(problem, pAt(xi), kind).gradP)),
      new Float64Array(m),
      { relativeStep: o.fdStep },
    );
    const { values, vectors } = eigh(Hs, 'projected Newton Hessian');
    const hmax = Math.max(...Array.from(values, Math.abs), Number.MIN_VALUE);
    // Saddle-free Newton step Δ = −|H|⁻¹g (eigenvalues replaced by max(|λ|, floor)): the Newton step
    // where H ≻ 0, a descent step scaled by the curvature where H is indefinite (φ is not convex on
    // the sphere); then backtracking on φ.
    const delta = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      let c = 0;
      for (let i = 0; i < m; i++) c += vectors.data[i * m + k]! * g[i]!;
      c /= Math.max(Math.abs(values[k]!), LM_FLOOR * hmax);
      for (let i = 0; i < m; i++) delta[i] -= c * vectors.data[i * m + k]!;
    }
    let accepted = false;
    let alpha = 1;
    for (let tries = 0; tries < 50; tries++, alpha *= 0.5) {
      const pn = Float64Array.from(p);
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) pn[i] += alpha * B.data[i * m + j]! * delta[j]!;
      normalise(pn);
      const next = projectedRisk(problem, pn, kind);
      if (Number.isFinite(next.phi) && next.phi < cur.phi) {
        p = pn;
        cur = next;
        accepted = true;
        break;
      }
      if (alpha * norm2(delta) <= STEP_FLOOR) break; // the step no longer changes p: φ is at its floor
    }
    if (!accepted) break; // no strict decrease: φ is at its floating-point floor
  }
  return { p, phi: cur.phi, iterations: it };
}

/**
 * min over LSA (β_m = 0) or LTB of the exact risk by variable projection + Newton on p (see the
 * module comment). Starts: p of the optimal GD-0 (LSA) / GD-β and GD-0 (LTB), then `randomStarts`
 * seeded random directions. Returns the lowest φ found.
 */
export function optimumAttentionProjected(problem: Problem, kind: AttentionKind, options: ProjectedOptions = {}): ProjectedOptimum {
  const o: Required<ProjectedOptions> = {
    seed: 7, randomStarts: 3, maxIterations: 60, gtolRelative: 1e-11, fdStep: 1e-5, ...options,
  };
  const d = problem.d;
  const gtol = o.gtolRelative * problemScale(problem);
  const starts: Float64Array[] = [];
  if (kind === 'ltb') starts.push(reducedForm(ltbFromGdBeta(optimumGdBeta(problem).estimator)).p);
  starts.push(reducedForm(lsaFromGd0(optimumGd0(problem).estimator)).p);
  const rng = new Rng(o.seed);
  for (let r = 0; r < o.randomStarts; r++) starts.push(Float64Array.from({ length: d + 1 }, () => rng.normal()));
  let best: { p: Float64Array; phi: number } | null = null;
  let iterations = 0;
  const startRisks: number[] = [];
  for (const p0 of starts) {
    const r = newtonFrom(problem, kind, p0, o, gtol);
    startRisks.push(r.phi);
    iterations += r.iterations;
    if (best === null || r.phi < best.phi) best = r;
  }
  const fin = projectedRisk(problem, best!.p, kind);
  const reduced = assemble(best!.p, fin.z, d, kind);
  const { risk, grad } = riskReduced(problem, reduced);
  let g2 = 0;
  for (const v of grad.p) g2 += v * v;
  for (const v of grad.Q.data) g2 += v * v;
  if (kind === 'ltb') for (const v of grad.betaM) g2 += v * v;
  return { risk, reduced, gradNorm: Math.sqrt(g2), startRisks, iterations };
}
