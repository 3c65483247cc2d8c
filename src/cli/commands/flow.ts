/**
 * `linear-icl flow --problem P.json [--model gd-beta|gd-0|ltb|lsa|zfb] [--init zero|random|E.json]
 *  [--seed S] [--method auto|hybrid|euler|rk4|bosh3|dopri5|tsit5|dop853|rosenbrock|bdf|rosw|etd2|etd3|etd4] [--rtol R]
 *  [--atol A] [--dt H] [--t-end T | --until-converged] [--out DIR] [--json]` — integrate an exact
 * population gradient flow (math.md §4) and print its verdict and work counters.
 *
 * With `--json` one object with at least: status, finalRisk, optimalRisk (closed-form R*_GDβ, or
 * R*_GD0 for `--model gd-0`), distanceToOptimum (Frobenius distance of the endpoint's effective
 * (Γ, β₀) to (Γ*, β*)), measuredRate, predictedRate, nfev, steps. `--out DIR` writes
 * trajectory.csv (t, risk, gap), result.json and rate.svg (R − R* against t on a log axis with the
 * predicted slope, drawn by the report's vega-lite pipeline).
 * `--model gd-multistep --steps L` (L = 1…3) integrates the flow of L-step GD-β (math.md §3.6, §3.7,
 * src/flow multistepFlow.ts) from `--init zero` (β₀ = 0, Γ_l = 0) or an estimator file, after
 * computing the optimum it is judged against (src/optimum, `--seed` seeds its random starts);
 * `--method auto|tsit5` (default) or `rosenbrock` (Rodas4 with the finite-difference Hessian).
 * Its `--json`: { status, statusNote, model, steps, method, finalRisk, optimalRisk, gap,
 * distanceToOptimum (modulo the order of the steps), distancePlain, measuredRate, predictedRate,
 * rateRatio, hessianMin, hessianMax, gradNorm, monotone, tolerances, nfev, accepted, rejected, t,
 * wallTimeMs, optimumStarts, optimumSpread, estimator, optimum }.
 * A progress line goes to stderr only when stderr is a TTY. Exit 2 for bad options (naming the
 * option), 3 when the integration failed (maxStepsReached, stepSizeTooSmall, nonFiniteState).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { InputError } from '../../errors.js';
import {
  runMultistepFlow,
  type MultistepFlowRun,
  DEFAULT_ATOL,
  DEFAULT_CONVERGED_DISTANCE,
  DEFAULT_CONVERGED_GAP,
  DEFAULT_RTOL,
  FLOW_METHODS,
  FLOW_MODELS,
  flowMeasures,
  runFlow,
  type FlowMeasures,
  type FlowMethod,
  type FlowModel,
  type FlowRun,
  type RunFlowOptions,
} from '../../flow/index.js';
import { estimatorToJSON, parseEstimator, type GdMultistep } from '../../models/index.js';
import { makeDirectory, renderFigureSvg } from '../../report/index.js';
import { flowRunFigure, multistepFlowFigure } from '../../verify/index.js';
import { optimum } from '../../optimum/index.js';
import { GD_MULTISTEP_MAX_STEPS } from '../../risk/index.js';
import { emit, jsonReplacer, parseIntOption, parseJsonFile, parsePositiveOption, withFlagNames } from '../io.js';
import { terminalProgress } from '../progress.js';
import { fmt, loadProblem, withJson } from './common.js';
import { EXIT } from '../exit.js';

interface FlowOpts {
  problem: string;
  model: FlowModel | 'gd-multistep';
  steps?: number;
  parametrization: 'reduced' | 'raw';
  init?: string;
  seed: number;
  initScale?: number;
  method: FlowMethod;
  rtol?: number;
  atol?: number;
  dt?: number;
  dtMax?: number;
  tEnd?: number;
  untilConverged?: boolean;
  convergedGap?: number;
  convergedDistance?: number;
  maxSteps: number;
  out?: string;
  saveEvery: number;
  json: boolean;
}

/** The flag of each {@link RunFlowOptions} field, for the library's errors. */
const FLOW_FLAGS: Readonly<Record<string, string>> = {
  model: '--model', parametrization: '--parametrization', init: '--init', seed: '--seed', initScale: '--init-scale',
  method: '--method', rtol: '--rtol', atol: '--atol', dt: '--dt', dtMax: '--dt-max', tEnd: '--t-end',
  convergedGap: '--converged-gap', convergedDistance: '--converged-distance', maxSteps: '--max-steps',
};

