/**
 * Large-d targets of issue 12 item 5 (not a test): the GD-β flow from Γ = 0, β₀ = 0 until runFlow's
 * "converged" (‖θ − θ*‖ ≤ 1e-8·(1 + ‖θ*‖) and R − R* ≤ 1e-10·R*), targets d = 64 general Ψ ≤ 2 s and
 * d = 256 Ψ = ψ²I ≤ 5 s at cond(H) = 1e4. Two constructions, M = 2d, σ² = 0.1, ‖β*‖ ≈ √d:
 *
 * - `run.ts`: the problems of `buildCase(d, 1e4, ·)` in bench/flow/run.ts (geometric spectrum of H,
 *   Ψ spectrum 0.5 + U(0, 1), β* ~ N(0, I)); at d = 64 etd4 alone finishes (no hand-over);
 * - `random`: `randomProblem(new Rng(seed), { condH: 1e4, psi, condPsi: 100 (general), betaStarNorm: √d })`
 *   (log-uniform spectra); these hand over from etd4 to the stiff path (what the "11.9 s" and "97 s"
 *   of RESULTS.md measured).
 *
 * Each (problem, method, rtol) runs once; wall time and the process's CPU time are printed with the
 * load average (shared 2-core machine: wall time is inflated by the load, CPU time less so).
 *
 * Run: `npx tsx bench/flow/large.ts` (env BENCH_LARGE_METHODS=auto,hybrid,rosw,rosenbrock,…;
 * BENCH_LARGE_RTOLS=1e-6,1e-8; BENCH_LARGE_D=64,256; BENCH_LARGE_SEEDS=1,2,3).
 */
import { loadavg } from 'node:os';
import { randomOrthogonal, Rng, spdFromSpectrum, toRows } from '../../src/linalg/index.js';
import { randomProblem } from '../../src/testing/index.js';
import { makeProblem, type Problem } from '../../src/models/index.js';
import { runFlow, type FlowMethod } from '../../src/flow/index.js';

const METHODS = (process.env.BENCH_LARGE_METHODS ?? 'auto').split(',') as FlowMethod[];
const RTOLS = (process.env.BENCH_LARGE_RTOLS ?? '1e-6,1e-8').split(',').map(Number);
const SEEDS = (process.env.BENCH_LARGE_SEEDS ?? '1,2,3').split(',').map(Number);
const DS = (process.env.BENCH_LARGE_D ?? '64,256').split(',').map(Number);
const ATOL = 1e-10;

/** The problem of bench/flow/run.ts `buildCase(d, 1e4, psi)`. */
function build(d: number, psi: 'ψ²I' | 'general'): Problem {
  const cond = 1e4;
  const rng = new Rng(7000 + 10 * d + 1 + (psi === 'general' ? 5 : 0));
  const lam = Array.from({ length: d }, (_, i) => cond ** (-i / Math.max(1, d - 1)));
  const H = toRows(spdFromSpectrum(randomOrthogonal(rng, d), lam));
  const Psi = psi === 'ψ²I' ? 1 : toRows(spdFromSpectrum(randomOrthogonal(rng, d), Array.from({ length: d }, () => 0.5 + rng.uniform())));
  const betaStar = Array.from({ length: d }, () => rng.normal());
  return makeProblem({ d, M: 2 * d, H, Psi, betaStar, sigma2: 0.1 });
}

const cases: { id: string; d: number; target: number; problem: Problem }[] = [];
for (const d of DS) {
  const psi = d <= 64 ? ('general' as const) : ('ψ²I' as const);
  const target = d <= 64 ? 2 : 5;
  cases.push({ id: `run.ts d=${d} Ψ=${psi}`, d, target, problem: build(d, psi) });
  for (const seed of SEEDS) {
    const problem = randomProblem(new Rng(seed), { d, M: 2 * d, condH: 1e4, psi: psi === 'general' ? 'general' : 'isotropic', condPsi: psi === 'general' ? 100 : 1, betaStarNorm: Math.sqrt(d), sigma2: 0.1 });
    cases.push({ id: `random#${seed} d=${d} Ψ=${psi}`, d, target, problem });
  }
}
for (const c of cases) {
  for (const method of METHODS) {
    for (const rtol of RTOLS) {
      const cpu0 = process.cpuUsage();
      const run = runFlow(c.problem, { method, rtol, atol: ATOL, maxSteps: 200_000 });
      const cpu = process.cpuUsage(cpu0);
      const v = run.verdict;
      const dist = v.kind === 'gd' ? v.distanceToOptimum : NaN;
      process.stdout.write(
        `${c.id} ${method} rtol=${rtol}: ${run.status} wall ${(run.wallTimeMs / 1000).toFixed(2)} s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (target ≤ ${c.target} s) steps=${run.steps} rej=${run.rejected} nfev=${run.nfev} nlin=${run.nlinsolve} dist=${dist.toExponential(2)} load=${loadavg()[0]!.toFixed(1)}\n  ${run.methodReason}\n`,
      );
    }
  }
}
