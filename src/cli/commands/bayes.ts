/**
 * `linear-icl bayes --problem P.json [--samples N] [--seed S] [--json]` — the Bayes reference of a
 * problem (math.md §3.4): Jensen lower bound, R*_GDβ upper bound, deterministic-equivalent
 * approximation, Monte Carlo estimate ± standard error over Wishart draws, and for d = 1 the exact
 * value by quadrature. JSON: {"lower", "upper", "approx", "estimate", "stderr", "samples", "seed"}
 * plus "exact" when d = 1. σ² = 0 is a user error (exit 2, naming `sigma2`).
 */
import type { Command } from 'commander';
import { bayesReference, type BayesReference } from '../../risk/index.js';
import { emit, parseIntOption, withFlagNames } from '../io.js';
import { fmt, loadProblem, withJson } from './common.js';

/** Registers the `bayes` subcommand. */
export function registerBayes(program: Command): void {
  withJson(
    program
      .command('bayes')
      .description('Bayes-optimal risk reference: Jensen lower bound, R*_GDβ upper bound, deterministic equivalent, Monte Carlo estimate (exact for d = 1)')
      .requiredOption('--problem <file>', 'problem JSON (σ² > 0 required)')
      .option('--samples <N>', 'number of Wishart draws of the Monte Carlo estimate', parseIntOption('--samples', 2, 1e9), 20_000)
      .option('--seed <S>', 'seed of the Wishart stream', parseIntOption('--seed', 0, 2 ** 32 - 1), 1),
  ).action((opts: { problem: string; samples: number; seed: number; json: boolean }) => {
    const problem = loadProblem(opts.problem);
    // σ² = 0 is a property of the problem file: the error names the file with the field.
    const r: BayesReference = withFlagNames({ samples: '--samples', seed: '--seed' }, () => bayesReference(problem, { samples: opts.samples, seed: opts.seed }), opts.problem);
    const result: Record<string, number> = {
      lower: r.lower, upper: r.upper, approx: r.approx, estimate: r.estimate, stderr: r.stderr, samples: r.samples, seed: r.seed,
    };
    if (r.exact !== undefined) result.exact = r.exact;
    emit(opts.json, result, () => {
      const lines = [
        `lower bound (Jensen)                      ${fmt(r.lower)}`,
        `upper bound (R*_GDβ)                      ${fmt(r.upper)}`,
        `deterministic-equivalent approximation    ${fmt(r.approx)}`,
        `Monte Carlo estimate ± stderr             ${fmt(r.estimate)} ± ${fmt(r.stderr)}  (${r.samples} Wishart draws, seed ${r.seed})`,
      ];
      if (r.exact !== undefined) lines.push(`exact (d = 1, quadrature)                 ${fmt(r.exact)}`);
      return lines.join('\n');
    });
  });
}
