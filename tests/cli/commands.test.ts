import { describe, expect, it } from 'vitest';
import { makeProblem, parseEstimator } from '../../src/models/index.js';
import { optimumGdBeta, riskGdBeta } from '../../src/risk/index.js';
import { runCli, tempFiles } from '../helpers/cli.js';

const problem = { d: 2, M: 5, H: [[1, 0.3], [0.3, 2]], Psi: [0.5, 1], betaStar: [1, -1], sigma2: 0.1 };
const gdBeta = { kind: 'gd-beta', Gamma: [[0.2, 0.1], [0, 0.3]], beta0: [0.5, 0] };

describe('linear-icl CLI as a user runs it', () => {
  const f = tempFiles({
    'p.json': problem,
    'e.json': gdBeta,
    'lsa.json': { kind: 'lsa', WKQ: [[0.2, 0, 0], [0, 0.3, 0], [0, 0, 0]], WPV: [[0, 0, 0], [0, 0, 0], [0, 0, 1]] },
    'bad.json': '{"d": 2, "M": ',
    'badH.json': { ...problem, H: [[1, 0], [0, -2]] },
    'badE.json': { kind: 'gd-beta', Gamma: [[1, 0], [0, 1]], beta0: [1, 2, 3] },
  });

  it('--help and --version exit 0', () => {
    const h = runCli(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/risk/);
    expect(h.stdout).toMatch(/optimum/);
    const v = runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('risk --json prints {kind, risk, gradNorm} equal to the library', () => {
    const r = runCli(['risk', '--problem', f['p.json']!, '--estimator', f['e.json']!, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.kind).toBe('gd-beta');
    const p = makeProblem(problem);
    expect(out.risk).toBe(riskGdBeta(p, parseEstimator(gdBeta, 2) as never).risk);
    expect(out.gradNorm).toBeGreaterThan(0);
  });

  it('optimum --class gd-beta returns the optimal estimator in the estimator JSON shape', () => {
    const r = runCli(['optimum', '--problem', f['p.json']!, '--class', 'gd-beta', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.estimator.kind).toBe('gd-beta');
    expect(out.estimator.beta0).toEqual(problem.betaStar);
    expect(out.risk).toBe(optimumGdBeta(makeProblem(problem)).risk);
    // the returned estimator, fed back to `risk`, has that risk and ~zero gradient
    const g = tempFiles({ 'opt.json': out.estimator });
    const back = JSON.parse(runCli(['risk', '--problem', f['p.json']!, '--estimator', g['opt.json']!, '--json']).stdout);
    expect(Math.abs(back.risk - out.risk)).toBeLessThan(1e-13 * out.risk);
    expect(back.gradNorm).toBeLessThan(1e-10);
  });

  it('mc --json prints {mean, stderr} within 5 standard errors of the exact risk', () => {
    const r = runCli(['mc', '--problem', f['p.json']!, '--estimator', f['lsa.json']!, '--samples', '20000', '--seed', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const exact = JSON.parse(runCli(['risk', '--problem', f['p.json']!, '--estimator', f['lsa.json']!, '--json']).stdout).risk;
    expect(Math.abs(out.mean - exact) / out.stderr).toBeLessThan(5);
  });

  it.each([
    [['risk', '--problem', '/nonexistent.json', '--estimator', 'x'], /--problem: file not found/],
    [['risk', '--problem', 'BAD', '--estimator', 'E'], /not valid JSON/],
    [['risk', '--problem', 'BADH', '--estimator', 'E'], /badH\.json: H: must be symmetric positive definite: smallest eigenvalue -2/],
    [['risk', '--problem', 'P', '--estimator', 'BADE'], /badE\.json: beta0: must have length 2, got 3/],
    [['mc', '--problem', 'P', '--estimator', 'E', '--samples', '-4'], /--samples: must be an integer/],
    [['optimum', '--problem', 'P', '--class', 'lsx'], /lsx/],
    [['risk', '--problem', 'P'], /--estimator: is required/],
  ])('bad input %j → exit 2 and one line on stderr', (args, message) => {
    const map: Record<string, string> = { BAD: f['bad.json']!, BADH: f['badH.json']!, BADE: f['badE.json']!, P: f['p.json']!, E: f['e.json']! };
    const r = runCli(args.map((a) => map[a] ?? a));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe('');
  });
});
