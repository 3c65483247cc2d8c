/**
 * Bogacki–Shampine 3(2) pair, FSAL, with the cubic Hermite dense output (scipy `RK23`,
 * diffrax `Bosh3`, MATLAB `ode23`).
 *
 *      0  |
 *     1/2 | 1/2
 *     3/4 |  0   3/4
 *      1  | 2/9  1/3  4/9
 *    -----+--------------------
 *         | 2/9  1/3  4/9   0
 *    b_err| 5/72 −1/12 −1/9 1/8
 */
import { defineTableau, type ButcherTableau } from './tableau.js';

/** Bogacki–Shampine 3(2) tableau (order 3, error order 2, cubic Hermite dense output). */
export const bosh3: ButcherTableau = defineTableau({
  name: 'bosh3',
  c: [0, 1 / 2, 3 / 4, 1],
  a: [[], [1 / 2], [0, 3 / 4], [2 / 9, 1 / 3, 4 / 9]],
  b: [2 / 9, 1 / 3, 4 / 9, 0],
  bErr: [5 / 72, -1 / 12, -1 / 9, 1 / 8],
  order: 3,
  errorOrder: 2,
  dense: {
    basis: 'monomial',
    order: 3,
    // scipy RK23.P: rows k1..k4 (k4 = f(t + h, y1)), columns θ, θ², θ³.
    P: [
      [1, -4 / 3, 5 / 9],
      [0, 1, -2 / 3],
      [0, 4 / 3, -8 / 9],
      [0, -1, 1],
    ],
  },
  reference:
    'P. Bogacki, L. F. Shampine, "A 3(2) pair of Runge–Kutta formulas", Appl. Math. Lett. 2(4) (1989) 321–325; ' +
    'dense output as scipy.integrate RK23 (integrate/_ivp/rk.py).',
});
