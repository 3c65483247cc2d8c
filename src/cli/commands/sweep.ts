/**
 * `linear-icl sweep` — parameter sweeps (src/sweep), in three forms:
 *
 *   linear-icl sweep --grid G.json [--workers N] [--shard i/n] [--out results.jsonl [--resume]] [--json]
 *   linear-icl sweep merge a.jsonl b.jsonl … [--grid G.json] [--out merged.jsonl] [--json]
 *   linear-icl sweep plot results.jsonl --x M --y risk [--color class] [--where k=v,…] [--log-x] [--log-y] --out fig.svg
 *
 * Run: one JSON line per grid point of the shard, appended to --out (stdout without it) as points
 * finish; `--resume` skips the points already in --out (after dropping a partial last line left by
 * a kill). A point's error is recorded in its line and the sweep goes on (exit 0; one line on
 * stderr counts them). Merge: one line per point sorted by index, repeats dropped; with --grid, exit
 * 2 when points are missing (the merged file is still written). Plot: an SVG through the report's
 * vega-lite pipeline (+ the spec as <out>.vl.json). A progress bar with ETA goes to stderr when it
 * is a TTY. Exit 2 for a bad grid or option (one line naming the field), 3 never (numerical
 * failures are per point).
 *
 * The three forms are one command with a positional action rather than commander subcommands: the
 * entry point's unknown-option check looks at one level of commands only.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { renderFigureSvg } from '../../report/index.js';
import {
  formatLine, mergeResults, parseGrid, parseShard, readResultFile, runSweep, sweepFigure, type GridValue, type SweepProgress,
} from '../../sweep/index.js';
import { EXIT } from '../exit.js';
import { parseIntOption, parseJsonFile, withFlagNames } from '../io.js';
import { terminalProgress } from '../progress.js';

interface SweepOpts {
  grid?: string;
  workers?: number;
  shard?: string;
  out?: string;
  resume?: boolean;
  x?: string;
  y?: string;
  color?: string;
  where?: string;
  logX?: boolean;
  logY?: boolean;
  title?: string;
  json?: boolean;
}

/** Which options each form takes (the others are refused, naming the form they belong to). */
const FORM_OPTIONS = {
  run: ['grid', 'workers', 'shard', 'out', 'resume', 'json'],
  merge: ['grid', 'out', 'json'],
  plot: ['out', 'x', 'y', 'color', 'where', 'logX', 'logY', 'title'],
} as const satisfies Record<string, readonly (keyof SweepOpts)[]>;

type Form = keyof typeof FORM_OPTIONS;

const FLAG: Readonly<Record<keyof SweepOpts, string>> = {
  grid: '--grid', workers: '--workers', shard: '--shard', out: '--out', resume: '--resume', x: '--x', y: '--y', color: '--color',
  where: '--where', logX: '--log-x', logY: '--log-y', title: '--title', json: '--json',
};

