/**
 * CLI defects found by trying the tool as a new user (issue 11): each feeds the bad input and asserts
 * the exit code and the one line on stderr.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess, tempFiles } from '../helpers/cli.js';

const f = tempFiles({
  'p.json': { d: 3, M: 10, betaStar: 1, sigma2: 0.25 },
  'e.json': { kind: 'gd-beta', Gamma: [[0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]], beta0: [1, 1, 1] },
});

/** Exactly one line on stderr, in the project's format. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^linear-icl: (error|numerical failure): /);
  return lines[0]!;
}

describe('CLI defects (issue 11)', () => {
  it('a problem file passed as --estimator says what an estimator file looks like', async () => {
    const r = await runCliInProcess(['mc', '--problem', f['p.json']!, '--estimator', f['p.json']!, '--samples', '10']);
    expect(r.code).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).not.toMatch(/undefined/);
    expect(line).toMatch(/kind: is missing/);
    expect(line).toMatch(/"kind": "gd-beta"/);
    expect(line).toMatch(/is it the --problem file\?/);
  });

  it('flow --max-steps 10: exit 3 with one line saying what stopped and what to try; no rate from a 10-step run', async () => {
    const r = await runCliInProcess(['flow', '--problem', f['p.json']!, '--max-steps', '10', '--json']);
    expect(r.code).toBe(3);
    const line = oneLine(r.stderr);
    expect(line).toMatch(/maxStepsReached/);
    expect(line).toMatch(/--max-steps/);
    const j = JSON.parse(r.stdout);
    expect(j.status).toBe('maxStepsReached');
    expect(j.measuredRate).toBeNull();
    expect(j.rateNote).toMatch(/not measured/);
  });

  it("the option parser's errors share the project's prefix and are one line", async () => {
    for (const args of [['risk', '--problem'], ['risk'], ['flow', '--problem', f['p.json']!, '--method', 'rk9'], ['frobnicate']]) {
      const r = await runCliInProcess(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^linear-icl: error: /);
    }
  });

  it('a misspelt option is an unknown option with a suggestion, not a missing required one', async () => {
    const r = await runCliInProcess(['risk', '--problem', f['p.json']!, '--estimatr', f['e.json']!]);
    expect(r.code).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).toMatch(/--estimatr: unknown option/);
    expect(line).toMatch(/did you mean --estimator\?/);
    expect(line).not.toMatch(/not specified/);
  });

  it('flow --out --save-every K thins trajectory.csv to every K-th saved step and the last', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'linear-icl-flow-')), 'out');
    const r = await runCliInProcess(['flow', '--problem', f['p.json']!, '--out', dir, '--save-every', '7', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const n = j.steps + 1; // t0 and every accepted step
    const rows = readFileSync(join(dir, 'trajectory.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBe(Math.ceil(n / 7) + ((n - 1) % 7 === 0 ? 0 : 1));
    expect(Number(rows[rows.length - 1]!.split(',')[0])).toBe(j.t);
  });

  it('the happy path still works in-process (the harness is honest)', async () => {
    const r = await runCliInProcess(['risk', '--problem', f['p.json']!, '--estimator', f['e.json']!, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(Number.isFinite(JSON.parse(r.stdout).risk)).toBe(true);
  });
});
