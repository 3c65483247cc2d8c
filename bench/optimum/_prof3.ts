import { makeProblem, unpackReduced, reducedSize } from '../../src/models/index.js';
import { riskReduced } from '../../src/risk/index.js';
import { Rng } from '../../src/linalg/index.js';
for (const d of [5, 10, 20, 50, 100]) {
  const P = makeProblem({ d, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 });
  const rng = new Rng(1);
  const th = Float64Array.from({ length: reducedSize(d, 'ltb') }, () => rng.normal());
  const red = unpackReduced(th, d, 'ltb');
  let n = 0; const t0 = performance.now();
  while (performance.now() - t0 < 500) { riskReduced(P, red); n++; }
  console.log(d, ((performance.now() - t0) / n).toFixed(3), 'ms/grad');
}
