/**
 * Exponential Runge–Kutta integrators for z′ = ℓ ⊙ z + N(z) with a *diagonal* linear part ℓ — the
 * form the GD-β flow takes in the eigenbasis of its Hessian at the optimum (see
 * {@link gdBetaExponentialProblem} in `gdbetaExponential.ts`). The stiff linear part is integrated
 * exactly through the φ-functions φ_k(z) = Σ_m z^m/(m+k)!, elementwise; only N is sampled.
 *
 * A method is data (like the Butcher tableaus of `ode/`): stage i is
 *   U_i = e^{c_i hℓ} z_n + h Σ_{j<i} a_ij(hℓ) N(U_j),   z_{n+1} = e^{hℓ} z_n + h Σ_i b_i(hℓ) N(U_i),
 * every coefficient a linear combination of φ_k(c·hℓ). Methods (Hochbruck & Ostermann, *Explicit
 * exponential Runge–Kutta methods for semilinear parabolic problems*, SIAM J. Numer. Anal. 43 (2005);
 * Cox & Matthews, J. Comput. Phys. 176 (2002)):
 * - `etd2`: ETD2RK (Cox–Matthews), order 2, embedded exponential Euler (order 1);
 * - `etd3`: Hochbruck–Ostermann's 3-stage method of stiff order 3 (c = 0, 1/3, 2/3), embedded order 2;
 * - `etd4`: Hochbruck–Ostermann's 5-stage method of stiff order 4 (c = 0, ½, ½, 1, ½); the embedded
 *   solution puts Krogstad's split weights 2φ₂ − 4φ₃ on stages 2 and 3 instead of 4φ₂ − 8φ₃ on stage 5,
 *   so the estimate is h(4φ₂ − 8φ₃)(N₅ − (N₂ + N₃)/2) (a heuristic third-order estimator).
 *
 * Step control: the error is ‖err/scale‖_RMS with scale_k = atol + rtol·max(|r_k + z_k|, |r_k + z_{n+1,k}|)
 * (r = `scaleRef`, so the tolerance is relative to the full state when z is a deviation), and the
 * PI law of `ode/controller.ts` (its {@link PIController} constants). Workspaces are allocated once per
 * solve; steps allocate nothing.
 */
import { PIController, type StepStatistic } from './ode/index.js';

/** Coefficient term coef·φ_k(c·hℓ) (k = 0 is e^{c·hℓ}). */
export interface PhiTerm {
  readonly coef: number;
  readonly k: 0 | 1 | 2 | 3;
  readonly c: number;
}

/** An exponential RK method as data (see the module comment). */
export interface ExponentialTableau {
  readonly name: string;
  /** Stiff order of the propagated solution. */
  readonly order: number;
  /** Order of the embedded solution (the controller uses k = errorOrder + 1). */
  readonly errorOrder: number;
  /** Nodes c_i, c_0 = 0. */
  readonly c: readonly number[];
  /** a[i][j] (j < i): sums of φ terms. */
  readonly a: readonly (readonly (readonly PhiTerm[])[])[];
  /** b[i]: sums of φ terms. */
  readonly b: readonly (readonly PhiTerm[])[];
  /** b[i] − b̂[i]: error weights. */
  readonly bErr: readonly (readonly PhiTerm[])[];
  readonly reference: string;
}

const t = (coef: number, k: 0 | 1 | 2 | 3, c = 1): PhiTerm => ({ coef, k, c });

/** ETD2RK (Cox & Matthews 2002), order 2; error estimate against exponential Euler. */
export const etd2: ExponentialTableau = Object.freeze({
  name: 'etd2',
  order: 2,
  errorOrder: 1,
  c: [0, 1],
  a: [[], [[t(1, 1)]]],
  b: [[t(1, 1), t(-1, 2)], [t(1, 2)]],
  bErr: [[t(-1, 2)], [t(1, 2)]],
  reference: 'S. M. Cox, P. C. Matthews, Exponential time differencing for stiff systems, J. Comput. Phys. 176 (2002) 430–455, (22).',
});

