/**
 * `linear-icl optimum --problem P.json --class gd-beta|gd-0|lsa|ltb [--seed S]` — the optimal
 * estimator of a class through src/optimum's `optimum(problem, kind)`: closed form for GD-β/GD-0
 * (math.md §3.2), multi-start flow + L-BFGS + Newton polish on the exact risk for LSA/LTB.
 */
import { Option, type Command } from 'commander';
import { estimatorToJSON, type EffectiveGdBeta } from '../../models/index.js';
import { MAX_DIMENSION, optimum, OPTIMUM_KINDS, type AttentionProgress, type OptimumKind } from '../../optimum/index.js';
import { emit, parseIntOption, withFlagNames } from '../io.js';
import { fmt, loadProblem, withJson } from './common.js';

/** The effective-GD-β verdict as JSON (the estimator in the estimator JSON shape). */
export function effectiveGdBetaJSON(e: EffectiveGdBeta): Record<string, unknown> {
  const out: Record<string, unknown> = { ok: e.ok };
  if (!e.ok) {
    out.reason = e.reason;
    out.size = e.size;
  }
  out.qyNorm = e.qyNorm;
  out.offsetGap = e.offsetGap;
  if (e.estimator) out.estimator = estimatorToJSON(e.estimator);
  return out;
}

export function registerOptimum(program: Command): void {
  withJson(
    program
      .command('optimum')
      .description('the optimal estimator of a class and its risk (closed form for gd-beta/gd-0, numerical for lsa/ltb)')
      .requiredOption('--problem <file>', 'problem JSON')
      .addOption(new Option('--class <class>', 'estimator class').choices([...OPTIMUM_KINDS]).makeOptionMandatory())
      .option('--seed <S>', 'seed of the random starts (lsa/ltb)', parseIntOption('--seed', 0, 2 ** 32 - 1), 1)
      .option('--max-dimension <d>', `largest d the lsa/ltb optimum accepts (default ${MAX_DIMENSION}: its work grows like d⁵–d⁶)`, parseIntOption('--max-dimension', 1, 1000)),
  ).action((opts: { problem: string; class: OptimumKind; seed: number; maxDimension?: number; json: boolean }) => {
    const problem = loadProblem(opts.problem);
    // On a terminal, one progress line per finished start (the lsa/ltb optimum takes seconds to minutes).
    const tty = process.stderr.isTTY === true;
    const onProgress = tty
      ? (p: AttentionProgress) => process.stderr.write(`\r\x1b[2K[${p.done}/${p.total}] start ${p.start.name}: risk ${fmt(p.start.risk)} (best so far ${fmt(p.bestRisk)})`)
      : undefined;
    const opt = withFlagNames({ maxDimension: '--max-dimension', seed: '--seed' }, () => {
      try {
        return optimum(problem, opts.class, { seed: opts.seed, ...(opts.maxDimension !== undefined ? { maxDimension: opts.maxDimension } : {}), ...(onProgress ? { onProgress } : {}) });
      } finally {
        if (tty) process.stderr.write('\r\x1b[2K');
      }
    }, opts.problem);
    if (opt.kind === 'gd-beta' || opt.kind === 'gd-0') {
      emit(opts.json, { class: opts.class, risk: opt.risk, estimator: estimatorToJSON(opt.estimator) }, () =>
        `class  ${opts.class}\nrisk   ${fmt(opt.risk)}  (closed form, docs/math.md §3.2)\nestimator ${JSON.stringify(estimatorToJSON(opt.estimator))}`,
      );
      return;
    }
    const starts = opt.starts.map((s) => ({
      name: s.name, risk: s.risk, gradNorm: s.gradNorm, iterations: s.iterations, initialRisk: s.initialRisk,
      flowRisk: s.flowRisk, flowTime: s.flowTime, nfev: s.nfev, hvps: s.hvps, status: s.status, newton: s.newton,
    }));
    const eff = effectiveGdBetaJSON(opt.effectiveGdBeta);
    const result = {
      class: opts.class, risk: opt.risk, estimator: estimatorToJSON(opt.estimator), gradNorm: opt.gradNorm,
      starts, effectiveGdBeta: eff, spread: opt.spread,
    };
    emit(opts.json, result, () => {
      const lines = [
        `class     ${opts.class}`,
        `risk      ${fmt(opt.risk)}  (best of ${starts.length} starts: ${opt.best})`,
        `gradNorm  ${fmt(opt.gradNorm)}  (‖∇R‖ over the raw weights)`,
        `spread    ${fmt(opt.spread)}  (max − min final risk over the starts)`,
        'starts:',
        ...starts.map((s) => `  ${s.name.padEnd(9)} risk ${fmt(s.risk)}  ‖∇R‖ ${fmt(s.gradNorm)}  after flow ${fmt(s.flowRisk)}; L-BFGS ${s.iterations} iterations (${s.status}), Newton polish: ${s.newton}`),
        opt.effectiveGdBeta.ok
          ? 'effective GD-β: yes (q_y = 0, β_m = −p_x/p_y)'
          : `effective GD-β: no (${opt.effectiveGdBeta.reason}, size ${fmt(opt.effectiveGdBeta.size)})`,
        `estimator ${JSON.stringify(result.estimator)}`,
      ];
      return lines.join('\n');
    });
  });
}
