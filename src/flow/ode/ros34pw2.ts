/**
 * ROS34PW2: Rang & Angermann's 4-stage Rosenbrock-**W** method of order 3 with embedded order 2,
 * L-stable (R(∞) = 0) and stiffly accurate, with a third-order dense output.
 *
 * Why a W-method: its order conditions hold for *any* matrix W in the stage systems
 * (I − γhW)U_i = …, not only for the exact Jacobian J = ∂f/∂y (Hairer & Wanner, *Solving ODEs II*,
 * §IV.7, "W-methods"; the conditions up to order 3 are checked in tests/flow/ode/ros34pw2.test.ts).
 * A linear solver may therefore use a cheap approximation of J — e.g. one frozen in fixed
 * eigenbases (`src/flow/wsolver.ts`) — without losing order; only stability depends on how well W
 * captures the stiff part of J. RODAS4 (`rodas4.ts`) drops to order ≤ 2 with such a W.
 *
 * The source gives the coefficients in the standard form (α_ij, γ_ij with γ_ii = γ, b, b̂) as
 * 17-digit decimals; {@link rosenbrockTableauFromStandardForm} converts them to the transformed form
 * the stepper uses (Hairer & Wanner (7.25): Γ = (γ_ij), a = αΓ⁻¹, C = diag(1/γ) − Γ⁻¹, m = bΓ⁻¹,
 * e = (b − b̂)Γ⁻¹, d_i = Σ_j γ_ij, c_i = Σ_j α_ij), and {@link defineRosenbrockTableau} re-checks the
 * result. The dense output is the source's interpolant y(θ) = y₀ + Σ_i (Σ_j B_ij θ^{j+1}) k_i in the
 * original stages k = Γ⁻¹U, i.e. monomial coefficients r_j = Σ_l (Σ_i B_ij (Γ⁻¹)_il) U_l.
 *
 * Coefficients: J. Rang, L. Angermann, "New Rosenbrock W-methods of order 3 for partial
 * differential algebraic equations of index 1", BIT Numer. Math. 45 (2005) 761–787 (ROS34PW2); as
 * tabulated, with the dense-output coefficients, in PETSc `src/ts/impls/rosw/rosw.c` (TSROSWRA34PW2).
 */
import { defineRosenbrockTableau, type RosenbrockTableau } from './rosenbrock-tableau.js';

/** A Rosenbrock(-W) method in the standard form of Hairer & Wanner (7.4), as papers print it. */
export interface RosenbrockStandardForm {
  /** Short name. */
  readonly name: string;
  /** Stage coupling α, shape [s, s], strictly lower triangular. */
  readonly alpha: readonly (readonly number[])[];
  /** γ_ij, shape [s, s], lower triangular with the constant diagonal γ. */
  readonly gammaMatrix: readonly (readonly number[])[];
  /** Weights b, length s. */
  readonly b: readonly number[];
  /** Embedded weights b̂, length s. */
  readonly bHat: readonly number[];
  /** Order of b. */
  readonly order: number;
  /** Order of b̂. */
  readonly errorOrder: number;
  /** Interpolant in the original stages: y(θ) = y₀ + Σ_i (Σ_j B[i][j] θ^{j+1}) k_i; B has shape [s, q]. */
  readonly denseB: readonly (readonly number[])[];
  /** Order of the interpolant. */
  readonly denseOrder: number;
  /** Citation. */
  readonly reference: string;
}

/**
 * Converts a standard-form Rosenbrock(-W) method to the transformed form of
 * {@link defineRosenbrockTableau} (see the module comment for the formulas), which validates it.
 * @throws {RangeError} if the γ_ij diagonal is not constant or the result fails validation.
 */
export function rosenbrockTableauFromStandardForm(def: RosenbrockStandardForm): RosenbrockTableau {
  const s = def.b.length;
  const G = def.gammaMatrix;
  const gamma = G[0]![0]!;
  for (let i = 0; i < s; i++) {
    if (G[i]![i] !== gamma) throw new RangeError(`Rosenbrock tableau ${def.name}: gammaMatrix[${i}][${i}] = ${G[i]![i]}, must equal γ = ${gamma}`);
  }
  // Γ⁻¹ of the lower-triangular Γ by forward substitution, column by column.
  const Gi: number[][] = Array.from({ length: s }, () => new Array<number>(s).fill(0));
  for (let j = 0; j < s; j++) {
    for (let i = j; i < s; i++) {
      let acc = i === j ? 1 : 0;
      for (let k = j; k < i; k++) acc -= G[i]![k]! * Gi[k]![j]!;
      Gi[i]![j] = acc / gamma;
    }
  }
  const rowTimesGi = (w: readonly number[]): number[] => Array.from({ length: s }, (_, j) => w.reduce((acc, x, k) => acc + x * Gi[k]![j]!, 0));
  const a = def.alpha.map((row, i) => rowTimesGi(row).slice(0, i));
  const C = Gi.map((row, i) => row.slice(0, i).map((x) => -x));
  const q = def.denseB[0]!.length;
  const P = Array.from({ length: s }, (_, l) => Array.from({ length: q }, (_, j) => def.denseB.reduce((acc, row, i) => acc + row[j]! * Gi[i]![l]!, 0)));
  return defineRosenbrockTableau({
    name: def.name,
    gamma,
    c: def.alpha.map((row) => row.reduce((acc, x) => acc + x, 0)),
    a,
    C,
    d: G.map((row) => row.reduce((acc, x) => acc + x, 0)),
    m: rowTimesGi(def.b),
    e: rowTimesGi(def.b.map((bi, i) => bi - def.bHat[i]!)),
    order: def.order,
    errorOrder: def.errorOrder,
    dense: { basis: 'monomial', order: def.denseOrder, P },
    reference: def.reference,
  });
}

const GAMMA = 4.3586652150845900e-1;

/** ROS34PW2 (Rosenbrock-W, order 3(2), L-stable, stiffly accurate, dense output order 3). */
export const ros34pw2: RosenbrockTableau = rosenbrockTableauFromStandardForm({
  name: 'ros34pw2',
  alpha: [
    [0, 0, 0, 0],
    [8.7173304301691801e-1, 0, 0, 0],
    [8.4457060015369423e-1, -1.1299064236484185e-1, 0, 0],
    [0, 0, 1, 0],
  ],
  gammaMatrix: [
    [GAMMA, 0, 0, 0],
    [-8.7173304301691801e-1, GAMMA, 0, 0],
    [-9.0338057013044082e-1, 5.4180672388095326e-2, GAMMA, 0],
    [2.4212380706095346e-1, -1.2232505839045147, 5.4526025533510214e-1, GAMMA],
  ],
  b: [2.4212380706095346e-1, -1.2232505839045147, 1.545260255335102, GAMMA],
  bHat: [3.7810903145819369e-1, -9.6042292212423178e-2, 0.5, 2.179332607542295e-1],
  order: 3,
  errorOrder: 2,
  denseB: [
    [1.0564298455794094, -1.3864882699759573, 0.5721822314575016],
    [2.296429974281067, -8.262611700275677, 4.742931142090097],
    [-1.307599564525376, 7.250979895056055, -4.398120075195578],
    [-1.045260255335102, 2.398120075195581, -0.9169932983520199],
  ],
  denseOrder: 3,
  reference:
    'J. Rang, L. Angermann, New Rosenbrock W-methods of order 3 for partial differential algebraic equations of index 1, ' +
    'BIT 45 (2005) 761–787 (ROS34PW2); dense output as in PETSc src/ts/impls/rosw/rosw.c (TSROSWRA34PW2).',
});
