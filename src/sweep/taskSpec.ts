/**
 * The tasks a sweep runs at each grid point, as data: a discriminated union on `kind`, the option
 * keys of each kind and their validators. What each task computes is in tasks.ts.
 */
import { InputError } from '../errors.js';
import { FLOW_METHODS, FLOW_MODELS, type FlowMethod, type FlowModel } from '../flow/index.js';
import { OPTIMUM_CLASSES, type OptimumClass } from '../optimum/index.js';
import { GD_MULTISTEP_MAX_STEPS } from '../risk/index.js';
import { TRAIN_MODELS, TRAIN_OPTIMIZERS, TRAIN_SAMPLERS, type TrainModel, type TrainOptimizer } from '../train/index.js';
import { CLAIM_IDS } from '../verify/index.js';

/** The risk of an estimator: the closed-form optimum of `class`, or the given `estimator`. */
export interface RiskTask {
  readonly kind: 'risk';
  /** The class whose closed-form optimum is evaluated (exclusive with `estimator`). */
  readonly class?: 'gd-beta' | 'gd-0';
  /**
   * An estimator JSON (README "Problem and estimator files"), or in the grid file a path to one,
   * relative to the grid file (read once, when the grid is parsed). Its size must match every d.
   */
  readonly estimator?: unknown;
}

/**
 * The optimum of a class (closed form for GD-β/GD-0, numerical multi-start for LSA/LTB and for
 * L-step GD-β, `gd-multistep` with `steps` — which can be an axis).
 */
export interface OptimumTask {
  readonly kind: 'optimum';
  /** The class. */
  readonly class: OptimumClass;
  /** The number of GD steps L of `gd-multistep`, 1…3 (required there, refused elsewhere). */
  readonly steps?: number;
  /** Largest d accepted for LSA/LTB. @defaultValue 100 (src/optimum's `MAX_DIMENSION`) */
  readonly maxDimension?: number;
}

/** An exact population gradient flow, run until converged (src/flow's `runFlow`, no `tEnd`). */
export interface FlowTask {
  readonly kind: 'flow';
  /** Which flow. @defaultValue 'gd-beta' */
  readonly model?: FlowModel;
  /** ODE method. @defaultValue 'auto' */
  readonly method?: FlowMethod;
  /** Relative tolerance. @defaultValue 1e-8 (`DEFAULT_RTOL`) */
  readonly rtol?: number;
  /** Absolute tolerance. @defaultValue 1e-12 (`DEFAULT_ATOL`) */
  readonly atol?: number;
  /** Step attempts cap. @defaultValue 100 000 */
  readonly maxSteps?: number;
  /** Relative gap target of the convergence test. @defaultValue 1e-10 (`DEFAULT_CONVERGED_GAP`) */
  readonly convergedGap?: number;
  /** Relative parameter tolerance of the convergence test (GD flows). @defaultValue 1e-8 (`DEFAULT_CONVERGED_DISTANCE`) */
  readonly convergedDistance?: number;
}

/**
 * Training on sampled prompts through src/train's `train(problem, options)` with the point's seed;
 * every field is a `TrainOptions` field (its defaults apply), so any of them can be an axis.
 */
export interface TrainTask {
  readonly kind: 'train';
  /** The model trained. @defaultValue 'ltb' */
  readonly model?: TrainModel;
  /** The optimizer. @defaultValue 'adam' */
  readonly optimizer?: TrainOptimizer;
  /** Step size (SGD) or learning rate (Adam). @defaultValue 1e-3 */
  readonly lr?: number;
  /** Prompts per step. @defaultValue 64 */
  readonly batch?: number;
  /** Optimizer steps. @defaultValue 1000 */
  readonly steps?: number;
  /** Start: 'zero' or 'random'. @defaultValue 'random' for LSA/LTB, 'zero' for GD-β/GD-0 */
  readonly init?: 'zero' | 'random';
  /** Scale of a random LSA/LTB start. @defaultValue 0.1 */
  readonly initScale?: number;
  /** LTB MLP width d_f. @defaultValue d + 1 */
  readonly dF?: number;
  /** Size of the fixed test set (0: none). @defaultValue 1000 */
  readonly testSize?: number;
  /** Prompt source. @defaultValue 'auto' */
  readonly sampler?: (typeof TRAIN_SAMPLERS)[number];
  /** Log a row every this many steps (the result reports the last). @defaultValue max(1, round(steps/100)) */
  readonly logEvery?: number;
}

