import { describe, expect, it } from 'vitest';
import { installTextMetrics, namespaceSvgIds, renderFigureSvg, type LineFigure } from '../../src/report/index.js';
import { riskVsM } from './fixtures.js';

/** Inner markup of every `<g class="mark-<type> role-mark …">` group (vega emits one per series for lines). */
function markGroups(svg: string, type: string): string[] {
  const re = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g');
  return Array.from(svg.matchAll(re), (m) => m[1]!);
}

const threeSeries: LineFigure = {
  id: 'three',
  title: 'Three series',
  x: { title: 'x' },
  y: { title: 'y' },
  series: ['a', 'b', 'c'].map((name, k) => ({ name, points: [0, 1, 2, 3].map((x) => ({ x, y: x * (k + 1) })) })),
};

describe('renderFigureSvg', () => {
  it('renders a valid SVG with axes, a legend and one line path per series', async () => {
    const r = await renderFigureSvg(threeSeries);
    expect(r.warnings).toEqual([]);
    expect(r.svg.startsWith('<svg')).toBe(true);
    expect(r.svg.endsWith('</svg>')).toBe(true);
    expect(r.svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(r.svg)!;
    expect(Number(w)).toBeGreaterThan(560);
    expect(Number(h)).toBeGreaterThan(340);
    expect(r.svg.match(/class="mark-group role-axis"/g)!.length).toBeGreaterThanOrEqual(2);
    const lines = markGroups(r.svg, 'line');
    const paths = lines.flatMap((g) => g.match(/<path [^>]*d="M[^"]+"/g) ?? []);
    expect(paths).toHaveLength(3);
    expect(r.svg).toContain('role-legend');
    for (const name of ['a', 'b', 'c']) expect(r.svg).toMatch(new RegExp(`>${name}</text>`));
    expect(r.svg).toContain('>Three series</text>');
    expect(r.svg).not.toMatch(/NaN|Infinity/);
  });

  it('filters a zero on a log axis and reports it', async () => {
    const fig: LineFigure = {
      id: 'log-zero',
      title: 'log with zero',
      x: { title: 'M', scale: 'log' },
      y: { title: 'error', scale: 'log' },
      series: [{ name: 'err', mark: 'line+point', points: [{ x: 1, y: 1e-3 }, { x: 2, y: 0 }, { x: 4, y: 1e-5 }, { x: 8, y: 1e-7 }] }],
    };
    const r = await renderFigureSvg(fig);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^figure log-zero: series "err": 1 of 4 point\(s\) not drawn .*\(2, 0\)/);
    expect(r.svg).not.toMatch(/NaN|Infinity/);
    // 3 remaining points drawn as symbols, one line through them.
    const symbols = markGroups(r.svg, 'symbol').join('').match(/<path /g) ?? [];
    expect(symbols).toHaveLength(3);
    expect(markGroups(r.svg, 'line')).toHaveLength(1);
    // Exponent tick labels on the wide log axis.
    expect(r.svg).toMatch(/>1e-5<\/text>/);
  });

  it('renders the dashed bounds and error bars of the risk figure', async () => {
    const r = await renderFigureSvg(riskVsM);
    expect(r.warnings).toEqual([]);
    expect(r.svg).toContain('stroke-dasharray="7,4"');
    expect(markGroups(r.svg, 'rule').join('').match(/<line /g)!.length).toBeGreaterThanOrEqual(10);
    expect(r.svg).toContain('>Monte Carlo GD-β* (± 2 s.e.)</text>');
  });

  it('escapes hostile series names and namespaces ids', async () => {
    const fig: LineFigure = {
      ...threeSeries,
      id: 'hostile',
      title: 'T </svg><script>alert(1)</script>',
      series: [{ name: '<script>alert("x")</script>', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }],
    };
    const r = await renderFigureSvg(fig);
    expect(r.svg).not.toMatch(/<script/i);
    expect(r.svg).toContain('&lt;script&gt;');
    expect(r.svg.match(/<\/svg>/g)).toHaveLength(1);
    const ids = Array.from(r.svg.matchAll(/\sid="([^"]+)"/g), (m) => m[1]!);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id.startsWith('fig-hostile-')).toBe(true);
  });

  it('lays text out with Helvetica metrics and never truncates legend labels', async () => {
    expect(installTextMetrics()).toBe(true);
    const label = 'a rather long legend label for a series, longer than the default limit of vega';
    const r = await renderFigureSvg({ ...threeSeries, id: 'long', series: [{ name: label, points: [{ x: 0, y: 1 }, { x: 1, y: 2 }] }] });
    expect(r.svg).toContain(`>${label}</text>`);
    expect(r.svg).not.toContain('…');
    // 560 plot + axis + legend: the legend is sized by real metrics (~400 px), not 0.8 em per char (~700 px).
    const width = Number(/width="(\d+)"/.exec(r.svg)![1]);
    expect(width).toBeGreaterThan(560 + 300);
    expect(width).toBeLessThan(560 + 560);
  });

  it('is deterministic', async () => {
    const a = await renderFigureSvg(threeSeries);
    const b = await renderFigureSvg(threeSeries);
    expect(a.svg).toBe(b.svg);
  });
});

describe('namespaceSvgIds', () => {
  it('rewrites ids and their references only', () => {
    const svg = '<svg><clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"><use href="#clip1"/><use href="#other"/></g></svg>';
    expect(namespaceSvgIds(svg, 'p')).toBe(
      '<svg><clipPath id="p-clip1"><rect/></clipPath><g clip-path="url(#p-clip1)"><use href="#p-clip1"/><use href="#other"/></g></svg>',
    );
    const two = '<svg><clipPath id="clip7"/><clipPath id="gradient3"/><g clip-path="url(#gradient3)"/></svg>';
    expect(namespaceSvgIds(two, 'q')).toBe('<svg><clipPath id="q-clip1"/><clipPath id="q-gradient2"/><g clip-path="url(#q-gradient2)"/></svg>');
  });
});
