/** `linear-icl risk --problem P.json --estimator E.json` — the exact risk of one estimator. */
import type { Command } from 'commander';
import type { Convention } from '../../models/index.js';
import { risk } from '../../risk/index.js';
import { emit } from '../io.js';
import { fmt, loadEstimator, loadProblem, withConvention, withJson } from './common.js';

export function registerRisk(program: Command): void {
  withConvention(withJson(
    program
      .command('risk')
      .description('exact (closed-form) ICL risk of an estimator, with the norm of its gradient')
      .requiredOption('--problem <file>', 'problem JSON (d, M, H, Psi, betaStar, sigma2, masked)')
      .requiredOption('--estimator <file>', 'estimator JSON ({"kind": "gd-beta"|"gd-0"|"lsa"|"ltb", …})'),
  )).action((opts: { problem: string; estimator: string; json: boolean; convention?: Convention }) => {
    const problem = loadProblem(opts.problem);
    const est = loadEstimator(opts.estimator, problem, opts.convention);
    const r = risk(problem, est);
    // The mask only changes what attention sees; one GD step reads all M context pairs either way.
    const maskApplies = r.kind === 'lsa' || r.kind === 'ltb';
    const maskLine = maskApplies ? `mask      ${problem.masked ? 'masked (query column excluded)' : 'unmasked'}` : `mask      does not apply to ${r.kind} (one GD step reads the M context pairs; masked only changes LSA/LTB)`;
    emit(opts.json, { kind: r.kind, risk: r.risk, gradNorm: r.gradNorm, masked: problem.masked, maskApplies }, () =>
      `kind      ${r.kind}\nrisk      ${fmt(r.risk)}\ngradNorm  ${fmt(r.gradNorm)}  (‖∇R‖ over all weights)\n${maskLine}`,
    );
  });
}