/** Registers `linear-icl sweep` (see the module comment). */
export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('run a grid of problems × a task on worker threads (one JSON line per point; shards, resume), or merge / plot result files')
    .argument('[action]', "nothing (run the grid), 'merge' (result files → one, sorted by point) or 'plot' (a result file → an SVG figure)")
    .argument('[files...]', 'merge: the result files; plot: the one result file')
    .option('--grid <file>', 'grid JSON: {"base": {…}, "axes": {"M": [5, 10, 20], …}, "task": {"kind": "risk"|"optimum"|"flow"|"train"|"verify", …}, "seed": 1} (merge: check completeness against it)')
    .option('--workers <N>', 'worker threads (default: all cores)', parseIntOption('--workers', 1, 1024))
    .option('--shard <i/n>', 'run shard i of n (0-based, e.g. $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT): points i, i+n, i+2n, …')
    .option('--out <file>', 'run: result file to append to (default stdout); merge: merged file (default stdout); plot: the SVG')
    .option('--resume', 'run: skip the points already in --out (repairs a partial last line left by a kill)')
    .option('--x <name>', 'plot: horizontal quantity (a coordinate or a result field)')
    .option('--y <name>', 'plot: vertical quantity')
    .option('--color <name>', 'plot: one series per value of this coordinate or result field')
    .option('--where <k=v,…>', 'plot: keep only points with these coordinates')
    .option('--log-x', 'plot: log-scale x axis')
    .option('--log-y', 'plot: log-scale y axis')
    .option('--title <text>', 'plot: figure title')
    .option('--json', 'run (with --out) and merge (with --out): print a summary JSON on stdout')
    .addHelpText('after', [
      '',
      'Examples:',
      '  linear-icl sweep --grid grid.json --out results.jsonl            # all cores; --resume continues after a kill',
      '  linear-icl sweep --grid grid.json --shard 3/16 --out shard-3.jsonl',
      '  linear-icl sweep merge shard-*.jsonl --grid grid.json --out merged.jsonl',
      '  linear-icl sweep plot merged.jsonl --x M --y risk --color class --log-x --out risk.svg',
      '',
      'Grid problem parameters: d, M, sigma2, psi2 (Ψ = ψ²I), betaNorm (‖β*‖), cond (cond H), spectrum (log-spaced | log-uniform), masked.',
      'Slurm: examples/slurm/ (an array job of shards + a dependent merge).',
    ].join('\n'))
    .action(async (action: string | undefined, files: string[], opts: SweepOpts, cmd: Command) => {
      let form: Form;
      if (action === undefined) form = 'run';
      else if (action === 'merge' || action === 'plot') form = action;
      else throw new InputError(action, "unknown sweep action: use 'merge' or 'plot', or none with --grid to run a grid");
      for (const key of Object.keys(FLAG) as (keyof SweepOpts)[]) {
        if (cmd.getOptionValueSource(key) !== 'cli' || (FORM_OPTIONS[form] as readonly string[]).includes(key)) continue;
        const owner = (Object.keys(FORM_OPTIONS) as Form[]).filter((f) => (FORM_OPTIONS[f] as readonly string[]).includes(key));
        throw new InputError(FLAG[key], `does not apply to ${form === 'run' ? 'a sweep run' : `sweep ${form}`} (it is an option of ${owner.map((f) => (f === 'run' ? 'sweep --grid' : `sweep ${f}`)).join(' and ')})`);
      }
      if (form === 'run') await runForm(files, opts);
      else if (form === 'merge') mergeForm(files, opts);
      else await plotForm(files, opts);
    });
}

function loadGrid(path: string) {
  return parseJsonFile(path, '--grid', (v) => parseGrid(v, { baseDir: dirname(resolve(path)) }));
}

/** The sweep's progress: points done (and errors) with elapsed time and ETA, on a terminal only. */
function progressBar(): { update: (p: SweepProgress) => void; done: () => void } | undefined {
  const line = terminalProgress({ showTime: true, clearOnDone: true });
  if (!line) return undefined;
  return {
    update: (p) => line.update(p.done / p.total, `${p.done}/${p.total} points${p.errors ? `, ${p.errors} errors` : ''}`, p.done >= p.total),
    done: () => line.done(),
  };
}

async function runForm(files: string[], opts: SweepOpts): Promise<void> {
  if (files.length > 0) throw new InputError(files[0]!, "unexpected argument: a sweep run takes its grid with --grid (did you mean 'sweep merge'?)");
  if (opts.grid === undefined) throw new InputError('--grid', 'is required to run a sweep (or use sweep merge / sweep plot)');
  if (opts.resume && opts.out === undefined) throw new InputError('--resume', 'needs --out: the result file to continue');
  if (opts.json && opts.out === undefined) throw new InputError('--json', 'needs --out: without it stdout carries the result lines');
  if (opts.out !== undefined && !opts.resume && existsSync(opts.out) && statSync(opts.out).isFile() && statSync(opts.out).size > 0) {
    throw new InputError('--out', `${opts.out} exists and is not empty: pass --resume to continue it, or choose another file`);
  }
  const grid = loadGrid(opts.grid);
  const shard = opts.shard !== undefined ? parseShard(opts.shard, '--shard') : undefined;
  const bar = progressBar();
  const toStdout = opts.out === undefined;
  if (toStdout) {
    // `sweep … | head`: the reader left; nothing more can be delivered, so stop quietly (the workers die with the process).
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(EXIT.ok);
    });
  }
  const flags = { workers: '--workers', out: '--out', resume: '--resume' };
  const summary = await runSweep(grid, {
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    ...(shard !== undefined ? { shard } : {}),
    ...(opts.out !== undefined ? { out: opts.out } : {}),
    resume: opts.resume === true,
    ...(toStdout ? { onLine: (_line, text) => process.stdout.write(text) } : {}),
    ...(bar ? { onProgress: bar.update } : {}),
  }).catch((e: unknown) => withFlagNames(flags, () => {
    // withFlagNames maps a synchronous throw; rethrowing inside it gives the async rejection the same flags.
    throw e;
  })).finally(() => bar?.done());
  if (summary.repaired) process.stderr.write(`linear-icl: sweep: dropped a partial last line of ${opts.out} (a write cut by a kill); its point was run again\n`);
  if (summary.errors > 0) {
    const e = summary.firstError!;
    process.stderr.write(`linear-icl: sweep: ${summary.errors} of ${summary.ran} points recorded an error in their line (first: point ${e.index}, ${e.kind}: ${e.message})\n`);
  }
  if (opts.json) process.stdout.write(`${JSON.stringify({ ...summary, out: opts.out })}\n`);
  else if (process.stderr.isTTY === true) {
    process.stderr.write(`sweep: ${summary.ran} points run, ${summary.resumed} already done, ${summary.shardSize} in this shard of ${summary.gridSize} (${(summary.ms / 1000).toFixed(1)} s, ${summary.workers} workers)${opts.out ? ` → ${opts.out}` : ''}\n`);
  }
}

