/**
 * The standard test problems of the ODE benchmark (Hairer, Nørsett & Wanner I §II.0 / II.10;
 * Hairer & Wanner II §IV.1 and IV.10; scipy's and DiffEqBenchmarks' problem sets), each with its
 * analytic dense Jacobian. The same definitions are mirrored in numpy in `scipy_ode.py`
 * (keep both in sync: `id` is the key).
 *
 * - arenstorf: restricted three-body orbit, μ = 0.012277471, one period T = 17.0652165601579625588917206249.
 * - lotka: Lotka–Volterra x′ = 1.5x − xy, y′ = −3y + xy, (1, 1), t ∈ [0, 10].
 * - vdp1: Van der Pol y₁′ = y₂, y₂′ = μ(1 − y₁²)y₂ − y₁, μ = 1, (2, 0), t ∈ [0, 20].
 * - vdp1000: the same with μ = 1000, t ∈ [0, 3000] (MATLAB `vdp1000`; stiff).
 * - robertson: Robertson's chemical kinetics, (1, 0, 0), t ∈ [0, 1e11] (H&W II (1.3), stiff).
 * - hires: Schäfer's "High Irradiance RESponse", n = 8, t ∈ [0, 321.8122] (H&W II (10.5), stiff).
 *
 * atol = atolFactor · rtol per problem (Robertson's y₂ ≈ 1e-14 …1e-5 and HIRES' small components
 * need an absolute tolerance far below rtol, as in Hairer's test set).
 */
import type { DenseJacobian, VectorField } from '../../src/flow/ode/index.js';

/** One benchmark problem. */
export interface OdeProblem {
  readonly id: string;
  readonly title: string;
  readonly stiff: boolean;
  readonly y0: readonly number[];
  readonly span: readonly [number, number];
  readonly atolFactor: number;
  readonly field: VectorField;
  readonly jac: DenseJacobian;
}

const AR_MU = 0.012277471;
const AR_MUP = 1 - AR_MU;

const arenstorf: OdeProblem = {
  id: 'arenstorf',
  title: 'Arenstorf orbit (n = 4, one period)',
  stiff: false,
  y0: [0.994, 0, 0, -2.00158510637908252240537862224],
  span: [0, 17.0652165601579625588917206249],
  atolFactor: 1,
  field: (_t, y, o) => {
    const y1 = y[0]!;
    const y2 = y[1]!;
    const d1 = Math.pow((y1 + AR_MU) ** 2 + y2 * y2, 1.5);
    const d2 = Math.pow((y1 - AR_MUP) ** 2 + y2 * y2, 1.5);
    o[0] = y[2]!;
    o[1] = y[3]!;
    o[2] = y1 + 2 * y[3]! - (AR_MUP * (y1 + AR_MU)) / d1 - (AR_MU * (y1 - AR_MUP)) / d2;
    o[3] = y2 - 2 * y[2]! - (AR_MUP * y2) / d1 - (AR_MU * y2) / d2;
  },
  jac: (_t, y, J) => {
    const y1 = y[0]!;
    const y2 = y[1]!;
    const a = y1 + AR_MU;
    const b = y1 - AR_MUP;
    const r1 = a * a + y2 * y2;
    const r2 = b * b + y2 * y2;
    const r13 = Math.pow(r1, 1.5);
    const r23 = Math.pow(r2, 1.5);
    const r15 = Math.pow(r1, 2.5);
    const r25 = Math.pow(r2, 2.5);
    J.fill(0);
    J[2] = 1;
    J[7] = 1;
    // ∂/∂y1, ∂/∂y2 of −μ' a / r1^{3/2} − μ b / r2^{3/2} (+ y1) and of −μ' y2 / r1^{3/2} − μ y2 / r2^{3/2} (+ y2).
    J[8] = 1 - AR_MUP * (1 / r13 - (3 * a * a) / r15) - AR_MU * (1 / r23 - (3 * b * b) / r25);
    J[9] = AR_MUP * ((3 * a * y2) / r15) + AR_MU * ((3 * b * y2) / r25);
    J[11] = 2;
    J[12] = J[9]!;
    J[13] = 1 - AR_MUP * (1 / r13 - (3 * y2 * y2) / r15) - AR_MU * (1 / r23 - (3 * y2 * y2) / r25);
    J[14] = -2;
  },
};

const lotka: OdeProblem = {
  id: 'lotka',
  title: 'Lotka–Volterra (n = 2, t ∈ [0, 10])',
  stiff: false,
  y0: [1, 1],
  span: [0, 10],
  atolFactor: 1,
  field: (_t, y, o) => {
    o[0] = 1.5 * y[0]! - y[0]! * y[1]!;
    o[1] = -3 * y[1]! + y[0]! * y[1]!;
  },
  jac: (_t, y, J) => {
    J[0] = 1.5 - y[1]!;
    J[1] = -y[0]!;
    J[2] = y[1]!;
    J[3] = -3 + y[0]!;
  },
};

