/**
 * The verification report: claim tables and the four figures of `linear-icl verify`, as a
 * src/report {@link Report} (rendered by writeReport to report.md, index.html and SVG figures).
 *
 * Figures (on the suite's figure setting, default ZWB's: d = 5, H = Ψ = I, σ² = 0.25, β* = 10·𝟙):
 *  (a) risk vs M of LSA*, GD-0*, GD-β* = LTB* with the Bayes lower bound and the Bayes estimate ± 2 se;
 *  (b) LTB vs LSA: risk along the exact population gradient flow from one small random start, with the
 *      optimal levels as horizontal lines (ZWB's Fig. 1);
 *  (c) the GD-β flow: R − R* against t (log scale) with the predicted asymptotic slope −2λ_min;
 *  (d) LSA's additive error R*_LSA − R*_LTB against ‖β*‖_H and against σ (with ψ ∝ σ), with its
 *      σ = Ψ = 0 limit 2‖β*‖²_H/(M + 2);
 *  (g) when the suite ran TRAIN-1: its LTB and LSA training runs, exact risk beside the test-set
 *      estimate (ZWB Fig. 1);
 *  (f) when the suite ran GDL-1: the optimal L-step GD-β risk R*_L against L = 1, 2, 3 for each M,
 *      with the Bayes estimate and the Jensen lower bound as dashed reference lines (on GDL-1's
 *      problem; the optima are reused from the claim's cache, math.md §3.7).
 */
import { Rng } from '../linalg/index.js';
import { reducedSize, withProblem, type Problem } from '../models/index.js';
import { bayesReference, optimumGd0, optimumGdBeta } from '../risk/index.js';
import type { FlowMeasures, FlowRun, MultistepFlowRun } from '../flow/index.js';
import type { LineFigure, Report, Section, Table } from '../report/index.js';
import type { ClaimContext, ClaimResult } from './claims/index.js';
import { attentionFlowTrace, runGdBetaFlow, trainingShapeRuns, type GdBetaFlowRun } from './claims/index.js';
import { trainingFigure as sampledTrainingFigure } from '../train/index.js';
import type { PreciseResult } from './precise.js';
import { multistepRiskRows, type MultistepRiskRow } from './claims/multistep.js';
import type { FigureSetting, Suite, SuiteRun } from './suite.js';

