/**
 * Headless-Chromium check of a written report: opens `index.html`, measures every inlined
 * figure, collects console errors, and optionally takes a full-page screenshot.
 *
 * `playwright-core` is loaded lazily (it is a development dependency), so importing the
 * report layer never requires it; only {@link checkReportInBrowser} does.
 *
 * @module
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Environment variable naming the Chromium executable to use. */
export const CHROMIUM_ENV = 'LINEAR_ICL_CHROMIUM';

/** Paths tried, in order, after `$LINEAR_ICL_CHROMIUM` (Debian's package installs `/usr/bin/chromium`). */
export const CHROMIUM_CANDIDATES: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
];

/** Command-line switches Chromium is launched with (headless, sandbox-less, quiet, no network chatter). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Path of a usable Chromium executable: `$LINEAR_ICL_CHROMIUM` if set (and executable),
 * else the first executable of {@link CHROMIUM_CANDIDATES}; `undefined` when none is found.
 */
export function findChromium(): string | undefined {
  const fromEnv = process.env[CHROMIUM_ENV];
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  return CHROMIUM_CANDIDATES.find(isExecutable);
}

/** Options of {@link checkReportInBrowser}. */
export interface BrowserCheckOptions {
  /** Chromium executable; default {@link findChromium}(). */
  chromiumPath?: string;
  /** Write a full-page PNG screenshot here. */
  screenshotPath?: string;
  /** Viewport width in CSS pixels; default 1100. */
  viewportWidth?: number;
  /** Give up after this many milliseconds (launch + load); default 30 000. */
  timeoutMs?: number;
}

/** What the browser saw of one `<figure>`. */
export interface FigureCheck {
  /** The `<figure>` element's id (`fig-<figure id>`). */
  id: string;
  /** Rendered size of the figure's `<svg>` in CSS pixels (0 when there is no svg). */
  width: number;
  height: number;
  /** Number of vega axis groups (`g.role-axis`). */
  axes: number;
  /** Number of vega mark groups (`g.role-mark`) containing at least one drawn element. */
  marks: number;
  /** Number of `<path>` elements with non-empty geometry inside those mark groups. */
  paths: number;
}

/** Result of {@link checkReportInBrowser}. */
export interface BrowserCheckResult {
  figures: FigureCheck[];
  /** Console messages of type `error` and uncaught page errors, in order of arrival. */
  consoleErrors: string[];
  /** The screenshot path when one was written. */
  screenshotPath?: string;
}

/**
 * Runs in the page (as a string: the project compiles without DOM typings). For each
 * `<figure>`: the svg's bounding box, its axis groups, and its mark groups with drawn content.
 */
const FIGURE_PROBE = `(() => {
  const drawn = (el) => {
    const tag = el.tagName.toLowerCase();
    if (tag === 'path') return (el.getAttribute('d') || '').trim().length > 0;
    return tag === 'line' || tag === 'rect' || tag === 'circle' || tag === 'text' || tag === 'image';
  };
  return Array.from(document.querySelectorAll('figure')).map((fig) => {
    const svg = fig.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : null;
    let marks = 0;
    let paths = 0;
    for (const g of svg ? svg.querySelectorAll('g.role-mark') : []) {
      const els = Array.from(g.querySelectorAll('*')).filter(drawn);
      if (els.length > 0) marks++;
      paths += els.filter((e) => e.tagName.toLowerCase() === 'path').length;
    }
    return {
      id: fig.id,
      width: box ? box.width : 0,
      height: box ? box.height : 0,
      axes: svg ? svg.querySelectorAll('g.role-axis').length : 0,
      marks,
      paths,
    };
  });
})()`;

/**
 * Opens `indexHtmlPath` (a report's `index.html`) in headless Chromium via playwright-core
 * and reports, for every `<figure>`, the size of its SVG, its axis count and its mark count,
 * plus any console errors. Throws with an actionable message when Chromium or
 * playwright-core is missing.
 */
export async function checkReportInBrowser(
  indexHtmlPath: string,
  options: BrowserCheckOptions = {},
): Promise<BrowserCheckResult> {
  const executablePath = options.chromiumPath ?? findChromium();
  if (!executablePath) {
    const env = process.env[CHROMIUM_ENV];
    throw new Error(
      env
        ? `Chromium not found: ${CHROMIUM_ENV}=${env} is not an executable file`
        : `Chromium not found (looked for ${CHROMIUM_CANDIDATES.join(', ')}). ` +
          `Install it with "apt-get install -y chromium" or set ${CHROMIUM_ENV}.`,
    );
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error(`checkReportInBrowser needs the playwright-core package (a devDependency): ${String(e)}`);
  }
  const timeout = options.timeoutMs ?? 30_000;
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], timeout });
  try {
    const page = await browser.newPage({ viewport: { width: options.viewportWidth ?? 1100, height: 900 } });
    page.setDefaultTimeout(timeout);
    const consoleErrors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
    await page.goto(pathToFileURL(resolve(indexHtmlPath)).href, { waitUntil: 'load' });
    const figures = (await page.evaluate(FIGURE_PROBE)) as FigureCheck[];
    const result: BrowserCheckResult = { figures, consoleErrors };
    if (options.screenshotPath) {
      await page.screenshot({ path: options.screenshotPath, fullPage: true });
      result.screenshotPath = options.screenshotPath;
    }
    return result;
  } finally {
    await browser.close();
  }
}
