import { describe, expect, it } from 'vitest';
import { Rng, gemm, randomOrthogonal, type Matrix } from '../../src/linalg/index.js';
import { ltbFromGdBeta, lsaFromGd0, makeProblem, reducedForm, type Lsa, type Ltb } from '../../src/models/index.js';
import { monteCarloRisk, riskAttention, riskGdBeta, riskReduced } from '../../src/risk/index.js';
import { along, directionalDerivative, inner } from '../helpers/finiteDiff.js';
import { randomGd0, randomGdBeta, randomLsa, randomLtb, randomProblem, randomVector, relDiff, toRows } from '../helpers/problems.js';
import { Z_MAX, zScore } from '../helpers/stats.js';

const FD_RTOL = 1e-6;

describe('LSA/LTB closed-form risk (math.md §3.3) against Monte Carlo through the explicit forward pass', () => {
  const cases = [
    { seed: 21, d: 1, M: 4 },
    { seed: 22, d: 2, M: 1 },
    { seed: 23, d: 3, M: 13 },
    { seed: 24, d: 5, M: 20 },
  ];
  for (const masked of [true, false]) {
    it.each(cases)(`${masked ? 'masked' : 'unmasked'}, seed $seed d=$d M=$M`, ({ seed, d, M }) => {
      const rng = new Rng(seed + (masked ? 0 : 1000));
      const p = randomProblem(rng, d, M, { betaScale: 1.5, masked });
      const ests: (Lsa | Ltb)[] = [randomLsa(rng, d, 0.4), randomLtb(rng, d, 2, 0.4), ltbFromGdBeta(randomGdBeta(rng, d))];
      for (const est of ests) {
        const exact = riskAttention(p, est, false).risk;
        const mc = monteCarloRisk(p, est, { samples: 50_000, seed: seed * 13 + 5 });
        expect(zScore(mc.mean, mc.stderr, exact), `${est.kind}: MC ${mc.mean} ± ${mc.stderr} vs exact ${exact}`).toBeLessThan(Z_MAX);
      }
    });
  }
});

describe('GD-β inside an LTB (math.md §2) has the GD-β risk', () => {
  it('risk(ltbFromGdBeta(g)) = risk(g) and risk(lsaFromGd0(g)) = risk(g), masked', () => {
    const rng = new Rng(31);
    for (const d of [1, 2, 4, 6]) {
      const p = randomProblem(rng, d, 3 + d, { betaScale: 2 });
      const g = randomGdBeta(rng, d);
      expect(relDiff(riskAttention(p, ltbFromGdBeta(g), false).risk, riskGdBeta(p, g).risk)).toBeLessThan(1e-12);
      const g0 = randomGd0(rng, d);
      expect(relDiff(riskAttention(p, lsaFromGd0(g0), false).risk, riskGdBeta(p, g0).risk)).toBeLessThan(1e-12);
    }
  });
});

function flatWeights(e: Lsa | Ltb): Float64Array[] {
  return e.kind === 'lsa' ? [e.WKQ.data, e.WPV.data] : [e.WKQ.data, e.WPV.data, e.W1.data, e.W2.data];
}

function rebuild(e: Lsa | Ltb, parts: Float64Array[]): Lsa | Ltb {
  const m = (A: Matrix, data: Float64Array): Matrix => ({ rows: A.rows, cols: A.cols, data });
  return e.kind === 'lsa'
    ? { kind: 'lsa', WKQ: m(e.WKQ, parts[0]!), WPV: m(e.WPV, parts[1]!) }
    : { kind: 'ltb', WKQ: m(e.WKQ, parts[0]!), WPV: m(e.WPV, parts[1]!), W1: m(e.W1, parts[2]!), W2: m(e.W2, parts[3]!) };
}

