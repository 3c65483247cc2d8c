/**
 * Memory of the LSA/LTB optimum's building blocks at large d (not a test): peak RSS after the start
 * context (whitening, objectives), one risk + gradient, one Hessian-vector product and 5 L-BFGS +
 * 1 Newton-CG iteration of the polish, at d ∈ BENCH_OPTIMUM_MEMORY_DIMS (default 100,300); and what
 * `optimum(problem, 'ltb')` does above the dimension cap. Run: `npx tsx bench/optimum/memory.ts`.
 */
import { makeProblem, reducedSize } from '../../src/models/index.js';
import { lbfgs, trustRegionNewtonCg } from '../../src/optim/index.js';
import { MAX_DIMENSION, optimum, startContext } from '../../src/optimum/index.js';

const DIMS = (process.env.BENCH_OPTIMUM_MEMORY_DIMS ?? '100,300').split(',').map(Number);
const mb = (): string => (process.resourceUsage().maxRSS / 1024).toFixed(0);
for (const d of DIMS) {
  const P = makeProblem({ d, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 });
  const n = reducedSize(d, 'ltb');
  const t0 = performance.now();
  const ctx = startContext(P, 'ltb');
  const x = new Float64Array(n).map((_, i) => 0.01 * Math.sin(i));
  const g = new Float64Array(n);
  ctx.polishObjective(x, g);
  const hv = new Float64Array(n);
  ctx.polishHvp(x, g, hv);
  const t1 = performance.now();
  const r = lbfgs(ctx.polishObjective, x, { maxIterations: 5 });
  trustRegionNewtonCg(ctx.polishObjective, ctx.polishHvp, r.x, { maxIterations: 1, maxCgIterations: 5 });
  const t2 = performance.now();
  console.log(`d = ${d}: n = ${n} parameters (a dense n×n Hessian would be ${((n * n * 8) / 2 ** 30).toFixed(2)} GiB); peak RSS ${mb()} MB; ` +
    `context + gradient + HVP ${((t1 - t0) / 1000).toFixed(2)} s; 5 L-BFGS + 1 Newton-CG (≤ 5 HVPs) iterations ${((t2 - t1) / 1000).toFixed(2)} s`);
  if (d <= MAX_DIMENSION) continue; // the full run at d = 100 takes minutes: see RESULTS.md
  try {
    optimum(P, 'ltb');
    console.log(`  optimum(ltb) at d = ${d}: ran (d ≤ MAX_DIMENSION = ${MAX_DIMENSION})`);
  } catch (e) {
    console.log(`  optimum(ltb) at d = ${d}: ${(e as Error).name}: ${(e as Error).message}`);
  }
}
