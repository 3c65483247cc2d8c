/**
 * The optimal L-step GD-β (GD-β^L, docs/math.md §3.6 and §3.7): minimise the exact risk (3.48) over
 * θ = (β₀ [d], Γ₁ … Γ_L [d, d] each) with its analytic gradient (3.49), by multi-start L-BFGS and a
 * Newton polish of the best start (src/optim), and report every start (the basin report, as for
 * LSA/LTB in multistart.ts).
 *
 * Coordinates. The minimiser works in whitened, centred coordinates
 *
 *   u = Λ^{1/2}Vᵀ(β₀ − β*) [d],   G_l = Λ^{1/2}VᵀΓ_lVΛ^{1/2} [d, d]   (H = VΛVᵀ),
 *
 * the variables of (3.45): there the steps act on white data, so the curvatures of the G_l are of
 * one order whatever the spectrum of H, and the start β₀ = β* is the origin of u. The map is linear
 * and invertible (H ≻ 0), so minima correspond one to one; gradients are mapped by its adjoint:
 * ∂R/∂u = Λ^{−1/2}Vᵀ∂R/∂β₀, ∂R/∂G_l = Λ^{−1/2}Vᵀ(∂R/∂Γ_l)VΛ^{−1/2}. Everything reported (weights,
 * gradient norms, Hessians) is in the original coordinates θ = (β₀, Γ₁ … Γ_L).
 *
 * Starts (each then L-BFGS to ‖∇‖ ≤ handoverRelative·E[y²] in whitened coordinates):
 *  - `gd-beta-split`: the optimal one-step GD-β split over the steps, β₀ = β*, Γ_l = (1/L)·Γ* (3.13);
 *  - `previous+zero`: the optimal (L−1)-step solution followed by a zero step (L ≥ 2; computed by
 *    the same routine, recursively; for L − 1 = 1 the closed form);
 *  - `scaled-inverse`: Γ_l = c·H⁻¹ for every l with the one scalar c minimising the risk (golden
 *    section on the exact risk), β₀ = β* — the ZFB/ACDS-like preconditioner family of §3.6 (3.50);
 *  - `random-r`: β₀ = β* + noise, seeded random whitened steps.
 * The best start is polished to ‖∇‖ ≤ gtolRelative·E[y²] by Newton steps with a finite-difference
 * Hessian of the analytic gradient (src/optim newtonPolish; n = d + L·d² ≤ 80 parameters at d = 5, L = 3).
 *
 * Identifiability. When the steps commute (e.g. H = Ψ = I), the risk depends on the steps only
 * through symmetric functions of them (math.md (3.50)–(3.51)): permuting the steps is a symmetry, so
 * optima come in up to L! copies. src/flow's `multistepDistance` therefore reports the distance modulo
 * the order of the steps.
 */
import { InputError, NumericalError } from '../errors.js';
import { gemm, norm2, Rng, type Matrix } from '../linalg/index.js';
import { lbfgs, newtonPolish, type LbfgsStatus, type NewtonPolishStatus, type Objective } from '../optim/index.js';
import { problemScale, type GdMultistep, type Problem } from '../models/index.js';
import { GD_MULTISTEP_MAX_STEPS, optimumGdBeta, riskGdMultistep } from '../risk/index.js';
import { checkMultistepSteps, multistepObjective, multistepSize, packMultistep, unpackMultistep } from '../flow/index.js';