describe('LSA/LTB gradients against central finite differences', () => {
  for (const masked of [true, false]) {
    it.each([1, 2, 3, 5])(`${masked ? 'masked' : 'unmasked'} d=%i: reduced and raw-weight gradients`, (d) => {
      const rng = new Rng(40 + d + (masked ? 0 : 50));
      const p = randomProblem(rng, d, 4, { betaScale: 1.2, masked });
      // reduced parameters
      const red = reducedForm(randomLtb(rng, d, 2, 0.5));
      const g = riskReduced(p, red).grad;
      const vb = randomVector(rng, d);
      const vp = randomVector(rng, d + 1);
      const vQ = randomVector(rng, (d + 1) * d);
      const fr = (t: number): number =>
        riskReduced(p, { betaM: along(red.betaM, vb, t), p: along(red.p, vp, t), Q: { rows: d + 1, cols: d, data: along(red.Q.data, vQ, t) } }, false).risk;
      const fdr = directionalDerivative(fr, 1e-3);
      const anr = inner(g.betaM, vb) + inner(g.p, vp) + inner(g.Q.data, vQ);
      expect(relDiff(fdr, anr), `reduced: fd ${fdr} vs analytic ${anr}`).toBeLessThan(FD_RTOL);
      // raw weights
      for (const est of [randomLsa(rng, d, 0.5), randomLtb(rng, d, 3, 0.5)]) {
        const r = riskAttention(p, est);
        const parts = flatWeights(est);
        const grads = est.kind === 'lsa' ? [r.gradWKQ.data, r.gradWPV.data] : [r.gradWKQ.data, r.gradWPV.data, r.gradW1!.data, r.gradW2!.data];
        const dirs = parts.map((x) => randomVector(rng, x.length));
        const f = (t: number): number => riskAttention(p, rebuild(est, parts.map((x, k) => along(x, dirs[k]!, t))), false).risk;
        const fd = directionalDerivative(f, 1e-4);
        const an = grads.reduce((s, gk, k) => s + inner(gk, dirs[k]!), 0);
        expect(relDiff(fd, an), `${est.kind}: fd ${fd} vs analytic ${an}`).toBeLessThan(FD_RTOL);
      }
    });
  }
});

describe('invariances of the LSA/LTB risk', () => {
  it('(p, Q) → (t·p, Q/t) leaves the risk unchanged', () => {
    const rng = new Rng(51);
    for (const masked of [true, false]) {
      const p = randomProblem(rng, 3, 6, { masked });
      const red = reducedForm(randomLtb(rng, 3));
      const base = riskReduced(p, red, false).risk;
      for (const t of [-2.5, 0.1, 7]) {
        const scaled = { betaM: red.betaM, p: red.p.map((x) => t * x), Q: { rows: 4, cols: 3, data: red.Q.data.map((x) => x / t) } };
        expect(relDiff(riskReduced(p, scaled, false).risk, base)).toBeLessThan(1e-12);
      }
    }
  });

  it('an orthogonal change of basis of x (H → OHOᵀ, Ψ → OΨOᵀ, β* → Oβ*, W → TWTᵀ, T = diag(O, 1)) leaves the risk unchanged', () => {
    const rng = new Rng(52);
    for (const masked of [true, false]) {
      const d = 4;
      const p = randomProblem(rng, d, 5, { masked, betaScale: 2 });
      const O = randomOrthogonal(rng, d);
      const rot = (A: Matrix): number[][] => {
        const t = gemm({ rows: d, cols: d, data: new Float64Array(d * d) }, A, O, 'NT');
        const r = gemm({ rows: d, cols: d, data: new Float64Array(d * d) }, O, t);
        return toRows(r).map((row, i) => row.map((_, j) => 0.5 * (r.data[i * d + j]! + r.data[j * d + i]!)));
      };
      const b = Array.from({ length: d }, (_, i) => {
        let s = 0;
        for (let k = 0; k < d; k++) s += O.data[i * d + k]! * p.betaStar[k]!;
        return s;
      });
      const q = makeProblem({ d, M: p.M, H: rot(p.H), Psi: rot(p.Psi), betaStar: b, sigma2: p.sigma2, masked });
      const n = d + 1;
      const T: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) T.data[i * n + j] = O.data[i * d + j]!;
      T.data[n * n - 1] = 1;
      const conj = (W: Matrix): Matrix => {
        const t = gemm({ rows: n, cols: n, data: new Float64Array(n * n) }, W, T, 'NT');
        return gemm({ rows: n, cols: n, data: new Float64Array(n * n) }, T, t);
      };
      const right = (W: Matrix): Matrix => gemm({ rows: W.rows, cols: n, data: new Float64Array(W.rows * n) }, W, T, 'NT');
      const e = randomLtb(rng, d, 2, 0.5);
      const e2: Ltb = { kind: 'ltb', WKQ: conj(e.WKQ), WPV: conj(e.WPV), W1: right(e.W1), W2: right(e.W2) };
      expect(relDiff(riskAttention(q, e2, false).risk, riskAttention(p, e, false).risk)).toBeLessThan(1e-11);
    }
  });
});
