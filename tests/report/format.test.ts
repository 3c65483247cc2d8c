import { describe, expect, it } from 'vitest';
import {
  cellStatus,
  escapeHtml,
  escapeMarkdownText,
  estimateTextWidth,
  formatNumber,
  htmlTable,
  markdownTable,
  markdownToHtml,
  type Table,
} from '../../src/report/index.js';

describe('formatNumber', () => {
  it('formats consistently', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(-7)).toBe('-7');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(1.234567891)).toBe('1.23457');
    expect(formatNumber(1.234567891, 10)).toBe('1.234567891');
    expect(formatNumber(123456.7)).toBe('123457');
    expect(formatNumber(0.000123456789)).toBe('0.000123457');
    expect(formatNumber(1.23456789e-12)).toBe('1.23457e-12');
    expect(formatNumber(1e-12)).toBe('1e-12');
    expect(formatNumber(-2.5e-9)).toBe('-2.5e-9');
    expect(formatNumber(35_000_000)).toBe('35000000');
    expect(formatNumber(35_000_000.5)).toBe('3.5e7');
    expect(formatNumber(1e20)).toBe('1e20');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(-Infinity)).toBe('-∞');
  });
});

describe('escaping', () => {
  it('escapes HTML', () => {
    expect(escapeHtml(`<script>alert("x") & 'y'</script>`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;',
    );
  });
  it('escapes markdown text so that it cannot break a table or become HTML', () => {
    expect(escapeMarkdownText('a|b')).toBe('a\\|b');
    expect(escapeMarkdownText('<script>')).toBe('\\<script\\>');
    expect(escapeMarkdownText('LSA* _x_')).toBe('LSA\\* \\_x\\_');
    expect(escapeMarkdownText('two\nlines')).toBe('two<br>lines');
  });
});

const table: Table = {
  caption: 'Checks',
  columns: ['check', 'value', 'status'],
  rows: [
    ['a|b', 1.5, 'pass'],
    ['<b>bold</b>', 1e-12, 'FAIL'],
    ['plain', 3, 'n/a'],
  ],
};

describe('markdownTable', () => {
  it('is a well-formed GFM table', () => {
    const md = markdownTable(table);
    const lines = md.split('\n');
    expect(lines[0]).toBe('*Checks*');
    const rows = lines.slice(2);
    expect(rows).toHaveLength(2 + table.rows.length);
    // Every row has exactly columns+1 unescaped pipes.
    for (const r of rows) {
      expect(r.startsWith('| ') && r.endsWith(' |')).toBe(true);
      expect(r.replace(/\\\|/g, '').split('|').length - 1).toBe(table.columns.length + 1);
    }
    expect(rows[1]).toBe('| :-- | --: | :-- |');
    expect(rows[2]).toBe('| a\\|b | 1.5 | pass |');
    expect(rows[3]).toBe('| \\<b\\>bold\\</b\\> | 1e-12 | FAIL |');
  });
  it('honours explicit alignment and rejects ragged rows', () => {
    expect(markdownTable({ columns: ['a', 'b'], rows: [['x', 'y']], align: ['c', 'r'] })).toContain('| :-: | --: |');
    expect(() => markdownTable({ columns: ['a', 'b'], rows: [['x']] })).toThrow(/row 0 has 1 cells, expected 2/);
  });
});

describe('htmlTable', () => {
  it('escapes cells and colours status columns', () => {
    const html = htmlTable(table);
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('<td class="al pass">pass</td>');
    expect(html).toContain('<td class="al fail">FAIL</td>');
    expect(html).toContain('<td class="al">n/a</td>');
    expect(html).toContain('<td class="ar num">1e-12</td>');
    expect(html).toContain('<caption>Checks</caption>');
    expect(cellStatus(' Passed ')).toBe('pass');
    expect(cellStatus('maybe')).toBeUndefined();
  });
});

describe('markdownToHtml', () => {
  it('renders a safe subset', () => {
    const html = markdownToHtml('Hello **world** and `x<y`.\n\n- one\n- two *em*\n\n1. first\n\n# Head');
    expect(html).toBe(
      '<p>Hello <strong>world</strong> and <code>x&lt;y</code>.</p>\n<ul><li>one</li><li>two <em>em</em></li></ul>\n' +
        '<ol><li>first</li></ol>\n<h3>Head</h3>',
    );
  });
  it('never passes raw HTML or script URLs through', () => {
    const html = markdownToHtml('<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>');
    expect(html).not.toMatch(/<script|<img|href="javascript/i);
    expect(markdownToHtml('[ok](https://example.org/a?b=1&c=2)')).toBe('<p><a href="https://example.org/a?b=1&amp;c=2">ok</a></p>');
  });
  it('leaves starred names alone', () => {
    expect(markdownToHtml('LSA*, GD-0* and GD-β*')).toBe('<p>LSA*, GD-0* and GD-β*</p>');
    expect(markdownToHtml('snake_case_name')).toBe('<p>snake_case_name</p>');
  });
});

describe('estimateTextWidth', () => {
  it('matches Helvetica metrics', () => {
    expect(estimateTextWidth('0123456789', 10)).toBeCloseTo(55.6, 6);
    expect(estimateTextWidth('iiii', 10)).toBeLessThan(estimateTextWidth('MMMM', 10));
    expect(estimateTextWidth('ab', 10, true)).toBeGreaterThan(estimateTextWidth('ab', 10));
  });
});
