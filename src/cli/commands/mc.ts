/** `linear-icl mc --problem P.json --estimator E.json --samples N --seed S` — Monte Carlo risk. */
import type { Command } from 'commander';
import type { Convention } from '../../models/index.js';
import { monteCarloRisk } from '../../risk/index.js';
import { emit, parseIntOption, withFlagNames } from '../io.js';
import { fmt, loadEstimator, loadProblem, withConvention, withJson } from './common.js';

export function registerMc(program: Command): void {
  withConvention(withJson(
    program
      .command('mc')
      .description('Monte Carlo ICL risk through the explicit forward pass (mean ± standard error)')
      .requiredOption('--problem <file>', 'problem JSON')
      .requiredOption('--estimator <file>', 'estimator JSON')
      .option('--samples <N>', 'number of sampled prompts', parseIntOption('--samples', 2, 1e9), 100_000)
      .option('--seed <S>', 'seed of the prompt stream', parseIntOption('--seed', 0, 2 ** 32 - 1), 1),
  )).action((opts: { problem: string; estimator: string; samples: number; seed: number; json: boolean; convention?: Convention }) => {
    const problem = loadProblem(opts.problem);
    const est = loadEstimator(opts.estimator, problem, opts.convention);
    const r = withFlagNames({ samples: '--samples', seed: '--seed' }, () => monteCarloRisk(problem, est, { samples: opts.samples, seed: opts.seed }), opts.problem);
    emit(opts.json, { kind: est.kind, mean: r.mean, stderr: r.stderr, samples: r.samples, seed: r.seed }, () =>
      `kind     ${est.kind}\nmean     ${fmt(r.mean)}\nstderr   ${fmt(r.stderr)}  (Monte Carlo, ${r.samples} prompts, seed ${r.seed})`,
    );
  });
}
