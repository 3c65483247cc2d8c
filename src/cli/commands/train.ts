/**
 * `linear-icl train --problem P.json [--model lsa|ltb|gd-beta|gd-0|stack] [--layers L] [--optimizer adam|sgd] [--lr η]
 *  [--batch B] [--steps N] [--init zero|random|E.json] [--seed S] [--log-every K] [--test-size n]
 *  [--d-f k] [--sampler auto|direct|wishart] [--out DIR] [--json]` — train as the papers do (fresh
 * prompts every step, an optimizer on the empirical loss) and record, at every logged step, the
 * EXACT population risk of the weights beside the finite-test-set estimate the papers report.
 *
 * `--out DIR` writes trajectory.csv (one row per logged step, with the exact gradient flow's risk
 * from the same start at matched time t = lr·step), result.json (this command's JSON) and the figure
 * (SVG + vega-lite spec). A progress bar goes to stderr only when stderr is a TTY. Exit 2 for bad
 * options (naming the option), 3 when training diverged (with the step and a smaller lr to try).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { NumericalError } from '../../errors.js';
import { estimatorToJSON, parseEstimator, parseStack, stackToJSON, type Estimator, type Stack } from '../../models/index.js';
import {
  DEFAULT_TEST_SIZE, TRAIN_MODELS, TRAIN_OPTIMIZERS, TRAIN_SAMPLERS, flowRiskAt, train, writeTraining,
  MAX_STACK_LAYERS, type TrainModel, type TrainOptimizer, type TrainOptions, type TrainResult, type TrainRow,
} from '../../train/index.js';
import { emit, jsonReplacer, parseIntOption, parseJsonFile, parsePositiveOption, withFlagNames } from '../io.js';
import { terminalProgress } from '../progress.js';
import { fmt, loadProblem, withJson } from './common.js';

interface TrainOpts {
  problem: string;
  model: TrainModel | 'stack';
  layers?: number;
  optimizer: TrainOptimizer;
  lr?: number;
  batch?: number;
  steps?: number;
  init?: string;
  seed: number;
  logEvery?: number;
  testSize?: number;
  dF?: number;
  sampler: (typeof TRAIN_SAMPLERS)[number];
  out?: string;
  json: boolean;
}

/** The flag of each {@link TrainOptions} field, for the library's errors. */
const TRAIN_FLAGS: Readonly<Record<string, string>> = {
  model: '--model', optimizer: '--optimizer', lr: '--lr', batch: '--batch', steps: '--steps', init: '--init', seed: '--seed',
  logEvery: '--log-every', testSize: '--test-size', dF: '--d-f', sampler: '--sampler', layers: '--layers',
};

