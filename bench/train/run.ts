/**
 * Sampled-training throughput (issue 14 item 3): steps/s of src/train's loop against the same loop in
 * PyTorch (eager, one thread, as Ahn et al.'s repository) and JAX (jit, XLA CPU on one thread, as von
 * Oswald et al.'s), all in one run and interleaved cell by cell (bench/train/peer.py serves one cell
 * per stdin line). Same model (masked LSA, or LTB with d_f = d + 1), same B, M, d, Adam (lr 1e-3,
 * 0.9/0.999/1e-8), fresh prompts every step from the same problem (H = I, Ψ = I, β* = 0, σ² = 0),
 * the same random start scale (0.1).
 *
 * Ours: `train()` with the default sampler ('auto' = Wishart statistic, FastRng) and, for reference,
 * the direct sampler (full prompts, linalg Rng); `TrainResult.timing.stepsPerSecond` counts sampling,
 * forward, reverse pass and the Adam update, not the logged exact-risk evaluations (2 per run here).
 * Peers: 'paper' forms the full (d+1)×(M+1) output as the papers' code does; 'qcol' only the query
 * column (what ours computes) — the stronger peer. float64 (our precision) for every peer, plus
 * float32 (the papers' default) for the 'paper' variant.
 *
 * Run: `taskset -c 0 npx tsx bench/train/run.ts` (one core for everything: node and both peers
 * inherit the affinity). Needs bench/train/.venv with torch and jax (see RESULTS.md); a peer that
 * cannot start is reported with its error and the rest runs. Env: BENCH_TRAIN_SECONDS (per
 * measurement, default 0.8), BENCH_TRAIN_ROUNDS (default 2; the best round per entry is kept).
 * Writes bench/train/results.json and prints the Markdown table.
 */
import { execSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { makeProblem } from '../../src/models/index.js';
import { train, type TrainModel } from '../../src/train/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_TRAIN_SECONDS ?? '0.8');
const ROUNDS = Number(process.env.BENCH_TRAIN_ROUNDS ?? '2');
const PY = join(HERE, '.venv', 'bin', 'python');

interface Cell { d: number; M: number; B: number; model: TrainModel }
const CELLS: Cell[] = [];
for (const d of [5, 20]) for (const M of [10, 40]) for (const B of [64, 1024]) for (const model of ['lsa', 'ltb'] as const) CELLS.push({ d, M, B, model });

interface PeerSpec { key: string; lib: 'torch' | 'jax'; variant: 'paper' | 'qcol'; dtype: 'float64' | 'float32' }
const PEERS: PeerSpec[] = [
  { key: 'torch', lib: 'torch', variant: 'paper', dtype: 'float64' },
  { key: 'torch-qcol', lib: 'torch', variant: 'qcol', dtype: 'float64' },
  { key: 'torch-f32', lib: 'torch', variant: 'paper', dtype: 'float32' },
  { key: 'jax', lib: 'jax', variant: 'paper', dtype: 'float64' },
  { key: 'jax-qcol', lib: 'jax', variant: 'qcol', dtype: 'float64' },
  { key: 'jax-f32', lib: 'jax', variant: 'paper', dtype: 'float32' },
];

class Peer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly queue: ((line: string) => void)[] = [];
  version = '';
  error = '';
  private stderr = '';
  constructor(readonly lib: string) {
    this.proc = spawn(PY, [join(HERE, 'peer.py'), lib], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.proc.on('error', (e) => (this.error = String(e)));
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on('line', (line) => this.queue.shift()?.(line));
    this.proc.on('close', () => {
      if (this.error === '') this.error = `exited: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`;
      for (const r of this.queue.splice(0)) r(JSON.stringify({ error: this.error }));
    });
  }
  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.queue.push((line) => resolve(JSON.parse(line) as Record<string, unknown>)));
  }
  async start(): Promise<void> {
    const hello = await this.next();
    if (hello.error !== undefined) this.error = String(hello.error);
    else this.version = String(hello.version);
  }
  async run(cell: Record<string, unknown>): Promise<number | string> {
    if (this.error !== '') return this.error;
    const p = this.next();
    this.proc.stdin.write(`${JSON.stringify(cell)}\n`);
    const out = await p;
    return typeof out.stepsPerSecond === 'number' ? out.stepsPerSecond : String(out.error);
  }
  close(): void {
    this.proc.stdin.end();
  }
}