/** What to try after each failed status (exit 3). */
const FAILURE_ADVICE: Partial<Record<FlowRun['status'], string>> = {
  maxStepsReached: 'raise --max-steps, or loosen --rtol/--atol, or try --method rosenbrock for a stiff problem',
  stepSizeTooSmall: 'the problem is too stiff for this method at this tolerance: try --method rosenbrock or loosen --rtol',
  nonFiniteState: 'the state overflowed: lower --dt (fixed step) or use an adaptive method',
};

/** Registers `linear-icl flow` (see the module comment for options, output and exit codes). */
export function registerFlow(program: Command): void {
  withJson(
    program
      .command('flow')
      .description('integrate the exact population gradient flow of GD-β, GD-0, LTB, LSA or ZFB\'s LSA and judge the endpoint (docs/math.md §4)')
      .requiredOption('--problem <file>', 'problem JSON')
      .addOption(new Option('--model <model>', 'which flow').choices([...FLOW_MODELS, 'gd-multistep']).default('gd-beta'))
      .option('--steps <L>', `number of GD steps L of --model gd-multistep (1..${GD_MULTISTEP_MAX_STEPS}: the exact risk for general Γ_l stops there)`, parseSteps)
      .addOption(new Option('--parametrization <p>', 'LTB/LSA parameters: reduced (β_m, p, Q) or raw weights').choices(['reduced', 'raw']).default('reduced'))
      .option('--init <init>', "start: 'zero', 'random' or an estimator JSON file (default: zero for GD flows, random for LTB/LSA)")
      .option('--seed <S>', 'seed of random starts', parseIntOption('--seed', 0, 2 ** 32 - 1), 1)
      .option('--init-scale <s>', 'entry scale of random LTB/LSA starts, or ZFB\'s balanced scale s', parsePositiveOption('--init-scale'))
      .addOption(new Option('--method <m>', 'integrator (auto: hybrid for GD-β — etd4, or BDF with the exact structured Jacobian (variable order 1–5) for a stiff β₀ transient, from the start when ρ_N(θ₀) ≥ 15·λ_max(∇²R*); etd4 for GD-0, rosenbrock or tsit5 for LTB/LSA, dop853 for ZFB; the choice and its reason are in methodReason)').choices([...FLOW_METHODS]).default('auto'))
      .option('--rtol <r>', `relative tolerance of adaptive methods (default ${DEFAULT_RTOL})`, parsePositiveOption('--rtol'))
      .option('--atol <a>', `absolute tolerance of adaptive methods (default ${DEFAULT_ATOL})`, parsePositiveOption('--atol'))
      .option('--dt <h>', 'fixed step size (required by euler and rk4; euler with --dt η is gradient descent with learning rate η)', parsePositiveOption('--dt'))
      .option('--dt-max <h>', 'largest adaptive step (default: none; 1/λ_min(∇²R*) for etd methods)', parsePositiveOption('--dt-max'))
      .option('--t-end <T>', 'integrate to time T', parsePositiveOption('--t-end'))
      .option('--until-converged', `run until R − R* ≤ gap·R* (GD/ZFB) or RMS ∇R ≤ 1e-10 (LTB/LSA); the default`)
      .option('--converged-distance <r>', `relative parameter tolerance of --until-converged for GD flows: ‖θ − θ*‖ ≤ r·(1 + ‖θ*‖) (default ${DEFAULT_CONVERGED_DISTANCE})`, parsePositiveOption('--converged-distance'))
      .option('--converged-gap <g>', `relative gap target of --until-converged (default ${DEFAULT_CONVERGED_GAP})`, parsePositiveOption('--converged-gap'))
      .option('--max-steps <N>', 'cap on step attempts', parseIntOption('--max-steps', 1, 1e9), 100_000)
      .option('--out <dir>', 'write trajectory.csv, result.json and rate.svg into this directory')
      .option('--save-every <K>', 'with --out: write every K-th saved step to trajectory.csv (and always the last)', parseIntOption('--save-every', 1, 1e9), 1),
  ).action(async (opts: FlowOpts) => {
    if (opts.tEnd !== undefined && opts.untilConverged) {
      throw new InputError('--t-end', 'cannot be combined with --until-converged: choose one stopping rule');
    }
    if (opts.dt !== undefined && (opts.rtol !== undefined || opts.atol !== undefined)) {
      throw new InputError(opts.rtol !== undefined ? '--rtol' : '--atol', 'has no effect with a fixed step --dt: remove one of them');
    }
    if (opts.dt !== undefined && opts.dtMax !== undefined) throw new InputError('--dt-max', 'has no effect with a fixed step --dt');
    if (opts.model === 'gd-multistep') {
      await multistepFlowCommand(opts);
      return;
    }
    if (opts.steps !== undefined) throw new InputError('--steps', `applies to --model gd-multistep only, not to --model ${opts.model}`);
    const problem = loadProblem(opts.problem);
    let init: RunFlowOptions['init'];
    if (opts.init === undefined || opts.init === 'zero' || opts.init === 'random') init = opts.init;
    else init = parseJsonFile(opts.init, '--init', (v) => parseEstimator(v, problem.d));

    const model = opts.model;
    const progress = progressLine(model);
    const run = withFlagNames(FLOW_FLAGS, () => runFlow(problem, {
      model,
      parametrization: opts.parametrization,
      init,
      seed: opts.seed,
      initScale: opts.initScale,
      method: opts.method,
      rtol: opts.rtol,
      atol: opts.atol,
      dt: opts.dt,
      dtMax: opts.dtMax,
      tEnd: opts.tEnd,
      convergedGap: opts.convergedGap,
      convergedDistance: opts.convergedDistance,
      maxSteps: opts.maxSteps,
      onStep: progress?.update,
    }), opts.problem);
    progress?.done();
    const measures = flowMeasures(problem, run);
    const result = summary(run, measures);
    if (opts.out !== undefined) await writeOutputs(opts.out, run, measures, result, opts.saveEvery);
    emit(opts.json, result, () => human(run, result));
    const failure = FAILURE_ADVICE[run.status];
    if (failure !== undefined) {
      process.stderr.write(`linear-icl: numerical failure: the flow stopped (${run.status}) after ${run.steps} steps at t = ${fmt(run.t)} with R − R* = ${fmt(result.gap)}: ${failure}\n`);
      process.exitCode = EXIT.numerical;
    }
  });
}

