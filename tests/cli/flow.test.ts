/**
 * `linear-icl flow` as a user runs it (a spawned `node --import tsx src/cli/main.ts flow …`): the
 * JSON shape and values against the library, the --out files, and bad options → exit 2 naming the
 * option.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProblem } from '../../src/models/index.js';
import { optimumGd0, optimumGdBeta } from '../../src/risk/index.js';
import { gdBetaFlow } from '../../src/flow/index.js';
import { runCli, tempFiles } from '../helpers/cli.js';

const problem = { d: 3, M: 8, H: [[1, 0.2, 0], [0.2, 0.5, 0.1], [0, 0.1, 0.2]], Psi: [1, 0.5, 0.3], betaStar: [1, -1, 2], sigma2: 0.1 };

describe('linear-icl flow', () => {
  const f = tempFiles({ 'p.json': problem, 'init.json': { kind: 'gd-beta', Gamma: [[0.1, 0, 0], [0, 0.2, 0], [0, 0, 0.3]], beta0: [0, 0, 0] } });

  it('--json prints status, risks, distance, rates and work counters that match the library', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'flow-out-')), 'run');
    const r = runCli(['flow', '--problem', f['p.json']!, '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // no progress output when stderr is not a TTY
    const j = JSON.parse(r.stdout);
    for (const key of ['status', 'finalRisk', 'optimalRisk', 'distanceToOptimum', 'measuredRate', 'predictedRate', 'nfev', 'steps']) expect(j).toHaveProperty(key);
    expect(j.status).toBe('converged');
    expect(j.model).toBe('gd-beta');
    expect(j.method).toBe('hybrid'); // auto's choice for GD-β, with its reason
    expect(j.methodReason).toMatch(/auto/);
    expect(j.statusNote).toMatch(/met/);
    const p = makeProblem(problem);
    expect(j.optimalRisk).toBe(optimumGdBeta(p).risk);
    expect(j.gap).toBeLessThanOrEqual(1e-10 * j.optimalRisk);
    expect(j.distanceToOptimum).toBeLessThan(1e-3);
    // the honest converged: within 1e-8·(1 + ‖θ*‖) of the optimum in parameters
    expect(j.distanceToOptimum).toBeLessThanOrEqual(1e-8 * (1 + Math.hypot(...gdBetaFlow(p).yStar)));
    expect(j.predictedRate).toBe(gdBetaFlow(p).hessian().predictedRate);
    expect(Math.abs(j.measuredRate / j.predictedRate - 1)).toBeLessThan(0.05);
    expect(Number.isInteger(j.nfev) && j.nfev > j.steps).toBe(true);
    expect(j.estimator.kind).toBe('gd-beta');
    // --out
    const csv = readFileSync(join(out, 'trajectory.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('t,risk,gap');
    expect(csv.length).toBe(j.steps + 2);
    const last = csv[csv.length - 1]!.split(',').map(Number);
    expect(last[0]).toBe(j.t);
    expect(existsSync(join(out, 'rate.svg'))).toBe(true);
    expect(readFileSync(join(out, 'rate.svg'), 'utf8')).toMatch(/^<svg[\s\S]*predicted slope[\s\S]*<\/svg>\s*$/);
    // result.json beside the trajectory is the --json result (wall time aside)
    const saved = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect({ ...saved, wallTimeMs: 0 }).toEqual({ ...j, wallTimeMs: 0 });
    // the figure went through the vega-lite pipeline: its spec is beside it, with a log y axis
    const spec = JSON.parse(readFileSync(join(out, 'rate.vl.json'), 'utf8'));
    expect(JSON.stringify(spec)).toMatch(/"type":"log"/);
  });

  it('--model gd-0 reports R*_GD0; an estimator file as --init; fixed-step Euler counts steps', () => {
    const r = runCli(['flow', '--problem', f['p.json']!, '--model', 'gd-0', '--method', 'euler', '--dt', '0.5', '--t-end', '10', '--init', f['init.json']!, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.status).toBe('success');
    expect(j.optimalRisk).toBe(optimumGd0(makeProblem(problem)).risk);
    expect(j.steps).toBe(20);
    expect(j.nfev).toBe(21);
    expect(j.t).toBe(10);
  });

  it('--method bdf: the variable-order BDF with the structured solver meets the same stopping rule', () => {
    const r = runCli(['flow', '--problem', f['p.json']!, '--method', 'bdf', '--rtol', '1e-6', '--atol', '1e-10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.method).toBe('bdf');
    expect(j.methodReason).toBe('requested');
    expect(j.status).toBe('converged');
    const p = makeProblem(problem);
    expect(j.distanceToOptimum).toBeLessThanOrEqual(1e-8 * (1 + Math.hypot(...gdBetaFlow(p).yStar)));
    expect(j.gap).toBeLessThanOrEqual(1e-10 * j.optimalRisk);
  });

  it('human output names the verdict', () => {
    const r = runCli(['flow', '--problem', f['p.json']!, '--method', 'rosenbrock', '--rtol', '1e-7']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/status converged/);
    expect(r.stdout).toMatch(/rate\s+measured/);
    expect(r.stdout).toMatch(/monotone\s+yes/);
  });

  it('bad options → exit 2 with one line naming the option (spawned concurrently)', async () => {
    const cases: [string[], RegExp][] = [
      [['--rtol', '-1'], /--rtol/],
      [['--method', 'euler'], /--dt/],
      [['--t-end', '5', '--until-converged'], /--t-end/],
      [['--model', 'nope'], /--model/],
      [['--model', 'ltb', '--method', 'etd4'], /--method/],
      [['--dt', '0.1', '--rtol', '1e-6'], /--rtol/],
      [['--init', '/nonexistent/e.json'], /--init.*file not found/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCliAsync(['flow', '--problem', f['p.json']!, ...args])));
    results.forEach((r, i) => {
      const [args, message] = cases[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout, args.join(' ')).toBe('');
    });
  });
});

/** Like runCli, but asynchronous so that several processes run at once. */
function runCliAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const root = join(import.meta.dirname, '../..');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