/**
 * Hochbruck–Ostermann 3-stage method of stiff order 3 (2005, §5): c = (0, 1/3, 2/3),
 * a21 = ⅓φ₁(⅓z), a31 = ⅔φ₁(⅔z) − (4/3)φ₂(⅔z), a32 = (4/3)φ₂(⅔z), b = (φ₁ − (3/2)φ₂, 0, (3/2)φ₂).
 * Embedded order 2: b̂ = (φ₁ − 3φ₂, 3φ₂, 0) (Σb̂ = φ₁, Σb̂c = φ₂), so b − b̂ = (3/2)φ₂·(1, −2, 1).
 */
export const etd3: ExponentialTableau = Object.freeze({
  name: 'etd3',
  order: 3,
  errorOrder: 2,
  c: [0, 1 / 3, 2 / 3],
  a: [[], [[t(1 / 3, 1, 1 / 3)]], [[t(2 / 3, 1, 2 / 3), t(-4 / 3, 2, 2 / 3)], [t(4 / 3, 2, 2 / 3)]]],
  b: [[t(1, 1), t(-3 / 2, 2)], [], [t(3 / 2, 2)]],
  bErr: [[t(3 / 2, 2)], [t(-3, 2)], [t(3 / 2, 2)]],
  reference:
    'M. Hochbruck, A. Ostermann, Explicit exponential Runge–Kutta methods for semilinear parabolic problems, SIAM J. Numer. Anal. 43 (2005) 1069–1090, §5.',
});

/**
 * Hochbruck–Ostermann 5-stage method of stiff order 4 (2005, (5.19)); φ_{k,½} = φ_k(½z):
 * a21 = ½φ₁,½; a31 = ½φ₁,½ − φ₂,½, a32 = φ₂,½; a41 = φ₁ − 2φ₂, a42 = a43 = φ₂;
 * a52 = a53 = ½φ₂,½ − φ₃ + ¼φ₂ − ½φ₃,½, a54 = ¼φ₂,½ − a52, a51 = ½φ₁,½ − 2a52 − a54;
 * b = (φ₁ − 3φ₂ + 4φ₃, 0, 0, −φ₂ + 4φ₃, 4φ₂ − 8φ₃).
 */
export const etd4: ExponentialTableau = (() => {
  const a52 = [t(1 / 2, 2, 1 / 2), t(-1, 3), t(1 / 4, 2), t(-1 / 2, 3, 1 / 2)];
  const a54 = [t(1 / 4, 2, 1 / 2), ...a52.map((x) => t(-x.coef, x.k, x.c))];
  const a51 = [t(1 / 2, 1, 1 / 2), ...a52.map((x) => t(-2 * x.coef, x.k, x.c)), ...a54.map((x) => t(-x.coef, x.k, x.c))];
  return Object.freeze({
    name: 'etd4',
    order: 4,
    errorOrder: 3,
    c: [0, 1 / 2, 1 / 2, 1, 1 / 2],
    a: [
      [],
      [[t(1 / 2, 1, 1 / 2)]],
      [[t(1 / 2, 1, 1 / 2), t(-1, 2, 1 / 2)], [t(1, 2, 1 / 2)]],
      [[t(1, 1), t(-2, 2)], [t(1, 2)], [t(1, 2)]],
      [a51, a52, a52, a54],
    ],
    b: [[t(1, 1), t(-3, 2), t(4, 3)], [], [], [t(-1, 2), t(4, 3)], [t(4, 2), t(-8, 3)]],
    // b − b̂ with b̂₂ = b̂₃ = 2φ₂ − 4φ₃, b̂₅ = 0 (Krogstad's weights).
    bErr: [[], [t(-2, 2), t(4, 3)], [t(-2, 2), t(4, 3)], [], [t(4, 2), t(-8, 3)]],
    reference:
      'M. Hochbruck, A. Ostermann, Explicit exponential Runge–Kutta methods for semilinear parabolic problems, SIAM J. Numer. Anal. 43 (2005), (5.19); ' +
      'embedded weights from S. Krogstad, Generalized integrating factor methods for stiff PDEs, J. Comput. Phys. 203 (2005).',
  }) as ExponentialTableau;
})();

