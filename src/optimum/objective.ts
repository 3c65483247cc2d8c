/**
 * The exact risk of LSA/LTB as an objective on the packed reduced parameters θ = (β_m, p, Q)
 * (math.md §3.3; packing: src/models `packReduced`), the gauge (balancing) term, and the problem
 * scale E[y²] that every tolerance of the optimum is relative to.
 *
 * Gauge: the risk depends on (p, Q) only through Qᵀ·W·p, so (p, Q) → (t·p, Q/t) leaves it unchanged
 * and the Hessian has a null direction at every critical point. The balancing term
 * (μ/4)(‖p‖² − ‖Q‖²_F)² removes it without moving the minimum (see {@link reducedObjective}).
 */
import type { HessianVectorProduct, Objective } from '../optim/index.js';
import { reducedLayout, viewReduced, type AttentionKind, type Problem, type Reduced, type ReducedLayout } from '../models/index.js';
import { reducedHessianOperator, riskReduced, type ReducedGradient } from '../risk/index.js';

/** Options of {@link reducedObjective} (and of the whitened objective). */
export interface ObjectiveOptions {
  /** μ of the balancing term (μ/4)(‖p‖² − ‖Q‖²_F)²; 0 = the bare risk. @defaultValue 0 */
  gaugeWeight?: number;
}

/**
 * The balancing term (μ/4)(‖p‖² − ‖Q‖²_F)² of the (p, Q) blocks of a packed θ (layout `at`): adds
 * its gradient μ·(‖p‖² − ‖Q‖²_F)·(p, −Q) into `grad` and returns its value. O(n).
 */
export function addGaugeTerm(theta: Readonly<Float64Array>, grad: Float64Array, at: ReducedLayout, gaugeWeight: number): number {
  let np = 0;
  let nq = 0;
  for (let i = at.p; i < at.Q; i++) np += theta[i]! ** 2;
  for (let i = at.Q; i < theta.length; i++) nq += theta[i]! ** 2;
  const gap = np - nq;
  for (let i = at.p; i < at.Q; i++) grad[i] += gaugeWeight * gap * theta[i]!;
  for (let i = at.Q; i < theta.length; i++) grad[i] -= gaugeWeight * gap * theta[i]!;
  return 0.25 * gaugeWeight * gap * gap;
}

/**
 * The exact risk as an objective on θ (writes ∇R into grad). With `gaugeWeight` μ > 0 it adds the
 * balancing term (μ/4)(‖p‖² − ‖Q‖²_F)², which is zero on balanced points: since ⟨∇R, (p, −Q)⟩ = 0
 * (gauge invariance), the critical points of the sum are exactly the balanced critical points of R,
 * at the same risk — and the null direction of the Hessian is gone, so a quasi-Newton method cannot
 * drift along the orbit (t·p, Q/t) towards t → 0 or ∞ (observed without it: ‖Q‖ → 10³, ‖p‖ → 0).
 * Each evaluation is one {@link riskReduced} call, O(d³).
 */
export function reducedObjective(problem: Problem, kind: AttentionKind, options: ObjectiveOptions = {}): Objective {
  const { gaugeWeight = 0 } = options;
  const d = problem.d;
  const at = reducedLayout(d, kind);
  const zero = new Float64Array(d);
  return (theta, grad) => {
    const { risk, grad: g } = riskReduced(problem, viewReduced(theta, d, kind, zero));
    if (kind === 'ltb') grad.set(g.betaM, 0);
    grad.set(g.p, at.p);
    grad.set(g.Q.data, at.Q);
    if (gaugeWeight === 0) return risk;
    return risk + addGaugeTerm(theta, grad, at, gaugeWeight);
  };
}

/**
 * Adds the Hessian of the balancing term (μ/4)(‖p‖² − ‖Q‖²_F)² times v into `out`:
 * μ·gap·(v_p, −v_Q) + 2μ·(p·v_p − Q·v_Q)·(p, −Q), gap = ‖p‖² − ‖Q‖²_F. O(n).
 */
export function addGaugeHvp(theta: Readonly<Float64Array>, v: Readonly<Float64Array>, out: Float64Array, at: ReducedLayout, gaugeWeight: number): void {
  let np = 0;
  let nq = 0;
  let pv = 0;
  let qv = 0;
  for (let i = at.p; i < at.Q; i++) {
    np += theta[i]! ** 2;
    pv += theta[i]! * v[i]!;
  }
  for (let i = at.Q; i < theta.length; i++) {
    nq += theta[i]! ** 2;
    qv += theta[i]! * v[i]!;
  }
  const gap = gaugeWeight * (np - nq);
  const c = 2 * gaugeWeight * (pv - qv);
  for (let i = at.p; i < at.Q; i++) out[i] += gap * v[i]! + c * theta[i]!;
  for (let i = at.Q; i < theta.length; i++) out[i] -= gap * v[i]! + c * theta[i]!;
}

/**
 * Analytic Hessian-vector products of the exact risk on the packed θ (src/risk
 * reducedHessianOperator, forward-over-reverse), plus the balancing term's with `gaugeWeight` μ > 0.
 * The operator at θ is built once and reused while θ is unchanged (the products of one CG or MINRES
 * solve share it). O(d³) per product, memory O(n).
 */
export function reducedHvp(problem: Problem, kind: AttentionKind, options: ObjectiveOptions = {}): HessianVectorProduct {
  const { gaugeWeight = 0 } = options;
  const d = problem.d;
  const at = reducedLayout(d, kind);
  const zero = new Float64Array(d);
  // The operator keeps views of the point it was built at: at0 is that point, rewritten only on a rebuild.
  const at0 = new Float64Array(at.size);
  const point = viewReduced(at0, d, kind, zero);
  let op: ((v: Reduced) => ReducedGradient) | undefined;
  return (theta, v, out) => {
    let same = op !== undefined;
    for (let i = 0; i < at.size && same; i++) same = theta[i] === at0[i];
    if (!same) {
      op = undefined; // (should the build throw, the next call rebuilds)
      at0.set(theta);
      op = reducedHessianOperator(problem, point);
    }
    const h = op!(viewReduced(v, d, kind, zero));
    if (kind === 'ltb') out.set(h.betaM, 0);
    out.set(h.p, at.p);
    out.set(h.Q.data, at.Q);
    if (gaugeWeight !== 0) addGaugeHvp(theta, v, out, at, gaugeWeight);
  };
}
