/** One grid point, run and turned into its result line (in a worker thread, or inline). */
import { gridPoint, type Grid } from './grid.js';
import type { ResultLine } from './results.js';
import { errorKindOf, runTask } from './tasks.js';

/** Who ran the point, for the line's version and timing. */
export interface PointRunner {
  /** Worker number (0-based). */
  readonly worker: number;
  /** Package version. */
  readonly version: string;
}

/**
 * Runs point `index` of the grid and returns its line. Never throws for the task's own failures:
 * they become an `error` line (kind input / numerical / internal, first line of the message), so one
 * bad point cannot stop a sweep.
 */
export async function runPoint(grid: Grid, index: number, runner: PointRunner): Promise<ResultLine> {
  const point = gridPoint(grid, index);
  const common = { index, key: point.key, coords: point.coords, seed: point.seed, task: point.task.kind, version: runner.version };
  const t0 = performance.now();
  try {
    const result = await runTask(point);
    const timing = { ms: performance.now() - t0, worker: runner.worker, finishedAt: new Date().toISOString() };
    return { ...common, status: 'ok', result, timing };
  } catch (e) {
    const timing = { ms: performance.now() - t0, worker: runner.worker, finishedAt: new Date().toISOString() };
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    return { ...common, status: 'error', error: { kind: errorKindOf(e), message }, timing };
  }
}
