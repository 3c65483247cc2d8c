/**
 * Peers' weight layouts (docs/math.md §2.6): the converters are checked against independent
 * transcriptions of the peers' forward passes (tokens as rows, their normalisation, their read-out
 * sign) on sampled prompts, and the exact risk against Monte Carlo of the peers' own forward pass.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gemm, randomOrthogonal, Rng, spdFromSpectrum, type Matrix } from '../../src/linalg/index.js';
import {
  allocPrompt, lsaFromAcds, lsaFromVo, makeProblem, parseEstimatorWithConvention, predictLsa, samplePromptInto,
  type AcdsWeights, type Lsa, type Problem, type Prompt, type VoWeights,
} from '../../src/models/index.js';
import { risk } from '../../src/risk/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { zScore } from '../helpers/stats.js';

const EPS = Number.EPSILON;

function randomMatrix(rng: Rng, rows: number, cols: number, scale = 1): Matrix {
  const data = new Float64Array(rows * cols);
  for (let k = 0; k < data.length; k++) data[k] = scale * rng.normal();
  return { rows, cols, data };
}

/** The tokens-as-rows matrix Z [M+1, d+1] of a prompt: (x_i, y_i) rows, query (x, 0) last. */
function tokens(p: Prompt): number[][] {
  const { rows: M, cols: d } = p.X;
  const Z: number[][] = [];
  for (let i = 0; i < M; i++) Z.push([...Array.from(p.X.data.subarray(i * d, (i + 1) * d)), p.y[i]!]);
  Z.push([...Array.from(p.x), 0]);
  return Z;
}

/**
 * Ahn et al.'s `attention(P, Q, Z)` followed by the residual and the loss's read-out, transcribed
 * literally: Attn[n][m] = Z_n·Q_full·Z_mᵀ; key_m = P_full·Z_m; Output_n = Σ_m Attn[n][m]·A[m][m]·key_m / N
 * with A = diag(1…1, 0); prediction = −(Z + Output)[N][d]. Several heads add their outputs.
 */
function acdsPredict(heads: AcdsWeights[], p: Prompt): number {
  const Z = tokens(p);
  const N = Z.length - 1;
  const d = Z[0]!.length - 1;
  let out = 0;
  for (const { P, Q } of heads) {
    const Qf = (i: number, j: number): number => (i < d && j < d ? Q.data[i * d + j]! : 0);
    const Pf = (i: number, j: number): number => (i < d && j < d ? P.data[i * d + j]! : i === d && j === d ? 1 : 0);
    for (let m = 0; m < N; m++) {
      let attn = 0;
      for (let i = 0; i <= d; i++) for (let j = 0; j <= d; j++) attn += Z[N]![i]! * Qf(i, j) * Z[m]![j]!;
      let key = 0;
      for (let j = 0; j <= d; j++) key += Pf(d, j) * Z[m]![j]!;
      out += (attn * key) / N;
    }
  }
  return -(Z[N]![d]! + out);
}

/**
 * von Oswald et al.'s single linear head (haiku row-vector Linear y = x·W), keys and values from
 * the context tokens only, no normalisation, residual, prediction −h[N][d].
 */
function voPredict(w: VoWeights, p: Prompt): number {
  const Z = tokens(p);
  const N = Z.length - 1;
  const n = Z[0]!.length;
  const rowTimes = (z: number[], W: Matrix): number[] => Array.from({ length: W.cols }, (_, c) => z.reduce((s, zi, i) => s + zi * W.data[i * W.cols + c]!, 0));
  const q = rowTimes(Z[N]!, w.Wq);
  const attn = new Array<number>(w.Wv.cols).fill(0);
  for (let m = 0; m < N; m++) {
    const k = rowTimes(Z[m]!, w.Wk);
    const v = rowTimes(Z[m]!, w.Wv);
    const logit = q.reduce((s, qi, i) => s + qi * k[i]!, 0);
    for (let c = 0; c < v.length; c++) attn[c] = attn[c]! + logit * v[c]!;
  }
  const outLast = attn.reduce((s, a, c) => s + a * w.Wo.data[c * n + (n - 1)]!, 0);
  return -(Z[N]![n - 1]! + outLast);
}

