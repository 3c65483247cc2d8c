/**
 * Benchmark of src/linalg against ml-matrix (same process) and numpy (child process), on the
 * same inputs: gemm, eigh, Cholesky + solve and tr(AB) at n ∈ {8, 32, 128, 512}.
 *
 *   npm run bench:linalg                 # print the markdown table
 *   npm run bench:linalg -- --write      # … and write it to bench/linalg/RESULTS.md
 *   npm run bench:linalg -- --sizes 8,32 --budget 0.5
 *
 * Protocol (identical in numpy_bench.py): inputs are built once from a seeded Rng outside the
 * timed closures; each case is warmed up, fast calls are batched so that one sample lasts
 * ≥ 2 ms, and samples are collected until there are 15 or the per-case time budget is spent
 * (at least 3). Reported: median / min / max time per call. Every result is consumed.
 * Baselines: ml-matrix 6 (`mmul`, `EigenvalueDecomposition(…, {assumeSymmetric})`,
 * `CholeskyDecomposition#solve`, `mmul(…).trace()` — ml-matrix has no tr(AB) kernel) and numpy
 * (`A @ B`, `np.linalg.eigh`, `scipy.linalg.cho_factor/cho_solve`, `np.einsum('ij,ji->')`),
 * single-threaded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { Rng, cholesky, choleskySolve, eigh, gemm, randomOrthogonal, spdFromSpectrum, toRows, traceAB, type Matrix } from '../../src/linalg/index.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Samples per case when the budget allows. */
const MIN_SAMPLES = 15;
/** Floor on samples when the budget runs out (the slow ml-matrix cases at n = 512). */
const MIN_SAMPLES_OVER_BUDGET = 3;
/** Fast calls are batched so that one sample lasts at least this long. */
const MIN_SAMPLE_MS = 2;
/** Condition number of the SPD test matrix (log-uniform spectrum). */
const SPD_COND = 1e3;
const SEED = 20240611;

interface Stats {
  median: number; // seconds per call
  min: number;
  max: number;
  samples: number;
  inner: number;
}

let sink = 0;

function measure(f: () => number, budgetSeconds: number): Stats {
  // Warm up for 10 % of the budget, then calibrate the batch size by doubling until one batch
  // lasts ≥ MIN_SAMPLE_MS (timing a single fast call would mostly measure the timer).
  const warmEnd = performance.now() + 100 * budgetSeconds;
  let calls = 0;
  while (calls < 2 || performance.now() < warmEnd) {
    sink += f();
    calls++;
  }
  let inner = 1;
  for (;;) {
    const t = performance.now();
    for (let r = 0; r < inner; r++) sink += f();
    if (performance.now() - t >= MIN_SAMPLE_MS) break;
    inner *= 2;
  }
  let t0 = 0;
  const samples: number[] = [];
  const deadline = performance.now() + 1000 * budgetSeconds;
  while (samples.length < MIN_SAMPLES && (performance.now() < deadline || samples.length < MIN_SAMPLES_OVER_BUDGET)) {
    t0 = performance.now();
    for (let r = 0; r < inner; r++) sink += f();
    samples.push((performance.now() - t0) / inner / 1000);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1], min: samples[0], max: samples[samples.length - 1], samples: samples.length, inner };
}

function parseArgs(argv: string[]): { sizes: number[]; budget: number; write: boolean } {
  let sizes = [8, 32, 128, 512];
  let budget = 1.5;
  let write = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sizes') sizes = argv[++i].split(',').map(Number);
    else if (argv[i] === '--budget') budget = Number(argv[++i]);
    else if (argv[i] === '--write') write = true;
  }
  return { sizes, budget, write };
}

interface Inputs {
  n: number;
  A: Matrix;
  B: Matrix;
  S: Matrix;
  b: Float64Array;
}

function buildInputs(n: number): Inputs {
  const rng = new Rng(SEED + n);
  const A = { rows: n, cols: n, data: rng.fillNormal(new Float64Array(n * n)) };
  const B = { rows: n, cols: n, data: rng.fillNormal(new Float64Array(n * n)) };
  const lambda = Float64Array.from({ length: n }, (_, i) => Math.exp(-Math.log(SPD_COND) * (n === 1 ? 0 : i / (n - 1))));
  const S = spdFromSpectrum(randomOrthogonal(rng, n), lambda);
  const b = rng.fillNormal(new Float64Array(n));
  return { n, A, B, S, b };
}

type Op = 'gemm' | 'eigh' | 'cholesky+solve' | 'traceAB';
const OPS: readonly Op[] = ['gemm', 'eigh', 'cholesky+solve', 'traceAB'];

