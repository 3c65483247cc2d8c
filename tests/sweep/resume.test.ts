/**
 * `sweep --resume` after a real kill: a 120-point sweep on 2 worker threads is SIGKILLed midway
 * (the CLI process, with its threads), then resumed; the file must end with every point exactly once
 * and equal an uninterrupted run point for point (timing excluded). Also: a partial last line (a
 * write cut by a kill) is repaired, and a file of another grid is refused.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempFiles } from '../helpers/cli.js';
import { lineOutcome, type ResultLine } from '../../src/sweep/index.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** 2 × 5 × 2 × 6 = 120 GD-β flows until converged, a few to ~100 ms each. */
const GRID = {
  name: 'resume test',
  base: { psi2: 1, betaNorm: 2 },
  axes: { d: [2, 3], M: [5, 10, 20, 40, 80], sigma2: [0.1, 1], cond: [1, 3, 10, 30, 100, 300] },
  task: { kind: 'flow' },
  seed: 11,
};
const SIZE = 120;

function lines(path: string): ResultLine[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ResultLine);
}

function byIndex(ls: ResultLine[]): Map<number, string> {
  return new Map(ls.map((l) => [l.index, lineOutcome(l)]));
}

const files = tempFiles({ 'grid.json': GRID, 'other.json': { ...GRID, seed: 12 } });
const dir = resolve(files['grid.json']!, '..');
let reference: ResultLine[] = [];

beforeAll(() => {
  const out = join(dir, 'reference.jsonl');
  const r = runCli(['sweep', '--grid', files['grid.json']!, '--workers', '2', '--out', out], 120_000);
  expect(r.code, r.stderr).toBe(0);
  reference = lines(out);
  expect(reference).toHaveLength(SIZE);
  expect(reference.every((l) => l.status === 'ok')).toBe(true);
}, 120_000);

describe('sweep --resume', () => {
  it('after SIGKILL midway, resuming ends with every point exactly once, equal to an uninterrupted run', async () => {
    const out = join(dir, 'killed.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'sweep', '--grid', files['grid.json']!, '--workers', '2', '--out', out], {
      cwd: ROOT, stdio: 'ignore',
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
    // Kill once a quarter of the points are written (and before the end).
    const t0 = Date.now();
    let written = 0;
    while (Date.now() - t0 < 60_000) {
      written = existsSync(out) ? readFileSync(out, 'utf8').split('\n').length - 1 : 0;
      if (written >= SIZE / 4) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    const { signal } = await exited;
    expect(signal, 'the sweep finished before it could be killed: the test proves nothing').toBe('SIGKILL');
    const before = readFileSync(out, 'utf8');
    const complete = before.split('\n').length - 1;
    expect(complete).toBeGreaterThanOrEqual(SIZE / 4);
    expect(complete).toBeLessThan(SIZE);

    const r = runCli(['sweep', '--grid', files['grid.json']!, '--workers', '2', '--out', out, '--resume', '--json'], 120_000);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { resumed: number; ran: number };
    expect(summary.resumed).toBe(complete);
    expect(summary.ran).toBe(SIZE - complete);

    const after = lines(out);
    expect(after).toHaveLength(SIZE);
    expect(new Set(after.map((l) => l.index)).size).toBe(SIZE);
    const ref = byIndex(reference);
    for (const l of after) expect(lineOutcome(l), `point ${l.index}`).toBe(ref.get(l.index));
  }, 120_000);

  it('drops a partial last line (a write cut by a kill) and runs its point again', () => {
    const out = join(dir, 'torn.jsonl');
    const text = readFileSync(join(dir, 'reference.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
    const half = text[50]!.slice(0, Math.floor(text[50]!.length / 2));
    writeFileSync(out, `${text.slice(0, 50).join('\n')}\n`);
    appendFileSync(out, half);
    const r = runCli(['sweep', '--grid', files['grid.json']!, '--workers', '2', '--out', out, '--resume', '--json'], 120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/dropped a partial last line/);
    expect(JSON.parse(r.stdout)).toMatchObject({ resumed: 50, ran: SIZE - 50, repaired: true });
    const after = lines(out); // every line parses: the torn one is gone
    expect(after).toHaveLength(SIZE);
    expect(new Set(after.map((l) => l.index)).size).toBe(SIZE);
    const ref = byIndex(reference);
    for (const l of after) expect(lineOutcome(l)).toBe(ref.get(l.index));
  }, 120_000);

  it('refuses to resume a file written for another grid (exit 2, naming the line)', () => {
    const out = join(dir, 'foreign.jsonl');
    writeFileSync(out, readFileSync(join(dir, 'reference.jsonl'), 'utf8').split('\n').slice(0, 3).join('\n') + '\n');
    const r = runCli(['sweep', '--grid', files['other.json']!, '--out', out, '--resume']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/foreign\.jsonl:1: point \d+ has key [0-9a-f]{16} but this grid's point/);
  });

  it('refuses to overwrite a non-empty --out without --resume (exit 2)', () => {
    const r = runCli(['sweep', '--grid', files['grid.json']!, '--out', join(dir, 'reference.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^linear-icl: error: --out: .* exists and is not empty: pass --resume/);
  });
});
