import { makeProblem } from '../../src/models/index.js';
import { optimum } from '../../src/optimum/index.js';
const d = Number(process.argv[2] ?? 10);
const kind = (process.argv[3] ?? 'ltb') as 'lsa' | 'ltb';
const P = makeProblem({ d, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 });
const t0 = performance.now();
const o = optimum(P, kind);
console.log(kind, d, ((performance.now() - t0)/1000).toFixed(2), 's', o.risk, o.spread, o.best);
for (const s of o.starts) console.log(' ', s.name, s.risk, s.iterations, s.nfev, s.status, s.newton);
