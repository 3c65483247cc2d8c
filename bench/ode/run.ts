/**
 * ODE work–precision benchmark (not a test) on the standard test set of bench/ode/problems.ts:
 * ours — dopri5, tsit5, dop853 (explicit; non-stiff problems, VdP μ = 1 and HIRES), rodas4 and
 * rodas4p (Rosenbrock, dense analytic Jacobian; every problem), each with the default PI
 * controller (β₁ = 0.7, β₂ = 0.4) and with the I controller (β₁ = 1, β₂ = 0) — against
 * scipy.integrate.solve_ivp RK45, DOP853 (same problems as our explicit methods), Radau, BDF,
 * LSODA (analytic Jacobian; every problem), in the same run, over rtol = 10^(−3 − k/2), k = 0…20
 * (1e-3 … 1e-13), atol = atolFactor · rtol (per problem).
 *
 * Error: normwise relative error at t1 against bench/ode/reference.json (an independent scipy run
 * at rtol 1e-13, see reference.ts). Cost: CPU seconds (process.cpuUsage / time.process_time,
 * robust to other processes on a shared machine), median over repeats (up to REPEATS, while the
 * repeats' total stays under REPEAT_BUDGET s); ours after one warm-up solve. At a matched error
 * E ∈ {1e-6, 1e-10} each solver is charged its cheapest run with error ≤ E; the ratio is scipy's
 * best over our best (≥ 3 = target met).
 *
 * Run: `npm run bench:ode` (= `tsx bench/ode/run.ts`; writes bench/ode/RESULTS.md and
 * bench/ode/results.json; `--report-only` rebuilds RESULTS.md from results.json, with the
 * hand-written bench/ode/findings.md on top). Env: BENCH_ODE_QUICK=1 (rtol rungs 1e-3, 1e-6, 1e-9, 1e-12 only).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  PIController,
  denseJacobianSolver,
  dop853,
  dopri5,
  radau5,
  bdf,
  rodas4,
  rodas4p,
  rosenbrock,
  solve,
  tsit5,
  type Method,
} from '../../src/flow/ode/index.js';
import { PROBLEMS, type OdeProblem } from './problems.js';
import { runScipy, type ScipyRun } from './scipy.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const QUICK = process.env.BENCH_ODE_QUICK === '1';
/** BENCH_ODE_ONLY=id[,id…]: rerun these problems and replace their rows in an existing results.json. */
const ONLY = process.env.BENCH_ODE_ONLY?.split(',');
/** BENCH_ODE_OURS_ONLY=1 (with BENCH_ODE_ONLY): rerun only our solvers, keep the stored scipy rows. */
const OURS_ONLY = process.env.BENCH_ODE_OURS_ONLY === '1';
const RTOLS = QUICK ? [1e-3, 1e-6, 1e-9, 1e-12] : Array.from({ length: 21 }, (_, k) => Number((10 ** (-3 - k / 2)).toPrecision(2)));
const REPEATS = 3;
const REPEAT_BUDGET = 0.5;
const SCIPY_BUDGET = 30;
const TARGETS = [1e-6, 1e-10];
const EXPLICIT_OURS = ['dopri5', 'tsit5', 'dop853'] as const;
const IMPLICIT_OURS = ['rodas4', 'rodas4p', 'radau5', 'bdf'] as const;
const CONTROLLERS = { PI: new PIController(), I: new PIController({ beta1: 1, beta2: 0 }) } as const;
/**
 * Methods with their own step-size law (`Stepper.stepFactor`: RADAU5's predictive Gustafsson
 * controller, BDF's order-and-step law), for which the PI/I choice has no effect: run once, labelled by the method name alone.
 */
const OWN_LAW: ReadonlySet<string> = new Set(['radau5', 'bdf']);
const SCIPY_EXPLICIT = ['RK45', 'DOP853'];
const SCIPY_IMPLICIT = ['Radau', 'BDF', 'LSODA'];
/** Explicit methods are run where they are not stability-bound to ≫ 1e5 steps. */
const explicitOk = (p: OdeProblem): boolean => !p.stiff || p.id === 'hires';