/** An anisotropic problem: H = R·diag(λ)·Rᵀ with cond 30, general Ψ, β* ≠ 0. */
function anisotropic(seed: number, d: number, M: number): Problem {
  const rng = new Rng(seed);
  const lam = Float64Array.from({ length: d }, (_, i) => 30 ** (i / Math.max(1, d - 1)) / 5);
  const mu = Float64Array.from({ length: d }, (_, i) => 0.2 + i / d);
  const H = spdFromSpectrum(randomOrthogonal(rng, d), lam);
  const Psi = spdFromSpectrum(randomOrthogonal(rng, d), mu);
  const betaStar = Array.from({ length: d }, () => rng.normal());
  return makeProblem({ d, M, H, Psi, betaStar, sigma2: 0.3 });
}

function promptsOf(problem: Problem, seed: number, count: number): Prompt[] {
  const rng = new Rng(seed);
  const z = new Float64Array(problem.d + 1);
  return Array.from({ length: count }, () => {
    const p = allocPrompt(problem.d, problem.M);
    samplePromptInto(p, problem, rng, z);
    return { ...p, X: { ...p.X, data: Float64Array.from(p.X.data) } };
  });
}

/** |a − b| ≤ 64·(d+1)²·M·ε·scale: the two routes sum the same O((d+1)²M) products in another order. */
function close(a: number, b: number, scale: number, d: number, M: number): boolean {
  return Math.abs(a - b) <= 64 * (d + 1) ** 2 * M * EPS * Math.max(1, scale);
}

