/**
 * Report-rendering layer of linear-icl: typed figures and tables in, `report.md`,
 * a self-contained `index.html` and SVG figures out. Knows nothing about the mathematics.
 *
 * - Figures: {@link LineFigure} → vega-lite spec ({@link buildVegaLiteSpec}) → SVG ({@link renderFigureSvg}).
 * - Reports: {@link writeReport} writes every file and returns their paths.
 * - Checking: {@link checkReportInBrowser} opens the HTML in headless Chromium and measures the figures.
 *
 * @module
 */
export type {
  Axis,
  ScaleKind,
  SeriesPoint,
  SeriesMark,
  Series,
  HLine,
  SlopeLine,
  LineFigure,
  LegendEntry,
  FigureRow,
  ErrorBarRow,
  PreparedFigure,
} from './figure.js';
export {
  DEFAULT_FIGURE_WIDTH,
  DEFAULT_FIGURE_HEIGHT,
  FIGURE_PALETTE,
  isValidFigureId,
  validateFigure,
  prepareFigure,
} from './figure.js';
export type { BuiltSpec } from './spec.js';
export { buildVegaLiteSpec, FIGURE_FONT, DASH_PATTERN } from './spec.js';
export type { RenderedFigure } from './render.js';
export { renderFigureSvg, renderVegaLiteToSvg, namespaceSvgIds } from './render.js';
export { estimateTextWidth, installTextMetrics } from './textmetrics.js';
export { formatNumber, formatCell, escapeHtml, escapeMarkdownText } from './format.js';
export type { Align, Table } from './markdown.js';
export { markdownTable, markdownToHtml, validateTable, columnAlignment } from './markdown.js';
export type { CellStatus, HtmlFigure } from './html.js';
export { htmlTable, reportHtml, isStatusColumn, cellStatus, REPORT_CSS } from './html.js';
export type { Section, Report, WrittenFigure, WrittenReport } from './report.js';
export { writeReport, reportMarkdown, reportFigures, FIGURES_DIR } from './report.js';
export { makeDirectory } from './directory.js';
export type { BrowserCheckOptions, FigureCheck, BrowserCheckResult } from './browser.js';
export {
  checkReportInBrowser,
  findChromium,
  CHROMIUM_ENV,
  CHROMIUM_CANDIDATES,
  CHROMIUM_ARGS,
} from './browser.js';
