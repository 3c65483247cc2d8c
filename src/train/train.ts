/**
 * Sampled training of LSA, LTB, GD-β and GD-0 on fresh prompts — what the papers do (von Oswald et
 * al. 2023; Ahn et al. 2023; Zhang, Frei & Bartlett 2024) — measured against the exact population
 * risk (docs/math.md §3) at every logged step.
 *
 * Each step draws B fresh prompts from the problem (1.1), evaluates the empirical squared loss
 * L = (1/B)·Σ(f − y)² through the explicit forward pass on the raw weights (§2.1) and takes an SGD or
 * Adam step with its exact gradient (kernel.ts: hand-written reverse pass). E[L] = R (1.3), so SGD
 * with step lr follows the gradient flow (4.1)/(4.10) at matched time t = lr·step as lr → 0 and B → ∞.
 *
 * Streams (identical on every platform for a given Node/V8): the random start from `new Rng(seed)`
 * (src/flow's `attentionInitialState` of the raw flow, or `gdBetaInitialState`: the start of
 * `runFlow({ parametrization: 'raw', init: 'random', seed })`), the training prompts from
 * seed + {@link TRAIN_STREAM} (linalg's `Rng` for direct prompts, `FastRng` for Wishart prompts), the
 * fixed test set from seed + {@link TEST_STREAM}. A seed gives a bit-identical run.
 *
 * `model: 'stack'` ({@link StackTrainOptions}) trains an L-layer stack (docs/math.md §2.5) through
 * stack.ts's kernel on the same streams. No closed-form risk exists for a general stack, so its rows
 * log `risk: NaN` (JSON: null) and the test-set estimate is the measure; the reference line is R*_L of
 * the optimal GD-β^L (§3.6), which the architecture of (2.19) represents exactly.
 */
import { InputError, NumericalError } from '../errors.js';
import { norm2, Rng } from '../linalg/index.js';
import {
  allocPrompt, contextStatisticInto, effectiveGdBeta, estimatorDim, samplePromptInto,
  type Estimator, type GdBeta, type Problem, type Stack,
} from '../models/index.js';
import { GD_MULTISTEP_MAX_STEPS, risk } from '../risk/index.js';
import { optimum, type ClassOptimum } from '../optimum/index.js';
import { attentionFlow, attentionInitialState, gdBetaFlow, gdBetaInitialState, RANDOM_ATTENTION_SCALE } from '../flow/index.js';
import { batchLossGrad, createKernel, setLossGrad, type PromptSet, type PromptSource } from './kernel.js';
import { estimatorFromParams, paramLayout, paramsFromEstimator, TRAIN_MODELS, type ParamLayout, type TrainModel } from './layout.js';
import {
  createStackKernel, paramsFromStack, randomStackParams, stackBatchLossGrad, stackFromParams, stackLayout, stackLayoutOf, stackSetLossGrad,
  stackStructureResidual, type StackLayout,
} from './stack.js';

export { TRAIN_MODELS, type TrainModel };
import { adam, ADAM_DEFAULTS, sgd, type AdamOptions } from './optimizer.js';

/** The optimizers {@link train} knows. */
export const TRAIN_OPTIMIZERS = ['adam', 'sgd'] as const;
/** One of {@link TRAIN_OPTIMIZERS}. */
export type TrainOptimizer = (typeof TRAIN_OPTIMIZERS)[number];
/** Prompt sources: `'auto'` picks `'wishart'` (cheaper at every measured size, see {@link TrainOptions.sampler}). */
export const TRAIN_SAMPLERS = ['auto', 'direct', 'wishart'] as const;

/** Offset of the training-prompt stream's seed from `seed` (independent of the start's stream). */
export const TRAIN_STREAM = 7919;
/** Offset of the test-set stream's seed from `seed`. */
export const TEST_STREAM = 104729;
/** Default size of the fixed test set (the papers' held-out estimate). */
export const DEFAULT_TEST_SIZE = 1000;
/** Default tolerance of the effective-GD-β reading of trained weights (sampled training never reaches q_y = 0 exactly). */
export const DEFAULT_EFFECTIVE_RTOL = 1e-3;
/** Largest number of stored test-set entries testSize·(d+1)² (400 MB of float64). */
export const MAX_TEST_ENTRIES = 5e7;
/** Largest |seed| (the stream offsets must stay safe integers). */
const MAX_SEED = 2 ** 52;