/** Compact `name=value` list (4 significant digits) of a claim's measured numbers. */
export function formatMeasured(values: Readonly<Record<string, number>>, digits = 4): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${Number.isFinite(v) ? (Math.abs(v) !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(digits - 1) : Number(v.toPrecision(digits)).toString()) : String(v)}`)
    .join(', ');
}

/** The summary table: one row per result. */
export function claimsTable(results: readonly ClaimResult[]): Table {
  return {
    caption: 'Every claim checked (details per claim below)',
    columns: ['claim', 'problem', 'measured', 'tolerance', 'result'],
    rows: results.map((r) => [r.id, r.problem, formatMeasured(r.measured, 3), formatMeasured(r.tolerance, 2), r.error ? 'error' : r.pass ? 'pass' : 'fail']),
    align: ['l', 'l', 'l', 'l', 'c'],
  };
}

function pickM(s: FigureSetting): number {
  return s.M.includes(20) ? 20 : s.M[Math.floor(s.M.length / 2)]!;
}

/** The optimal risks of each class at one M (figure (a) and the findings). */
export interface RiskAtM {
  readonly M: number;
  readonly lsa: number;
  readonly gd0: number;
  readonly gdBeta: number;
  readonly bayesLower: number | null;
  readonly bayes: { readonly estimate: number; readonly stderr: number } | null;
}

/** The optimal risks of LSA, GD-0, GD-β (= LTB) and the Bayes reference at every M of the setting. */
export function risksVsM(s: FigureSetting, ctx: ClaimContext): RiskAtM[] {
  return s.M.map((M) => {
    const p = withProblem(s.problem, { M });
    const b = p.sigma2 > 0 ? bayesReference(p, { samples: ctx.bayesSamples, seed: ctx.seed }) : null;
    return {
      M, lsa: ctx.optimum(p, 'lsa').risk, gd0: optimumGd0(p).risk, gdBeta: optimumGdBeta(p).risk,
      bayesLower: b?.lower ?? null, bayes: b ? { estimate: b.estimate, stderr: b.stderr } : null,
    };
  });
}

/** Figure (a): risk vs M. */
export function riskVsMFigure(rows: readonly RiskAtM[]): LineFigure {
  const series: LineFigure['series'][number][] = [
    { name: 'LSA*', points: rows.map((r) => ({ x: r.M, y: r.lsa })), mark: 'line+point' },
    { name: 'GD-0*', points: rows.map((r) => ({ x: r.M, y: r.gd0 })), mark: 'line+point' },
    { name: 'GD-β* = LTB* (Bayes upper bound)', points: rows.map((r) => ({ x: r.M, y: r.gdBeta })), mark: 'line+point' },
  ];
  const withBayes = rows.filter((r) => r.bayes !== null);
  if (withBayes.length) {
    series.push({ name: 'Bayes lower bound (Jensen)', points: withBayes.map((r) => ({ x: r.M, y: r.bayesLower! })), dash: true });
    series.push({
      name: 'Bayes estimate ± 2 se', mark: 'point',
      points: withBayes.map((r) => ({ x: r.M, y: r.bayes!.estimate, yLow: r.bayes!.estimate - 2 * r.bayes!.stderr, yHigh: r.bayes!.estimate + 2 * r.bayes!.stderr })),
    });
  }
  return {
    id: 'risk-vs-M', title: 'Optimal ICL risk vs context length M',
    caption: 'LSA keeps an additive error above GD-β* = LTB*; GD-0 is worse still (by too little to see here: the next figure shows the difference). R_Bayes lies between the Jensen lower bound and GD-β*; its Monte Carlo estimate is shown with ±2 standard errors.',
    x: { title: 'M (context length)', scale: 'log' }, y: { title: 'risk', scale: 'log' }, series,
  };
}

/** Figure (a′): R*_GD0 − R*_LSA against M — the two curves of (a) differ by < 0.2 %, invisible there. */
export function gd0MinusLsaFigure(rows: readonly RiskAtM[]): LineFigure {
  const positive = rows.every((r) => r.gd0 - r.lsa > 0);
  return {
    id: 'gd0-minus-lsa', title: 'What LSA gains over GD-0: R*_GD0 − R*_LSA',
    caption: 'The optimal LSA is not exactly one GD step from zero: it is better by this margin, small next to the risks themselves (figure above).',
    x: { title: 'M (context length)', scale: 'log' }, y: { title: 'R*_GD0 − R*_LSA', scale: positive ? 'log' : 'linear' },
    series: [{ name: 'R*_GD0 − R*_LSA', points: rows.map((r) => ({ x: r.M, y: r.gd0 - r.lsa })), mark: 'line+point' }],
  };
}

/** Figure (b): LTB vs LSA population flows from one small random start. */
export function trainingFigure(s: FigureSetting, ctx: ClaimContext, t1 = 1000): LineFigure {
  const p = withProblem(s.problem, { M: pickM(s) });
  const d = p.d;
  const rng = new Rng(ctx.seed + 3);
  const theta = Float64Array.from({ length: reducedSize(d, 'ltb') }, () => 0.05 * rng.normal());
  const ltb = attentionFlowTrace(p, 'ltb', theta, t1, 80);
  const lsa = attentionFlowTrace(p, 'lsa', theta.slice(d), t1, 80);
  const pts = (tr: { ts: Float64Array; values: Float64Array }) => Array.from(tr.ts, (t, k) => ({ x: t, y: tr.values[k]! })).filter((q) => q.x > 0);
  return {
    id: 'training-ltb-vs-lsa', title: `Exact population gradient flow, LTB vs LSA (M = ${p.M})`,
    caption: 'Risk along dθ/dt = −∇R(θ) on the reduced parameters from the same small random start (LSA: β_m ≡ 0). The LTB reaches GD-β*; the LSA plateaus at its optimum, above by its additive error.',
    x: { title: 't', scale: 'log' }, y: { title: 'risk', scale: 'log' },
    series: [{ name: 'LTB flow', points: pts(ltb) }, { name: 'LSA flow', points: pts(lsa) }],
    hlines: [
      { label: 'R*_LTB = R*_GDβ', y: optimumGdBeta(p).risk },
      { label: 'R*_LSA', y: ctx.optimum(p, 'lsa').risk },
    ],
  };
}

/** Figure (c): the GD-β flow's R − R* with the predicted slope. */
export function gdBetaFlowFigure(run: GdBetaFlowRun, M: number): LineFigure {
  const points = thinTrajectory(run.gap.ts, run.gap.values);
  // Anchor the predicted slope where the gap first falls below 1e-6 of its start.
  const g0 = points[0]!.y;
  let k0 = points.findIndex((p) => p.y < 1e-6 * g0);
  if (k0 < 0) k0 = Math.floor(points.length / 2);
  return {
    id: 'gd-beta-flow-rate', title: `GD-β gradient flow: R − R* vs t (M = ${M}, random start)`,
    caption: `Measured asymptotic rate ${run.measuredRate.toPrecision(6)} vs predicted −2λ_min(∇²R*) = ${run.predictedRate.toPrecision(6)} (per unit t, natural log; the dashed line is drawn a decade above the data).`,
    x: { title: 't' }, y: { title: 'R − R*', scale: 'log' },
    series: [{ name: 'R − R* along the flow', points }],
    slopeLine: { label: 'predicted slope −2λ_min', x0: points[k0]!.x, y0: 10 * points[k0]!.y, slope: run.predictedRate, x1: points[points.length - 1]!.x },
  };
}

/** Figures (d): LSA's additive error vs ‖β*‖_H and vs σ (ψ ∝ σ). Empty when β* = 0. */
export function gapFigures(s: FigureSetting, ctx: ClaimContext): LineFigure[] {
  const base = withProblem(s.problem, { M: pickM(s) });
  const b2 = base.betaHNorm2;
  if (!(b2 > 0) || !base.masked) return [];
  const gap = (p: Problem): number => ctx.optimum(p, 'lsa').risk - optimumGdBeta(p).risk;
  const factors = [0.25, 0.5, 1, 2, 4];
  const vsBeta = factors.map((f) => {
    const p = withProblem(base, { betaStar: Array.from(base.betaStar, (b) => b * f) });
    return { x: Math.sqrt(p.betaHNorm2), y: gap(p), limit: (2 * p.betaHNorm2) / (p.M + 2) };
  });
  const levels = [1, 0.3, 0.1, 0.03, 0.01];
  const s0 = Math.sqrt(base.sigma2);
  const PsiRows = Array.from({ length: base.d }, (_, i) => Array.from(base.Psi.data.subarray(i * base.d, (i + 1) * base.d)));
  const vsSigma = levels.map((t) => {
    const p = withProblem(base, { Psi: PsiRows.map((r) => r.map((v) => v * t * t)), sigma2: base.sigma2 * t * t });
    return { x: s0 > 0 ? s0 * t : t, y: gap(p) };
  });
  const limit = (2 * b2) / (base.M + 2);
  return [
    {
      id: 'lsa-gap-vs-beta', title: `LSA's additive error vs ‖β*‖_H (M = ${base.M})`,
      caption: 'R*_LSA − R*_LTB grows like ‖β*‖²_H; the dashed line is its σ = Ψ = 0 value 2‖β*‖²_H/(M+2).',
      x: { title: '‖β*‖_H', scale: 'log' }, y: { title: 'R*_LSA − R*_LTB', scale: 'log' },
      series: [
        { name: 'R*_LSA − R*_LTB', points: vsBeta.map(({ x, y }) => ({ x, y })), mark: 'line+point' },
        { name: '2‖β*‖²_H/(M+2)', points: vsBeta.map(({ x, limit: l }) => ({ x, y: l })), dash: true },
      ],
    },
    {
      id: 'lsa-gap-vs-sigma', title: `LSA's additive error as σ, ψ → 0 (M = ${base.M})`,
      caption: 'With Ψ → t²Ψ and σ² → t²σ², the gap does not vanish: it tends to 2‖β*‖²_H/(M+2) (dashed).',
      x: { title: s0 > 0 ? 'σ' : 't (Ψ → t²Ψ)', scale: 'log' }, y: { title: 'R*_LSA − R*_LTB' },
      series: [{ name: 'R*_LSA − R*_LTB', points: vsSigma, mark: 'line+point' }],
      hlines: [{ label: 'limit 2‖β*‖²_H/(M+2)', y: limit }],
    },
  ];
}

