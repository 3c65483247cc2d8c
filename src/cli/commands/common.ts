/** Options and loaders shared by the subcommands. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { CONVENTIONS, makeProblem, parseEstimatorWithConvention, type Convention, type Estimator, type Problem } from '../../models/index.js';
import { parseJsonFile } from '../io.js';

/** Loads and validates `--problem FILE`; errors name the file and the field. */
export function loadProblem(path: string): Problem {
  return parseJsonFile(path, '--problem', (v) => makeProblem(v));
}

/**
 * Loads and validates `--estimator FILE` against the problem: this project's JSON, or a peer's
 * layout named by the file's `convention` field or by `--convention` (docs/math.md §2.6).
 */
export function loadEstimator(path: string, problem: Problem, convention?: Convention): Estimator {
  return parseJsonFile(path, '--estimator', (v) => parseEstimatorWithConvention(v, problem.d, { convention, M: problem.M }));
}

/** Adds `--convention acds|vo` (read the estimator file in a peer's weight layout). */
export function withConvention(cmd: Command): Command {
  return cmd.addOption(
    new Option('--convention <name>', "read --estimator in another codebase's layout: acds (Ahn et al.: P, Q) or vo (von Oswald et al.: Wq, Wk, Wv, Wo)")
      .choices([...CONVENTIONS]),
  );
}

/** Adds the `--json` flag (machine-readable result on stdout). */
export function withJson(cmd: Command): Command {
  return cmd.option('--json', 'print the result as JSON on stdout (diagnostics go to stderr)', false);
}

/** A number for human output: 10 significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e7) ? x.toExponential(9) : x.toPrecision(10);
}