/** One logged step of a training run. */
export interface TrainRow {
  /** Optimizer steps taken (0: the start). */
  readonly step: number;
  /** lr·step: the gradient-flow time SGD matches (for Adam only a label). */
  readonly t: number;
  /** The empirical loss of this step's fresh batch at the current weights (before the step's update). */
  readonly batchLoss: number;
  /** The exact population risk R of the current weights ((3.5) or (3.22)–(3.23)), unit [y]². */
  readonly risk: number;
  /** R − R*_class (NaN when no optimum was given). */
  readonly gap: number;
  /** The fixed test set's mean squared error (NaN when testSize = 0). */
  readonly testLoss: number;
  /** Its standard error sd/√testSize. */
  readonly testStderr: number;
  /** Whether the weights read as a GD-β within `effectiveRtol` (math.md (2.14)); GD kinds: true. */
  readonly effectiveOk: boolean;
  /** Which condition of (2.14) fails ('' when the reading holds). */
  readonly effectiveReason: string;
  /**
   * The GD-β the weights equal when the reading (2.14) holds within `effectiveRtol` (Γ = p_y·Q_xᵀ,
   * β₀ = −p_x/p_y), else null; GD-β: the weights themselves; GD-0: the weights with β₀ = 0.
   */
  readonly effectiveGdBeta: GdBeta | null;
  /**
   * ‖θ_eff − θ*_eff‖/‖θ*_eff‖ over θ = (Γ, β₀) (GD-0: Γ): the effective GD-β reading (2.14) of the
   * weights against that of the class optimum for LSA/LTB (raw weights have the gauge (2.10)), the
   * parameters themselves for GD-β/GD-0. NaN when a reading does not exist (p_y = 0).
   */
  readonly paramDistance: number;
  /**
   * Stack runs: how far the weights are from the shape of (2.19) (stack.ts `stackStructureResidual`;
   * 0 = exactly that shape, a shape indicator, not a distance between functions). NaN for one-layer models.
   */
  readonly structureResidual: number;
}

/** Options of {@link train}; every field is optional. */
export interface TrainOptions {
  /** The model trained. @defaultValue 'ltb' */
  readonly model?: TrainModel;
  /** The optimizer. @defaultValue 'adam' */
  readonly optimizer?: TrainOptimizer;
  /** Step size (SGD) or learning rate (Adam), > 0. @defaultValue 1e-3 */
  readonly lr?: number;
  /** Prompts per step B ≥ 1. @defaultValue 64 */
  readonly batch?: number;
  /** Optimizer steps N ≥ 0. @defaultValue 1000 */
  readonly steps?: number;
  /**
   * The start: `'zero'`, `'random'` (LSA/LTB: entries N(0, initScale²), the raw attention flow's random
   * start for the same seed; GD: the GD flows' random start) or an estimator of the model's kind.
   * @defaultValue 'random' for LSA/LTB (zero weights are a critical point of their loss), 'zero' for GD-β/GD-0
   */
  readonly init?: 'zero' | 'random' | Estimator;
  /** Scale of a random LSA/LTB start. @defaultValue 0.1 (`RANDOM_ATTENTION_SCALE`) */
  readonly initScale?: number;
  /** Seed of every stream (start, training prompts, test set). @defaultValue 1 */
  readonly seed?: number;
  /** Record a row every this many steps (and at the last step). @defaultValue max(1, round(steps/100)) */
  readonly logEvery?: number;
  /** LTB MLP width d_f ≥ 1 (W₁, W₂ [d_f, d+1]); taken from an LTB `init` estimator. @defaultValue d + 1 */
  readonly dF?: number;
  /** Size of the fixed test set (0: none). @defaultValue 1000 (`DEFAULT_TEST_SIZE`) */
  readonly testSize?: number;
  /**
   * Where training prompts come from: full prompts (`'direct'`: src/models' sampler with linalg's
   * `Rng`, O(M·d²) each) or the Wishart sufficient statistic (`'wishart'`: src/models wishart.ts with
   * the faster `FastRng`; O(d²) each when M ≥ d + 1, O(M·d) below; exact in distribution for every
   * model here, masked or not, because the query is independent of the context given β).
   * `'auto'` is `'wishart'` (bench/train/RESULTS.md: faster at every measured size).
   * @defaultValue 'auto'
   */
  readonly sampler?: 'auto' | PromptSource;
  /** Adam's constants. @defaultValue β₁ = 0.9, β₂ = 0.999, ε = 1e-8 (`ADAM_DEFAULTS`) */
  readonly adam?: AdamOptions;
  /** The class optimum the gaps and distances refer to; `null` skips it. @defaultValue optimum(problem, model) */
  readonly optimum?: ClassOptimum | null;
  /** Tolerance of the effective-GD-β reading of the weights (2.14). @defaultValue 1e-3 (`DEFAULT_EFFECTIVE_RTOL`) */
  readonly effectiveRtol?: number;
  /** Called with every logged row as it is recorded. @defaultValue none */
  readonly onProgress?: (row: TrainRow) => void;
}

