/**
 * HTML side of the report layer: tables with pass/fail colouring, and the self-contained page.
 *
 * @module
 */
import { escapeHtml, formatCell } from './format.js';
import { columnAlignment, markdownToHtml, validateTable, type Table } from './markdown.js';
import type { Report } from './report.js';

/** Status of a cell in a `result` / `status` column. */
export type CellStatus = 'pass' | 'fail' | 'warn';

/** True for column headers whose cells get pass/fail colouring (`result`, `status`, any case). */
export function isStatusColumn(header: string): boolean {
  return /^(result|status)$/i.test(header.trim());
}

/** Classifies a status cell: pass/passed/ok/✓ → pass, fail/failed/error/✗ → fail, warn/skip(ped) → warn. */
export function cellStatus(value: string): CellStatus | undefined {
  const v = value.trim().toLowerCase();
  if (['pass', 'passed', 'ok', '✓', '✔'].includes(v)) return 'pass';
  if (['fail', 'failed', 'error', '✗', '✘'].includes(v)) return 'fail';
  if (['warn', 'warning', 'skip', 'skipped'].includes(v)) return 'warn';
  return undefined;
}

const ALIGN_CLASS = { l: 'al', r: 'ar', c: 'ac' } as const;

/** Renders a table as an HTML `<table>` (escaped; numeric cells formatted; status cells classed `pass`/`fail`/`warn`). */
export function htmlTable(t: Table): string {
  validateTable(t);
  const align = columnAlignment(t);
  const status = t.columns.map(isStatusColumn);
  const head = t.columns.map((c, j) => `<th class="${ALIGN_CLASS[align[j]!]}" scope="col">${escapeHtml(c)}</th>`).join('');
  const body = t.rows
    .map((r) => {
      const cells = r.map((c, j) => {
        const text = formatCell(c, t.digits);
        const classes: string[] = [ALIGN_CLASS[align[j]!]];
        if (typeof c === 'number') classes.push('num');
        const st = status[j] ? cellStatus(text) : undefined;
        if (st) classes.push(st);
        return `<td class="${classes.join(' ')}">${escapeHtml(text)}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const caption = t.caption ? `<caption>${escapeHtml(t.caption)}</caption>` : '';
  return `<table>${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

/** Stylesheet embedded in `index.html`. */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font: 15px/1.5 Helvetica, Arial, "Liberation Sans", sans-serif; color: #1b1b1b; background: #fff;
  max-width: 1000px; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.meta { color: #666; margin: 0 0 1rem; font-size: .9rem; }
nav ol { margin: .2rem 0 1rem; padding-left: 1.4rem; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; background: #f4f4f4; }
code { padding: 0 .2em; border-radius: 3px; } pre { padding: .6rem .8rem; overflow-x: auto; }
table { border-collapse: collapse; margin: .8rem 0 1.2rem; font-size: .92rem; }
caption { caption-side: top; text-align: left; font-style: italic; color: #444; padding-bottom: .3rem; }
th, td { border: 1px solid #d0d0d0; padding: .25rem .6rem; vertical-align: top; }
th { background: #f2f2f2; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.al { text-align: left; } .ar { text-align: right; } .ac { text-align: center; }
td.pass { background: #d9f2dc; color: #14532d; font-weight: 600; }
td.fail { background: #fbd5d5; color: #7f1d1d; font-weight: 600; }
td.warn { background: #fdf1c7; color: #713f12; font-weight: 600; }
figure { margin: 1.2rem 0 2rem; }
figure .plot { overflow-x: auto; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #333; font-size: .92rem; margin-top: .35rem; }
figcaption .links { color: #777; font-size: .85rem; }
ul.warnings { color: #8a4b00; font-size: .85rem; margin: .3rem 0 0; }
`.trim();

/** One rendered figure as the page needs it. */
export interface HtmlFigure {
  id: string;
  title: string;
  caption?: string;
  svg: string;
  warnings: string[];
  svgHref: string;
  specHref: string;
}

/**
 * Builds the self-contained `index.html`: embedded CSS, a restrictive Content-Security-Policy
 * (no scripts, no remote loads), escaped text, HTML tables, and each figure's SVG inlined in
 * `<figure id="fig-<id>">` with a `<figcaption>`. `figures[k]` belongs to the k-th figure of
 * the report in reading order.
 */
export function reportHtml(report: Report, figures: readonly HtmlFigure[]): string {
  const parts: string[] = [];
  let fi = 0;
  parts.push('<!doctype html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(report.title)}</title>`, `<style>\n${REPORT_CSS}\n</style>`, '</head>', '<body>',
    '<header>', `<h1>${escapeHtml(report.title)}</h1>`);
  if (report.generatedAt) parts.push(`<p class="meta">Generated ${escapeHtml(report.generatedAt)}</p>`);
  parts.push('</header>');
  if (report.summary) parts.push(`<div class="summary">${markdownToHtml(report.summary)}</div>`);
  if (report.sections.length > 1) {
    parts.push('<nav><strong>Contents</strong><ol>',
      ...report.sections.map((s, i) => `<li><a href="#sec-${i + 1}">${escapeHtml(s.heading)}</a></li>`), '</ol></nav>');
  }
  report.sections.forEach((s, i) => {
    parts.push(`<section id="sec-${i + 1}">`, `<h2>${escapeHtml(s.heading)}</h2>`);
    if (s.text) parts.push(markdownToHtml(s.text));
    for (const t of s.tables ?? []) parts.push(htmlTable(t));
    for (const _fig of s.figures ?? []) {
      const f = figures[fi++];
      if (!f) throw new Error('reportHtml: fewer rendered figures than figures in the report');
      const cap = f.caption ?? f.title;
      parts.push(`<figure id="fig-${escapeHtml(f.id)}">`, `<div class="plot">${f.svg}</div>`,
        `<figcaption><strong>Figure ${fi}.</strong> ${escapeHtml(cap)} <span class="links">(<a href="${escapeHtml(f.svgHref)}">SVG</a>, ` +
          `<a href="${escapeHtml(f.specHref)}">vega-lite spec</a>)</span></figcaption>`);
      if (f.warnings.length) {
        parts.push(`<ul class="warnings">${f.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`);
      }
      parts.push('</figure>');
    }
    parts.push('</section>');
  });
  parts.push('</body>', '</html>', '');
  return parts.join('\n');
}