/** The exponential methods by name. */
export const EXPONENTIAL_METHODS: Readonly<Record<'etd2' | 'etd3' | 'etd4', ExponentialTableau>> = Object.freeze({ etd2, etd3, etd4 });

/** |z| below which φ_k(z) is summed as a Taylor series (cancellation-free; 15 terms reach eps at 0.5). */
const PHI_SERIES_RADIUS = 0.5;
const PHI_SERIES_TERMS = 15;

/**
 * φ₀…φ₃ at z into out[0..3]: e^z, (e^z − 1)/z, (φ₁ − 1)/z, (φ₂ − ½)/z, with a Taylor series for
 * |z| < {@link PHI_SERIES_RADIUS}. Accurate to a few ulp for every z ≤ 0 (and moderate z > 0).
 */
export function phiFunctions(z: number, out: Float64Array): Float64Array {
  if (Math.abs(z) < PHI_SERIES_RADIUS) {
    // φ₃(z) = Σ_m z^m/(m+3)! by Horner, then φ_{k−1} = 1/(k−1)! + zφ_k.
    let p = 0;
    let fact = 1;
    for (let m = 1; m <= PHI_SERIES_TERMS + 3; m++) fact *= m; // (TERMS + 3)!
    for (let m = PHI_SERIES_TERMS; m >= 0; m--) {
      p = p * z + 1 / fact;
      fact /= m + 3;
    }
    out[3] = p;
    out[2] = 0.5 + z * p;
    out[1] = 1 + z * out[2]!;
    out[0] = 1 + z * out[1]!;
    return out;
  }
  const em1 = Math.expm1(z);
  out[0] = em1 + 1;
  out[1] = em1 / z;
  out[2] = (out[1]! - 1) / z;
  out[3] = (out[2]! - 0.5) / z;
  return out;
}

/** A semilinear problem z′ = ℓ ⊙ z + N(z). */
export interface ExponentialProblem {
  /** [n] diagonal of the linear part. */
  readonly ell: Float64Array;
  /** Writes N(z) into `out` (length n); must not allocate. */
  readonly nonlinear: (z: Float64Array, out: Float64Array) => void;
  /** [n] reference added to z in the error scale (the full state is ref + z). @defaultValue zeros */
  readonly scaleRef?: Float64Array;
}

/** Options of {@link solveExponential}. Adaptive iff `dt` is not given. */
export interface ExponentialOptions {
  /** Relative tolerance (required for adaptive stepping). */
  readonly rtol?: number;
  /** Absolute tolerance (required for adaptive stepping). */
  readonly atol?: number;
  /** Fixed step size (then rtol/atol must be absent). */
  readonly dt?: number;
  /** First step of an adaptive solve. @defaultValue heuristic 0.01·‖z‖/‖z′‖ in the scaled norm */
  readonly dt0?: number;
  /** Largest step. @defaultValue Infinity */
  readonly dtMax?: number;
  /** Step attempts cap. @defaultValue 100 000 */
  readonly maxSteps?: number;
  /** Record t0 and every accepted step (states copied). @defaultValue false */
  readonly saveSteps?: boolean;
  /**
   * Statistic recorded at t0 and after every accepted step — called right after N has been
   * evaluated at that state, with the same (unmodified) buffer.
   */
  readonly fn?: StepStatistic;
  /** Called after every accepted step; `'stop'` ends the solve with status `'cancelled'`. */
  readonly callback?: (info: { readonly t: number; readonly y: Float64Array; readonly step: number; readonly dt: number }) => void | 'stop';
  /** PI controller constants. @defaultValue new PIController() */
  readonly controller?: PIController;
}