/**
 * Options of {@link train} for an L-layer stack (docs/math.md §2.5; kernel in stack.ts): the fields of
 * {@link TrainOptions} (same defaults unless listed here) with `model: 'stack'`.
 */
export interface StackTrainOptions extends Omit<TrainOptions, 'model' | 'init' | 'dF' | 'optimum' | 'effectiveRtol'> {
  /** Discriminant: train a stack. */
  readonly model: 'stack';
  /**
   * Number of layers L, 1 … 4 (stack.ts `MAX_STACK_LAYERS`): layer 1 an LTB with MLP width `dF`, then L − 1 LSA
   * layers — the architecture of (2.19), which represents GD-β^L exactly. Taken from a stack `init`.
   * @defaultValue 2
   */
  readonly layers?: number;
  /** MLP width d_f of the first (LTB) layer. @defaultValue 1 (what (2.19) needs) */
  readonly dF?: number;
  /**
   * `'random'`: every weight N(0, initScale²) from `new Rng(seed)` (zero weights are a critical point
   * of a stack's loss), or a {@link Stack} whose architecture (any LSA/LTB layers) is then trained.
   * @defaultValue 'random'
   */
  readonly init?: 'random' | Stack;
  /**
   * The reference line: R*_L of the optimal GD-β^L; `null` skips it.
   * @defaultValue optimum(problem, 'gd-multistep', { steps: L }) for L ≤ 3 (the exact risk (3.48) stops there), else null
   */
  readonly optimum?: ClassOptimum | null;
}

/** Wall-clock times of a run. */
export interface TrainTiming {
  /** The whole call, ms. */
  readonly totalMs: number;
  /** The training steps alone (sampling, forward, reverse, update), ms. */
  readonly stepMs: number;
  /** Logging evaluations (exact risk, test set, readings), ms. */
  readonly logMs: number;
  /** Computing the class optimum, ms (0 when given). */
  readonly optimumMs: number;
  /** steps / stepMs·1000. */
  readonly stepsPerSecond: number;
}

/** Result of {@link train}; `E` is the trained model's type (a {@link Stack} for `model: 'stack'`). */
export interface TrainResult<E extends Estimator | Stack = Estimator> {
  /** The model trained. */
  readonly model: E extends Stack ? 'stack' : TrainModel;
  /** The optimizer used. */
  readonly optimizer: TrainOptimizer;
  /** Its learning rate. */
  readonly lr: number;
  /** Prompts per step. */
  readonly batch: number;
  /** Steps taken. */
  readonly steps: number;
  /** The seed. */
  readonly seed: number;
  /** The prompt source actually used. */
  readonly sampler: PromptSource;
  /** MLP width (LTB; a stack: its first LTB layer's), else 0. */
  readonly dF: number;
  /** Number of layers (1 for the one-layer models). */
  readonly layers: number;
  /** Size of the test set. */
  readonly testSize: number;
  /** Logged rows, in step order. */
  readonly rows: readonly TrainRow[];
  /** The start (for the exact flow from the same point: {@link flowRiskAt}). */
  readonly initial: E;
  /** The trained estimator. */
  readonly estimator: E;
  /** Its exact risk, unit [y]² (NaN for a stack: no closed form; see the last row's test loss). */
  readonly finalRisk: number;
  /** R*_class (a stack: R*_L of GD-β^L; NaN when no optimum). */
  readonly optimumRisk: number;
  /** Timing. */
  readonly timing: TrainTiming;
}