function mergeForm(files: string[], opts: SweepOpts): void {
  if (files.length === 0) throw new InputError('files', 'sweep merge needs at least one result file');
  const grid = opts.grid !== undefined ? loadGrid(opts.grid) : undefined;
  const inputs = files.map((path) => ({ path, file: readResultFile(path, path) }));
  if (opts.out !== undefined && files.some((f) => resolve(f) === resolve(opts.out!))) {
    throw new InputError('--out', 'is one of the inputs: write the merged file elsewhere');
  }
  const merged = mergeResults(inputs, grid);
  const text = merged.lines.map(formatLine).join('');
  if (opts.out !== undefined) writeFileSync(opts.out, text);
  else process.stdout.write(text);
  for (const p of merged.partialInputs) process.stderr.write(`linear-icl: sweep merge: ${p} ends in a partial line (a write cut by a kill): left out; resume that sweep to redo its point\n`);
  if (merged.conflicts.length > 0) {
    process.stderr.write(`linear-icl: sweep merge: ${merged.conflicts.length} points appear with different results (first kept; points ${merged.conflicts.slice(0, 5).join(', ')}): were the files computed by different versions?\n`);
  }
  if (opts.json && opts.out !== undefined) {
    process.stdout.write(`${JSON.stringify({ points: merged.lines.length, duplicates: merged.duplicates, conflicts: merged.conflicts, missing: merged.missing, out: opts.out })}\n`);
  }
  if (merged.missing.length > 0) {
    const first = merged.missing.slice(0, 8).join(', ');
    process.stderr.write(`linear-icl: error: sweep merge: ${merged.missing.length} of ${grid!.size} grid points are missing (${first}${merged.missing.length > 8 ? ', …' : ''}): run their shards (with --resume) and merge again\n`);
    process.exitCode = EXIT.user;
  }
}

/** `--where k=v,k2=v2`: values parsed as JSON when they parse (numbers, booleans), else strings. */
function parseWhere(text: string): Record<string, GridValue> {
  const out: Record<string, GridValue> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/.exec(part);
    if (!m) throw new InputError('--where', `must be k=v[,k=v…], got '${part}'`);
    let v: GridValue = m[2]!;
    try {
      const parsed = JSON.parse(m[2]!) as unknown;
      if (typeof parsed === 'number' || typeof parsed === 'boolean') v = parsed;
    } catch {
      // not JSON: a string such as gd-beta
    }
    out[m[1]!] = v;
  }
  return out;
}

async function plotForm(files: string[], opts: SweepOpts): Promise<void> {
  if (files.length !== 1) throw new InputError('files', `sweep plot takes one result file (merge shards first), got ${files.length}`);
  if (opts.x === undefined) throw new InputError('--x', 'is required: a coordinate or result field');
  if (opts.y === undefined) throw new InputError('--y', 'is required: a coordinate or result field');
  if (opts.out === undefined) throw new InputError('--out', 'is required: the SVG file to write');
  const file = readResultFile(files[0]!, files[0]!);
  const fig = withFlagNames({ x: '--x', y: '--y', color: '--color' }, () => sweepFigure(file.lines, {
    x: opts.x!, y: opts.y!, ...(opts.color !== undefined ? { color: opts.color } : {}),
    ...(opts.where !== undefined ? { where: parseWhere(opts.where) } : {}),
    logX: opts.logX === true, logY: opts.logY === true, ...(opts.title !== undefined ? { title: opts.title } : {}),
  }));
  const rendered = await renderFigureSvg(fig);
  writeFileSync(opts.out, rendered.svg);
  const specPath = resolve(dirname(opts.out), `${basename(opts.out).replace(/\.svg$/i, '')}.vl.json`);
  writeFileSync(specPath, `${JSON.stringify(rendered.spec, null, 2)}\n`);
  if (process.stderr.isTTY === true) process.stderr.write(`sweep plot: ${opts.out} (${fig.caption})\n`);
}