interface FlowSummary {
  status: string;
  model: string;
  method: string;
  finalRisk: number;
  optimalRisk: number;
  gap: number;
  distanceToOptimum: number | null;
  measuredRate: number | null;
  predictedRate: number | null;
  rateNote: string | null;
  predictedRateNote: string | null;
  statusNote: string | null;
  methodReason: string;
  nfev: number;
  steps: number;
  rejected: number;
  nlinsolve: number;
  t: number;
  wallTimeMs: number;
  verdict: Record<string, unknown>;
  estimator: Record<string, unknown>;
}

function summary(run: FlowRun, measures: FlowMeasures): FlowSummary {
  const v = run.verdict;
  const { finalRisk, distanceToOptimum, measuredRate, predictedRate, rateNote, predictedRateNote } = measures;
  const { kind: _kind, ...rest } = v as unknown as Record<string, unknown> & { kind: string };
  void _kind;
  return {
    status: run.status,
    model: run.model,
    method: run.method,
    finalRisk,
    optimalRisk: run.optimalRisk,
    gap: v.gap,
    distanceToOptimum,
    measuredRate,
    predictedRate,
    rateNote,
    predictedRateNote,
    statusNote: run.statusNote,
    methodReason: run.methodReason,
    nfev: run.nfev,
    steps: run.steps,
    rejected: run.rejected,
    nlinsolve: run.nlinsolve,
    t: run.t,
    wallTimeMs: run.wallTimeMs,
    verdict: rest,
    estimator: estimatorToJSON(run.estimator),
  };
}

