/**
 * In-place first-order optimizers of sampled training: plain SGD and Adam (Kingma & Ba, "Adam: a
 * method for stochastic optimization", ICLR 2015, Algorithm 1, with the bias corrections; the
 * same update as PyTorch's `torch.optim.Adam` and optax's `adam`).
 */

/** Adam's constants, all optional. */
export interface AdamOptions {
  /** Decay of the first-moment estimate. @defaultValue 0.9 */
  readonly beta1?: number;
  /** Decay of the second-moment estimate. @defaultValue 0.999 */
  readonly beta2?: number;
  /** Added to √v̂ in the denominator (keeps the step finite where v̂ = 0). @defaultValue 1e-8 */
  readonly eps?: number;
}

/** Adam's defaults (Kingma & Ba 2015; PyTorch and optax use the same). */
export const ADAM_DEFAULTS: Required<AdamOptions> = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** A stateful in-place optimizer: `step(theta, grad)` updates θ from the gradient of the loss. */
export interface Optimizer {
  /** θ ← θ − (update from grad); allocates nothing. */
  step(theta: Float64Array, grad: Float64Array): void;
}

/** SGD: θ ← θ − lr·g (with lr·k the matched gradient-flow time after k steps, math.md §4). */
export function sgd(lr: number): Optimizer {
  return {
    step(theta, grad) {
      for (let i = 0; i < theta.length; i++) theta[i] -= lr * grad[i]!;
    },
  };
}

/**
 * Adam: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − lr·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ),
 * v̂ = v/(1 − β₂ᵗ), t the step count from 1. Buffers m, v of length n allocated once.
 */
export function adam(lr: number, n: number, options: AdamOptions = {}): Optimizer {
  const { beta1, beta2, eps } = { ...ADAM_DEFAULTS, ...options };
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  let t = 0;
  let pow1 = 1;
  let pow2 = 1;
  return {
    step(theta, grad) {
      t++;
      pow1 *= beta1;
      pow2 *= beta2;
      const c1 = 1 / (1 - pow1);
      const c2 = 1 / (1 - pow2);
      for (let i = 0; i < theta.length; i++) {
        const g = grad[i]!;
        const mi = beta1 * m[i]! + (1 - beta1) * g;
        const vi = beta2 * v[i]! + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        theta[i] -= (lr * (mi * c1)) / (Math.sqrt(vi * c2) + eps);
      }
    },
  };
}