/** One cell of the near-Bayes grid: GD-β* against the Monte Carlo Bayes risk. */
export interface NearBayesRow {
  readonly sigma2: number;
  readonly M: number;
  /** ψ²·tr H/σ², the signal-to-noise ratio. */
  readonly snr: number;
  readonly riskGdBeta: number;
  readonly riskBayes: number;
  /** (R*_GDβ − σ²)/(R_Bayes − σ²). */
  readonly ratio: number;
  /** The derived bound 1 + 2ψ²tr H/σ². */
  readonly bound: number;
}

/** Where GD-β* is (not) near Bayes-optimal: excess-risk ratios over a grid of σ² and M (Ψ = ψ²I only). */
export function nearBayesRows(s: FigureSetting, ctx: ClaimContext): NearBayesRow[] | null {
  const psi2 = s.problem.psiIsotropic;
  if (psi2 === null || !(psi2 > 0)) return null;
  const rows: NearBayesRow[] = [];
  for (const sigma2 of [0.01, 0.25, 1, 4, 25]) {
    for (const M of [s.M[0]!, pickM(s), s.M[s.M.length - 1]!].filter((m, i, a) => a.indexOf(m) === i)) {
      const p = withProblem(s.problem, { M, sigma2 });
      const b = bayesReference(p, { samples: Math.min(ctx.bayesSamples, 5000), seed: ctx.seed });
      const gd = optimumGdBeta(p).risk;
      const snr = (psi2 * p.trH) / sigma2;
      rows.push({ sigma2, M, snr, riskGdBeta: gd, riskBayes: b.estimate, ratio: (gd - sigma2) / (b.estimate - sigma2), bound: 1 + 2 * snr });
    }
  }
  return rows;
}

