/**
 * Renders a {@link LineFigure} to an SVG string in Node: vega-lite `compile` → vega `View`
 * (renderer `'none'`, no canvas needed) → `toSVG()`.
 *
 * @module
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { LineFigure } from './figure.js';
import { buildVegaLiteSpec } from './spec.js';
import { installTextMetrics } from './textmetrics.js';

/** A rendered figure. */
export interface RenderedFigure {
  id: string;
  /** Standalone SVG document (`<svg xmlns=…>…</svg>`), ids prefixed by the figure id so that several can be inlined in one page. */
  svg: string;
  /** The vega-lite spec the SVG was rendered from. */
  spec: TopLevelSpec;
  /** Data-filtering notes plus any vega-lite / vega warnings. */
  warnings: string[];
}

/** Minimal vega/vega-lite logger collecting warnings and errors instead of printing them. */
class CollectingLogger {
  private lvl = 2; // vega.Warn
  constructor(private readonly sink: string[], private readonly prefix: string) {}
  level(l?: number): number | this {
    if (l === undefined) return this.lvl;
    this.lvl = l;
    return this;
  }
  error(...args: unknown[]): this {
    this.sink.push(`${this.prefix}: error: ${args.map(String).join(' ')}`);
    return this;
  }
  warn(...args: unknown[]): this {
    if (this.lvl >= 2) this.sink.push(`${this.prefix}: ${args.map(String).join(' ')}`);
    return this;
  }
  info(): this {
    return this;
  }
  debug(): this {
    return this;
  }
}

/**
 * Renames every `id="…"` in an SVG (and its `url(#…)` / `href="#…"` references) to
 * `<prefix>-<kind><n>`, numbered 1, 2, … in order of appearance (`kind` is the id without its
 * trailing digits, e.g. `clip`). Several figures can then be inlined in one page without
 * clashing clip paths, and the output no longer depends on vega's global id counter.
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  const map = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
    const id = m[1]!;
    if (!map.has(id)) map.set(id, `${prefix}-${id.replace(/\d+$/, '')}${map.size + 1}`);
  }
  if (map.size === 0) return svg;
  const ren = (id: string) => map.get(id) ?? id;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_m, a: string, id: string) => `${a}${ren(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${ren(id)})`)
    .replace(/((?:xlink:)?href=")#([^"]+)"/g, (_m, a: string, id: string) => `${a}#${ren(id)}"`);
}

/**
 * Renders a compiled-ready vega-lite spec to an SVG string. Warnings from vega-lite and vega
 * are appended to `warnings` (prefixed with `label`).
 */
export async function renderVegaLiteToSvg(spec: TopLevelSpec, warnings: string[] = [], label = 'figure'): Promise<string> {
  installTextMetrics();
  const logger = new CollectingLogger(warnings, label);
  const compiled = compile(spec, { logger: logger as never });
  const view = new vega.View(vega.parse(compiled.spec), {
    renderer: 'none',
    logger: logger as never,
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Builds the vega-lite spec of `fig` and renders it to SVG. Never emits NaN coordinates:
 * non-drawable points are filtered and reported in `warnings`. Throws only for a
 * structurally invalid figure (bad id, duplicate legend labels).
 */
export async function renderFigureSvg(fig: LineFigure): Promise<RenderedFigure> {
  const { spec, warnings } = buildVegaLiteSpec(fig);
  const raw = await renderVegaLiteToSvg(spec, warnings, `figure ${fig.id}`);
  return { id: fig.id, svg: namespaceSvgIds(raw, `fig-${fig.id}`), spec, warnings };
}