function human(run: FlowRun, s: FlowSummary): string {
  const lines = [
    `model      ${s.model}   method ${s.method}   status ${s.status}`,
    `t          ${fmt(s.t)}   steps ${s.steps} (+${s.rejected} rejected)   gradient evaluations ${s.nfev}${s.nlinsolve ? `   linear solves ${s.nlinsolve}` : ''}   ${s.wallTimeMs.toFixed(0)} ms`,
    `risk       ${fmt(s.finalRisk)}   optimum R* ${fmt(s.optimalRisk)}${run.model === 'gd-0' ? ' (GD-0)' : ' (GD-β)'}   R − R* ${fmt(s.gap)}`,
    `distance   ${s.distanceToOptimum === null ? 'n/a (no effective GD-β)' : fmt(s.distanceToOptimum)}  ‖(Γ, β₀) − (Γ*, β*)‖_F`,
  ];
  if (s.predictedRate !== null || s.measuredRate !== null) {
    lines.push(`rate       measured ${s.measuredRate === null ? 'n/a' : fmt(s.measuredRate)}   predicted ${s.predictedRate === null ? 'n/a' : fmt(s.predictedRate)}  (d log(R − R*)/dt)`);
  }
  if (s.rateNote !== null) lines.push(`           ${s.rateNote}`);
  if (s.predictedRateNote !== null) lines.push(`           predicted rate ${s.predictedRateNote}`);
  lines.push(`method     ${s.methodReason}`);
  if (s.statusNote !== null) lines.push(`status     ${s.statusNote}`);
  const v = run.verdict;
  if (v.kind === 'gd') lines.push(`monotone   ${v.monotone ? 'yes' : `no (largest rise ${fmt(v.maxRelativeIncrease)}·R*)`}`);
  if (v.kind === 'attention') {
    lines.push(`basin      ${v.basin}   ‖∇R‖ ${fmt(v.gradNorm)}   effective GD-β: ${v.effectiveOk ? 'yes' : `no (${v.effectiveReason})`}   ‖β_m − β*‖ ${fmt(v.betaMError)}`);
  }
  if (v.kind === 'zfb') {
    lines.push(`ZFB        |Δ(u² − ‖U‖²_F)| ${fmt(v.conservationResidual)}   distance to predicted limit ${fmt(v.distanceToPredicted)}   monotone ${v.monotone ? 'yes' : 'no'}`);
  }
  return lines.join('\n');
}

/** The flow's progress on a terminal: steps, t, R − R*, and for GD/ZFB flows a bar of log-progress of R − R* toward the gap target. */
function progressLine(model: FlowModel): { update: (info: { t: number; step: number; gap: number }) => void; done: () => void } | undefined {
  const line = terminalProgress();
  if (!line) return undefined;
  let first = NaN;
  return {
    update: ({ t, step, gap }) => {
      if (Number.isNaN(first) && gap > 0) first = gap;
      const logProgress = (model === 'gd-beta' || model === 'gd-0' || model === 'zfb') && gap > 0 && first > 0;
      line.update(logProgress ? Math.log(first / gap) / Math.log(1 / DEFAULT_CONVERGED_GAP) : null, `step ${step}  t ${t.toExponential(3)}  R − R* ${gap.toExponential(3)}`);
    },
    done: () => line.done(),
  };
}

/**
 * `--out DIR`: trajectory.csv (t, risk, gap at every `saveEvery`-th saved step and the last), result.json (the --json result)
 * and rate.svg with its vega-lite spec rate.vl.json (the report's figure pipeline).
 */