/** The near-Bayes grid as a table. */
export function nearBayesTable(rows: readonly NearBayesRow[]): Table {
  return {
    caption: 'Excess-risk ratio (R*_GDβ − σ²)/(R_Bayes − σ²) (Monte Carlo R_Bayes) against the derived bound 1 + 2ψ²tr(H)/σ²: near 1 only at low signal-to-noise ratio or small M',
    columns: ['σ²', 'M', 'ψ²trH/σ²', 'R*_GDβ', 'R_Bayes (MC)', 'excess ratio', 'bound'],
    rows: rows.map((r) => [r.sigma2, r.M, r.snr, r.riskGdBeta, r.riskBayes, r.ratio, r.bound]),
    digits: 4,
  };
}

/** The near-Bayes grid as a log-log figure: excess-risk ratio against ψ²tr H/σ², one line per M, with the bound. */
export function nearBayesFigure(rows: readonly NearBayesRow[]): LineFigure {
  const Ms = [...new Set(rows.map((r) => r.M))];
  const snrs = [...new Set(rows.map((r) => r.snr))].sort((a, b) => a - b);
  return {
    id: 'near-bayes-ratio', title: 'How far GD-β* is from Bayes-optimal',
    caption: 'Excess-risk ratio (R*_GDβ − σ²)/(R_Bayes − σ²) against the signal-to-noise ratio ψ²tr H/σ² (σ² varied), one line per M; dashed: the derived bound 1 + 2ψ²tr H/σ², which every point stays below.',
    x: { title: 'ψ²·tr H / σ²', scale: 'log' }, y: { title: 'excess-risk ratio', scale: 'log' },
    series: [
      ...Ms.map((M) => ({
        name: `M = ${M}`, mark: 'line+point' as const,
        points: rows.filter((r) => r.M === M).sort((a, b) => a.snr - b.snr).map((r) => ({ x: r.snr, y: r.ratio })),
      })),
      { name: 'bound 1 + 2ψ²trH/σ²', dash: true, points: snrs.map((x) => ({ x, y: 1 + 2 * x })) },
    ],
  };
}

/** Colours of the M's of figure (f): R*_L and its Bayes lines share the colour of their M. */
const MULTISTEP_COLORS = ['#4c78a8', '#f58518', '#e45756', '#54a24b', '#b279a2'];

/**
 * Figure (f): R*_L against L = 1, 2, 3, one solid line per M, with that M's Monte Carlo R_Bayes
 * (dashed) and Jensen lower bound (dotted-looking: dashed, lighter) in the same colour (math.md §3.4, §3.7).
 */
export function multistepRiskFigure(rows: readonly MultistepRiskRow[], problemLabel: string): LineFigure {
  const series: LineFigure['series'][number][] = [];
  rows.forEach((r, k) => {
    const color = MULTISTEP_COLORS[k % MULTISTEP_COLORS.length]!;
    const Ls = r.risks.map((_, i) => i + 1);
    series.push({ name: `R*_L, M = ${r.M}`, points: r.risks.map((y, i) => ({ x: i + 1, y })), mark: 'line+point', color });
    series.push({ name: `R_Bayes (MC), M = ${r.M}`, points: Ls.map((x) => ({ x, y: r.bayesEstimate })), dash: true, color });
    series.push({ name: `Bayes lower bound, M = ${r.M}`, points: Ls.map((x) => ({ x, y: r.bayesLower })), dash: true, color: `${color}80` });
  });
  return {
    id: 'multistep-risk-vs-L', title: `Optimal L-step GD-β: R*_L against L (${problemLabel})`,
    caption: 'The exact risk of the optimal GD-β^L (math.md §3.7; L = 1 is GD-β*) falls with every step, towards the Bayes risk (dashed: Monte Carlo R_Bayes; faint dashed: the Jensen lower bound (3.28)) — each M in its own colour.',
    // x padded by ¼ step so the end points are not cut; y spans all data with a 10 % margin (log scale).
    x: { title: 'L (number of GD steps)', format: 'd', domain: [0.75, rows[0]!.risks.length + 0.25] },
    y: { title: 'risk', scale: 'log', domain: yDomain(rows) }, series,
  };
}

