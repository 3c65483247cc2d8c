/**
 * Explicit Euler method, order 1, no embedded error estimate (fixed steps only).
 *
 *     0 |
 *    ---+---
 *       | 1
 *
 * With `ConstantStepSize` and `dt0 = η`, every step is y ← y + η f(t, y): on a gradient flow
 * f = −∇L this *is* gradient descent with learning rate η (only a final partial step, if
 * (t1 − t0)/η is not an integer, differs). Dense output: linear interpolation, order 1.
 */
import { defineTableau, type ButcherTableau } from './tableau.js';

/** Explicit Euler tableau (order 1, linear dense output). */
export const euler: ButcherTableau = defineTableau({
  name: 'euler',
  c: [0],
  a: [[]],
  b: [1],
  order: 1,
  // K rows: k1, f(t + h, y1). Linear interpolant y0 + θ h k1.
  dense: { basis: 'monomial', order: 1, P: [[1], [0]] },
  reference: 'E. Hairer, S. P. Nørsett, G. Wanner, Solving Ordinary Differential Equations I, 2nd ed., Springer 1993, §I.7.',
});
