/**
 * Figure model of the report layer: a typed, mathematics-agnostic description
 * of a 2-D line/point chart, plus the validation and data preparation
 * (filtering of points a scale cannot show) shared by the spec builder.
 *
 * @module
 */

/** Scale type of a figure axis. `'log'` is a base-10 logarithmic axis. */
export type ScaleKind = 'linear' | 'log';

/** One axis of a {@link LineFigure}. */
export interface Axis {
  /** Axis title, e.g. `"M (context length)"`. */
  title: string;
  /** Scale type; default `'linear'`. On a log axis non-positive values are filtered out with a warning. */
  scale?: ScaleKind;
  /** Fixed `[min, max]` domain; default: fitted to the data (and "niced"). Both ends must be positive on a log axis. */
  domain?: readonly [number, number];
  /** d3-format specifier for the tick labels, e.g. `".2e"` or `"~g"`; default: vega's choice. */
  format?: string;
  /** Linear axes only: force the domain to include zero; default `false`. */
  zero?: boolean;
}

/** One data point of a {@link Series}. */
export interface SeriesPoint {
  /** Abscissa (must be > 0 on a log x axis). */
  x: number;
  /** Ordinate (must be > 0 on a log y axis). */
  y: number;
  /** Lower end of an error bar at this point (e.g. estimate − 2·stderr). */
  yLow?: number;
  /** Upper end of an error bar at this point (e.g. estimate + 2·stderr). */
  yHigh?: number;
}

/** How a series is drawn: a polyline, isolated dots, or both. */
export type SeriesMark = 'line' | 'point' | 'line+point';

/** A named data series; its name is its legend entry. */
export interface Series {
  /** Legend label; must be unique within the figure (among series, horizontal lines and the slope line). */
  name: string;
  /** Points, drawn in the given order for lines. */
  points: readonly SeriesPoint[];
  /** Default `'line'`. Error bars are drawn for any point with `yLow`/`yHigh`, whatever the mark. */
  mark?: SeriesMark;
  /** Draw the line dashed (e.g. a bound); default solid. */
  dash?: boolean;
  /** CSS colour; default: next colour of the built-in palette. */
  color?: string;
}

/** A horizontal reference line spanning the whole plot, e.g. an optimal risk level. */
export interface HLine {
  /** Legend label; unique within the figure. */
  label: string;
  /** Height of the line. */
  y: number;
  /** Dashed; default `true` (reference lines are dashed unless told otherwise). */
  dash?: boolean;
  /** CSS colour; default: next palette colour. */
  color?: string;
}

/**
 * A straight reference line *in the plotted coordinates*, from `x0` to `x1`, through
 * `(x0, y0)` with the given slope. Slopes are measured in natural-log units on log axes:
 * - linear x, linear y: `y = y0 + slope·(x − x0)`;
 * - linear x, log y:    `ln y = ln y0 + slope·(x − x0)` (exponential rate);
 * - log x, log y:       `y = y0·(x/x0)^slope` (power law);
 * - log x, linear y:    `y = y0 + slope·ln(x/x0)`.
 */
export interface SlopeLine {
  /** Legend label; unique within the figure. */
  label: string;
  /** Anchor abscissa (start of the segment). */
  x0: number;
  /** Value of the line at `x0`. */
  y0: number;
  /** Slope in plotted coordinates (natural-log units on log axes, see above). */
  slope: number;
  /** Other end of the segment (may be smaller than `x0`). */
  x1: number;
  /** Dashed; default `true`. */
  dash?: boolean;
  /** CSS colour; default: next palette colour. */
  color?: string;
}

/** A line/point chart with optional error bars, horizontal reference lines and a slope reference line. */
export interface LineFigure {
  /** File-safe identifier (`[A-Za-z0-9][A-Za-z0-9._-]*`), unique within a report; names `figures/<id>.svg`. */
  id: string;
  /** Title drawn above the plot. */
  title: string;
  /** Caption shown under the figure in the report (not drawn inside the SVG). */
  caption?: string;
  /** Horizontal axis. */
  x: Axis;
  /** Vertical axis. */
  y: Axis;
  /** Data series, in legend order (then horizontal lines, then the slope line). */
  series: readonly Series[];
  /** Horizontal reference lines (dashed by default). */
  hlines?: readonly HLine[];
  /** A straight reference line, e.g. a predicted convergence rate (dashed by default). */
  slopeLine?: SlopeLine;
  /** Plot-area width in pixels; default 560. */
  width?: number;
  /** Plot-area height in pixels; default 340. */
  height?: number;
}