function vdp(mu: number, t1: number, stiff: boolean): OdeProblem {
  return {
    id: mu === 1 ? 'vdp1' : `vdp${mu}`,
    title: `Van der Pol μ = ${mu} (n = 2, t ∈ [0, ${t1}])`,
    stiff,
    y0: [2, 0],
    span: [0, t1],
    atolFactor: 1,
    field: (_t, y, o) => {
      o[0] = y[1]!;
      o[1] = mu * (1 - y[0]! * y[0]!) * y[1]! - y[0]!;
    },
    jac: (_t, y, J) => {
      J[0] = 0;
      J[1] = 1;
      J[2] = -2 * mu * y[0]! * y[1]! - 1;
      J[3] = mu * (1 - y[0]! * y[0]!);
    },
  };
}

const robertson: OdeProblem = {
  id: 'robertson',
  title: 'Robertson (n = 3, t ∈ [0, 1e11])',
  stiff: true,
  y0: [1, 0, 0],
  span: [0, 1e11],
  atolFactor: 1e-6,
  field: (_t, y, o) => {
    const r1 = 0.04 * y[0]!;
    const r2 = 1e4 * y[1]! * y[2]!;
    const r3 = 3e7 * y[1]! * y[1]!;
    o[0] = -r1 + r2;
    o[1] = r1 - r2 - r3;
    o[2] = r3;
  },
  jac: (_t, y, J) => {
    J[0] = -0.04;
    J[1] = 1e4 * y[2]!;
    J[2] = 1e4 * y[1]!;
    J[3] = 0.04;
    J[4] = -1e4 * y[2]! - 6e7 * y[1]!;
    J[5] = -1e4 * y[1]!;
    J[6] = 0;
    J[7] = 6e7 * y[1]!;
    J[8] = 0;
  },
};

const hires: OdeProblem = {
  id: 'hires',
  title: 'HIRES (n = 8, t ∈ [0, 321.8122])',
  stiff: true,
  y0: [1, 0, 0, 0, 0, 0, 0, 0.0057],
  span: [0, 321.8122],
  atolFactor: 1e-4,
  field: (_t, y, o) => {
    const k = 280 * y[5]! * y[7]!;
    o[0] = -1.71 * y[0]! + 0.43 * y[1]! + 8.32 * y[2]! + 0.0007;
    o[1] = 1.71 * y[0]! - 8.75 * y[1]!;
    o[2] = -10.03 * y[2]! + 0.43 * y[3]! + 0.035 * y[4]!;
    o[3] = 8.32 * y[1]! + 1.71 * y[2]! - 1.12 * y[3]!;
    o[4] = -1.745 * y[4]! + 0.43 * y[5]! + 0.43 * y[6]!;
    o[5] = -k + 0.69 * y[3]! + 1.71 * y[4]! - 0.43 * y[5]! + 0.69 * y[6]!;
    o[6] = k - 1.81 * y[6]!;
    o[7] = -k + 1.81 * y[6]!;
  },
  jac: (_t, y, J) => {
    J.fill(0);
    const n = 8;
    const set = (i: number, j: number, v: number): void => {
      J[i * n + j] = v;
    };
    set(0, 0, -1.71);
    set(0, 1, 0.43);
    set(0, 2, 8.32);
    set(1, 0, 1.71);
    set(1, 1, -8.75);
    set(2, 2, -10.03);
    set(2, 3, 0.43);
    set(2, 4, 0.035);
    set(3, 1, 8.32);
    set(3, 2, 1.71);
    set(3, 3, -1.12);
    set(4, 4, -1.745);
    set(4, 5, 0.43);
    set(4, 6, 0.43);
    set(5, 3, 0.69);
    set(5, 4, 1.71);
    set(5, 5, -0.43 - 280 * y[7]!);
    set(5, 6, 0.69);
    set(5, 7, -280 * y[5]!);
    set(6, 5, 280 * y[7]!);
    set(6, 6, -1.81);
    set(6, 7, 280 * y[5]!);
    set(7, 5, -280 * y[7]!);
    set(7, 6, 1.81);
    set(7, 7, -280 * y[5]!);
  },
};

/** The test set, non-stiff first. */
export const PROBLEMS: readonly OdeProblem[] = [arenstorf, lotka, vdp(1, 20, false), vdp(1000, 3000, true), robertson, hires];
