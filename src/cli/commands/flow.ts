/**
 * `linear-icl flow --problem P.json [--model gd-beta|gd-0|ltb|lsa|zfb] [--init zero|random|E.json]
 *  [--seed S] [--method auto|euler|rk4|bosh3|dopri5|tsit5|dop853|rosenbrock|etd2|etd3|etd4] [--rtol R]
 *  [--atol A] [--dt H] [--t-end T | --until-converged] [--out DIR] [--json]` — integrate an exact
 * population gradient flow (math.md §4) and print its verdict and work counters.
 *
 * With `--json` one object with at least: status, finalRisk, optimalRisk (closed-form R*_GDβ, or
 * R*_GD0 for `--model gd-0`), distanceToOptimum (Frobenius distance of the endpoint's effective
 * (Γ, β₀) to (Γ*, β*)), measuredRate, predictedRate, nfev, steps. `--out DIR` writes
 * trajectory.csv (t, risk, gap) and rate.svg (log₁₀(R − R*) against t with the predicted slope).
 * A progress line goes to stderr only when stderr is a TTY. Exit 2 for bad options (naming the
 * option), 3 when the integration failed (maxStepsReached, stepSizeTooSmall, nonFiniteState).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { InputError } from '../../errors.js';
import {
  DEFAULT_ATOL,
  DEFAULT_CONVERGED_GAP,
  DEFAULT_RTOL,
  FLOW_METHODS,
  FLOW_MODELS,
  fitTailRate,
  gdBetaFlow,
  runFlow,
  type FlowMethod,
  type FlowModel,
  type FlowRun,
  type RunFlowOptions,
} from '../../flow/index.js';
import { estimatorToJSON, parseEstimator, type Problem } from '../../models/index.js';
import { emit, parseIntOption, parseJsonFile, parsePositiveOption } from '../io.js';
import { fmt, loadProblem, withJson } from './common.js';

interface FlowOpts {
  problem: string;
  model: FlowModel;
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
  maxSteps: number;
  out?: string;
  json: boolean;
}

/** Registers `linear-icl flow` (see the module comment for options, output and exit codes). */
export function registerFlow(program: Command): void {
  withJson(
    program
      .command('flow')
      .description('integrate the exact population gradient flow of GD-β, GD-0, LTB, LSA or ZFB\'s LSA and judge the endpoint (math.md §4)')
      .requiredOption('--problem <file>', 'problem JSON')
      .addOption(new Option('--model <model>', 'which flow').choices([...FLOW_MODELS]).default('gd-beta'))
      .addOption(new Option('--parametrization <p>', 'LTB/LSA parameters: reduced (β_m, p, Q) or raw weights').choices(['reduced', 'raw']).default('reduced'))
      .option('--init <init>', "start: 'zero', 'random' or an estimator JSON file (default: zero for GD flows, random for LTB/LSA)")
      .option('--seed <S>', 'seed of random starts', parseIntOption('--seed', 0, 2 ** 32 - 1), 1)
      .option('--init-scale <s>', 'entry scale of random LTB/LSA starts, or ZFB\'s balanced scale s', parsePositiveOption('--init-scale'))
      .addOption(new Option('--method <m>', 'integrator (auto: etd4 for GD flows, rosenbrock or tsit5 for LTB/LSA, dop853 for ZFB)').choices([...FLOW_METHODS]).default('auto'))
      .option('--rtol <r>', `relative tolerance of adaptive methods (default ${DEFAULT_RTOL})`, parsePositiveOption('--rtol'))
      .option('--atol <a>', `absolute tolerance of adaptive methods (default ${DEFAULT_ATOL})`, parsePositiveOption('--atol'))
      .option('--dt <h>', 'fixed step size (required by euler and rk4; euler with --dt η is gradient descent with learning rate η)', parsePositiveOption('--dt'))
      .option('--dt-max <h>', 'largest adaptive step (default: none; 1/λ_min(∇²R*) for etd methods)', parsePositiveOption('--dt-max'))
      .option('--t-end <T>', 'integrate to time T', parsePositiveOption('--t-end'))
      .option('--until-converged', `run until R − R* ≤ gap·R* (GD/ZFB) or RMS ∇R ≤ 1e-10 (LTB/LSA); the default`)
      .option('--converged-gap <g>', `relative gap target of --until-converged (default ${DEFAULT_CONVERGED_GAP})`, parsePositiveOption('--converged-gap'))
      .option('--max-steps <N>', 'cap on step attempts', parseIntOption('--max-steps', 1, 1e9), 100_000)
      .option('--out <dir>', 'write trajectory.csv and rate.svg into this directory'),
  ).action((opts: FlowOpts) => {
    if (opts.tEnd !== undefined && opts.untilConverged) {
      throw new InputError('--t-end', 'cannot be combined with --until-converged: choose one stopping rule');
    }
    if (opts.dt !== undefined && (opts.rtol !== undefined || opts.atol !== undefined)) {
      throw new InputError(opts.rtol !== undefined ? '--rtol' : '--atol', 'has no effect with a fixed step --dt: remove one of them');
    }
    if (opts.dt !== undefined && opts.dtMax !== undefined) throw new InputError('--dt-max', 'has no effect with a fixed step --dt');
    const problem = loadProblem(opts.problem);
    let init: RunFlowOptions['init'];
    if (opts.init === undefined || opts.init === 'zero' || opts.init === 'random') init = opts.init;
    else init = parseJsonFile(opts.init, '--init', (v) => parseEstimator(v, problem.d));

    const progress = process.stderr.isTTY ? progressLine(opts.model) : undefined;
    const run = runFlow(problem, {
      model: opts.model,
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
      maxSteps: opts.maxSteps,
      onStep: progress?.update,
    });
    progress?.done();
    const result = summary(problem, run);
    if (opts.out !== undefined) writeOutputs(opts.out, run, result.predictedRate);
    emit(opts.json, result, () => human(run, result));
    if (run.status === 'maxStepsReached' || run.status === 'stepSizeTooSmall' || run.status === 'nonFiniteState') process.exitCode = 3;
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
  nfev: number;
  steps: number;
  rejected: number;
  nlinsolve: number;
  t: number;
  wallTimeMs: number;
  verdict: Record<string, unknown>;
  estimator: Record<string, unknown>;
}

function summary(problem: Problem, run: FlowRun): FlowSummary {
  const v = run.verdict;
  let distanceToOptimum: number | null;
  let measuredRate: number | null;
  let predictedRate: number | null;
  let finalRisk: number;
  const gapsFloor = 1e-13 * run.optimalRisk;
  if (v.kind === 'gd') {
    distanceToOptimum = v.distanceToOptimum;
    measuredRate = v.measuredRate;
    predictedRate = v.predictedRate;
    finalRisk = v.finalRisk;
  } else if (v.kind === 'attention') {
    distanceToOptimum = v.distanceToOptimum;
    // An LTB run that reached GD-β* has a measurable rate; there is no closed-form prediction.
    measuredRate = v.basin === 'global' ? (fitTailRate(run.ts, run.gaps, gapsFloor)?.rate ?? null) : null;
    predictedRate = null;
    finalRisk = v.finalRisk;
  } else {
    // ZFB: the effective estimator is GD-0 with Γ = uUᵀ (β₀ = 0 = β*).
    const gd = gdBetaFlow(problem, 'gd-beta');
    const est = run.estimator;
    let dist = 0;
    if (est.kind === 'lsa') {
      const d = problem.d;
      const m = d + 1;
      const u = est.WPV.data[m * m - 1]!;
      const Gamma = { rows: d, cols: d, data: new Float64Array(d * d) };
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Gamma.data[i * d + j] = u * est.WKQ.data[j * m + i]!;
      dist = gd.distance(gd.fromEstimator({ kind: 'gd-beta', Gamma, beta0: new Float64Array(d) }));
    }
    distanceToOptimum = dist;
    measuredRate = fitTailRate(run.ts, run.gaps, gapsFloor)?.rate ?? null;
    predictedRate = null;
    finalRisk = v.finalRisk;
  }
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
    lines.push(`rate       measured ${s.measuredRate === null ? 'n/a (tail too short)' : fmt(s.measuredRate)}   predicted ${s.predictedRate === null ? 'n/a' : fmt(s.predictedRate)}  (d log(R − R*)/dt)`);
  }
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

/** A one-line progress display on stderr (TTY only): steps, t, and log-progress of R − R*. */
function progressLine(model: FlowModel): { update: (info: { t: number; step: number; gap: number }) => void; done: () => void } {
  let lastDraw = 0;
  let first = NaN;
  const width = 24;
  return {
    update: ({ t, step, gap }) => {
      const now = Date.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      if (Number.isNaN(first) && gap > 0) first = gap;
      let bar = '';
      if ((model === 'gd-beta' || model === 'gd-0' || model === 'zfb') && gap > 0 && first > 0) {
        const frac = Math.min(1, Math.max(0, Math.log(first / gap) / Math.log(1 / DEFAULT_CONVERGED_GAP)));
        const k = Math.round(frac * width);
        bar = `[${'#'.repeat(k)}${'.'.repeat(width - k)}] `;
      }
      process.stderr.write(`\r${bar}step ${step}  t ${t.toExponential(3)}  R − R* ${gap.toExponential(3)}   `);
    },
    done: () => {
      if (lastDraw > 0) process.stderr.write('\n');
    },
  };
}

function writeOutputs(dir: string, run: FlowRun, predictedRate: number | null): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new InputError('--out', `cannot create directory ${dir} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const lines = ['t,risk,gap'];
  for (let k = 0; k < run.ts.length; k++) lines.push(`${run.ts[k]},${run.risks[k]},${run.gaps[k]}`);
  writeFileSync(join(dir, 'trajectory.csv'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'rate.svg'), rateSvg(run, predictedRate));
}

/**
 * A small hand-written SVG: log₁₀(R − R*) against t (points with R − R* > 0), and the predicted
 * slope (rate/ln 10 per unit t) drawn through the last plotted point.
 */
export function rateSvg(run: FlowRun, predictedRate: number | null): string {
  const W = 640;
  const H = 400;
  const L = 70;
  const Rm = 20;
  const T = 30;
  const B = 50;
  const pts: [number, number][] = [];
  for (let k = 0; k < run.ts.length; k++) if (run.gaps[k]! > 0 && Number.isFinite(run.gaps[k]!)) pts.push([run.ts[k]!, Math.log10(run.gaps[k]!)]);
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`;
  if (pts.length < 2) return `${head}<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no positive R − R* to plot</text></svg>\n`;
  const t0 = pts[0]![0];
  const t1 = pts[pts.length - 1]![0];
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const [, y] of pts) {
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (y1 - y0 < 1e-9) y1 = y0 + 1;
  const sx = (t: number): number => L + ((t - t0) / (t1 - t0 || 1)) * (W - L - Rm);
  const sy = (y: number): number => T + ((y1 - y) / (y1 - y0)) * (H - T - B);
  const path = pts.map(([t, y], i) => `${i === 0 ? 'M' : 'L'}${sx(t).toFixed(2)},${sy(y).toFixed(2)}`).join(' ');
  const parts = [head, `<rect x="${L}" y="${T}" width="${W - L - Rm}" height="${H - T - B}" fill="none" stroke="#888"/>`];
  for (let k = 0; k <= 4; k++) {
    const y = y0 + ((y1 - y0) * k) / 4;
    const t = t0 + ((t1 - t0) * k) / 4;
    parts.push(`<text x="${L - 6}" y="${sy(y) + 4}" text-anchor="end">${y.toFixed(1)}</text>`);
    parts.push(`<text x="${sx(t)}" y="${H - B + 16}" text-anchor="middle">${t.toPrecision(3)}</text>`);
  }
  parts.push(`<path d="${path}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`);
  if (predictedRate !== null && Number.isFinite(predictedRate)) {
    const [ta, ya] = pts[pts.length - 1]!;
    const slope = predictedRate / Math.LN10;
    // Clip the predicted line to the plot box.
    const tb = Math.max(t0, ta + (y1 - ya) / slope);
    const yb = ya + slope * (tb - ta);
    parts.push(`<line x1="${sx(tb).toFixed(2)}" y1="${sy(Math.min(yb, y1)).toFixed(2)}" x2="${sx(ta).toFixed(2)}" y2="${sy(ya).toFixed(2)}" stroke="#d62728" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${W - Rm - 4}" y="${T + 16}" text-anchor="end" fill="#d62728">predicted slope −2λ_min(∇²R*) = ${esc(predictedRate.toExponential(3))}</text>`);
  }
  parts.push(`<text x="${(L + W - Rm) / 2}" y="${H - 12}" text-anchor="middle">t</text>`);
  parts.push(`<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">log10(R − R*)</text>`);
  parts.push(`<text x="${L}" y="${T - 10}">${esc(`${run.model} flow, ${run.method}`)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
