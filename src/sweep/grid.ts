/**
 * The sweep grid: a base problem, axes (lists of values) over problem parameters and task options,
 * one task, and a base seed. Its types, point enumeration (cartesian product, first axis slowest),
 * per-point seeds and keys, shards, and the problem each point stands for; parsing and validation
 * are in parse.ts (kept apart so that worker threads, which receive a parsed grid, load neither the
 * task validators nor what they import).
 *
 * Grid JSON (every field is validated; errors name the field, e.g. `axes.M[2]`):
 *
 * ```json
 * {
 *   "name": "risk vs M",
 *   "base": { "d": 5, "sigma2": 0.25, "psi2": 1, "betaNorm": 10, "cond": 1, "masked": true },
 *   "axes": { "M": [5, 10, 20, 40], "class": ["gd-beta", "gd-0"] },
 *   "task": { "kind": "risk" },
 *   "seed": 1
 * }
 * ```
 *
 * A point's parameters are `base` overridden by its coordinates; a coordinate may name a problem
 * parameter ({@link PROBLEM_PARAMS}) or an option of the task (e.g. `class`), which then
 * overrides the task's own field.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { Rng } from '../linalg/index.js';
import { MAX_D, MAX_M, type ProblemSpec } from '../models/index.js';
import type { TaskSpec } from './taskSpec.js';

/** A value a grid axis may take. */
export type GridValue = number | boolean | string;

/**
 * The problem parameters of a grid point (math.md §1), in the sweep's scalar form.
 * H = diag(λ) with cond(H) = `cond` and geometric-mean eigenvalue 1; Ψ = ψ²·I; β* = (‖β*‖/√d)·1.
 */
export interface ProblemParams {
  /** Feature dimension d. @defaultValue 5 */
  readonly d: number;
  /** Context length M. @defaultValue 20 */
  readonly M: number;
  /** Label-noise variance σ². @defaultValue 0 */
  readonly sigma2: number;
  /** ψ² in Ψ = ψ²·I. @defaultValue 1 */
  readonly psi2: number;
  /** ‖β*‖ (Euclidean); β* points along (1, …, 1)/√d. @defaultValue 0 */
  readonly betaNorm: number;
  /** cond(H) = λ_max/λ_min ≥ 1. @defaultValue 1 (H = I) */
  readonly cond: number;
  /**
   * How the eigenvalues of H fill [cond^{-1/2}, cond^{1/2}]: `'log-spaced'` (evenly in log λ) or
   * `'log-uniform'` (the two ends fixed, the d − 2 others drawn log-uniformly from the point's seed).
   * @defaultValue 'log-spaced'
   */
  readonly spectrum: Spectrum;
  /** Attention mask (math.md (2.2)). @defaultValue true */
  readonly masked: boolean;
}

/** How the spectrum of H is laid out between its extreme eigenvalues. */
export type Spectrum = 'log-spaced' | 'log-uniform';

/** The spectrum layouts, for validation and help. */
export const SPECTRA: readonly Spectrum[] = ['log-spaced', 'log-uniform'];

/** The problem parameters an axis or `base` may set, with their defaults. */
export const PROBLEM_DEFAULTS: ProblemParams = { d: 5, M: 20, sigma2: 0, psi2: 1, betaNorm: 0, cond: 1, spectrum: 'log-spaced', masked: true };

/** Names of the problem parameters ({@link ProblemParams}). */
export const PROBLEM_PARAMS: readonly (keyof ProblemParams)[] = Object.keys(PROBLEM_DEFAULTS) as (keyof ProblemParams)[];

/** Largest number of points a grid may have (a line each: 10⁷ lines is already gigabytes). */
export const MAX_GRID_POINTS = 10_000_000;

/** One axis: a parameter name and its values, in the order given. */
export interface Axis {
  /** A problem parameter or a task option. */
  readonly name: string;
  /** The values, at least one; no duplicates. */
  readonly values: readonly GridValue[];
}

