/**
 * Text helpers of the report layer: number formatting and HTML / markdown escaping.
 *
 * @module
 */

function trimMantissa(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/**
 * Formats a number for a report table, the same way everywhere:
 * integers (|v| < 1e15) exactly; 1e-4 ≤ |v| < 1e6 with `digits` significant digits
 * (trailing zeros dropped); anything else in exponential notation with `digits`
 * significant digits, e.g. `1.23457e-12`. `NaN`, `∞` and `-∞` for non-finite values.
 */
export function formatNumber(v: number, digits = 6): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '-∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e15) return String(v);
  if (a >= 1e-4 && a < 1e6) return trimMantissa(v.toPrecision(digits));
  const [mantissa, exp] = v.toExponential(digits - 1).split('e') as [string, string];
  return `${trimMantissa(mantissa)}e${exp.replace(/^\+/, '')}`;
}

/** A table cell rendered as text: numbers via {@link formatNumber}, `null`/`undefined` as empty. */
export function formatCell(v: string | number | null | undefined, digits = 6): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'number' ? formatNumber(v, digits) : String(v);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes `& < > " '` so that `s` is inert as HTML text or as a quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * Escapes plain text for use inside markdown (a table cell, a heading, an image's alt text):
 * backslash-escapes the characters markdown would interpret (`\ \` * _ [ ] < > | #`) and
 * turns line breaks into `<br>`, so the text renders literally and cannot break a table row.
 */
export function escapeMarkdownText(s: string): string {
  return s
    .replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, '<br>');
}