async function writeOutputs(dir: string, run: FlowRun, measures: FlowMeasures, result: FlowSummary, saveEvery: number): Promise<void> {
  makeDirectory(dir, '--out');
  const lines = ['t,risk,gap'];
  const n = run.ts.length;
  for (let k = 0; k < n; k++) if (k % saveEvery === 0 || k === n - 1) lines.push(`${run.ts[k]},${run.risks[k]},${run.gaps[k]}`);
  writeFileSync(join(dir, 'trajectory.csv'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'result.json'), `${JSON.stringify(result, jsonReplacer, 2)}\n`);
  const fig = await renderFigureSvg(flowRunFigure(run, measures));
  writeFileSync(join(dir, 'rate.svg'), fig.svg);
  writeFileSync(join(dir, 'rate.vl.json'), `${JSON.stringify(fig.spec, null, 2)}\n`);
}

/** `--steps`: an integer 1..3, with the reason for the cap (exit 2 otherwise). */
function parseSteps(v: string): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1 || x > GD_MULTISTEP_MAX_STEPS) {
    throw new InputError('--steps', `must be an integer 1..${GD_MULTISTEP_MAX_STEPS} for general Γ_l, got '${v}': the exact GD-β^L risk (docs/math.md §3.6) enumerates Wick pairings, ≈ 3.5·10⁶ at L = 4`);
  }
  return x;
}