/** [min, max] of every value of figure (f), widened by 10 % on a log scale. */
function yDomain(rows: readonly MultistepRiskRow[]): [number, number] {
  const ys = rows.flatMap((r) => [...r.risks, r.bayesEstimate, r.bayesLower]).filter((y) => y > 0 && Number.isFinite(y));
  return [Math.min(...ys) / 1.1, Math.max(...ys) * 1.1];
}

/**
 * The rate figure of a GD-β^L flow run (`linear-icl flow --model gd-multistep --out`): R − R*_L
 * against t on a log axis with the predicted slope −2λ_min(∇²R*) anchored where the gap first falls
 * below 1e-6 of its start (drawn a decade above the data).
 */
export function multistepFlowFigure(run: MultistepFlowRun): LineFigure {
  const points = thinTrajectory(run.ts, run.gaps);
  const v = run.verdict;
  const fig: LineFigure = {
    id: 'flow-rate', title: `gd-multistep (L = ${run.steps}) gradient flow: R − R* against t`,
    caption: `${run.method}: ${run.accepted} steps, status ${run.status} (${run.statusNote}).` +
      (v?.measuredRate != null ? ` Measured tail slope ${v.measuredRate.toPrecision(4)}` : '') +
      (v ? ` Predicted −2λ_min(∇²R*) = ${v.predictedRate.toPrecision(4)} per unit t (natural log).` : ''),
    x: { title: 't', format: '~g' }, y: { title: 'R − R* (log scale)', scale: 'log', format: '.0e' },
    series: [{ name: 'R − R* along the flow', points }],
  };
  if (v === null || !Number.isFinite(v.predictedRate) || points.length < 2) return fig;
  const g0 = points[0]!.y;
  let k0 = points.findIndex((p) => p.y < 1e-6 * g0);
  if (k0 < 0) k0 = Math.floor(points.length / 2);
  const anchor = points[k0]!;
  return { ...fig, slopeLine: { label: 'predicted slope −2λ_min', x0: anchor.x, y0: 10 * anchor.y, slope: v.predictedRate, x1: points[points.length - 1]!.x } };
}

/** The GD-β^L findings line (math.md §3.7) from GDL-1's rows and the GDL-2/GDL-3 results of the run; null when GDL-1 did not run. */
export function multistepFindings(rows: readonly MultistepRiskRow[] | null, run: SuiteRun): string | null {
  if (rows === null || rows.length === 0) return null;
  const byId = (id: string) => run.results.filter((x) => x.id === id && x.error === undefined);
  const r = rows[Math.floor(rows.length / 2)]!;
  const closed = (L: number): string => `${(100 * (r.risks[0]! - r.risks[L - 1]!) / (r.risks[0]! - r.bayesEstimate)).toFixed(0)} %`;
  const parts = [
    `- **More GD steps approach Bayes**: at M = ${r.M}, R*_1 = ${sig(r.risks[0]!, 6)}, R*_2 = ${sig(r.risks[1]!, 6)}, R*_3 = ${sig(r.risks[2]!, 6)} against R_Bayes ≈ ${sig(r.bayesEstimate, 5)} ± ${sig(r.bayesStderr, 2)}: two steps close ${closed(2)}, three ${closed(3)} of R*_1 − R_Bayes (GDL-1: ${byId('GDL-1').filter((x) => x.pass).length}/${byId('GDL-1').length} pass).`,
  ];
  const b0 = byId('GDL-2');
  if (b0.length) {
    const worst = Math.max(...b0.flatMap((x) => Object.entries(x.measured).filter(([k]) => k.startsWith('beta0RelErr')).map(([, v]) => v)));
    parts.push(`- The optimal start stays β₀* = β* for L = 1, 2, 3 (largest ‖β₀* − β*‖/‖β*‖ = ${sig(worst, 2)}; GDL-2: ${b0.filter((x) => x.pass).length}/${b0.length} pass).`);
  }
  const cm = byId('GDL-3');
  if (cm.length) {
    parts.push(`- Optimal steps vs H: ${cm.map((x) => `${x.problem}: largest ‖HΓ_l − Γ_lH‖/‖HΓ_l‖ = ${sig(x.measured.worst ?? Number.NaN, 2)}`).join('; ')} (GDL-3).`);
  }
  return parts.join('\n');
}

