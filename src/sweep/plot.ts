/**
 * A figure of sweep results: one result field (or coordinate) against another, one series per value
 * of a third, as a {@link LineFigure} for src/report's vega-lite → SVG pipeline.
 */
import { InputError } from '../errors.js';
import type { LineFigure, Series } from '../report/index.js';
import type { GridValue } from './grid.js';
import type { ResultLine } from './results.js';

/** Options of {@link sweepFigure}. */
export interface SweepFigureOptions {
  /** Horizontal quantity: a coordinate (`M`) or a result field (`risk`, dotted for nested: `checks.0.measured.gap`). */
  readonly x: string;
  /** Vertical quantity, same forms as `x`. */
  readonly y: string;
  /** One series per value of this coordinate or result field. @defaultValue undefined (one series) */
  readonly color?: string;
  /** Keep only points whose coordinates have these values (as written in the grid). @defaultValue {} */
  readonly where?: Readonly<Record<string, GridValue>>;
  /** Log-scale x axis. @defaultValue false */
  readonly logX?: boolean;
  /** Log-scale y axis. @defaultValue false */
  readonly logY?: boolean;
  /** Figure title. @defaultValue "<y> against <x>" */
  readonly title?: string;
}

/** The value of `name` at a line: a coordinate, else a (dotted) result field, else a line field (seed, index). */
export function lineValue(line: ResultLine, name: string): unknown {
  if (Object.hasOwn(line.coords, name)) return line.coords[name];
  if (line.status === 'ok') {
    let v: unknown = line.result;
    for (const part of name.split('.')) {
      if (typeof v !== 'object' || v === null || !Object.hasOwn(v, part)) {
        v = undefined;
        break;
      }
      v = (v as Record<string, unknown>)[part];
    }
    if (v !== undefined) return v;
  }
  if (name === 'seed' || name === 'index') return line[name];
  return undefined;
}

/**
 * Builds the figure. Error lines are left out (their count is in the caption). Throws an
 * {@link InputError} naming `x`/`y`/`color` when no line has that quantity (listing those that
 * exist), and `color` when several points share an (x, series) pair — the other varying coordinates
 * are named, to be fixed with `where` or chosen as `color`.
 */
export function sweepFigure(lines: readonly ResultLine[], options: SweepFigureOptions): LineFigure {
  const { x, y, color, where = {}, logX = false, logY = false } = options;
  const kept = lines.filter((l) => Object.entries(where).every(([k, v]) => l.coords[k] === v));
  const ok = kept.filter((l) => l.status === 'ok');
  const errored = kept.length - ok.length;
  for (const [field, name] of [['x', x], ['y', y], ['color', color]] as const) {
    if (name === undefined) continue;
    if (!ok.some((l) => lineValue(l, name) !== undefined)) {
      const known = new Set<string>();
      for (const l of ok.slice(0, 50)) {
        Object.keys(l.coords).forEach((k) => known.add(k));
        if (l.status === 'ok') Object.keys(l.result).forEach((k) => known.add(k));
      }
      throw new InputError(field, `'${name}' is neither a coordinate nor a result field of ${ok.length === 0 ? 'any line (no successful points)' : 'these results'}${known.size ? ` (there are: ${[...known].join(', ')})` : ''}`);
    }
  }
  const groups = new Map<string, { x: number; y: number; line: ResultLine }[]>();
  let skipped = 0;
  for (const l of ok) {
    const xv = lineValue(l, x);
    const yv = lineValue(l, y);
    if (typeof xv !== 'number' || typeof yv !== 'number' || !Number.isFinite(xv) || !Number.isFinite(yv)) {
      skipped++;
      continue;
    }
    const g = color === undefined ? y : `${color} = ${String(lineValue(l, color))}`;
    let pts = groups.get(g);
    if (pts === undefined) groups.set(g, (pts = []));
    pts.push({ x: xv, y: yv, line: l });
  }
  if (groups.size === 0) throw new InputError('y', `no point has numeric, finite ${x} and ${y}`);
  const series: Series[] = [];
  for (const [name, pts] of groups) {
    pts.sort((a, b) => a.x - b.x);
    for (let k = 1; k < pts.length; k++) {
      if (pts[k]!.x !== pts[k - 1]!.x) continue;
      const a = pts[k - 1]!.line.coords;
      const b = pts[k]!.line.coords;
      const differ = Object.keys(a).filter((c) => c !== x && c !== color && a[c] !== b[c]);
      throw new InputError('color', `points ${pts[k - 1]!.line.index} and ${pts[k]!.line.index} share ${x} = ${pts[k]!.x} in series '${name}'; they differ in ${differ.join(', ') || 'nothing but their results'}: pick one of those as color, or fix it with where`);
    }
    series.push({ name, points: pts.map(({ x: px, y: py }) => ({ x: px, y: py })), mark: 'line+point' });
  }
  const notes = [`${ok.length} points`];
  if (errored > 0) notes.push(`${errored} points with an error left out`);
  if (skipped > 0) notes.push(`${skipped} points without a finite ${x} or ${y} left out`);
  return {
    id: 'sweep',
    title: options.title ?? `${y} against ${x}`,
    caption: `${notes.join('; ')}.`,
    x: { title: x, ...(logX ? { scale: 'log' as const } : {}) },
    y: { title: y, ...(logY ? { scale: 'log' as const } : {}) },
    series,
  };
}
