/**
 * Micro-benchmarks of the generic explicit RK step (src/flow/ode/stepper.ts).
 *
 * Cases: `ode:step:<method>:n=<n>` — one attempted step (stages, y₁, error estimate) on
 * y′ = −y; baseline `ode:fevals:<method>:n=<n>` — the stage evaluations alone, i.e. the cost a
 * step cannot avoid (the ratio is the tableau-combination overhead). And the stage-sum kernel:
 * `ode:combine:fused-indirect` (one pass, indirect inner index over K rows) against
 * `ode:combine:axpy` (one unit-stride pass per non-zero, the stepper's choice).
 *
 * Run: `npx vitest bench bench/flow/ode-step.bench.ts`. Inputs are built once outside the timed
 * closures; results are consumed (NaN check) so the work cannot be dropped.
 */
import { bench, describe } from 'vitest';
import { dop853, dopri5, euler, explicitRK, type ButcherTableau, type VectorField } from '../../src/flow/ode/index.js';

const SIZES = [4, 256, 65_536] as const;
const METHODS: readonly ButcherTableau[] = [euler, dopri5, dop853];

const decay: VectorField = (_t, y, out) => {
  for (let i = 0; i < y.length; i++) out[i] = -(y[i] as number);
};

function consume(x: number): void {
  if (Number.isNaN(x)) throw new Error('NaN in benchmark result');
}

for (const n of SIZES) {
  describe(`ode step n=${n}`, () => {
    for (const T of METHODS) {
      const st = explicitRK(T);
      const y = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
      const ws = st.init(decay, 0, y, T.bErr !== undefined);
      bench(`ode:step:${T.name}:n=${n}`, () => {
        st.step(ws, 0, y, 1e-3);
        consume(ws.yNew[n - 1] as number);
      });
      const out = new Float64Array(n);
      const evals = T.fsal ? T.stages - 1 : T.stages;
      bench(`ode:fevals:${T.name}:n=${n}`, () => {
        for (let s = 0; s < evals; s++) decay(0, y, out);
        consume(out[n - 1] as number);
      });
    }
  });
}

describe('ode stage-sum kernel n=65536, 5 non-zeros', () => {
  const n = 65_536;
  const K = Float64Array.from({ length: 8 * n }, (_, i) => Math.sin(i));
  const rows = Array.from({ length: 8 }, (_, i) => K.subarray(i * n, (i + 1) * n));
  const y = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
  const out = new Float64Array(n);
  const idx = Int32Array.of(0, 2, 3, 4, 5);
  const val = Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5);
  const h = 1e-3;
  bench('ode:combine:fused-indirect:n=65536', () => {
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let q = 0; q < idx.length; q++) s += (val[q] as number) * (K[(idx[q] as number) * n + k] as number);
      out[k] = (y[k] as number) + h * s;
    }
    consume(out[n - 1] as number);
  });
  bench('ode:combine:axpy:n=65536', () => {
    const r0 = rows[idx[0] as number] as Float64Array;
    const v0 = h * (val[0] as number);
    for (let k = 0; k < n; k++) out[k] = (y[k] as number) + v0 * (r0[k] as number);
    for (let q = 1; q < idx.length; q++) {
      const r = rows[idx[q] as number] as Float64Array;
      const v = h * (val[q] as number);
      for (let k = 0; k < n; k++) out[k] = (out[k] as number) + v * (r[k] as number);
    }
    consume(out[n - 1] as number);
  });
});