/** Per-claim detail tables: every measured number next to its tolerance. */
function detailSections(results: readonly ClaimResult[]): Section[] {
  const ids = [...new Set(results.map((r) => r.id))];
  return ids.map((id) => {
    const rs = results.filter((r) => r.id === id);
    const rows: (string | number)[][] = [];
    for (const r of rs) {
      for (const [k, v] of Object.entries(r.measured)) rows.push([r.problem, k, v, r.tolerance[k] ?? '', r.error ? 'error' : r.pass ? 'pass' : 'fail']);
    }
    const notes = rs.filter((r) => r.note || r.error).map((r) => `- ${r.problem}: ${r.error ? `could not be checked (${r.error.kind} error): ${r.error.message}` : r.note}`);
    return {
      heading: `${id}: ${rs[0]!.title}`,
      text: `Criterion: ${rs[0]!.criterion}.${notes.length ? `\n\n${notes.join('\n')}` : ''}`,
      tables: [{ columns: ['problem', 'quantity', 'value', 'tolerance', 'result'], rows, digits: 10, align: ['l', 'l', 'r', 'r', 'c'] }],
    };
  });
}

/** Options of {@link buildReport}. */
export interface BuildReportOptions {
  /** Results of `--precise` (float64 vs 50-digit closed forms); adds a precision section when given. */
  precise?: readonly PreciseResult[];
  /** Called with a short label before each figure is computed (progress display). */
  onProgress?: (text: string) => void;
}

/** Significant digits, trailing zeros dropped. */
const sig = (x: number, digits = 4): string => (Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : String(x));

/**
 * The findings of a run in a few sentences with this run's numbers: the same statements the README's
 * "What it finds" makes, measured again on the figure setting.
 */
export function findingsText(s: FigureSetting, risks: readonly RiskAtM[], flowRun: GdBetaFlowRun, near: readonly NearBayesRow[] | null, run: SuiteRun): string {
  const M = pickM(s);
  const r = risks.find((x) => x.M === M) ?? risks[0]!;
  const byId = (id: string) => run.results.filter((x) => x.id === id);
  const verdict = (id: string): string => {
    const rs = byId(id);
    const ok = rs.filter((x) => x.pass).length;
    return rs.length ? `${id}: ${ok}/${rs.length} problems pass` : `${id}: not run`;
  };
  const lines = [
    `- **The optimal LTB is one GD-β step**: LTB* = GD-β* = ${sig(r.gdBeta, 10)} on the figure setting at M = ${M} (${verdict('ZWB-2')}); every GD-β is an LTB (${verdict('ZWB-1')}).`,
    `- **LSA pays an additive error**: LSA* = ${sig(r.lsa, 10)}, ${sig(r.lsa - r.gdBeta)} above LTB* (${verdict('ZWB-3')}); GD-0* = ${sig(r.gd0, 10)} is above LSA* by ${sig(r.gd0 - r.lsa)} (${sig((100 * (r.gd0 - r.lsa)) / r.lsa, 2)} %).`,
  ];
  const limit = byId('ZWB-3-limit');
  if (limit.length) {
    const worst = Math.max(...limit.map((x) => x.measured.lsaRelErr ?? Number.NaN));
    lines.push(`- At σ = 0, Ψ = 0 the gap equals 2‖β*‖²_H/(M + 2) to a relative ${sig(worst, 2)} (worst of ${limit.length} problems).`);
  }
  if (near !== null && near.length) {
    const atM = near.filter((x) => x.M === M);
    const lo = atM.reduce((a, b) => (b.ratio < a.ratio ? b : a));
    const hi = atM.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const held = near.filter((x) => x.ratio <= x.bound).length;
    lines.push(
      `- **One GD step is not uniformly near Bayes-optimal**: at M = ${M} the excess-risk ratio (R*_GDβ − σ²)/(R_Bayes − σ²) is ${sig(lo.ratio, 3)} at σ² = ${lo.sigma2} but ${sig(hi.ratio, 3)} at σ² = ${hi.sigma2}; the bound 1 + 2ψ²tr H/σ² holds in ${held} of ${near.length} cells.`,
    );
  }
  lines.push(
    `- The GD-β flow's asymptotic rate is ${sig(flowRun.measuredRate, 8)} against the predicted −2λ_min(∇²R*) = ${sig(flowRun.predictedRate, 8)} (relative ${sig(Math.abs(flowRun.measuredRate / flowRun.predictedRate - 1), 2)}; ${verdict('ZWB-5')}).`,
  );
  return lines.join('\n');
}

/**
 * The full report of a suite run (computes the figures; reuses ctx's optimum cache): the findings
 * first, then the figures, then the tables (claims, then the details per claim).
 */
