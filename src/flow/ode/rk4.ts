/**
 * Classical fourth-order Runge–Kutta method (Kutta 1901), no embedded error estimate (fixed steps
 * only). Not FSAL: f(t + h, y₁) is evaluated on acceptance and reused as the next step's k1.
 *
 *      0  |
 *     1/2 | 1/2
 *     1/2 |  0   1/2
 *      1  |  0    0    1
 *    -----+--------------------
 *         | 1/6  1/3  1/3  1/6
 *
 * Dense output: the cubic Hermite interpolant through (y0, f0) and (y1, f1), order 3.
 */
import { defineTableau, type ButcherTableau } from './tableau.js';

/** Classical RK4 tableau (order 4, cubic Hermite dense output). */
export const rk4: ButcherTableau = defineTableau({
  name: 'rk4',
  c: [0, 1 / 2, 1 / 2, 1],
  a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]],
  b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
  order: 4,
  dense: {
    basis: 'monomial',
    order: 3,
    // Rows k1, k2, k3, k4, f(t + h, y1); columns θ, θ², θ³. Hermite cubic with Δ/h = Σ b_i k_i:
    // θ² ← 3Σb k − 2k1 − f1, θ³ ← −2Σb k + k1 + f1.
    P: [
      [1, -3 / 2, 2 / 3],
      [0, 1, -2 / 3],
      [0, 1, -2 / 3],
      [0, 1 / 2, -1 / 3],
      [0, -1, 1],
    ],
  },
  reference:
    'W. Kutta, "Beitrag zur näherungsweisen Integration totaler Differentialgleichungen", Z. Math. Phys. 46 (1901) 435–453; ' +
    'Hairer, Nørsett & Wanner, Solving ODEs I, §II.1 (Table 1.2) and §II.6 (Hermite interpolation).',
});
