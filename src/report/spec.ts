/**
 * Builds a layered vega-lite specification from a {@link LineFigure}.
 *
 * @module
 */
import type { TopLevelSpec } from 'vega-lite';
import {
  DEFAULT_FIGURE_HEIGHT,
  DEFAULT_FIGURE_WIDTH,
  prepareFigure,
  type Axis,
  type LineFigure,
} from './figure.js';

/** Font stack used in figures; its metrics match the built-in width table of `textmetrics.ts` (Helvetica/Arial/Liberation Sans). */
export const FIGURE_FONT = 'Helvetica, Arial, "Liberation Sans", sans-serif';

/** Dash pattern used for dashed lines (pixels on, pixels off). */
export const DASH_PATTERN: readonly number[] = [7, 4];
const SOLID: number[] = [1, 0];

/** Result of {@link buildVegaLiteSpec}. */
export interface BuiltSpec {
  /** Self-contained vega-lite spec (inline data, config included): can be pasted into the vega editor. */
  spec: TopLevelSpec;
  /** Notes about data that could not be drawn (see {@link prepareFigure}). */
  warnings: string[];
}

type Json = Record<string, unknown>;

/**
 * Tick labels of a log axis: vega's own selection of which ticks get a label (empty
 * `datum.label` for crowded minor ticks), written plainly for moderate magnitudes and in
 * exponent notation (`2e-5`) otherwise.
 */
const LOG_LABEL_EXPR =
  "datum.label === '' ? '' : datum.value > 0 && (datum.value < 1e-3 || datum.value >= 1e5) ? format(datum.value, '~e') : format(datum.value, '~g')";

function axisEncoding(axis: Axis, field: string, extent: [number, number] | undefined, pad: boolean): Json {
  const log = axis.scale === 'log';
  const scale: Json = { type: log ? 'log' : 'linear' };
  const ax: Json = { title: axis.title };
  if (axis.domain) {
    scale['domain'] = [axis.domain[0], axis.domain[1]];
    scale['nice'] = false;
  } else if (log) {
    // Hug the data (a "nice" log domain jumps to whole decades and can waste most of the plot).
    scale['nice'] = false;
    scale['padding'] = 8;
  } else {
    scale['nice'] = true;
    if (pad && axis.zero !== true && extent) {
      // Keep data and reference lines off the frame (e.g. an optimal level equal to the data
      // minimum): pad the extent by 4 % each side, then let vega round it to nice ticks.
      const span = extent[1] - extent[0];
      const m = span > 0 ? 0.04 * span : (extent[0] === 0 ? 1 : Math.abs(extent[0]) * 0.05);
      scale['domain'] = [extent[0] - m, extent[1] + m];
    }
  }
  if (!log) scale['zero'] = axis.zero === true;
  if (axis.format !== undefined) {
    ax['format'] = axis.format;
  } else if (log) {
    ax['format'] = '~g';
    ax['labelExpr'] = LOG_LABEL_EXPR;
  } else if (extent) {
    const big = Math.max(Math.abs(extent[0]), Math.abs(extent[1]));
    if (big > 0 && (big < 1e-3 || big >= 1e6)) ax['format'] = '~e';
  }
  return { field, type: 'quantitative', title: axis.title, scale, axis: ax };
}

function extentOf(values: number[]): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** Legend symbols as vega custom paths (unit square, scaled by √size / 2). */
const LEGEND_SYMBOL = {
  stroke: 'M-1,0L1,0',
  point: 'M-0.36,0A0.36,0.36 0 1,1 0.36,0A0.36,0.36 0 1,1 -0.36,0Z',
  'line+point': 'M-1,0L1,0M-0.36,0A0.36,0.36 0 1,1 0.36,0A0.36,0.36 0 1,1 -0.36,0Z',
} as const;

/** A vega expression looking `datum.value` up in a constant string table (labels and values JSON-quoted). */
function lookupExpr(table: Map<string, string>, fallback: string): string {
  const obj = JSON.stringify(Object.fromEntries(table));
  return `(${obj})[datum.value] || ${JSON.stringify(fallback)}`;
}

/**
 * Builds the vega-lite spec: one layer per kind of mark present (lines, points, error bars,
 * horizontal rules, slope line), all sharing one colour/dash legend keyed by series name,
 * log scales where asked, non-drawable points filtered out (reported in `warnings`).
 * Throws only on structurally invalid figures (see {@link validateFigure}).
 */