interface Row {
  problem: string;
  solver: string;
  side: 'ours' | 'scipy';
  rtol: number;
  status: string;
  seconds: number;
  repeats: number;
  steps: number;
  rejected: number;
  nfev: number;
  err: number;
}

const reference = JSON.parse(readFileSync(join(HERE, 'reference.json'), 'utf8')) as { problems: Record<string, { y: number[]; checkDiff?: number; check: { checkDiff: number } }> };
/**
 * Error against the reference: normwise relative, max_i |y_i − ref_i| / max_i |ref_i|, except for
 * Robertson, whose y₁ ≈ 2e-8 and y₂ ≈ 8e-14 at t1 would be invisible next to y₃ ≈ 1: there it is
 * componentwise relative, max_i |y_i − ref_i| / |ref_i|.
 */
const COMPONENTWISE = new Set(['robertson']);
const relErr = (p: OdeProblem, y: ArrayLike<number>): number => {
  const ref = reference.problems[p.id]!.y;
  if (COMPONENTWISE.has(p.id)) {
    let e = 0;
    for (let i = 0; i < ref.length; i++) e = Math.max(e, Math.abs((y[i] as number) - (ref[i] as number)) / Math.abs(ref[i] as number));
    return e;
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num = Math.max(num, Math.abs((y[i] as number) - (ref[i] as number)));
    den = Math.max(den, Math.abs(ref[i] as number));
  }
  return num / den;
};

function ourMethod(p: OdeProblem, name: string): Method {
  switch (name) {
    case 'dopri5':
      return dopri5;
    case 'tsit5':
      return tsit5;
    case 'dop853':
      return dop853;
    case 'rodas4':
      return rosenbrock(rodas4, { linearSolver: denseJacobianSolver(p.jac, p.y0.length) });
    case 'rodas4p':
      return rosenbrock(rodas4p, { linearSolver: denseJacobianSolver(p.jac, p.y0.length) });
    case 'radau5':
      return radau5({ jac: p.jac });
    case 'bdf':
      return bdf({ jac: p.jac });
  }
  throw new Error(name);
}

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function runOurs(p: OdeProblem, name: string, ctrl: keyof typeof CONTROLLERS | 'own', rtol: number): Row {
  const y0 = Float64Array.from(p.y0);
  const once = () => {
    const method = ourMethod(p, name);
    const c0 = cpuSeconds();
    const sol = solve(p.field, y0, p.span, method, { rtol, atol: p.atolFactor * rtol, controller: CONTROLLERS[ctrl === 'own' ? 'PI' : ctrl], maxSteps: 5_000_000, throwOnFailure: false });
    return { sol, seconds: cpuSeconds() - c0 };
  };
  let { sol } = once(); // warm-up (and the result)
  const times: number[] = [];
  let spent = 0;
  for (let k = 0; k < REPEATS && sol.status === 'success'; k++) {
    const r = once();
    sol = r.sol;
    times.push(r.seconds);
    spent += r.seconds;
    if (spent > REPEAT_BUDGET) break;
  }
  times.sort((a, b) => a - b);
  const med = times.length === 0 ? NaN : times.length % 2 === 1 ? times[(times.length - 1) / 2]! : (times[times.length / 2 - 1]! + times[times.length / 2]!) / 2;
  return {
    problem: p.id,
    solver: ctrl === 'own' ? name : `${name} ${ctrl}`,
    side: 'ours',
    rtol,
    status: sol.status,
    seconds: med,
    repeats: times.length,
    steps: sol.stats.accepted,
    rejected: sol.stats.rejected,
    nfev: sol.stats.nfev,
    err: sol.status === 'success' ? relErr(p, sol.y) : NaN,
  };
}

const fmtS = (s: number): string => (!Number.isFinite(s) ? '–' : s < 1e-3 ? `${(s * 1e6).toFixed(0)} µs` : s < 1 ? `${(s * 1e3).toFixed(2)} ms` : `${s.toFixed(2)} s`);
const fmtE = (x: number): string => (Number.isFinite(x) ? x.toExponential(1) : '–');

