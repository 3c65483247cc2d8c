/**
 * Gradient-flow benchmark (not a test): the GD-β flow from Γ = 0, β₀ = 0 until R − R* < 1e-10·R*,
 * for d ∈ {4, 16, 64, 256} (plus d = 32 for the ill-conditioned comparison), cond(H) ∈ {10, 1e4},
 * Ψ ∈ {ψ²I, general SPD}:
 *
 * - ours: every method of src/flow/run.ts that can finish (etd4/etd3 exponential integrators,
 *   RODAS4 with the structured linear solver, Dopri5, Tsit5, DOP853), in-process;
 * - scipy.integrate.solve_ivp (RK45, DOP853, LSODA, BDF, Radau; the implicit ones with the
 *   analytic dense Jacobian when n = d² + d ≤ DENSE_JAC_MAX) on the same right-hand side in numpy
 *   (bench/flow/scipy_flow.py, spawned with OPENBLAS/OMP/MKL_NUM_THREADS=1 and OPENBLAS_CORETYPE,
 *   OPENBLAS_L2_SIZE unset in that child only);
 * - plain fixed-step gradient descent θ ← θ − η∇R(θ) at the largest stable learning rate found
 *   among η = c/λ_max(∇²R*), c ∈ {1.99, 1.5, 1, 0.5, 0.25}.
 *
 * Tolerance protocol (final errors are equal by the stopping rule, so each solver may use the
 * loosest tolerance that still gets there): exponential/implicit solvers (ours etd3, etd4,
 * rosenbrock; scipy LSODA, BDF, Radau) are run at rtol ∈ {1e-3, 1e-6}, explicit RK (ours Dopri5,
 * Tsit5, DOP853; scipy RK45, DOP853) at rtol = 1e-6 only (at loose tolerances they hover at the
 * tolerance-level noise around the optimum and never reach 1e-10·R*); atol = rtol·1e-4. Each run
 * stops at the first step end with R − R* ≤ 1e-10·R*; a solver's best converged run is the one
 * compared. Trajectory accuracy is compared separately in the work–precision table (error at a
 * fixed time against a tight reference, rtol 1e-4 … 1e-12, one case). Hopeless combinations are
 * skipped with a stated estimate (explicit methods and GD at cond 1e4: at least T·λ_max/3.3 steps
 * with T = ln(gap₀/target)/(2λ_min)); every run has a wall-clock budget.
 *
 * Run: `tsx bench/flow/run.ts` (writes bench/flow/RESULTS.md). Env: BENCH_FLOW_BUDGET (seconds per
 * run, default 25), BENCH_FLOW_QUICK=1 (d ≤ 16 only).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomOrthogonal, Rng, spdFromSpectrum, toRows } from '../../src/linalg/index.js';
import { makeProblem, type Problem } from '../../src/models/index.js';
import { gdBetaFlow, runFlow, type FlowMethod, type GdBetaFlow } from '../../src/flow/index.js';
import { dop853, solve } from '../../src/flow/ode/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BUDGET = Number(process.env.BENCH_FLOW_BUDGET ?? '12');
/** Longer budget for every run at d = 256 (one rung each; the '< 10 s' target needs a number). */
const BIG_BUDGET = 3 * BUDGET;
const QUICK = process.env.BENCH_FLOW_QUICK === '1';
/** rtol ladder of exponential/implicit solvers; explicit RK use only the last (tight) rung. */
const RTOLS = [1e-3, 1e-6];
const ATOL_FACTOR = 1e-4;
const TARGET = 1e-10;
/** scipy's implicit methods get the dense analytic Jacobian up to this n = d² + d. */
const DENSE_JAC_MAX = 1100;
/** Our dense/structured Rosenbrock: skip when a general-Ψ step (eigh + ~10 d³ products) is hopeless. */
const ROSENBROCK_GENERAL_MAX_D = 64;
const GD_FACTORS = [1.99, 1.5, 1, 0.5, 0.25, 0.1, 0.05, 0.02];
const OUR_METHODS: Exclude<FlowMethod, 'auto' | 'euler' | 'rk4' | 'bosh3'>[] = ['etd4', 'etd3', 'rosenbrock', 'dopri5', 'tsit5', 'dop853'];
const SCIPY_METHODS = ['RK45', 'DOP853', 'LSODA', 'BDF', 'Radau'];

