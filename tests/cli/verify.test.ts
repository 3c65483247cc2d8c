/** `linear-icl verify` and `linear-icl optimum --class lsa|ltb`, run as a user runs them. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProblem, parseEstimator, reducedForm, type Ltb } from '../../src/models/index.js';
import { optimumGdBeta, riskAttention } from '../../src/risk/index.js';
import { checkReportInBrowser } from '../../src/report/index.js';
import { runCli, tempFiles } from '../helpers/cli.js';

const REF = { d: 5, M: 20, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 };

/** A tiny suite: two problems, a handful of claims, small figures. */
const TINY = {
  title: 'tiny suite',
  bayesSamples: 500,
  mcSamples: 2000,
  problems: [
    { name: 'small', d: 2, M: 5, H: [1, 0.5], Psi: 1, betaStar: [1, -1], sigma2: 0.5, claims: ['ZWB-1', 'ZWB-2', 'ZWB-3', 'ZWB-4'] },
    { name: 'mhm', d: 2, M: 6, sigma2: 0.2, claims: ['MHM-1', 'MHM-2'] },
  ],
  figures: { problem: { d: 2, H: 1, Psi: 1, betaStar: 1, sigma2: 0.5 }, M: [3, 6] },
};

describe('linear-icl optimum --class lsa|ltb', () => {
  const f = tempFiles({ 'ref.json': REF, 'small.json': { d: 2, M: 4, H: [1, 2], betaStar: [1, -1], sigma2: 0.5 } });

  it('ltb: JSON {risk, estimator, gradNorm, starts, effectiveGdBeta, spread}; LTB* = R*_GDβ; the estimator round-trips through `risk`', () => {
    const r = runCli(['optimum', '--problem', f['ref.json']!, '--class', 'ltb', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    for (const k of ['risk', 'estimator', 'gradNorm', 'starts', 'effectiveGdBeta', 'spread']) expect(out).toHaveProperty(k);
    expect(out.estimator.kind).toBe('ltb');
    expect(out.risk.toFixed(4)).toBe('1.4405');
    expect(Math.abs(out.risk - optimumGdBeta(makeProblem(REF)).risk)).toBeLessThan(1e-10 * out.risk);
    expect(out.effectiveGdBeta.ok).toBe(true);
    expect(out.starts.length).toBeGreaterThanOrEqual(4);
    expect(out.starts[0]).toEqual(expect.objectContaining({ name: 'gd-beta', iterations: expect.any(Number) }));
    const est = parseEstimator(out.estimator, 5) as Ltb;
    expect(riskAttention(makeProblem(REF), est).risk).toBe(out.risk);
    expect(Array.from(reducedForm(est).betaM).every((b) => Math.abs(b - 10) < 1e-6)).toBe(true);
    const g = tempFiles({ 'e.json': out.estimator });
    const back = JSON.parse(runCli(['risk', '--problem', f['ref.json']!, '--estimator', g['e.json']!, '--json']).stdout);
    expect(back.gradNorm).toBeLessThan(1e-9 * 505);
  });

  it('lsa: LSA* ≈ 49.743 with a seed; the human output lists the starts; gd-beta output is unchanged', () => {
    const r = runCli(['optimum', '--problem', f['ref.json']!, '--class', 'lsa', '--seed', '5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.risk.toFixed(3)).toBe('49.743');
    expect(out.estimator.kind).toBe('lsa');
    expect(out.spread).toBeLessThan(1e-9);
    const h = runCli(['optimum', '--problem', f['small.json']!, '--class', 'lsa']);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/zfb\s+risk/);
    expect(h.stdout).toMatch(/effective GD-β: no/);
    const gd = JSON.parse(runCli(['optimum', '--problem', f['ref.json']!, '--class', 'gd-beta', '--json']).stdout);
    expect(Object.keys(gd)).toEqual(['class', 'risk', 'estimator']);
  });
});

describe('linear-icl verify', () => {
  it('runs a tiny suite end to end: --json results, report files that render in Chromium, exit 0', async () => {
    const out = mkdtempSync(join(tmpdir(), 'linear-icl-report-'));
    const f = tempFiles({ 'suite.json': TINY });
    const r = runCli(['verify', '--suite', f['suite.json']!, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.pass).toBe(true);
    expect(res.results.map((x: { id: string }) => x.id)).toEqual(['ZWB-1', 'ZWB-2', 'ZWB-3', 'ZWB-4', 'MHM-1', 'MHM-2']);
    for (const x of res.results) {
      expect(x).toEqual(expect.objectContaining({ problem: expect.any(String), measured: expect.any(Object), tolerance: expect.any(Object), pass: true }));
    }
    expect(existsSync(join(out, 'report.md'))).toBe(true);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    const figureIds = ['risk-vs-M', 'gd0-minus-lsa', 'training-ltb-vs-lsa', 'gd-beta-flow-rate', 'lsa-gap-vs-beta', 'lsa-gap-vs-sigma', 'near-bayes-ratio'];
    for (const id of figureIds) {
      expect(existsSync(join(out, 'figures', `${id}.svg`)), id).toBe(true);
    }
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/ZWB-2/);
    // the report leads with its findings, then the figures, then the tables
    const at = (h: string): number => md.indexOf(`\n## ${h}\n`);
    expect(at('Findings')).toBeGreaterThan(0);
    expect(at('Findings')).toBeLessThan(at('Figures'));
    expect(at('Figures')).toBeLessThan(at('Tables'));
    expect(md.slice(at('Findings'), at('Figures'))).toMatch(/LTB\* = GD-β\* = \d/);
    if (process.env['LINEAR_ICL_SKIP_BROWSER'] === '1') return;
    // The report as a person opens it: every figure rendered in headless Chromium.
    const seen = await checkReportInBrowser(join(out, 'index.html'));
    expect(seen.consoleErrors).toEqual([]);
    expect(seen.figures.map((x) => x.id).sort()).toEqual(
      figureIds.map((id) => `fig-${id}`).sort(),
    );
    for (const fig of seen.figures) {
      expect(fig.width, fig.id).toBeGreaterThan(100);
      expect(fig.height, fig.id).toBeGreaterThan(100);
      expect(fig.axes, fig.id).toBeGreaterThanOrEqual(2);
      expect(fig.marks, fig.id).toBeGreaterThanOrEqual(1);
    }
  });

  it('exits 1 when a claim fails (ZWB-2 asked for on an unmasked problem) and prints the table', () => {
    const out = mkdtempSync(join(tmpdir(), 'linear-icl-report-'));
    const f = tempFiles({
      'suite.json': { problems: [{ name: 'unmasked', d: 2, M: 5, H: [1, 2], betaStar: [1, -1], sigma2: 0.25, masked: false, claims: ['ZWB-1', 'ZWB-2'] }], figures: false },
    });
    const r = runCli(['verify', '--suite', f['suite.json']!, '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/ZWB-1\s+unmasked\s+pass/);
    expect(r.stdout).toMatch(/ZWB-2\s+unmasked\s+FAIL/);
  });

  it('--suite schema errors exit 2 with one line naming the file and the field', () => {
    const f = tempFiles({
      'a.json': { problems: [{ name: 'p', d: 2, M: 3, claims: ['ZWB-9'] }] },
      'b.json': { problems: [{ name: 'p', d: 2, M: 3 }, { name: 'q', d: 2, M: -1 }] },
      'c.json': { problems: [{ name: 'p', d: 2, M: 3, Psi: [1, 2], sigma2: 1, claims: ['ZWB-4'] }] },
      'd.json': '{"problems": [',
    });
    const cases: [string, RegExp][] = [
      ['a.json', /problems\[0\]\.claims\[0\]: unknown claim "ZWB-9"/],
      ['b.json', /problems\[1\]\.M/],
      ['c.json', /problems\[0\]\.claims\[0\]: ZWB-4 does not apply/],
      ['d.json', /not valid JSON/],
    ];
    for (const [file, re] of cases) {
      const r = runCli(['verify', '--suite', f[file]!, '--out', tmpdir()]);
      expect(r.code, `${file}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).toMatch(new RegExp(file.replace('.', '\\.')));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(runCli(['verify', '--suite', '/nonexistent/suite.json']).code).toBe(2);
  });
});