/** Registers `linear-icl train` (see the module comment). */
export function registerTrain(program: Command): void {
  withJson(
    program
      .command('train')
      .description('train on freshly sampled prompts (Adam or SGD) and record the exact population risk of every logged iterate beside the finite-test-set estimate (docs/math.md §3)')
      .requiredOption('--problem <file>', 'problem JSON')
      .addOption(new Option('--model <model>', 'what is trained (stack: an L-layer stack, docs/math.md §2.5)').choices([...TRAIN_MODELS, 'stack']).default('ltb'))
      .option('--layers <L>', `stack: number of layers (an LTB, then LSA layers: the architecture of GD-β^L; default 2)`, parseIntOption('--layers', 1, MAX_STACK_LAYERS))
      .addOption(new Option('--optimizer <o>', 'optimizer on the empirical loss').choices([...TRAIN_OPTIMIZERS]).default('adam'))
      .option('--lr <η>', 'learning rate (Adam) or step size (SGD) (default 1e-3)', parsePositiveOption('--lr'))
      .option('--batch <B>', 'fresh prompts per step (default 64)', parseIntOption('--batch', 1, 1e7))
      .option('--steps <N>', 'optimizer steps (default 1000)', parseIntOption('--steps', 0, 1e9))
      .option('--init <init>', "start: 'zero', 'random' or an estimator JSON file of the model's kind (default: random for LSA/LTB, zero for GD)")
      .option('--seed <S>', 'seed of the start, the training prompts and the test set', parseIntOption('--seed', 0, 2 ** 32 - 1), 1)
      .option('--log-every <K>', 'log a row every K steps (and the last; default steps/100)', parseIntOption('--log-every', 1, 1e9))
      .option('--test-size <n>', `prompts in the fixed test set the papers' estimate uses; 0 for none (default ${DEFAULT_TEST_SIZE})`, parseIntOption('--test-size', 0, 1e8))
      .option('--d-f <k>', 'LTB MLP width (default d + 1; stack: of its first layer, default 1)', parseIntOption('--d-f', 1, 1e5))
      .addOption(new Option('--sampler <s>', 'training prompts: the full prompt (direct) or its Wishart sufficient statistic (exact in distribution, faster)').choices([...TRAIN_SAMPLERS]).default('auto'))
      .option('--out <dir>', 'write trajectory.csv, result.json and the figure into this directory'),
  ).action(async (opts: TrainOpts) => {
    const problem = loadProblem(opts.problem);
    let init: TrainOptions['init'] | Stack;
    if (opts.init === undefined || opts.init === 'zero' || opts.init === 'random') init = opts.init;
    else if (opts.model === 'stack') init = parseJsonFile(opts.init, '--init', (v) => parseStack(v, problem.d));
    else init = parseJsonFile(opts.init, '--init', (v) => parseEstimator(v, problem.d));
    const steps = opts.steps ?? 1000;
    const bar = progressBar(steps);
    const common = {
      optimizer: opts.optimizer, lr: opts.lr, batch: opts.batch, steps, seed: opts.seed,
      logEvery: opts.logEvery, testSize: opts.testSize, dF: opts.dF, sampler: opts.sampler, onProgress: bar?.update,
    };
    const result: TrainResult<Estimator | Stack> = withFlagNames(TRAIN_FLAGS, () => (opts.model === 'stack'
      ? train(problem, { ...common, model: 'stack', layers: opts.layers, init: init as 'random' | Stack | undefined })
      : train(problem, { ...common, model: opts.model, init: init as TrainOptions['init'] })), opts.problem);
    bar?.done();
    const summary = trainSummary(result);
    if (opts.out !== undefined) {
      // SGD with step lr follows the exact flow at t = lr·step (docs/math.md §4); Adam's steps have no
      // such clock, so its figure shows no flow curve (flowNote says so).
      let flow: Float64Array | undefined;
      let flowNote: string;
      if (result.optimizer !== 'sgd') flowNote = `no flow curve: ${result.optimizer} has no matched gradient-flow time (only SGD follows the flow at t = lr·step)`;
      else if (result.initial.kind === 'stack') flowNote = 'no flow curve: no exact gradient flow exists for a stack (no closed-form risk)';
      else {
        try {
          flow = flowRiskAt(problem, result.initial, result.rows.map((r) => r.t));
          flowNote = 'the exact gradient flow from the same start at t = lr·step';
        } catch (e) {
          if (!(e instanceof NumericalError)) throw e;
          flowNote = `no flow curve: ${e.message}`;
        }
      }
      const written = await writeTraining(result, opts.out, flow);
      writeFileSync(join(opts.out, 'result.json'), `${JSON.stringify({ ...summary, flowNote, files: written }, jsonReplacer, 2)}\n`);
    }
    emit(opts.json, summary, () => humanSummary(result, opts.out));
  });
}