/** Outcome of {@link solveExponential} (the same status names as `ode/solve`). */
export type ExponentialStatus = 'success' | 'cancelled' | 'maxStepsReached' | 'stepSizeTooSmall' | 'nonFiniteState';

/** Result of {@link solveExponential}. */
export interface ExponentialSolution {
  readonly status: ExponentialStatus;
  readonly t: number;
  readonly y: Float64Array;
  readonly ts: Float64Array;
  readonly ys: readonly Float64Array[];
  readonly fnTs: Float64Array;
  readonly fnValues: Float64Array;
  /** N evaluations, accepted/rejected steps, and evaluations of the φ coefficients (one per distinct h). */
  readonly stats: { readonly nfev: number; readonly accepted: number; readonly rejected: number; readonly coefficientFills: number };
}

/** out += α·(a ⊙ b) over n entries. */
function axpyProduct(out: Float64Array, alpha: number, a: Float64Array, b: Float64Array, n: number): void {
  for (let q = 0; q < n; q++) out[q] += alpha * a[q]! * b[q]!;
}

/** Default cap on step attempts. */
export const EXPONENTIAL_MAX_STEPS = 100_000;
/** Initial-step heuristic factor (Hairer's h0 = 0.01·d0/d1). */
const INITIAL_STEP_FACTOR = 0.01;
/**
 * Step-size dead band for large n: a proposed factor in [1, STEP_HYSTERESIS] keeps the step and one in
 * (1/STEP_HYSTERESIS, 1) shrinks it by 1/STEP_HYSTERESIS, so that the elementwise φ coefficients
 * (then the dominant non-N cost) are reused over runs of steps — the same idea as implicit solvers
 * keeping h to reuse a factorisation.
 */
const STEP_HYSTERESIS = 1.25;
/**
 * The dead band is used from this n on. Measured: d = 256, Ψ = ψ²I (n = 65 792), 10 s → 6.7 s; at
 * d = 16 it costs up to ~50 % more steps at tight tolerances and saves no time.
 */
const DEAD_BAND_MIN_N = 10_000;
/** Consecutive non-finite attempts tolerated (each shrinks h by the minimum factor). */
const MAX_NONFINITE_RETRIES = 10;

/**
 * Integrates z′ = ℓ ⊙ z + N(z) from z0 over [t0, t1] (t1 may be Infinity: then a callback or
 * maxSteps ends the solve) with an exponential RK method, adaptive (rtol, atol) or fixed (dt).
 * Costs s evaluations of N per step (stage 1 reuses N(z_{n+1}) of the previous step) and O(n·terms)
 * elementwise work; φ coefficients are recomputed only when h changes.
 *
 * @throws RangeError for inconsistent options (naming the option).
 */
