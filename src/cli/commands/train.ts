/**
 * `linear-icl train --problem P.json [--model lsa|ltb|gd-beta|gd-0] [--optimizer adam|sgd] [--lr η]
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
import { estimatorToJSON, parseEstimator, type Estimator } from '../../models/index.js';
import {
  DEFAULT_TEST_SIZE, TRAIN_MODELS, TRAIN_OPTIMIZERS, TRAIN_SAMPLERS, flowRiskAt, train, writeTraining,
  type TrainModel, type TrainOptimizer, type TrainOptions, type TrainResult, type TrainRow,
} from '../../train/index.js';
import { emit, jsonReplacer, parseIntOption, parseJsonFile, parsePositiveOption, withFlagNames } from '../io.js';
import { fmt, loadProblem, withJson } from './common.js';

interface TrainOpts {
  problem: string;
  model: TrainModel;
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
  logEvery: '--log-every', testSize: '--test-size', dF: '--d-f', sampler: '--sampler',
};

/** Registers `linear-icl train` (see the module comment). */
export function registerTrain(program: Command): void {
  withJson(
    program
      .command('train')
      .description('train on freshly sampled prompts (Adam or SGD) and record the exact population risk of every logged iterate beside the finite-test-set estimate (docs/math.md §3)')
      .requiredOption('--problem <file>', 'problem JSON')
      .addOption(new Option('--model <model>', 'what is trained').choices([...TRAIN_MODELS]).default('ltb'))
      .addOption(new Option('--optimizer <o>', 'optimizer on the empirical loss').choices([...TRAIN_OPTIMIZERS]).default('adam'))
      .option('--lr <η>', 'learning rate (Adam) or step size (SGD) (default 1e-3)', parsePositiveOption('--lr'))
      .option('--batch <B>', 'fresh prompts per step (default 64)', parseIntOption('--batch', 1, 1e7))
      .option('--steps <N>', 'optimizer steps (default 1000)', parseIntOption('--steps', 0, 1e9))
      .option('--init <init>', "start: 'zero', 'random' or an estimator JSON file of the model's kind (default: random for LSA/LTB, zero for GD)")
      .option('--seed <S>', 'seed of the start, the training prompts and the test set', parseIntOption('--seed', 0, 2 ** 32 - 1), 1)
      .option('--log-every <K>', 'log a row every K steps (and the last; default steps/100)', parseIntOption('--log-every', 1, 1e9))
      .option('--test-size <n>', `prompts in the fixed test set the papers' estimate uses; 0 for none (default ${DEFAULT_TEST_SIZE})`, parseIntOption('--test-size', 0, 1e8))
      .option('--d-f <k>', 'LTB MLP width (default d + 1)', parseIntOption('--d-f', 1, 1e5))
      .addOption(new Option('--sampler <s>', 'training prompts: the full prompt (direct) or its Wishart sufficient statistic (exact in distribution, faster)').choices([...TRAIN_SAMPLERS]).default('auto'))
      .option('--out <dir>', 'write trajectory.csv, result.json and the figure into this directory'),
  ).action(async (opts: TrainOpts) => {
    const problem = loadProblem(opts.problem);
    let init: TrainOptions['init'];
    if (opts.init === undefined || opts.init === 'zero' || opts.init === 'random') init = opts.init;
    else init = parseJsonFile(opts.init, '--init', (v) => parseEstimator(v, problem.d));
    const steps = opts.steps ?? 1000;
    const bar = process.stderr.isTTY ? progressBar(steps) : undefined;
    const result = withFlagNames(TRAIN_FLAGS, () => train(problem, {
      model: opts.model, optimizer: opts.optimizer, lr: opts.lr, batch: opts.batch, steps, init, seed: opts.seed,
      logEvery: opts.logEvery, testSize: opts.testSize, dF: opts.dF, sampler: opts.sampler, onProgress: bar?.update,
    }), opts.problem);
    bar?.done();
    const summary = trainSummary(result);
    if (opts.out !== undefined) {
      // SGD with step lr follows the exact flow at t = lr·step (docs/math.md §4); Adam's steps have no
      // such clock, so its figure shows no flow curve (flowNote says so).
      let flow: Float64Array | undefined;
      let flowNote: string;
      if (result.optimizer !== 'sgd') flowNote = `no flow curve: ${result.optimizer} has no matched gradient-flow time (only SGD follows the flow at t = lr·step)`;
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
function trainSummary(r: TrainResult): Record<string, unknown> {
  const last = r.rows[r.rows.length - 1];
  return {
    model: r.model, optimizer: r.optimizer, lr: r.lr, batch: r.batch, steps: r.steps, seed: r.seed, sampler: r.sampler,
    dF: r.dF, testSize: r.testSize,
    finalRisk: r.finalRisk, optimumRisk: r.optimumRisk, gap: r.finalRisk - r.optimumRisk,
    testLoss: orNull(last?.testLoss), testStderr: orNull(last?.testStderr),
    paramDistance: orNull(last?.paramDistance),
    effectiveGdBeta: last?.effectiveGdBeta ? estimatorToJSON(last.effectiveGdBeta) : null,
    stepsPerSecond: r.timing.stepsPerSecond, wallTimeMs: r.timing.totalMs,
    rows: r.rows.map(rowJson),
    estimator: estimatorToJSON(r.estimator as Estimator),
  };
}

/** NaN marks a quantity that does not exist (no test set, no GD-β reading): null in JSON. */
function orNull(x: number | undefined): number | null {
  return x === undefined || Number.isNaN(x) ? null : x;
}

function rowJson(row: TrainRow): Record<string, unknown> {
  return {
    step: row.step, t: row.t, batchLoss: row.batchLoss, risk: row.risk, gap: orNull(row.gap), testLoss: orNull(row.testLoss),
    testStderr: orNull(row.testStderr), effectiveOk: row.effectiveOk, paramDistance: orNull(row.paramDistance),
  };
}

function humanSummary(r: TrainResult, out: string | undefined): string {
  const last = r.rows[r.rows.length - 1];
  const lines = [
    `model        ${r.model} (${r.optimizer}, lr ${r.lr}, batch ${r.batch}, ${r.steps} steps, seed ${r.seed}, ${r.sampler} prompts)`,
    `exact risk   ${fmt(r.finalRisk)}  (population risk of the final weights)`,
    `optimum      ${fmt(r.optimumRisk)}  (R* of the class; gap ${fmt(r.finalRisk - r.optimumRisk)})`,
  ];
  if (last && r.testSize > 0) lines.push(`test set     ${fmt(last.testLoss)} ± ${fmt(last.testStderr)}  (${r.testSize} prompts, as the papers estimate it)`);
  if (last && Number.isFinite(last.paramDistance)) lines.push(`distance     ${fmt(last.paramDistance)}  (relative, effective (Γ, β₀) to the optimum's)`);
  lines.push(`speed        ${fmt(r.timing.stepsPerSecond)} steps/s`);
  if (out !== undefined) lines.push(`written      ${out}/trajectory.csv, result.json and the figure`);
  return lines.join('\n');
}

/** A one-line progress bar with ETA on stderr (TTY only). */
function progressBar(total: number): { update: (row: TrainRow) => void; done: () => void } {
  const start = Date.now();
  let shown = false;
  return {
    update(row) {
      const frac = total > 0 ? row.step / total : 1;
      const el = (Date.now() - start) / 1000;
      const eta = frac > 0 ? (el * (1 - frac)) / frac : NaN;
      const width = 30;
      const filled = Math.round(frac * width);
      process.stderr.write(`\rtrain [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${row.step}/${total}  risk ${row.risk.toPrecision(5)}  ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : '?'}   `);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\n');
    },
  };
}
