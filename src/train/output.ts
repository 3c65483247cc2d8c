/**
 * Files of a training run: the trajectory as CSV and the training figure (a src/report
 * {@link LineFigure} → vega-lite spec → SVG): the exact risk of the sampled weights, the fixed test
 * set's estimate with ±2 standard errors, the exact gradient flow from the same start at matched
 * time t = lr·step, and the class optimum R* as a horizontal line. The y axis is the risk on a log
 * scale (the excess risk R − R* would drop the test-set points that fall below R*).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildVegaLiteSpec, makeDirectory, renderFigureSvg, type LineFigure, type Series } from '../report/index.js';
import type { Estimator, Stack } from '../models/index.js';
import type { TrainResult } from './train.js';

/** A run of any model: a stack run has no exact-risk curve (docs/math.md §2.5; its rows log risk NaN). */
export type AnyTrainResult = TrainResult<Estimator | Stack>;

/** CSV columns of {@link trajectoryCsv}, in order. */
export const TRAJECTORY_COLUMNS = [
  'step', 't', 'batch_loss', 'risk', 'gap', 'test_loss', 'test_stderr', 'flow_risk', 'effective_gd_beta', 'effective_reason', 'param_distance',
  'structure_residual',
] as const;

function cell(v: number): string {
  return Number.isNaN(v) ? '' : String(v);
}

/**
 * The trajectory as CSV (header {@link TRAJECTORY_COLUMNS}; numbers with full precision, empty cells
 * for NaN). `flowRisks` ([rows]) is the exact flow's risk at each row's t ({@link flowRiskAt}), optional.
 */
export function trajectoryCsv(result: AnyTrainResult, flowRisks?: Float64Array): string {
  const lines = [TRAJECTORY_COLUMNS.join(',')];
  result.rows.forEach((r, i) => {
    lines.push([
      r.step, cell(r.t), cell(r.batchLoss), cell(r.risk), cell(r.gap), cell(r.testLoss), cell(r.testStderr),
      flowRisks !== undefined ? cell(flowRisks[i]!) : '', r.effectiveOk ? 'true' : 'false', r.effectiveReason, cell(r.paramDistance),
      cell(r.structureResidual),
    ].join(','));
  });
  return `${lines.join('\n')}\n`;
}

/**
 * The training figure (module comment). x is t = lr·step for SGD (the flow's time), the step for Adam
 * (then the flow, whose time is not matched, is omitted).
 */
export function trainingFigure(result: AnyTrainResult, flowRisks?: Float64Array): LineFigure {
  const matched = result.optimizer === 'sgd';
  const xOf = (i: number): number => (matched ? result.rows[i]!.t : result.rows[i]!.step);
  const stack = result.model === 'stack';
  const series: Series[] = stack ? [] : [
    { name: 'exact risk of the trained weights', points: result.rows.map((r, i) => ({ x: xOf(i), y: r.risk })) },
  ];
  if (result.testSize > 0) {
    series.push({
      name: `test-set estimate (${result.testSize} prompts, ±2 s.e.)`, mark: 'point',
      points: result.rows.map((r, i) => ({ x: xOf(i), y: r.testLoss, yLow: r.testLoss - 2 * r.testStderr, yHigh: r.testLoss + 2 * r.testStderr })),
    });
  }
  if (flowRisks !== undefined && matched) {
    series.push({ name: 'exact gradient flow at t = lr·step', dash: true, points: result.rows.map((_, i) => ({ x: xOf(i), y: flowRisks[i]! })) });
  }
  const last = result.rows[result.rows.length - 1]!;
  const L = result.layers;
  const caption = stack
    ? `${L}-layer stack trained by ${result.optimizer} (lr ${result.lr}, batch ${result.batch}, ${result.steps} steps, ${result.sampler} prompts, seed ${result.seed}): ` +
      `final test-set loss ${last.testLoss.toPrecision(6)} ± ${last.testStderr.toPrecision(2)} (no closed-form risk for a stack), optimal ${L}-step GD-β R*_${L} = ${result.optimumRisk.toPrecision(6)}.`
    : `${result.model} trained by ${result.optimizer} (lr ${result.lr}, batch ${result.batch}, ${result.steps} steps, ${result.sampler} prompts, seed ${result.seed}): ` +
      `final exact risk ${result.finalRisk.toPrecision(6)}, class optimum R* = ${result.optimumRisk.toPrecision(6)}.`;
  const refLabel = stack ? `optimal ${L}-step GD-β R*_${L}` : 'class optimum R*';
  return {
    id: `train-${result.model}`,
    title: stack ? `${L}-layer stack: sampled training against the optimal ${L}-step GD-β` : `${result.model}: sampled training against the exact risk`,
    caption,
    x: { title: matched ? 't = lr·step' : 'step', format: '~g' },
    y: { title: 'risk (log scale)', scale: 'log' },
    series,
    hlines: Number.isFinite(result.optimumRisk) && result.optimumRisk > 0 ? [{ label: `${refLabel} = ${result.optimumRisk.toPrecision(4)}`, y: result.optimumRisk }] : [],
  };
}

/** Paths written by {@link writeTraining}. */
export interface WrittenTraining {
  /** trajectory.csv. */
  readonly csv: string;
  /** The vega-lite spec, `<figure id>.vl.json`. */
  readonly spec: string;
  /** The rendered figure, `<figure id>.svg`. */
  readonly svg: string;
}

/** Writes trajectory.csv, the figure's vega-lite spec and its SVG into `dir` (created if needed). */
export async function writeTraining(result: AnyTrainResult, dir: string, flowRisks?: Float64Array): Promise<WrittenTraining> {
  makeDirectory(dir, 'dir');
  const fig = trainingFigure(result, flowRisks);
  const csv = join(dir, 'trajectory.csv');
  const spec = join(dir, `${fig.id}.vl.json`);
  const svg = join(dir, `${fig.id}.svg`);
  writeFileSync(csv, trajectoryCsv(result, flowRisks));
  writeFileSync(spec, `${JSON.stringify(buildVegaLiteSpec(fig).spec, null, 2)}\n`);
  writeFileSync(svg, (await renderFigureSvg(fig)).svg);
  return { csv, spec, svg };
}