interface Case {
  id: string;
  d: number;
  cond: number;
  psi: 'ψ²I' | 'general';
  problem: Problem;
  flow: GdBetaFlow;
}

function buildCase(d: number, cond: number, psi: 'ψ²I' | 'general'): Case {
  const rng = new Rng(7000 + 10 * d + (cond > 100 ? 1 : 0) + (psi === 'general' ? 5 : 0));
  const lam = Array.from({ length: d }, (_, i) => cond ** (-i / Math.max(1, d - 1)));
  const H = toRows(spdFromSpectrum(randomOrthogonal(rng, d), lam));
  const Psi = psi === 'ψ²I' ? 1 : toRows(spdFromSpectrum(randomOrthogonal(rng, d), Array.from({ length: d }, () => 0.5 + rng.uniform())));
  const betaStar = Array.from({ length: d }, () => rng.normal());
  const problem = makeProblem({ d, M: 2 * d, H, Psi, betaStar, sigma2: 0.1 });
  return { id: `d=${d} cond=${cond === 10 ? '10' : '1e4'} ${psi}`, d, cond, psi, problem, flow: gdBetaFlow(problem) };
}

interface Row {
  caseId: string;
  solver: string;
  rtol?: number;
  status: string;
  seconds: number;
  nfev: number;
  steps: number;
  gapRel: number;
  dist: number;
  note?: string;
}

const fmtS = (s: number): string => (s < 1e-3 ? `${(s * 1e6).toFixed(0)} µs` : s < 1 ? `${(s * 1e3).toFixed(1)} ms` : `${s.toFixed(2)} s`);
const fmtE = (x: number): string => (Number.isFinite(x) ? x.toExponential(1) : '–');

/** Steps an explicit method or GD needs at least (stability h ≤ 3.3/λ_max over T = ln(gap₀/target)/(2λ_min)). */
function explicitEstimate(c: Case): number {
  const hs = c.flow.hessian();
  const gap0 = c.flow.gap(new Float64Array(c.flow.n));
  const T = Math.log(gap0 / (TARGET * c.flow.optimalRisk)) / (2 * hs.lambdaMin);
  return (T * hs.lambdaMax) / 3.3;
}

class BudgetExceeded extends Error {}

function runOurs(c: Case, method: (typeof OUR_METHODS)[number], rtol: number, budget = BUDGET): Row {
  const once = (): Row => {
    const deadline = performance.now() + budget * 1000;
    try {
      const r = runFlow(c.problem, {
        method,
        rtol,
        atol: rtol * ATOL_FACTOR,
        convergedGap: TARGET,
        // this bench's protocol is the gap-only rule (scipy's event is on the gap); family.ts uses both
        convergedDistance: Infinity,
        maxSteps: 5_000_000,
        onStep: ({ step }) => {
          if ((step & 63) === 0 && performance.now() > deadline) throw new BudgetExceeded();
        },
      });
      const v = r.verdict;
      if (v.kind !== 'gd') throw new Error('unexpected verdict');
      const status = r.status === 'converged' && !v.monotone ? 'non-monotone' : r.status;
      return { caseId: c.id, solver: `ours ${method}`, rtol, status, seconds: r.wallTimeMs / 1000, nfev: r.nfev, steps: r.steps, gapRel: v.gap / v.optimalRisk, dist: v.distanceToOptimum };
    } catch (e) {
      if (e instanceof BudgetExceeded) return { caseId: c.id, solver: `ours ${method}`, rtol, status: 'budget', seconds: budget, nfev: NaN, steps: NaN, gapRel: NaN, dist: NaN, note: `> ${budget} s budget` };
      throw e;
    }
  };
  let best = once();
  // Warm, repeated timing for fast runs (JIT warm-up is not the flow's cost).
  for (let k = 0; k < 4 && best.status === 'converged' && best.seconds < 0.5; k++) {
    const r = once();
    if (r.seconds < best.seconds) best = r;
  }
  return best;
}

