/**
 * ZFB's LSA gradient flow (math.md §4; Zhang, Frei & Bartlett, JMLR 2024): unmasked, β* = 0, Ψ = I,
 * σ = 0, from the balanced start W^{PV}(0) = s·[[0, 0], [0, 1]], W^{KQ}(0) = s·[[ΘΘᵀ, 0], [0, 0]],
 * ‖ΘΘᵀ‖_F = 1. In that family only u = W^{PV}_{d+1,d+1} and U = W^{KQ}_{1:d,1:d} move (every other
 * raw-weight gradient is zero there: p_x = 0 and q_y = 0 make them vanish, see §3.3), and the LSA
 * computes GD-0 with Γ = uUᵀ, so
 *
 *   R(u, U) = R_GD0(uUᵀ),   dU/dt = −u·(∇_ΓR)ᵀ,   du/dt = −⟨∇_ΓR, Uᵀ⟩,
 *
 * which conserves u² − ‖U‖²_F exactly (d(u²)/dt = d‖U‖²_F/dt = −2u⟨∇_ΓR, Uᵀ⟩). The claimed limit is
 * U = tr(Γ_Z⁻²)^{−1/4}Γ_Z⁻¹, u = tr(Γ_Z⁻²)^{1/4} with Γ_Z = (1 + 1/M)H + (tr H/M)I — equivalently
 * uUᵀ = Γ_Z⁻¹ = Γ₀* (§3.5) with u² = ‖U‖²_F. These claims are *checked* by the tests, not assumed.
 *
 * State (eigenbasis of H): y = [u, Ũ (d², row-major)], Ũ = VᵀUV; Γ̃ = uŨᵀ. One O(d²) risk kernel
 * call per evaluation (Ψ = I takes the isotropic path).
 */
import { InputError } from '../errors.js';
import { frobeniusNorm, gemm, Rng, type Matrix, type ReadonlyMatrix } from '../linalg/index.js';
import type { Lsa, Problem } from '../models/index.js';
import { allocGdBetaWorkspace, eigenRiskData, gdBetaRiskEig } from '../risk/index.js';
import { gdBetaFlow, type GdBetaFlow } from './gdbetaFlow.js';
import type { VectorField } from './ode/index.js';

/** ZFB's flow on (u, U) of a problem satisfying the ZFB setting. */
export interface ZfbFlow {
  /** The problem; it satisfies ZFB's setting (unmasked, β* = 0, Ψ = I, σ² = 0), checked by `zfbFlow`. */
  readonly problem: Problem;
  /** Feature dimension d. */
  readonly d: number;
  /** State length 1 + d². */
  readonly n: number;
  /** The vector field (4.12) on the state [u, Ũ] (flow time t). */
  readonly field: VectorField;
  /** R(u, U). */
  risk(y: Float64Array): number;
  /** R − R*_GD0 (cancellation-free, through the GD flow's exact gap). */
  gap(y: Float64Array): number;
  /** u² − ‖U‖²_F (the conserved quantity). */
  invariant(y: Float64Array): number;
  /** The predicted limit [u, Ũ] (state layout). */
  readonly predictedLimit: Float64Array;
  /** R*_GD0 = R*_GDβ (β* = 0). */
  readonly optimalRisk: number;
  /** The GD flow of the same problem (its optimum and Hessian). */
  readonly gd: GdBetaFlow;
  /** The balanced start (4.11) (`zfbBalancedStart`) with scale s and Θ from `new Rng(seed)`, in the state layout. */
  initialState(s: number, seed?: number): Float64Array;
  /** The raw LSA weights of a state (W^{PV} = u·e_{d+1}e_{d+1}ᵀ, W^{KQ} = [[U, 0], [0, 0]]). */
  toLsa(y: Float64Array): Lsa;
}

/**
 * ZFB's balanced start (math.md §4; Zhang, Frei & Bartlett, JMLR 2024): the LSA with
 * W^{PV} = s·e_{d+1}e_{d+1}ᵀ and W^{KQ} = s·[[ΘΘᵀ, 0], [0, 0]], ΘΘᵀ normalised to ‖ΘΘᵀ‖_F = 1 — so
 * u = s, U = s·ΘΘᵀ/‖ΘΘᵀ‖_F and u² − ‖U‖²_F = 0. The one home of this start: the ZFB flow, the
 * multi-start optimum (src/optimum) and the ZFB claim (src/verify) all build it here, each from its
 * own random Θ. Shapes: Θ [d, d]; W^{KQ}, W^{PV} [d+1, d+1]. O(d³).
 *
 * @throws RangeError when Θ is not square or ΘΘᵀ = 0.
 */
export function zfbBalancedStart(Theta: ReadonlyMatrix, s: number): Lsa {
  const d = Theta.rows;
  if (Theta.cols !== d) throw new RangeError(`zfbBalancedStart: Theta must be square, got [${Theta.rows}, ${Theta.cols}]`);
  const TT: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  gemm(TT, Theta, Theta, 'NT');
  const f = frobeniusNorm(TT);
  if (!(f > 0)) throw new RangeError(`zfbBalancedStart: ‖ΘΘᵀ‖_F must be positive, got ${f}`);
  const m = d + 1;
  const WKQ: Matrix = { rows: m, cols: m, data: new Float64Array(m * m) };
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) WKQ.data[i * m + j] = (s * TT.data[i * d + j]!) / f;
  const WPV: Matrix = { rows: m, cols: m, data: new Float64Array(m * m) };
  WPV.data[m * m - 1] = s;
  return { kind: 'lsa', WKQ, WPV };
}

