/** Options and loaders shared by the subcommands. */
import type { Command } from 'commander';
import { makeProblem, parseEstimator, type Estimator, type Problem } from '../../models/index.js';
import { parseJsonFile } from '../io.js';

/** Loads and validates `--problem FILE`; errors name the file and the field. */
export function loadProblem(path: string): Problem {
  return parseJsonFile(path, '--problem', (v) => makeProblem(v));
}

/** Loads and validates `--estimator FILE` against the problem's dimension. */
export function loadEstimator(path: string, d: number): Estimator {
  return parseJsonFile(path, '--estimator', (v) => parseEstimator(v, d));
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