export function buildVegaLiteSpec(fig: LineFigure): BuiltSpec {
  const prep = prepareFigure(fig);
  const domain = prep.legend.map((e) => e.label);
  const legend: Json = {
    title: null,
    orient: 'right',
    // No truncation: vega's renderer may truncate with a cruder width estimate than the layout's.
    labelLimit: 0,
    symbolSize: 400,
    symbolStrokeWidth: 2.5,
    rowPadding: 6,
    encode: {
      symbols: {
        update: {
          shape: { signal: lookupExpr(new Map(prep.legend.map((e) => [e.label, LEGEND_SYMBOL[e.symbol]])), LEGEND_SYMBOL.stroke) },
          fill: {
            signal: lookupExpr(new Map(prep.legend.map((e) => [e.label, e.symbol === 'stroke' ? 'transparent' : e.color])), 'transparent'),
          },
          opacity: { value: 1 },
        },
      },
    },
  };
  const color: Json = {
    field: 'series', type: 'nominal', title: 'series',
    scale: { domain, range: prep.legend.map((e) => e.color) }, legend,
  };
  const strokeDash: Json = {
    field: 'series', type: 'nominal', title: 'series',
    scale: { domain, range: prep.legend.map((e) => (e.dash ? [...DASH_PATTERN] : SOLID)) }, legend,
  };
  const xExtent = extentOf([
    ...prep.lineRows.map((r) => r.x), ...prep.pointRows.map((r) => r.x),
    ...prep.errorRows.map((r) => r.x), ...prep.slopeRows.map((r) => r.x),
  ]);
  const yExtent = extentOf([
    ...prep.lineRows.map((r) => r.y), ...prep.pointRows.map((r) => r.y),
    ...prep.errorRows.flatMap((r) => [r.yLow, r.yHigh]), ...prep.slopeRows.map((r) => r.y),
    ...prep.ruleRows.map((r) => r.y),
  ]);
  const x = axisEncoding(fig.x, 'x', xExtent, false);
  const y = axisEncoding(fig.y, 'y', yExtent, true);

  const layers: Json[] = [];
  // Lines first, so that points, bars and rules are drawn on top of them.
  if (prep.lineRows.length > 0 || (prep.pointRows.length === 0 && prep.errorRows.length === 0
    && prep.ruleRows.length === 0 && prep.slopeRows.length === 0)) {
    layers.push({
      name: 'lines',
      // `order` keeps each series in the caller's point order (vega-lite would sort by x).
      data: { values: prep.lineRows.map((r, order) => ({ ...r, order })) },
      mark: { type: 'line', strokeWidth: 2, clip: true },
      encoding: { x, y, color, strokeDash, order: { field: 'order', type: 'quantitative' } },
    });
  }
  if (prep.slopeRows.length > 0) {
    layers.push({
      name: 'slope',
      data: { values: prep.slopeRows },
      mark: { type: 'line', strokeWidth: 1.75, clip: true },
      encoding: { x, y, color, strokeDash },
    });
  }
  if (prep.ruleRows.length > 0) {
    layers.push({
      name: 'hlines',
      data: { values: prep.ruleRows },
      mark: { type: 'rule', strokeWidth: 1.75, clip: true },
      encoding: { y, color, strokeDash },
    });
  }
  if (prep.errorRows.length > 0) {
    layers.push({
      name: 'errorbars',
      data: { values: prep.errorRows },
      mark: { type: 'errorbar', ticks: true, thickness: 1.5, clip: true },
      encoding: {
        x,
        y: { ...y, field: 'yLow' },
        y2: { field: 'yHigh' },
        color,
      },
    });
  }
  if (prep.pointRows.length > 0) {
    layers.push({
      name: 'points',
      data: { values: prep.pointRows },
      mark: { type: 'point', filled: true, size: 45, opacity: 1, clip: true },
      encoding: { x, y, color },
    });
  }

  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: fig.caption ?? fig.title,
    title: { text: fig.title, anchor: 'start', fontSize: 14, offset: 10 },
    width: fig.width ?? DEFAULT_FIGURE_WIDTH,
    height: fig.height ?? DEFAULT_FIGURE_HEIGHT,
    background: 'white',
    padding: 10,
    layer: layers,
    config: {
      font: FIGURE_FONT,
      view: { stroke: '#888' },
      axis: {
        labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', titlePadding: 8,
        gridColor: '#e6e6e6', domainColor: '#888', tickColor: '#888', labelColor: '#333', titleColor: '#222',
        labelOverlap: 'greedy', labelSeparation: 4, labelFlush: true,
      },
      legend: { labelFontSize: 12, labelColor: '#222' },
      title: { color: '#111', fontWeight: 'bold' },
    },
  };
  return { spec: spec as unknown as TopLevelSpec, warnings: prep.warnings };
}
