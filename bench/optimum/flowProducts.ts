/**
 * Hessian-vector products of the LSA/LTB flow stages (not a test): runs the flow stage of every named start of
 * `attentionStarts` exactly as `optimumFromStart` does (attentionFlow, ROS34PW2, the same tolerances and
 * steady-state test), once with plain MINRES solves and once with `stiffBlockPreconditioner`, and prints per
 * case the products, the steps and the risk where each flow stopped. Products are what the flow stages cost
 * (each ≈ one gradient); the flow risks show whether the preconditioner moved where the flows stop.
 *
 * Run: `npx tsx bench/optimum/flowProducts.ts`. Options (environment):
 *   BENCH_OPTIMUM_SRC   the src/ tree to import (default this checkout's)
 *   BENCH_OPTIMUM_DIMS  comma list, default 20
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = resolve(process.env.BENCH_OPTIMUM_SRC ?? resolve(HERE, '../../src'));
const DIMS = (process.env.BENCH_OPTIMUM_DIMS ?? '20').split(',').map(Number);

/* eslint-disable @typescript-eslint/no-explicit-any */
const load = async (path: string): Promise<any> => import(pathToFileURL(resolve(SRC, path)).href);
const m = {
  ...(await load('linalg/index.ts')), ...(await load('models/index.ts')), ...(await load('optimum/index.ts')),
  ...(await load('flow/index.ts')), ...(await load('flow/ode/index.ts')), ...(await load('testing/problems.ts')),
};

console.log(`src: ${SRC}`);
console.log('| family | d | class | products plain | products preconditioned | steps plain / preconditioned | flow risks plain | flow risks preconditioned |');
console.log('|---|---|---|---|---|---|---|---|');
for (const d of DIMS) {
  for (const family of ['iso', 'general']) {
    for (const kind of ['lsa', 'ltb'] as const) {
      const problem = family === 'iso'
        ? m.makeProblem({ d, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 })
        : m.randomProblem(new m.Rng(d), { d, M: 20, condH: 10, psi: 'general', condPsi: 10, betaStarNorm: Math.sqrt(d), sigma2: 0.25 });
      const ctx = m.startContext(problem, kind);
      const cols: { products: number; steps: number; risks: string[] }[] = [];
      for (const pre of [false, true]) {
        const col = { products: 0, steps: 0, risks: [] as string[] };
        for (const start of m.attentionStarts(problem, kind)) {
          const fl = m.attentionFlow(problem, { model: kind, parametrization: 'reduced' });
          const solver = m.hessianFlowSolver(ctx.hvp, fl.n, pre ? { preconditioner: m.stiffBlockPreconditioner(problem, kind) } : {});
          // The flow stage of optimumFromStart (src/optimum/attention.ts: FLOW_RTOL, FLOW_ATOL, FLOW_HORIZON).
          const sol = m.solve(fl.field, m.packReduced(start.reduced, kind), [0, 1e6], m.rosenbrock(m.ros34pw2, { linearSolver: solver }), {
            rtol: 1e-2, atol: 1e-4, maxSteps: ctx.options.flowMaxSteps, throwOnFailure: false,
            steadyState: { tol: ctx.options.flowSteadyRelative * ctx.scale, norm: 'inf' },
          });
          col.products += solver.products;
          col.steps += sol.stats.accepted + sol.stats.rejected;
          col.risks.push(ctx.objective(sol.y, new Float64Array(fl.n)).toPrecision(5));
        }
        cols.push(col);
      }
      const [a, b] = cols as [typeof cols[0], typeof cols[0]];
      console.log(`| ${family} | ${d} | ${kind} | ${a.products} | ${b.products} | ${a.steps} / ${b.steps} | ${a.risks.join(' ')} | ${b.risks.join(' ')} |`);
    }
  }
}
