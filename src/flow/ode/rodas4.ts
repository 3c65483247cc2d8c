/**
 * RODAS4: Hairer & Wanner's 6-stage Rosenbrock method of order 4 with embedded order 3, L-stable
 * and stiffly accurate (the last two stages make y₁ the stage value, err = U₆), with a
 * third-order dense output. Coefficients of Hairer's Fortran `rodas.f` (RODCOE, METH = 1); the
 * source gives them only as 16-digit decimals.
 *
 * Dense output (Hairer's CONTRO): y(θ) = (1 − θ) y₀ + θ(y₁ + (1 − θ)(r₁ + θ r₂)), i.e. the nested
 * basis with r₀ = Δy = Σ m_i U_i, r₁ = Σ d2_i U_i, r₂ = Σ d3_i U_i.
 */
import { defineRosenbrockTableau, type RosenbrockTableau } from './rosenbrock-tableau.js';

const A51 = 0.1221224509226641e1;
const A52 = 0.6019134481288629e1;
const A53 = 0.1253708332932087e2;
const A54 = -0.687886036105895;

/** RODAS4 (order 4(3), L-stable, stiffly accurate, dense output order 3). */
export const rodas4: RosenbrockTableau = defineRosenbrockTableau({
  name: 'rodas4',
  gamma: 0.25,
  c: [0, 0.386, 0.21, 0.63, 1, 1],
  a: [
    [],
    [0.1544e1],
    [0.9466785280815826, 0.2557011698983284],
    [0.3314825187068521e1, 0.2896124015972201e1, 0.9986419139977817],
    [A51, A52, A53, A54],
    [A51, A52, A53, A54, 1],
  ],
  C: [
    [],
    [-0.56688e1],
    [-0.2430093356833875e1, -0.2063599157091915],
    [-0.1073529058151375, -0.9594562251023355e1, -0.2047028614809616e2],
    [0.7496443313967647e1, -0.1024680431464352e2, -0.3399990352819905e2, 0.117089089320616e2],
    [0.8083246795921522e1, -0.7981132988064893e1, -0.3152159432874371e2, 0.1631930543123136e2, -0.6058818238834054e1],
  ],
  d: [0.25, -0.1043, 0.1035, -0.3620000000000023e-1, 0, 0],
  m: [A51, A52, A53, A54, 1, 1],
  e: [0, 0, 0, 0, 0, 1],
  order: 4,
  errorOrder: 3,
  dense: {
    basis: 'nested',
    order: 3,
    // Rows U1..U6; columns r₀ (= m), r₁ (Hairer D21..D25), r₂ (D31..D35).
    P: [
      [A51, 0.1012623508344586e2, -0.6762803392801253],
      [A52, -0.7487995877610167e1, 0.6087714651680015e1],
      [A53, -0.3480091861555747e2, 0.1643084320892478e2],
      [A54, -0.7992771707568823e1, 0.2476722511418386e2],
      [1, 0.1025137723295662e1, -0.6594389125716872e1],
      [1, 0, 0],
    ],
  },
  reference:
    'E. Hairer, G. Wanner, Solving Ordinary Differential Equations II, 2nd ed., Springer 1996, §IV.7 (RODAS); ' +
    'coefficients of the Fortran code rodas.f (RODCOE, METH = 1), http://www.unige.ch/~hairer/software.html.',
});