function oursCase(op: Op, x: Inputs): () => number {
  const { n, A, B, S, b } = x;
  const C = { rows: n, cols: n, data: new Float64Array(n * n) };
  const out = new Float64Array(n);
  switch (op) {
    case 'gemm':
      return () => gemm(C, A, B).data[0];
    case 'eigh':
      return () => eigh(S).values[0];
    case 'cholesky+solve':
      return () => choleskySolve(out, cholesky(S), b)[0];
    case 'traceAB':
      return () => traceAB(A, B);
  }
}

function mlCase(op: Op, x: Inputs): () => number {
  const A = new MlMatrix(toRows(x.A));
  const B = new MlMatrix(toRows(x.B));
  const S = new MlMatrix(toRows(x.S));
  const b = MlMatrix.columnVector(Array.from(x.b));
  switch (op) {
    case 'gemm':
      return () => A.mmul(B).get(0, 0);
    case 'eigh':
      return () => new EigenvalueDecomposition(S, { assumeSymmetric: true }).realEigenvalues[0];
    case 'cholesky+solve':
      return () => new CholeskyDecomposition(S).solve(b).get(0, 0);
    case 'traceAB':
      return () => A.mmul(B).trace();
  }
}

interface NumpyOut {
  numpy: string;
  scipy: string | null;
  python: string;
  blas: string | null;
  results: Record<string, Stats>;
}

function runNumpy(inputs: Inputs[], sizes: number[], budget: number): NumpyOut | string {
  const dir = mkdtempSync(join(tmpdir(), 'linalg-bench-'));
  try {
    for (const x of inputs) {
      for (const [name, arr] of [['A', x.A.data], ['B', x.B.data], ['S', x.S.data], ['b', x.b]] as const) {
        writeFileSync(join(dir, `${name}_${x.n}.f64`), Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
      }
    }
    // One core against one core: single-threaded BLAS, and no machine-specific OpenBLAS overrides.
    const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const r = spawnSync('python3', [join(here, 'numpy_bench.py'), dir, sizes.join(','), String(budget)], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) return `numpy baseline failed (exit ${r.status}): ${r.error?.message ?? r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
    return JSON.parse(r.stdout) as NumpyOut;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmtTime(s: number | undefined): string {
  if (s === undefined) return '—';
  if (s < 1e-3) return `${(s * 1e6).toFixed(s < 1e-5 ? 2 : 1)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(s < 1e-2 ? 3 : 1)} ms`;
  return `${s.toFixed(2)} s`;
}

function fmtStats(st: Stats | undefined): string {
  return st === undefined ? '—' : `${fmtTime(st.median)} (${fmtTime(st.min)}–${fmtTime(st.max)}, ${st.samples}×${st.inner})`;
}

function main(): void {
  const { sizes, budget, write } = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const inputs = sizes.map(buildInputs);
  const ours: Record<string, Stats> = {};
  const ml: Record<string, Stats> = {};
  for (const x of inputs) {
    for (const op of OPS) {
      const key = `${op}:${x.n}`;
      ours[key] = measure(oursCase(op, x), budget);
      ml[key] = measure(mlCase(op, x), budget);
      process.stderr.write(`  ${key.padEnd(22)} ours ${fmtTime(ours[key].median).padStart(10)}   ml-matrix ${fmtTime(ml[key].median).padStart(10)}\n`);
    }
  }
  process.stderr.write('  running numpy baseline…\n');
  const np = runNumpy(inputs, sizes, budget);
  const npResults = typeof np === 'string' ? {} : np.results;

  const lines: string[] = [];
  lines.push(`| op | n | ours: median (min–max, samples×batch) | GFLOP/s | ml-matrix: median (min–max) | numpy: median (min–max) | t_ours / t_ml | t_ours / t_numpy |`);
  lines.push(`|---|---:|---|---:|---|---|---:|---:|`);
  const checks: string[] = [];
  for (const op of OPS) {
    for (const n of sizes) {
      const key = `${op}:${n}`;
      const o = ours[key];
      const m = ml[key];
      const p = npResults[key];
      const gf = op === 'gemm' ? ((2 * n ** 3) / o.median / 1e9).toFixed(2) : '';
      const rm = o.median / m.median;
      const rp = p === undefined ? undefined : o.median / p.median;
      lines.push(`| ${op} | ${n} | ${fmtStats(o)} | ${gf} | ${fmtStats(m)} | ${fmtStats(p)} | ${rm.toFixed(3)} | ${rp === undefined ? '—' : rp.toFixed(1)} |`);
      if (op === 'gemm' && n >= 128) {
        const g = (2 * n ** 3) / o.median / 1e9;
        checks.push(`- gemm n=${n}: ${g.toFixed(2)} GFLOP/s (target ≥ 5) — ${g >= 5 ? 'met' : 'MISSED'}`);
      }
      if (op === 'gemm' && n >= 32) checks.push(`- gemm n=${n}: ${(1 / rm).toFixed(1)}× faster than ml-matrix mmul (target ≥ 3×) — ${1 / rm >= 3 ? 'met' : 'MISSED'}`);
      if (op === 'eigh' && n >= 32) checks.push(`- eigh n=${n}: ${(1 / rm).toFixed(1)}× faster than ml-matrix EigenvalueDecomposition (target ≥ 2×) — ${1 / rm >= 2 ? 'met' : 'MISSED'}`);
      if (op === 'eigh' && n === 128 && rp !== undefined) checks.push(`- eigh n=128: ${rp.toFixed(1)}× numpy.linalg.eigh (target ≤ 6×) — ${rp <= 6 ? 'met' : 'MISSED'}`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const npInfo = typeof np === 'string' ? np : `numpy ${np.numpy} (BLAS: ${np.blas ?? 'unknown'}), scipy ${np.scipy ?? 'absent'}, Python ${np.python}`;
  const header = [
    `Node ${process.version} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} logical CPUs); ${npInfo}.`,
    `Single core against single core: the numpy child runs with OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1 and without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE.`,
    `Inputs: A, B iid N(0,1); S = Q·diag(λ)·Qᵀ (Haar Q, λ log-spaced, κ = ${SPD_COND}); b ~ N(0, I); seed ${SEED}+n; the same bytes go to numpy.`,
    `Per-case budget ${budget} s, ${MIN_SAMPLES} samples (≥ ${MIN_SAMPLES_OVER_BUDGET} when over budget), fast calls batched to ≥ ${MIN_SAMPLE_MS} ms per sample. Ratios are median times (< 1: ours faster). Total run ${seconds.toFixed(0)} s.`,
    `ml-matrix tr(AB) is \`A.mmul(B).trace()\` (it has no product-free trace); ours and numpy's einsum are O(n²).`,
  ];
  const table = [...header.map((h) => `${h}  `), '', ...lines, '', 'Targets:', ...checks].join('\n');
  process.stdout.write(`${table}\n`);
  if (sink === 0.123456789) process.stdout.write(' ');
  if (write) {
    const date = new Date().toISOString().slice(0, 10);
    const doc = [
      '# src/linalg benchmark',
      '',
      `Date: ${date}. Command: \`npm run bench:linalg -- --write\` (= \`tsx bench/linalg/run.ts --write\`).`,
      '',
      table,
      '',
      LIMITS,
    ].join('\n');
    writeFileSync(join(here, 'RESULTS.md'), `${doc}\n`);
  }
}

