/**
 * The exact population gradient flow dθ/dt = −∇R(θ) (docs/math.md (4.1), (4.10)) on the *same*
 * parameters sampled training updates (raw W^{KQ}, W^{PV}, W₁, W₂ of any d_f; Γ, β₀), from the same
 * start, at given times: the curve SGD with step lr follows at t = lr·step as lr → 0, B → ∞.
 *
 * LSA/LTB use src/flow's raw attention flow (gradients (3.24)); GD-β/GD-0 its GD flow, which runs in
 * the eigenbasis of H — the Euclidean flow commutes with that rotation, so it is the same curve.
 * Integrated by tsit5 with tight tolerances, saved through the dense interpolant at the times.
 */
import { InputError, NumericalError } from '../errors.js';
import { solve, tsit5 } from '../flow/ode/index.js';
import { attentionFlow, gdBetaFlow } from '../flow/index.js';
import { problemScale, type Estimator, type Problem } from '../models/index.js';

/** Options of {@link flowRiskAt}. */
export interface FlowRiskOptions {
  /** Relative tolerance of the ODE solve. @defaultValue 1e-10 */
  readonly rtol?: number;
  /** Absolute tolerance, relative to the scale of the weights (max(1, ‖θ₀‖∞)). @defaultValue 1e-12 */
  readonly atol?: number;
  /** Step-attempt cap. @defaultValue 1 000 000 */
  readonly maxSteps?: number;
}

/**
 * The exact risk R(θ(t)) of the gradient flow from `start` at each of `times` (non-decreasing, ≥ 0),
 * unit [y]². `start` is the estimator training started from (`TrainResult.initial`); an LTB keeps its
 * d_f. Cost: one O(d³) exact gradient per ODE stage.
 * @throws {@link InputError} on `times` (negative, non-finite or decreasing);
 *   {@link NumericalError} when the solve fails (e.g. the flow diverges).
 */
export function flowRiskAt(problem: Problem, start: Estimator, times: readonly number[] | Float64Array, options: FlowRiskOptions = {}): Float64Array {
  const { rtol = 1e-10, atol = 1e-12, maxSteps = 1_000_000 } = options;
  const ts = Float64Array.from(times);
  for (let i = 0; i < ts.length; i++) {
    if (!(ts[i]! >= 0 && Number.isFinite(ts[i]!))) throw new InputError(`times[${i}]`, `must be a finite time ≥ 0, got ${ts[i]}`);
    if (i > 0 && ts[i]! < ts[i - 1]!) throw new InputError(`times[${i}]`, `must not decrease (${ts[i]} < ${ts[i - 1]})`);
  }
  let field;
  let y0: Float64Array;
  let riskOf: (y: Float64Array) => number;
  if (start.kind === 'lsa' || start.kind === 'ltb') {
    const flow = attentionFlow(problem, { model: start.kind, parametrization: 'raw', mlpWidth: start.kind === 'ltb' ? start.W1.rows : 1 });
    field = flow.field;
    y0 = flow.fromEstimator(start);
    riskOf = (y) => flow.risk(y);
  } else if (start.kind === 'gd-beta' || start.kind === 'gd-0') {
    const flow = gdBetaFlow(problem, start.kind);
    field = flow.field;
    y0 = flow.fromEstimator(start);
    riskOf = (y) => flow.risk(y);
  } else {
    throw new InputError('start', `the exact flow of sampled training starts from an lsa, ltb, gd-beta or gd-0 estimator, got '${start.kind}'`);
  }
  const out = new Float64Array(ts.length);
  const tEnd = ts.length > 0 ? ts[ts.length - 1]! : 0;
  if (tEnd === 0) return out.fill(riskOf(y0));
  let scale = 1;
  for (let i = 0; i < y0.length; i++) scale = Math.max(scale, Math.abs(y0[i]!));
  const sol = solve(field, y0, [0, tEnd], tsit5, { rtol, atol: atol * scale, maxSteps, saveAt: { kind: 'times', ts }, throwOnFailure: false });
  if (sol.status !== 'success') {
    throw new NumericalError('flowRiskAt', `the exact flow stopped at t = ${sol.t} of ${tEnd} (${sol.message}; E[y²] = ${problemScale(problem).toExponential(3)})`);
  }
  for (let i = 0; i < ts.length; i++) out[i] = riskOf(sol.ys[i]!);
  return out;
}