export function buildReport(suite: Suite, run: SuiteRun, ctx: ClaimContext, options: BuildReportOptions = {}): Report {
  const failed = run.results.filter((r) => !r.pass && r.error === undefined);
  const errored = run.results.filter((r) => r.error !== undefined);
  const tally = `${run.results.length} checks on ${suite.problems.length} problems: ${run.results.length - failed.length - errored.length} pass, ${failed.length} fail` +
    `${errored.length ? `, ${errored.length} could not be checked (${errored.map((r) => `${r.id} on ${r.problem}`).join('; ')})` : ''}` +
    ` (claims ${run.seconds.toFixed(1)} s).${failed.length ? ` Failed: ${failed.map((r) => `${r.id} on ${r.problem}`).join('; ')}.` : ''}` +
    (run.skipped.length ? `\n\nNot applicable: ${run.skipped.map((s) => `${s.claim} on ${s.problem} (${s.reason})`).join('; ')}.` : '');
  const sections: Section[] = [];
  const tables: Table[] = [claimsTable(run.results)];
  if (suite.figures) {
    const s = suite.figures;
    options.onProgress?.('figure (a): risk vs M');
    const risks = risksVsM(s, ctx);
    options.onProgress?.('figure (b): LTB vs LSA flows');
    const training = trainingFigure(s, ctx);
    options.onProgress?.('figure (c): GD-β flow rate');
    const M = pickM(s);
    const flowRun = runGdBetaFlow(withProblem(s.problem, { M }), 'random', ctx.seed);
    options.onProgress?.('figure (d): LSA additive error');
    const gapFigs = gapFigures(s, ctx);
    options.onProgress?.('figure (e): near-Bayes grid');
    const near = nearBayesRows(s, ctx);
    options.onProgress?.('figure (f): L-step GD-β');
    const ms = multistepRows(suite, run, ctx);
    const msFindings = multistepFindings(ms?.rows ?? null, run);
    sections.push({ heading: 'Findings', text: `${findingsText(s, risks, flowRun, near, run)}${msFindings ? `\n${msFindings}` : ''}\n\n${tally}` });
    sections.push({
      heading: 'Figures',
      text: `Setting: d = ${s.problem.d}, σ² = ${s.problem.sigma2}, ‖β*‖²_H = ${s.problem.betaHNorm2}, M ∈ {${s.M.join(', ')}}` +
        `${s.problem.psiIsotropic !== null ? `, Ψ = ${s.problem.psiIsotropic}·I` : ''}` +
        `${ms ? `; the L-step figure is on GDL-1's problem ${ms.label} (d = ${ms.problem.d}, σ² = ${ms.problem.sigma2})` : ''}.`,
      figures: [
        riskVsMFigure(risks), gd0MinusLsaFigure(risks), training, gdBetaFlowFigure(flowRun, M), ...gapFigs, ...(near ? [nearBayesFigure(near)] : []),
        ...(ms ? [multistepRiskFigure(ms.rows, ms.label)] : []),
        ...sampledTrainingFigures(run, ctx),
      ],
    });
    if (near) tables.push(nearBayesTable(near));
  } else {
    sections.push({ heading: 'Findings', text: tally });
  }
  sections.push({ heading: 'Tables', text: 'Every claim checked, with what it measured and the tolerance it was judged by.', tables });
  if (options.precise) {
    sections.push({
      heading: 'Precision (--precise): float64 vs 50-digit closed forms',
      text: 'Relative error of the float64 library against the same closed forms evaluated with 50-digit BigNumbers (mathjs). The last column is the identity "GD-β as an LTB has the GD-β risk" at the float64 Γ*, both sides in 50 digits.',
      tables: [{
        columns: ['problem', 'R*_GDβ', 'R*_GDβ err', '§3.1 at Γ* err', '§3.3 at LTB(Γ*) err', '§3.3 at LTB optimum err', 'identity (50 digits)'],
        rows: options.precise.map((r) => [r.problem, r.riskGdBeta, r.gdBetaOptimum, r.gdBetaRisk, r.ltbRiskAtGdBeta, r.ltbRiskAtOptimum, Number.isNaN(r.identityAt50Digits) ? 'n/a (unmasked)' : r.identityAt50Digits]),
        digits: 3,
      }],
    });
  }
  sections.push(...detailSections(run.results));
  return {
    title: suite.title,
    summary: failed.length > 0 ? `${failed.length} of ${run.results.length} checks FAIL.`
      : errored.length > 0 ? `No claim refuted; ${errored.length} of ${run.results.length} checks could not be carried out.` : `All ${run.results.length} checks pass.`,
    sections,
  };
}

/**
 * (g) TRAIN-1's two runs (ZWB Fig. 1 on exact risks): the exact risk of every logged iterate, the
 * papers' finite-test-set estimate with ±2 s.e., and the class optimum — one figure per model.
 */
function sampledTrainingFigures(run: SuiteRun, ctx: ClaimContext): LineFigure[] {
  const res = run.results.find((r) => r.id === 'TRAIN-1' && r.error === undefined);
  const runs = res ? trainingShapeRuns(ctx, res.problem) : undefined;
  if (!runs) return [];
  return [runs.ltb, runs.lsa].map((r) => {
    const f = sampledTrainingFigure(r);
    return { ...f, id: `train-1-${r.model}`, title: `${f.title} (TRAIN-1, ${res!.problem})` };
  });
}

