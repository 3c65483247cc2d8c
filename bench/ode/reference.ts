/**
 * Writes bench/ode/reference.json: the reference solution y(t1) of every test problem from an
 * independent tight-tolerance scipy run — DOP853 (non-stiff) or Radau (stiff, analytic Jacobian) at
 * rtol = 1e-13, atol = atolFactor · 1e-13 — plus a check run (Radau for the non-stiff problems,
 * Radau at rtol = 1e-12 for the stiff ones) whose normwise relative distance from the reference
 * bounds the reference's own error (`checkDiff`). Run: `npx tsx bench/ode/reference.ts`.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROBLEMS } from './problems.js';
import { runScipy, type ScipyRun } from './scipy.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REF_RTOL = 1e-13;

const runs: ScipyRun[] = [];
for (const p of PROBLEMS) {
  runs.push({ id: p.id, method: p.stiff ? 'Radau' : 'DOP853', rtol: REF_RTOL, atol: p.atolFactor * REF_RTOL });
  runs.push({ id: p.id, method: 'Radau', rtol: p.stiff ? 1e-12 : REF_RTOL, atol: p.atolFactor * (p.stiff ? 1e-12 : REF_RTOL) });
}
const out = runScipy(runs, 1, 3600, 0);
const normRel = (a: readonly number[], b: readonly number[]): number =>
  Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number)))) / Math.max(...b.map(Math.abs));
const reference: Record<string, unknown> = {};
PROBLEMS.forEach((p, k) => {
  const ref = out.results[2 * k]!;
  const chk = out.results[2 * k + 1]!;
  if (ref.status !== 'success' || chk.status !== 'success') throw new Error(`reference run for ${p.id} failed: ${ref.status} / ${chk.status}`);
  reference[p.id] = {
    t1: p.span[1],
    y: ref.y,
    method: `scipy ${ref.method}`,
    rtol: ref.rtol,
    atol: ref.atol,
    steps: ref.steps,
    check: { method: `scipy ${chk.method}`, rtol: chk.rtol, checkDiff: normRel(chk.y!, ref.y!) },
  };
});
writeFileSync(join(HERE, 'reference.json'), JSON.stringify({ versions: out.versions, metric: 'normwise relative: max_i |y_i − ref_i| / max_i |ref_i| at t1', problems: reference }, null, 1) + '\n');
console.log(JSON.stringify(reference, null, 1));
