import { makeProblem } from '../../src/models/index.js';
import { attentionFlow } from '../../src/flow/index.js';
import { rodas4, rosenbrock, solve } from '../../src/flow/ode/index.js';
import { finiteDifferenceHvp } from '../../src/optim/index.js';
import { reducedObjective, attentionStarts } from '../../src/optimum/index.js';
import { hessianFlowSolver } from '../../src/optimum/flowSolver.js';
import { packReduced, problemScale } from '../../src/models/index.js';
const d = Number(process.argv[2] ?? 20);
const kind = 'ltb';
const P = makeProblem({ d, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 });
const f = reducedObjective(P, kind);
const hvp = finiteDifferenceHvp(f);
for (const s of attentionStarts(P, kind)) {
  const fl = attentionFlow(P, { model: kind, parametrization: 'reduced' });
  const ls = hessianFlowSolver(hvp, fl.n);
  const t0 = performance.now();
  const sol = solve(fl.field, packReduced(s.reduced, kind), [0, 1e6], rosenbrock(rodas4, { linearSolver: ls }), { rtol: 1e-2, atol: 1e-5, maxSteps: 200, throwOnFailure: false, steadyState: { tol: 1e-3 * problemScale(P), norm: 'inf' } });
  console.log(s.name, (performance.now() - t0).toFixed(0), 'ms', sol.t, sol.status, JSON.stringify(sol.stats), ls.products, ls.stats.linearSolves);
}