describe('conventions: acds (Ahn et al.) — W^{KQ} = Q_fullᵀ, W^{PV} = −P_full (2.22)', () => {
  it('per-prompt predictions equal the transcribed peer forward pass (anisotropic H, general Ψ; seed 11)', () => {
    for (const [d, M] of [[1, 1], [3, 7], [5, 20]] as const) {
      const problem = anisotropic(11 + d, d, M);
      const rng = new Rng(100 + d);
      const w = { P: randomMatrix(rng, d, d), Q: randomMatrix(rng, d, d, 0.5) };
      const lsa = lsaFromAcds(w);
      for (const p of promptsOf(problem, 7 + d, 25)) {
        const ours = predictLsa(lsa, p, true);
        const theirs = acdsPredict([w], p);
        expect(close(ours, theirs, Math.abs(theirs) + 1, d, M), `d=${d} M=${M}: ${ours} vs ${theirs}`).toBe(true);
      }
    }
  });

  it('a wrong sign or a wrong transpose is caught on an anisotropic H (the per-prompt check would fail)', () => {
    const d = 4, M = 10;
    const problem = anisotropic(3, d, M);
    const rng = new Rng(5);
    const w = { P: randomMatrix(rng, d, d), Q: randomMatrix(rng, d, d) };
    const good = lsaFromAcds(w);
    const noFlip: Lsa = { ...good, WPV: { ...good.WPV, data: good.WPV.data.map((v) => -v) } };
    const transposed = lsaFromAcds({ P: w.P, Q: { rows: d, cols: d, data: Float64Array.from({ length: d * d }, (_, k) => w.Q.data[(k % d) * d + Math.floor(k / d)]!) } });
    const p = promptsOf(problem, 9, 1)[0]!;
    const ref = acdsPredict([w], p);
    expect(Math.abs(predictLsa(noFlip, p, true) - ref)).toBeGreaterThan(1e-3 * Math.abs(ref));
    expect(Math.abs(predictLsa(transposed, p, true) - ref)).toBeGreaterThan(1e-6 * Math.abs(ref));
    // and on the population risk: a wrong transpose changes it when H is anisotropic
    expect(Math.abs(risk(problem, transposed).risk - risk(problem, good).risk)).toBeGreaterThan(1e-6 * risk(problem, good).risk);
  });

  it('several heads of one layer (allparam [1][h][2][d][d]) predict as Q = ΣQ_h', () => {
    const d = 3, M = 6;
    const problem = anisotropic(21, d, M);
    const rng = new Rng(22);
    const heads = [0, 1, 2].map(() => ({ P: randomMatrix(rng, d, d), Q: randomMatrix(rng, d, d) }));
    const toRows = (A: Matrix): number[][] => Array.from({ length: A.rows }, (_, i) => Array.from(A.data.subarray(i * A.cols, (i + 1) * A.cols)));
    const est = parseEstimatorWithConvention({ convention: 'acds', allparam: [heads.map((h) => [toRows(h.P), toRows(h.Q)])] }, d, { M }) as Lsa;
    for (const p of promptsOf(problem, 23, 10)) {
      const theirs = acdsPredict(heads, p);
      expect(close(predictLsa(est, p, true), theirs, Math.abs(theirs) + 1, d, M)).toBe(true);
    }
  });

  it('the exact risk equals Monte Carlo of the peer forward pass (|z| < 4.5, 40 000 prompts, seed 31)', () => {
    const d = 3, M = 8;
    const problem = anisotropic(30, d, M);
    const rng = new Rng(32);
    const w = { P: randomMatrix(rng, d, d, 0.3), Q: randomMatrix(rng, d, d, 0.3) };
    const exact = risk(problem, lsaFromAcds(w)).risk;
    let s = 0, s2 = 0;
    const n = 40_000;
    const srng = new Rng(31);
    const p = allocPrompt(d, M);
    const z = new Float64Array(d + 1);
    for (let k = 0; k < n; k++) {
      samplePromptInto(p, problem, srng, z);
      const e = (acdsPredict([w], p) - p.yQuery) ** 2;
      s += e;
      s2 += e * e;
    }
    const mean = s / n;
    const se = Math.sqrt((s2 / n - mean * mean) / (n - 1));
    const zs = zScore(mean, se, exact);
    expect(zs, `exact ${exact}, MC ${mean} ± ${se}`).toBeLessThan(4.5);
  });
});

describe('conventions: vo (von Oswald et al.) — W^{KQ} = W_k W_qᵀ, W^{PV} = −M (W_v W_o)ᵀ (2.23)', () => {
  it('per-prompt predictions equal the transcribed peer forward pass (key size ≠ d+1; seed 41)', () => {
    for (const [d, M, k, v] of [[1, 2, 1, 1], [3, 9, 2, 5], [5, 20, 6, 6]] as const) {
      const problem = anisotropic(40 + d, d, M);
      const rng = new Rng(41 + d);
      const w = { Wq: randomMatrix(rng, d + 1, k), Wk: randomMatrix(rng, d + 1, k), Wv: randomMatrix(rng, d + 1, v, 0.1), Wo: randomMatrix(rng, v, d + 1, 0.1) };
      const lsa = lsaFromVo(w, M);
      for (const p of promptsOf(problem, 43 + d, 25)) {
        const theirs = voPredict(w, p);
        expect(close(predictLsa(lsa, p, true), theirs, Math.abs(theirs) + 1, d, M), `d=${d}`).toBe(true);
      }
    }
  });

  it('dropping the factor M is caught (M ≠ 1)', () => {
    const d = 2, M = 5;
    const problem = anisotropic(50, d, M);
    const rng = new Rng(51);
    const w = { Wq: randomMatrix(rng, 3, 3), Wk: randomMatrix(rng, 3, 3), Wv: randomMatrix(rng, 3, 3), Wo: randomMatrix(rng, 3, 3) };
    const wrong = lsaFromVo(w, 1);
    const p = promptsOf(problem, 52, 1)[0]!;
    expect(Math.abs(predictLsa(wrong, p, true) - voPredict(w, p))).toBeGreaterThan(1e-6);
  });
});

