/**
 * Running a sweep: the points of one shard, minus those already in the result file (`resume`), on
 * a pool of worker threads; each finished point is appended to the file as one line with one
 * `write`, in completion order (`sweep merge` sorts).
 */
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { gridPoint, shardIndices, type Grid, type Shard } from './grid.js';
import { checkLineAgainstGrid, formatLine, readResultFile, truncateResultFile, type ResultLine } from './results.js';
import type { PointErrorKind } from './tasks.js';
import { packageVersion } from './version.js';
import type { WorkerData, WorkerMessage, WorkerRequest } from './worker.js';

/** Progress after each finished point. */
export interface SweepProgress {
  /** Points finished in this run (not counting those resumed from the file). */
  readonly done: number;
  /** Points this run has to do. */
  readonly total: number;
  /** Of `done`, how many recorded an error. */
  readonly errors: number;
  /** Milliseconds since the pool started. */
  readonly elapsedMs: number;
}

/** Options of {@link runSweep}. */
export interface SweepOptions {
  /** Worker threads. @defaultValue os.availableParallelism() */
  readonly workers?: number;
  /** Which shard of the grid to run. @defaultValue { index: 0, count: 1 } (the whole grid) */
  readonly shard?: Shard;
  /** Result file to append lines to; without it lines only go to `onLine`. @defaultValue undefined */
  readonly out?: string;
  /**
   * Continue `out`: skip the points already in it (identified by index and key), after dropping a
   * partial last line left by a kill. Without it a non-empty `out` is an error. @defaultValue false
   */
  readonly resume?: boolean;
  /** Called with each line, after it is written to `out`. @defaultValue undefined */
  readonly onLine?: (line: ResultLine, text: string) => void;
  /** Called after each finished point. @defaultValue undefined */
  readonly onProgress?: (progress: SweepProgress) => void;
}

/** Result of {@link runSweep}. */
export interface SweepSummary {
  /** Points in the grid. */
  readonly gridSize: number;
  /** Points in this shard. */
  readonly shardSize: number;
  /** Points of the shard already in `out` (skipped). */
  readonly resumed: number;
  /** Points run now. */
  readonly ran: number;
  /** Of `ran`, how many recorded an error. */
  readonly errors: number;
  /** The first error recorded now, or null. */
  readonly firstError: { readonly index: number; readonly kind: PointErrorKind; readonly message: string } | null;
  /** A partial last line (a write cut by a kill) was dropped from `out` before resuming. */
  readonly repaired: boolean;
  /** Wall time in milliseconds. */
  readonly ms: number;
  /** Worker threads used. */
  readonly workers: number;
}

