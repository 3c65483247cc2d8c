/**
 * Report model and {@link writeReport}: writes `report.md`, a self-contained `index.html`,
 * and `figures/<id>.svg` + `figures/<id>.vl.json` for every figure.
 *
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { makeDirectory } from './directory.js';
import { escapeMarkdownText } from './format.js';
import { validateFigure, type LineFigure } from './figure.js';
import { reportHtml, type HtmlFigure } from './html.js';
import { markdownTable, type Table } from './markdown.js';
import { renderFigureSvg, type RenderedFigure } from './render.js';

/** One section of a report: a heading, then text, tables and figures in that order. */
export interface Section {
  /** Section heading (a level-2 heading in `report.md`). */
  heading: string;
  /** Markdown paragraph(s); written verbatim to `report.md`, converted (safely, a subset) for HTML. */
  text?: string;
  /** Tables shown after the text, in order. */
  tables?: readonly Table[];
  /** Figures shown after the tables, each written as SVG and vega-lite spec. */
  figures?: readonly LineFigure[];
}

/** A report: everything `writeReport` needs. */
export interface Report {
  /** Report title (the level-1 heading and the HTML title). */
  title: string;
  /** Free-form timestamp shown under the title (omitted when absent, for reproducible output). */
  generatedAt?: string;
  /** Markdown shown before the first section. */
  summary?: string;
  /** The sections, in order. */
  sections: readonly Section[];
}

/** Paths of one figure's files. */
export interface WrittenFigure {
  id: string;
  svgPath: string;
  specPath: string;
  /** Data-filtering and renderer notes for this figure (also shown under it in the report). */
  warnings: string[];
}

/** What {@link writeReport} wrote (absolute paths). */
export interface WrittenReport {
  outDir: string;
  markdownPath: string;
  htmlPath: string;
  figures: WrittenFigure[];
  /** Every file written, in writing order. */
  files: string[];
  /** All figure warnings, concatenated. */
  warnings: string[];
}

/** Sub-directory of the output directory holding the figure files. */
export const FIGURES_DIR = 'figures';

/**
 * Pretty-prints a vega-lite spec with two-space indentation but one line per inline data row,
 * so that long curves stay compact and diffable.
 */
function specJson(spec: unknown): string {
  const rows: unknown[][] = [];
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === 'values' && Array.isArray(x)) {
          rows.push(x);
          o[k] = `\u0000values${rows.length - 1}\u0000`;
        } else {
          o[k] = strip(x);
        }
      }
      return o;
    }
    return v;
  };
  const text = JSON.stringify(strip(spec), null, 2);
  return text.replace(/^( *)("values": )"\\u0000values(\d+)\\u0000"/gm, (_m, indent: string, key: string, i: string) => {
    const values = rows[Number(i)]!;
    if (values.length === 0) return `${indent}${key}[]`;
    return `${indent}${key}[\n${values.map((r) => `${indent}  ${JSON.stringify(r)}`).join(',\n')}\n${indent}]`;
  });
}

/** All figures of a report in reading order; throws on invalid or duplicate figure ids. */
export function reportFigures(report: Report): LineFigure[] {
  const figs = report.sections.flatMap((s) => s.figures ?? []);
  const ids = new Set<string>();
  for (const f of figs) {
    validateFigure(f);
    if (ids.has(f.id)) throw new Error(`duplicate figure id ${JSON.stringify(f.id)}`);
    ids.add(f.id);
  }
  return figs;
}

/**
 * Builds `report.md`: headings, text verbatim, markdown tables, and each figure as an image
 * link `figures/<id>.svg` followed by its numbered caption and a link to its vega-lite spec.
 * `warnings[k]` are the notes of the k-th figure (optional).
 */
export function reportMarkdown(report: Report, warnings: readonly (readonly string[])[] = []): string {
  const out: string[] = [`# ${escapeMarkdownText(report.title)}`, ''];
  if (report.generatedAt) out.push(`Generated ${escapeMarkdownText(report.generatedAt)}`, '');
  if (report.summary) out.push(report.summary.trim(), '');
  let fi = 0;
  for (const s of report.sections) {
    out.push(`## ${escapeMarkdownText(s.heading)}`, '');
    if (s.text) out.push(s.text.trim(), '');
    for (const t of s.tables ?? []) out.push(markdownTable(t), '');
    for (const f of s.figures ?? []) {
      const notes = warnings[fi] ?? [];
      fi++;
      out.push(`![Figure ${fi}: ${escapeMarkdownText(f.title)}](${FIGURES_DIR}/${f.id}.svg)`, '');
      out.push(`*Figure ${fi}.* ${escapeMarkdownText(f.caption ?? f.title)} ([vega-lite spec](${FIGURES_DIR}/${f.id}.vl.json))`, '');
      if (notes.length) out.push(notes.map((w) => `> Note: ${escapeMarkdownText(w)}`).join('\n>\n'), '');
    }
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/**
 * Writes the report into `outDir` (created if needed; existing files of the same names are
 * overwritten, nothing is deleted): `report.md`, `index.html` (self-contained, figures
 * inlined), `figures/<id>.svg` and `figures/<id>.vl.json`. Figures are validated before
 * anything is written; bad data points only produce warnings.
 */
export async function writeReport(outDir: string, report: Report): Promise<WrittenReport> {
  const figs = reportFigures(report);
  const dir = resolve(outDir);
  const figDir = join(dir, FIGURES_DIR);
  makeDirectory(figDir, 'outDir');
  const files: string[] = [];
  const rendered: RenderedFigure[] = [];
  for (const f of figs) rendered.push(await renderFigureSvg(f));

  const written: WrittenFigure[] = [];
  for (const r of rendered) {
    const svgPath = join(figDir, `${r.id}.svg`);
    const specPath = join(figDir, `${r.id}.vl.json`);
    await writeFile(svgPath, `<?xml version="1.0" encoding="UTF-8"?>\n${r.svg}\n`, 'utf8');
    await writeFile(specPath, `${specJson(r.spec)}\n`, 'utf8');
    files.push(svgPath, specPath);
    written.push({ id: r.id, svgPath, specPath, warnings: r.warnings });
  }

  // Under its own figure, a note needs no "figure <id>: " prefix.
  const notes = rendered.map((r) => r.warnings.map((w) => w.replace(`figure ${r.id}: `, '')));
  const markdownPath = join(dir, 'report.md');
  await writeFile(markdownPath, reportMarkdown(report, notes), 'utf8');
  files.push(markdownPath);

  const htmlFigures: HtmlFigure[] = figs.map((f, k) => {
    const fig: HtmlFigure = {
      id: f.id, title: f.title, svg: rendered[k]!.svg, warnings: notes[k]!,
      svgHref: `${FIGURES_DIR}/${f.id}.svg`, specHref: `${FIGURES_DIR}/${f.id}.vl.json`,
    };
    if (f.caption !== undefined) fig.caption = f.caption;
    return fig;
  });
  const htmlPath = join(dir, 'index.html');
  await writeFile(htmlPath, reportHtml(report, htmlFigures), 'utf8');
  files.push(htmlPath);

  return { outDir: dir, markdownPath, htmlPath, figures: written, files, warnings: rendered.flatMap((r) => r.warnings) };
}
