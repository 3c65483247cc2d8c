/**
 * Risk + gradient throughput benchmark (not a test): evaluations per second of the exact ICL risks
 * for every estimator kind at d ∈ {4, 16, 64, 256}, M = 20, for Ψ = ψ²I and a general SPD Ψ,
 * against a numpy port of the same closed forms (bench/risk/numpy_risk.py, single-threaded BLAS).
 *
 * Rows (the same names in numpy_risk.py):
 *   gd-beta      riskGdBeta(problem, est) — original basis, risk + ∇Γ + ∇β₀ (two O(d³) rotations)
 *   gd-beta-eig  gdBetaRiskEig(eigenRiskData(problem), Γ̃, ẽ, ∇Γ̃, ∇β̃₀, ws) — the flow's kernel
 *   gd-0, gd-0-eig   the same for GD-0 (no ∇β₀)
 *   lsa, ltb     riskAttention(problem, est, false) — risk only (forward)
 *   lsa+grad, ltb+grad   riskAttention(problem, est) — risk + gradient w.r.t. the raw weights
 *
 * Order: build inputs → numerical check (numpy vs ours, printed first) → numpy timings (child
 * process) → our timings → markdown table (also written to bench/risk/RESULTS.md).
 * Run: `npm run bench:risk` (= `tsx bench/risk/run.ts`). Options: BENCH_RISK_BUDGET (seconds per
 * case, default 0.4), BENCH_RISK_DIMS (comma list, default 4,16,64,256).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, gemm, randomOrthogonal, spdFromSpectrum, toRows, type Matrix } from '../../src/linalg/index.js';
import { makeProblem, type GdBeta, type Gd0, type Lsa, type Ltb, type Problem } from '../../src/models/index.js';
import { allocGdBetaWorkspace, eigenRiskData, gdBetaRiskEig, riskAttention, riskGdBeta } from '../../src/risk/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DIMS = (process.env.BENCH_RISK_DIMS ?? '4,16,64,256').split(',').map(Number);
const BUDGET = Number(process.env.BENCH_RISK_BUDGET ?? '0.4');
const M = 20;
const SIGMA2 = 0.25;
const PSI2 = 0.7;
const KINDS = ['gd-beta', 'gd-beta-eig', 'gd-0', 'gd-0-eig', 'lsa', 'lsa+grad', 'ltb', 'ltb+grad'] as const;
type Kind = (typeof KINDS)[number];
type PsiKind = 'ψ²I' | 'SPD';

let sink = 0;
function consume(x: number): void {
  sink += x;
  if (Number.isNaN(x)) throw new Error('NaN in benchmark result');
}

function sq(d: number): Matrix {
  return { rows: d, cols: d, data: new Float64Array(d * d) };
}
function randMat(rng: Rng, r: number, c: number, scale: number): Matrix {
  const m: Matrix = { rows: r, cols: c, data: rng.fillNormal(new Float64Array(r * c)) };
  for (let i = 0; i < m.data.length; i++) m.data[i]! *= scale;
  return m;
}
function randVec(rng: Rng, n: number, scale: number): Float64Array {
  const v = rng.fillNormal(new Float64Array(n));
  for (let i = 0; i < n; i++) v[i]! *= scale;
  return v;
}
const rows = (m: Matrix): number[][] => toRows(m) as number[][];

interface Case {
  id: string;
  d: number;
  psiKind: PsiKind;
  problem: Problem;
  gdBeta: GdBeta;
  gd0: Gd0;
  lsa: Lsa;
  ltb: Ltb;
  GammaEig: Float64Array;
  eEig: Float64Array;
  e0Eig: Float64Array;
}

function buildCase(d: number, psiKind: PsiKind): Case {
  const rng = new Rng(1000 + d * 10 + (psiKind === 'SPD' ? 1 : 0));
  const H = spdFromSpectrum(randomOrthogonal(rng, d), Array.from({ length: d }, (_, i) => 0.2 + (1.8 * i) / Math.max(1, d - 1)));
  const Psi: number | number[][] =
    psiKind === 'ψ²I' ? PSI2 : rows(spdFromSpectrum(randomOrthogonal(rng, d), Array.from({ length: d }, (_, i) => 0.1 + (1.4 * i) / Math.max(1, d - 1))));
  const betaStar = Array.from(randVec(rng, d, 1 / Math.sqrt(d)));
  const problem = makeProblem({ d, M, H: rows(H), Psi, betaStar, sigma2: SIGMA2 });
  if ((problem.psiIsotropic !== null) !== (psiKind === 'ψ²I')) throw new Error('unexpected psiIsotropic');
  const Gamma = randMat(rng, d, d, 0.5 / d);
  const beta0 = randVec(rng, d, 1 / Math.sqrt(d));
  const n = d + 1;
  const lsa: Lsa = { kind: 'lsa', WKQ: randMat(rng, n, n, 1 / Math.sqrt(n)), WPV: randMat(rng, n, n, 1 / Math.sqrt(n)) };
  const df = n;
  const ltb: Ltb = {
    kind: 'ltb', WKQ: randMat(rng, n, n, 1 / Math.sqrt(n)), WPV: randMat(rng, n, n, 1 / Math.sqrt(n)),
    W1: randMat(rng, df, n, 1 / Math.sqrt(n)), W2: randMat(rng, df, n, 1 / Math.sqrt(df)),
  };
  // eigenbasis inputs: Γ̃ = VᵀΓV, ẽ = Vᵀ(β* − β₀), ẽ₀ = Vᵀβ*
  const tmp = gemm(sq(d), Gamma, problem.V);
  const GammaEig = gemm(sq(d), problem.V, tmp, 'TN').data;
  const eEig = new Float64Array(d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) eEig[i] += problem.V.data[k * d + i]! * (betaStar[k]! - beta0[k]!);
  return {
    id: `d=${d} ${psiKind}`, d, psiKind, problem,
    gdBeta: { kind: 'gd-beta', Gamma, beta0 }, gd0: { kind: 'gd-0', Gamma }, lsa, ltb,
    GammaEig, eEig, e0Eig: Float64Array.from(problem.betaStarEig),
  };
}

/** Ours: risk and flattened gradients (for the check) and a timed closure per kind. */
type Evaluated = { risk: number; grads: Record<string, Float64Array> };
function oursFor(c: Case): Record<Kind, { eval: () => Evaluated; timed: () => void }> {
  const { d, problem: pr } = c;
  const data = eigenRiskData(pr);
  const ws = allocGdBetaWorkspace(d);
  const gG = new Float64Array(d * d);
  const gB = new Float64Array(d);
  const eig = (e: Float64Array, withB: boolean) => (): Evaluated => {
    const risk = gdBetaRiskEig(data, c.GammaEig, e, gG, withB ? gB : null, ws);
    return { risk, grads: withB ? { gradGamma: gG.slice(), gradBeta0: gB.slice() } : { gradGamma: gG.slice() } };
  };
  const orig = (est: GdBeta | Gd0) => (): Evaluated => {
    const r = riskGdBeta(pr, est);
    return { risk: r.risk, grads: est.kind === 'gd-beta' ? { gradGamma: r.gradGamma.data, gradBeta0: r.gradBeta0 } : { gradGamma: r.gradGamma.data } };
  };
  const att = (est: Lsa | Ltb, g: boolean) => (): Evaluated => {
    const r = riskAttention(pr, est, g);
    const grads: Record<string, Float64Array> = {};
    if (g) {
      grads.gradWKQ = r.gradWKQ.data;
      grads.gradWPV = r.gradWPV.data;
      if (r.gradW1) grads.gradW1 = r.gradW1.data;
      if (r.gradW2) grads.gradW2 = r.gradW2.data;
    }
    return { risk: r.risk, grads };
  };
  return {
    'gd-beta': { eval: orig(c.gdBeta), timed: () => { const r = riskGdBeta(pr, c.gdBeta); consume(r.risk + r.gradGamma.data[0]! + r.gradBeta0[0]!); } },
    'gd-beta-eig': { eval: eig(c.eEig, true), timed: () => consume(gdBetaRiskEig(data, c.GammaEig, c.eEig, gG, gB, ws) + gG[0]! + gB[0]!) },
    'gd-0': { eval: orig(c.gd0), timed: () => { const r = riskGdBeta(pr, c.gd0); consume(r.risk + r.gradGamma.data[0]!); } },
    'gd-0-eig': { eval: eig(c.e0Eig, false), timed: () => consume(gdBetaRiskEig(data, c.GammaEig, c.e0Eig, gG, null, ws) + gG[0]!) },
    lsa: { eval: att(c.lsa, false), timed: () => consume(riskAttention(pr, c.lsa, false).risk) },
    'lsa+grad': { eval: att(c.lsa, true), timed: () => { const r = riskAttention(pr, c.lsa); consume(r.risk + r.gradWKQ.data[0]!); } },
    ltb: { eval: att(c.ltb, false), timed: () => consume(riskAttention(pr, c.ltb, false).risk) },
    'ltb+grad': { eval: att(c.ltb, true), timed: () => { const r = riskAttention(pr, c.ltb); consume(r.risk + r.gradW1!.data[0]!); } },
  };
}