/** GDL-1's problem of the run and its R*_L rows (optima from the claim's cache), or null when GDL-1 did not run there. */
function multistepRows(suite: Suite, run: SuiteRun, ctx: ClaimContext): { label: string; problem: Problem; rows: MultistepRiskRow[] } | null {
  const res = run.results.find((r) => r.id === 'GDL-1' && r.error === undefined);
  const sp = res ? suite.problems.find((p) => p.name === res.problem) : undefined;
  if (!sp) return null;
  return { label: sp.name, problem: sp.problem, rows: multistepRiskRows(sp.problem, ctx) };
}

/** About this many points of a trajectory go into a figure. */
const FIGURE_MAX_POINTS = 300;

/**
 * The points (t, gap > 0) of a trajectory worth drawing on a linear-t, log-gap figure: a point is
 * kept when t or log(gap) has moved by 1/{@link FIGURE_MAX_POINTS} of its range since the last kept
 * one (thinning by step index would put every point in the stiff start), plus the last point.
 */
export function thinTrajectory(ts: ArrayLike<number>, gaps: ArrayLike<number>): { x: number; y: number }[] {
  const idx: number[] = [];
  for (let k = 0; k < ts.length; k++) if (gaps[k]! > 0 && Number.isFinite(gaps[k]!) && Number.isFinite(ts[k]!)) idx.push(k);
  if (idx.length === 0) return [];
  let lmin = Infinity;
  let lmax = -Infinity;
  for (const k of idx) {
    const l = Math.log(gaps[k]!);
    lmin = Math.min(lmin, l);
    lmax = Math.max(lmax, l);
  }
  const dt = (ts[idx[idx.length - 1]!]! - ts[idx[0]!]!) / FIGURE_MAX_POINTS;
  const dl = (lmax - lmin) / FIGURE_MAX_POINTS;
  const out = [{ x: ts[idx[0]!]!, y: gaps[idx[0]!]! }];
  for (const k of idx.slice(1)) {
    const last = out[out.length - 1]!;
    if (ts[k]! - last.x >= dt || Math.abs(Math.log(gaps[k]!) - Math.log(last.y)) >= dl) out.push({ x: ts[k]!, y: gaps[k]! });
  }
  const kEnd = idx[idx.length - 1]!;
  if (out[out.length - 1]!.x !== ts[kEnd]!) out.push({ x: ts[kEnd]!, y: gaps[kEnd]! });
  return out;
}

/**
 * The rate figure of a flow run (`linear-icl flow --out`): R − R* against t on a log axis and, when
 * the model has one, the predicted asymptotic slope −2λ_min(∇²R*), anchored where the gap first
 * falls below 1e-6 of its start. The slope is stated per unit t in natural-log units and in decades.
 */
export function flowRunFigure(run: FlowRun, measures: FlowMeasures): LineFigure {
  const points = thinTrajectory(run.ts, run.gaps);
  const rate = measures.predictedRate;
  const perUnit = (r: number): string => `${r.toPrecision(4)} per unit t in ln(R − R*) = ${(r / Math.LN10).toPrecision(4)} decades per unit t`;
  const caption = [
    `${run.model} flow, ${run.method}: ${run.steps} steps, status ${run.status}, final R − R* = ${measures.gap.toExponential(3)}.`,
    measures.measuredRate !== null ? `Measured tail slope ${perUnit(measures.measuredRate)}.` : '',
    rate !== null ? `Predicted −2λ_min(∇²R*) = ${perUnit(rate)} (the dashed line, drawn a decade above the data).` : '',
  ].filter((s) => s !== '').join(' ');
  const fig: LineFigure = {
    id: 'flow-rate', title: `${run.model} gradient flow: R − R* against t`, caption,
    x: { title: 't', format: '~g' }, y: { title: 'R − R* (log scale)', scale: 'log', format: '.0e' },
    series: [{ name: 'R − R* along the flow', points }],
  };
  if (rate === null || !Number.isFinite(rate) || points.length < 2) return fig;
  const g0 = points[0]!.y;
  let k0 = points.findIndex((p) => p.y < 1e-6 * g0);
  if (k0 < 0) k0 = Math.floor(points.length / 2);
  const anchor = points[k0]!;
  return {
    ...fig,
    // Drawn a decade above the data: on the data it would hide behind the curve it predicts.
    slopeLine: { label: `predicted slope ${(rate / Math.LN10).toPrecision(3)} dec/t`, x0: anchor.x, y0: 10 * anchor.y, slope: rate, x1: points[points.length - 1]!.x },
  };
}