describe('conventions: parsing and the problem field Psi = "H^-1"', () => {
  it('Psi "H^-1" is the inverse of H (‖HΨ − I‖ ≤ 16·d·ε·cond(H))', () => {
    const d = 6;
    const rng = new Rng(60);
    const lam = Float64Array.from({ length: d }, (_, i) => 10 ** (i / 2));
    const H = spdFromSpectrum(randomOrthogonal(rng, d), lam);
    const problem = makeProblem({ M: 10, H, Psi: 'H^-1' });
    const HP: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
    gemm(HP, problem.H, problem.Psi);
    let err = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) err = Math.max(err, Math.abs(HP.data[i * d + j]! - (i === j ? 1 : 0)));
    expect(err).toBeLessThan(16 * d * EPS * (lam[d - 1]! / lam[0]!));
    expect(() => makeProblem({ M: 10, d: 2, Psi: 'H^-2' })).toThrow(/Psi.*H\^-1/);
  });

  it('bad peer JSON is rejected naming the field', () => {
    expect(() => parseEstimatorWithConvention({ convention: 'acds', P: [[1]] }, 1, { M: 3 })).toThrow(/Q.*required/);
    expect(() => parseEstimatorWithConvention({ convention: 'acds', P: [[1, 2]], Q: [[1]] }, 1, { M: 3 })).toThrow(/P/);
    expect(() => parseEstimatorWithConvention({ convention: 'xyz' }, 1, { M: 3 })).toThrow(/convention.*acds, vo/);
    expect(() => parseEstimatorWithConvention({ convention: 'vo', Wq: [[1], [1]], Wk: [[1, 2], [1, 2]], Wv: [[1], [1]], Wo: [[1, 1]] }, 1, { M: 3 })).toThrow(/Wk/);
    expect(() => parseEstimatorWithConvention({ convention: 'acds', allparam: [[], []] }, 1, { M: 3 })).toThrow(/allparam.*2 layers/);
    expect(() => parseEstimatorWithConvention({ convention: 'vo', P: [[1]], Q: [[1]] }, 1, { M: 3, convention: 'acds' })).toThrow(/convention.*'vo'.*'acds'/);
  });

  it('CLI: risk --convention acds equals risk of the converted estimator; a contradiction exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'licl-conv-'));
    const problem = { M: 12, H: [1, 2, 5], Psi: 'H^-1', betaStar: [0.5, -1, 0.2], sigma2: 0.1 };
    const w = { P: [[0.1, 0, 0], [0, 0.2, 0], [0.3, 0, 0.1]], Q: [[-0.5, 0.1, 0], [0, -0.4, 0.2], [0.1, 0, -0.3]] };
    writeFileSync(join(dir, 'p.json'), JSON.stringify(problem));
    writeFileSync(join(dir, 'e.json'), JSON.stringify(w));
    writeFileSync(join(dir, 'e2.json'), JSON.stringify({ convention: 'vo', ...w }));
    const r = await runCliInProcess(['risk', '--problem', join(dir, 'p.json'), '--estimator', join(dir, 'e.json'), '--convention', 'acds', '--json']);
    expect(r.code).toBe(0);
    const p = makeProblem(problem);
    const mat = (rows: number[][]): Matrix => ({ rows: rows.length, cols: rows[0]!.length, data: Float64Array.from(rows.flat()) });
    expect(JSON.parse(r.stdout).risk).toBe(risk(p, lsaFromAcds({ P: mat(w.P), Q: mat(w.Q) })).risk);
    const bad = await runCliInProcess(['risk', '--problem', join(dir, 'p.json'), '--estimator', join(dir, 'e2.json'), '--convention', 'acds']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/convention/);
  });
});
