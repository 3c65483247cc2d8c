/**
 * `linear-icl` command-line entry point: subcommand dispatch and the error policy.
 *
 * Exit codes: 0 success; 1 a claim failed (`verify`) or an internal bug; 2 user error (bad option,
 * missing or malformed file, invalid problem/estimator: one line on stderr naming the file/field
 * and the reason, never a stack trace); 3 numerical failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { failureKindOf, InputError } from '../errors.js';
import { registerCommands } from './commands/index.js';
import { EXIT } from './exit.js';

export { EXIT };

/** The package version: package.json is two levels up from src/cli, three from dist/src/cli. */
function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(url)) return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/** Builds the commander program (exposed for tests of the dispatch itself). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('linear-icl')
    .description('Exact in-context-learning risks, optima and gradient flows of linear attention (LSA), linear transformer blocks (LTB) and one-step GD (GD-β, GD-0).')
    .version(packageVersion(), '-V, --version')
    .configureOutput({
      // One format for every error: the option parser's too, on one line, with where to look.
      outputError: (str, write) => write(`linear-icl: error: ${commanderMessage(str)} (see linear-icl --help)\n`),
    })
    .exitOverride();
  registerCommands(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/**
 * commander's error text in the project's form `<what>: <reason>` on one line: the option, command
 * or argument it is about first, as every other error names its file or field first.
 */
export function commanderMessage(raw: string): string {
  const text = raw.trim().replace(/\s*\n\s*/g, ' ').replace(/^error:\s*/, '');
  const rules: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^option '([^' ]+)[^']*' argument '([^']*)' is invalid\. Allowed choices are (.*?)\.?$/, (m) => `${m[1]}: '${m[2]}' is not one of ${m[3]}`],
    [/^option '([^' ]+)[^']*' argument '([^']*)' is invalid\.?\s*(.*)$/, (m) => `${m[1]}: '${m[2]}' is invalid${m[3] ? ` (${m[3]})` : ''}`],
    [/^required option '([^' ]+)[^']*' not specified$/, (m) => `${m[1]}: is required`],
    [/^option '([^' ]+)[^']*' argument missing$/, (m) => `${m[1]}: needs a value`],
    [/^unknown command '([^']*)'\s*(?:\(Did you mean (.*)\?\))?$/, (m) => `${m[1]}: unknown command${m[2] ? ` (did you mean ${m[2]}?)` : ''}`],
    [/^unknown option '([^']*)'\s*(?:\(Did you mean (.*)\?\))?$/, (m) => `${m[1]}: unknown option${m[2] ? ` (did you mean ${m[2]}?)` : ''}`],
    [/^too many arguments(?: for '([^']*)')?\.?\s*(.*)$/, (m) => `${m[1] ?? 'arguments'}: too many arguments${m[2] ? ` (${m[2]})` : ''}`],
    [/^missing required argument '([^']*)'$/, (m) => `${m[1]}: is required`],
  ];
  for (const [re, fmt] of rules) {
    const m = re.exec(text);
    if (m) return fmt(m);
  }
  return `command line: ${text}`;
}

/** Levenshtein distance (for "did you mean"). O(|a|·|b|). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Unknown `--options` of the subcommand, checked before commander's own pass (which reports a
 * missing required option first, so `--estimatr` would read as "--estimator not specified").
 * Throws an {@link InputError} naming the option and the nearest valid one.
 */
function checkUnknownOptions(program: Command, argv: readonly string[]): void {
  const sub = program.commands.find((c) => c.name() === argv[0]);
  if (sub === undefined) return;
  const known = new Set(['--help', ...sub.options.map((o) => o.long).filter((l): l is string => l !== undefined)]);
  const seen = new Set<string>();
  for (const arg of argv.slice(1)) {
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const name = arg.split('=')[0]!;
    if (known.has(name)) {
      // commander keeps the last of a repeated option silently: a second --problem is a mistake.
      if (seen.has(name)) throw new InputError(name, 'is given more than once: give it once');
      seen.add(name);
      continue;
    }
    let best = '';
    let bestDist = Infinity;
    for (const k of known) {
      const dist = editDistance(name, k);
      if (dist < bestDist) [best, bestDist] = [k, dist];
    }
    const hint = bestDist <= Math.max(2, Math.floor(name.length / 3)) ? `did you mean ${best}?` : `run linear-icl ${sub.name()} --help for its options`;
    throw new InputError(name, `unknown option of '${sub.name()}': ${hint}`);
  }
}

/** Classifies an error into an exit code; unknown errors are bugs (exit 1). */
export function exitCodeOf(e: unknown): number {
  const kind = failureKindOf(e);
  return kind === 'input' ? EXIT.user : kind === 'numerical' ? EXIT.numerical : EXIT.failed;
}

/** Runs the CLI on `argv` (without `node` and the script); resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    checkUnknownOptions(program, argv);
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0; commander already printed.
      if (e.exitCode === 0) return EXIT.ok;
      return EXIT.user;
    }
    const code = exitCodeOf(e);
    const msg = e instanceof Error ? e.message : String(e);
    const label = code === EXIT.user ? 'error' : code === EXIT.numerical ? 'numerical failure' : 'internal error';
    process.stderr.write(`linear-icl: ${label}: ${msg.split('\n')[0]}\n`);
    if (code === EXIT.failed && e instanceof Error && process.env.LINEAR_ICL_DEBUG) process.stderr.write(`${e.stack}\n`);
    return code;
  }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (invokedDirectly) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
