/**
 * Verdicts on a finished flow (math.md §4): how close the endpoint is to the optimum, whether the
 * loss decreased monotonically, and whether the measured asymptotic rate of log(R − R*) matches the
 * prediction −2λ_min(∇²R*) (GD-β/GD-0); which basin an LTB/LSA run reached; ZFB's conservation law
 * and limit.
 */
import { eigvalsh, type Matrix } from '../linalg/index.js';
import { effectiveGdBeta, type GdBeta, type Reduced } from '../models/index.js';
import type { AttentionFlow } from './attentionFlow.js';
import type { GdBetaFlow } from './gdbetaFlow.js';
import type { ZfbFlow } from './zfbFlow.js';

/** Least-squares fit of log(R − R*) = a + rate·t on the tail of a trajectory. */
export interface RateFit {
  /** Fitted slope of log(R − R*) (natural log) per unit time; negative for decay. */
  readonly rate: number;
  /** Intercept a. */
  readonly intercept: number;
  /** Number of points used. */
  readonly points: number;
  /** First time of the fitted window (flow time t). */
  readonly tStart: number;
  /** Last time of the fitted window (flow time t). */
  readonly tEnd: number;
  /** RMS residual of the fit in log units. */
  readonly rmsResidual: number;
}

/**
 * Relative floor of the rate fit: points with R − R* ≤ RATE_FIT_FLOOR·R* are treated as round-off
 * (the gap itself is computed cancellation-free, but the state carries integration error).
 */
export const RATE_FIT_FLOOR = 1e-13;

/**
 * Fits the asymptotic rate of log(gap) against t (math.md §4) by least squares. Uses the saved
 * points whose gap is finite and above `floor`; with a `ceiling`, every such point with
 * gap ≤ ceiling (a fixed window), else the *tail*: the points in the lower half of the log-gap range
 * they span (at least the last three). Returns null with fewer than three usable points. O(points).
 */
export function fitTailRate(ts: ArrayLike<number>, gaps: ArrayLike<number>, floor: number, ceiling?: number): RateFit | null {
  const idx: number[] = [];
  for (let k = 0; k < ts.length; k++) {
    const g = gaps[k]!;
    if (Number.isFinite(g) && g > floor && (ceiling === undefined || g <= ceiling) && Number.isFinite(ts[k]!)) idx.push(k);
  }
  if (idx.length < 3) return null;
  let lmax = -Infinity;
  let lmin = Infinity;
  for (const k of idx) {
    const l = Math.log(gaps[k]!);
    lmax = Math.max(lmax, l);
    lmin = Math.min(lmin, l);
  }
  const mid = 0.5 * (lmax + lmin);
  let tail = ceiling !== undefined ? idx : idx.filter((k) => Math.log(gaps[k]!) <= mid);
  if (tail.length < 3) tail = idx.slice(-3);
  let st = 0;
  let sl = 0;
  for (const k of tail) {
    st += ts[k]!;
    sl += Math.log(gaps[k]!);
  }
  const m = tail.length;
  const tBar = st / m;
  const lBar = sl / m;
  let stt = 0;
  let stl = 0;
  for (const k of tail) {
    const dt = ts[k]! - tBar;
    stt += dt * dt;
    stl += dt * (Math.log(gaps[k]!) - lBar);
  }
  if (!(stt > 0)) return null;
  const rate = stl / stt;
  const intercept = lBar - rate * tBar;
  let res = 0;
  for (const k of tail) res += (Math.log(gaps[k]!) - intercept - rate * ts[k]!) ** 2;
  return { rate, intercept, points: m, tStart: ts[tail[0]!]!, tEnd: ts[tail[m - 1]!]!, rmsResidual: Math.sqrt(res / m) };
}

/**
 * Relative tolerance of "non-increasing": an increase of at most MONOTONE_RTOL·(R* + gap) between
 * saved points is round-off, not a rise.
 */
export const MONOTONE_RTOL = 1e-12;

