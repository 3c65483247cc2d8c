/**
 * src/train — sampled training of LSA, LTB, GD-β, GD-0 and L-layer stacks on fresh prompts with Adam or SGD,
 * measured against the exact population risk (math.md §3) and the exact gradient flow (§4) at
 * matched time t = lr·step.
 *
 * Where things are: the options, the loop, the logged rows and the result → train.ts; the forward
 * and hand-written reverse pass on raw weights, the prompt sources (direct, Wishart) → kernel.ts; the
 * same for an L-layer stack (docs/math.md §2.5: loss, analytic gradient, its parameter layout) → stack.ts;
 * the flat parameter layout ↔ estimators → layout.ts; SGD and Adam → optimizer.ts; the fast seeded
 * normal generator of the Wishart prompts → random.ts; the exact flow at matched times → flow.ts;
 * trajectory CSV and the figure → output.ts. The Wishart sampler itself lives in src/models (wishart.ts).
 *
 * Shapes: d feature dimension, p = d + 1; W^{KQ}, W^{PV} [p, p]; W₁, W₂ [d_f, p]; Γ [d, d]; β₀ [d];
 * θ the weights flattened in that order (layout.ts).
 */
export {
  train, drawPromptSet, TrainingDivergedError, TRAIN_MODELS, TRAIN_OPTIMIZERS, TRAIN_SAMPLERS, TRAIN_STREAM, TEST_STREAM,
  DEFAULT_TEST_SIZE, DEFAULT_EFFECTIVE_RTOL, MAX_TEST_ENTRIES,
} from './train.js';
export type { TrainOptions, StackTrainOptions, TrainResult, TrainRow, TrainTiming, TrainModel, TrainOptimizer } from './train.js';
export { batchLossGrad, setLossGrad, createKernel } from './kernel.js';
export type { Kernel, PromptSet, PromptSource, SetLoss } from './kernel.js';
export {
  createStackKernel, stackBatchLossGrad, stackSetLossGrad, stackLayout, stackLayoutOf, sameStackLayout, stackFromParams, paramsFromStack,
  randomStackParams, stackStructureResidual, MAX_STACK_LAYERS,
} from './stack.js';
export type { StackKernel, StackLayout, StackLayerShape, StackLayoutOptions } from './stack.js';
export { FastRng } from './random.js';
export { paramLayout, estimatorFromParams, paramsFromEstimator } from './layout.js';
export type { ParamLayout } from './layout.js';
export { adam, sgd, ADAM_DEFAULTS } from './optimizer.js';
export type { AdamOptions, Optimizer } from './optimizer.js';
export { flowRiskAt } from './flow.js';
export type { FlowRiskOptions } from './flow.js';
export { trajectoryCsv, trainingFigure, writeTraining, TRAJECTORY_COLUMNS } from './output.js';
export type { WrittenTraining, AnyTrainResult } from './output.js';
