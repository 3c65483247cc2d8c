/**
 * Synthetic figures and a small report exercising every feature of the report layer, shaped
 * like the figures `linear-icl verify` draws (numbers are made up, not mathematics).
 */
import type { LineFigure, Report } from '../../src/report/index.js';

const Ms = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** (a) risk against M (log x) for several estimators, dashed Bayes bounds, Monte Carlo with error bars. */
export const riskVsM: LineFigure = {
  id: 'risk-vs-M',
  title: 'Optimal ICL risk against context length M',
  caption: 'Risk of the optimal LSA, GD-0 and GD-β (= LTB) estimators; dashed: Bayes bounds; dots: Monte Carlo ± 2 s.e.',
  x: { title: 'M (context length)', scale: 'log' },
  y: { title: 'risk', scale: 'log' },
  series: [
    { name: 'LSA*', points: Ms.map((M) => ({ x: M, y: 1 + 3 / M })), mark: 'line+point' },
    { name: 'GD-0*', points: Ms.map((M) => ({ x: M, y: 1 + 2.4 / M })), mark: 'line+point' },
    { name: 'GD-β* = LTB*', points: Ms.map((M) => ({ x: M, y: 1 + 1.8 / M })), mark: 'line+point' },
    { name: 'Bayes lower bound', points: Ms.map((M) => ({ x: M, y: 1 + 1.2 / M })), dash: true },
    { name: 'Bayes upper bound', points: Ms.map((M) => ({ x: M, y: 1 + 2.1 / M })), dash: true },
    {
      name: 'Monte Carlo GD-β* (± 2 s.e.)',
      mark: 'point',
      points: Ms.map((M, i) => {
        const y = 1 + 1.8 / M + 0.04 * Math.sin(i);
        return { x: M, y, yLow: y - 0.12, yHigh: y + 0.12 };
      }),
    },
  ],
};

/** (b) two training curves with their optimal levels as horizontal lines. */
export const trainingCurves: LineFigure = {
  id: 'training-curves',
  title: 'Gradient-flow training: LTB vs LSA',
  caption: 'Population loss along gradient flow; dashed: optimal levels LTB* and LSA*.',
  x: { title: 'time t' },
  y: { title: 'loss' },
  series: [
    { name: 'LTB', points: Array.from({ length: 201 }, (_, i) => ({ x: i / 10, y: 1.2 + 2 * Math.exp(-i / 30) })) },
    { name: 'LSA', points: Array.from({ length: 201 }, (_, i) => ({ x: i / 10, y: 1.5 + 1.7 * Math.exp(-i / 50) })) },
  ],
  hlines: [
    { label: 'LTB* (optimum)', y: 1.2, color: '#4c78a8' },
    { label: 'LSA* (optimum)', y: 1.5, color: '#f58518' },
  ],
};

/** (c) log(R − R*) against t with the predicted slope. */
export const convergenceRate: LineFigure = {
  id: 'convergence-rate',
  title: 'Convergence rate of gradient flow',
  caption: 'log(R(t) − R*) against t; dashed: the predicted asymptotic slope.',
  x: { title: 'time t' },
  y: { title: 'log(R − R*)' },
  series: [
    {
      name: 'log(R − R*)',
      points: Array.from({ length: 101 }, (_, i) => ({ x: i / 5, y: Math.log(2 * Math.exp(-0.3 * (i / 5)) + 0.5 * Math.exp(-1.5 * (i / 5))) })),
    },
  ],
  slopeLine: { label: 'predicted slope −0.3', x0: 4, y0: Math.log(2) - 1.2, slope: -0.3, x1: 20 },
};

/** (d1) additive error against ‖β*‖ (log–log), one point at zero to be filtered. */
export const errorVsBeta: LineFigure = {
  id: 'error-vs-beta-norm',
  title: 'Additive error against ‖β*‖',
  x: { title: '‖β*‖', scale: 'log' },
  y: { title: 'additive error', scale: 'log' },
  series: [
    { name: 'measured', points: [0, 0.1, 0.3, 1, 3, 10].map((b) => ({ x: b, y: 2e-4 * b * b + 1e-9 })), mark: 'line+point' },
    { name: 'bound C‖β*‖²', points: [0.1, 10].map((b) => ({ x: b, y: 5e-4 * b * b })), dash: true },
  ],
};

/** (d2) additive error against σ. */
export const errorVsSigma: LineFigure = {
  id: 'error-vs-sigma',
  title: 'Additive error against noise level σ',
  x: { title: 'σ' },
  y: { title: 'additive error', format: '.1e' },
  series: [
    { name: 'measured', points: [0, 0.25, 0.5, 0.75, 1, 1.5, 2].map((s) => ({ x: s, y: 1e-6 * (1 + s * s) })), mark: 'line+point' },
  ],
  hlines: [{ label: 'tolerance', y: 5e-6, color: '#e45756' }],
};

/** Every fixture figure. */
export const allFigures: LineFigure[] = [riskVsM, trainingCurves, convergenceRate, errorVsBeta, errorVsSigma];

/** A small report with tables (including a pass/fail column and hostile text) and all fixture figures. */
export function sampleReport(): Report {
  return {
    title: 'linear-icl verification report (fixture)',
    generatedAt: '2025-01-01T00:00:00Z',
    summary: 'Synthetic report used by the **report-layer tests**. Values are made up; see `tests/report/fixtures.ts`.',
    sections: [
      {
        heading: 'Checks',
        text: 'Each check compares a closed form with an independent computation.\n\n- relative tolerance 1e-9\n- Monte Carlo: ±4 s.e.',
        tables: [
          {
            caption: 'Closed forms against references',
            columns: ['check', 'value', 'reference', 'error', 'result'],
            rows: [
              ['risk of LSA*', 1.234567891, 1.234567892, 8.1e-10, 'pass'],
              ['risk of GD-β*', 0.5, 0.5, 0, 'pass'],
              ['Monte Carlo <img src=x onerror="console.error(\'xss\')">', 1.1, 1.3, 0.2, 'fail'],
            ],
          },
        ],
      },
      { heading: 'Risk against context length', figures: [riskVsM] },
      { heading: 'Training dynamics', figures: [trainingCurves, convergenceRate] },
      { heading: 'Additive error', text: 'The error grows like ‖β*‖² and is flat in σ.', figures: [errorVsBeta, errorVsSigma] },
    ],
  };
}