/**
 * How to start a worker. From dist/ (the installed package) the entry is plain worker.js. From src/
 * (this file is .ts: tsx, vitest) it is worker.ts, and Node 20 does not apply a parent's `--import
 * tsx` loader hooks to a worker's entry module ("Unknown file extension .ts"); so the thread starts
 * from a two-line bootstrap that registers tsx's ESM hooks inside the worker, then imports worker.ts.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { entry: new URL('./worker.js', here), eval: false };
  // tsx's "./esm/api" export (import condition); resolved through its package.json, as require() would pick the CJS build.
  const tsxDir = dirname(createRequire(here).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxDir, 'dist', 'esm', 'api', 'index.mjs')).href;
  const worker = new URL('./worker.ts', here).href;
  return { entry: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(worker)}); });`, eval: true };
}

/** Appends `text` to `fd` — one `write` call unless the kernel writes less (disk full), then the rest. */
function appendLine(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * Runs the points of `options.shard` on worker threads, appending one line per point to
 * `options.out`. Errors at a point are recorded in its line; this rejects only for bad options
 * (an {@link InputError} naming `workers`, `out` or `resume`) or a result file of another grid.
 */
export async function runSweep(grid: Grid, options: SweepOptions = {}): Promise<SweepSummary> {
  const { workers = availableParallelism(), shard = { index: 0, count: 1 }, out, resume = false, onLine, onProgress } = options;
  if (!Number.isInteger(workers) || workers < 1) throw new InputError('workers', `must be an integer ≥ 1, got ${workers}`);
  if (resume && out === undefined) throw new InputError('resume', 'needs a result file (out) to continue');
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new InputError('shard', `must have 0 ≤ index < count (integers), got ${shard.index}/${shard.count}`);
  }
  const t0 = performance.now();

  // Points already in the file (resume), checked to belong to this grid.
  const done = new Set<number>();
  let repaired = false;
  if (out !== undefined && existsSync(out)) {
    if (statSync(out).isDirectory()) throw new InputError('out', `${out} is a directory: give a file name`);
    if (statSync(out).size > 0 && !resume) throw new InputError('out', `${out} exists and is not empty: resume it, or choose another file`);
    if (resume) {
      const file = readResultFile(out, 'out');
      // Checked before anything is changed: a file of another grid is left as it is.
      file.lines.forEach((line, k) => {
        checkLineAgainstGrid(grid, line, `${out}:${k + 1}`);
        done.add(line.index);
      });
      if (file.partial !== null) {
        // The one place a kill can leave a mark: the last write, cut. Its point is simply run again.
        truncateResultFile(out, file.completeBytes);
        repaired = true;
      }
    }
  }
  const shardAll = shardIndices(grid.size, shard);
  const todo = shardAll.filter((i) => !done.has(i));
  const fd = out !== undefined ? openSync(out, 'a') : undefined;
  const version = packageVersion();
  let errors = 0;
  let firstError: SweepSummary['firstError'] = null;
  let finished = 0;
  const nWorkers = Math.max(1, Math.min(workers, todo.length));

  const record = (line: ResultLine): void => {
    const text = formatLine(line);
    if (fd !== undefined) appendLine(fd, text);
    if (line.status === 'error') {
      errors++;
      firstError ??= { index: line.index, kind: line.error.kind, message: line.error.message };
    }
    finished++;
    onLine?.(line, text);
    onProgress?.({ done: finished, total: todo.length, errors, elapsedMs: performance.now() - t0 });
  };

  try {
    if (todo.length > 0) await runPool(grid, todo, nWorkers, version, record);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return {
    gridSize: grid.size, shardSize: shardAll.length, resumed: shardAll.length - todo.length, ran: finished, errors, firstError, repaired,
    ms: performance.now() - t0, workers: todo.length > 0 ? nWorkers : 0,
  };
}

/**
 * Hands out `todo` (in order) to `n` worker threads, one point at a time each (points differ in cost
 * by orders of magnitude, so a static split would leave threads idle). A worker that dies (out of
 * memory, a crash in native code) costs its point an `internal` error line and is replaced.
 */
function runPool(grid: Grid, todo: readonly number[], n: number, version: string, record: (line: ResultLine) => void): Promise<void> {
  const { entry, eval: isEval } = workerEntry();
  let next = 0;
  let finished = 0;
  let failed: Error | null = null;
  const live = new Set<Worker>();
  return new Promise<void>((resolvePool, rejectPool) => {
    const settle = (): void => {
      if (finished < todo.length && failed === null) return;
      for (const w of live) void w.terminate();
      live.clear();
      if (failed !== null) rejectPool(failed);
      else resolvePool();
    };
    const start = (slot: number): void => {
      const data: WorkerData = { grid, worker: slot, version };
      const w = new Worker(entry, { workerData: data, eval: isEval });
      live.add(w);
      let current: number | null = null;
      let ready = false;
      const feed = (): void => {
        if (next >= todo.length) {
          current = null;
          live.delete(w);
          void w.terminate();
          return;
        }
        current = todo[next++]!;
        w.postMessage({ index: current } satisfies WorkerRequest);
      };
      w.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          ready = true;
          return;
        }
        const line = msg.line;
        try {
          record(line);
        } catch (e) {
          // Writing failed (disk full, file removed): nothing more can be recorded.
          failed = e instanceof Error ? e : new Error(String(e));
        }
        finished++;
        if (failed === null) feed();
        settle();
      });
      const died = (why: string): void => {
        if (!live.has(w)) return;
        live.delete(w);
        if (current === null) return;
        const index = current;
        current = null;
        try {
          const p = gridPoint(grid, index);
          record({
            index, key: p.key, coords: p.coords, seed: p.seed, task: p.task.kind, version, status: 'error',
            error: { kind: 'internal', message: `the worker thread died running this point: ${why}` },
            timing: { ms: 0, worker: slot, finishedAt: new Date().toISOString() },
          });
        } catch (e) {
          failed = e instanceof Error ? e : new Error(String(e));
        }
        finished++;
        if (failed === null && next < todo.length) start(slot);
        settle();
      };
      w.on('error', (e) => {
        // A worker that cannot even start (its modules fail to load) would fail every point alike: stop.
        if (!ready) {
          failed ??= new Error(`sweep worker failed: ${e.message}`);
          live.delete(w);
          settle();
          return;
        }
        died(e.message);
      });
      w.on('exit', (code) => died(`exit code ${code}`));
      feed();
    };
    for (let slot = 0; slot < n; slot++) start(slot);
  });
}
