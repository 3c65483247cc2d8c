/**
 * Extreme and hostile input (issue 13's reproducers): each asserts the exit code and the one line on
 * stderr — never a NaN/null result with exit 0, never a run without bound, never an internal name.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess, tempFiles } from '../helpers/cli.js';

const E3 = { kind: 'gd-beta', Gamma: [[0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]], beta0: [1, 1, 1] };
const f = tempFiles({
  'e.json': E3,
  'beta-huge.json': { d: 3, M: 10, betaStar: 1e200, sigma2: 0.25 },
  'H-huge.json': { d: 3, M: 10, H: 1e200, betaStar: 1, sigma2: 0.25 },
  'sigma-huge.json': { d: 3, M: 10, sigma2: 1e308 },
  'psi-huge.json': { d: 3, M: 10, H: 1e10, Psi: 1e300, betaStar: 1, sigma2: 0.25 },
  'ok.json': { d: 3, M: 10, betaStar: 1, sigma2: 0.25 },
  'ok-unmasked.json': { d: 3, M: 10, betaStar: 1, sigma2: 0.25, masked: false },
  'gd0-huge.json': { kind: 'gd-0', Gamma: [[1e200, 0, 0], [0, 0.5, 0], [0, 0, 0.5]] },
  'lsa-huge.json': { kind: 'lsa', WKQ: Array.from({ length: 4 }, () => Array(4).fill(1e200)), WPV: Array.from({ length: 4 }, () => Array(4).fill(1e200)) },
  'M-huge.json': { d: 3, M: 1_000_000_000, betaStar: 1, sigma2: 0.25 },
  'bayes-tiny.json': { d: 1, M: 10, sigma2: 1e-300 },
});

/** Exactly one line on stderr in the project's format; returns it. */
function oneLine(stderr: string, prefix: 'error' | 'numerical failure'): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]!.startsWith(`linear-icl: ${prefix}: `), lines[0]).toBe(true);
  return lines[0]!;
}

/** No number in a JSON document is null (JSON's rendering of NaN/±∞). */
function noNullNumbers(json: unknown, path = ''): string[] {
  if (json === null) return [path];
  if (Array.isArray(json)) return json.flatMap((v, k) => noNullNumbers(v, `${path}[${k}]`));
  if (typeof json === 'object') return Object.entries(json as object).flatMap(([k, v]) => noNullNumbers(v, `${path}.${k}`));
  return [];
}