/** The JSON of one run: settings, the final numbers, every logged row and the trained estimator. */
function trainSummary(r: TrainResult<Estimator | Stack>): Record<string, unknown> {
  const last = r.rows[r.rows.length - 1];
  return {
    model: r.model, optimizer: r.optimizer, lr: r.lr, batch: r.batch, steps: r.steps, seed: r.seed, sampler: r.sampler,
    dF: r.dF, layers: r.layers, testSize: r.testSize,
    // A stack has no closed-form risk (finalRisk NaN): null, like the other absent quantities.
    finalRisk: orNull(r.finalRisk), optimumRisk: orNull(r.optimumRisk), gap: orNull(r.finalRisk - r.optimumRisk),
    testLoss: orNull(last?.testLoss), testStderr: orNull(last?.testStderr),
    paramDistance: orNull(last?.paramDistance), structureResidual: orNull(last?.structureResidual),
    effectiveGdBeta: last?.effectiveGdBeta ? estimatorToJSON(last.effectiveGdBeta) : null,
    stepsPerSecond: r.timing.stepsPerSecond, wallTimeMs: r.timing.totalMs,
    rows: r.rows.map(rowJson),
    estimator: r.estimator.kind === 'stack' ? stackToJSON(r.estimator) : estimatorToJSON(r.estimator),
  };
}

/** NaN marks a quantity that does not exist (no test set, no GD-β reading): null in JSON. */
function orNull(x: number | undefined): number | null {
  return x === undefined || Number.isNaN(x) ? null : x;
}

function rowJson(row: TrainRow): Record<string, unknown> {
  return {
    step: row.step, t: row.t, batchLoss: row.batchLoss, risk: orNull(row.risk), gap: orNull(row.gap), testLoss: orNull(row.testLoss),
    testStderr: orNull(row.testStderr), effectiveOk: row.effectiveOk, paramDistance: orNull(row.paramDistance),
    structureResidual: orNull(row.structureResidual),
  };
}

function humanSummary(r: TrainResult<Estimator | Stack>, out: string | undefined): string {
  const last = r.rows[r.rows.length - 1];
  const lines = r.model === 'stack'
    ? [
      `model        ${r.layers}-layer stack (${r.optimizer}, lr ${r.lr}, batch ${r.batch}, ${r.steps} steps, seed ${r.seed}, ${r.sampler} prompts)`,
      `exact risk   —  (no closed form for a stack: the test set below is the measure)`,
      `reference    ${fmt(r.optimumRisk)}  (R*_${r.layers} of the optimal ${r.layers}-step GD-β, which (2.19) represents exactly)`,
    ]
    : [
      `model        ${r.model} (${r.optimizer}, lr ${r.lr}, batch ${r.batch}, ${r.steps} steps, seed ${r.seed}, ${r.sampler} prompts)`,
      `exact risk   ${fmt(r.finalRisk)}  (population risk of the final weights)`,
      `optimum      ${fmt(r.optimumRisk)}  (R* of the class; gap ${fmt(r.finalRisk - r.optimumRisk)})`,
    ];
  if (last && r.testSize > 0) lines.push(`test set     ${fmt(last.testLoss)} ± ${fmt(last.testStderr)}  (${r.testSize} prompts, as the papers estimate it)`);
  if (last && Number.isFinite(last.structureResidual)) lines.push(`shape        ${fmt(last.structureResidual)}  (relative off-(2.19) weight; 0 = exactly the GD-β^L shape)`);
  if (last && Number.isFinite(last.paramDistance)) lines.push(`distance     ${fmt(last.paramDistance)}  (relative, effective (Γ, β₀) to the optimum's)`);
  lines.push(`speed        ${fmt(r.timing.stepsPerSecond)} steps/s`);
  if (out !== undefined) lines.push(`written      ${out}/trajectory.csv, result.json and the figure`);
  return lines.join('\n');
}

/** Training progress: steps done and the current exact risk (a stack: its test estimate), with ETA; terminal only. */
function progressBar(total: number): { update: (row: TrainRow) => void; done: () => void } | undefined {
  const line = terminalProgress({ showTime: true });
  if (!line) return undefined;
  return {
    update: (row) => line.update(
      total > 0 ? row.step / total : 1,
      `train ${row.step}/${total}  ${Number.isNaN(row.risk) ? `test ${row.testLoss.toPrecision(5)}` : `risk ${row.risk.toPrecision(5)}`}`,
      row.step >= total,
    ),
    done: () => line.done(),
  };
}
