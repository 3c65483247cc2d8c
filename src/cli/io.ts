/**
 * The CLI's input/output conventions, shared by every subcommand:
 * - `--json`: the machine-readable result is the only thing on stdout (one JSON document);
 *   diagnostics and progress go to stderr.
 * - without `--json`: a human-readable summary on stdout.
 * - input files are JSON; a missing file, malformed JSON or a schema violation is an
 *   {@link InputError} naming the file and the field (exit code 2).
 */
import { readFileSync } from 'node:fs';
import { InputError, NumericalError } from '../errors.js';
import { PROBLEM_KEYS } from '../models/index.js';

/** Reads and parses a JSON file; failures become an InputError naming the file. */
export function readJsonFile(path: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(option, code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path} (${code ?? String(e)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError('(file)', `not valid JSON: ${(e as Error).message}`, path);
  }
}

/** Runs `parse` on the content of a JSON file, attributing any InputError to that file. */
export function parseJsonFile<T>(path: string, option: string, parse: (value: unknown) => T): T {
  const value = readJsonFile(path, option);
  try {
    return parse(value);
  } catch (e) {
    if (e instanceof InputError && e.file === undefined) throw e.inFile(path);
    throw e;
  }
}

/**
 * Writes the result: JSON on stdout with `--json`, else the human-readable text. A NaN/±∞ number in
 * the result is a {@link NumericalError} (exit 3) naming its JSON path, unless `allowNonFinite`
 * (verify: a claim's measured NaN is reported, as null in JSON, and fails that claim).
 */
export function emit(json: boolean, result: unknown, human: () => string, options: { readonly allowNonFinite?: boolean } = {}): void {
  const bad = options.allowNonFinite ? null : firstNonFinite(result, '');
  if (bad !== null) {
    // The library checks its own results; this is the last line of defence: never a NaN or null with exit 0.
    throw new NumericalError('result', `${bad.path || 'the result'} is ${Number.isNaN(bad.value) ? 'undefined (NaN)' : 'not finite'} in float64: rescale the problem or the weights`);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(result, jsonReplacer, 2)}\n`);
  } else {
    process.stdout.write(`${human()}\n`);
  }
}

/** The first NaN/±∞ number (or Float64Array entry) in a result, with its JSON path; null when all are finite. */
function firstNonFinite(value: unknown, path: string): { path: string; value: number } | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, value };
  if (value instanceof Float64Array) {
    const k = value.findIndex((x) => !Number.isFinite(x));
    return k < 0 ? null : { path: `${path}[${k}]`, value: value[k]! };
  }
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) {
      const r = firstNonFinite(value[k], `${path}[${k}]`);
      if (r) return r;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const r = firstNonFinite(v, path ? `${path}.${k}` : k);
      if (r) return r;
    }
  }
  return null;
}

/** JSON.stringify replacer: Float64Array → number[], non-finite numbers → null (JSON has no NaN). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Float64Array) return Array.from(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

/** Parses an integer option value; the error names the option. */
export function parseIntOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < min || x > max) {
      throw new InputError(name, `must be an integer in [${min}, ${max}], got '${v}'`);
    }
    return x;
  };
}

/** Parses a positive finite number option; the error names the option. */
export function parsePositiveOption(name: string): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (!Number.isFinite(x) || x <= 0) throw new InputError(name, `must be a positive number, got '${v}'`);
    return x;
  };
}

/**
 * Runs a library call whose options came from command-line flags and whose problem came from a
 * file: an {@link InputError} naming an option field (`tEnd`) is re-thrown naming the flag
 * (`--t-end`), and one naming a problem field (`d`, `M`, `sigma2`, …) is attributed to
 * `problemFile` — the library speaks in its own field names, only the CLI knows flags and files.
 */
export function withFlagNames<T>(flags: Readonly<Record<string, string>>, call: () => T, problemFile?: string): T {
  try {
    return call();
  } catch (e) {
    if (e instanceof InputError && e.file === undefined) {
      if (Object.hasOwn(flags, e.field)) throw new InputError(flags[e.field]!, e.reason);
      if (problemFile !== undefined && (PROBLEM_KEYS as readonly string[]).includes(e.field)) throw e.inFile(problemFile);
    }
    throw e;
  }
}

