/**
 * Test objectives of the generic minimisers (src/optim), with analytic gradients and Hessians:
 * the extended Rosenbrock function and an ill-conditioned quadratic.
 */
import type { Matrix } from '../../src/linalg/index.js';
import type { Objective } from '../../src/optim/index.js';

/** Extended Rosenbrock: Σ 100(x_{2i} − x_{2i−1}²)² + (1 − x_{2i−1})², minimum 0 at 𝟙. */
export const rosenbrock: Objective = (x, g) => {
  let f = 0;
  g.fill(0);
  for (let i = 0; i < x.length; i += 2) {
    const a = x[i]!;
    const b = x[i + 1]!;
    const t = b - a * a;
    f += 100 * t * t + (1 - a) ** 2;
    g[i] = -400 * a * t - 2 * (1 - a);
    g[i + 1] = 200 * t;
  }
  return f;
};

/** The analytic Hessian of {@link rosenbrock} (2×2 blocks [[1200a² − 400b + 2, −400a], [−400a, 200]]). */
export function rosenbrockHessian(x: Float64Array): Matrix {
  const n = x.length;
  const H: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  for (let i = 0; i < n; i += 2) {
    const a = x[i]!;
    const b = x[i + 1]!;
    H.data[i * n + i] = 1200 * a * a - 400 * b + 2;
    H.data[i * n + i + 1] = -400 * a;
    H.data[(i + 1) * n + i] = -400 * a;
    H.data[(i + 1) * n + i + 1] = 200;
  }
  return H;
}

/**
 * Per-entry size of the terms summed in {@link rosenbrock}'s gradient at x (the scale its rounding
 * error is relative to): 400|a|(|b| + a²) + 2(1 + |a|) for g_a, 200(|b| + a²) for g_b.
 */
export function rosenbrockGradientScale(x: Float64Array): Float64Array {
  const s = new Float64Array(x.length);
  for (let i = 0; i < x.length; i += 2) {
    const a = Math.abs(x[i]!);
    const b = Math.abs(x[i + 1]!);
    s[i] = 400 * a * (b + a * a) + 2 * (1 + a);
    s[i + 1] = 200 * (b + a * a);
  }
  return s;
}

/** An ill-conditioned quadratic ½Σ c_i (x_i − i)², c_i = 10^{6i/(n−1)}, condition 1e6. */
export const quadratic: Objective = (x, g) => {
  let f = 0;
  for (let i = 0; i < x.length; i++) {
    const c = 10 ** ((6 * i) / (x.length - 1));
    f += 0.5 * c * (x[i]! - i) ** 2;
    g[i] = c * (x[i]! - i);
  }
  return f;
};
