import { makeProblem, packReduced } from '../../src/models/index.js';
import { Rng } from '../../src/linalg/index.js';
import { randomProblem } from '../../src/testing/problems.js';
import { attentionStarts, optimumFromStart, startContext } from '../../src/optimum/index.js';
const d = Number(process.argv[2] ?? 10);
const kind = (process.argv[3] ?? 'ltb') as 'lsa' | 'ltb';
const fam = process.argv[4] ?? 'iso';
const P = fam === 'iso' ? makeProblem({ d, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 }) : randomProblem(new Rng(d), { d, M: 20, condH: 10, psi: 'general', condPsi: 10, betaStarNorm: Math.sqrt(d), sigma2: 0.25 });
const ctx = startContext(P, kind);
let tot = 0;
for (const s of attentionStarts(P, kind)) {
  const th = packReduced(s.reduced, kind);
  for (const flow of ['ode', 'none'] as const) {
    const c0 = process.cpuUsage();
    const r = optimumFromStart(ctx, s.name, th, flow);
    const c = process.cpuUsage(c0); const t = (c.user + c.system) / 1e3; tot += t;
    console.log(s.name.padEnd(9), flow.padEnd(5), t.toFixed(0).padStart(6), 'ms cpu', r.risk, 'flowRisk', r.flowRisk.toPrecision(6), 'lbfgs', r.iterations, r.status, r.newton, 'gn', r.gradNorm.toExponential(1), 'nfev', r.nfev);
  }
}
console.log('total', tot.toFixed(0));
