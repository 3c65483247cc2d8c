/**
 * `linear-icl optimum --problem P.json --class gd-beta|gd-0|lsa|ltb|gd-multistep [--steps L] [--seed S]`
 * — the optimal estimator of a class through src/optimum's `optimum(problem, kind)`: closed form for
 * GD-β/GD-0 (math.md §3.2), multi-start flow + L-BFGS + Newton polish on the exact risk for LSA/LTB,
 * multi-start L-BFGS + Newton polish on the exact risk (3.48) for L-step GD-β (`--class gd-multistep
 * --steps L`, L = 1…3; math.md §3.7).
 *
 * gd-multistep `--json`: { class, steps, risk, estimator: {kind, beta0 [d], Gammas [L][d][d]},
 * gradNorm, whitenedGradNorm, best, spread, newton, starts: [{name, initialRisk, risk, gradNorm,
 * iterations, nfev, status}] }.
 */
import { Option, type Command } from 'commander';
import { estimatorToJSON, type EffectiveGdBeta } from '../../models/index.js';
import { InputError } from '../../errors.js';
import { GD_MULTISTEP_MAX_STEPS } from '../../risk/index.js';
import { MAX_DIMENSION, optimum, OPTIMUM_CLASSES, type AttentionProgress, type MultistepOptimum, type OptimumClass } from '../../optimum/index.js';
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
      .addOption(new Option('--class <class>', 'estimator class').choices([...OPTIMUM_CLASSES]).makeOptionMandatory())
      .option('--steps <L>', `number of GD steps L of --class gd-multistep (1..${GD_MULTISTEP_MAX_STEPS}: the exact risk for general Γ_l stops there)`, parseSteps)
      .option('--seed <S>', 'seed of the random starts (lsa/ltb/gd-multistep)', parseIntOption('--seed', 0, 2 ** 32 - 1), 1)
      .option('--max-dimension <d>', `largest d the lsa/ltb optimum accepts (default ${MAX_DIMENSION}: its work grows like d⁵–d⁶)`, parseIntOption('--max-dimension', 1, 1000)),
  ).action((opts: { problem: string; class: OptimumClass; steps?: number; seed: number; maxDimension?: number; json: boolean }) => {
    if (opts.class === 'gd-multistep') {
      if (opts.steps === undefined) throw new InputError('--steps', `is required with --class gd-multistep (the number of GD steps L, 1..${GD_MULTISTEP_MAX_STEPS})`);
      if (opts.maxDimension !== undefined) throw new InputError('--max-dimension', 'applies to --class lsa/ltb only');
      multistep(opts.problem, opts.steps, opts.seed, opts.json);
      return;
    }
    if (opts.steps !== undefined) throw new InputError('--steps', `applies to --class gd-multistep only, not to --class ${opts.class}`);
    const problem = loadProblem(opts.problem);
    // On a terminal, one progress line per finished start (the lsa/ltb optimum takes seconds to minutes).
    const tty = process.stderr.isTTY === true;
    const onProgress = tty
      ? (p: AttentionProgress) => process.stderr.write(`\r\x1b[2K[${p.done}/${p.total}] start ${p.start.name}: risk ${fmt(p.start.risk)} (best so far ${fmt(p.bestRisk)})`)
      : undefined;
    const opt = withFlagNames({ maxDimension: '--max-dimension', seed: '--seed' }, () => {
      try {
        return optimum(problem, opts.class as Exclude<OptimumClass, 'gd-multistep'>, { seed: opts.seed, ...(opts.maxDimension !== undefined ? { maxDimension: opts.maxDimension } : {}), ...(onProgress ? { onProgress } : {}) });
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

/** `--steps`: an integer 1..3, with the reason for the cap (exit 2 otherwise). */
function parseSteps(v: string): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1 || x > GD_MULTISTEP_MAX_STEPS) {
    throw new InputError('--steps', `must be an integer 1..${GD_MULTISTEP_MAX_STEPS} for general Γ_l, got '${v}': the exact GD-β^L risk (docs/math.md §3.6) enumerates Wick pairings, ≈ 3.5·10⁶ at L = 4`);
  }
  return x;
}

/** The starts of a GD-β^L optimum as JSON rows. */
export function multistepStartsJSON(opt: MultistepOptimum): Record<string, unknown>[] {
  return opt.starts.map((s) => ({ name: s.name, initialRisk: s.initialRisk, risk: s.risk, gradNorm: s.gradNorm, iterations: s.iterations, nfev: s.nfev, status: s.status }));
}

/** `optimum --class gd-multistep --steps L`: the optimal GD-β^L (math.md §3.7) with its start report. */
function multistep(problemFile: string, steps: number, seed: number, json: boolean): void {
  const problem = loadProblem(problemFile);
  const tty = process.stderr.isTTY === true;
  const opt = withFlagNames({ steps: '--steps', seed: '--seed' }, () => {
    try {
      return optimum(problem, 'gd-multistep', {
        steps, seed,
        ...(tty ? { onProgress: (p: { done: number; total: number; start: { name: string; risk: number } }) => process.stderr.write(`\r\x1b[2K[${p.done}/${p.total}] start ${p.start.name}: risk ${fmt(p.start.risk)}`) } : {}),
      });
    } finally {
      if (tty) process.stderr.write('\r\x1b[2K');
    }
  }, problemFile);
  const starts = multistepStartsJSON(opt);
  const result = {
    class: 'gd-multistep', steps: opt.steps, risk: opt.risk, estimator: estimatorToJSON(opt.estimator), gradNorm: opt.gradNorm,
    whitenedGradNorm: opt.whitenedGradNorm, best: opt.best, spread: opt.spread, newton: opt.newton, starts,
  };
  emit(json, result, () => [
    `class     gd-multistep (L = ${opt.steps} steps)`,
    `risk      ${fmt(opt.risk)}  (best of ${starts.length} starts: ${opt.best}; Newton polish: ${opt.newton})`,
    `gradNorm  ${fmt(opt.gradNorm)}  (‖∇R‖ over (β₀, Γ₁ … Γ_L))`,
    `spread    ${fmt(opt.spread)}  (max − min final risk over the starts: > 0 means several critical points)`,
    'starts:',
    ...opt.starts.map((s) => `  ${s.name.padEnd(14)} from ${fmt(s.initialRisk)} to ${fmt(s.risk)}  ‖∇R‖ ${fmt(s.gradNorm)}; L-BFGS ${s.iterations} iterations (${s.status})`),
    `estimator ${JSON.stringify(result.estimator)}`,
  ].join('\n'));
}
