/** src/sweep as a library: the grid schema, enumeration, seeds, shards, spectra, the pool, merge, figures. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { makeProblem } from '../../src/models/index.js';
import { optimumGdBeta } from '../../src/risk/index.js';
import {
  gridPoint, lineOutcome, mergeResults, parseGrid, PROBLEM_DEFAULTS, parseShard, pointSeed, problemSpecOf, readResultFile, runSweep, shardIndices, spectrumOf,
  sweepFigure, type ResultLine,
} from '../../src/sweep/index.js';

const RISK_GRID = {
  base: { d: 3, sigma2: 0.25, betaNorm: 2 },
  axes: { M: [5, 10, 20], class: ['gd-beta', 'gd-0'], cond: [1, 10] },
  task: { kind: 'risk' },
  seed: 5,
};

function fieldOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return `${e.field}: ${e.reason}`;
    throw e;
  }
  throw new Error('did not throw');
}

describe('parseGrid', () => {
  it.each([
    [{ axes: {} }, /^task: is required/],
    [{ task: { kind: 'fly' } }, /^task\.kind: must be one of risk, optimum, flow, train, verify/],
    [{ task: { kind: 'risk', class: 'gd-beta' }, axes: { M: [5, 0] } }, /^axes\.M\[1\]: must be an integer in \[1, 2\^40\]/],
    [{ task: { kind: 'risk', class: 'gd-beta' }, axes: { M: [5, 5] } }, /^axes\.M\[1\]: repeats the value 5/],
    [{ task: { kind: 'risk', class: 'gd-beta' }, axes: { M: [] } }, /^axes\.M: must be a non-empty list/],
    [{ task: { kind: 'risk', class: 'gd-beta' }, axes: { sigma: [1] } }, /^axes\.sigma: not a problem parameter \(d, M, sigma2, psi2, betaNorm, cond, spectrum, masked\) nor an option of task 'risk' \(class, estimator\)/],
    [{ task: { kind: 'risk', class: 'gd-beta' }, base: { cond: 0.5 } }, /^base\.cond: must be ≥ 1/],
    [{ task: { kind: 'risk', class: 'gd-beta' }, base: { spectrum: 'flat' } }, /^base\.spectrum: must be one of log-spaced, log-uniform/],
    [{ task: { kind: 'risk', class: 'gd-beta' }, base: { M: 5 }, axes: { M: [5, 10] } }, /^axes\.M: is also set in base\.M/],
    [{ task: { kind: 'risk' } }, /^task\.class: give exactly one of class/],
    [{ task: { kind: 'risk', class: 'lsa' } }, /^task\.class: must be one of gd-beta, gd-0/],
    [{ task: { kind: 'optimum' } }, /^task\.class: is required/],
    [{ task: { kind: 'optimum', class: 'gd-multistep' } }, /^task\.steps: is required with class gd-multistep/],
    [{ task: { kind: 'optimum', class: 'lsa', steps: 2 } }, /^task\.steps: applies to class gd-multistep only, not to lsa/],
    [{ task: { kind: 'optimum', class: 'gd-multistep', steps: 4 } }, /^task\.steps: must be an integer in \[1, 3\]/],
    [{ task: { kind: 'flow', rtol: -1 } }, /^task\.rtol: must be a positive number/],
    [{ task: { kind: 'flow', tEnd: 3 } }, /^task\.tEnd: not an option of task 'flow'/],
    [{ task: { kind: 'verify', claim: 'ZWB-9' } }, /^task\.claim: must be one of ZWB-1/],
    [{ task: { kind: 'risk', estimator: 'nope.json' } }, /^task\.estimator: file not found: .*nope\.json/],
    [{ task: { kind: 'train', lr: 0 } }, /^task\.lr: must be a positive number/],
    [{ task: { kind: 'train', model: 'mlp' } }, /^task\.model: must be one of /],
    [{ task: { kind: 'flow' }, seed: -1 }, /^seed: must be a non-negative integer/],
    [{ task: { kind: 'flow' }, grid: 1 }, /^grid: unknown grid field/],
  ])('%j → %s', (grid, expected) => {
    expect(fieldOf(() => parseGrid(grid, { baseDir: tmpdir() }))).toMatch(expected);
  });

  it('enumerates the cartesian product, first axis slowest, task axes overriding the task', () => {
    const g = parseGrid(RISK_GRID);
    expect(g.size).toBe(12);
    expect(gridPoint(g, 0).coords).toEqual({ M: 5, class: 'gd-beta', cond: 1 });
    expect(gridPoint(g, 1).coords).toEqual({ M: 5, class: 'gd-beta', cond: 10 });
    expect(gridPoint(g, 2).coords).toEqual({ M: 5, class: 'gd-0', cond: 1 });
    expect(gridPoint(g, 11).coords).toEqual({ M: 20, class: 'gd-0', cond: 10 });
    expect(gridPoint(g, 11).task).toEqual({ kind: 'risk', class: 'gd-0' });
    expect(gridPoint(g, 11).params).toMatchObject({ d: 3, M: 20, cond: 10, sigma2: 0.25, betaNorm: 2, psi2: 1, masked: true });
    const keys = new Set(Array.from({ length: g.size }, (_, i) => gridPoint(g, i).key));
    expect(keys.size).toBe(g.size);
    // The key depends on the base too: the same axes over another base are other points.
    expect(gridPoint(parseGrid({ ...RISK_GRID, base: { ...RISK_GRID.base, sigma2: 0.5 } }), 0).key).not.toBe(gridPoint(g, 0).key);
  });
});

describe('seeds, shards, spectra', () => {
  it('point seeds are deterministic 32-bit integers, distinct over 10⁴ points, and differ between base seeds', () => {
    const seeds = Array.from({ length: 10_000 }, (_, i) => pointSeed(1, i));
    expect(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32)).toBe(true);
    expect(new Set(seeds).size).toBe(10_000);
    expect(pointSeed(1, 7)).toBe(seeds[7]);
    expect(pointSeed(2, 7)).not.toBe(pointSeed(1, 7));
    expect(pointSeed(2 ** 40 + 1, 7)).not.toBe(pointSeed(1, 7));
  });

  it.each([[1, 1], [10, 3], [12, 4], [7, 7], [5, 9]])('shards of a %i-point grid into %i cover it exactly once', (size, count) => {
    const all = Array.from({ length: count }, (_, i) => shardIndices(size, { index: i, count })).flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: size }, (_, i) => i));
  });

  it('parseShard takes i/n with 0 ≤ i < n and names the field otherwise', () => {
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    expect(fieldOf(() => parseShard('4/4', '--shard'))).toMatch(/^--shard: i must be < n/);
    expect(fieldOf(() => parseShard('1-4', '--shard'))).toMatch(/^--shard: must be i\/n/);
    expect(fieldOf(() => parseShard('0/0', '--shard'))).toMatch(/^--shard: n must be ≥ 1/);
  });

  it('H has condition number cond and geometric-mean eigenvalue 1; log-uniform interiors follow the seed', () => {
    const base = { d: 6, M: 10, sigma2: 0, psi2: 1, betaNorm: 3, masked: true };
    for (const spectrum of ['log-spaced', 'log-uniform'] as const) {
      const lam = spectrumOf({ ...base, cond: 1000, spectrum }, 42);
      expect(Math.max(...lam) / Math.min(...lam)).toBeCloseTo(1000, 9);
      expect(Math.exp(lam.reduce((s, l) => s + Math.log(l), 0) / lam.length)).toBeGreaterThan(spectrum === 'log-spaced' ? 0.999999 : 0.03);
    }
    const a = spectrumOf({ ...base, cond: 100, spectrum: 'log-uniform' }, 1);
    const b = spectrumOf({ ...base, cond: 100, spectrum: 'log-uniform' }, 2);
    expect(a).not.toEqual(b);
    expect(spectrumOf({ ...base, cond: 100, spectrum: 'log-spaced' }, 1)).toEqual(spectrumOf({ ...base, cond: 100, spectrum: 'log-spaced' }, 2));
    const p = makeProblem(problemSpecOf({ ...base, cond: 100, spectrum: 'log-uniform' }, 1));
    expect(Math.sqrt(p.betaStar.reduce((s, x) => s + x * x, 0))).toBeCloseTo(3, 12);
  });
});

describe('runSweep (worker threads, from src under vitest)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linear-icl-sweep-'));

  it('gives the same lines with 1 and 3 workers and with 3 shards, and records a failing point without stopping', async () => {
    const g = parseGrid(RISK_GRID);
    const one = join(dir, 'one.jsonl');
    const three = join(dir, 'three.jsonl');
    const s1 = await runSweep(g, { workers: 1, out: one });
    const s3 = await runSweep(g, { workers: 3, out: three });
    expect(s1).toMatchObject({ gridSize: 12, ran: 12, errors: 0, workers: 1 });
    expect(s3).toMatchObject({ ran: 12, workers: 3 });
    const sorted = (p: string): ResultLine[] => [...readResultFile(p).lines].sort((a, b) => a.index - b.index);
    const a = sorted(one);
    const b = sorted(three);
    expect(a.map(lineOutcome)).toEqual(b.map(lineOutcome));
    expect(new Set(b.map((l) => l.timing.worker)).size).toBeGreaterThan(1);
    const shards = [0, 1, 2].map((i) => join(dir, `shard${i}.jsonl`));
    for (let i = 0; i < 3; i++) await runSweep(g, { workers: 2, shard: { index: i, count: 3 }, out: shards[i]! });
    const merged = mergeResults(shards.map((path) => ({ path, file: readResultFile(path) })), g);
    expect(merged.missing).toEqual([]);
    expect(merged.lines.map(lineOutcome)).toEqual(a.map(lineOutcome));

    // An estimator of d = 2 on a d axis: the d = 3 points fail (input), the d = 2 points run.
    const est = join(dir, 'est.json');
    writeFileSync(est, JSON.stringify({ kind: 'gd-beta', Gamma: [[0.1, 0], [0, 0.1]], beta0: [0, 0] }));
    const ge = parseGrid({ base: { M: 10 }, axes: { d: [2, 3], sigma2: [0, 1] }, task: { kind: 'risk', estimator: 'est.json' } }, { baseDir: dir });
    const lines: ResultLine[] = [];
    const se = await runSweep(ge, { workers: 2, onLine: (l) => lines.push(l) });
    expect(se).toMatchObject({ ran: 4, errors: 2 });
    lines.sort((x, y) => x.index - y.index);
    expect(lines.map((l) => l.status)).toEqual(['ok', 'ok', 'error', 'error']);
    const bad = lines[2]!;
    if (bad.status !== 'error') throw new Error('unreachable');
    expect(bad.error.kind).toBe('input');
    expect(bad.error.message).toMatch(/^task\.estimator\.Gamma: /);
  }, 60_000);

  it('the optimum task runs gd-multistep with steps as an axis: L = 1 is the closed-form R*_GDβ, more steps lower the risk', async () => {
    const g = parseGrid({ base: { d: 2, M: 6, sigma2: 0.25, betaNorm: 1, cond: 4 }, axes: { steps: [1, 2] }, task: { kind: 'optimum', class: 'gd-multistep' }, seed: 3 });
    const lines: ResultLine[] = [];
    const s = await runSweep(g, { workers: 1, onLine: (l) => lines.push(l) });
    expect(s).toMatchObject({ ran: 2, errors: 0 });
    lines.sort((x, y) => x.index - y.index);
    const risks = lines.map((l) => (l.status === 'ok' ? (l.result.risk as number) : NaN));
    expect(lines.map((l) => (l.status === 'ok' ? l.result.steps : l.error))).toEqual([1, 2]);
    // independent route for L = 1: the closed-form optimum of the risk module on the same point's problem
    const rStar = optimumGdBeta(makeProblem(problemSpecOf({ ...PROBLEM_DEFAULTS, d: 2, M: 6, sigma2: 0.25, betaNorm: 1, cond: 4 }, lines[0]!.seed))).risk;
    expect(Math.abs(risks[0]! - rStar)).toBeLessThanOrEqual(1e-10 * rStar);
    expect(risks[1]!).toBeLessThan(risks[0]!);
  }, 60_000);

  it('runSweep refuses bad options, naming them', async () => {
    const g = parseGrid(RISK_GRID);
    const reason = async (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e: unknown) => (e instanceof InputError ? `${e.field}: ${e.reason}` : String(e)));
    expect(await reason(runSweep(g, { workers: 0 }))).toMatch(/^workers: must be an integer ≥ 1/);
    expect(await reason(runSweep(g, { shard: { index: 2, count: 2 } }))).toMatch(/^shard: must have 0 ≤ index < count/);
    expect(await reason(runSweep(g, { resume: true }))).toMatch(/^resume: needs a result file/);
    expect(await reason(runSweep(g, { out: join(dir, 'one.jsonl') }))).toMatch(/^out: .* exists and is not empty/);
  });

  it('mergeResults drops repeats, reports conflicts and missing points, and refuses files of other grids', () => {
    const g = parseGrid(RISK_GRID);
    const file = readResultFile(join(dir, 'one.jsonl'));
    const part = { ...file, lines: file.lines.slice(0, 5) };
    const m = mergeResults([{ path: 'a', file: part }, { path: 'b', file: part }], g);
    expect(m.lines).toHaveLength(5);
    expect(m.duplicates).toBe(5);
    expect(m.missing).toHaveLength(7);
    const changed = { ...file, lines: [{ ...file.lines[0]!, result: { risk: 0 } } as ResultLine] };
    expect(mergeResults([{ path: 'a', file: part }, { path: 'c', file: changed }]).conflicts).toEqual([file.lines[0]!.index]);
    const other = parseGrid({ ...RISK_GRID, seed: 6 });
    expect(fieldOf(() => mergeResults([{ path: 'a', file: part }], other))).toMatch(/^a:1: point \d+ has key .* another grid/);
    const foreign = { ...file, lines: [{ ...file.lines[0]!, key: '0000000000000000' }] };
    expect(fieldOf(() => mergeResults([{ path: 'a', file: part }, { path: 'f', file: foreign }]))).toMatch(/^f:1: point \d+ has key 0000000000000000 but a:\d+ has key/);
  });

  it('readResultFile returns a trailing line without newline as partial, and refuses a foreign complete line', () => {
    const p = join(dir, 'torn.jsonl');
    const text = readFileSync(join(dir, 'one.jsonl'), 'utf8');
    writeFileSync(p, `${text}{"index":3,"ke`);
    const f = readResultFile(p);
    expect(f.lines).toHaveLength(12);
    expect(f.partial).toBe('{"index":3,"ke');
    expect(f.completeBytes).toBe(Buffer.byteLength(text));
    writeFileSync(p, `${text}hello\n`);
    expect(fieldOf(() => readResultFile(p))).toMatch(/torn\.jsonl:13: not a JSON line/);
  });

  it('sweepFigure draws one series per colour value and refuses ambiguous points', () => {
    const lines = readResultFile(join(dir, 'one.jsonl')).lines;
    const fig = sweepFigure(lines, { x: 'M', y: 'risk', color: 'class', where: { cond: 10 } });
    expect(fig.series.map((s) => s.name).sort()).toEqual(['class = gd-0', 'class = gd-beta']);
    expect(fig.series.every((s) => s.points.length === 3 && s.points[0]!.x === 5)).toBe(true);
    expect(fieldOf(() => sweepFigure(lines, { x: 'M', y: 'risk', color: 'class' }))).toMatch(/^color: points \d+ and \d+ share M = 5 .* they differ in cond/);
    expect(fieldOf(() => sweepFigure(lines, { x: 'M', y: 'riks' }))).toMatch(/^y: 'riks' is neither a coordinate nor a result field .*risk/);
  });
});