/** Training diverged (non-finite loss or weights): carries the step and the rows logged so far. */
export class TrainingDivergedError extends NumericalError {
  /** The class name, `'TrainingDivergedError'`; the CLI maps this error (a {@link NumericalError}) to exit code 3. */
  override name = 'TrainingDivergedError';
  constructor(
    /** The step at which the loss or the risk stopped being finite. */
    readonly step: number,
    /** The learning rate of the run. */
    readonly lr: number,
    /** The rows logged before the divergence. */
    readonly trajectory: readonly TrainRow[],
    what: string,
  ) {
    super('train', `diverged at step ${step}: ${what} — try a smaller lr (now ${lr}; e.g. ${lr / 10})`);
  }
}

function positiveFinite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !(v > 0 && Number.isFinite(v))) throw new InputError(field, `must be a positive finite number, got ${String(v)}`);
  return v;
}
function integerAtLeast(v: unknown, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new InputError(field, `must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}
function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new InputError(field, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** Draws the fixed test set: n prompts by the direct sampler from `new Rng(seed)`, stored as (W, x, y). O(n·M·d²). */
export function drawPromptSet(problem: Problem, n: number, seed: number): PromptSet {
  const d = problem.d;
  const p = d + 1;
  const rng = new Rng(seed);
  const prompt = allocPrompt(d, problem.M);
  const z = new Float64Array(d);
  const W = new Float64Array(n * p * p);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  const Wm = { rows: p, cols: p, data: new Float64Array(p * p) };
  for (let s = 0; s < n; s++) {
    samplePromptInto(prompt, problem, rng, z);
    contextStatisticInto(Wm, prompt.X, prompt.y);
    W.set(Wm.data, s * p * p);
    x.set(prompt.x, s * d);
    y[s] = prompt.yQuery;
  }
  return { n, W, x, y };
}

/** The start θ₀ (see {@link TrainOptions.init}). */
function initialParams(problem: Problem, layout: ParamLayout, init: 'zero' | 'random' | Estimator, seed: number, initScale: number): Float64Array {
  const { model, d, dF } = layout;
  if (typeof init === 'object') {
    if (init.kind !== model) throw new InputError('init', `must be a '${model}' estimator, got '${init.kind}'`);
    if (estimatorDim(init) !== d) throw new InputError('init', `has dimension ${estimatorDim(init)} but the problem has d = ${d}`);
    const theta = paramsFromEstimator(layout, init);
    // Shapes: paramsFromEstimator copies blocks; a wrong-sized block would shift the rest silently.
    const sizes = init.kind === 'gd-beta' ? [init.Gamma.data.length, init.beta0.length] : init.kind === 'gd-0' ? [init.Gamma.data.length]
      : init.kind === 'lsa' ? [init.WKQ.data.length, init.WPV.data.length] : init.kind === 'ltb' ? [init.WKQ.data.length, init.WPV.data.length, init.W1.data.length, init.W2.data.length] : [];
    if (sizes.reduce((a, b) => a + b, 0) !== layout.n) throw new InputError('init', `has weights of the wrong shapes for a '${model}' with d = ${d}${model === 'ltb' ? `, d_f = ${dF}` : ''}`);
    for (let i = 0; i < theta.length; i++) if (!Number.isFinite(theta[i]!)) throw new InputError('init', `has a non-finite weight (${theta[i]}) at flat index ${i}`);
    return theta;
  }
  if (model === 'lsa' || model === 'ltb') {
    const flow = attentionFlow(problem, { model, parametrization: 'raw', mlpWidth: Math.max(1, dF) });
    return attentionInitialState(flow, init, seed, initScale);
  }
  const flow = gdBetaFlow(problem, model);
  return paramsFromEstimator(layout, flow.toEstimator(gdBetaInitialState(flow, init, seed)));
}

/** (Γ, β₀) of a GD reading as one vector (GD-0: Γ only). */
function gdVector(e: Estimator): Float64Array | null {
  if (e.kind === 'gd-0') return e.Gamma.data;
  if (e.kind === 'gd-beta') {
    const v = new Float64Array(e.Gamma.data.length + e.beta0.length);
    v.set(e.Gamma.data);
    v.set(e.beta0, e.Gamma.data.length);
    return v;
  }
  if (e.kind !== 'lsa' && e.kind !== 'ltb') return null;
  const r = effectiveGdBeta(e, { rtol: 0 });
  return r.estimator === undefined ? null : gdVector(r.estimator);
}

function relativeDistance(a: Float64Array | null, b: Float64Array | null): number {
  if (a === null || b === null) return NaN;
  const diff = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) diff[i] = a[i]! - b[i]!;
  const nb = norm2(b);
  return norm2(diff) / (nb > 0 ? nb : 1);
}

/**
 * Trains a model on fresh prompts of a problem (module comment), logging the exact risk, the test-set
 * estimate, the gap to the class optimum and the effective-GD-β distance. With `model: 'stack'`
 * ({@link StackTrainOptions}) it trains an L-layer stack and logs the test-set estimate, R*_L of
 * GD-β^L as the reference and the (2.19) structure residual (no exact risk: NaN).
 * @throws {@link InputError} (CLI exit 2) naming the option for an invalid option;
 *   {@link TrainingDivergedError} (a {@link NumericalError}, exit 3) with the partial trajectory when the
 *   loss or the risk stops being finite.
 */
export function train(problem: Problem, options: StackTrainOptions): TrainResult<Stack>;
export function train(problem: Problem, options?: TrainOptions): TrainResult;
export function train(problem: Problem, options: TrainOptions | StackTrainOptions = {}): TrainResult | TrainResult<Stack> {
  const started = performance.now();
  const model = oneOf(options.model ?? 'ltb', 'model', [...TRAIN_MODELS, 'stack' as const]);
  const optimizerName = oneOf(options.optimizer ?? 'adam', 'optimizer', TRAIN_OPTIMIZERS);
  const lr = positiveFinite(options.lr ?? 1e-3, 'lr');
  const batch = integerAtLeast(options.batch ?? 64, 'batch', 1);
  const steps = integerAtLeast(options.steps ?? 1000, 'steps', 0);
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed) || Math.abs(seed) > MAX_SEED) throw new InputError('seed', `must be an integer with |seed| ≤ 2^52, got ${String(seed)}`);
  const logEvery = integerAtLeast(options.logEvery ?? Math.max(1, Math.round(steps / 100)), 'logEvery', 1);
  const testSize = integerAtLeast(options.testSize ?? DEFAULT_TEST_SIZE, 'testSize', 0);
  const initScale = positiveFinite(options.initScale ?? RANDOM_ATTENTION_SCALE, 'initScale');
  const effectiveRtol = positiveFinite((options as TrainOptions).effectiveRtol ?? DEFAULT_EFFECTIVE_RTOL, 'effectiveRtol');
  const samplerOpt = oneOf(options.sampler ?? 'auto', 'sampler', TRAIN_SAMPLERS);
  const adamOptions = { ...ADAM_DEFAULTS, ...options.adam };
  for (const key of ['beta1', 'beta2'] as const) {
    const v = adamOptions[key];
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new InputError(`adam.${key}`, `must be in [0, 1), got ${String(v)}`);
  }
  positiveFinite(adamOptions.eps, 'adam.eps');
  const d = problem.d;
  const init = options.init ?? (model === 'lsa' || model === 'ltb' || model === 'stack' ? 'random' : 'zero');
  if (typeof init !== 'object' && init !== 'zero' && init !== 'random') throw new InputError('init', `must be 'zero', 'random' or an estimator, got ${JSON.stringify(init)}`);
  let dF = 0;
  // A stack run: its layout (architecture); null for the one-layer models.
  let shape: StackLayout | null = null;
  if (model === 'stack') {
    const layers = (options as StackTrainOptions).layers;
    if (typeof init === 'object') {
      if (init.kind !== 'stack') throw new InputError('init', `must be 'random' or a stack for model 'stack', got a '${init.kind}'`);
      shape = stackLayoutOf(init);
      if (shape.d !== d) throw new InputError('init', `has dimension ${shape.d} but the problem has d = ${d}`);
      if (layers !== undefined && layers !== shape.layers.length) throw new InputError('layers', `is ${layers} but the init stack has ${shape.layers.length} layers`);
    } else {
      if (init !== 'random') throw new InputError('init', "must be 'random' or a stack for model 'stack' (zero weights are a critical point of a stack's loss)");
      shape = stackLayout(d, layers ?? 2, { dF: options.dF ?? 1 });
    }
    const first = shape.layers.find((l) => l.kind === 'ltb');
    dF = first !== undefined && first.kind === 'ltb' ? first.dF : 0;
    if (typeof init === 'object' && options.dF !== undefined && options.dF !== dF) throw new InputError('dF', `is ${options.dF} but the init stack's first LTB layer has d_f = ${dF}`);
  } else if (model === 'ltb') {
    if (typeof init === 'object' && init.kind === 'ltb') {
      dF = init.W1.rows;
      if (options.dF !== undefined && options.dF !== dF) throw new InputError('dF', `is ${options.dF} but the init estimator has d_f = ${dF}`);
    } else dF = integerAtLeast(options.dF ?? d + 1, 'dF', 1);
  }
  const sampler: PromptSource = samplerOpt === 'auto' ? 'wishart' : samplerOpt;
  if (testSize * (d + 1) ** 2 > MAX_TEST_ENTRIES) {
    throw new InputError('testSize', `stores testSize·(d+1)² = ${(testSize * (d + 1) ** 2).toExponential(2)} numbers, over the limit ${MAX_TEST_ENTRIES.toExponential(0)} (400 MB): use at most ${Math.floor(MAX_TEST_ENTRIES / (d + 1) ** 2)}`);
  }

  const layout = shape === null ? paramLayout(model as TrainModel, d, dF) : null;
  const theta = shape !== null
    ? typeof init === 'object' ? paramsFromStack(shape, init as Stack) : randomStackParams(shape, seed, initScale)
    : initialParams(problem, layout!, init as 'zero' | 'random' | Estimator, seed, initScale);
  const nParams = theta.length;
  const toModel = (): Estimator | Stack => (shape !== null ? stackFromParams(shape, theta) : estimatorFromParams(layout!, theta));
  const initial = toModel();

  const tOpt = performance.now();
  let reference: ClassOptimum | null;
  if (options.optimum === undefined) {
    if (shape === null) reference = optimum(problem, model as TrainModel);
    else reference = shape.layers.length <= GD_MULTISTEP_MAX_STEPS ? optimum(problem, 'gd-multistep', { steps: shape.layers.length }) : null;
  } else reference = options.optimum;
  const optimumMs = options.optimum === undefined ? performance.now() - tOpt : 0;
  if (reference !== null && (typeof reference !== 'object' || !Number.isFinite(reference.risk) || typeof reference.estimator !== 'object')) {
    throw new InputError('optimum', 'must be null or { risk: finite number, estimator } (what optimum(problem, model) returns)');
  }
  const optimumRisk = reference === null ? NaN : reference.risk;
  const optimumVector = reference === null ? null : gdVector(reference.estimator);

  const testSet = testSize > 0 ? drawPromptSet(problem, testSize, seed + TEST_STREAM) : null;
  // The batch loss and gradient, and the test-set loss, of the one-layer kernel or the stack kernel.
  let lossGrad: (g: Float64Array | null) => number;
  let testLoss: () => { mean: number; stderr: number };
  if (shape === null) {
    const kernel = createKernel(problem, layout!, sampler, seed + TRAIN_STREAM);
    const evalKernel = testSet !== null ? createKernel(problem, layout!, 'direct') : null;
    lossGrad = (g) => batchLossGrad(kernel, theta, g, batch);
    testLoss = () => setLossGrad(evalKernel!, theta, testSet!);
  } else {
    const kernel = createStackKernel(problem, shape, sampler, seed + TRAIN_STREAM);
    const evalKernel = testSet !== null ? createStackKernel(problem, shape, 'direct') : null;
    lossGrad = (g) => stackBatchLossGrad(kernel, theta, g, batch);
    testLoss = () => stackSetLossGrad(evalKernel!, theta, testSet!);
  }
  const grad = new Float64Array(nParams);
  const opt = optimizerName === 'adam' ? adam(lr, nParams, adamOptions) : sgd(lr);

  const rows: TrainRow[] = [];
  let stepMs = 0;
  let logMs = 0;
  const logStack = (step: number, batchLoss: number): void => {
    const t0 = performance.now();
    const test = testSet !== null ? testLoss() : { mean: NaN, stderr: NaN };
    if (testSet !== null && !Number.isFinite(test.mean)) throw new TrainingDivergedError(step, lr, rows, `the test-set loss is ${test.mean}`);
    const row: TrainRow = {
      step, t: lr * step, batchLoss, risk: NaN, gap: NaN, testLoss: test.mean, testStderr: test.stderr,
      effectiveOk: false, effectiveReason: 'a stack is not read as a one-step GD-β', effectiveGdBeta: null, paramDistance: NaN,
      structureResidual: stackStructureResidual(stackFromParams(shape!, theta)),
    };
    rows.push(row);
    logMs += performance.now() - t0;
    options.onProgress?.(row);
  };
  const log = (step: number, batchLoss: number): void => {
    if (shape !== null) return logStack(step, batchLoss);
    const t0 = performance.now();
    const est = estimatorFromParams(layout!, theta);
    let R: number;
    try {
      R = risk(problem, est).risk;
    } catch (e) {
      if (e instanceof NumericalError) throw new TrainingDivergedError(step, lr, rows, `the exact risk is not finite (${e.reason})`);
      throw e;
    }
    const test = testSet !== null ? testLoss() : { mean: NaN, stderr: NaN };
    let effectiveOk = true;
    let effectiveReason = '';
    let reading: GdBeta | null = null;
    if (est.kind === 'lsa' || est.kind === 'ltb') {
      const r = effectiveGdBeta(est, { rtol: effectiveRtol });
      effectiveOk = r.ok;
      effectiveReason = r.ok ? '' : r.reason;
      reading = r.ok ? r.estimator : null;
    } else if (est.kind === 'gd-beta') reading = est;
    else if (est.kind === 'gd-0') reading = { kind: 'gd-beta', Gamma: est.Gamma, beta0: new Float64Array(d) };
    const row: TrainRow = {
      step, t: lr * step, batchLoss, risk: R, gap: R - optimumRisk, testLoss: test.mean, testStderr: test.stderr,
      effectiveOk, effectiveReason, effectiveGdBeta: reading, paramDistance: relativeDistance(gdVector(est), optimumVector),
      structureResidual: NaN,
    };
    rows.push(row);
    logMs += performance.now() - t0;
    options.onProgress?.(row);
  };

  for (let step = 0; step <= steps; step++) {
    const last = step === steps;
    const t0 = performance.now();
    // The last iteration only measures the batch loss at θ_N (no update follows).
    const loss = lossGrad(last ? null : grad);
    stepMs += performance.now() - t0;
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(step, lr, rows, `the batch loss is ${loss}`);
    // Row k describes θ_k, before the k-th update.
    if (step % logEvery === 0 || last) log(step, loss);
    if (!last) {
      const t1 = performance.now();
      opt.step(theta, grad);
      stepMs += performance.now() - t1;
    }
  }
  const estimator = toModel();
  const finalRisk = rows[rows.length - 1]!.risk; // the last row is θ_N
  const totalMs = performance.now() - started;
  const result = {
    optimizer: optimizerName, lr, batch, steps, seed, sampler, dF, layers: shape === null ? 1 : shape.layers.length, testSize, rows, finalRisk, optimumRisk,
    timing: { totalMs, stepMs, logMs, optimumMs, stepsPerSecond: stepMs > 0 ? (steps / stepMs) * 1000 : NaN },
  };
  // The model kind decides the type of the weights (the overloads above).
  return model === 'stack'
    ? { ...result, model, initial: initial as Stack, estimator: estimator as Stack }
    : { ...result, model, initial: initial as Estimator, estimator: estimator as Estimator };
}
