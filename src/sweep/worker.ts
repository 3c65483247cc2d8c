/**
 * Entry of a sweep worker thread (started by run.ts): receives the parsed grid in `workerData`, then
 * answers each `{ index }` message with that point's result line. Runs from src/ through tsx's
 * loader (tests, `npx tsx`) and from the compiled dist/ (the installed package) alike.
 *
 * It imports only grid.ts, point.ts and the task runners (which load src/verify and src/train, and
 * with them the report's vega, only when a task needs them): a thread's start-up is paid per worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Grid } from './grid.js';
import { runPoint } from './point.js';
import type { ResultLine } from './results.js';

/** What run.ts hands a worker. */
export interface WorkerData {
  /** The parsed grid (plain data: structured-cloned into the thread; estimator files already inlined). */
  readonly grid: Grid;
  /** This worker's number. */
  readonly worker: number;
  /** Package version for the lines. */
  readonly version: string;
}

/** A request: run this point. */
export interface WorkerRequest {
  readonly index: number;
}

/** A worker's messages: started (its modules loaded), or a point's line. */
export type WorkerMessage = { readonly type: 'ready' } | { readonly type: 'line'; readonly line: ResultLine };

const data = workerData as WorkerData;
const port = parentPort!;
port.on('message', (msg: WorkerRequest) => {
  // run.ts sends the next point only after this one's line: one point at a time per thread.
  void runPoint(data.grid, msg.index, { worker: data.worker, version: data.version }).then((line) => {
    port.postMessage({ type: 'line', line } satisfies WorkerMessage);
  });
});
port.postMessage({ type: 'ready' } satisfies WorkerMessage);
