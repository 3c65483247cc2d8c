/** `linear-icl sweep` as a user runs it (spawned CLI): run, merge, plot, tasks, and the error policy. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliInProcess, tempFiles } from '../helpers/cli.js';
import { lineOutcome, type ResultLine } from '../../src/sweep/index.js';

const GRID = {
  name: 'cli test',
  base: { d: 3, sigma2: 0.25, betaNorm: 2 },
  axes: { M: [5, 10, 20], class: ['gd-beta', 'gd-0'] },
  task: { kind: 'risk' },
  seed: 9,
};

const files = tempFiles({
  'grid.json': GRID,
  'bad-axis.json': { ...GRID, axes: { M: [5, -1] } },
  'bad-json.json': '{"axes": ',
  'train-bad.json': { task: { kind: 'train', optimizer: 'rmsprop' } },
  'train.json': { base: { d: 2, M: 10, sigma2: 0.25, betaNorm: 1 }, axes: { model: ['gd-beta', 'lsa'] }, task: { kind: 'train', steps: 40, batch: 16, lr: 0.01, testSize: 50 } },
  'mixed.json': { base: { M: 10, sigma2: 0.5 }, axes: { d: [2, 3] }, task: { kind: 'risk', estimator: 'est.json' } },
  'est.json': { kind: 'gd-beta', Gamma: [[0.1, 0], [0, 0.1]], beta0: [0, 0] },
  'tasks.json': { base: { d: 2, M: 10, sigma2: 0.25, betaNorm: 1 }, axes: { claim: ['ZWB-1', 'ACDS'] }, task: { kind: 'verify' } },
  'optimum.json': { base: { d: 2, M: 10, sigma2: 0.25, betaNorm: 1 }, axes: { class: ['gd-beta', 'lsa'] }, task: { kind: 'optimum' } },
});
const dir = resolve(files['grid.json']!, '..');
const ROOT = resolve(import.meta.dirname, '../..');

function parse(text: string): ResultLine[] {
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ResultLine);
}

describe('linear-icl sweep', () => {
  it('without --out writes one JSON line per point on stdout, with coordinates, seed, version, timing and result', () => {
    const r = runCli(['sweep', '--grid', files['grid.json']!, '--workers', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = parse(r.stdout).sort((a, b) => a.index - b.index);
    expect(lines.map((l) => l.index)).toEqual([0, 1, 2, 3, 4, 5]);
    const l = lines[0]!;
    expect(l).toMatchObject({ coords: { M: 5, class: 'gd-beta' }, task: 'risk', status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(l.seed).toBeGreaterThanOrEqual(0);
    expect(l.key).toMatch(/^[0-9a-f]{16}$/);
    expect(l.timing.ms).toBeGreaterThan(0);
    if (l.status !== 'ok') throw new Error('unreachable');
    // R*_GDβ is the minimum: the GD-0 optimum at the same M has a risk at least as large.
    const gd0 = lines[1]!;
    if (gd0.status !== 'ok') throw new Error('unreachable');
    expect(gd0.result.risk as number).toBeGreaterThan(l.result.risk as number);
  });

  it.each([
    [['--grid', 'bad-axis.json'], /^linear-icl: error: .*bad-axis\.json: axes\.M\[1\]: must be an integer in \[1, 2\^40\], got -1\n$/],
    [['--grid', 'bad-json.json'], /^linear-icl: error: .*bad-json\.json: \(file\): not valid JSON/],
    [['--grid', 'missing.json'], /^linear-icl: error: --grid: file not found: missing\.json\n$/],
    [['--grid', 'train-bad.json'], /train-bad\.json: task\.optimizer: must be one of adam, sgd/],
    [[], /^linear-icl: error: --grid: is required to run a sweep/],
    [['--grid', 'grid.json', '--shard', '4/4'], /^linear-icl: error: --shard: i must be < n/],
    [['--grid', 'grid.json', '--workers', '0'], /^linear-icl: error: --workers: must be an integer in \[1, 1024\]/],
    [['--grid', 'grid.json', '--resume'], /^linear-icl: error: --resume: needs --out/],
    [['--grid', 'grid.json', '--x', 'M'], /^linear-icl: error: --x: does not apply to a sweep run \(it is an option of sweep plot\)/],
    [['merge', 'a.jsonl', '--workers', '2'], /^linear-icl: error: --workers: does not apply to sweep merge/],
    [['mrege', '--grid', 'grid.json'], /^linear-icl: error: mrege: unknown sweep action/],
    [['--grid', 'grid.json', '--colour', 'M'], /^linear-icl: error: --colour: unknown option of 'sweep': did you mean --color\?/],
  ])('sweep %j → exit 2 with one line naming the field', async (args, expected) => {
    // In-process (main.ts's run): the same dispatch and error policy, without a process start per case.
    const r = await runCliInProcess(['sweep', ...args.map((a) => (a.endsWith('.json') && a !== 'missing.json' ? join(dir, a) : a))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('draws a progress bar with ETA on stderr when it is a TTY (under script(1)), and nothing otherwise', () => {
    const out = join(dir, 'tty.jsonl');
    const cmd = `${process.execPath} --import tsx src/cli/main.ts sweep --grid ${files['grid.json']!} --workers 1 --out ${out}`;
    const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\[#*\.*\] \d\/6 points {2}elapsed \d+s {2}ETA (\d+s|\?)/);
    expect(r.stdout).toMatch(/sweep: 6 points run, 0 already done, 6 in this shard of 6/);
    const quiet = runCli(['sweep', '--grid', files['grid.json']!, '--workers', '1', '--out', join(dir, 'quiet.jsonl')]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });

  it('records a point that fails in its line and goes on (exit 0, one line on stderr counting them)', () => {
    const out = join(dir, 'mixed.jsonl');
    const r = runCli(['sweep', '--grid', files['mixed.json']!, '--out', out, '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^linear-icl: sweep: 1 of 2 points recorded an error in their line \(first: point 1, input: task\.estimator\.Gamma: /);
    const lines = parse(readFileSync(out, 'utf8')).sort((a, b) => a.index - b.index);
    expect(lines.map((l) => l.status)).toEqual(['ok', 'error']);
    expect(lines[1]).toMatchObject({ coords: { d: 3 }, error: { kind: 'input' } });
  });

  it('runs train tasks (src/train) with the point seed, reproducibly', () => {
    const a = runCli(['sweep', '--grid', files['train.json']!, '--workers', '2'], 120_000);
    expect(a.code, a.stderr).toBe(0);
    const b = runCli(['sweep', '--grid', files['train.json']!, '--workers', '1'], 120_000);
    const la = parse(a.stdout).sort((x, y) => x.index - y.index);
    const lb = parse(b.stdout).sort((x, y) => x.index - y.index);
    expect(la.map((l) => (l.status === 'ok' ? [l.result.model, l.result.steps] : l.error))).toEqual([['gd-beta', 40], ['lsa', 40]]);
    for (const l of la) {
      if (l.status !== 'ok') throw new Error('unreachable');
      // Training can only approach the class optimum from above.
      expect(l.result.finalRisk as number).toBeGreaterThanOrEqual(l.result.optimumRisk as number);
    }
    expect(la.map(lineOutcome)).toEqual(lb.map(lineOutcome));
  }, 120_000);

  it('runs verify and optimum tasks with the point seed', () => {
    const v = runCli(['sweep', '--grid', files['tasks.json']!, '--workers', '2']);
    expect(v.code, v.stderr).toBe(0);
    const vl = parse(v.stdout).sort((a, b) => a.index - b.index);
    expect(vl.map((l) => (l.status === 'ok' ? [l.result.claim, l.result.pass] : l.error))).toEqual([['ZWB-1', true], ['ACDS', true]]);
    const o = runCli(['sweep', '--grid', files['optimum.json']!, '--workers', '2'], 120_000);
    expect(o.code, o.stderr).toBe(0);
    const ol = parse(o.stdout).sort((a, b) => a.index - b.index);
    expect(ol.every((l) => l.status === 'ok')).toBe(true);
    const [gd, lsa] = ol.map((l) => (l.status === 'ok' ? (l.result.risk as number) : NaN));
    // ZWB-3: with β* ≠ 0 the optimal LSA is strictly worse than optimal GD-β.
    expect(lsa!).toBeGreaterThan(gd!);
  }, 120_000);

  it('merge: shards → one file sorted by index equal to an unsharded run; missing points exit 2 and still write', () => {
    const full = join(dir, 'full.jsonl');
    expect(runCli(['sweep', '--grid', files['grid.json']!, '--out', full, '--workers', '2']).code).toBe(0);
    const shards = [0, 1].map((i) => join(dir, `s${i}.jsonl`));
    for (let i = 0; i < 2; i++) expect(runCli(['sweep', '--grid', files['grid.json']!, '--shard', `${i}/2`, '--out', shards[i]!, '--workers', '1']).code).toBe(0);
    const merged = join(dir, 'merged.jsonl');
    const r = runCli(['sweep', 'merge', ...shards, shards[0]!, '--grid', files['grid.json']!, '--out', merged, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ points: 6, duplicates: 3, missing: [] });
    const m = parse(readFileSync(merged, 'utf8'));
    expect(m.map((l) => l.index)).toEqual([0, 1, 2, 3, 4, 5]);
    const f = parse(readFileSync(full, 'utf8')).sort((a, b) => a.index - b.index);
    expect(m.map(lineOutcome)).toEqual(f.map(lineOutcome));

    const part = join(dir, 'part.jsonl');
    const r2 = runCli(['sweep', 'merge', shards[0]!, '--grid', files['grid.json']!, '--out', part]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/^linear-icl: error: sweep merge: 3 of 6 grid points are missing \(1, 3, 5\): run their shards/);
    expect(parse(readFileSync(part, 'utf8'))).toHaveLength(3);

    const other = tempFiles({ 'g.json': { ...GRID, seed: 10 } });
    const r3 = runCli(['sweep', 'merge', shards[0]!, '--grid', other['g.json']!]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/s0\.jsonl:1: point 0 has key [0-9a-f]+ but this grid's point 0 has key/);
  });

  it('plot: an SVG (and its vega-lite spec) with one series per --color value; a bad --y exits 2', () => {
    const full = join(dir, 'full.jsonl');
    const svg = join(dir, 'fig.svg');
    const r = runCli(['sweep', 'plot', full, '--x', 'M', '--y', 'risk', '--color', 'class', '--log-x', '--out', svg]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg/);
    expect(text).toContain('class = gd-beta');
    expect(text).toContain('class = gd-0');
    expect(existsSync(join(dir, 'fig.vl.json'))).toBe(true);
    const bad = runCli(['sweep', 'plot', full, '--x', 'M', '--y', 'rsk', '--out', svg]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^linear-icl: error: --y: 'rsk' is neither a coordinate nor a result field/);
  });
});
