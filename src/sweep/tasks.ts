/**
 * What each task computes at a grid point: one function per kind in {@link TASKS}, each returning
 * the point's result fields (plain JSON: numbers, strings, booleans, null). Timing is not a result
 * field: it goes to the line's `timing`, so results are bitwise reproducible.
 */
import { failureKindOf, InputError, type FailureKind } from '../errors.js';
import { flowMeasures, runFlow } from '../flow/index.js';
import { makeProblem, parseEstimator, type Problem } from '../models/index.js';
import { optimum } from '../optimum/index.js';
import { risk, optimumGd0, optimumGdBeta } from '../risk/index.js';
import { gridPoint, problemSpecOf, type Grid, type GridPoint } from './grid.js';
import type { FlowTask, OptimumTask, RiskTask, TaskKind, TaskSpec, TrainTask, VerifyTask } from './taskSpec.js';

/** A point's result fields. */
export type TaskResult = Readonly<Record<string, unknown>>;

/**
 * Runs one task kind on a point's problem with the point's seed. Asynchronous only so that a runner
 * can load its area when first used (verify and train bring src/report's vega, ≈ 0.7 s of CPU per
 * thread): the computation itself is synchronous.
 */
type TaskRunner<T extends TaskSpec> = (problem: Problem, task: T, seed: number) => TaskResult | Promise<TaskResult>;

function riskTask(problem: Problem, task: RiskTask): TaskResult {
  if (task.class !== undefined) {
    const opt = task.class === 'gd-beta' ? optimumGdBeta(problem) : optimumGd0(problem);
    const r = risk(problem, opt.estimator);
    return { estimator: task.class, risk: r.risk, gradNorm: r.gradNorm };
  }
  let est;
  try {
    est = parseEstimator(task.estimator, problem.d);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`task.estimator.${e.field}`, e.reason);
    throw e;
  }
  const r = risk(problem, est);
  return { estimator: est.kind, risk: r.risk, gradNorm: r.gradNorm };
}

function optimumTask(problem: Problem, task: OptimumTask, seed: number): TaskResult {
  if (task.class === 'gd-multistep') {
    const m = optimum(problem, 'gd-multistep', { steps: task.steps, seed });
    return { risk: m.risk, steps: m.steps, gradNorm: m.gradNorm, spread: m.spread, best: m.best, starts: m.starts.length };
  }
  const opt = optimum(problem, task.class, { seed, ...(task.maxDimension !== undefined ? { maxDimension: task.maxDimension } : {}) });
  if (opt.kind === 'gd-beta' || opt.kind === 'gd-0') return { risk: opt.risk };
  return {
    risk: opt.risk, gradNorm: opt.gradNorm, spread: opt.spread, best: opt.best, starts: opt.starts.length,
    effectiveGdBeta: opt.effectiveGdBeta.ok,
  };
}

function flowTask(problem: Problem, task: FlowTask, seed: number): TaskResult {
  const { kind: _kind, ...options } = task;
  void _kind;
  const run = runFlow(problem, { ...options, seed });
  const m = flowMeasures(problem, run);
  return {
    status: run.status, method: run.method, finalRisk: m.finalRisk, optimalRisk: run.optimalRisk, gap: m.gap,
    distanceToOptimum: m.distanceToOptimum, measuredRate: m.measuredRate, predictedRate: m.predictedRate,
    t: run.t, steps: run.steps, rejected: run.rejected, nfev: run.nfev,
  };
}

/**
 * src/train's `train` with the point's seed. The result is the end of the run: the exact final risk,
 * the class optimum's, their gap, and the last logged row's test loss and effective-GD-β reading.
 */
async function trainTask(problem: Problem, task: TrainTask, seed: number): Promise<TaskResult> {
  const { train } = await import('../train/index.js');
  const { kind: _kind, ...options } = task;
  void _kind;
  const r = train(problem, { ...options, seed });
  const last = r.rows[r.rows.length - 1];
  return {
    model: r.model, optimizer: r.optimizer, lr: r.lr, batch: r.batch, steps: r.steps, sampler: r.sampler,
    finalRisk: r.finalRisk, optimumRisk: r.optimumRisk, gap: r.finalRisk - r.optimumRisk,
    testLoss: last?.testLoss ?? null, testStderr: last?.testStderr ?? null, effectiveOk: last?.effectiveOk ?? null,
  };
}

async function verifyTask(problem: Problem, task: VerifyTask, seed: number): Promise<TaskResult> {
  const { CLAIMS, claimContext } = await import('../verify/index.js');
  const spec = CLAIMS.find((c) => c.id === task.claim);
  if (spec === undefined) throw new InputError('task.claim', `unknown claim '${task.claim}'`);
  const why = spec.applies(problem);
  if (why !== null) throw new InputError('task.claim', `${task.claim} does not apply to this point: ${why}`);
  const ctx = claimContext({ seed, ...(task.bayesSamples !== undefined ? { bayesSamples: task.bayesSamples } : {}), ...(task.mcSamples !== undefined ? { mcSamples: task.mcSamples } : {}) });
  const results = spec.run(problem, 'point', ctx);
  const failedToRun = results.find((r) => r.error !== undefined);
  return {
    claim: task.claim,
    // A check that could not be carried out is neither pass nor fail: null, with the error kept.
    pass: failedToRun !== undefined ? null : results.every((r) => r.pass),
    checks: results.map((r) => ({
      id: r.id, pass: r.pass, measured: r.measured, tolerance: r.tolerance,
      ...(r.note !== undefined ? { note: r.note } : {}), ...(r.error !== undefined ? { error: r.error } : {}),
    })),
  };
}

/** The runner of each task kind. */
export const TASKS: { readonly [K in TaskKind]: TaskRunner<Extract<TaskSpec, { kind: K }>> } = {
  risk: riskTask,
  optimum: optimumTask,
  flow: flowTask,
  train: trainTask,
  verify: verifyTask,
};

/** Runs the point's task on its problem (rejects with what the library throws). */
export async function runTask(point: GridPoint): Promise<TaskResult> {
  const problem = makeProblem(problemSpecOf(point.params, point.seed));
  const task = point.task;
  // The union is narrowed per kind through the table's mapped type.
  const runner = TASKS[task.kind] as TaskRunner<TaskSpec>;
  return runner(problem, task, point.seed);
}

/** How a point failed: the user's input (exit-2 kind), a numerical failure (exit-3 kind), or a bug. */
export type PointErrorKind = FailureKind;

/** The kind of an error thrown at a point: the CLI's exit-code classes ({@link failureKindOf}). */
export const errorKindOf = failureKindOf;

/** Runs point `index` of a grid (convenience for one point without a pool). */
export function runPointTask(grid: Grid, index: number): Promise<TaskResult> {
  return runTask(gridPoint(grid, index));
}