export function solveExponential(
  problem: ExponentialProblem,
  z0: Float64Array,
  span: readonly [number, number],
  method: ExponentialTableau,
  options: ExponentialOptions = {},
): ExponentialSolution {
  const { ell, nonlinear } = problem;
  const n = ell.length;
  if (z0.length !== n) throw new RangeError(`z0 has length ${z0.length}, must be n = ${n}`);
  const [t0, t1] = span;
  if (!Number.isFinite(t0) || !(t1 > t0)) throw new RangeError(`span must satisfy t0 finite and t1 > t0, got [${t0}, ${t1}]`);
  const { rtol, atol, dt, dt0, dtMax = Infinity, maxSteps = EXPONENTIAL_MAX_STEPS, saveSteps = false, fn, callback, controller = new PIController() } = options;
  const adaptive = dt === undefined;
  if (adaptive) {
    if (rtol === undefined || !(rtol > 0)) throw new RangeError(`options.rtol is required and must be > 0 for adaptive stepping, got ${rtol}`);
    if (atol === undefined || !(atol >= 0)) throw new RangeError(`options.atol is required and must be ≥ 0 for adaptive stepping, got ${atol}`);
  } else {
    if (!(dt > 0) || !Number.isFinite(dt)) throw new RangeError(`options.dt must be finite and > 0, got ${dt}`);
    if (rtol !== undefined || atol !== undefined) throw new RangeError('options.rtol/atol have no effect with a fixed options.dt; remove them');
    if (!Number.isFinite(t1)) throw new RangeError('a fixed-step solve needs a finite t1');
  }
  const ref = problem.scaleRef;
  const s = method.c.length;

  // ---- workspace (allocated once) ----
  // Every coefficient function (e^{c_i hℓ} of each stage, e^{hℓ}, each nonzero a_ij, b_i, b_i − b̂_i)
  // is a merged list of φ_k(c·hℓ) terms, evaluated elementwise into one row of COEF ([rows, n]).
  const nodes = [...new Set([0, 1, ...method.c, ...[...method.a.flat(2), ...method.b.flat(), ...method.bErr.flat()].map((x) => x.c)])].sort((x, y) => x - y);
  const nodeIndex = new Map(nodes.map((c, m) => [c, m]));
  const rowTerms: { val: number; coef: number }[][] = [];
  const rowKeys = new Map<string, number>();
  const addRow = (terms: readonly PhiTerm[]): number => {
    if (terms.length === 0) return -1;
    const merged = new Map<number, number>();
    for (const x of terms) {
      const val = nodeIndex.get(x.c)! * 4 + x.k;
      merged.set(val, (merged.get(val) ?? 0) + x.coef);
    }
    const list = [...merged].filter(([, coef]) => coef !== 0).map(([val, coef]) => ({ val, coef }));
    // Identical coefficient functions (e.g. etd4's a52 = a53, b5 = b5 − b̂5) share one row.
    const key = list.map((x) => `${x.val}:${x.coef}`).join(',');
    const existing = rowKeys.get(key);
    if (existing !== undefined) return existing;
    rowTerms.push(list);
    rowKeys.set(key, rowTerms.length - 1);
    return rowTerms.length - 1;
  };
  const expRow = method.c.map((c) => addRow([{ coef: 1, k: 0, c }]));
  const exp1Row = addRow([{ coef: 1, k: 0, c: 1 }]);
  const aRow = method.a.map((row) => row.map(addRow));
  const bRow = method.b.map(addRow);
  const eRow = method.bErr.map(addRow);
  const nRows = rowTerms.length;
  const termStart = new Int32Array(nRows + 1);
  rowTerms.forEach((t, r) => (termStart[r + 1] = termStart[r]! + t.length));
  const termVal = Int32Array.from(rowTerms.flat(), (x) => x.val);
  const termCoef = Float64Array.from(rowTerms.flat(), (x) => x.coef);
  const COEF = new Float64Array(nRows * n);
  const rowView = Array.from({ length: nRows }, (_, r) => COEF.subarray(r * n, (r + 1) * n));
  const vals = new Float64Array(nodes.length * 4);
  const halfOf = Int32Array.from(nodes, (c) => (c === 0 ? -1 : (nodeIndex.get(c / 2) ?? -1)));
  // φ_k(0) = 1/k! for the node c = 0.
  vals.set([1, 1, 0.5, 1 / 6], nodeIndex.get(0)! * 4);
  const pv = new Float64Array(4);
  const Nst = Array.from({ length: s }, () => new Float64Array(n));
  const U = new Float64Array(n);
  const z = Float64Array.from(z0);
  const zNew = new Float64Array(n);
  const err = new Float64Array(n);
  let hCached = NaN;

  let fills = 0;
  const fillCoefficients = (h: number): void => {
    if (h === hCached) return;
    hCached = h;
    fills++;
    for (let k = 0; k < n; k++) {
      const hl = h * ell[k]!;
      for (let m = 0; m < nodes.length; m++) {
        const c = nodes[m]!;
        if (c === 0) continue;
        const x = c * hl;
        const o = 4 * m;
        const src = halfOf[m]!;
        if (src >= 0 && Math.abs(x) >= PHI_SERIES_RADIUS) {
          // A node whose half is a node: e^x = (e^{x/2})², φ₁(x) = φ₁(x/2)(e^{x/2} + 1)/2, then the
          // recurrence φ_{j+1} = (φ_j − 1/j!)/x — one expm1 per element for etd4's nodes {½, 1}.
          const E = vals[4 * src]!;
          const p1 = (vals[4 * src + 1]! * (E + 1)) / 2;
          const p2 = (p1 - 1) / x;
          vals[o] = E * E;
          vals[o + 1] = p1;
          vals[o + 2] = p2;
          vals[o + 3] = (p2 - 0.5) / x;
        } else {
          phiFunctions(x, pv);
          vals[o] = pv[0]!;
          vals[o + 1] = pv[1]!;
          vals[o + 2] = pv[2]!;
          vals[o + 3] = pv[3]!;
        }
      }
      for (let r = 0; r < nRows; r++) {
        let acc = 0;
        for (let t = termStart[r]!; t < termStart[r + 1]!; t++) acc += termCoef[t]! * vals[termVal[t]!]!;
        COEF[r * n + k] = acc;
      }
    }
  };

  let nfev = 0;
  nonlinear(z, Nst[0]!);
  nfev++;

  const tsList: number[] = [];
  const ysList: Float64Array[] = [];
  const fnT: number[] = [];
  const fnV: number[] = [];
  if (saveSteps) {
    tsList.push(t0);
    ysList.push(Float64Array.from(z));
  }
  if (fn) {
    fnT.push(t0);
    fnV.push(fn(t0, z));
  }

  const scaleOf = (k: number): number => {
    const r = ref === undefined ? 0 : ref[k]!;
    return atol! + rtol! * Math.max(Math.abs(r + z[k]!), Math.abs(r + zNew[k]!));
  };

  // Initial step: 0.01·‖z‖/‖z′‖ in the scaled norm (Hairer's d0/d1 without the probe).
  let h: number;
  if (adaptive) {
    if (dt0 !== undefined) h = dt0;
    else {
      let d0 = 0;
      let d1 = 0;
      zNew.set(z);
      for (let k = 0; k < n; k++) {
        const sc = scaleOf(k);
        const r = ref === undefined ? 0 : ref[k]!;
        d0 += ((r + z[k]!) / sc) ** 2;
        d1 += ((ell[k]! * z[k]! + Nst[0]![k]!) / sc) ** 2;
      }
      d0 = Math.sqrt(d0 / n);
      d1 = Math.sqrt(d1 / n);
      if (d0 < 1e-5 && ref !== undefined) {
        // A zero full state (e.g. starting from Γ = 0): size the first step on the deviation z.
        let dz = 0;
        for (let k = 0; k < n; k++) dz += (z[k]! / scaleOf(k)) ** 2;
        d0 = Math.sqrt(dz / n);
      }
      h = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (INITIAL_STEP_FACTOR * d0) / d1;
    }
    h = Math.min(h, dtMax);
  } else h = dt!;

  const k = method.errorOrder + 1;
  let errPrev = 1;
  let rejectedLast = false;
  let tc = t0;
  let accepted = 0;
  let rejected = 0;
  let attempts = 0;
  let nonFinite = 0;
  let status: ExponentialStatus = 'success';

  for (;;) {
    if (attempts >= maxSteps) {
      status = 'maxStepsReached';
      break;
    }
    let hStep = h;
    let tNew = tc + hStep;
    if (tNew >= t1) {
      tNew = t1;
      hStep = t1 - tc;
    }
    if (adaptive && hStep < 10 * Number.EPSILON * Math.abs(tc) && tNew < t1) {
      status = 'stepSizeTooSmall';
      break;
    }
    attempts++;
    fillCoefficients(hStep);
    // Stage values and the update as simple unit-stride passes (one coefficient row × one N each):
    // V8 keeps these monomorphic and free of index arithmetic.
    for (let i = 1; i < s; i++) {
      const ec = rowView[expRow[i]!]!;
      for (let q = 0; q < n; q++) U[q] = ec[q]! * z[q]!;
      const rows = aRow[i]!;
      for (let j = 0; j < i; j++) {
        const r = rows[j]!;
        if (r >= 0) axpyProduct(U, hStep, rowView[r]!, Nst[j]!, n);
      }
      nonlinear(U, Nst[i]!);
      nfev++;
    }
    const e1 = rowView[exp1Row]!;
    for (let q = 0; q < n; q++) zNew[q] = e1[q]! * z[q]!;
    err.fill(0);
    for (let i = 0; i < s; i++) {
      if (bRow[i]! >= 0) axpyProduct(zNew, hStep, rowView[bRow[i]!]!, Nst[i]!, n);
      if (eRow[i]! >= 0) axpyProduct(err, hStep, rowView[eRow[i]!]!, Nst[i]!, n);
    }
    let finite = 0;
    for (let q = 0; q < n; q++) finite += zNew[q]! * 0;
    if (adaptive) {
      let en = NaN;
      if (finite === 0) {
        let sum = 0;
        for (let q = 0; q < n; q++) sum += (err[q]! / scaleOf(q)) ** 2;
        en = Math.sqrt(sum / n);
      }
      if (!Number.isFinite(en)) {
        rejected++;
        if (++nonFinite > MAX_NONFINITE_RETRIES) {
          status = 'nonFiniteState';
          break;
        }
        h = hStep * controller.minFactor;
        rejectedLast = true;
        continue;
      }
      nonFinite = 0;
      if (en > 1) {
        rejected++;
        h = hStep * Math.min(controller.safety, Math.max(controller.minFactor, controller.safety * en ** (-1 / k)));
        rejectedLast = true;
        continue;
      }
      let factor =
        en === 0
          ? controller.maxFactor
          : Math.min(controller.maxFactor, Math.max(controller.minFactor, controller.safety * en ** (-controller.beta1 / k) * errPrev ** (controller.beta2 / k)));
      if (rejectedLast) factor = Math.min(1, factor);
      errPrev = Math.max(en, 1e-4);
      rejectedLast = false;
      // Dead band (large n only): a growth by less than STEP_HYSTERESIS keeps h and a slight shrink
      // becomes a shrink by 1/STEP_HYSTERESIS, so consecutive steps reuse the φ coefficients.
      if (n >= DEAD_BAND_MIN_N) {
        if (factor >= 1 && factor <= STEP_HYSTERESIS) factor = 1;
        else if (factor < 1 && factor > 1 / STEP_HYSTERESIS) factor = 1 / STEP_HYSTERESIS;
      }
      h = Math.min(hStep * factor, dtMax);
      if (tNew === t1) h = Math.max(h, hStep);
    } else if (finite !== 0) {
      status = 'nonFiniteState';
      break;
    }
    // accept
    accepted++;
    z.set(zNew);
    tc = tNew;
    nonlinear(z, Nst[0]!);
    nfev++;
    if (saveSteps) {
      tsList.push(tc);
      ysList.push(Float64Array.from(z));
    }
    if (fn) {
      fnT.push(tc);
      fnV.push(fn(tc, z));
    }
    if (tc >= t1) break;
    if (callback && callback({ t: tc, y: z, step: accepted, dt: hStep }) === 'stop') {
      status = 'cancelled';
      break;
    }
    if (!adaptive) h = dt!;
  }
  return {
    status,
    t: tc,
    y: Float64Array.from(z),
    ts: Float64Array.from(tsList),
    ys: ysList,
    fnTs: Float64Array.from(fnT),
    fnValues: Float64Array.from(fnV),
    stats: { nfev, accepted, rejected, coefficientFills: fills },
  };
}
