/**
 * MHM's nonlinear responses and their Gaussian moments (math.md §3.5): the integrands of η_NL,
 * evaluated exactly by the Gauss rules of src/quadrature.
 */
import { DEFAULT_NODES, halfNormalExpectation, normalExpectation } from '../../quadrature/index.js';

/**
 * A response g(z) of a single-index model y = g(wᵀx) + ε: smooth pieces on z < 0 and z > 0 (equal
 * for a smooth g), so that expectations are exact quadratures even with a kink or jump at 0.
 */
export interface Response {
  readonly name: string;
  /** g on z < 0, extended smoothly to ℝ. */
  readonly left: (z: number) => number;
  /** g on z > 0, extended smoothly to ℝ. */
  readonly right: (z: number) => number;
  /** True when left = right (one Gauss–Hermite rule suffices). */
  readonly smooth: boolean;
}

/** g(z) of a response (the value at exactly 0 is the right piece's; a null set). */
export function evalResponse(r: Response, z: number): number {
  return z < 0 ? r.left(z) : r.right(z);
}

/** The responses of MHM's nonlinear claim: sign, ReLU and the non-odd polynomial z + z². */
export const RESPONSES: Readonly<Record<'sign' | 'relu' | 'poly', Response>> = {
  sign: { name: 'sign', left: () => -1, right: () => 1, smooth: false },
  relu: { name: 'relu', left: () => 0, right: (z) => z, smooth: false },
  poly: { name: 'z + z²', left: (z) => z + z * z, right: (z) => z + z * z, smooth: true },
};

/** E[h(z, g(z))] for a response, by Gauss–Hermite (smooth) or two half-line Laguerre rules (kink at 0). */
export function responseExpectation(r: Response, h: (z: number, g: number) => number, n = DEFAULT_NODES): number {
  if (r.smooth) return normalExpectation((z) => h(z, r.right(z)), n);
  return halfNormalExpectation((z) => h(z, r.right(z)), n) + halfNormalExpectation((z) => h(-z, r.left(-z)), n);
}

/** The Gaussian moments of a response that η_NL needs. */
export interface ResponseMoments {
  /** c₁ = E[z·g(z)]. */
  readonly c1: number;
  /** E[g(z)²]. */
  readonly g2: number;
  /** E[g(z)²z²]. */
  readonly g2z2: number;
}

export function responseMoments(r: Response, n = DEFAULT_NODES): ResponseMoments {
  return {
    c1: responseExpectation(r, (z, g) => z * g, n),
    g2: responseExpectation(r, (_z, g) => g * g, n),
    g2z2: responseExpectation(r, (z, g) => g * g * z * z, n),
  };
}

/**
 * MHM's optimal isotropic step for y = g(wᵀx) + ε, x ~ N(0, I_d), ‖w‖ = 1 (math.md §3.5):
 *   η_NL = c₁² / ((1 − 1/M)c₁² + (E[g²z²] + (d − 1)E[g²] + σ²d)/M),   R* = E[g²] + σ² − η_NL·c₁².
 * Also the risk R(η) = E[g²] + σ² − 2ηc₁² + η²·D of any isotropic step η, D the denominator above.
 */
export function etaNonlinear(m: ResponseMoments, d: number, M: number, sigma2: number): { eta: number; risk: number; riskAt: (eta: number) => number } {
  const c12 = m.c1 * m.c1;
  const D = (1 - 1 / M) * c12 + (m.g2z2 + (d - 1) * m.g2 + sigma2 * d) / M;
  const eta = c12 / D;
  return { eta, risk: m.g2 + sigma2 - eta * c12, riskAt: (e: number) => m.g2 + sigma2 - 2 * e * c12 + e * e * D };
}
