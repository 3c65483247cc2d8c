/**
 * `linear-icl train` as a user runs it: the ZWB reference problem (docs/math.md §5.2), LTB and LSA,
 * --out with the figure; the exact risk the command reports for the final weights equals what
 * `linear-icl risk` computes on the exported estimator (an independent command and code path:
 * JSON round trip, parse, closed form), and bad options are one-line exit-2 errors.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.js';

const ZWB = { d: 5, M: 20, H: 1, Psi: 1, betaStar: 10, sigma2: 0.25 };

describe('linear-icl train', () => {
  const dir = mkdtempSync(join(tmpdir(), 'licl-train-'));
  const problem = join(dir, 'zwb.json');
  writeFileSync(problem, JSON.stringify(ZWB));

  for (const model of ['ltb', 'lsa'] as const) {
    it(`${model}: --out writes trajectory, result and figure; the final exact risk equals \`risk\` on the exported estimator`, async () => {
      const out = join(dir, model);
      const r = await runCliInProcess(['train', '--problem', problem, '--model', model, '--steps', '3000', '--lr', '0.003', '--seed', '3', '--test-size', '500', '--out', out, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const res = JSON.parse(r.stdout);
      expect(res.rows.length).toBeGreaterThan(10);
      expect(res.rows[0].step).toBe(0);
      expect(res.rows.at(-1).step).toBe(3000);
      for (const f of ['trajectory.csv', 'result.json']) expect(existsSync(join(out, f))).toBe(true);
      const svg = readFileSync(join(out, JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).files.svg.split('/').pop()), 'utf8');
      expect(svg).toMatch(/<svg/);
      expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).flowNote).toMatch(/adam has no matched/);
      const est = join(dir, `${model}-final.json`);
      writeFileSync(est, JSON.stringify(res.estimator));
      const check = await runCliInProcess(['risk', '--problem', problem, '--estimator', est, '--json']);
      expect(check.code, check.stderr).toBe(0);
      const exact = JSON.parse(check.stdout).risk;
      // Same closed form on weights that went through JSON (17 significant digits round-trip exactly).
      expect(Math.abs(exact - res.finalRisk)).toBeLessThanOrEqual(1e-12 * exact);
      // Trained from a random start, the risk fell from the start's.
      expect(res.finalRisk).toBeLessThan(res.rows[0].risk);
      expect(res.finalRisk).toBeGreaterThanOrEqual(res.optimumRisk * (1 - 1e-9));
    }, 120_000);
  }

  it('SGD: the figure carries the exact flow at t = lr·step', async () => {
    const out = join(dir, 'sgd');
    const r = await runCliInProcess(['train', '--problem', problem, '--model', 'gd-beta', '--optimizer', 'sgd', '--lr', '0.0005', '--steps', '200', '--batch', '256', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(written.flowNote).toMatch(/exact gradient flow/);
    const csv = readFileSync(join(out, 'trajectory.csv'), 'utf8').trim().split('\n');
    const header = csv[0]!.split(',');
    const iFlow = header.findIndex((h) => /flow/i.test(h));
    expect(iFlow).toBeGreaterThanOrEqual(0);
    expect(csv.slice(1).every((line) => Number.isFinite(Number(line.split(',')[iFlow])))).toBe(true);
  }, 120_000);

  it('--model stack --layers 2: the test-set estimate is the measure (risk null), R*_2 of GD-β² the reference', async () => {
    const small = join(dir, 'small.json');
    writeFileSync(small, JSON.stringify({ d: 2, M: 8, sigma2: 0.25, betaStar: 1 }));
    const out = join(dir, 'stack');
    const r = await runCliInProcess(['train', '--problem', small, '--model', 'stack', '--layers', '2', '--steps', '300', '--lr', '0.003', '--test-size', '2000', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.layers).toBe(2);
    expect(res.finalRisk).toBeNull();
    expect(res.rows.every((row: { risk: unknown }) => row.risk === null)).toBe(true);
    expect(res.testLoss).toBeGreaterThan(0);
    // The reference is the exact optimum of the 2-step GD-β: an independent route (the optimum command).
    const opt = await runCliInProcess(['optimum', '--problem', small, '--class', 'gd-multistep', '--steps', '2', '--json']);
    expect(opt.code, opt.stderr).toBe(0);
    expect(Math.abs(JSON.parse(opt.stdout).risk - res.optimumRisk)).toBeLessThanOrEqual(1e-10 * res.optimumRisk);
    expect(existsSync(join(out, 'trajectory.csv'))).toBe(true);
    const bad = await runCliInProcess(['train', '--problem', small, '--model', 'stack', '--layers', '9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--layers');
  }, 120_000);

  it('bad options: one line on stderr naming the option, exit 2', async () => {
    for (const [args, flag] of [
      [['--lr', '0'], '--lr'],
      [['--batch', '0'], '--batch'],
      [['--model', 'mlp'], '--model'],
      [['--init', join(dir, 'missing.json')], '--init'],
    ] as const) {
      const r = await runCliInProcess(['train', '--problem', problem, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(flag);
    }
  });

  it('divergence is exit 3 with the step and a smaller lr to try', async () => {
    const r = await runCliInProcess(['train', '--problem', problem, '--model', 'gd-beta', '--optimizer', 'sgd', '--lr', '10', '--steps', '500', '--test-size', '0']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/diverged at step \d+.*smaller lr/);
  });
});
