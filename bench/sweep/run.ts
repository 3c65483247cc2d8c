/**
 * Scale figures of `linear-icl sweep` (results in bench/sweep/RESULTS.md):
 *
 * 1. worker speed-up: the same ≥ 100-point grid (GD-β flows until converged, ~10–100 ms a point) with
 *    1 and 2 worker threads, through the library's `runSweep` (one process; thread start-up included);
 * 2. shard overhead: the grid as one CLI run vs as n CLI runs of `--shard i/n` one after another (what
 *    an array job pays: a process start, module loading and worker start-up per shard, plus
 *    `sweep merge`), per grid point. Every run uses 1 worker, so the difference is the overhead.
 *
 * Each configuration runs `REPEATS` times, alternating, and the median is reported (the machine is
 * shared). Also checks the runs agree point for point (timing excluded). Everything runs from a
 * snapshot of src/ taken at the start (a temporary package with node_modules linked), so edits to the
 * tree during the bench cannot mix versions.
 *
 *   npx tsx bench/sweep/run.ts [--repeats 3] [--shards 4]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sweep from '../../src/sweep/index.js';
import type { ResultLine } from '../../src/sweep/index.js';

const REPO = resolve(import.meta.dirname, '../..');
const ROOT = mkdtempSync(join(tmpdir(), 'linear-icl-bench-src-'));
cpSync(join(REPO, 'src'), join(ROOT, 'src'), { recursive: true });
copyFileSync(join(REPO, 'package.json'), join(ROOT, 'package.json'));
symlinkSync(join(REPO, 'node_modules'), join(ROOT, 'node_modules'), 'dir');
const { lineOutcome, parseGrid, readResultFile, runSweep } = (await import(pathToFileURL(join(ROOT, 'src/sweep/index.ts')).href)) as typeof Sweep;
const arg = (name: string, dflt: number): number => {
  const k = process.argv.indexOf(name);
  return k >= 0 ? Number(process.argv[k + 1]) : dflt;
};
const REPEATS = arg('--repeats', 3);
const SHARDS = arg('--shards', 4);

/** 2 × 5 × 2 × 6 = 120 GD-β flows until converged. */
const GRID = {
  name: 'bench: GD-β flows',
  base: { psi2: 1, betaNorm: 2 },
  axes: { d: [2, 3], M: [5, 10, 20, 40, 80], sigma2: [0.1, 1], cond: [1, 3, 10, 30, 100, 300] },
  task: { kind: 'flow' },
  seed: 11,
};

const dir = mkdtempSync(join(tmpdir(), 'linear-icl-bench-sweep-'));
const gridPath = join(dir, 'grid.json');
writeFileSync(gridPath, JSON.stringify(GRID));
const grid = parseGrid(GRID);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sorted = (path: string): ResultLine[] => [...readResultFile(path).lines].sort((a, b) => a.index - b.index);
let run = 0;

/** Busy and total CPU time of the whole machine so far, from /proc/stat (jiffies), to see what else ran. */
function machineCpu(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3]! + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

interface LibraryRun {
  ms: number;
  /** CPU time of this process (all its threads), ms. */
  cpuMs: number;
  /** Cores' worth of CPU that processes other than this one used during the run (0…availableParallelism). */
  othersCores: number;
  lines: ResultLine[];
}

async function library(workers: number): Promise<LibraryRun> {
  const out = join(dir, `lib-${workers}-${run++}.jsonl`);
  const m0 = machineCpu();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await runSweep(grid, { workers, out });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const m1 = machineCpu();
  const cpuMs = (c.user + c.system) / 1000;
  const cores = availableParallelism();
  const busyCores = ((m1.busy - m0.busy) / (m1.total - m0.total)) * cores;
  return { ms, cpuMs, othersCores: Math.max(0, busyCores - cpuMs / ms), lines: sorted(out) };
}

function cli(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`linear-icl ${args.join(' ')} failed: ${r.stderr}`);
  return performance.now() - t0;
}

function oneRun(): { ms: number; lines: ResultLine[] } {
  const out = join(dir, `one-${run++}.jsonl`);
  const ms = cli(['sweep', '--grid', gridPath, '--workers', '1', '--out', out]);
  return { ms, lines: sorted(out) };
}