/** Plain GD θ ← θ + η f(θ) on the flow's allocation-free field; gap checked every 16 steps. */
function runGd(c: Case): Row {
  const { flow } = c;
  const hs = flow.hessian();
  const target = TARGET * flow.optimalRisk;
  const estSteps = Math.log(flow.gap(new Float64Array(flow.n)) / target) / (2 * 1.99 * (hs.lambdaMin / hs.lambdaMax));
  if (estSteps > 2e7) {
    return { caseId: c.id, solver: 'plain GD', status: 'skipped', seconds: NaN, nfev: NaN, steps: NaN, gapRel: NaN, dist: NaN, note: `needs ≥ ${estSteps.toExponential(1)} steps (η ≤ 2/λ_max, rate 2ηλ_min)` };
  }
  for (const factor of GD_FACTORS) {
    const eta = factor / hs.lambdaMax;
    const y = new Float64Array(flow.n);
    const f = new Float64Array(flow.n);
    const start = performance.now();
    const deadline = start + BUDGET * 1000;
    const gap0 = flow.gap(y);
    let steps = 0;
    let status = 'converged';
    for (;;) {
      flow.field(0, y, f);
      for (let k = 0; k < y.length; k++) y[k] += eta * f[k]!;
      steps++;
      if ((steps & 15) === 0) {
        const g = flow.gap(y);
        if (!(g < 1e3 * gap0)) {
          status = 'diverged';
          break;
        }
        if (g <= target) break;
        if (performance.now() > deadline) {
          status = 'budget';
          break;
        }
      }
    }
    if (status === 'diverged') continue;
    const seconds = (performance.now() - start) / 1000;
    const g = flow.gap(y);
    if (status === 'budget') {
      // Asymptotically the gap contracts by (1 − ηλ_min)² per step: project the remaining steps.
      const projected = Math.round(steps + Math.log(g / target) / (-2 * Math.log1p(-eta * hs.lambdaMin)));
      return { caseId: c.id, solver: 'plain GD', status, seconds, nfev: projected, steps, gapRel: g / flow.optimalRisk, dist: flow.distance(y), note: `η = ${factor}/λ_max(∇²R*); gradient evals = ${steps} done + projected remainder` };
    }
    return { caseId: c.id, solver: 'plain GD', status, seconds, nfev: steps, steps, gapRel: g / flow.optimalRisk, dist: flow.distance(y), note: `η = ${factor}/λ_max(∇²R*)` };
  }
  return { caseId: c.id, solver: 'plain GD', status: 'diverged', seconds: NaN, nfev: NaN, steps: NaN, gapRel: NaN, dist: NaN, note: `diverged for every η = c/λ_max, c ∈ {${GD_FACTORS.join(', ')}}` };
}

interface ScipyCase {
  id: string;
  d: number;
  M: number;
  sigma2: number;
  lam: number[];
  Psi: number[];
  psi2: number | null;
  bs: number[];
  Gstar: number[];
  B0: number[];
  Rstar: number;
  target: number;
  methods: { method: string; rtol: number; jac?: boolean }[];
  rtol: number;
  atolFactor: number;
  budget: number;
  tEnd?: number;
  y0?: number[];
  returnY?: boolean;
}

function scipyCase(c: Case, methods: ScipyCase['methods'], extra: Partial<ScipyCase> = {}): ScipyCase {
  const { problem, flow } = c;
  return {
    id: c.id,
    d: c.d,
    M: problem.M,
    sigma2: problem.sigma2,
    lam: Array.from(problem.lambda),
    Psi: Array.from(problem.PsiEig.data),
    psi2: problem.psiIsotropic,
    bs: Array.from(problem.betaStarEig),
    Gstar: Array.from(flow.yStar.subarray(0, c.d * c.d)),
    B0: Array.from(flow.hessian().B0.data),
    Rstar: flow.optimalRisk,
    target: TARGET * flow.optimalRisk,
    methods,
    rtol: RTOLS[RTOLS.length - 1]!,
    atolFactor: ATOL_FACTOR,
    budget: BUDGET,
    ...extra,
  };
}

