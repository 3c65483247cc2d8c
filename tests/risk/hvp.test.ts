import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/linalg/index.js';
import { makeProblem, packReduced, reducedSize, unpackReduced, type AttentionKind, type Problem } from '../../src/models/index.js';
import { reducedHessianOperator, riskReduced, riskReducedHvp } from '../../src/risk/index.js';
import { randomProblem } from '../helpers/problems.js';

/** Central differences of the analytic gradient along v: (∇R(θ + hv) − ∇R(θ − hv))/(2h). */
function fdHvp(problem: Problem, kind: AttentionKind, theta: Float64Array, v: Float64Array, h: number): Float64Array {
  const d = problem.d;
  const plus = Float64Array.from(theta, (x, i) => x + h * v[i]!);
  const minus = Float64Array.from(theta, (x, i) => x - h * v[i]!);
  const gp = packReduced(riskReduced(problem, unpackReduced(plus, d, kind)).grad, kind);
  const gm = packReduced(riskReduced(problem, unpackReduced(minus, d, kind)).grad, kind);
  return gp.map((x, i) => (x - gm[i]!) / (2 * h));
}

function norm(v: Float64Array): number {
  return Math.hypot(...v);
}

const problems: [string, Problem][] = [
  ['isotropic reference-like, masked', makeProblem({ d: 4, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 3 })],
  ['general H, Ψ, β*, masked', randomProblem(new Rng(5), 5, 7, { logCondH: 1, logCondPsi: 1, betaScale: 1.5 })],
  ['general H, Ψ, unmasked', { ...randomProblem(new Rng(6), 4, 6, { logCondH: 1, logCondPsi: 1, betaScale: 1 }), masked: false } as Problem],
  ['Ψ = 0, σ² = 0, masked', makeProblem({ d: 3, M: 5, H: [2, 1, 0.5], Psi: 0, sigma2: 0, betaStar: [1, -2, 0.5] })],
];

describe('riskReducedHvp: analytic Hessian-vector products of the reduced risk (math.md §3.3)', () => {
  for (const [label, problem] of problems) {
    for (const kind of ['lsa', 'ltb'] as const) {
      it(`${label}, ${kind}: equals central differences of the analytic gradient (relative ≤ 1e-10 of the scale)`, () => {
        const d = problem.d;
        const n = reducedSize(d, kind);
        const rng = new Rng(17 + d);
        for (let trial = 0; trial < 3; trial++) {
          const theta = Float64Array.from({ length: n }, () => 0.7 * rng.normal());
          const v = Float64Array.from({ length: n }, () => rng.normal());
          const red = unpackReduced(theta, d, kind);
          const hv = packReduced(riskReducedHvp(problem, red, unpackReduced(v, d, kind)), kind);
          // Richardson: two steps, the truncation error O(h²) drops out to O(h⁴).
          const h = 1e-3;
          const a = fdHvp(problem, kind, theta, v, h);
          const b = fdHvp(problem, kind, theta, v, h / 2);
          const fd = b.map((x, i) => (4 * x - a[i]!) / 3);
          const err = norm(hv.map((x, i) => x - fd[i]!));
          // scale: the gradient's size per unit step (‖∇R(θ+v)‖ + ‖∇R(θ)‖ + ‖Hv‖) — the rounding floor of the FD.
          const scale = norm(hv) + norm(packReduced(riskReduced(problem, red).grad, kind)) + 1;
          expect(err).toBeLessThan(1e-10 * scale);
        }
      });
    }
  }

  it('the unmasked case is exercised: its risk differs from the masked one', () => {
    const [, un] = problems[2]!;
    const red = unpackReduced(Float64Array.from({ length: reducedSize(un.d, 'lsa') }, (_, i) => Math.sin(i + 1)), un.d, 'lsa');
    expect(Math.abs(riskReduced(un, red).risk - riskReduced({ ...un, masked: true }, red).risk)).toBeGreaterThan(1e-3);
  });

  it('the operator is linear and symmetric: ⟨u, ∇²R v⟩ = ⟨v, ∇²R u⟩', () => {
    const [, problem] = problems[1]!;
    const kind = 'ltb';
    const d = problem.d;
    const n = reducedSize(d, kind);
    const rng = new Rng(3);
    const theta = Float64Array.from({ length: n }, () => rng.normal());
    const op = reducedHessianOperator(problem, unpackReduced(theta, d, kind));
    const u = Float64Array.from({ length: n }, () => rng.normal());
    const v = Float64Array.from({ length: n }, () => rng.normal());
    const Hu = packReduced(op(unpackReduced(u, d, kind)), kind);
    const Hv = packReduced(op(unpackReduced(v, d, kind)), kind);
    const uHv = u.reduce((s, x, i) => s + x * Hv[i]!, 0);
    const vHu = v.reduce((s, x, i) => s + x * Hu[i]!, 0);
    expect(Math.abs(uHv - vHu)).toBeLessThan(1e-12 * (Math.abs(uHv) + norm(Hu) * norm(v)));
    const w = u.map((x, i) => 2 * x - 3 * v[i]!);
    const Hw = packReduced(op(unpackReduced(w, d, kind)), kind);
    const lin = Hw.map((x, i) => x - (2 * Hu[i]! - 3 * Hv[i]!));
    expect(norm(lin)).toBeLessThan(1e-12 * (norm(Hu) + norm(Hv)));
    // same as the one-shot function
    expect(Array.from(packReduced(riskReducedHvp(problem, unpackReduced(theta, d, kind), unpackReduced(v, d, kind)), kind))).toEqual(Array.from(Hv));
  });
});