/** Options of {@link optimumGdMultistep}; every field is optional. */
export interface MultistepOptimumOptions {
  /** Number of steps L, 1 … {@link GD_MULTISTEP_MAX_STEPS} (the exact risk for arbitrary Γ_l stops at 3, math.md §3.6). @defaultValue 2 */
  steps?: number;
  /** Seed of the random starts. @defaultValue 1 */
  seed?: number;
  /** Number of seeded random starts. @defaultValue 2 */
  randomStarts?: number;
  /** Standard deviation of the whitened entries of a random start (of u and, divided by L, of every G_l). @defaultValue 0.3 */
  randomScale?: number;
  /** The optimum is polished to ‖∇R‖ ≤ gtolRelative·E[y²] (whitened coordinates) by Newton steps. @defaultValue 1e-10 */
  gtolRelative?: number;
  /**
   * L-BFGS stops each start at ‖∇R‖ ≤ handoverRelative·E[y²] (or gtolRelative, if larger): below
   * about 1e-8 its line search meets the floating-point floor of R and wastes evaluations, while the
   * risk is already exact to ≈ ‖∇R‖²/λ_min. @defaultValue 1e-8
   */
  handoverRelative?: number;
  /** L-BFGS iteration cap per start. @defaultValue 5000 */
  maxIterations?: number;
  /** Newton iterations of the polish of the best start (0: no polish). @defaultValue 3 */
  newtonIterations?: number;
  /** Include the `previous+zero` start (it costs one (L−1)-step optimum unless `previous` is given). @defaultValue true */
  previousStart?: boolean;
  /**
   * Include the structured starts (`gd-beta-split`, `previous+zero`, `scaled-inverse`): false leaves
   * only the random ones — e.g. to check that a structure of the optimum (steps commuting with H) is
   * not inherited from structured starts. @defaultValue true
   */
  structuredStarts?: boolean;
  /** The (L−1)-step optimum, when already known (e.g. while sweeping L = 1, 2, 3): the `previous+zero` start then reuses it. @defaultValue computed */
  previous?: GdMultistep;
  /** Called after each start. */
  onProgress?: (progress: { readonly done: number; readonly total: number; readonly start: MultistepStartResult }) => void;
}

/** The outcome of one start of {@link optimumGdMultistep}. */
export interface MultistepStartResult {
  /** Name of the start (`gd-beta-split`, `previous+zero`, `scaled-inverse`, `random-r`). */
  readonly name: string;
  /** Risk at the start point, unit [y]². */
  readonly initialRisk: number;
  /** Risk at the end of L-BFGS, unit [y]². */
  readonly risk: number;
  /** ‖∇R‖ over the whitened coordinates at the end of L-BFGS (compared with handoverRelative·E[y²]). */
  readonly gradNorm: number;
  /** L-BFGS iterations. */
  readonly iterations: number;
  /** Risk-and-gradient evaluations. */
  readonly nfev: number;
  /** Why L-BFGS stopped. */
  readonly status: LbfgsStatus;
}

/** The optimum of GD-β^L found by {@link optimumGdMultistep}, with the report of every start. */
export interface MultistepOptimum {
  /** Discriminant: the class. */
  readonly kind: 'gd-multistep';
  /** Number of steps L. */
  readonly steps: number;
  /** The lowest risk R*_L reached (3.48), unit [y]². */
  readonly risk: number;
  /** The optimal weights: β₀* [d] and Γ₁* … Γ_L* [d, d]. */
  readonly estimator: GdMultistep;
  /** ‖∇R‖ over the original coordinates (β₀, Γ₁ … Γ_L) at the optimum. */
  readonly gradNorm: number;
  /** ‖∇R‖ over the whitened coordinates (compared with `gtol`). */
  readonly whitenedGradNorm: number;
  /** Every start, in order. */
  readonly starts: readonly MultistepStartResult[];
  /** Name of the start that reached the lowest risk (the one polished). */
  readonly best: string;
  /** max − min final risk over the starts (0 when all reached the same level). */
  readonly spread: number;
  /** How the Newton polish of the best start ended (`'skipped'` when `newtonIterations` is 0). */
  readonly newton: NewtonPolishStatus | 'skipped';
  /** Smallest and largest eigenvalue of the whitened finite-difference Hessian at the polish's last Newton step (NaN when skipped). */
  readonly whitenedHessianRange: readonly [number, number];
  /** E[y²], the scale of the gradient tolerance. */
  readonly scale: number;
  /** Absolute gradient tolerance gtolRelative·E[y²] of the polish. */
  readonly gtol: number;
}

