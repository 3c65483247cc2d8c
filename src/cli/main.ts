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
import { InputError, NumericalError } from '../errors.js';
import {
  LinalgError,
  NonFiniteError,
  NotPositiveDefiniteError,
  NotSymmetricError,
  ShapeError,
  SingularMatrixError,
} from '../linalg/errors.js';
import { registerCommands } from './commands/index.js';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failed: 1, user: 2, numerical: 3 } as const;

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
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/** Classifies an error into an exit code; unknown errors are bugs (exit 1). */
export function exitCodeOf(e: unknown): number {
  if (e instanceof InputError) return EXIT.user;
  if (e instanceof ShapeError || e instanceof NonFiniteError || e instanceof NotSymmetricError) return EXIT.user;
  if (e instanceof NumericalError || e instanceof NotPositiveDefiniteError || e instanceof SingularMatrixError) {
    return EXIT.numerical;
  }
  if (e instanceof LinalgError) return EXIT.numerical;
  return EXIT.failed;
}

/** Runs the CLI on `argv` (without `node` and the script); resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
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
