/**
 * Finite-difference Hessian of a function with an analytic gradient: central differences of the
 * gradient, column by column, then symmetrised. The one copy used by the Newton polish
 * ({@link newtonPolish}) and by the variable-projection route of src/verify (projected.ts).
 *
 * Error: O(h²·‖∇³f‖) truncation plus O(eps·‖∇f‖/h) rounding per entry, so the default relative step
 * 1e-5 gives ≈ 1e-10 relative accuracy on smooth objectives of unit scale (both terms balance near
 * h ≈ eps^{1/3} ≈ 6e-6).
 */
import type { Matrix } from '../linalg/index.js';

/** ∇f(x) written into `grad` (length n). Must not keep references to `x` or `grad`. */
export type Gradient = (x: Float64Array, grad: Float64Array) => void;

/** Options of {@link finiteDifferenceHessian}. */
export interface FiniteDifferenceHessianOptions {
  /** Step h = relativeStep·max(1, ‖x‖∞) of the central differences. @defaultValue 1e-5 */
  relativeStep?: number;
}

/**
 * The Hessian of f at x from central differences of its gradient:
 * column k = (∇f(x + h·e_k) − ∇f(x − h·e_k)) / (2h), h = relativeStep·max(1, ‖x‖∞), then
 * (H + Hᵀ)/2. Shapes: x [n]; returns [n, n] (fresh). Cost: 2n gradient evaluations, O(n²) memory.
 *
 * @throws RangeError when `relativeStep` is not a positive finite number.
 */
export function finiteDifferenceHessian(grad: Gradient, x: Readonly<Float64Array>, options: FiniteDifferenceHessianOptions = {}): Matrix {
  const { relativeStep = 1e-5 } = options;
  if (!(relativeStep > 0 && Number.isFinite(relativeStep))) {
    throw new RangeError(`finiteDifferenceHessian: options.relativeStep must be a positive finite number, got ${relativeStep}`);
  }
  const n = x.length;
  let xmax = 1;
  for (let i = 0; i < n; i++) xmax = Math.max(xmax, Math.abs(x[i]!));
  const h = relativeStep * xmax;
  const H: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  const xt = new Float64Array(n);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    xt.set(x);
    xt[k] = x[k]! + h;
    grad(xt, gp);
    xt[k] = x[k]! - h;
    grad(xt, gm);
    for (let i = 0; i < n; i++) H.data[i * n + k] = (gp[i]! - gm[i]!) / (2 * h);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (H.data[i * n + j]! + H.data[j * n + i]!);
      H.data[i * n + j] = s;
      H.data[j * n + i] = s;
    }
  }
  return H;
}
