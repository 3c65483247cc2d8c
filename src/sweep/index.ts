/**
 * src/sweep — parameter sweeps: a grid (a base problem, axes over problem parameters and task
 * options, one task, a base seed) run point by point on worker threads, one JSON line per point;
 * deterministic shards for array jobs (Slurm), resume after a kill, merging, figures.
 *
 * Where things are: the grid's types, points, seeds, keys, shards and each point's problem → grid.ts;
 * parsing and validating the grid JSON → parse.ts;
 * the task kinds as data → taskSpec.ts; what each task computes → tasks.ts; one point → its line
 * → point.ts; the worker pool and appending → run.ts (thread entry worker.ts); result files,
 * repair and merge → results.ts; figures → plot.ts.
 */
export {
  gridPoint, pointSeed, pointKey, canonicalJson, parseShard, shardIndices, spectrumOf, problemSpecOf, validateProblemParam,
  PROBLEM_DEFAULTS, PROBLEM_PARAMS, SPECTRA, MAX_GRID_POINTS,
} from './grid.js';
export type { Grid, GridJSON, GridPoint, GridValue, Axis, ProblemParams, Spectrum, Shard } from './grid.js';
export { parseGrid } from './parse.js';
export type { ParseGridOptions } from './parse.js';
export { TASK_KINDS, taskOptionKeys } from './taskSpec.js';
export type { TaskSpec, TaskKind, RiskTask, OptimumTask, FlowTask, TrainTask, VerifyTask } from './taskSpec.js';
export { TASKS, runTask, runPointTask, errorKindOf } from './tasks.js';
export type { TaskResult, PointErrorKind } from './tasks.js';
export { runPoint } from './point.js';
export type { PointRunner } from './point.js';
export { runSweep } from './run.js';
export type { SweepOptions, SweepSummary, SweepProgress } from './run.js';
export { formatLine, lineOutcome, readResultFile, truncateResultFile, checkLineAgainstGrid, mergeResults, LINE_STATUSES } from './results.js';
export type { ResultLine, OkLine, ErrorLine, LineTiming, ResultFile, MergeResult } from './results.js';
export { sweepFigure, lineValue } from './plot.js';
export type { SweepFigureOptions } from './plot.js';
export { packageVersion } from './version.js';