interface Timing { median: number; min: number; max: number; samples: number; inner: number }

function timeCase(fn: () => void, budget: number): Timing {
  fn();
  fn(); // warm-up (JIT)
  let t0 = performance.now();
  fn();
  const one = Math.max((performance.now() - t0) / 1000, 1e-9);
  const inner = Math.max(1, Math.floor(0.02 / one)); // ~20 ms per sample
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 3 || ((performance.now() - start) / 1000 < budget && samples.length < 25)) {
    t0 = performance.now();
    for (let k = 0; k < inner; k++) fn();
    samples.push((performance.now() - t0) / 1000 / inner);
  }
  const eps = samples.map((s) => 1 / s).sort((a, b) => a - b);
  const mid = eps.length >> 1;
  const median = eps.length % 2 ? eps[mid]! : (eps[mid - 1]! + eps[mid]!) / 2;
  return { median, min: eps[0]!, max: eps[eps.length - 1]!, samples: samples.length, inner };
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(a[i]!), Math.abs(b[i]!));
  }
  return den === 0 ? num : num / den;
}

function runPython(inputPath: string, mode: 'check' | 'time'): Record<string, unknown> {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('python3', [join(HERE, 'numpy_risk.py'), inputPath, mode, String(BUDGET)], {
    env, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`numpy_risk.py ${mode} failed (status ${r.status}): ${r.error?.message ?? ''}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const fmt = (x: number): string => (x >= 1e5 ? x.toExponential(2) : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3));

function main(): void {
  const wall0 = performance.now();
  const load0 = loadavg()[0]!.toFixed(2);
  const cases: Case[] = [];
  for (const d of DIMS) for (const pk of ['ψ²I', 'SPD'] as const) cases.push(buildCase(d, pk));
  const dir = mkdtempSync(join(tmpdir(), 'bench-risk-'));
  const inputPath = join(dir, 'input.json');
  const v = (x: ArrayLike<number>): number[] => Array.from(x);
  const m2 = (x: Matrix): number[][] => rows(x);
  writeFileSync(inputPath, JSON.stringify({
    cases: cases.map((c) => ({
      id: c.id, d: c.d, M, sigma2: SIGMA2, psiKind: c.psiKind,
      H: m2(c.problem.H), Psi: m2(c.problem.Psi), betaStar: v(c.problem.betaStar),
      Gamma: m2(c.gdBeta.Gamma), beta0: v(c.gdBeta.beta0),
      lambda: v(c.problem.lambda), PsiEig: m2(c.problem.PsiEig), psiIsotropic: c.problem.psiIsotropic,
      GammaEig: m2({ rows: c.d, cols: c.d, data: c.GammaEig }), eEig: v(c.eEig), e0Eig: v(c.e0Eig),
      lsa: { WKQ: m2(c.lsa.WKQ), WPV: m2(c.lsa.WPV) },
      ltb: { WKQ: m2(c.ltb.WKQ), WPV: m2(c.ltb.WPV), W1: m2(c.ltb.W1), W2: m2(c.ltb.W2) },
    })),
  }));
  const ours = cases.map(oursFor);

  // ---- 1. numerical check ----
  console.log(`# risk bench — node ${process.version}, ${cpus()[0]?.model ?? '?'}; M=${M}, σ²=${SIGMA2}, ψ²=${PSI2}\n`);
  console.log('## Check: numpy (same formulas) vs ours — relative error of the risk (target ≤ 1e-10) and max-norm relative error of the gradients\n');
  const chk = runPython(inputPath, 'check') as { numpy: string; check: { id: string; kind: Kind; risk: number; grads: Record<string, number[]> }[] };
  let allOk = true;
  const checkLines: string[] = ['| case | kind | risk (ours) | rel. err risk | rel. err grads | ok |', '|---|---|---|---|---|---|'];
  for (const row of chk.check) {
    const ci = cases.findIndex((c) => c.id === row.id);
    const o = ours[ci]![row.kind].eval();
    const er = Math.abs(o.risk - row.risk) / Math.abs(o.risk);
    let eg = 0;
    for (const [k, g] of Object.entries(row.grads)) {
      const og = o.grads[k];
      if (!og) throw new Error(`missing gradient ${k} for ${row.kind}`);
      eg = Math.max(eg, relErr(og, g));
    }
    const ok = er <= 1e-10 && eg <= 1e-9;
    allOk &&= ok;
    checkLines.push(`| ${row.id} | ${row.kind} | ${o.risk.toPrecision(10)} | ${er.toExponential(1)} | ${Object.keys(row.grads).length ? eg.toExponential(1) : '—'} | ${ok ? 'yes' : 'NO'} |`);
  }
  console.log(checkLines.join('\n'));
  console.log(`\ncheck: ${allOk ? 'PASS' : 'FAIL'} (numpy ${chk.numpy})\n`);

  // ---- 2. numpy timings ----
  console.error('timing numpy (OPENBLAS/OMP/MKL_NUM_THREADS=1) …');
  const py = runPython(inputPath, 'time') as { timings: (Timing & { id: string; kind: Kind })[] };
  rmSync(dir, { recursive: true, force: true });

  // ---- 3. our timings ----
  console.error('timing ours …');
  const res: { c: Case; kind: Kind; ours: Timing; np: Timing }[] = [];
  cases.forEach((c, ci) => {
    for (const kind of KINDS) {
      const t = timeCase(ours[ci]![kind].timed, BUDGET);
      console.error(`  ours ${c.id} ${kind}: ${t.median.toPrecision(4)} evals/s`);
      res.push({ c, kind, ours: t, np: py.timings.find((x) => x.id === c.id && x.kind === kind)! });
    }
  });

  // ---- 4. table ----
  const lines = ['| kind | d | Ψ | ours evals/s median (min–max) | numpy evals/s median (min–max) | ours/numpy |', '|---|---:|---|---:|---:|---:|'];
  for (const kind of KINDS) {
    for (const r of res.filter((x) => x.kind === kind)) {
      lines.push(`| ${kind} | ${r.c.d} | ${r.c.psiKind} | ${fmt(r.ours.median)} (${fmt(r.ours.min)}–${fmt(r.ours.max)}) | ${fmt(r.np.median)} (${fmt(r.np.min)}–${fmt(r.np.max)}) | ${(r.ours.median / r.np.median).toFixed(2)} |`);
    }
  }
  const table = lines.join('\n');

  // ---- 5. targets ----
  const get = (kind: Kind, d: number, pk: PsiKind) => res.find((x) => x.kind === kind && x.c.d === d && x.c.psiKind === pk);
  const tgt: string[] = [];
  for (const kind of ['gd-beta', 'gd-beta-eig'] as const) {
    for (const d of DIMS.filter((x) => x <= 64)) {
      for (const pk of ['ψ²I', 'SPD'] as const) {
        const r = get(kind, d, pk)!;
        const ratio = r.ours.median / r.np.median;
        const need = d <= 16 ? 10 : 1;
        tgt.push(`- ${kind} d=${d} ${pk}: ours/numpy = ${ratio.toFixed(2)} (target ≥ ${need}×) → ${ratio >= need ? 'MET' : 'NOT MET'}`);
      }
    }
  }
  if (DIMS.includes(64) && DIMS.includes(256)) {
    for (const kind of ['gd-beta-eig', 'gd-beta'] as const) {
      for (const pk of ['ψ²I', 'SPD'] as const) {
        const a = get(kind, 64, pk)!.ours;
        const b = get(kind, 256, pk)!.ours;
        tgt.push(`- scaling ${kind} ${pk}: time(d=256)/time(d=64) = ${(a.median / b.median).toFixed(1)}× by medians, ${(a.max / b.max).toFixed(1)}× by best samples (O(d²) → 16×, O(d³) → 64×)`);
      }
    }
  }
  const wall = (performance.now() - wall0) / 1000;
  const loadNote = `1-min load average ${load0} at start, ${loadavg()[0]!.toFixed(2)} at end on ${cpus().length} logical CPUs (other processes running concurrently inflate min–max spreads and can bias ratios)`;
  const summary = `${table}\n\n### Targets\n\n${tgt.join('\n')}\n\nwhole bench: ${wall.toFixed(1)} s (target < 180 s); numerical check: ${allOk ? 'PASS' : 'FAIL'}; ${loadNote}`;
  console.log(summary);

  const md = `# Risk + gradient throughput — ours vs numpy

Date: ${new Date().toISOString()}  
Command: \`npm run bench:risk\` (= \`tsx bench/risk/run.ts\`; spawns \`python3 bench/risk/numpy_risk.py\` with OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1, OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset)  
Machine: ${cpus()[0]?.model ?? '?'} (${cpus().length} logical CPUs), node ${process.version}, numpy ${chk.numpy}; M = ${M}, σ² = ${SIGMA2}, ψ² = ${PSI2}; per-case time budget ${BUDGET} s (≥ 3 samples, each ≈ 20 ms or one call).

Rows: \`gd-beta\` = \`riskGdBeta\` (original basis, risk + ∇Γ + ∇β₀, two O(d³) rotations) vs numpy in the original basis;
\`gd-beta-eig\` = \`gdBetaRiskEig\` (eigenbasis kernel of the gradient flow; O(d²) for Ψ = ψ²I) vs the same kernel in numpy;
\`gd-0\`/\`gd-0-eig\` likewise without ∇β₀; \`lsa\`/\`ltb\` = \`riskAttention(…, false)\` (risk only) and \`+grad\` with the gradient
w.r.t. the raw weights — numpy ports the same reduced-form risk AND its reverse pass (masked). Inputs are built once outside the timed closures.

## Numerical check (numpy vs ours, before timing)

${checkLines.join('\n')}

check: ${allOk ? 'PASS' : 'FAIL'}

## Throughput

${summary}
`;
  writeFileSync(join(HERE, 'RESULTS.md'), md);
  if (sink === 42.4242) console.log('');
}

main();
