/**
 * Balancing the gauge of the reduced parameters: (p, Q) → (t·p, Q/t) leaves the risk unchanged
 * (it depends on them only through QᵀWp), so every start and every result of the LSA/LTB optimum is
 * moved along that orbit to a balanced point, where the weights are well scaled and the balancing
 * term of the objective vanishes. The optimum applies it in whitened coordinates (‖p̂‖₂ = ‖Q̂‖_F, see
 * whitening.ts), so its results are balanced there, not necessarily in (p, Q) themselves. (ZFB's balanced *start* is a different object: src/flow
 * `zfbBalancedStart`.)
 */
import { reducedLayout, type AttentionKind } from '../models/index.js';

/**
 * Rescales (p, Q) in the packed θ in place to ‖p‖₂ = ‖Q‖_F (t = (‖Q‖_F/‖p‖₂)^{1/2}); returns θ.
 * Leaves θ unchanged when p = 0 or Q = 0 (no finite t balances it). O(n).
 */
export function balance(theta: Float64Array, d: number, kind: AttentionKind): Float64Array {
  const at = reducedLayout(d, kind);
  let np = 0;
  let nq = 0;
  for (let i = at.p; i < at.Q; i++) np += theta[i]! ** 2;
  for (let i = at.Q; i < theta.length; i++) nq += theta[i]! ** 2;
  if (!(np > 0 && nq > 0)) return theta;
  const t = Math.sqrt(Math.sqrt(nq) / Math.sqrt(np));
  for (let i = at.p; i < at.Q; i++) theta[i] *= t;
  for (let i = at.Q; i < theta.length; i++) theta[i] /= t;
  return theta;
}
