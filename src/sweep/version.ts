/** The package version, for result lines (which version computed a point). */
import { existsSync, readFileSync } from 'node:fs';

let cached: string | undefined;

/** package.json's version: two levels up from src/sweep, three from dist/src/sweep; 'unknown' if neither. */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  for (const rel of ['../../package.json', '../../../package.json']) {
    const url = new URL(rel, import.meta.url);
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'linear-icl' && typeof pkg.version === 'string') {
      cached = pkg.version;
      break;
    }
  }
  return cached;
}
