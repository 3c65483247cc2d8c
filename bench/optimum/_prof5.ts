import { makeProblem, unpackReduced, reducedSize } from '../../src/models/index.js';
import { riskReduced, reducedHessianOperator } from '../../src/risk/index.js';
import { Rng } from '../../src/linalg/index.js';
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e3; };
for (const d of [10, 20, 50]) {
  const P = makeProblem({ d, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 });
  const rng = new Rng(1);
  const th = Float64Array.from({ length: reducedSize(d, 'ltb') }, () => rng.normal());
  const red = unpackReduced(th, d, 'ltb');
  const v = unpackReduced(Float64Array.from(th, () => rng.normal()), d, 'ltb');
  let n = 0; let t0 = cpu();
  while (cpu() - t0 < 400) { riskReduced(P, red); n++; }
  const g = (cpu() - t0) / n;
  n = 0; t0 = cpu();
  while (cpu() - t0 < 400) { reducedHessianOperator(P, red); n++; }
  const b = (cpu() - t0) / n;
  const op = reducedHessianOperator(P, red);
  n = 0; t0 = cpu();
  while (cpu() - t0 < 400) { op(v); n++; }
  const h = (cpu() - t0) / n;
  console.log(d, 'grad', g.toFixed(3), 'build', b.toFixed(3), 'product', h.toFixed(3), 'ms');
}