/** The whitening map of the module comment: θ ↔ (u, G_1 … G_L). */
class MultistepWhitening {
  private readonly d: number;
  private readonly V: Matrix;
  private readonly sl: Float64Array;
  private readonly tmp: Matrix;
  private readonly rot: Matrix;
  constructor(private readonly problem: Problem, private readonly L: number) {
    this.d = problem.d;
    this.V = problem.V;
    this.sl = Float64Array.from(problem.lambda, (x) => Math.sqrt(x));
    this.tmp = { rows: this.d, cols: this.d, data: new Float64Array(this.d * this.d) };
    this.rot = { rows: this.d, cols: this.d, data: new Float64Array(this.d * this.d) };
  }

  /** Original θ → whitened w: u = Λ^{1/2}Vᵀ(β₀ − β*), G_l = Λ^{1/2}VᵀΓ_lVΛ^{1/2}. */
  whiten(theta: Readonly<Float64Array>): Float64Array {
    const { d, V, sl, tmp, rot } = this;
    const w = new Float64Array(theta.length);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += V.data[k * d + i]! * (theta[k]! - this.problem.betaStar[k]!);
      w[i] = sl[i]! * s;
    }
    for (let l = 0; l < this.L; l++) {
      const G: Matrix = { rows: d, cols: d, data: Float64Array.from(theta.subarray(d + l * d * d, d + (l + 1) * d * d)) };
      gemm(tmp, G, V);
      gemm(rot, V, tmp, 'TN');
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) w[d + l * d * d + i * d + j] = sl[i]! * rot.data[i * d + j]! * sl[j]!;
    }
    return w;
  }

  /** Whitened w → original θ: β₀ = β* + VΛ^{−1/2}u, Γ_l = VΛ^{−1/2}G_lΛ^{−1/2}Vᵀ. */
  unwhiten(w: Readonly<Float64Array>, out: Float64Array = new Float64Array(w.length)): Float64Array {
    const { d, V, sl, tmp, rot } = this;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += V.data[i * d + k]! * (w[k]! / sl[k]!);
      out[i] = this.problem.betaStar[i]! + s;
    }
    const G: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
    for (let l = 0; l < this.L; l++) {
      const o = d + l * d * d;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) rot.data[i * d + j] = w[o + i * d + j]! / (sl[i]! * sl[j]!);
      gemm(tmp, rot, V, 'NT');
      gemm(G, V, tmp);
      out.set(G.data, o);
    }
    return out;
  }

  /** Maps an original-coordinate gradient g to the whitened one (the adjoint of {@link unwhiten}), in place into `out`. */
  pullback(g: Readonly<Float64Array>, out: Float64Array): void {
    const { d, V, sl, tmp, rot } = this;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += V.data[k * d + i]! * g[k]!;
      out[i] = s / sl[i]!;
    }
    const G: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
    for (let l = 0; l < this.L; l++) {
      const o = d + l * d * d;
      G.data.set(g.subarray(o, o + d * d));
      gemm(tmp, G, V);
      gemm(rot, V, tmp, 'TN');
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[o + i * d + j] = rot.data[i * d + j]! / (sl[i]! * sl[j]!);
    }
  }

  /** The risk over whitened coordinates with its gradient. */
  objective(): Objective {
    const f = multistepObjective(this.problem, this.L);
    const n = multistepSize(this.d, this.L);
    const theta = new Float64Array(n);
    const g = new Float64Array(n);
    return (w, grad) => {
      this.unwhiten(w, theta);
      const r = f(theta, g);
      this.pullback(g, grad);
      return r;
    };
  }
}

/** Golden-section iterations of the `scaled-inverse` start (bracket shrinks by 0.618⁶⁰ ≈ 3e-13). */
const GOLDEN_ITERATIONS = 60;
/** Upper end of the bracket of c in Γ_l = c·H⁻¹: whitened steps c·I with c ≥ 2 overshoot every direction of white data. */
const SCALED_INVERSE_MAX = 2;
/** The Newton polish aims at NEWTON_TARGET·gtol (quadratic convergence makes the extra digits cheap). */
const NEWTON_TARGET = 1e-3;
/** Offset of the random starts' stream from `seed` (independent of the other users of the seed). */
const RANDOM_SEED_OFFSET = 7_919;

