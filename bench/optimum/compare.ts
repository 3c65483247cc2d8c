/**
 * Interleaved before/after CPU comparison of `optimum(problem, 'lsa' | 'ltb')` (not a test): loads two src/ trees
 * into one process and alternates their runs (before, after, after, before, …) on the families of run.ts, so
 * both see the same load — on this shared machine the CPU seconds of one code drift ±30% over minutes, which
 * swamps a before/after difference measured at different times. Prints one Markdown row per case: median CPU
 * s of each tree, their ratio, both risks and their relative difference, the largest difference of the
 * optimum's reduced weights (β_m, p, Q; relative to their largest entry), the start report of the after tree
 * (starts, how many of them reached the best risk to 1e-10 relative, the best start).
 *
 * Run: `npx tsx bench/optimum/compare.ts`. Options (environment):
 *   BENCH_OPTIMUM_BASE_SRC  the "before" src/ tree (required), e.g. `git archive HEAD src | tar -x -C /tmp/base`
 *                           then /tmp/base/src
 *   BENCH_OPTIMUM_SRC       the "after" tree (default this checkout's src/)
 *   BENCH_OPTIMUM_DIMS      comma list, default 10,20
 *   BENCH_OPTIMUM_REPEATS   runs of each tree per case, default 3
 *   BENCH_OPTIMUM_FAMILIES  comma list, default iso,general
 *   BENCH_OPTIMUM_KINDS     comma list, default lsa,ltb
 */
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE = process.env.BENCH_OPTIMUM_BASE_SRC;
if (BASE === undefined) throw new Error('set BENCH_OPTIMUM_BASE_SRC to the src/ tree to compare against');
const TREES = { before: resolve(BASE), after: resolve(process.env.BENCH_OPTIMUM_SRC ?? resolve(HERE, '../../src')) } as const;
const DIMS = (process.env.BENCH_OPTIMUM_DIMS ?? '10,20').split(',').map(Number);
const FAMILIES = (process.env.BENCH_OPTIMUM_FAMILIES ?? 'iso,general').split(',');
const KINDS = (process.env.BENCH_OPTIMUM_KINDS ?? 'lsa,ltb').split(',') as ('lsa' | 'ltb')[];
const REPEATS = Number(process.env.BENCH_OPTIMUM_REPEATS ?? '3');
type Tree = keyof typeof TREES;

/* eslint-disable @typescript-eslint/no-explicit-any */
const mods = {} as Record<Tree, any>;
for (const tree of ['before', 'after'] as const) {
  const load = async (path: string): Promise<any> => import(pathToFileURL(resolve(TREES[tree], path)).href);
  mods[tree] = { ...(await load('linalg/index.ts')), ...(await load('models/index.ts')), ...(await load('optimum/index.ts')), ...(await load('testing/problems.ts')) };
}

function problemOf(m: any, family: string, d: number): any {
  if (family === 'iso') return m.makeProblem({ d, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 });
  return m.randomProblem(new m.Rng(d), { d, M: 20, condH: 10, psi: 'general', condPsi: 10, betaStarNorm: Math.sqrt(d), sigma2: 0.25 });
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : 0.5 * (s[k - 1]! + s[k]!);
};

console.log(`before: ${TREES.before}\nafter: ${TREES.after}`);
console.log('| family | d | class | CPU s before | CPU s after | after/before | repeats | risk before | risk after | rel. diff | weights rel. diff | starts: at best / all (best), after | load |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
/** max |a − b| over the reduced weights, relative to max |a|. */
function weightDiff(a: any, b: any): number {
  let num = 0;
  let den = 0;
  for (const key of ['betaM', 'p'] as const) {
    for (let i = 0; i < a.reduced[key].length; i++) {
      num = Math.max(num, Math.abs(a.reduced[key][i] - b.reduced[key][i]));
      den = Math.max(den, Math.abs(a.reduced[key][i]));
    }
  }
  for (let i = 0; i < a.reduced.Q.data.length; i++) {
    num = Math.max(num, Math.abs(a.reduced.Q.data[i] - b.reduced.Q.data[i]));
    den = Math.max(den, Math.abs(a.reduced.Q.data[i]));
  }
  return num / den;
}
for (const d of DIMS) {
  for (const family of FAMILIES) {
    for (const kind of KINDS) {
      const cpu: Record<Tree, number[]> = { before: [], after: [] };
      const out = {} as Record<Tree, any>;
      for (let r = 0; r < REPEATS; r++) {
        for (const tree of r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
          const m = mods[tree];
          const problem = problemOf(m, family, d);
          const c0 = process.cpuUsage();
          out[tree] = m.optimum(problem, kind);
          const c = process.cpuUsage(c0);
          cpu[tree].push((c.user + c.system) / 1e6);
        }
      }
      const [b, a] = [median(cpu.before), median(cpu.after)];
      const rb = out.before.risk as number;
      const ra = out.after.risk as number;
      const atBest = (o: any): number => o.starts.filter((s: any) => Math.abs(s.risk - o.risk) <= 1e-10 * Math.abs(o.risk)).length;
      console.log(`| ${family} | ${d} | ${kind} | ${b.toFixed(2)} | ${a.toFixed(2)} | ${(a / b).toFixed(2)} | ${REPEATS} | ${rb.toPrecision(15)} | ${ra.toPrecision(15)} | ${(Math.abs(ra - rb) / Math.abs(rb)).toExponential(1)} | ${weightDiff(out.before, out.after).toExponential(1)} | ${atBest(out.after)} / ${out.after.starts.length} (${out.after.best}); before ${atBest(out.before)} / ${out.before.starts.length} | ${loadavg()[0]!.toFixed(1)} |`);
    }
  }
}
console.log(`Date: ${new Date().toISOString()}; node ${process.version}`);