/** A validated grid. */
export interface Grid {
  /** Free-text name, for the user (not part of any point's key). @defaultValue '' */
  readonly name: string;
  /** Problem parameters of every point before the axes apply (defaults filled in). */
  readonly base: ProblemParams;
  /** Task options in `base` (e.g. `class`), before the axes apply. */
  readonly task: TaskSpec;
  /** The axes, first one slowest. */
  readonly axes: readonly Axis[];
  /** Base seed: point i's seed is {@link pointSeed}(seed, i). @defaultValue 1 */
  readonly seed: number;
  /** Number of points: the product of the axis lengths (1 with no axes). */
  readonly size: number;
  /** The grid JSON as written, estimator files inlined (a self-contained copy of the grid). */
  readonly json: GridJSON;
}

/** The grid JSON shape (see the module comment). */
export interface GridJSON {
  /** Free text. */
  readonly name?: string;
  /** Free text. */
  readonly description?: string;
  /** Problem parameters (and task options) shared by every point. */
  readonly base?: Readonly<Record<string, GridValue>>;
  /** Axes: parameter name → list of values; the cartesian product is the grid, first axis slowest. */
  readonly axes?: Readonly<Record<string, readonly GridValue[]>>;
  /** The task run at every point. */
  readonly task: Readonly<Record<string, unknown>>;
  /** Base seed (a non-negative safe integer). @defaultValue 1 */
  readonly seed?: number;
}

/** One point of the grid: where it is, its seed and key, what problem and task it runs. */
export interface GridPoint {
  /** Index in the grid, 0-based, in enumeration order (first axis slowest). */
  readonly index: number;
  /** The coordinates: axis name → value (empty with no axes). */
  readonly coords: Readonly<Record<string, GridValue>>;
  /** The point's seed, derived from the grid's seed and the index ({@link pointSeed}). */
  readonly seed: number;
  /** Hash of everything the point's result depends on ({@link pointKey}). */
  readonly key: string;
  /** The problem parameters (base + coordinates). */
  readonly params: ProblemParams;
  /** The task with the coordinates' task options applied. */
  readonly task: TaskSpec;
}

/** A JSON object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates one problem parameter; throws an {@link InputError} at `field`. Only what can be said
 * of one value is checked here; what depends on several (H's eigenvalues overflowing, say) is
 * found when the point's problem is built and is recorded as that point's error.
 */