/** Default plot-area width in pixels. */
export const DEFAULT_FIGURE_WIDTH = 560;
/** Default plot-area height in pixels. */
export const DEFAULT_FIGURE_HEIGHT = 340;

/** Colour palette (vega "tableau10") assigned in legend order to entries without an explicit colour. */
export const FIGURE_PALETTE: readonly string[] = [
  '#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b',
  '#b279a2', '#eeca3b', '#ff9da6', '#9d755d', '#bab0ac',
];

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** True when `id` is usable as a figure id (file-safe, no path separators, not starting with a dot or dash). */
export function isValidFigureId(id: string): boolean {
  return ID_RE.test(id) && id.length <= 128;
}

/**
 * Throws a descriptive `Error` when the figure is structurally invalid (bad id, duplicate
 * legend labels, bad size). Bad *data* values never throw: they are filtered with warnings.
 */
export function validateFigure(fig: LineFigure): void {
  if (!isValidFigureId(fig.id)) {
    throw new Error(`figure id ${JSON.stringify(fig.id)} is not file-safe: use [A-Za-z0-9][A-Za-z0-9._-]* (≤ 128 chars)`);
  }
  const seen = new Set<string>();
  const labels = [
    ...fig.series.map((s) => s.name),
    ...(fig.hlines ?? []).map((h) => h.label),
    ...(fig.slopeLine ? [fig.slopeLine.label] : []),
  ];
  for (const label of labels) {
    if (typeof label !== 'string' || label.length === 0) {
      throw new Error(`figure ${fig.id}: every series / line needs a non-empty name`);
    }
    if (seen.has(label)) throw new Error(`figure ${fig.id}: duplicate legend label ${JSON.stringify(label)}`);
    seen.add(label);
  }
  for (const [k, v] of [['width', fig.width], ['height', fig.height]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 50 && v <= 4000)) {
      throw new Error(`figure ${fig.id}: ${k} must be a number in [50, 4000], got ${v}`);
    }
  }
}

/** One legend entry of a prepared figure. */
export interface LegendEntry {
  label: string;
  color: string;
  dash: boolean;
  /** Legend symbol: a short stroke for lines and rules, a dot for points, both for `'line+point'`. */
  symbol: 'stroke' | 'point' | 'line+point';
}

/** A data row of a prepared figure (the shape of the inline data in the vega-lite spec). */
export interface FigureRow {
  series: string;
  x: number;
  y: number;
}

/** An error-bar row of a prepared figure. */
export interface ErrorBarRow {
  series: string;
  x: number;
  yLow: number;
  yHigh: number;
}

/** Result of {@link prepareFigure}: the drawable data split by layer, and what was dropped. */
export interface PreparedFigure {
  legend: LegendEntry[];
  lineRows: FigureRow[];
  pointRows: FigureRow[];
  errorRows: ErrorBarRow[];
  ruleRows: { series: string; y: number }[];
  slopeRows: FigureRow[];
  /** Human-readable notes about data that could not be drawn, each prefixed by `figure <id>:`. */
  warnings: string[];
}

/**
 * Validates the figure and splits its data into drawable rows, dropping (with a warning)
 * non-finite coordinates and non-positive values on log axes, so that no NaN or −∞ reaches
 * the renderer. Error bars whose ends cannot be shown are dropped (the point stays).
 */
