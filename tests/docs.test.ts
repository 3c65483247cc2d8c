/**
 * The API reference builds with no warnings (`npm run docs`): every export of the four entry points
 * is documented and every {@link} resolves. Runs typedoc with --emit none (validation only).
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

describe('API reference', () => {
  it('typedoc validates every entry point with zero warnings', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none', '--treatWarningsAsErrors'], {
      cwd: ROOT, encoding: 'utf8', timeout: 180_000, env: { ...process.env, FORCE_COLOR: '0' },
    });
    const out = `${r.stdout}${r.stderr}`;
    expect(out.split('\n').filter((l) => /\[warning\]|\[error\]/.test(l))).toEqual([]);
    expect(r.status, out).toBe(0);
  }, 200_000);
});
