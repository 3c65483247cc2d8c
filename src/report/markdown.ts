/**
 * Markdown side of the report layer: tables as GitHub-flavoured markdown, and a small,
 * safe markdown-to-HTML converter for section text.
 *
 * @module
 */
import { escapeHtml, escapeMarkdownText, formatCell } from './format.js';

/** Cell alignment: left, right, centre. */
export type Align = 'l' | 'r' | 'c';

/** A table of a report section. */
export interface Table {
  /** Shown above the table. */
  caption?: string;
  /** Column headers. A column named `result` or `status` gets pass/fail colouring in HTML. */
  columns: readonly string[];
  /** Rows, each exactly `columns.length` long; numbers are formatted by `formatNumber`. */
  rows: readonly (readonly (string | number)[])[];
  /** Per-column alignment; default: right for all-numeric columns, left otherwise. */
  align?: readonly Align[];
  /** Significant digits for numeric cells; default 6. */
  digits?: number;
}

/** Throws when a row's length differs from the number of columns or an alignment is unknown. */
export function validateTable(t: Table): void {
  if (t.columns.length === 0) throw new Error('table has no columns');
  t.rows.forEach((r, i) => {
    if (r.length !== t.columns.length) {
      throw new Error(`table${t.caption ? ` "${t.caption}"` : ''}: row ${i} has ${r.length} cells, expected ${t.columns.length}`);
    }
  });
  if (t.align) {
    if (t.align.length !== t.columns.length) throw new Error('table: align must have one entry per column');
    for (const a of t.align) if (a !== 'l' && a !== 'r' && a !== 'c') throw new Error(`table: unknown alignment ${String(a)}`);
  }
}

/** The effective alignment of each column (explicit, or right for all-numeric columns). */
export function columnAlignment(t: Table): Align[] {
  if (t.align) return [...t.align];
  return t.columns.map((_, j) => {
    const cells = t.rows.map((r) => r[j]).filter((c) => c !== '' && c !== undefined && c !== null);
    return cells.length > 0 && cells.every((c) => typeof c === 'number') ? 'r' : 'l';
  });
}

/** Renders a table as a GitHub-flavoured markdown table (caption as an italic line above). */
export function markdownTable(t: Table): string {
  validateTable(t);
  const align = columnAlignment(t);
  const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const sep = align.map((a) => (a === 'r' ? '--:' : a === 'c' ? ':-:' : ':--'));
  const lines: string[] = [];
  if (t.caption) lines.push(`*${escapeMarkdownText(t.caption)}*`, '');
  lines.push(row(t.columns.map(escapeMarkdownText)), row(sep));
  for (const r of t.rows) lines.push(row(r.map((c) => escapeMarkdownText(formatCell(c, t.digits)))));
  return lines.join('\n');
}

const SAFE_URL = /^(https?:\/\/|mailto:|#|\.{0,2}\/|[A-Za-z0-9_-][A-Za-z0-9._~-]*(\/|#|$|\.))/i;

/** Inline markdown on already-escaped HTML text: `code`, **bold**, *em* / _em_, [text](url). */
function inline(escaped: string): string {
  const codes: string[] = [];
  let s = escaped.replace(/`([^`]+)`/g, (_m, c: string) => {
    codes.push(`<code>${c}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  s = s.replace(/\*\*(?!\s)([^*]+?)(?<!\s)\*\*/g, '<strong>$1</strong>');
  // Emphasis only with a non-word character (or nothing) outside and non-space inside, so "LSA*, GD-0*" stays literal.
  s = s.replace(/(^|[^A-Za-z0-9*_\\])([*_])(?!\s)([^*_]+?)(?<!\s)\2(?![A-Za-z0-9*_])/g, '$1<em>$3</em>');
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (m, text: string, url: string) =>
    SAFE_URL.test(url) && !/^javascript:/i.test(url) ? `<a href="${url}">${text}</a>` : m);
  s = s.replace(/\\([\\`*_[\]|#]|&lt;|&gt;|&amp;)/g, '$1');
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => codes[Number(i)]!);
}

/**
 * Converts a small, safe subset of markdown to HTML: paragraphs, `#` headings (rendered from
 * `<h3>` down), `-`/`*` and `1.` lists, fenced code blocks, and inline code, bold, emphasis and
 * links (http(s), mailto, relative and `#` targets only). All text is HTML-escaped first, so
 * raw HTML in the input is shown literally, never interpreted.
 */
export function markdownToHtml(md: string): string {
  const out: string[] = [];
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  let para: string[] = [];
  let list: { tag: 'ul' | 'ol'; items: string[] } | null = null;
  const flush = () => {
    if (para.length) out.push(`<p>${inline(escapeHtml(para.join('\n'))).replace(/\n/g, ' ')}</p>`);
    para = [];
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(escapeHtml(i))}</li>`).join('')}</${list.tag}>`);
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s*```/.test(line);
    if (fence) {
      flush();
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]!); i++) body.push(lines[i]!);
      out.push(`<pre><code>${escapeHtml(body.join('\n'))}</code></pre>`);
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      flush();
      const level = Math.min(6, h[1]!.length + 2);
      out.push(`<h${level}>${inline(escapeHtml(h[2]!.trim()))}</h${level}>`);
      continue;
    }
    const li = /^\s*([-*]|\d+\.)\s+(.*)$/.exec(line);
    if (li) {
      const tag = li[1] === '-' || li[1] === '*' ? 'ul' : 'ol';
      if (para.length || (list && list.tag !== tag)) flush();
      list ??= { tag, items: [] };
      list.items.push(li[2]!);
      continue;
    }
    if (list && /^\s+\S/.test(line)) {
      list.items[list.items.length - 1] += ` ${line.trim()}`;
      continue;
    }
    if (list) flush();
    para.push(line.trim());
  }
  flush();
  return out.join('\n');
}