/** Γ_l = c·H⁻¹ for every l, β₀ = β*, with c minimising the exact risk over [0, 2] by golden section. */
function scaledInverseStart(problem: Problem, L: number): GdMultistep {
  const d = problem.d;
  const Hinv: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  const { V, lambda } = problem;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (V.data[i * d + k]! * V.data[j * d + k]!) / lambda[k]!;
    Hinv.data[i * d + j] = s;
  }
  const at = (c: number): GdMultistep => ({
    kind: 'gd-multistep', beta0: Float64Array.from(problem.betaStar),
    Gammas: Array.from({ length: L }, () => ({ rows: d, cols: d, data: Float64Array.from(Hinv.data, (x) => c * x) })),
  });
  const phi = (c: number): number => riskGdMultistep(problem, at(c)).risk;
  const g = (Math.sqrt(5) - 1) / 2;
  let a = 0;
  let b = SCALED_INVERSE_MAX;
  let x1 = b - g * (b - a);
  let x2 = a + g * (b - a);
  let f1 = phi(x1);
  let f2 = phi(x2);
  for (let it = 0; it < GOLDEN_ITERATIONS; it++) {
    if (f1 <= f2) {
      b = x2; x2 = x1; f2 = f1; x1 = b - g * (b - a); f1 = phi(x1);
    } else {
      a = x1; x1 = x2; f1 = f2; x2 = a + g * (b - a); f2 = phi(x2);
    }
  }
  return at(0.5 * (a + b));
}

/** A named start of the GD-β^L optimisation. */
export interface MultistepStart {
  /** How it was built (`gd-beta-split`, `previous+zero`, `scaled-inverse`, `random-r`). */
  readonly name: string;
  /** The start's weights. */
  readonly estimator: GdMultistep;
}

/** The named starts of {@link optimumGdMultistep} for L steps, in order (see the module comment). */
export function multistepStarts(problem: Problem, L: number, options: MultistepOptimumOptions = {}): MultistepStart[] {
  const { seed = 1, randomStarts = 2, randomScale = 0.3, previousStart = true, structuredStarts = true, previous } = options;
  const d = problem.d;
  const gd = optimumGdBeta(problem).estimator;
  const starts: { name: string; estimator: GdMultistep }[] = [];
  if (structuredStarts) {
    starts.push({
      name: 'gd-beta-split',
      estimator: { kind: 'gd-multistep', beta0: Float64Array.from(gd.beta0), Gammas: Array.from({ length: L }, () => ({ rows: d, cols: d, data: Float64Array.from(gd.Gamma.data, (x) => x / L) })) },
    });
  }
  if (L >= 2 && previousStart && structuredStarts) {
    if (previous !== undefined && previous.Gammas.length !== L - 1) {
      throw new InputError('previous', `must be an (L − 1)-step estimator, L − 1 = ${L - 1}, got ${previous.Gammas.length} steps`);
    }
    const prev = previous
      ?? (L === 2
        ? { kind: 'gd-multistep' as const, beta0: Float64Array.from(gd.beta0), Gammas: [gd.Gamma] }
        : optimumGdMultistep(problem, { ...options, steps: L - 1, onProgress: undefined }).estimator);
    starts.push({ name: 'previous+zero', estimator: { kind: 'gd-multistep', beta0: Float64Array.from(prev.beta0), Gammas: [...prev.Gammas, { rows: d, cols: d, data: new Float64Array(d * d) }] } });
  }
  if (structuredStarts) starts.push({ name: 'scaled-inverse', estimator: scaledInverseStart(problem, L) });
  const white = new MultistepWhitening(problem, L);
  const rng = new Rng(seed + RANDOM_SEED_OFFSET);
  for (let r = 1; r <= randomStarts; r++) {
    const w = Float64Array.from({ length: multistepSize(d, L) }, (_, k) => randomScale * rng.normal() / (k < d ? 1 : L));
    starts.push({ name: `random-${r}`, estimator: unpackMultistep(white.unwhiten(w), d, L) });
  }
  return starts;
}

