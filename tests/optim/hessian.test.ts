/**
 * The finite-difference Hessian (src/optim/hessian.ts) against analytic Hessians. Bounds are the
 * rounding analysis of a central difference, in multiples of EPS: each gradient entry carries an
 * error ≤ c·EPS·S_i (S_i = the size of the terms it sums), the two-sided difference divides it by
 * 2h, and rounding x_k ± h moves the step by ≤ EPS·(|x_k| + h)/2 on each side.
 */
import { describe, expect, it } from 'vitest';
import { Rng, spdFromSpectrum, randomOrthogonal, type Matrix } from '../../src/linalg/index.js';
import { finiteDifferenceHessian, type Gradient } from '../../src/optim/index.js';
import { EPS, TOL, firstViolation } from '../helpers/tolerance.js';
import { rosenbrock, rosenbrockGradientScale, rosenbrockHessian } from './objectives.js';

const RELATIVE_STEP = 1e-5;
/** Roundings in one entry of the Rosenbrock gradient (t = b − a², −400·a·t, 2(1 − a), the sum). */
const ROSENBROCK_ROUNDINGS = 8;

function stepOf(x: Float64Array): number {
  let xmax = 1;
  for (const v of x) xmax = Math.max(xmax, Math.abs(v));
  return RELATIVE_STEP * xmax;
}

/** Per-entry bound from per-row gradient error bounds e_i (at x ± h): (e_i + EPS·|H_ik|·(|x_k| + h)) / (2h), symmetrised. */
function fdBound(H: Matrix, x: Float64Array, h: number, gradError: Float64Array): (idx: number) => number {
  const n = x.length;
  const one = (i: number, k: number): number => (2 * gradError[i]! + EPS * Math.abs(H.data[i * n + k]!) * (Math.abs(x[k]!) + h)) / (2 * h);
  return (idx) => {
    const i = Math.floor(idx / n);
    const k = idx % n;
    return Math.max(one(i, k), one(k, i)) + TOL.elementwise * Math.abs(H.data[idx]!);
  };
}

describe('finiteDifferenceHessian', () => {
  it('is exact up to rounding on a quadratic ½xᵀAx − bᵀx (A SPD, n = 6): |H − A| within the central-difference rounding bound', () => {
    const rng = new Rng(17);
    const n = 6;
    const A = spdFromSpectrum(randomOrthogonal(rng, n), Float64Array.from({ length: n }, (_, i) => 10 ** (i / 2)));
    const b = Float64Array.from({ length: n }, () => rng.normal());
    let evaluations = 0;
    const grad: Gradient = (x, g) => {
      evaluations++;
      for (let i = 0; i < n; i++) {
        let s = -b[i]!;
        for (let j = 0; j < n; j++) s += A.data[i * n + j]! * x[j]!;
        g[i] = s;
      }
    };
    for (const scale of [0.1, 1, 30]) {
      const x = Float64Array.from({ length: n }, () => scale * rng.normal());
      const h = stepOf(x);
      evaluations = 0;
      const H = finiteDifferenceHessian(grad, x, { relativeStep: RELATIVE_STEP });
      expect(evaluations).toBe(2 * n);
      // each gradient entry: a dot product of length n + 1, error ≤ dotPerN·(n + 1)·Σ|A_ij|(|x_j| + h) + |b_i|
      const gradError = Float64Array.from({ length: n }, (_, i) => {
        let s = Math.abs(b[i]!);
        for (let j = 0; j < n; j++) s += Math.abs(A.data[i * n + j]!) * (Math.abs(x[j]!) + h);
        return TOL.dotPerN * (n + 1) * s;
      });
      expect(firstViolation(H.data, A.data, fdBound(A, x, h, gradError)), `scale ${scale}`).toBeNull();
    }
  });

  it('matches the analytic Hessian of the extended Rosenbrock function once the known O(h²) term is added', () => {
    // g_a = 400a³ − 400ab + 2a − 2 is cubic in a, so the central difference along a is off by exactly
    // h²/6·∂³g_a/∂a³ = 400h² on the (a, a) entries; every other entry is exact up to rounding.
    const rng = new Rng(23);
    const points = [Float64Array.from([-1.2, 1, -1.2, 1]), Float64Array.from([1, 1, 1, 1])];
    for (let r = 0; r < 4; r++) points.push(Float64Array.from({ length: 6 }, () => 2 * rng.uniform() - 1 + rng.normal()));
    for (const x of points) {
      const n = x.length;
      const h = stepOf(x);
      const H = finiteDifferenceHessian(rosenbrock, x, { relativeStep: RELATIVE_STEP });
      const expected = rosenbrockHessian(x);
      for (let i = 0; i < n; i += 2) expected.data[i * n + i] += 400 * h * h;
      const xh = Float64Array.from(x, (v) => Math.abs(v) + h);
      const gradError = Float64Array.from(rosenbrockGradientScale(xh), (s) => ROSENBROCK_ROUNDINGS * EPS * s);
      expect(firstViolation(H.data, expected.data, fdBound(expected, x, h, gradError)), `x = ${Array.from(x)}`).toBeNull();
      // relative to the Hessian's size the whole error (truncation included) is ~1e-10
      const hmax = Math.max(...Array.from(expected.data, Math.abs));
      expect(firstViolation(H.data, rosenbrockHessian(x).data, () => 1e-8 * hmax)).toBeNull();
    }
  });

  it('returns an exactly symmetric matrix and rejects a non-positive step', () => {
    const x = Float64Array.from([0.3, -0.7, 1.1, 0.2]);
    const H = finiteDifferenceHessian(rosenbrock, x);
    const n = x.length;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Object.is(H.data[i * n + j], H.data[j * n + i])).toBe(true);
    expect(() => finiteDifferenceHessian(rosenbrock, x, { relativeStep: 0 })).toThrow(RangeError);
    expect(() => finiteDifferenceHessian(rosenbrock, x, { relativeStep: Number.NaN })).toThrow(/relativeStep/);
  });
});