/** Verdict on a GD-β/GD-0 flow. */
export interface GdVerdict {
  /** Risk at the endpoint, R* + gap, unit [y]². */
  readonly finalRisk: number;
  /** Closed-form R*_GDβ or R*_GD0. */
  readonly optimalRisk: number;
  /** R − R* at the endpoint (cancellation-free). */
  readonly gap: number;
  /** ‖(Γ, β₀) − (Γ*, β*)‖_F at the endpoint. */
  readonly distanceToOptimum: number;
  /** Fitted asymptotic rate of log(R − R*), or null when the tail is too short. */
  readonly measuredRate: number | null;
  /** −2λ_min(∇²R*), the predicted slope of ln(R − R*) per unit t (4.6)–(4.7). */
  readonly predictedRate: number;
  /** |measured/predicted − 1|, or null. */
  readonly rateRelativeError: number | null;
  /** Why rateRelativeError is null ("not defined: …"); null when it is a number. */
  readonly rateRelativeErrorNote: string | null;
  /** The tail fit behind `measuredRate` (floor `RATE_FIT_FLOOR`·R*), or null when the tail is too short. */
  readonly rateFit: RateFit | null;
  /** λ_min of the Hessian at the optimum (4.6); λ_max/λ_min is the stiffness ratio. */
  readonly hessianMin: number;
  /** λ_max of the Hessian at the optimum (4.5). */
  readonly hessianMax: number;
  /** The saved losses never rose by more than `MONOTONE_RTOL` = 1e-12 (relative). */
  readonly monotone: boolean;
  /** Largest rise of the gap between consecutive saved points, relative to the risk before it (R* + previous gap); 0 when it never rose. */
  readonly maxRelativeIncrease: number;
}

/**
 * The GD verdict from the endpoint state and the saved (t, R − R*) trajectory. `floor` defaults to
 * {@link RATE_FIT_FLOOR}·R*.
 */
export function gdVerdict(flow: GdBetaFlow, yEnd: Float64Array, ts: ArrayLike<number>, gaps: ArrayLike<number>, floor?: number): GdVerdict {
  const h = flow.hessian();
  const R = flow.optimalRisk;
  const gap = flow.gap(yEnd);
  const fit = fitTailRate(ts, gaps, floor ?? RATE_FIT_FLOOR * Math.max(R, Number.MIN_VALUE));
  const predictedRate = h.predictedRate;
  const inc = maxIncreaseRel(gaps, R);
  return {
    finalRisk: R + gap,
    optimalRisk: R,
    gap,
    distanceToOptimum: flow.distance(yEnd),
    measuredRate: fit?.rate ?? null,
    predictedRate,
    rateRelativeError: fit === null || predictedRate === 0 ? null : Math.abs(fit.rate / predictedRate - 1),
    rateRelativeErrorNote:
      predictedRate === 0
        ? 'not defined: the predicted rate is 0 (λ_min(∇²R*) = 0, e.g. Ψ = 0 and σ² = 0), so measured/predicted − 1 has no value'
        : fit === null
          ? 'not defined: no rate was measured (fewer than 3 saved points of R − R* above the round-off floor)'
          : null,
    rateFit: fit,
    hessianMin: h.lambdaMin,
    hessianMax: h.lambdaMax,
    monotone: inc <= MONOTONE_RTOL,
    maxRelativeIncrease: inc,
  };
}

function maxIncreaseRel(gaps: ArrayLike<number>, R: number): number {
  let worst = 0;
  for (let k = 1; k < gaps.length; k++) {
    const scale = Math.max(R + gaps[k - 1]!, Number.MIN_VALUE);
    worst = Math.max(worst, (gaps[k]! - gaps[k - 1]!) / scale);
  }
  return worst;
}

/** The basin an LTB/LSA run reached (math.md §4). */
export type Basin = 'global' | 'lsa-plateau' | 'spurious' | 'unconverged';

/** Tolerances of {@link attentionVerdict}. */
export interface AttentionVerdictOptions {
  /** |R − R*_GDβ| ≤ riskRtol·R*_GDβ counts as the global optimum. @defaultValue 1e-8 */
  readonly riskRtol?: number;
  /** ‖∇R‖ ≤ gradTol counts as converged (a critical point). @defaultValue 1e-6 */
  readonly gradTol?: number;
  /**
   * |p_y| ≤ degenerateRtol·max|p| is "p_y ≈ 0"; ‖Q_x‖_F ≤ degenerateRtol·‖Q‖_F is "Q_x ≈ 0";
   * σ₂(Q_x) ≤ degenerateRtol·σ₁(Q_x) is rank one. @defaultValue 1e-4
   */
  readonly degenerateRtol?: number;
  /** Tolerance passed to effectiveGdBeta. @defaultValue 1e-6 */
  readonly effectiveRtol?: number;
}