/**
 * The optimal GD-β^L (math.md §3.7): multi-start L-BFGS on the exact risk (3.48) with its analytic
 * gradient (3.49) in whitened coordinates, then a Newton polish of the best start. Returns the best
 * risk and weights, every start's outcome and the spread. Cost ≈ (starts)·(iterations)·(one risk
 * and gradient: ≈ 1.7 ms at d = 5, L = 3) + the polish, 2·(d + L·d²) evaluations per Newton step;
 * for L = 3 also the L = 2 optimum of the `previous+zero` start.
 *
 * @throws {@link InputError} on `steps` (1 … 3); {@link NumericalError} (CLI exit 3) when every start diverged.
 */
export function optimumGdMultistep(problem: Problem, options: MultistepOptimumOptions = {}): MultistepOptimum {
  const { steps = 2, gtolRelative = 1e-10, handoverRelative = 1e-8, maxIterations = 5000, newtonIterations = 3, onProgress } = options;
  const L = checkMultistepSteps(steps);
  if (!(gtolRelative > 0 && Number.isFinite(gtolRelative))) throw new InputError('gtolRelative', `must be a positive finite number, got ${gtolRelative}`);
  if (!(handoverRelative > 0 && Number.isFinite(handoverRelative))) throw new InputError('handoverRelative', `must be a positive finite number, got ${handoverRelative}`);
  const d = problem.d;
  const scale = problemScale(problem);
  const gtol = gtolRelative * scale;
  const white = new MultistepWhitening(problem, L);
  const f = white.objective();
  const starts = multistepStarts(problem, L, options);
  if (starts.length === 0) throw new InputError('randomStarts', 'must be ≥ 1 when structuredStarts is false (no start left)');
  const results: (MultistepStartResult & { w: Float64Array })[] = [];
  for (const s of starts) {
    const w0 = white.whiten(packMultistep(s.estimator));
    const g0 = new Float64Array(w0.length);
    const initialRisk = f(w0, g0);
    const r = lbfgs(f, w0, { gtol: Math.max(gtol, handoverRelative * scale), maxIterations });
    const res = { name: s.name, initialRisk, risk: r.f, gradNorm: r.gradNorm, iterations: r.iterations, nfev: r.nfev, status: r.status, w: r.x };
    results.push(res);
    onProgress?.({ done: results.length, total: starts.length, start: strip(res) });
  }
  const finite = results.filter((r) => Number.isFinite(r.risk));
  if (finite.length === 0) throw new NumericalError('optimum(gd-multistep)', 'every start diverged (non-finite risk)');
  let best = finite[0]!;
  for (const r of finite) if (r.risk < best.risk) best = r;
  const spread = Math.max(...finite.map((r) => r.risk)) - best.risk;

  let w = best.w;
  let risk = best.risk;
  let newton: NewtonPolishStatus | 'skipped' = 'skipped';
  let range: readonly [number, number] = [Number.NaN, Number.NaN];
  if (newtonIterations > 0) {
    // The polish finishes what L-BFGS cannot at the floating-point floor of R (newton.ts).
    // Aim below gtol: the polish stops early (`noImprovement`) once ‖∇R‖ reaches its rounding floor.
    const p = newtonPolish(f, w, { maxIterations: newtonIterations, gtol: NEWTON_TARGET * gtol });
    newton = p.status;
    range = p.hessianRange;
    if (p.f <= risk + 1e-12 * Math.abs(risk)) {
      w = p.x;
      risk = p.f;
    }
  }
  const gw = new Float64Array(w.length);
  risk = f(w, gw);
  const theta = white.unwhiten(w);
  const estimator = unpackMultistep(theta, d, L);
  const g = new Float64Array(theta.length);
  multistepObjective(problem, L)(theta, g);
  return {
    kind: 'gd-multistep', steps: L, risk, estimator, gradNorm: norm2(g), whitenedGradNorm: norm2(gw),
    starts: results.map(strip), best: best.name, spread, newton, whitenedHessianRange: range, scale, gtol,
  };
}

function strip(r: MultistepStartResult & { w: Float64Array }): MultistepStartResult {
  const { w: _w, ...rest } = r;
  return rest;
}
