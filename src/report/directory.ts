/**
 * Output directories that cannot hang: created one level at a time.
 *
 * @module
 */
import { mkdirSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { InputError } from '../errors.js';

/**
 * Creates `dir` and its missing parents one level at a time (Node's recursive mkdir loops forever on
 * paths such as /proc/nonexist/x); any failure is an {@link InputError} naming the field, the
 * path and the system's reason. Used by `writeReport` and the CLI's `--out`.
 */
export function makeDirectory(dir: string, field: string): void {
  const target = resolve(dir);
  const parts = target.split(sep).filter((p) => p !== '');
  let path = target.startsWith(sep) ? sep : '';
  for (const part of parts) {
    path = path === '' || path.endsWith(sep) ? `${path}${part}` : `${path}${sep}${part}`;
    let stat;
    try {
      stat = statSync(path, { throwIfNoEntry: false });
    } catch (e) {
      throw new InputError(field, `cannot create directory ${dir}: ${path} is not accessible (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    if (stat !== undefined) {
      if (!stat.isDirectory()) throw new InputError(field, `cannot create directory ${dir}: ${path} is not a directory`);
      continue;
    }
    try {
      mkdirSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new InputError(field, `cannot create directory ${dir} (${code ?? String(e)} at ${path}): choose a writable directory`);
    }
  }
}