/** Verdict on an LTB/LSA flow. */
export interface AttentionVerdict {
  /** Risk at the endpoint (3.22)–(3.23), unit [y]². */
  readonly finalRisk: number;
  /** R*_GDβ (= the optimal LTB risk, ZWB). */
  readonly optimalRisk: number;
  /** R − R*_GDβ. */
  readonly gap: number;
  /** ‖∇R‖ at the endpoint (in the flow's parameters). */
  readonly gradNorm: number;
  /** The basin reached (§4.2): `'global'`, `'lsa-plateau'`, `'spurious'` or `'unconverged'`. */
  readonly basin: Basin;
  /** Whether the endpoint is (numerically) a GD-β, and why not. */
  readonly effectiveOk: boolean;
  /** The failing condition of (2.14) (`EffectiveGdBeta.reason`), or null when `effectiveOk`. */
  readonly effectiveReason: string | null;
  /** The effective (closest) GD-β reading Γ = p_yQ_xᵀ, β₀ = −p_x/p_y, when p_y ≠ 0. */
  readonly effective: GdBeta | null;
  /** ‖(Γ_eff, β₀,eff) − (Γ*, β*)‖_F, or null. */
  readonly distanceToOptimum: number | null;
  /** ‖β_m − β*‖ (LTB; LSA has β_m = 0). */
  readonly betaMError: number;
  /** |p_y| at the endpoint. */
  readonly py: number;
  /** The singular-value ratio σ₂/σ₁ of Q_x (rank-one detection; 1 when d = 1, 0 when Q_x = 0). */
  readonly qxSingularRatio: number;
  /** Same meaning as in {@link GdVerdict}. */
  readonly monotone: boolean;
  /** Same meaning as in {@link GdVerdict} (losses measured against R*_GDβ). */
  readonly maxRelativeIncrease: number;
}

function singularRatio(Qx: Matrix): number {
  const d = Qx.cols;
  if (d < 2) return 1;
  const G: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += Qx.data[k * d + i]! * Qx.data[k * d + j]!;
      G.data[i * d + j] = s;
    }
  }
  const ev = eigvalsh(G);
  const s1 = Math.sqrt(Math.max(0, ev[d - 1]!));
  const s2 = Math.sqrt(Math.max(0, ev[d - 2]!));
  return s1 > 0 ? s2 / s1 : 0;
}

/**
 * The LTB/LSA verdict: the endpoint's effective GD-β and its distance to (Γ*, β*), and the basin —
 * 'global' when R = R*_GDβ to `riskRtol`; otherwise 'unconverged' when ‖∇R‖ > gradTol; otherwise
 * 'spurious' when p_y ≈ 0, Q_x ≈ 0 or Q_x is rank one (or an LTB critical point above R*), else
 * 'lsa-plateau'.
 */