export function validateProblemParam(name: keyof ProblemParams, value: unknown, field: string): GridValue {
  const num = (): number => {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(field, `must be a finite number, got ${JSON.stringify(value)}`);
    return value;
  };
  switch (name) {
    case 'd': {
      const x = num();
      if (!Number.isInteger(x) || x < 1 || x > MAX_D) throw new InputError(field, `must be an integer in [1, ${MAX_D}], got ${x}`);
      return x;
    }
    case 'M': {
      const x = num();
      if (!Number.isInteger(x) || x < 1 || x > MAX_M) throw new InputError(field, `must be an integer in [1, 2^40], got ${x}`);
      return x;
    }
    case 'sigma2':
    case 'psi2':
    case 'betaNorm': {
      const x = num();
      if (x < 0) throw new InputError(field, `must be ≥ 0, got ${x}`);
      return x;
    }
    case 'cond': {
      const x = num();
      if (x < 1) throw new InputError(field, `must be ≥ 1 (λ_max/λ_min), got ${x}`);
      return x;
    }
    case 'spectrum':
      if (typeof value !== 'string' || !(SPECTRA as readonly string[]).includes(value)) {
        throw new InputError(field, `must be one of ${SPECTRA.join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'masked':
      if (typeof value !== 'boolean') throw new InputError(field, `must be true or false, got ${JSON.stringify(value)}`);
      return value;
  }
}

/** Whether a grid key names a problem parameter (else it is a task option). */
export function isProblemParam(name: string): name is keyof ProblemParams {
  return (PROBLEM_PARAMS as readonly string[]).includes(name);
}


/**
 * The seed of point `index` of a grid with base seed `seed`: a splitmix32-style mix of both, in
 * [0, 2³²). Deterministic and independent of sharding and worker count, so a point's result
 * depends only on the grid and its index; neighbouring indices get unrelated seeds.
 */
export function pointSeed(seed: number, index: number): number {
  // Fold the (up to 53-bit) base seed and the index into 32-bit words, then mix (splitmix32 finaliser).
  let h = (Math.imul(seed >>> 0, 0x9e3779b9) ^ Math.floor(seed / 2 ** 32)) >>> 0;
  h = (h + Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x21f0aaad);
  h ^= h >>> 15;
  h = Math.imul(h, 0x735a2d97);
  h ^= h >>> 15;
  return h >>> 0;
}

/** JSON with object keys sorted at every level: equal values give equal strings. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isRecord(v)) {
    return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The key of a point: the first 16 hex digits of the SHA-256 of its index, problem parameters,
 * task and seed. `--resume` and `sweep merge` identify a point by index *and* key, so a result
 * file written for another grid (or another base, task or seed) is recognised as foreign.
 */
export function pointKey(index: number, params: ProblemParams, task: TaskSpec, seed: number): string {
  return createHash('sha256').update(canonicalJson({ index, params, task, seed })).digest('hex').slice(0, 16);
}

/** Point `index` of the grid (0 ≤ index < grid.size). */
export function gridPoint(grid: Grid, index: number): GridPoint {
  if (!Number.isInteger(index) || index < 0 || index >= grid.size) throw new RangeError(`gridPoint: index must be in [0, ${grid.size}), got ${index}`);
  const coords: Record<string, GridValue> = {};
  const params: Record<string, GridValue> = { ...grid.base };
  const task: Record<string, unknown> = { ...grid.task };
  // Mixed radix, last axis fastest.
  let rest = index;
  for (let a = grid.axes.length - 1; a >= 0; a--) {
    const axis = grid.axes[a]!;
    const v = axis.values[rest % axis.values.length]!;
    rest = Math.floor(rest / axis.values.length);
    coords[axis.name] = v;
    if (isProblemParam(axis.name)) params[axis.name] = v;
    else task[axis.name] = v;
  }
  // Coordinates in axis order (the loop above filled them backwards).
  const ordered: Record<string, GridValue> = {};
  for (const axis of grid.axes) ordered[axis.name] = coords[axis.name]!;
  const seed = pointSeed(grid.seed, index);
  const p = params as unknown as ProblemParams;
  const t = task as unknown as TaskSpec;
  return { index, coords: ordered, seed, key: pointKey(index, p, t, seed), params: p, task: t };
}

/** A shard: `index` of `count` (0-based, like SLURM_ARRAY_TASK_ID). */
export interface Shard {
  /** 0 ≤ index < count. */
  readonly index: number;
  /** Number of shards, ≥ 1. */
  readonly count: number;
}

/** Parses `i/n` (0 ≤ i < n); the error names `field`. */
export function parseShard(text: string, field = 'shard'): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new InputError(field, `must be i/n with 0 ≤ i < n (e.g. 0/4, as $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT), got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new InputError(field, `n must be ≥ 1, got '${text}'`);
  if (index >= count) throw new InputError(field, `i must be < n (shards are 0-based), got '${text}'`);
  return { index, count };
}

/**
 * The indices of a shard: i, i + n, i + 2n, … (round-robin). The n shards partition the grid
 * exactly; round-robin rather than contiguous blocks because cost usually grows along an axis
 * (d, M, cond), and blocks would give the last shard all the expensive points.
 */
export function shardIndices(size: number, shard: Shard): number[] {
  const out: number[] = [];
  for (let i = shard.index; i < size; i += shard.count) out.push(i);
  return out;
}

/**
 * The eigenvalues of H for a point, ascending: geometric mean 1, λ_max/λ_min = cond. Log-spaced, or
 * with the ends fixed and the interior log-uniform from the point's seed (sorted).
 */
export function spectrumOf(params: ProblemParams, seed: number): number[] {
  const { d, cond, spectrum } = params;
  if (d === 1) return [1];
  const lc = Math.log(cond);
  let t: number[];
  if (spectrum === 'log-spaced') {
    t = Array.from({ length: d }, (_, i) => i / (d - 1));
  } else {
    const rng = new Rng(seed);
    const inner = Array.from({ length: d - 2 }, () => rng.uniform()).sort((a, b) => a - b);
    t = [0, ...inner, 1];
  }
  return t.map((ti) => Math.exp(lc * (ti - 0.5)));
}

/** The problem JSON of a point (for {@link makeProblem}): H = diag(spectrum), Ψ = ψ²I, β* = (‖β*‖/√d)·1. */
export function problemSpecOf(params: ProblemParams, seed: number): ProblemSpec {
  const { d, M, sigma2, psi2, betaNorm, masked } = params;
  return { d, M, H: spectrumOf(params, seed), Psi: psi2, betaStar: betaNorm / Math.sqrt(d), sigma2, masked };
}
