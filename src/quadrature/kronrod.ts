/**
 * Globally adaptive Gauss–Kronrod quadrature (G7K15 panels, QUADPACK qag style): R. Piessens,
 * E. de Doncker-Kapenga, C. W. Überhuber, D. K. Kahaner, *QUADPACK*, Springer (1983), routines
 * qk15 and qag. Nodes and weights are QUADPACK's qk15 constants.
 */
import { NumericalError } from '../errors.js';

// Gauss–Kronrod 7/15 nodes and weights on [−1, 1] (QUADPACK qk15): Kronrod nodes XGK (positive half,
// descending, last = 0); the Gauss nodes are XGK[1], XGK[3], XGK[5] and 0.
const XGK = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
  0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0,
] as const;
const WGK = [
  0.02293532201052922496373200805897, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
  0.140653259715525918745189590510238, 0.16900472663926790282658342659855, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
] as const;
const WG = [
  0.129484966168869693270611432679082, 0.27970539148927666790146777142378, 0.381830050505118944950369775488975,
  0.417959183673469387755102040816327,
] as const;

/** Default panel cap of {@link adaptiveGaussKronrod}. */
export const GK_MAX_PANELS = 2000;

/** Integrand values of one panel (module scratch: gk15 never re-enters itself). */
const GK_FV1 = new Float64Array(7);
const GK_FV2 = new Float64Array(7);

/**
 * One G7K15 panel on [a, b] (QUADPACK qk15): [Kronrod value, error estimate]. The estimate is
 * QUADPACK's resasc·min(1, (200·|K − G|/resasc)^{3/2}), floored at 50·eps·∫|f| (rounding).
 */
function gk15(f: (s: number) => number, a: number, b: number): [number, number] {
  const c = 0.5 * (a + b);
  const hw = 0.5 * (b - a);
  const fc = f(c);
  const fv1 = GK_FV1;
  const fv2 = GK_FV2;
  let k = WGK[7] * fc;
  let g = WG[3] * fc;
  let kAbs = Math.abs(k);
  for (let j = 0; j < 7; j++) {
    const f1 = f(c - hw * XGK[j]!);
    const f2 = f(c + hw * XGK[j]!);
    fv1[j] = f1;
    fv2[j] = f2;
    k += WGK[j]! * (f1 + f2);
    kAbs += WGK[j]! * (Math.abs(f1) + Math.abs(f2));
    if (j % 2 === 1) g += WG[(j - 1) / 2]! * (f1 + f2);
  }
  const kHalf = 0.5 * k;
  let asc = WGK[7] * Math.abs(fc - kHalf);
  for (let j = 0; j < 7; j++) asc += WGK[j]! * (Math.abs(fv1[j]! - kHalf) + Math.abs(fv2[j]! - kHalf));
  const result = k * hw;
  const resAbs = kAbs * Math.abs(hw);
  const resAsc = asc * Math.abs(hw);
  let err = Math.abs((k - g) * hw);
  if (resAsc !== 0 && err !== 0) err = resAsc * Math.min(1, (200 * err / resAsc) ** 1.5);
  if (resAbs > Number.MIN_VALUE / (50 * Number.EPSILON)) err = Math.max(50 * Number.EPSILON * resAbs, err);
  return [result, err];
}

/** Options of {@link adaptiveGaussKronrod}. */
export interface GaussKronrodOptions {
  /** Target relative error of the summed estimate (QUADPACK's estimate is pessimistic; ≥ 5e-14 is reachable). */
  readonly rtol: number;
  /** Panel cap. @defaultValue {@link GK_MAX_PANELS} */
  readonly maxPanels?: number;
  /** Names the computation in the NumericalError thrown past the cap. @defaultValue 'adaptiveGaussKronrod' */
  readonly where?: string;
}

/**
 * ∫ f over [breaks[0], breaks[n−1]] by globally adaptive Gauss–Kronrod (G7K15, QUADPACK qag style):
 * the panels start as the intervals between consecutive `breaks`, then the panel with the largest
 * error estimate is bisected until the summed estimate is ≤ rtol·|∫|. Throws NumericalError past
 * the panel cap.
 */
export function adaptiveGaussKronrod(f: (s: number) => number, breaks: readonly number[], options: GaussKronrodOptions): number {
  const { rtol, maxPanels = GK_MAX_PANELS, where = 'adaptiveGaussKronrod' } = options;
  if (breaks.length < 2) throw new RangeError(`adaptiveGaussKronrod: breaks must have at least 2 entries, got ${breaks.length}`);
  if (!(rtol > 0)) throw new RangeError(`adaptiveGaussKronrod: rtol must be > 0, got ${rtol}`);
  const lo: number[] = [];
  const hi: number[] = [];
  const val: number[] = [];
  const err: number[] = [];
  for (let p = 0; p + 1 < breaks.length; p++) {
    const [v, e] = gk15(f, breaks[p]!, breaks[p + 1]!);
    lo.push(breaks[p]!);
    hi.push(breaks[p + 1]!);
    val.push(v);
    err.push(e);
  }
  for (;;) {
    let total = 0;
    let totalErr = 0;
    let worst = 0;
    for (let k = 0; k < val.length; k++) {
      total += val[k]!;
      totalErr += err[k]!;
      if (err[k]! > err[worst]!) worst = k;
    }
    if (totalErr <= rtol * Math.abs(total) || totalErr <= Number.MIN_VALUE) return total;
    if (val.length >= maxPanels) {
      throw new NumericalError(where, `adaptive quadrature did not reach relative error ${rtol} in ${maxPanels} panels (estimate ${totalErr / Math.abs(total)})`);
    }
    const a = lo[worst]!;
    const b = hi[worst]!;
    const m = 0.5 * (a + b);
    const left = gk15(f, a, m);
    const right = gk15(f, m, b);
    hi[worst] = m;
    val[worst] = left[0];
    err[worst] = left[1];
    lo.push(m);
    hi.push(b);
    val.push(right[0]);
    err.push(right[1]);
  }
}
