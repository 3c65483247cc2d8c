/** `linear-icl optimum --problem P.json --class gd-beta|gd-0` — closed-form optimal estimators. */
import { Option, type Command } from 'commander';
import { estimatorToJSON } from '../../models/index.js';
import { optimumGd0, optimumGdBeta } from '../../risk/index.js';
import { emit } from '../io.js';
import { fmt, loadProblem, withJson } from './common.js';

export function registerOptimum(program: Command): void {
  withJson(
    program
      .command('optimum')
      .description('the optimal estimator of a class and its risk')
      .requiredOption('--problem <file>', 'problem JSON')
      .addOption(new Option('--class <class>', 'estimator class').choices(['gd-beta', 'gd-0']).makeOptionMandatory()),
  ).action((opts: { problem: string; class: 'gd-beta' | 'gd-0'; json: boolean }) => {
    const problem = loadProblem(opts.problem);
    const opt = opts.class === 'gd-beta' ? optimumGdBeta(problem) : optimumGd0(problem);
    emit(opts.json, { class: opts.class, risk: opt.risk, estimator: estimatorToJSON(opt.estimator) }, () =>
      `class  ${opts.class}\nrisk   ${fmt(opt.risk)}  (closed form, math.md §3.2)\nestimator ${JSON.stringify(estimatorToJSON(opt.estimator))}`,
    );
  });
}