function main(): void {
  const started = new Date();
  const loadAtStart = loadavg()[0]!;
  // ---- scipy (one child process, runs sequentially) --------------------------------------------
  const scipyRuns: ScipyRun[] = [];
  const problems = ONLY === undefined ? PROBLEMS : PROBLEMS.filter((p) => ONLY.includes(p.id));
  if (!OURS_ONLY) for (const p of problems)
    for (const m of [...(explicitOk(p) ? SCIPY_EXPLICIT : []), ...SCIPY_IMPLICIT])
      for (const rtol of RTOLS) scipyRuns.push({ id: p.id, method: m, rtol, atol: p.atolFactor * rtol });
  console.error(`scipy: ${scipyRuns.length} runs`);
  const scipy = OURS_ONLY
    ? { versions: (JSON.parse(readFileSync(join(HERE, 'results.json'), 'utf8')) as { versions: Record<string, string> }).versions, results: [] }
    : runScipy(scipyRuns, REPEATS, SCIPY_BUDGET, REPEAT_BUDGET);
  const rows: Row[] = scipy.results.map((r) => {
    const p = PROBLEMS.find((q) => q.id === r.id)!;
    return {
      problem: r.id,
      solver: `scipy ${r.method}`,
      side: 'scipy' as const,
      rtol: r.rtol,
      status: r.status,
      seconds: r.status === 'success' ? r.seconds : NaN,
      repeats: r.repeats,
      steps: r.steps ?? NaN,
      rejected: NaN,
      nfev: r.nfev ?? NaN,
      err: r.status === 'success' && r.y !== undefined ? relErr(p, r.y) : NaN,
    };
  });
  // ---- ours -------------------------------------------------------------------------------------
  for (const p of problems) {
    const names = [...(explicitOk(p) ? EXPLICIT_OURS : []), ...IMPLICIT_OURS];
    for (const name of names)
      for (const ctrl of OWN_LAW.has(name) ? (['own'] as const) : (['PI', 'I'] as const))
        for (const rtol of RTOLS) {
          const r = runOurs(p, name, ctrl, rtol);
          rows.push(r);
          console.error(`  ours ${p.id} ${r.solver} rtol=${rtol.toExponential(0)}: ${r.status} ${fmtS(r.seconds)} err ${fmtE(r.err)} steps ${r.steps}`);
        }
  }
  let all = rows;
  if (ONLY !== undefined) {
    const saved = JSON.parse(readFileSync(join(HERE, 'results.json'), 'utf8')) as { rows: Row[] };
    all = [...saved.rows.filter((r) => !ONLY.includes(r.problem) || (OURS_ONLY && r.side === 'scipy')), ...rows];
  }
  writeFileSync(join(HERE, 'results.json'), JSON.stringify({ started: started.toISOString(), loadAtStart, versions: scipy.versions, rtols: RTOLS, rows: all }, (k, v: unknown) => (typeof v === 'number' && k !== 'rtol' && Number.isFinite(v) ? Number(v.toPrecision(4)) : v), 0) + '\n');
  writeFileSync(join(HERE, 'RESULTS.md'), report(all, scipy.versions, started, loadAtStart));
  console.error('wrote bench/ode/RESULTS.md, bench/ode/results.json');
}

/** Cheapest successful run of `solver` on `problem` with err ≤ E. */
function cheapest(rows: readonly Row[], problem: string, solver: string, E: number): Row | undefined {
  let best: Row | undefined;
  for (const r of rows) if (r.problem === problem && r.solver === solver && r.status === 'success' && r.err <= E && (best === undefined || r.seconds < best.seconds)) best = r;
  return best;
}