function shardedRun(): { ms: number; mergeMs: number; lines: ResultLine[] } {
  const tag = run++;
  let ms = 0;
  const files: string[] = [];
  for (let i = 0; i < SHARDS; i++) {
    const out = join(dir, `shard-${tag}-${i}.jsonl`);
    ms += cli(['sweep', '--grid', gridPath, '--workers', '1', '--shard', `${i}/${SHARDS}`, '--out', out]);
    files.push(out);
  }
  const merged = join(dir, `merged-${tag}.jsonl`);
  const mergeMs = cli(['sweep', 'merge', ...files, '--grid', gridPath, '--out', merged]);
  return { ms, mergeMs, lines: sorted(merged) };
}

const w1: number[] = [];
const w2: number[] = [];
const cpu1: number[] = [];
const cpu2: number[] = [];
const others: number[] = [];
const one: number[] = [];
const shards: number[] = [];
const merges: number[] = [];
let reference: string[] | undefined;
const same = (lines: ResultLine[], what: string): void => {
  const bad = lines.find((l) => l.status === 'error');
  // A bench of failing points measures nothing (e.g. a snapshot of a tree in the middle of an edit).
  if (bad !== undefined && bad.status === 'error') throw new Error(`${what}: point ${bad.index} failed: ${bad.error.message}`);
  const o = lines.map(lineOutcome);
  reference ??= o;
  if (o.length !== grid.size || o.some((x, k) => x !== reference![k])) throw new Error(`${what}: results differ from the first run`);
};
let pointMs: number[] = [];
for (let r = 0; r < REPEATS; r++) {
  const a = await library(1);
  same(a.lines, '1 worker');
  w1.push(a.ms);
  cpu1.push(a.cpuMs);
  others.push(a.othersCores);
  pointMs = a.lines.map((l) => l.timing.ms);
  const b = await library(2);
  same(b.lines, '2 workers');
  w2.push(b.ms);
  cpu2.push(b.cpuMs);
  others.push(b.othersCores);
  const c = oneRun();
  same(c.lines, 'one CLI run');
  one.push(c.ms);
  const d = shardedRun();
  same(d.lines, 'sharded CLI runs');
  shards.push(d.ms);
  merges.push(d.mergeMs);
  process.stderr.write(`repeat ${r + 1}/${REPEATS}: 1 worker ${a.ms.toFixed(0)} ms (cpu ${a.cpuMs.toFixed(0)} ms, others ${a.othersCores.toFixed(2)} cores), 2 workers ${b.ms.toFixed(0)} ms (cpu ${b.cpuMs.toFixed(0)} ms, others ${b.othersCores.toFixed(2)} cores), one CLI run ${c.ms.toFixed(0)} ms, ${SHARDS} shards ${d.ms.toFixed(0)} ms + merge ${d.mergeMs.toFixed(0)} ms\n`);
}

const n = grid.size;
const result = {
  machine: { cpus: cpus().length, availableParallelism: availableParallelism(), model: cpus()[0]?.model ?? '?', loadavg1: loadavg()[0], node: process.version },
  grid: { points: n, task: 'flow (GD-β, until converged)', pointMs: { median: median(pointMs), min: Math.min(...pointMs), max: Math.max(...pointMs), total: pointMs.reduce((s, x) => s + x, 0) } },
  repeats: REPEATS,
  workers: {
    oneMs: median(w1), twoMs: median(w2), speedup: median(w1) / median(w2), all1: w1, all2: w2,
    // CPU time of the sweep process / wall time: how many cores it actually got.
    coresUsed1: median(cpu1.map((c, k) => c / w1[k]!)), coresUsed2: median(cpu2.map((c, k) => c / w2[k]!)),
    // Cores' worth of CPU other processes took during the library runs (a shared machine).
    othersCoresMedian: median(others),
  },
  shards: {
    count: SHARDS, oneRunMs: median(one), shardedMs: median(shards), mergeMs: median(merges),
    overheadPerPointMs: (median(shards) - median(one)) / n, overheadPerPointWithMergeMs: (median(shards) + median(merges) - median(one)) / n,
    overheadPerShardMs: (median(shards) - median(one)) / (SHARDS - 1), allOne: one, allSharded: shards,
  },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(import.meta.dirname, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);