export function prepareFigure(fig: LineFigure): PreparedFigure {
  validateFigure(fig);
  const warnings: string[] = [];
  const warn = (msg: string) => warnings.push(`figure ${fig.id}: ${msg}`);
  const xLog = fig.x.scale === 'log';
  const yLog = fig.y.scale === 'log';
  const okX = (v: number) => Number.isFinite(v) && (!xLog || v > 0);
  const okY = (v: number) => Number.isFinite(v) && (!yLog || v > 0);

  for (const [axis, log] of [[fig.x, xLog], [fig.y, yLog]] as const) {
    if (axis.domain) {
      const [a, b] = axis.domain;
      if (!(Number.isFinite(a) && Number.isFinite(b) && a < b && (!log || a > 0))) {
        throw new Error(`figure ${fig.id}: axis "${axis.title}" has an invalid domain [${a}, ${b}]`);
      }
    }
  }

  const legend: LegendEntry[] = [];
  let paletteIndex = 0;
  const nextColor = (explicit: string | undefined) => {
    const c = explicit ?? FIGURE_PALETTE[paletteIndex % FIGURE_PALETTE.length]!;
    paletteIndex++;
    return c;
  };

  const lineRows: FigureRow[] = [];
  const pointRows: FigureRow[] = [];
  const errorRows: ErrorBarRow[] = [];
  for (const s of fig.series) {
    const mark = s.mark ?? 'line';
    legend.push({ label: s.name, color: nextColor(s.color), dash: s.dash === true, symbol: mark === 'line' ? 'stroke' : mark });
    let dropped = 0;
    let droppedBars = 0;
    const examples: string[] = [];
    for (const p of s.points) {
      if (!okX(p.x) || !okY(p.y)) {
        dropped++;
        if (examples.length < 3) examples.push(`(${String(p.x)}, ${String(p.y)})`);
        continue;
      }
      const row = { series: s.name, x: p.x, y: p.y };
      if (mark !== 'point') lineRows.push(row);
      if (mark !== 'line') pointRows.push(row);
      if (p.yLow !== undefined || p.yHigh !== undefined) {
        const lo = Math.min(p.yLow ?? p.y, p.yHigh ?? p.y);
        const hi = Math.max(p.yLow ?? p.y, p.yHigh ?? p.y);
        if (okY(lo) && okY(hi)) errorRows.push({ series: s.name, x: p.x, yLow: lo, yHigh: hi });
        else droppedBars++;
      }
    }
    const scaleNote = xLog || yLog ? ' (non-finite, or ≤ 0 on a log axis)' : ' (non-finite)';
    if (dropped > 0) {
      warn(`series "${s.name}": ${dropped} of ${s.points.length} point(s) not drawn${scaleNote}, e.g. ${examples.join(', ')}`);
    }
    if (droppedBars > 0) {
      warn(`series "${s.name}": ${droppedBars} error bar(s) not drawn${scaleNote}`);
    }
    if (s.points.length === 0) warn(`series "${s.name}" has no points`);
  }

  const ruleRows: { series: string; y: number }[] = [];
  for (const h of fig.hlines ?? []) {
    legend.push({ label: h.label, color: nextColor(h.color), dash: h.dash !== false, symbol: 'stroke' });
    if (okY(h.y)) ruleRows.push({ series: h.label, y: h.y });
    else warn(`horizontal line "${h.label}" at y = ${String(h.y)} not drawn${yLog ? ' (non-finite or ≤ 0 on a log axis)' : ' (non-finite)'}`);
  }

  const slopeRows: FigureRow[] = [];
  const sl = fig.slopeLine;
  if (sl) {
    legend.push({ label: sl.label, color: nextColor(sl.color), dash: sl.dash !== false, symbol: 'stroke' });
    const u = (x: number) => (xLog ? Math.log(x) : x);
    const v = (y: number) => (yLog ? Math.log(y) : y);
    const vInv = (w: number) => (yLog ? Math.exp(w) : w);
    const ends = [sl.x0, sl.x1].map((x) => ({ x, y: vInv(v(sl.y0) + sl.slope * (u(x) - u(sl.x0))) }));
    if (okX(sl.x0) && okX(sl.x1) && okY(sl.y0) && Number.isFinite(sl.slope) && ends.every((e) => okY(e.y))) {
      for (const e of ends) slopeRows.push({ series: sl.label, x: e.x, y: e.y });
    } else {
      warn(`slope line "${sl.label}" not drawn (non-finite end points, or ≤ 0 on a log axis)`);
    }
  }

  if (lineRows.length + pointRows.length + errorRows.length + ruleRows.length + slopeRows.length === 0) {
    warn('nothing drawable: the figure has no valid data (axes only)');
  }
  return { legend, lineRows, pointRows, errorRows, ruleRows, slopeRows, warnings };
}
