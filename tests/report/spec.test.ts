import { describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import { buildVegaLiteSpec, prepareFigure, validateFigure, type LineFigure } from '../../src/report/index.js';
import { convergenceRate, riskVsM, trainingCurves } from './fixtures.js';

type Layer = { name: string; mark: { type: string }; data: { values: Record<string, number | string>[] }; encoding: Record<string, any> };
const layersOf = (fig: LineFigure) => (buildVegaLiteSpec(fig).spec as unknown as { layer: Layer[] }).layer;

describe('buildVegaLiteSpec', () => {
  it('layers lines, slope line, rules, error bars and points as present', () => {
    expect(layersOf(riskVsM).map((l) => [l.name, l.mark.type])).toEqual([
      ['lines', 'line'],
      ['errorbars', 'errorbar'],
      ['points', 'point'],
    ]);
    expect(layersOf(trainingCurves).map((l) => l.name)).toEqual(['lines', 'hlines']);
    expect(layersOf(convergenceRate).map((l) => l.name)).toEqual(['lines', 'slope']);
  });

  it('uses log scales when asked, linear otherwise', () => {
    const [lines] = layersOf(riskVsM);
    expect(lines!.encoding['x'].scale.type).toBe('log');
    expect(lines!.encoding['y'].scale.type).toBe('log');
    const [t] = layersOf(trainingCurves);
    expect(t!.encoding['x'].scale.type).toBe('linear');
    expect(t!.encoding['x'].title).toBe('time t');
  });

  it('puts every series, reference line and slope line in one legend domain, in order', () => {
    const spec = buildVegaLiteSpec(trainingCurves).spec;
    const layers = (spec as unknown as { layer: Layer[] }).layer;
    for (const l of layers) {
      expect(l.encoding['color'].scale.domain).toEqual(['LTB', 'LSA', 'LTB* (optimum)', 'LSA* (optimum)']);
      expect(l.encoding['strokeDash'].scale.range).toEqual([[1, 0], [1, 0], [7, 4], [7, 4]]);
    }
    // The compiled vega spec has a single legend listing those names.
    const vg = compile(spec).spec as { legends?: unknown[]; scales?: { name: string; domain: unknown }[] };
    expect(vg.legends).toHaveLength(1);
    expect(vg.scales!.find((s) => s.name === 'color')!.domain).toEqual(['LTB', 'LSA', 'LTB* (optimum)', 'LSA* (optimum)']);
  });

  it('carries error bars as yLow / yHigh', () => {
    const bars = layersOf(riskVsM).find((l) => l.name === 'errorbars')!;
    expect(bars.data.values).toHaveLength(10);
    expect(bars.encoding['y'].field).toBe('yLow');
    expect(bars.encoding['y2'].field).toBe('yHigh');
    const v = bars.data.values[0]!;
    expect((v['yHigh'] as number) - (v['yLow'] as number)).toBeCloseTo(0.24, 12);
  });

  it('computes the slope line in plotted coordinates', () => {
    const lin = prepareFigure(convergenceRate).slopeRows;
    expect(lin).toEqual([
      { series: 'predicted slope −0.3', x: 4, y: Math.log(2) - 1.2 },
      { series: 'predicted slope −0.3', x: 20, y: Math.log(2) - 1.2 - 0.3 * 16 },
    ]);
    const logy = prepareFigure({
      id: 'p', title: 'p', x: { title: 't' }, y: { title: 'R', scale: 'log' }, series: [],
      slopeLine: { label: 's', x0: 0, y0: 2, slope: -0.5, x1: 4 },
    }).slopeRows;
    expect(logy[1]!.y).toBeCloseTo(2 * Math.exp(-2), 14);
    const loglog = prepareFigure({
      id: 'p', title: 'p', x: { title: 'M', scale: 'log' }, y: { title: 'R', scale: 'log' }, series: [],
      slopeLine: { label: 's', x0: 10, y0: 1, slope: -1, x1: 1000 },
    }).slopeRows;
    expect(loglog[1]!.y).toBeCloseTo(0.01, 14);
  });

  it('filters non-drawable data with warnings instead of throwing', () => {
    const fig: LineFigure = {
      id: 'bad-data', title: 'bad', x: { title: 'x', scale: 'log' }, y: { title: 'y', scale: 'log' },
      series: [{
        name: 's', mark: 'line+point',
        points: [{ x: 1, y: 1 }, { x: 2, y: 0 }, { x: 0, y: 1 }, { x: 3, y: NaN }, { x: 4, y: -1 }, { x: 5, y: 2, yLow: -1, yHigh: 3 }],
      }],
      hlines: [{ label: 'h', y: 0 }],
      slopeLine: { label: 'sl', x0: 1, y0: 1, slope: 1, x1: 0 },
    };
    const { spec, warnings } = buildVegaLiteSpec(fig);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/series "s": 4 of 6 point\(s\) not drawn/);
    expect(warnings[1]).toMatch(/1 error bar\(s\) not drawn/);
    expect(warnings[2]).toMatch(/horizontal line "h"/);
    expect(warnings[3]).toMatch(/slope line "sl"/);
    const json = JSON.stringify(spec);
    expect(json).not.toMatch(/NaN|Infinity/);
    const lines = (spec as unknown as { layer: Layer[] }).layer.find((l) => l.name === 'lines')!;
    expect(lines.data.values.map((r) => r['x'])).toEqual([1, 5]);
  });

  it('rejects structurally invalid figures', () => {
    const base: LineFigure = { id: 'ok', title: 't', x: { title: 'x' }, y: { title: 'y' }, series: [] };
    expect(() => validateFigure({ ...base, id: '../evil' })).toThrow(/not file-safe/);
    expect(() => validateFigure({ ...base, id: 'a b' })).toThrow(/not file-safe/);
    expect(() =>
      validateFigure({ ...base, series: [{ name: 'a', points: [] }], hlines: [{ label: 'a', y: 1 }] }),
    ).toThrow(/duplicate legend label "a"/);
    expect(() => buildVegaLiteSpec({ ...base, y: { title: 'y', scale: 'log', domain: [0, 1] } })).toThrow(/invalid domain/);
  });
});
