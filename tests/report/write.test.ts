import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVegaLiteSpec, writeReport, type LineFigure, type Report, type WrittenReport } from '../../src/report/index.js';
import { allFigures, sampleReport } from './fixtures.js';
import { InputError } from '../../src/errors.js';

const hostile: LineFigure = {
  id: 'hostile',
  title: 'Title <img src=x onerror=alert(1)> & "quotes"',
  caption: 'Caption </figcaption><script>alert(2)</script>',
  x: { title: 'x <b>' },
  y: { title: 'y' },
  series: [{ name: '<script>', points: [{ x: 0, y: 1 }, { x: 1, y: 2 }] }],
};

function hostileReport(): Report {
  return {
    title: 'Report <script>alert(3)</script>',
    generatedAt: '<now>',
    summary: 'Summary with <script>alert(4)</script> and [a link](javascript:alert(5)).',
    sections: [
      {
        heading: 'Section </h2><script>alert(6)</script>',
        text: 'Text <iframe src="x"></iframe>',
        tables: [{ columns: ['name', 'status'], rows: [['<script>alert(7)</script>', 'pass'], ['a | b', 'fail']] }],
        figures: [hostile],
      },
    ],
  };
}

describe('writeReport', () => {
  let dir: string;
  let out: WrittenReport;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'linear-icl-report-'));
    out = await writeReport(join(dir, 'sample'), sampleReport());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes report.md, index.html and an SVG + vega-lite spec per figure', async () => {
    const ids = allFigures.map((f) => f.id);
    expect(out.figures.map((f) => f.id)).toEqual(ids);
    expect(out.files).toHaveLength(2 * ids.length + 2);
    expect(out.files).toContain(out.markdownPath);
    expect(out.files).toContain(out.htmlPath);
    const listing = (await readdir(join(out.outDir, 'figures'))).sort();
    expect(listing).toEqual(ids.flatMap((id) => [`${id}.svg`, `${id}.vl.json`]).sort());
    for (const f of out.figures) {
      const svg = await readFile(f.svgPath, 'utf8');
      expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      const spec = JSON.parse(await readFile(f.specPath, 'utf8')) as { $schema: string; layer: unknown[] };
      expect(spec.$schema).toMatch(/vega-lite\/v6/);
      expect(spec.layer.length).toBeGreaterThan(0);
      const fig = allFigures.find((g) => g.id === f.id)!;
      expect(spec).toEqual(JSON.parse(JSON.stringify(buildVegaLiteSpec(fig).spec)));
    }
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toMatch(/^figure error-vs-beta-norm: series "measured": 1 of 6/);
  });

  it('writes markdown with well-formed tables and figure links', async () => {
    const md = await readFile(out.markdownPath, 'utf8');
    expect(md.startsWith('# linear-icl verification report (fixture)\n')).toBe(true);
    expect(md).toContain('## Risk against context length');
    for (const f of allFigures) {
      expect(md).toContain(`](figures/${f.id}.svg)`);
      expect(md).toContain(`](figures/${f.id}.vl.json)`);
    }
    expect(md).toMatch(/!\[Figure 1: Optimal ICL risk against context length M\]\(figures\/risk-vs-M\.svg\)/);
    expect(md).toContain('> Note: series "measured": 1 of 6');
    // The table block: header, separator, 3 rows, each with 6 unescaped pipes.
    const tableLines = md.split('\n').filter((l) => l.startsWith('|'));
    expect(tableLines).toHaveLength(5);
    for (const l of tableLines) expect(l.replace(/\\\|/g, '').split('|').length - 1).toBe(6);
    expect(tableLines[1]).toBe('| :-- | --: | --: | --: | :-- |');
    expect(tableLines[2]).toBe('| risk of LSA\\* | 1.23457 | 1.23457 | 8.1e-10 | pass |');
  });

  it('writes self-contained HTML with inlined figures and coloured results', async () => {
    const html = await readFile(out.htmlPath, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src="http/i);
    expect(html).toContain(`Content-Security-Policy`);
    for (const [k, f] of allFigures.entries()) {
      const m = new RegExp(`<figure id="fig-${f.id}">\\s*<div class="plot"><svg [^]*?</svg></div>\\s*<figcaption><strong>Figure ${k + 1}\\.</strong>`).exec(html);
      expect(m, f.id).not.toBeNull();
    }
    expect(html.match(/<figure /g)).toHaveLength(allFigures.length);
    expect(html.match(/<td class="al pass">pass<\/td>/g)).toHaveLength(2);
    expect(html.match(/<td class="al fail">fail<\/td>/g)).toHaveLength(1);
    expect(html).toContain('Monte Carlo &lt;img src=x onerror=&quot;console.error(&#39;xss&#39;)&quot;&gt;');
    expect(html).toContain('<strong>report-layer tests</strong>');
    // Inlined SVG ids are unique across the page.
    const ids = Array.from(html.matchAll(/\sid="([^"]+)"/g), (m) => m[1]!);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('escapes hostile text everywhere', async () => {
    const w = await writeReport(join(dir, 'hostile'), hostileReport());
    const html = await readFile(w.htmlPath, 'utf8');
    expect(html).not.toMatch(/<script|<iframe|<img|href="javascript:/i);
    expect(html).toContain("[a link](javascript:alert(5))"); // shown literally, not a link
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<title>Report &lt;script&gt;alert(3)&lt;/script&gt;</title>');
    expect(html).toContain('Caption &lt;/figcaption&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html.match(/<\/figcaption>/g)).toHaveLength(1);
    expect(html.match(/<\/h2>/g)).toHaveLength(1);
    const svg = await readFile(w.figures[0]!.svgPath, 'utf8');
    expect(svg).not.toMatch(/<script|<img|<b>/i);
    const md = await readFile(w.markdownPath, 'utf8');
    expect(md).toContain('# Report \\<script\\>alert(3)\\</script\\>');
    expect(md).toContain('| \\<script\\>alert(7)\\</script\\> | pass |');
    expect(md).toContain('| a \\| b | fail |');
  });

  it('rejects duplicate figure ids before writing anything', async () => {
    const r: Report = { title: 't', sections: [{ heading: 'h', figures: [hostile, hostile] }] };
    await expect(writeReport(join(dir, 'dup'), r)).rejects.toThrow(/duplicate figure id "hostile"/);
    await expect(readdir(join(dir, 'dup'))).rejects.toThrow();
  });
});

describe('writeReport into a directory that cannot be made', () => {
  it('rejects at once with an InputError naming outDir (a recursive mkdir would never return on /proc)', async () => {
    const t0 = performance.now();
    await expect(writeReport('/proc/nonexist/x', sampleReport())).rejects.toThrow(InputError);
    await expect(writeReport('/proc/nonexist/x', sampleReport())).rejects.toThrow(/^outDir: cannot create directory/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
