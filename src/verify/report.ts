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
 *      σ = Ψ = 0 limit 2‖β*‖²_H/(M + 2).
 */
import { Rng } from '../linalg/index.js';
import { withProblem, type Problem } from '../models/index.js';
import { bayesReference, optimumGd0, optimumGdBeta } from '../risk/index.js';
import type { LineFigure, Report, Section, Table } from '../report/index.js';
import { betaHNorm2, type ClaimContext, type ClaimResult } from './claims.js';
import { attentionFlowTrace, runGdBetaFlow } from './flows.js';
import { reducedSize } from './optimize.js';
import type { PreciseResult } from './precise.js';
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
    rows: results.map((r) => [r.id, r.problem, formatMeasured(r.measured, 3), formatMeasured(r.tolerance, 2), r.pass ? 'pass' : 'fail']),
    align: ['l', 'l', 'l', 'l', 'c'],
  };
}

function pickM(s: FigureSetting): number {
  return s.M.includes(20) ? 20 : s.M[Math.floor(s.M.length / 2)]!;
}

/** Figure (a): risk vs M. Also returns the Bayes excess-ratio rows. */
export function riskVsMFigure(s: FigureSetting, ctx: ClaimContext): LineFigure {
  const lsa: { x: number; y: number }[] = [];
  const gd0: { x: number; y: number }[] = [];
  const gdb: { x: number; y: number }[] = [];
  const lower: { x: number; y: number }[] = [];
  const est: { x: number; y: number; yLow: number; yHigh: number }[] = [];
  for (const M of s.M) {
    const p = withProblem(s.problem, { M });
    lsa.push({ x: M, y: ctx.optimum(p, 'lsa').risk });
    gd0.push({ x: M, y: optimumGd0(p).risk });
    gdb.push({ x: M, y: optimumGdBeta(p).risk });
    if (p.sigma2 > 0) {
      const b = bayesReference(p, { samples: ctx.bayesSamples, seed: ctx.seed });
      lower.push({ x: M, y: b.lower });
      est.push({ x: M, y: b.estimate, yLow: b.estimate - 2 * b.stderr, yHigh: b.estimate + 2 * b.stderr });
    }
  }
  const series: LineFigure['series'][number][] = [
    { name: 'LSA*', points: lsa, mark: 'line+point' },
    { name: 'GD-0*', points: gd0, mark: 'line+point' },
    { name: 'GD-β* = LTB* (Bayes upper bound)', points: gdb, mark: 'line+point' },
  ];
  if (lower.length) {
    series.push({ name: 'Bayes lower bound (Jensen)', points: lower, dash: true });
    series.push({ name: 'Bayes estimate ± 2 se', points: est, mark: 'point' });
  }
  return {
    id: 'risk-vs-M', title: 'Optimal ICL risk vs context length M',
    caption: 'LSA keeps an additive error above GD-β* = LTB*; GD-0 is worse still. R_Bayes lies between the Jensen lower bound and GD-β*; its Monte Carlo estimate is shown with ±2 standard errors.',
    x: { title: 'M (context length)', scale: 'log' }, y: { title: 'risk', scale: 'log' }, series,
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
export function gdBetaFlowFigure(s: FigureSetting, ctx: ClaimContext): LineFigure {
  const p = withProblem(s.problem, { M: pickM(s) });
  const run = runGdBetaFlow(p, 'random', ctx.seed);
  const n = run.gap.ts.length;
  const stride = Math.max(1, Math.floor(n / 300));
  const points = [];
  for (let k = 0; k < n; k += stride) if (run.gap.values[k]! > 0) points.push({ x: run.gap.ts[k]!, y: run.gap.values[k]! });
  // Anchor the predicted slope where the gap first falls below 1e-6 of its start.
  const g0 = run.gap.values[0]!;
  let k0 = run.gap.values.findIndex((v) => v < 1e-6 * g0);
  if (k0 < 0) k0 = Math.floor(n / 2);
  return {
    id: 'gd-beta-flow-rate', title: `GD-β gradient flow: R − R* vs t (M = ${p.M}, random start)`,
    caption: `Measured asymptotic rate ${run.measuredRate.toPrecision(6)} vs predicted −2λ_min(∇²R*) = ${run.predictedRate.toPrecision(6)}.`,
    x: { title: 't' }, y: { title: 'R − R*', scale: 'log' },
    series: [{ name: 'R − R* along the flow', points }],
    slopeLine: { label: 'predicted slope −2λ_min', x0: run.gap.ts[k0]!, y0: run.gap.values[k0]!, slope: run.predictedRate, x1: run.gap.ts[n - 1]! },
  };
}

/** Figures (d): LSA's additive error vs ‖β*‖_H and vs σ (ψ ∝ σ). Empty when β* = 0. */
export function gapFigures(s: FigureSetting, ctx: ClaimContext): LineFigure[] {
  const base = withProblem(s.problem, { M: pickM(s) });
  const b2 = betaHNorm2(base);
  if (!(b2 > 0) || !base.masked) return [];
  const gap = (p: Problem): number => ctx.optimum(p, 'lsa').risk - optimumGdBeta(p).risk;
  const factors = [0.25, 0.5, 1, 2, 4];
  const vsBeta = factors.map((f) => {
    const p = withProblem(base, { betaStar: Array.from(base.betaStar, (b) => b * f) });
    return { x: Math.sqrt(betaHNorm2(p)), y: gap(p), limit: (2 * betaHNorm2(p)) / (p.M + 2) };
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

/** Where GD-β* is (not) near Bayes-optimal: excess-risk ratios over a grid of σ² and M. */
export function nearBayesTable(s: FigureSetting, ctx: ClaimContext): Table | null {
  const psi2 = s.problem.psiIsotropic;
  if (psi2 === null || !(psi2 > 0)) return null;
  const rows: (string | number)[][] = [];
  for (const sigma2 of [0.01, 0.25, 1, 4, 25]) {
    for (const M of [s.M[0]!, pickM(s), s.M[s.M.length - 1]!].filter((m, i, a) => a.indexOf(m) === i)) {
      const p = withProblem(s.problem, { M, sigma2 });
      const b = bayesReference(p, { samples: Math.min(ctx.bayesSamples, 5000), seed: ctx.seed });
      const gd = optimumGdBeta(p).risk;
      const snr = (psi2 * p.trH) / sigma2;
      rows.push([sigma2, M, snr, gd, b.estimate, (gd - sigma2) / (b.estimate - sigma2), 1 + 2 * snr]);
    }
  }
  return {
    caption: 'Excess-risk ratio (R*_GDβ − σ²)/(R_Bayes − σ²) (Monte Carlo R_Bayes) against the derived bound 1 + 2ψ²tr(H)/σ²: near 1 only at low signal-to-noise ratio or small M',
    columns: ['σ²', 'M', 'ψ²trH/σ²', 'R*_GDβ', 'R_Bayes (MC)', 'excess ratio', 'bound'],
    rows,
    digits: 4,
  };
}

/** Per-claim detail tables: every measured number next to its tolerance. */
function detailSections(results: readonly ClaimResult[]): Section[] {
  const ids = [...new Set(results.map((r) => r.id))];
  return ids.map((id) => {
    const rs = results.filter((r) => r.id === id);
    const rows: (string | number)[][] = [];
    for (const r of rs) {
      for (const [k, v] of Object.entries(r.measured)) rows.push([r.problem, k, v, r.tolerance[k] ?? '', r.pass ? 'pass' : 'fail']);
    }
    const notes = rs.filter((r) => r.note).map((r) => `- ${r.problem}: ${r.note}`);
    return {
      heading: `${id}: ${rs[0]!.title}`,
      text: `Criterion: ${rs[0]!.criterion}.${notes.length ? `\n\n${notes.join('\n')}` : ''}`,
      tables: [{ columns: ['problem', 'quantity', 'value', 'tolerance', 'result'], rows, digits: 10, align: ['l', 'l', 'r', 'r', 'c'] }],
    };
  });
}

/** Options of {@link buildReport}. */
export interface BuildReportOptions {
  precise?: readonly PreciseResult[];
  onProgress?: (text: string) => void;
}

/** The full report of a suite run (computes the figures; reuses ctx's optimum cache). */
export function buildReport(suite: Suite, run: SuiteRun, ctx: ClaimContext, options: BuildReportOptions = {}): Report {
  const failed = run.results.filter((r) => !r.pass);
  const sections: Section[] = [
    {
      heading: 'Summary',
      text: `${run.results.length} checks on ${suite.problems.length} problems: ${run.results.length - failed.length} pass, ${failed.length} fail` +
        ` (claims ${run.seconds.toFixed(1)} s).${failed.length ? ` Failed: ${failed.map((r) => `${r.id} on ${r.problem}`).join('; ')}.` : ''}` +
        (run.skipped.length ? `\n\nNot applicable: ${run.skipped.map((s) => `${s.claim} on ${s.problem} (${s.reason})`).join('; ')}.` : ''),
      tables: [claimsTable(run.results)],
    },
  ];
  if (suite.figures) {
    const s = suite.figures;
    const figs: LineFigure[] = [];
    options.onProgress?.('figure (a): risk vs M');
    figs.push(riskVsMFigure(s, ctx));
    options.onProgress?.('figure (b): LTB vs LSA flows');
    figs.push(trainingFigure(s, ctx));
    options.onProgress?.('figure (c): GD-β flow rate');
    figs.push(gdBetaFlowFigure(s, ctx));
    options.onProgress?.('figure (d): LSA additive error');
    const gapFigs = gapFigures(s, ctx);
    const table = nearBayesTable(s, ctx);
    sections.push({
      heading: 'Figures',
      text: `Setting: d = ${s.problem.d}, σ² = ${s.problem.sigma2}, ‖β*‖²_H = ${betaHNorm2(s.problem)}, M ∈ {${s.M.join(', ')}}` +
        `${s.problem.psiIsotropic !== null ? `, Ψ = ${s.problem.psiIsotropic}·I` : ''}.`,
      figures: [...figs, ...gapFigs],
      ...(table ? { tables: [table] } : {}),
    });
  }
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
    summary: failed.length === 0 ? `All ${run.results.length} checks pass.` : `${failed.length} of ${run.results.length} checks FAIL.`,
    sections,
  };
}