/** One claim of the catalogue (docs/math.md §5.1) checked on the point's problem. */
export interface VerifyTask {
  readonly kind: 'verify';
  /** Catalogue id, e.g. `ZWB-1` (src/verify's `CLAIM_IDS`). */
  readonly claim: string;
  /** Wishart draws of the Bayes estimate (ZWB-4). @defaultValue 20000 */
  readonly bayesSamples?: number;
  /** Prompts of the Monte Carlo checks (MHM-NL). @defaultValue 40000 */
  readonly mcSamples?: number;
}

/** A sweep task, discriminated by `kind`. */
export type TaskSpec = RiskTask | OptimumTask | FlowTask | TrainTask | VerifyTask;

/** The task kinds. */
export type TaskKind = TaskSpec['kind'];

/** Every task kind, in help order. */
export const TASK_KINDS: readonly TaskKind[] = ['risk', 'optimum', 'flow', 'train', 'verify'];

type FieldCheck = (v: unknown, field: string) => unknown;

const oneOf = (values: readonly string[]): FieldCheck => (v, field) => {
  if (typeof v !== 'string' || !values.includes(v)) throw new InputError(field, `must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
  return v;
};
const positive: FieldCheck = (v, field) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new InputError(field, `must be a positive number, got ${JSON.stringify(v)}`);
  return v;
};
const intIn = (min: number, max: number): FieldCheck => (v, field) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new InputError(field, `must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
};
const estimatorJson: FieldCheck = (v, field) => {
  // The estimator is validated against each point's d when the point runs (d may be an axis).
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(field, 'must be an estimator object {"kind": …} or a path to an estimator JSON file');
  return v;
};

/** The options of each task kind and the check of each (keys = what `task`, `base` and `axes` may set). */
const TASK_FIELDS: Readonly<Record<TaskKind, Readonly<Record<string, FieldCheck>>>> = {
  risk: { class: oneOf(['gd-beta', 'gd-0']), estimator: estimatorJson },
  optimum: { class: oneOf(OPTIMUM_CLASSES), steps: intIn(1, GD_MULTISTEP_MAX_STEPS), maxDimension: intIn(1, 1000) },
  flow: {
    model: oneOf(FLOW_MODELS), method: oneOf(FLOW_METHODS), rtol: positive, atol: positive, maxSteps: intIn(1, 1e9),
    convergedGap: positive, convergedDistance: positive,
  },
  train: {
    model: oneOf(TRAIN_MODELS), optimizer: oneOf(TRAIN_OPTIMIZERS), lr: positive, batch: intIn(1, 1e9), steps: intIn(0, 1e9),
    init: oneOf(['zero', 'random']), initScale: positive, dF: intIn(1, 1e6), testSize: intIn(0, 1e9), sampler: oneOf(TRAIN_SAMPLERS),
    logEvery: intIn(1, 1e9),
  },
  verify: { claim: oneOf(CLAIM_IDS), bayesSamples: intIn(1, 1e9), mcSamples: intIn(1, 1e9) },
};

/** The option keys of a task kind. */
export function taskOptionKeys(kind: TaskKind): readonly string[] {
  return Object.keys(TASK_FIELDS[kind]);
}

/** Validates one task option; returns it; throws an {@link InputError} at `field`. */
export function validateTaskField(kind: TaskKind, key: string, value: unknown, field: string): unknown {
  const check = TASK_FIELDS[kind][key];
  if (check === undefined) throw new InputError(field, `not an option of task '${kind}'`);
  return check(value, field);
}

/** Checks what involves several fields of a complete task (required fields, exclusive pairs). */
export function validateTask(kind: TaskKind, task: Readonly<Record<string, unknown>>, field: string): void {
  switch (kind) {
    case 'risk':
      if ((task.class === undefined) === (task.estimator === undefined)) {
        throw new InputError(`${field}.class`, 'give exactly one of class ("gd-beta" | "gd-0": its closed-form optimum) and estimator (a file or an estimator object)');
      }
      return;
    case 'optimum':
      if (task.class === undefined) throw new InputError(`${field}.class`, `is required: one of ${OPTIMUM_CLASSES.join(', ')}`);
      if (task.class === 'gd-multistep' && task.steps === undefined) {
        throw new InputError(`${field}.steps`, `is required with class gd-multistep (the number of GD steps L, 1..${GD_MULTISTEP_MAX_STEPS}; it may be an axis)`);
      }
      if (task.class !== 'gd-multistep' && task.steps !== undefined) throw new InputError(`${field}.steps`, `applies to class gd-multistep only, not to ${String(task.class)}`);
      return;
    case 'verify':
      if (task.claim === undefined) throw new InputError(`${field}.claim`, `is required: one of ${CLAIM_IDS.join(', ')}`);
      return;
    case 'train':
    case 'flow':
      return;
  }
}
