/**
 * RODAS4P: Steinebach's 6-stage Rosenbrock method of order 4 with embedded order 3, L-stable
 * and stiffly accurate like {@link rodas4}, whose coefficients additionally satisfy the
 * Prothero–Robinson / index-1 DAE conditions (no order reduction on y′ = λ(y − φ(t)) + φ′(t) for
 * large |hλ|, and on parabolic PDE discretizations), with a third-order dense output.
 * Same transformed form and dense basis as `rodas4.ts`; the sources give 16-digit decimals only.
 *
 * Coefficients: G. Steinebach, "Order-reduction of ROW-methods for DAEs and method of lines
 * applications", Preprint 1741, TH Darmstadt, 1995 (RODAS4P); as tabulated in OrdinaryDiffEq.jl
 * `Rodas4PTableau` (c₂ = 3γ, C₆₅ = −40/7, h₂₅ = 0, h₃₅ = −32/17).
 */
import { defineRosenbrockTableau, type RosenbrockTableau } from './rosenbrock-tableau.js';

const A51 = -7.170454962423024;
const A52 = -4.741636671481785;
const A53 = -16.31002631330971;
const A54 = -1.062004044111401;

/** RODAS4P (order 4(3), L-stable, stiffly accurate, PR-order 4, dense output order 3). */
export const rodas4p: RosenbrockTableau = defineRosenbrockTableau({
  name: 'rodas4p',
  gamma: 1 / 4,
  c: [0, 3 / 4, 0.21, 0.63, 1, 1],
  a: [
    [],
    [3],
    [1.831036793486759, 0.4955183967433795],
    [2.304376582692669, -0.05249275245743001, -1.176798761832782],
    [A51, A52, A53, A54],
    [A51, A52, A53, A54, 1],
  ],
  C: [
    [],
    [-12],
    [-8.791795173947035, -2.207865586973518],
    [10.81793056857153, 6.780270611428266, 19.5348594464241],
    [34.19095006749676, 15.49671153725963, 54.7476087596413, 14.16005392148534],
    [34.62605830930532, 15.30084976114473, 56.99955578662667, 18.40807009793095, -5.714285714285717],
  ],
  d: [0.25, -0.5, -0.023504, -0.0362, 0, 0],
  m: [A51, A52, A53, A54, 1, 1],
  e: [0, 0, 0, 0, 0, 1],
  order: 4,
  errorOrder: 3,
  dense: {
    basis: 'nested',
    order: 3,
    P: [
      [A51, 25.09876703708589, 1.638054557396973],
      [A52, 11.62013104361867, -0.7373619806678748],
      [A53, 28.49148307714626, 8.47791821923899],
      [A54, -5.664021568594133, 15.9925314877952],
      [1, 0, -1.882352941176471],
      [1, 0, 0],
    ],
  },
  reference:
    'G. Steinebach, Order-reduction of ROW-methods for DAEs and method of lines applications, Preprint 1741, ' +
    'Technische Hochschule Darmstadt, 1995 (RODAS4P); decimals as in OrdinaryDiffEq.jl Rodas4PTableau.',
});
