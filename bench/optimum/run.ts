/**
 * LSA/LTB optimum benchmark (not a test): wall and CPU time of `optimum(problem, 'lsa' | 'ltb')`
 * with its default options at d ∈ {5, 10, 20, 50}, M = 20, σ² = 0.25, for
 *   iso      H = Ψ = I, β* = 10·𝟙 (the math.md §5.2 reference family; d = 5 is the reference problem)
 *   general  the kit's randomProblem(new Rng(d), { condH: 10, psi: 'general', condPsi: 10, ‖β*‖ = √d })
 * and the agreement of the answers: LTB* against the closed form R*_GDβ (the OPT claim's 1e-10),
 * LSA* against the independent variable-projection route of src/verify (OPT's 1e-8; only for
 * d ≤ BENCH_OPTIMUM_PROJECTED_MAX_D, that route is O(d⁶)), plus the basin report (starts, spread).
 *
 * Each case is run BENCH_OPTIMUM_REPEATS times (median reported; the machine is shared and noisy).
 * Run: `npx tsx bench/optimum/run.ts` (suggested script `bench:optimum`). Options (environment):
 *   BENCH_OPTIMUM_DIMS     comma list, default 5,10,20,50
 *   BENCH_OPTIMUM_REPEATS  default 3 (d ≤ 20), 1 above
 *   BENCH_OPTIMUM_PROJECTED_MAX_D  default 10 (at d = 20 the projected route alone takes many minutes)
 *   BENCH_OPTIMUM_SRC      the src/ tree to import (default this checkout's; point it at an export of
 *                          another commit, e.g. `git archive HEAD src | tar -x -C /tmp/base`, to time it)
 *   BENCH_OPTIMUM_OUT      write the markdown table to this file (default: only print it)
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = resolve(process.env.BENCH_OPTIMUM_SRC ?? resolve(HERE, '../../src'));
const DIMS = (process.env.BENCH_OPTIMUM_DIMS ?? '5,10,20,50').split(',').map(Number);
const PROJECTED_MAX_D = Number(process.env.BENCH_OPTIMUM_PROJECTED_MAX_D ?? '10');
const OUT = process.env.BENCH_OPTIMUM_OUT;

/* eslint-disable @typescript-eslint/no-explicit-any */
const load = async (area: string): Promise<any> => import(pathToFileURL(resolve(SRC, area, 'index.ts')).href);
const { Rng } = await load('linalg');
const { makeProblem } = await load('models');
const { optimumGdBeta } = await load('risk');
const { optimum } = await load('optimum');
const { optimumAttentionProjected } = await load('verify');
const { randomProblem } = await import(pathToFileURL(resolve(SRC, 'testing', 'problems.ts')).href);

function problemOf(family: string, d: number): any {
  if (family === 'iso') return makeProblem({ d, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 });
  return randomProblem(new Rng(d), { d, M: 20, condH: 10, psi: 'general', condPsi: 10, betaStarNorm: Math.sqrt(d), sigma2: 0.25 });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : 0.5 * (s[k - 1]! + s[k]!);
};
const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
const e = (x: number): string => (Number.isFinite(x) ? x.toExponential(1) : String(x));

const rows: string[] = [];
const header = '| family | d | class | n | wall s (median) | CPU s (median) | repeats | risk | reference | rel. diff | spread/risk | starts (best) | peak RSS MB |';
rows.push(header, '|---|---|---|---|---|---|---|---|---|---|---|---|---|');
console.log(`src: ${SRC}`);
console.log(header);
for (const d of DIMS) {
  for (const family of ['iso', 'general']) {
    const problem = problemOf(family, d);
    for (const kind of ['lsa', 'ltb'] as const) {
      const repeats = Number(process.env.BENCH_OPTIMUM_REPEATS ?? (d <= 20 ? 3 : 1));
      const wall: number[] = [];
      const cpu: number[] = [];
      let o: any;
      for (let r = 0; r < repeats; r++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        o = optimum(problem, kind);
        wall.push((performance.now() - t0) / 1000);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
      }
      let reference = Number.NaN;
      let refName = '';
      if (kind === 'ltb') {
        reference = optimumGdBeta(problem).risk;
        refName = 'R*_GDβ';
      } else if (d <= PROJECTED_MAX_D) {
        reference = optimumAttentionProjected(problem, 'lsa').risk;
        refName = 'projected';
      }
      const n = (kind === 'ltb' ? d : 0) + (d + 1) + (d + 1) * d;
      const rss = process.resourceUsage().maxRSS / 1024;
      const row = `| ${family} | ${d} | ${kind} | ${n} | ${median(wall).toFixed(2)} | ${median(cpu).toFixed(2)} | ${repeats} | ${o.risk.toPrecision(15)} | ${refName ? `${reference.toPrecision(15)} (${refName})` : '—'} | ${refName ? e(relErr(o.risk, reference)) : '—'} | ${e(o.spread / o.risk)} | ${o.starts.length} (${o.best}) | ${rss.toFixed(0)} |`;
      rows.push(row);
      console.log(row);
    }
  }
}
const meta = `Date: ${new Date().toISOString()}; node ${process.version}; ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(', ')}; src: ${SRC}`;
console.log(meta);
if (OUT) writeFileSync(OUT, `${meta}\n\n${rows.join('\n')}\n`);