/** Throws an InputError naming the first field of the problem outside ZFB's setting. */
export function checkZfbProblem(problem: Problem): void {
  const d = problem.d;
  if (problem.masked) throw new InputError('masked', "ZFB's flow is for the unmasked LSA: set \"masked\": false");
  if (problem.sigma2 !== 0) throw new InputError('sigma2', `ZFB's flow needs σ² = 0, got ${problem.sigma2}`);
  if (problem.betaStar.some((b) => b !== 0)) throw new InputError('betaStar', "ZFB's flow needs β* = 0");
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      if (problem.Psi.data[i * d + j] !== (i === j ? 1 : 0)) throw new InputError('Psi', "ZFB's flow needs Ψ = I");
    }
  }
}

/**
 * Builds ZFB's flow (4.12) on the state [u, Ũ] ([1 + d²]; docs/math.md §4.3).
 * @throws {@link InputError} (CLI exit 2) naming the field when the problem is not in ZFB's setting
 *   (unmasked, σ² = 0, β* = 0, Ψ = I).
 */
export function zfbFlow(problem: Problem): ZfbFlow {
  checkZfbProblem(problem);
  const d = problem.d;
  const d2 = d * d;
  const n = 1 + d2;
  const data = eigenRiskData(problem);
  const ws = allocGdBetaWorkspace(d);
  const zero = new Float64Array(d);
  const G = new Float64Array(d2);
  const grad = new Float64Array(d2);
  const gd = gdBetaFlow(problem, 'gd-beta');

  const gammaOf = (y: Float64Array): void => {
    const u = y[0]!;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) G[i * d + j] = u * y[1 + j * d + i]!;
  };

  const field: VectorField = (_t, y, out) => {
    gammaOf(y);
    gdBetaRiskEig(data, G, zero, grad, null, ws);
    const u = y[0]!;
    let du = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        // dŨ_ij/dt = −u (∇R)_ji ;  du/dt = −Σ (∇R)_ij Ũ_ji
        out[1 + i * d + j] = -u * grad[j * d + i]!;
        du += grad[i * d + j]! * y[1 + j * d + i]!;
      }
    }
    out[0] = -du;
  };

  const risk = (y: Float64Array): number => {
    gammaOf(y);
    return gdBetaRiskEig(data, G, zero, null, null, ws);
  };
  const yGd = new Float64Array(gd.n);
  const gap = (y: Float64Array): number => {
    gammaOf(y);
    yGd.set(G, 0);
    return gd.gap(yGd);
  };
  const invariant = (y: Float64Array): number => {
    let s = y[0]! * y[0]!;
    for (let k = 1; k < n; k++) s -= y[k]! * y[k]!;
    return s;
  };

  // Predicted limit in the eigenbasis: Γ̃_Z = diag(g), g_i = κλ_i + tr H/M.
  const kappa = problem.kappa;
  const g = Float64Array.from(problem.lambda, (l) => kappa * l + problem.trH / problem.M);
  let T = 0;
  for (let i = 0; i < d; i++) T += 1 / (g[i]! * g[i]!);
  const predictedLimit = new Float64Array(n);
  predictedLimit[0] = T ** 0.25;
  for (let i = 0; i < d; i++) predictedLimit[1 + i * d + i] = T ** -0.25 / g[i]!;

  const V = problem.V;
  const initialState = (s: number, seed = 1): Float64Array => {
    const rng = new Rng(seed);
    const Theta: Matrix = { rows: d, cols: d, data: Float64Array.from({ length: d2 }, () => rng.normal()) };
    const start = zfbBalancedStart(Theta, s);
    const TT: Matrix = { rows: d, cols: d, data: new Float64Array(d2) }; // U(0), the top-left block of W^{KQ}
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) TT.data[i * d + j] = start.WKQ.data[i * (d + 1) + j]!;
    const tmp: Matrix = { rows: d, cols: d, data: new Float64Array(d2) };
    const Ut: Matrix = { rows: d, cols: d, data: new Float64Array(d2) };
    gemm(tmp, TT, V);
    gemm(Ut, V, tmp, 'TN');
    const y = new Float64Array(n);
    y[0] = s;
    y.set(Ut.data, 1);
    return y;
  };

  const toLsa = (y: Float64Array): Lsa => {
    const m = d + 1;
    const Ut: Matrix = { rows: d, cols: d, data: Float64Array.from(y.subarray(1)) };
    const tmp: Matrix = { rows: d, cols: d, data: new Float64Array(d2) };
    const U: Matrix = { rows: d, cols: d, data: new Float64Array(d2) };
    gemm(tmp, Ut, V, 'NT');
    gemm(U, V, tmp);
    const WKQ: Matrix = { rows: m, cols: m, data: new Float64Array(m * m) };
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) WKQ.data[i * m + j] = U.data[i * d + j]!;
    const WPV: Matrix = { rows: m, cols: m, data: new Float64Array(m * m) };
    WPV.data[m * m - 1] = y[0]!;
    return { kind: 'lsa', WKQ, WPV };
  };

  return { problem, d, n, field, risk, gap, invariant, predictedLimit, optimalRisk: gd.optimalRisk, gd, initialState, toLsa };
}
