/**
 * Gradient descent with Armijo backtracking and step-size memory: a stable, cheap discretisation of
 * the gradient flow dx/dt = −∇f(x). The step grows by {@link STEP_GROW} after each accepted step and
 * shrinks by {@link STEP_SHRINK} on each rejection (Nocedal & Wright, Alg. 3.1, with the step carried
 * over between iterations).
 */
import type { Objective } from './lbfgs.js';

/** Sufficient-decrease (Armijo) constant: accept when f(x − h·g) ≤ f(x) − ARMIJO_C1·h·‖g‖². */
const ARMIJO_C1 = 1e-4;
/** Step-size factor after an accepted step. */
const STEP_GROW = 1.5;
/** Step-size factor after a rejected trial. */
const STEP_SHRINK = 0.5;
/** Backtracking cap per step (past it the descent ends early: f is at its floating-point floor). */
const MAX_BACKTRACK = 60;

/**
 * Runs `steps` accepted steps of gradient descent on f from x, in place (x ends at the last accepted
 * point). The first trial step is min(1, 1/‖∇f(x)‖). Stops early at a zero gradient or when
 * {@link MAX_BACKTRACK} halvings find no decrease. Returns the number of objective evaluations.
 * Allocates three n-vectors once; each trial costs one evaluation plus O(n).
 */
export function gradientDescent(f: Objective, x: Float64Array, steps: number): number {
  const n = x.length;
  const g = new Float64Array(n);
  const gt = new Float64Array(n);
  const xt = new Float64Array(n);
  let fx = f(x, g);
  let nfev = 1;
  let g2 = 0;
  for (let i = 0; i < n; i++) g2 += g[i]! ** 2;
  let h = g2 > 0 ? Math.min(1, 1 / Math.sqrt(g2)) : 1;
  for (let s = 0; s < steps && g2 > 0; s++) {
    let accepted = false;
    for (let b = 0; b < MAX_BACKTRACK; b++) {
      for (let i = 0; i < n; i++) xt[i] = x[i]! - h * g[i]!;
      const ft = f(xt, gt);
      nfev++;
      if (Number.isFinite(ft) && ft <= fx - ARMIJO_C1 * h * g2) {
        x.set(xt);
        g.set(gt);
        fx = ft;
        g2 = 0;
        for (let i = 0; i < n; i++) g2 += g[i]! ** 2;
        h *= STEP_GROW;
        accepted = true;
        break;
      }
      h *= STEP_SHRINK;
    }
    if (!accepted) break;
  }
  return nfev;
}