/** `flow --model gd-multistep`: the optimum (src/optimum), then the flow judged against it (src/flow runMultistepFlow). */
async function multistepFlowCommand(opts: FlowOpts): Promise<void> {
  const unsupported: [keyof FlowOpts, string][] = [['dt', '--dt'], ['dtMax', '--dt-max'], ['initScale', '--init-scale'], ['untilConverged', '--until-converged']];
  for (const [k, flag] of unsupported) if (opts[k] !== undefined) throw new InputError(flag, 'is not supported by --model gd-multistep (adaptive tsit5/rosenbrock to --t-end or the default horizon 40/(2λ_min))');
  if (opts.parametrization !== 'reduced') throw new InputError('--parametrization', 'applies to --model ltb/lsa only');
  const method = opts.method === 'auto' || opts.method === 'tsit5' ? 'tsit5' : opts.method === 'rosenbrock' ? 'rodas4' : null;
  if (method === null) throw new InputError('--method', `must be auto, tsit5 or rosenbrock with --model gd-multistep, got '${opts.method}'`);
  const problem = loadProblem(opts.problem);
  let init: 'zero' | GdMultistep = 'zero';
  if (opts.init === 'random') throw new InputError('--init', "must be 'zero' or an estimator file with --model gd-multistep");
  if (opts.init !== undefined && opts.init !== 'zero') {
    const est = parseJsonFile(opts.init, '--init', (v) => parseEstimator(v, problem.d));
    if (est.kind !== 'gd-multistep') throw new InputError('--init', `must be a 'gd-multistep' estimator, got '${est.kind}'`);
    init = est;
  }
  const steps = opts.steps ?? (init !== 'zero' ? init.Gammas.length : undefined);
  if (steps === undefined) throw new InputError('--steps', `is required with --model gd-multistep and --init zero (the number of GD steps L, 1..${GD_MULTISTEP_MAX_STEPS})`);
  const flags = { ...FLOW_FLAGS, steps: '--steps', init: '--init' };
  const opt = withFlagNames(flags, () => optimum(problem, 'gd-multistep', { steps, seed: opts.seed }), opts.problem);
  const run = withFlagNames(flags, () => runMultistepFlow(problem, {
    steps, init, reference: opt, method,
    ...(opts.rtol !== undefined ? { rtol: opts.rtol } : {}), ...(opts.atol !== undefined ? { atol: opts.atol } : {}),
    ...(opts.tEnd !== undefined ? { tEnd: opts.tEnd } : {}), maxSteps: opts.maxSteps,
    ...(opts.convergedGap !== undefined ? { convergedGap: opts.convergedGap } : {}), ...(opts.convergedDistance !== undefined ? { convergedDistance: opts.convergedDistance } : {}),
  }), opts.problem);
  const v = run.verdict;
  const result = {
    status: run.status, statusNote: run.statusNote, model: run.model, steps: run.steps, method: run.method, finalRisk: run.finalRisk, optimalRisk: run.optimalRisk,
    gap: run.finalRisk - run.optimalRisk, distanceToOptimum: v?.distanceModuloOrder ?? null, distancePlain: v?.distance ?? null,
    measuredRate: v?.measuredRate ?? null, predictedRate: v?.predictedRate ?? null, rateRatio: v?.rateRatio ?? null,
    hessianMin: v?.hessianMin ?? null, hessianMax: v?.hessianMax ?? null, gradNorm: v?.gradNorm ?? null, monotone: v?.monotone ?? null,
    tolerances: v?.tolerances ?? null, nfev: run.nfev, accepted: run.accepted, rejected: run.rejected, t: run.t, wallTimeMs: run.wallTimeMs,
    optimumStarts: opt.starts.length, optimumSpread: opt.spread, estimator: estimatorToJSON(run.estimator), optimum: estimatorToJSON(opt.estimator),
  };
  if (opts.out !== undefined) {
    makeDirectory(opts.out, '--out');
    const lines = ['t,risk,gap'];
    const n = run.ts.length;
    for (let k = 0; k < n; k++) if (k % opts.saveEvery === 0 || k === n - 1) lines.push(`${run.ts[k]},${run.risks[k]},${run.gaps[k]}`);
    writeFileSync(join(opts.out, 'trajectory.csv'), `${lines.join('\n')}\n`);
    writeFileSync(join(opts.out, 'result.json'), `${JSON.stringify(result, jsonReplacer, 2)}\n`);
    const fig = await renderFigureSvg(multistepFlowFigure(run));
    writeFileSync(join(opts.out, 'rate.svg'), fig.svg);
    writeFileSync(join(opts.out, 'rate.vl.json'), `${JSON.stringify(fig.spec, null, 2)}\n`);
  }
  emit(opts.json, result, () => multistepHuman(run, result.gap));
  if (run.status === 'maxStepsReached' || run.status === 'stepSizeTooSmall' || run.status === 'nonFiniteState') {
    process.stderr.write(`linear-icl: numerical failure: the flow stopped (${run.status}) after ${run.accepted} steps at t = ${fmt(run.t)}: ${FAILURE_ADVICE[run.status] ?? ''}\n`);
    process.exitCode = EXIT.numerical;
  }
}

function multistepHuman(run: MultistepFlowRun, gap: number): string {
  const v = run.verdict;
  const lines = [
    `model      gd-multistep (L = ${run.steps})   method ${run.method}   status ${run.status}`,
    `t          ${fmt(run.t)}   steps ${run.accepted} (+${run.rejected} rejected)   gradient evaluations ${run.nfev}   ${run.wallTimeMs.toFixed(0)} ms`,
    `risk       ${fmt(run.finalRisk)}   optimum R*_L ${fmt(run.optimalRisk)}   R − R* ${fmt(gap)}`,
  ];
  if (v !== null) {
    lines.push(`distance   ${fmt(v.distanceModuloOrder)} modulo the order of the steps (plain ${fmt(v.distance)})  ‖θ − θ*‖`);
    lines.push(`rate       measured ${v.measuredRate === null ? 'n/a' : fmt(v.measuredRate)}   predicted −2λ_min(∇²R*) ${fmt(v.predictedRate)}  (d log(R − R*)/dt)`);
    lines.push(`monotone   ${v.monotone ? 'yes' : 'no'}   ‖∇R‖ at the end ${fmt(v.gradNorm)}`);
  }
  lines.push(`status     ${run.statusNote}`);
  return lines.join('\n');
}
