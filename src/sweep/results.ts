/**
 * Result files: one JSON line per grid point (JSON Lines), written with one `write` per line so a
 * killed sweep leaves at most one partial line, at the end. Reading (with detection and repair of
 * that trailing partial line), checking against a grid, merging shards.
 */
import { closeSync, openSync, readFileSync, ftruncateSync } from 'node:fs';
import { InputError } from '../errors.js';
import { canonicalJson, gridPoint, type Grid, type GridValue } from './grid.js';
import type { PointErrorKind, TaskResult } from './tasks.js';
import type { TaskKind } from './taskSpec.js';

/** Wall-clock facts about a point's run: excluded when results are compared. */
export interface LineTiming {
  /** Milliseconds the task took (problem construction included). */
  readonly ms: number;
  /** Which worker thread ran it (0-based, within its sweep process). */
  readonly worker: number;
  /** ISO 8601 time the point finished. */
  readonly finishedAt: string;
}

/** What every line has. */
interface LineCommon {
  /** The point's index in the grid. */
  readonly index: number;
  /** The point's key (hash of index, parameters, task, seed): with the index, identifies the point. */
  readonly key: string;
  /** The point's coordinates, axis name → value. */
  readonly coords: Readonly<Record<string, GridValue>>;
  /** The point's seed. */
  readonly seed: number;
  /** The task kind. */
  readonly task: TaskKind;
  /** Package version that computed it. */
  readonly version: string;
  /** Timing (excluded from comparisons). */
  readonly timing: LineTiming;
}

/** A point that ran to completion. */
export interface OkLine extends LineCommon {
  readonly status: 'ok';
  /** The task's result fields. */
  readonly result: TaskResult;
}

/** A point whose task threw: the sweep goes on. */
export interface ErrorLine extends LineCommon {
  readonly status: 'error';
  /** The error's class (exit-code kind) and message. */
  readonly error: { readonly kind: PointErrorKind; readonly message: string };
}

/** One line of a result file, discriminated by `status`. */
export type ResultLine = OkLine | ErrorLine;

/** The line statuses. */
export const LINE_STATUSES: readonly ResultLine['status'][] = ['ok', 'error'];

/** One line of text (with its newline) for a result: JSON, non-finite numbers as null. */
export function formatLine(line: ResultLine): string {
  return `${JSON.stringify(line, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`;
}

/** What a line's comparison sees: everything but timing and version. */
export function lineOutcome(line: ResultLine): string {
  const { timing: _t, version: _v, ...rest } = line;
  void _t;
  void _v;
  return canonicalJson(rest);
}

function validLine(v: unknown): v is ResultLine {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return Number.isInteger(o.index) && (o.index as number) >= 0 && typeof o.key === 'string' && typeof o.coords === 'object' && o.coords !== null
    && typeof o.seed === 'number' && (o.status === 'ok' ? typeof o.result === 'object' && o.result !== null : o.status === 'error' && typeof o.error === 'object' && o.error !== null);
}

/** A result file as read. */
export interface ResultFile {
  /** The complete lines, in file order. */
  readonly lines: readonly ResultLine[];
  /** Length in bytes of the complete lines (where a partial last line starts). */
  readonly completeBytes: number;
  /** A trailing line without its newline (a write cut by a kill), or null. */
  readonly partial: string | null;
}

/**
 * Reads a result file. A last line without a newline is returned as `partial` (not parsed: even if
 * it happens to be valid JSON its write may not have finished); a complete line that is not a result
 * line is an {@link InputError} naming `file:line` — lines are written whole, so it is not ours.
 */
export function readResultFile(path: string, field = 'results'): ResultFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(field, code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path} (${code ?? String(e)})`);
  }
  const end = buf.lastIndexOf(0x0a) + 1;
  const text = buf.subarray(0, end).toString('utf8');
  const partial = end < buf.length ? buf.subarray(end).toString('utf8') : null;
  const lines: ResultLine[] = [];
  const rows = text.split('\n');
  rows.pop(); // after the last newline
  rows.forEach((row, k) => {
    if (row.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(row);
    } catch {
      throw new InputError(`${path}:${k + 1}`, 'not a JSON line: this is not a sweep result file (or it was edited); remove the line or use another file');
    }
    if (!validLine(v)) throw new InputError(`${path}:${k + 1}`, 'not a sweep result line (needs index, key, coords, seed, status and result or error)');
    lines.push(v);
  });
  return { lines, completeBytes: end, partial };
}

/** Cuts a result file back to its complete lines (drops a partial last line left by a kill). */
export function truncateResultFile(path: string, completeBytes: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, completeBytes);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks that a line belongs to the grid: its index is in range and its key is the key of the
 * grid's point there. Throws an {@link InputError} naming `where` otherwise (a file of another grid).
 */
export function checkLineAgainstGrid(grid: Grid, line: ResultLine, where: string): void {
  if (line.index >= grid.size) throw new InputError(where, `point ${line.index} is outside the grid (${grid.size} points): the file belongs to another grid`);
  const expected = gridPoint(grid, line.index).key;
  if (line.key !== expected) {
    throw new InputError(where, `point ${line.index} has key ${line.key} but this grid's point ${line.index} has key ${expected}: the file was written for another grid (or another base, task or seed)`);
  }
}

/** Result of {@link mergeResults}. */
export interface MergeResult {
  /** One line per point, sorted by index. */
  readonly lines: readonly ResultLine[];
  /** Lines dropped as exact repeats of a kept one (same index and key; outcome equal). */
  readonly duplicates: number;
  /** Points seen twice with different outcomes (the first is kept): a non-reproducible task, or mixed versions. */
  readonly conflicts: readonly number[];
  /** With a grid: the indices no input covers, ascending. Empty without a grid. */
  readonly missing: readonly number[];
  /** Partial trailing lines skipped in the inputs (file names). */
  readonly partialInputs: readonly string[];
}

/**
 * Merges result files: one line per point, sorted by index, repeats dropped. Two lines with the
 * same index and different keys are an {@link InputError} (files of different grids); with a grid,
 * every line must belong to it and `missing` lists the points none covers.
 */
export function mergeResults(files: readonly { readonly path: string; readonly file: ResultFile }[], grid?: Grid): MergeResult {
  const byIndex = new Map<number, { line: ResultLine; where: string }>();
  let duplicates = 0;
  const conflicts: number[] = [];
  const partialInputs: string[] = [];
  for (const { path, file } of files) {
    if (file.partial !== null) partialInputs.push(path);
    file.lines.forEach((line, k) => {
      const where = `${path}:${k + 1}`;
      if (grid !== undefined) checkLineAgainstGrid(grid, line, where);
      const seen = byIndex.get(line.index);
      if (seen === undefined) {
        byIndex.set(line.index, { line, where });
        return;
      }
      if (seen.line.key !== line.key) {
        throw new InputError(where, `point ${line.index} has key ${line.key} but ${seen.where} has key ${seen.line.key}: the files come from different grids`);
      }
      if (lineOutcome(seen.line) === lineOutcome(line)) duplicates++;
      else conflicts.push(line.index);
    });
  }
  const lines = [...byIndex.values()].map((v) => v.line).sort((a, b) => a.index - b.index);
  const missing: number[] = [];
  if (grid !== undefined) {
    for (let i = 0, j = 0; i < grid.size; i++) {
      if (j < lines.length && lines[j]!.index === i) j++;
      else missing.push(i);
    }
  }
  return { lines, duplicates, conflicts, missing, partialInputs };
}