export function attentionVerdict(
  flow: AttentionFlow,
  gd: GdBetaFlow,
  yEnd: Float64Array,
  losses: ArrayLike<number>,
  options: AttentionVerdictOptions = {},
): AttentionVerdict {
  const { riskRtol = 1e-8, gradTol = 1e-6, degenerateRtol = 1e-4, effectiveRtol = 1e-6 } = options;
  const problem = flow.problem;
  const d = problem.d;
  const R = flow.risk(yEnd);
  const Rstar = gd.optimalRisk;
  const f = new Float64Array(flow.n);
  flow.field(0, yEnd, f);
  let g2 = 0;
  for (let k = 0; k < flow.n; k++) g2 += f[k]! ** 2;
  const gradNorm = Math.sqrt(g2);
  const red: Reduced = flow.reduced(yEnd);
  const eff = effectiveGdBeta(flow.toEstimator(yEnd), { rtol: effectiveRtol });
  const effective = eff.estimator ?? null;
  let distanceToOptimum: number | null = null;
  if (effective !== null) {
    const y = gd.fromEstimator(effective);
    distanceToOptimum = gd.distance(y);
  }
  let bm = 0;
  for (let i = 0; i < d; i++) bm += (red.betaM[i]! - problem.betaStar[i]!) ** 2;
  let pmax = 0;
  for (let i = 0; i <= d; i++) pmax = Math.max(pmax, Math.abs(red.p[i]!));
  const py = Math.abs(red.p[d]!);
  const Qx: Matrix = { rows: d, cols: d, data: red.Q.data.subarray(0, d * d) };
  const ratio = singularRatio(Qx);
  let qx2 = 0;
  let q2 = 0;
  for (let k = 0; k < red.Q.data.length; k++) {
    q2 += red.Q.data[k]! ** 2;
    if (k < d * d) qx2 += red.Q.data[k]! ** 2;
  }
  const qxVanishes = Math.sqrt(qx2) <= degenerateRtol * Math.sqrt(q2);
  let basin: Basin;
  if (Math.abs(R - Rstar) <= riskRtol * Math.max(Rstar, Number.MIN_VALUE)) basin = 'global';
  else if (!(gradNorm <= gradTol)) basin = 'unconverged';
  else if (py <= degenerateRtol * pmax || qxVanishes || ratio <= degenerateRtol) basin = 'spurious';
  else basin = flow.model === 'lsa' ? 'lsa-plateau' : 'spurious';
  const inc = maxIncreaseRel(Float64Array.from(losses, (x) => x - Rstar), Rstar);
  return {
    finalRisk: R,
    optimalRisk: Rstar,
    gap: R - Rstar,
    gradNorm,
    basin,
    effectiveOk: eff.ok,
    effectiveReason: eff.ok ? null : eff.reason,
    effective,
    distanceToOptimum,
    betaMError: Math.sqrt(bm),
    py,
    qxSingularRatio: ratio,
    monotone: inc <= MONOTONE_RTOL,
    maxRelativeIncrease: inc,
  };
}

/** Verdict on ZFB's flow. */
export interface ZfbVerdict {
  /** Risk at the endpoint, R* + gap, unit [y]². */
  readonly finalRisk: number;
  /** R*_GD0 = R*_GDβ (β* = 0): the risk of the claimed limit (4.14). */
  readonly optimalRisk: number;
  /** R − R* at the endpoint (cancellation-free). */
  readonly gap: number;
  /** max over saved points of |(u² − ‖U‖²_F)(t) − (u² − ‖U‖²_F)(0)|. */
  readonly conservationResidual: number;
  /** The same divided by max(u² + ‖U‖²_F) over the saved points. */
  readonly relativeConservationResidual: number;
  /** ‖(u, U)_end − (u, U)_predicted‖ (Frobenius, over u and U). */
  readonly distanceToPredicted: number;
  /** |u_end − u_predicted|. */
  readonly uError: number;
  /** Same meaning as in {@link GdVerdict}. */
  readonly monotone: boolean;
  /** Same meaning as in {@link GdVerdict}. */
  readonly maxRelativeIncrease: number;
}

/** ZFB verdict from the saved states (for the conservation law) and losses. */
export function zfbVerdict(flow: ZfbFlow, ys: readonly Float64Array[], losses: ArrayLike<number>): ZfbVerdict {
  const y0 = ys[0]!;
  const yEnd = ys[ys.length - 1]!;
  const c0 = flow.invariant(y0);
  let res = 0;
  let scale = 0;
  for (const y of ys) {
    res = Math.max(res, Math.abs(flow.invariant(y) - c0));
    let s = 0;
    for (let k = 0; k < y.length; k++) s += y[k]! * y[k]!;
    scale = Math.max(scale, s);
  }
  let dist = 0;
  for (let k = 0; k < flow.n; k++) dist += (yEnd[k]! - flow.predictedLimit[k]!) ** 2;
  const R = flow.optimalRisk;
  const inc = maxIncreaseRel(Float64Array.from(losses, (x) => x - R), R);
  const gap = flow.gap(yEnd);
  return {
    finalRisk: R + gap,
    optimalRisk: R,
    gap,
    conservationResidual: res,
    relativeConservationResidual: scale > 0 ? res / scale : res,
    distanceToPredicted: Math.sqrt(dist),
    uError: Math.abs(yEnd[0]! - flow.predictedLimit[0]!),
    monotone: inc <= MONOTONE_RTOL,
    maxRelativeIncrease: inc,
  };
}