describe('overflow is a numerical failure in the user\'s terms (exit 3), never null with exit 0', () => {
  it.each([
    ['β* = 1e200', 'beta-huge.json', 'e.json', /‖β\*‖²_H ≈ 1e400.*rescale/],
    ['H = 1e200', 'H-huge.json', 'e.json', /overflows float64.*rescale/],
    ['Ψ = 1e300 (with H = 1e10)', 'psi-huge.json', 'e.json', /tr\(HΨ\) ≈ 1e310.*rescale/],
    ['GD-0 with Γ₁₁ = 1e200', 'ok.json', 'gd0-huge.json', /the risk overflows float64: rescale the problem .* or the estimator's weights \(max \|w\| = 1\.000e\+200\)/],
    ['LSA weights 1e200', 'ok.json', 'lsa-huge.json', /risk\(lsa\): the risk (overflows|is undefined \(NaN\) in) float64: rescale .*max \|w\| = 1\.000e\+200/],
  ])('risk: %s', async (_name, p, e, message) => {
    const r = await runCliInProcess(['risk', '--problem', f[p]!, '--estimator', f[e]!, '--json']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(oneLine(r.stderr, 'numerical failure')).toMatch(message);
  });

  it('σ² = 1e308: a finite answer (risk ≈ σ², no overflow on the way)', async () => {
    const r = await runCliInProcess(['risk', '--problem', f['sigma-huge.json']!, '--estimator', f['e.json']!, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(noNullNumbers(j)).toEqual([]);
    // R = σ²(1 + d·γ²/M) + ψ²-terms with γ = 0.5, d = 3, M = 10: the σ² part dominates.
    expect(Math.abs(j.risk / (1e308 * (1 + (3 * 0.25) / 10)) - 1)).toBeLessThan(1e-12);
  });

  it('mc on β* = 1e200 and optimum/bayes on Ψ = 1e300 name the user\'s quantities, not internal matrices', async () => {
    for (const args of [
      ['mc', '--problem', f['beta-huge.json']!, '--estimator', f['e.json']!, '--samples', '100'],
      ['optimum', '--problem', f['psi-huge.json']!, '--class', 'gd-beta'],
      ['bayes', '--problem', f['psi-huge.json']!],
    ]) {
      const r = await runCliInProcess(args);
      expect(r.code, args.join(' ')).toBe(3);
      const line = oneLine(r.stderr, 'numerical failure');
      expect(line).not.toMatch(/\[0\]\[0\]|Λ|Ψ̃|κ/);
      expect(line).toMatch(/rescale/);
    }
  });
});

describe('the numerical LSA/LTB optimum at extreme scale and size', () => {
  it('β* = 1e150 (E[y²] ≈ 3e300): exit 3 in the user\'s terms, not "finite-difference Hessian[0][0] is NaN"', async () => {
    const r = await runCliInProcess(['optimum', '--problem', tempFiles({ 'p.json': { d: 3, M: 10, betaStar: 1e150, sigma2: 0.25 } })['p.json']!, '--class', 'lsa']);
    expect(r.code).toBe(3);
    const line = oneLine(r.stderr, 'numerical failure');
    expect(line).toMatch(/E\[y²\] = σ² \+ tr\(HΨ\) \+ ‖β\*‖²_H ≈ 3\.00e\+300 .*rescale/);
    expect(line).not.toMatch(/Hessian\[|\[0\]\[0\]/);
  });

  it('d = 300: refused at once (exit 2) naming d, the limit and --max-dimension; verify records it as "could not be checked", not a failed claim', async () => {
    const t0 = performance.now();
    const p300 = tempFiles({ 'p.json': { d: 300, M: 10 } })['p.json']!;
    const r = await runCliInProcess(['optimum', '--problem', p300, '--class', 'ltb']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr, 'error')).toMatch(/p\.json: d: d = 300 exceeds the limit 100 .*--max-dimension/);
    const suite = tempFiles({ 's.json': { problems: [{ name: 'big', d: 300, M: 10, claims: ['OPT'] }], figures: false } })['s.json']!;
    const out = join(mkdtempSync(join(tmpdir(), 'linear-icl-hostile-')), 'report');
    const v = await runCliInProcess(['verify', '--suite', suite, '--out', out, '--json']);
    expect(v.code).toBe(2);
    expect(oneLine(v.stderr, 'error')).toMatch(/1 check could not be carried out \(first: OPT on big: d: d = 300 exceeds the limit/);
    const j = JSON.parse(v.stdout);
    expect(j).toEqual(expect.objectContaining({ failed: 0, errors: 1, pass: false }));
    expect(j.results[0].error.kind).toBe('input');
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});

describe('flows at extreme scale (found by the fuzz test)', () => {
  it('σ² = 1e308: the Hessian at the optimum overflows — exit 3 naming it, not an internal error from the ODE library', async () => {
    const p = tempFiles({ 'p.json': { d: 2, M: 26, H: [0.13, 5.2], Psi: [4e-202, 3e-239], betaStar: 1e-37, sigma2: 1e308 } })['p.json']!;
    const r = await runCliInProcess(['flow', '--problem', p, '--method', 'etd4', '--max-steps', '2']);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr, 'numerical failure')).toMatch(/flow\(gd-beta\): the largest eigenvalue of the Hessian at the optimum overflows float64: rescale/);
  });
});

describe('files and directories', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'linear-icl-hostile-')), 'plain');
  writeFileSync(file, 'x');
  it.each([
    ['a path under a regular file', join(file, 'out'), /not a directory/],
    ['a path under /proc (where a recursive mkdir never returns)', '/proc/nonexist/x', /cannot create directory|not accessible/],
    ['a path under /sys', '/sys/linear-icl-x', /cannot create directory/],
  ])('flow and verify --out %s: exit 2 at once, one line naming --out', async (_name, out, message) => {
    const t0 = performance.now();
    for (const args of [
      ['flow', '--problem', f['ok.json']!, '--out', out],
      ['verify', '--suite', tempFiles({ 's.json': { problems: [{ name: 'p', d: 1, M: 2, claims: ['ZWB-1'] }], figures: false } })['s.json']!, '--out', out],
    ]) {
      const r = await runCliInProcess(args);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      const line = oneLine(r.stderr, 'error');
      expect(line).toMatch(/--out/);
      expect(line).toMatch(message);
    }
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});

describe('bounded resources', () => {
  it('mc with M = 1e9 is refused at once (exit 2) naming M and the limit; too many samples names --samples', async () => {
    const r = await runCliInProcess(['mc', '--problem', f['M-huge.json']!, '--estimator', f['e.json']!, '--samples', '10']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr, 'error')).toMatch(/M-huge\.json: M: a prompt of M·\(d\+1\) = 4000000000 numbers exceeds the Monte Carlo limit/);
    const s = await runCliInProcess(['mc', '--problem', f['ok.json']!, '--estimator', f['e.json']!, '--samples', '100000000']);
    expect(s.code).toBe(2);
    expect(oneLine(s.stderr, 'error')).toMatch(/^linear-icl: error: --samples: .*use at most \d+ samples/);
  });

  it('bayes with too many draws is refused naming --samples', async () => {
    const r = await runCliInProcess(['bayes', '--problem', tempFiles({ 'p.json': { d: 200, M: 400, sigma2: 1 } })['p.json']!, '--samples', '1000000']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr, 'error')).toMatch(/--samples: .*exceeds the Monte Carlo work limit/);
  });

  it('d beyond the documented cap is a user error naming d', async () => {
    const r = await runCliInProcess(['risk', '--problem', tempFiles({ 'p.json': { d: 5000, M: 10 } })['p.json']!, '--estimator', f['e.json']!]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr, 'error')).toMatch(/d: must be ≤ 1000/);
  });
});

describe('smaller defects', () => {
  it('bayes with d = 1, σ² = 1e-300: a positive standard error (no underflow), consistent with the exact value', async () => {
    const r = await runCliInProcess(['bayes', '--problem', f['bayes-tiny.json']!, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.stderr).toBeGreaterThan(0);
    expect(Math.abs(j.estimate - j.exact)).toBeLessThan(5 * j.stderr);
  });

  it('a repeated --problem is an error, not silently the last one', async () => {
    const r = await runCliInProcess(['risk', '--problem', f['ok.json']!, '--problem', f['beta-huge.json']!, '--estimator', f['e.json']!]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr, 'error')).toMatch(/--problem: is given more than once/);
  });

  it('gd-beta on an unmasked problem says that masking does not apply to it', async () => {
    const j = await runCliInProcess(['risk', '--problem', f['ok-unmasked.json']!, '--estimator', f['e.json']!, '--json']);
    expect(JSON.parse(j.stdout)).toEqual(expect.objectContaining({ masked: false, maskApplies: false }));
    const h = await runCliInProcess(['risk', '--problem', f['ok-unmasked.json']!, '--estimator', f['e.json']!]);
    expect(h.stdout).toMatch(/mask\s+does not apply to gd-beta/);
  });
});