/** `loadAtStart`: 1-minute load average when the run began (stored in results.json; undefined for older files). */
export function report(rows: readonly Row[], versions: Record<string, string>, started: Date, loadAtStart: number | undefined): string {
  const L: string[] = [];
  const solversOf = (problem: string, side?: 'ours' | 'scipy'): string[] => [...new Set(rows.filter((r) => r.problem === problem && (side === undefined || r.side === side)).map((r) => r.solver))];
  L.push('# ODE test-set work–precision benchmark');
  L.push('');
  L.push(`Command: \`npm run bench:ode\` (= \`tsx bench/ode/run.ts\`). Generated ${started.toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? '?'} (load average at start ${loadAtStart === undefined ? 'not recorded' : loadAtStart.toFixed(1)}); Node ${process.version}; python ${versions.python}, numpy ${versions.numpy}, scipy ${versions.scipy}.`);
  L.push('');
  L.push(`Cost = CPU seconds of the solve (median of up to ${REPEATS} repeats). Error at t1 = max_i |y_i − ref_i| / max_i |ref_i| (Robertson: componentwise max_i |y_i − ref_i| / |ref_i|), reference = bench/ode/reference.json. rtol ladder: ${RTOLS.length} rungs ${RTOLS[0]!.toExponential(0)} … ${RTOLS[RTOLS.length - 1]!.toExponential(0)}, atol = atolFactor·rtol. At matched error E a solver is charged its cheapest run with error ≤ E; ratio = scipy's best / our best (target ≥ 3).`);
  L.push('');
  const findings = join(HERE, 'findings.md');
  if (existsSync(findings)) {
    L.push(readFileSync(findings, 'utf8').trimEnd());
    L.push('');
    L.push('# Generated tables');
    L.push('');
  }
  // ---- summary -----------------------------------------------------------------------------------
  L.push('## Summary: matched error');
  L.push('');
  L.push('| problem | E | our best (time, err, rtol) | scipy best (time, err, rtol) | ratio | ≥ 3× |');
  L.push('|---|---|---|---|---|---|');
  for (const p of PROBLEMS) {
    for (const E of TARGETS) {
      const pick = (side: 'ours' | 'scipy') => {
        let best: Row | undefined;
        for (const s of solversOf(p.id, side)) {
          const c = cheapest(rows, p.id, s, E);
          if (c !== undefined && (best === undefined || c.seconds < best.seconds)) best = c;
        }
        return best;
      };
      const o = pick('ours');
      const s = pick('scipy');
      const ratio = o !== undefined && s !== undefined ? s.seconds / o.seconds : NaN;
      const cell = (r: Row | undefined) => (r === undefined ? 'none reached E' : `${r.solver}: ${fmtS(r.seconds)}, ${fmtE(r.err)}, ${r.rtol.toExponential(1)}`);
      L.push(`| ${p.id} | ${E.toExponential(0)} | ${cell(o)} | ${cell(s)} | ${Number.isFinite(ratio) ? ratio.toFixed(1) + '×' : '–'} | ${ratio >= 3 ? 'met' : 'missed'} |`);
    }
  }
  L.push('');
  // ---- per solver at matched error ---------------------------------------------------------------
  L.push('## Every solver at matched error (cheapest run with error ≤ E: time / error)');
  L.push('');
  for (const p of PROBLEMS) {
    L.push(`### ${p.title}`);
    L.push('');
    L.push('| solver | E = 1e-6 | E = 1e-10 |');
    L.push('|---|---|---|');
    for (const s of solversOf(p.id)) {
      const cells = TARGETS.map((E) => {
        const c = cheapest(rows, p.id, s, E);
        return c === undefined ? 'not reached' : `${fmtS(c.seconds)} / ${fmtE(c.err)} (rtol ${c.rtol.toExponential(1)}, ${c.steps} steps)`;
      });
      L.push(`| ${s} | ${cells.join(' | ')} |`);
    }
    L.push('');
  }
  // ---- controller --------------------------------------------------------------------------------
  L.push('## Controller: accepted steps, PI (β₁ = 0.7, β₂ = 0.4) vs I (β₁ = 1, β₂ = 0) vs scipy');
  L.push('');
  L.push('Accepted steps (rejected in parentheses for ours) and error, at rtol 1e-3, 1e-6, 1e-9, 1e-12.');
  L.push('');
  const show = [1e-3, 1e-6, 1e-9, 1e-12];
  L.push(`| problem | solver | ${show.map((r) => `rtol ${r.toExponential(0)}`).join(' | ')} |`);
  L.push(`|---|---|${show.map(() => '---').join('|')}|`);
  for (const p of PROBLEMS) {
    // Each of ours next to its scipy counterpart (RADAU5 and RODAS4P both next to scipy's Radau).
    const groups: readonly (readonly string[])[] = [
      ['dopri5 PI', 'dopri5 I', 'scipy RK45'],
      ['dop853 PI', 'dop853 I', 'scipy DOP853'],
      ['rodas4p PI', 'rodas4p I', 'radau5', 'scipy Radau'],
      ['bdf', 'scipy BDF'],
    ];
    for (const group of groups) {
      for (const s of group) {
        const cells = show.map((rt) => {
          const r = rows.find((x) => x.problem === p.id && x.solver === s && Math.abs(x.rtol / rt - 1) < 1e-6);
          if (r === undefined) return '–';
          if (r.status !== 'success') return r.status;
          return `${r.steps}${Number.isFinite(r.rejected) ? ` (${r.rejected})` : ''}, ${fmtE(r.err)}`;
        });
        if (cells.every((c) => c === '–')) continue;
        L.push(`| ${p.id} | ${s} | ${cells.join(' | ')} |`);
      }
    }
  }
  L.push('');
  L.push('Ratio of accepted steps PI / I summed over the ladder, and of the matched-error cost (geometric mean over problems and E where both reach E):');
  L.push('');
  L.push('| method | Σ steps PI / Σ steps I | time at matched error, PI / I (geo. mean) |');
  L.push('|---|---|---|');
  for (const m of [...EXPLICIT_OURS, ...IMPLICIT_OURS].filter((x) => !OWN_LAW.has(x))) {
    let sp = 0;
    let si = 0;
    const logs: number[] = [];
    for (const p of PROBLEMS) {
      for (const rt of RTOLS) {
        const a = rows.find((x) => x.problem === p.id && x.solver === `${m} PI` && x.rtol === rt && x.status === 'success');
        const b = rows.find((x) => x.problem === p.id && x.solver === `${m} I` && x.rtol === rt && x.status === 'success');
        if (a !== undefined && b !== undefined) {
          sp += a.steps;
          si += b.steps;
        }
      }
      for (const E of TARGETS) {
        const a = cheapest(rows, p.id, `${m} PI`, E);
        const b = cheapest(rows, p.id, `${m} I`, E);
        if (a !== undefined && b !== undefined) logs.push(Math.log(a.seconds / b.seconds));
      }
    }
    const gm = logs.length === 0 ? NaN : Math.exp(logs.reduce((x, y) => x + y, 0) / logs.length);
    L.push(`| ${m} | ${si > 0 ? (sp / si).toFixed(2) : '–'} | ${Number.isFinite(gm) ? gm.toFixed(2) : '–'} (${logs.length} points) |`);
  }
  L.push('');
  // ---- raw -----------------------------------------------------------------------------------------
  L.push('## All runs');
  L.push('');
  L.push('Raw rows (problem, solver, rtol, status, CPU time, steps, nfev, error) are in bench/ode/results.json.');
  L.push('');
  return L.join('\n') + '\n';
}

/** `--report-only`: rebuild RESULTS.md from results.json (e.g. after editing findings.md). */
function reportOnly(): void {
  const saved = JSON.parse(readFileSync(join(HERE, 'results.json'), 'utf8')) as { started: string; loadAtStart?: number; versions: Record<string, string>; rows: Row[] };
  const rows = saved.rows.map((r) => ({ ...r, seconds: r.seconds ?? NaN, err: r.err ?? NaN, rejected: r.rejected ?? NaN, steps: r.steps ?? NaN }));
  writeFileSync(join(HERE, 'RESULTS.md'), report(rows, saved.versions, new Date(saved.started), saved.loadAtStart));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--report-only')) reportOnly();
  else main();
}
