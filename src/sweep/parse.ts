/**
 * Parsing and validating a grid JSON (the shape is documented in grid.ts): every field checked, errors
 * naming the field (`axes.M[2]`, `task.class`), estimator files read and inlined.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InputError } from '../errors.js';
import {
  isProblemParam, isRecord, MAX_GRID_POINTS, PROBLEM_DEFAULTS, PROBLEM_PARAMS, validateProblemParam, type Axis, type Grid, type GridJSON,
  type GridValue, type ProblemParams,
} from './grid.js';
import { TASK_KINDS, taskOptionKeys, validateTask, validateTaskField, type TaskKind, type TaskSpec } from './taskSpec.js';

/** Options of {@link parseGrid}. */
export interface ParseGridOptions {
  /**
   * Directory that relative file paths in the grid (a risk task's `estimator` file) are resolved
   * against — the grid file's directory. @defaultValue process.cwd()
   */
  readonly baseDir?: string;
}

const GRID_KEYS = ['name', 'description', 'base', 'axes', 'task', 'seed'] as const;

/** Reads a grid's estimator file into the grid JSON (workers then need no file access). */
function inlineEstimator(task: Record<string, unknown>, field: string, baseDir: string): Record<string, unknown> {
  const e = task.estimator;
  if (typeof e !== 'string') return task;
  const path = isAbsolute(e) ? e : resolve(baseDir, e);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(field, code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path} (${code ?? String(err)})`);
  }
  try {
    return { ...task, estimator: JSON.parse(text) as unknown };
  } catch (err) {
    throw new InputError(field, `${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Validates a grid JSON value. Throws an {@link InputError} naming the field (`axes.M[2]`,
 * `task.class`, `seed`) and the reason. Estimator files named by the task are read here (relative
 * to `baseDir`) and inlined, so a missing file fails before any point runs.
 */
export function parseGrid(value: unknown, options: ParseGridOptions = {}): Grid {
  const { baseDir = process.cwd() } = options;
  if (!isRecord(value)) throw new InputError('grid', 'must be a JSON object {"base", "axes", "task", "seed"}');
  for (const k of Object.keys(value)) {
    if (!(GRID_KEYS as readonly string[]).includes(k)) throw new InputError(k, `unknown grid field (allowed: ${GRID_KEYS.join(', ')})`);
  }
  const name = value.name ?? '';
  if (typeof name !== 'string') throw new InputError('name', 'must be a string');
  if (value.description !== undefined && typeof value.description !== 'string') throw new InputError('description', 'must be a string');
  const seed = value.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new InputError('seed', `must be a non-negative integer, got ${JSON.stringify(seed)}`);

  if (value.task === undefined) throw new InputError('task', `is required: {"kind": ${TASK_KINDS.map((k) => `"${k}"`).join(' | ')}, …}`);
  if (!isRecord(value.task)) throw new InputError('task', 'must be an object {"kind": …, …options}');
  const kind = value.task.kind;
  if (typeof kind !== 'string' || !(TASK_KINDS as readonly string[]).includes(kind)) {
    throw new InputError('task.kind', `must be one of ${TASK_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const taskKind = kind as TaskKind;
  const taskKeys = taskOptionKeys(taskKind);
  const rawTask = inlineEstimator(value.task, 'task.estimator', baseDir);
  for (const [k, v] of Object.entries(rawTask)) {
    if (k === 'kind') continue;
    if (!taskKeys.includes(k)) throw new InputError(`task.${k}`, `not an option of task '${taskKind}' (its options: ${taskKeys.join(', ') || 'none'})`);
    validateTaskField(taskKind, k, v, `task.${k}`);
  }

  // base: problem parameters, and task options (moved into the task).
  const baseRaw = value.base ?? {};
  if (!isRecord(baseRaw)) throw new InputError('base', 'must be an object of problem parameters');
  const base: Record<string, GridValue> = { ...PROBLEM_DEFAULTS };
  const task: Record<string, unknown> = { ...rawTask };
  for (const [k, v] of Object.entries(baseRaw)) {
    if (isProblemParam(k)) base[k] = validateProblemParam(k, v, `base.${k}`);
    else if (taskKeys.includes(k)) task[k] = validateTaskField(taskKind, k, v, `base.${k}`);
    else throw new InputError(`base.${k}`, unknownParam(k, taskKind, taskKeys));
  }

  const axesRaw = value.axes ?? {};
  if (!isRecord(axesRaw)) throw new InputError('axes', 'must be an object: parameter name → list of values');
  const axes: Axis[] = [];
  let size = 1;
  for (const [k, vs] of Object.entries(axesRaw)) {
    const field = `axes.${k}`;
    if (!isProblemParam(k) && !taskKeys.includes(k)) throw new InputError(field, unknownParam(k, taskKind, taskKeys));
    if (Object.hasOwn(baseRaw, k)) throw new InputError(field, `is also set in base.${k}: give it in one place`);
    if (!Array.isArray(vs) || vs.length === 0) throw new InputError(field, 'must be a non-empty list of values');
    const values = vs.map((v, j) => (isProblemParam(k) ? validateProblemParam(k, v, `${field}[${j}]`) : validateTaskField(taskKind, k, v, `${field}[${j}]`) as GridValue));
    const seen = new Set<string>();
    values.forEach((v, j) => {
      const s = JSON.stringify(v);
      // A repeated value would make two points with equal coordinates: one result would shadow the other.
      if (seen.has(s)) throw new InputError(`${field}[${j}]`, `repeats the value ${s}`);
      seen.add(s);
    });
    axes.push({ name: k, values });
    size *= values.length;
    if (size > MAX_GRID_POINTS) throw new InputError('axes', `the grid has more than ${MAX_GRID_POINTS} points: split it`);
  }
  // The task must be complete at every point: check it with the first value of each task axis.
  const probe: Record<string, unknown> = { ...task };
  for (const a of axes) if (!isProblemParam(a.name)) probe[a.name] = a.values[0];
  validateTask(taskKind, probe, 'task');

  const json: GridJSON = {
    ...(name !== '' ? { name } : {}),
    ...(typeof value.description === 'string' ? { description: value.description } : {}),
    ...(value.base !== undefined ? { base: baseRaw as Record<string, GridValue> } : {}),
    axes: axesRaw as Record<string, GridValue[]>,
    task: rawTask,
    seed,
  };
  return { name, base: base as unknown as ProblemParams, task: { ...task, kind: taskKind } as TaskSpec, axes, seed, size, json };
}

function unknownParam(k: string, kind: TaskKind, taskKeys: readonly string[]): string {
  return `not a problem parameter (${PROBLEM_PARAMS.join(', ')}) nor an option of task '${kind}' (${taskKeys.join(', ') || 'none'})`;
}