/** What bounds the numbers (static analysis, kept next to the generated table). */
const LIMITS = `## What limits the numbers

- **gemm** runs a 4×3 register-tiled micro-kernel on packed KC×NR / MC×KC panels (KC = 256,
  MC = 96, NC = 768). V8 (Node 20) emits scalar SSE/AVX code with no FMA and no SIMD, and every
  typed-array load carries an index computation and a bounds check (≈ 5 extra instructions), so the
  kernel is bound by instruction throughput: 3.9–4.2 GFLOP/s at n = 128–512 when gemm runs alone,
  ≈ 3.3 GFLOP/s in this mixed run (same process as ml-matrix, GC and shared-VM noise). Tile shapes
  2×4 … 6×4, 8×2, p-unrolling and a separate-array layout were measured; none exceeds ≈ 4.6 GFLOP/s
  even on L1-resident packed data. An asm.js (scalar Wasm, no bounds checks) prototype of the same
  kernel reached 4.3–5.7 GFLOP/s in isolation; a reliable ≥ 5 GFLOP/s needs Wasm SIMD, which this
  pure-TypeScript package does not use. numpy's OpenBLAS uses 256-bit FMA and is ≈ 10× faster per core.
- **eigh** is Householder tridiagonalisation (level-2, ≈ 1.2 GFLOP/s), Qᵀ accumulated in blocks of
  32 reflectors through gemm, and implicit QL whose rotations (≈ 5.7n³ flops, the dominant cost) are
  applied four at a time to contiguous rows (≈ 4–5 GFLOP/s). LAPACK's divide-and-conquer
  (dsyevd, used by numpy) does far fewer flops at large n, so the gap to numpy grows with n.
  At n = 32 the margin over ml-matrix is modest (2.1–2.3× across runs): rows of 32 are too short
  for the rotation and reflector loops to amortise their overhead, and ≈ 15 % of the time is the
  latency-bound scalar QL recurrence (one sqrt and one division per rotation).
- **Cholesky** is blocked (48-column panels; the trailing update goes through gemm), but the
  diagonal blocks and the panel solves are level-1 dot products and gemm itself is scalar; numpy
  calls LAPACK dpotrf with FMA kernels, hence the 7–9× gap at n ≥ 128.
- **tr(AB)** is memory-bound and O(n²) like einsum; ml-matrix forms the O(n³) product.
- Timings on a shared 2-vCPU VM vary by ±30 % between runs; min columns are the least disturbed.`;

main();