interface ScipyResult {
  id: string;
  method: string;
  rtol: number;
  status: string;
  seconds: number;
  nfev: number;
  njev: number;
  nlu?: number;
  steps?: number;
  t?: number;
  gap?: number;
  dist?: number;
  y?: number[];
}

function runScipy(cases: ScipyCase[]): { versions: Record<string, string>; results: ScipyResult[] } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-flow-'));
  const input = join(dir, 'cases.json');
  writeFileSync(input, JSON.stringify({ cases }));
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('python3', [join(HERE, 'scipy_flow.py'), input], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`scipy_flow.py failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { versions: Record<string, string>; results: ScipyResult[] };
}

function scipyMethodsFor(c: Case): { run: ScipyCase['methods']; skipped: Row[] } {
  const n = c.d * c.d + c.d;
  const run: ScipyCase['methods'] = [];
  const skipped: Row[] = [];
  const est = explicitEstimate(c);
  const skip = (m: string, note: string): void => {
    skipped.push({ caseId: c.id, solver: `scipy ${m}`, status: 'skipped', seconds: NaN, nfev: NaN, steps: NaN, gapRel: NaN, dist: NaN, note });
  };
  for (const m of SCIPY_METHODS) {
    const implicit = m === 'LSODA' || m === 'BDF' || m === 'Radau';
    if (!implicit) {
      if (est > 2e6) skip(m, `stiff: ≥ ${est.toExponential(1)} steps`);
      else run.push({ method: m, rtol: RTOLS[RTOLS.length - 1]! });
    } else if (n <= DENSE_JAC_MAX) {
      for (const rtol of RTOLS) run.push({ method: m, rtol });
    } else skip(m, m === 'LSODA' ? `dense Jacobian ${n}² too large; with forward differences (n evaluations per Jacobian) LSODA exceeded the budget in trial runs at d = 64` : `dense Jacobian ${n}² too large`);
  }
  return { run, skipped };
}

function main(): void {
  const started = Date.now();
  const dims = QUICK ? [4, 16] : [4, 16, 64, 256];
  const cases: Case[] = [];
  for (const cond of [10, 1e4]) {
    const ds = cond === 10 ? dims : [...dims.slice(0, 2), 32, ...dims.slice(2)];
    for (const d of ds) for (const psi of ['ψ²I', 'general'] as const) cases.push(buildCase(d, cond, psi));
  }
  const rows: Row[] = [];
  const scipyCases: ScipyCase[] = [];
  for (const c of cases) {
    const { run, skipped } = scipyMethodsFor(c);
    rows.push(...skipped);
    // Same long budget as ours at d = 256 (their explicit runs need ~10⁴ evaluations of ~1 ms).
    if (run.length > 0) scipyCases.push(scipyCase(c, run, c.d >= 256 ? { budget: BIG_BUDGET } : {}));
  }
  console.error(`scipy: ${scipyCases.reduce((s, c) => s + c.methods.length, 0)} runs (budget ${BUDGET} s each) …`);
  const scipy = runScipy(scipyCases);
  for (const r of scipy.results) {
    const c = cases.find((x) => x.id === r.id)!;
    rows.push({
      caseId: r.id,
      solver: `scipy ${r.method}`,
      rtol: r.rtol,
      status: r.status,
      seconds: r.seconds,
      nfev: r.nfev,
      steps: r.steps ?? NaN,
      gapRel: (r.gap ?? NaN) / c.flow.optimalRisk,
      dist: r.dist ?? NaN,
      note: r.njev > 0 ? `${r.njev} Jacobians, ${r.nlu ?? 0} LU${r.status === 'budget' ? ', over budget' : ''}` : r.status === 'budget' ? `> ${Math.floor(r.seconds)} s budget` : undefined,
    });
  }
  for (const c of cases) {
    console.error(`ours: ${c.id} …`);
    const est = explicitEstimate(c);
    for (const m of OUR_METHODS) {
      const explicit = m === 'dopri5' || m === 'tsit5' || m === 'dop853';
      if (explicit && est > 2e6) {
        rows.push({ caseId: c.id, solver: `ours ${m}`, status: 'skipped', seconds: NaN, nfev: NaN, steps: NaN, gapRel: NaN, dist: NaN, note: `stiff: ≥ ${est.toExponential(1)} steps` });
        continue;
      }
      if (m === 'rosenbrock' && c.psi === 'general' && c.d > ROSENBROCK_GENERAL_MAX_D) {
        rows.push({ caseId: c.id, solver: `ours ${m}`, status: 'skipped', seconds: NaN, nfev: NaN, steps: NaN, gapRel: NaN, dist: NaN, note: `general Ψ: eigh + ~4 d³ products per stage at d = ${c.d}` });
        continue;
      }
      // Keep the whole bench under 10 minutes: at d ≥ 64 drop the solvers that the d ≤ 32 rows show
      // are dominated (etd3 by etd4; Tsit5/DOP853 by Dopri5 at d = 256; the tight Rosenbrock rung).
      if (c.d >= 64 && m === 'etd3') continue;
      if (c.d >= 256 && explicit) {
        rows.push({ caseId: c.id, solver: `ours ${m}`, status: 'skipped', seconds: NaN, nfev: NaN, steps: NaN, gapRel: NaN, dist: NaN, note: 'not run at d = 256 (≥ 7000 evaluations as at d = 64; see scipy RK45/DOP853)' });
        continue;
      }
      if (explicit) rows.push(runOurs(c, m, RTOLS[RTOLS.length - 1]!));
      else if (c.d >= 256) rows.push(runOurs(c, m, RTOLS[0]!, BIG_BUDGET)); // the tight rung exceeds any budget here
      else for (const rtol of RTOLS) rows.push(runOurs(c, m, rtol));
    }
    rows.push(runGd(c));
  }

  // ---- work–precision on one case ----
  const wp = workPrecision(buildCase(16, 10, 'general'));

  const md = report(cases, rows, wp, scipy.versions, (Date.now() - started) / 1000);
  writeFileSync(join(HERE, 'RESULTS.md'), md);
  process.stdout.write(md);
}

interface WpRow {
  solver: string;
  rtol: number;
  seconds: number;
  nfev: number;
  err: number;
}

function workPrecision(c: Case): { caseId: string; T: number; refNote: string; rows: WpRow[] } {
  const { flow } = c;
  const T = 1 / flow.hessian().lambdaMin;
  const y0 = new Float64Array(flow.n);
  const ref = solve(flow.field, y0, [0, T], dop853, { rtol: 1e-13, atol: 1e-16, maxSteps: 5_000_000 }).y;
  const refE = runFlow(c.problem, { method: 'etd4', rtol: 1e-13, atol: 1e-16, tEnd: T, maxSteps: 5_000_000 });
  const refE2 = flow.fromEstimator(refE.estimator as never);
  const errOf = (y: ArrayLike<number>): number => {
    let num = 0;
    let den = 0;
    for (let k = 0; k < flow.n; k++) {
      num = Math.max(num, Math.abs(y[k]! - ref[k]!));
      den = Math.max(den, Math.abs(ref[k]!));
    }
    return num / den;
  };
  const refNote = `reference: our DOP853 at rtol 1e-13, atol 1e-16; our etd4 at the same tolerance differs from it by ${errOf(refE2).toExponential(1)}`;
  const rtols = [1e-4, 1e-6, 1e-8, 1e-10, 1e-12];
  const rows: WpRow[] = [];
  for (const method of ['etd4', 'rosenbrock', 'dop853', 'tsit5'] as const) {
    for (const rtol of rtols) {
      let best: FlowRunLite | null = null;
      for (let k = 0; k < 3; k++) {
        const r = runFlow(c.problem, { method, rtol, atol: rtol * 1e-4, tEnd: T, maxSteps: 5_000_000 });
        if (best === null || r.wallTimeMs < best.ms) best = { ms: r.wallTimeMs, nfev: r.nfev, y: flow.fromEstimator(r.estimator as never) };
      }
      rows.push({ solver: `ours ${method}`, rtol, seconds: best!.ms / 1000, nfev: best!.nfev, err: errOf(best!.y) });
    }
  }
  const sc = rtols.map((rtol) => ({ ...scipyCase(c, SCIPY_METHODS.map((method) => ({ method, rtol })), { tEnd: T, returnY: true }), id: `wp ${rtol}` }));
  const res = runScipy(sc);
  for (const r of res.results) {
    const rtol = Number(r.id.split(' ')[1]);
    rows.push({ solver: `scipy ${r.method}`, rtol, seconds: r.seconds, nfev: r.nfev, err: r.y ? errOf(r.y) : NaN });
  }
  return { caseId: `${c.id}, t ∈ [0, T], T = 1/λ_min(∇²R*) = ${T.toPrecision(3)}`, T, refNote, rows };
}

interface FlowRunLite {
  ms: number;
  nfev: number;
  y: Float64Array;
}

function report(cases: Case[], rows: Row[], wp: ReturnType<typeof workPrecision>, versions: Record<string, string>, total: number): string {
  const lines: string[] = [];
  const date = new Date().toISOString().slice(0, 10);
  lines.push('# Gradient-flow benchmark (GD-β flow from zero to R − R* < 1e-10·R*)');
  lines.push('');
  lines.push(`Date: ${date}. Command: \`tsx bench/flow/run.ts\` (spawns \`python3 bench/flow/scipy_flow.py\` with OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1, OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset in that child).  `);
  lines.push(`Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}; Python ${versions.python}, numpy ${versions.numpy}, scipy ${versions.scipy}. Load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(', ')} (the machine is shared: timings are noisy, compare within a row group).  `);
  lines.push(`Problems: H = Q·diag(λ)·Qᵀ with λ log-spaced in [1/cond, 1], M = 2d, σ² = 0.1, β* ~ N(0, I); Ψ = I or R·diag(U[0.5, 1.5])·Rᵀ. Start Γ = 0, β₀ = 0. Tolerances: exponential/implicit solvers (ours etd3/etd4/rosenbrock, scipy LSODA/BDF/Radau) at rtol ∈ {${RTOLS.join(', ')}}, explicit RK (ours Dopri5/Tsit5/DOP853, scipy RK45/DOP853) at rtol = ${RTOLS[RTOLS.length - 1]} only (at loose tolerances they hover at tolerance-level noise around the optimum and do not reach the target); atol = rtol·${ATOL_FACTOR}. Every run stops at the first step end with R − R* ≤ ${TARGET}·R* (scipy: terminal event), so final errors are equal; a solver's best converged run is compared. Trajectory accuracy: see the work–precision table. Per-run budget ${BUDGET} s. Fast runs of ours are repeated (best of ≤ 5, warm JIT); scipy runs once. Times include set-up (optimum, Hessian eigendecompositions) for ours; scipy's exclude interpreter start-up.  `);
  lines.push(`"gradient evals" = right-hand-side evaluations (for the exponential methods: evaluations of the nonlinear part N, each costing one gradient). Total bench time ${total.toFixed(0)} s.`);
  lines.push('');
  lines.push('| case | λ_max/λ_min(∇²R*) | solver | rtol | status | wall time | gradient evals | steps | final (R − R*)/R* | ‖θ − θ*‖ | note |');
  lines.push('|---|---:|---|---:|---|---:|---:|---:|---:|---:|---|');
  for (const c of cases) {
    const hs = c.flow.hessian();
    for (const r of rows.filter((x) => x.caseId === c.id)) {
      lines.push(`| ${c.id} | ${(hs.lambdaMax / hs.lambdaMin).toExponential(1)} | ${r.solver} | ${r.rtol === undefined ? '' : r.rtol.toExponential(0)} | ${r.status} | ${Number.isFinite(r.seconds) ? fmtS(r.seconds) : '–'} | ${Number.isFinite(r.nfev) ? r.nfev : '–'} | ${Number.isFinite(r.steps) ? r.steps : '–'} | ${fmtE(r.gapRel)} | ${fmtE(r.dist)} | ${r.note ?? ''} |`);
    }
  }
  lines.push('');
  // ---- targets ----
  const best = (c: Case, prefix: string): Row | undefined =>
    rows.filter((r) => r.caseId === c.id && r.solver.startsWith(prefix) && r.status === 'converged').sort((a, b) => a.seconds - b.seconds)[0];
  lines.push('## Speed-ups (best converged run of ours vs best converged scipy run, same case)');
  lines.push('');
  lines.push('| case | ours best | scipy best | speed-up | ours gradient evals (fastest run / fewest) | plain GD evals | GD / ours (fewest) |');
  lines.push('|---|---|---|---:|---:|---:|---:|');
  const speedup = new Map<string, number>();
  const gdRatio = new Map<string, number>();
  for (const c of cases) {
    const o = best(c, 'ours');
    const s = best(c, 'scipy');
    const g = rows.find((r) => r.caseId === c.id && r.solver === 'plain GD');
    const sp = o && s ? s.seconds / o.seconds : NaN;
    speedup.set(c.id, sp);
    const gdEvals = g && (g.status === 'converged' || g.status === 'budget') ? g.nfev : NaN;
    const gdNote = g?.status === 'skipped' ? (g.note ?? '') : '';
    const fewest = rows.filter((r) => r.caseId === c.id && r.solver.startsWith('ours') && r.status === 'converged').sort((a, b) => a.nfev - b.nfev)[0];
    const ratio = fewest ? gdEvals / fewest.nfev : NaN;
    gdRatio.set(c.id, ratio);
    lines.push(
      `| ${c.id} | ${o ? `${o.solver.slice(5)} (rtol ${o.rtol?.toExponential(0)}) ${fmtS(o.seconds)}` : '–'} | ${s ? `${s.solver.slice(6)} (rtol ${s.rtol?.toExponential(0)}) ${fmtS(s.seconds)}` : 'none converged'} | ${Number.isFinite(sp) ? `${sp.toFixed(1)}×` : '–'} | ${o ? `${o.nfev} / ${fewest?.nfev}` : '–'} | ${Number.isFinite(gdEvals) ? `${gdEvals}${g?.status === 'budget' ? ' (projected)' : ''}` : gdNote || (g?.status ?? '–')} | ${Number.isFinite(ratio) ? `${ratio.toFixed(0)}×` : '–'} |`,
    );
  }
  lines.push('');
  lines.push('## Stiff path: exponential integrator vs structured Rosenbrock (ours, best rung each)');
  lines.push('');
  lines.push('| case | etd (best of etd3/etd4) | rosenbrock (RODAS4 + exact structured solve) | rosenbrock / etd |');
  lines.push('|---|---|---|---:|');
  let etdWins = 0;
  let compared = 0;
  for (const c of cases) {
    const e = rows.filter((r) => r.caseId === c.id && (r.solver === 'ours etd4' || r.solver === 'ours etd3') && r.status === 'converged').sort((a, b) => a.seconds - b.seconds)[0];
    const r = best(c, 'ours rosenbrock');
    const rAny = rows.find((x) => x.caseId === c.id && x.solver === 'ours rosenbrock');
    if (e && r) {
      compared++;
      if (e.seconds <= r.seconds) etdWins++;
    }
    lines.push(`| ${c.id} | ${e ? `${e.solver.slice(5)} rtol ${e.rtol?.toExponential(0)}: ${fmtS(e.seconds)}, ${e.steps} steps, ${e.nfev} evals` : '–'} | ${r ? `rtol ${r.rtol?.toExponential(0)}: ${fmtS(r.seconds)}, ${r.steps} steps, ${r.nfev} evals` : rAny ? `${rAny.status}${rAny.note ? ` (${rAny.note})` : ''}` : 'not run'} | ${e && r ? `${(r.seconds / e.seconds).toFixed(1)}×` : '–'} |`);
  }
  lines.push('');
  lines.push(`The exponential integrator is faster in ${etdWins} of ${compared} cases where both ran; \`--method auto\` (and \`runFlow\`'s default) therefore uses etd4 for GD flows. The Rosenbrock path takes fewer steps when the early transient is stiff in a state-dependent direction (large ‖Λẽ‖, e.g. d = 256 with β* ~ N(0, I)), but each of its steps costs O(d³) (the d×d Schur complement of the exact Γ–β₀ coupling, and eigh(B') for a general Ψ) against O(d²) (Ψ = ψ²I) or one d³ product per evaluation for etd4.`);
  lines.push('');
  lines.push('## Targets');
  lines.push('');
  const check = (label: string, ids: string[], need: number): void => {
    const vals = ids.map((id) => speedup.get(id) ?? NaN);
    const ok = vals.every((v) => v >= need);
    lines.push(`- ${label}: ${ids.map((id, i) => `${id}: ${Number.isFinite(vals[i]!) ? `${vals[i]!.toFixed(1)}×` : 'n/a'}`).join('; ')} — ${ok ? 'met' : 'NOT met'}`);
  };
  const ids = (pred: (c: Case) => boolean): string[] => cases.filter(pred).map((c) => c.id);
  check('cond 10, d ≤ 16: ≥ 3× scipy\'s best', ids((c) => c.cond === 10 && c.d <= 16), 3);
  check('cond 10, d = 64, general Ψ: ≥ 1×', ids((c) => c.cond === 10 && c.d === 64 && c.psi === 'general'), 1);
  check('cond 10, d = 256, Ψ = ψ²I: ≥ 10×', ids((c) => c.cond === 10 && c.d === 256 && c.psi === 'ψ²I'), 10);
  check('cond 1e4, d = 32: ≥ 100×', ids((c) => c.cond > 100 && c.d === 32), 100);
  for (const c of cases.filter((x) => x.cond > 100 && x.d === 256)) {
    const o = best(c, 'ours');
    lines.push(`- cond 1e4, ${c.id}: < 10 s — ours best ${o ? fmtS(o.seconds) : 'none'} — ${o && o.seconds < 10 ? 'met' : 'NOT met'}`);
  }
  const gdIds = cases.filter((c) => Number.isFinite(gdRatio.get(c.id) ?? NaN));
  const gdOk = gdIds.every((c) => gdRatio.get(c.id)! >= 10);
  lines.push(`- ≥ 10× fewer gradient evaluations than plain GD (where GD ran; at cond 1e4 GD needs ≥ 1e9 steps by the stated estimate): ${gdIds.map((c) => `${c.id}: ${gdRatio.get(c.id)!.toFixed(0)}×`).join('; ')} — ${gdOk ? 'met' : 'NOT met'}`);
  lines.push('');
  lines.push(`## Work–precision (${wp.caseId})`);
  lines.push('');
  lines.push(`Error = max-norm error of y(T) relative to max|y_ref(T)|; ${wp.refNote}. atol = rtol·1e-4.`);
  lines.push('');
  const solvers = [...new Set(wp.rows.map((r) => r.solver))];
  const rtols = [...new Set(wp.rows.map((r) => r.rtol))];
  lines.push(`| solver | ${rtols.map((r) => `rtol ${r.toExponential(0)}: error / time / evals`).join(' | ')} |`);
  lines.push(`|---|${rtols.map(() => '---').join('|')}|`);
  for (const s of solvers) {
    const cells = rtols.map((rt) => {
      const r = wp.rows.find((x) => x.solver === s && x.rtol === rt);
      return r ? `${fmtE(r.err)} / ${fmtS(r.seconds)} / ${r.nfev}` : '–';
    });
    lines.push(`| ${s} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}

main();