function ours(cell: Cell, sampler: 'auto' | 'direct'): number {
  const problem = makeProblem({ d: cell.d, M: cell.M, H: 1, Psi: 1, betaStar: 0, sigma2: 0 });
  const base = { model: cell.model, optimizer: 'adam' as const, lr: 1e-3, batch: cell.B, sampler, optimum: null, testSize: 0, seed: 1 };
  // Calibrate the number of steps to fill SECONDS (JIT warm-up included in the probe).
  const probe = train(problem, { ...base, steps: 5, logEvery: 5 });
  const steps = Math.max(3, Math.round(SECONDS * probe.timing.stepsPerSecond));
  return train(problem, { ...base, steps, logEvery: steps }).timing.stepsPerSecond;
}

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8' }).trim();
  } catch (e) {
    return `(${cmd} failed: ${String(e)})`;
  }
}

async function main(): Promise<void> {
  const uptimeBefore = sh('uptime');
  const affinity = sh(`taskset -p ${process.pid}`);
  const peers = new Map<string, Peer>();
  for (const lib of ['torch', 'jax']) {
    if (!existsSync(PY)) {
      const p = new Peer(lib);
      p.error = `no venv at ${PY}`;
      peers.set(lib, p);
      continue;
    }
    const p = new Peer(lib);
    await p.start();
    peers.set(lib, p);
  }
  const versions = {
    node: process.version,
    torch: peers.get('torch')!.version || peers.get('torch')!.error,
    jax: peers.get('jax')!.version || peers.get('jax')!.error,
  };
  console.error(`versions ${JSON.stringify(versions)}; ${uptimeBefore}; ${affinity}`);
  type Entry = Record<string, number | string>;
  const results: (Cell & { sps: Entry })[] = CELLS.map((c) => ({ ...c, sps: {} }));
  const keep = (e: Entry, key: string, v: number | string): void => {
    const old = e[key];
    if (typeof v === 'number' && (typeof old !== 'number' || v > old)) e[key] = v;
    else if (old === undefined) e[key] = v;
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of results) {
      keep(r.sps, 'ours', ours(r, 'auto'));
      keep(r.sps, 'ours-direct', ours(r, 'direct'));
      for (const ps of PEERS) {
        const v = await peers.get(ps.lib)!.run({ d: r.d, M: r.M, B: r.B, model: r.model, dtype: ps.dtype, variant: ps.variant, seconds: SECONDS });
        keep(r.sps, ps.key, v);
      }
      console.error(`round ${round} d=${r.d} M=${r.M} B=${r.B} ${r.model}: ${JSON.stringify(r.sps)}`);
    }
  }
  for (const p of peers.values()) p.close();
  const uptimeAfter = sh('uptime');
  writeFileSync(join(HERE, 'results.json'), `${JSON.stringify({ versions, uptimeBefore, uptimeAfter, affinity, seconds: SECONDS, rounds: ROUNDS, results }, null, 2)}\n`);

  const f = (v: number | string | undefined): string => (typeof v === 'number' ? v.toPrecision(3) : 'n/a');
  const ratio = (a: number | string | undefined, b: number | string | undefined): number => (typeof a === 'number' && typeof b === 'number' ? a / b : NaN);
  const cols = ['ours', 'ours-direct', ...PEERS.map((p) => p.key)];
  const lines = [
    `| d | M | B | model | ${cols.join(' | ')} | ours/torch | ours/jax | ours/torch-qcol | ours/jax-qcol |`,
    `|${' ---: |'.repeat(3)} --- |${' ---: |'.repeat(cols.length + 4)}`,
  ];
  const rt: number[] = [];
  const rj: number[] = [];
  for (const r of results) {
    const a = ratio(r.sps.ours, r.sps.torch);
    const b = ratio(r.sps.ours, r.sps.jax);
    if (Number.isFinite(a)) rt.push(a);
    if (Number.isFinite(b)) rj.push(b);
    lines.push(`| ${r.d} | ${r.M} | ${r.B} | ${r.model} | ${cols.map((c) => f(r.sps[c])).join(' | ')} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${ratio(r.sps.ours, r.sps['torch-qcol']).toFixed(2)} | ${ratio(r.sps.ours, r.sps['jax-qcol']).toFixed(2)} |`);
  }
  const med = (x: number[]): number => {
    const s = [...x].sort((p, q) => p - q);
    return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  console.log(lines.join('\n'));
  console.log(`\nours/torch: median ${med(rt).toFixed(2)}, worst ${Math.min(...rt).toFixed(2)}; ours/jax: median ${med(rj).toFixed(2)}, worst ${Math.min(...rj).toFixed(2)}`);
  console.log(`versions: ${JSON.stringify(versions)}\nuptime before: ${uptimeBefore}\nuptime after: ${uptimeAfter}\n${affinity}`);
}

await main();
