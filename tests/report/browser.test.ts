/**
 * Opens a written report in real headless Chromium and checks that every figure rendered.
 * Needs /usr/bin/chromium (Debian: `apt-get install -y chromium`) or $LINEAR_ICL_CHROMIUM.
 * Without it the test FAILS, unless LINEAR_ICL_SKIP_BROWSER=1 is set.
 * Set LINEAR_ICL_REPORT_SCREENSHOT=/path/to.png to keep a full-page screenshot.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_CANDIDATES,
  CHROMIUM_ENV,
  checkReportInBrowser,
  findChromium,
  writeReport,
} from '../../src/report/index.js';
import { allFigures, sampleReport } from './fixtures.js';

const skip = process.env['LINEAR_ICL_SKIP_BROWSER'] === '1';

describe.skipIf(skip)('report in headless Chromium', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders every figure with axes and marks, without console errors', async () => {
    const chromium = findChromium();
    if (!chromium) {
      const env = process.env[CHROMIUM_ENV];
      throw new Error(
        (env ? `${CHROMIUM_ENV}=${env} is not an executable file. ` : `Chromium not found (looked at ${CHROMIUM_CANDIDATES.join(', ')}). `) +
          'Install it with `apt-get install -y chromium fonts-liberation`, ' +
          'or set LINEAR_ICL_SKIP_BROWSER=1 to skip this test.',
      );
    }
    dir = await mkdtemp(join(tmpdir(), 'linear-icl-browser-'));
    const written = await writeReport(join(dir, 'report'), sampleReport());
    const screenshotPath = process.env['LINEAR_ICL_REPORT_SCREENSHOT'] ?? join(dir, 'screenshot.png');
    const result = await checkReportInBrowser(written.htmlPath, { chromiumPath: chromium, screenshotPath });

    expect(result.consoleErrors).toEqual([]);
    expect(result.figures.map((f) => f.id)).toEqual(allFigures.map((f) => `fig-${f.id}`));
    for (const f of result.figures) {
      expect(f.width, f.id).toBeGreaterThan(400);
      expect(f.height, f.id).toBeGreaterThan(300);
      expect(f.axes, f.id).toBeGreaterThanOrEqual(2);
      expect(f.marks, f.id).toBeGreaterThanOrEqual(1);
      expect(f.paths, f.id).toBeGreaterThanOrEqual(1);
    }
    // Risk figure: 5 line series, points of 4 series, error bars (rules + ticks).
    expect(result.figures[0]!.marks).toBeGreaterThanOrEqual(7);
    expect((await stat(screenshotPath)).size).toBeGreaterThan(10_000);
  });
});
