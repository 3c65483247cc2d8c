/**
 * Exponential time-differencing (ETD) Runge–Kutta methods as data (see `exponential-tableau.ts`
 * for the form; `exponential.ts` is the stepper that consumes them):
 *
 * - `etd2`: ETD2RK (Cox–Matthews), order 2, embedded exponential Euler (order 1);
 * - `etd3`: Hochbruck–Ostermann's 3-stage method of stiff order 3 (c = 0, 1/3, 2/3), embedded order 2;
 * - `etd4`: Hochbruck–Ostermann's 5-stage method of stiff order 4 (c = 0, ½, ½, 1, ½); the embedded
 *   solution puts Krogstad's split weights 2φ₂ − 4φ₃ on stages 2 and 3 instead of 4φ₂ − 8φ₃ on stage 5,
 *   so the estimate is h(4φ₂ − 8φ₃)(N₅ − (N₂ + N₃)/2) (a heuristic third-order estimator).
 *
 * A term `term(coef, k, c)` is coef·φ_k(c·hℓ) ({@link PhiTerm}).
 */
import { defineExponentialTableau, type ExponentialTableau, type PhiTerm } from './exponential-tableau.js';

const term = (coef: number, k: 0 | 1 | 2 | 3, c = 1): PhiTerm => ({ coef, k, c });

/** ETD2RK (Cox & Matthews 2002), order 2; error estimate against exponential Euler. */
export const etd2: ExponentialTableau = defineExponentialTableau({
  name: 'etd2',
  order: 2,
  errorOrder: 1,
  c: [0, 1],
  a: [[], [[term(1, 1)]]],
  b: [[term(1, 1), term(-1, 2)], [term(1, 2)]],
  bErr: [[term(-1, 2)], [term(1, 2)]],
  reference: 'S. M. Cox, P. C. Matthews, Exponential time differencing for stiff systems, J. Comput. Phys. 176 (2002) 430–455, (22).',
});

/**
 * Hochbruck–Ostermann 3-stage method of stiff order 3 (2005, §5): c = (0, 1/3, 2/3),
 * a21 = ⅓φ₁(⅓z), a31 = ⅔φ₁(⅔z) − (4/3)φ₂(⅔z), a32 = (4/3)φ₂(⅔z), b = (φ₁ − (3/2)φ₂, 0, (3/2)φ₂).
 * Embedded order 2: b̂ = (φ₁ − 3φ₂, 3φ₂, 0) (Σb̂ = φ₁, Σb̂c = φ₂), so b − b̂ = (3/2)φ₂·(1, −2, 1).
 */
export const etd3: ExponentialTableau = defineExponentialTableau({
  name: 'etd3',
  order: 3,
  errorOrder: 2,
  c: [0, 1 / 3, 2 / 3],
  a: [[], [[term(1 / 3, 1, 1 / 3)]], [[term(2 / 3, 1, 2 / 3), term(-4 / 3, 2, 2 / 3)], [term(4 / 3, 2, 2 / 3)]]],
  b: [[term(1, 1), term(-3 / 2, 2)], [], [term(3 / 2, 2)]],
  bErr: [[term(3 / 2, 2)], [term(-3, 2)], [term(3 / 2, 2)]],
  reference:
    'M. Hochbruck, A. Ostermann, Explicit exponential Runge–Kutta methods for semilinear parabolic problems, SIAM J. Numer. Anal. 43 (2005) 1069–1090, §5.',
});

/**
 * Hochbruck–Ostermann 5-stage method of stiff order 4 (2005, (5.19)); φ_{k,½} = φ_k(½z):
 * a21 = ½φ₁,½; a31 = ½φ₁,½ − φ₂,½, a32 = φ₂,½; a41 = φ₁ − 2φ₂, a42 = a43 = φ₂;
 * a52 = a53 = ½φ₂,½ − φ₃ + ¼φ₂ − ½φ₃,½, a54 = ¼φ₂,½ − a52, a51 = ½φ₁,½ − 2a52 − a54;
 * b = (φ₁ − 3φ₂ + 4φ₃, 0, 0, −φ₂ + 4φ₃, 4φ₂ − 8φ₃).
 */
export const etd4: ExponentialTableau = (() => {
  const a52 = [term(1 / 2, 2, 1 / 2), term(-1, 3), term(1 / 4, 2), term(-1 / 2, 3, 1 / 2)];
  const a54 = [term(1 / 4, 2, 1 / 2), ...a52.map((x) => term(-x.coef, x.k, x.c))];
  const a51 = [term(1 / 2, 1, 1 / 2), ...a52.map((x) => term(-2 * x.coef, x.k, x.c)), ...a54.map((x) => term(-x.coef, x.k, x.c))];
  return defineExponentialTableau({
    name: 'etd4',
    order: 4,
    errorOrder: 3,
    c: [0, 1 / 2, 1 / 2, 1, 1 / 2],
    a: [
      [],
      [[term(1 / 2, 1, 1 / 2)]],
      [[term(1 / 2, 1, 1 / 2), term(-1, 2, 1 / 2)], [term(1, 2, 1 / 2)]],
      [[term(1, 1), term(-2, 2)], [term(1, 2)], [term(1, 2)]],
      [a51, a52, a52, a54],
    ],
    b: [[term(1, 1), term(-3, 2), term(4, 3)], [], [], [term(-1, 2), term(4, 3)], [term(4, 2), term(-8, 3)]],
    // b − b̂ with b̂₂ = b̂₃ = 2φ₂ − 4φ₃, b̂₅ = 0 (Krogstad's weights).
    bErr: [[], [term(-2, 2), term(4, 3)], [term(-2, 2), term(4, 3)], [], [term(4, 2), term(-8, 3)]],
    reference:
      'M. Hochbruck, A. Ostermann, Explicit exponential Runge–Kutta methods for semilinear parabolic problems, SIAM J. Numer. Anal. 43 (2005), (5.19); ' +
      'embedded weights from S. Krogstad, Generalized integrating factor methods for stiff PDEs, J. Comput. Phys. 203 (2005).',
  });
})();

/** The exponential tableaus by name. */
export const EXPONENTIAL_TABLEAUS: Readonly<Record<'etd2' | 'etd3' | 'etd4', ExponentialTableau>> = Object.freeze({ etd2, etd3, etd4 });
