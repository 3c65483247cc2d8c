/**
 * `linear-icl bayes` run as a user runs it: a child process `node --import tsx src/cli/main.ts bayes …`
 * on temporary problem files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'linear-icl-bayes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bayes', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('linear-icl bayes', () => {
  it('--json on a d = 3 problem: the documented keys, lower ≤ approx ≤ upper, estimate within 5σ of [lower, upper]', () => {
    const p = file('p3.json', { M: 6, H: [[1, 0.2, 0], [0.2, 2, 0.1], [0, 0.1, 0.5]], Psi: [0.5, 1, 2], betaStar: [1, 0, -1], sigma2: 0.3 });
    const r = cli('--problem', p, '--samples', '4000', '--seed', '7', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, number>;
    expect(Object.keys(out).sort()).toEqual(['approx', 'estimate', 'lower', 'samples', 'seed', 'stderr', 'upper']);
    expect(out.samples).toBe(4000);
    expect(out.seed).toBe(7);
    for (const v of Object.values(out)) expect(Number.isFinite(v)).toBe(true);
    expect(out.lower!).toBeLessThanOrEqual(out.approx!);
    expect(out.approx!).toBeLessThanOrEqual(out.upper!);
    expect(out.stderr!).toBeGreaterThan(0);
    expect(Math.max(0, out.lower! - out.estimate!, out.estimate! - out.upper!) / out.stderr!).toBeLessThan(5);
  });

  it('d = 1 adds "exact", between the bounds and within 5σ of the estimate; human output labels every line', () => {
    const p = file('p1.json', { d: 1, M: 4, H: 1.5, Psi: 0.8, sigma2: 0.2 });
    const j = cli('--problem', p, '--samples', '5000', '--json');
    expect(j.code, j.stderr).toBe(0);
    const out = JSON.parse(j.stdout) as Record<string, number>;
    expect(Object.keys(out).sort()).toEqual(['approx', 'estimate', 'exact', 'lower', 'samples', 'seed', 'stderr', 'upper']);
    expect(out.seed).toBe(1);
    expect(out.lower!).toBeLessThan(out.exact!);
    expect(out.exact!).toBeLessThan(out.upper!);
    expect(Math.abs(out.estimate! - out.exact!) / out.stderr!).toBeLessThan(5);
    const h = cli('--problem', p, '--samples', '2000');
    expect(h.code, h.stderr).toBe(0);
    for (const label of ['lower bound (Jensen)', 'upper bound (R*_GDβ)', 'deterministic-equivalent approximation', 'Monte Carlo estimate ± stderr', 'exact (d = 1, quadrature)']) {
      expect(h.stdout).toContain(label);
    }
  });

  it('σ² = 0 → exit 2, one line on stderr naming the file and sigma2', () => {
    const p = file('noiseless.json', { d: 2, M: 5, sigma2: 0 });
    const r = cli('--problem', p, '--json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('sigma2');
    expect(lines[0]).toContain('noiseless.json');
  });

  it('malformed JSON, a bad field, a missing file and a bad --samples → exit 2 with one line naming it', () => {
    const bad = file('bad.json', '{"M": 3, "sigma2": ');
    const r1 = cli('--problem', bad);
    expect(r1.code).toBe(2);
    expect(r1.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r1.stderr).toContain('bad.json');
    const negPsi = file('negpsi.json', { M: 3, Psi: [1, -2], sigma2: 0.1 });
    const r2 = cli('--problem', negPsi);
    expect(r2.code).toBe(2);
    expect(r2.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r2.stderr).toContain('Psi');
    const r3 = cli('--problem', join(dir, 'absent.json'));
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('--problem');
    const r4 = cli('--problem', negPsi, '--samples', '1');
    expect(r4.code).toBe(2);
    expect(r4.stderr).toContain('--samples');
  });
});
