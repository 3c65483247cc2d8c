/**
 * BDF: the variable-order (1–5), quasi-constant-step backward differentiation formulas in the NDF
 * form (numerical differentiation formulas), with the design of scipy `integrate/_ivp/bdf.py` and
 * MATLAB's ode15s (Shampine & Reichelt, "The MATLAB ODE suite", SIAM J. Sci. Comput. 18 (1997)
 * 1–22; Byrne & Hindmarsh, ACM TOMS 1 (1975) 71–96; error estimate: Hairer, Nørsett & Wanner I, §III.2):
 *
 * - **History** as the modified-divided-difference array D (rows D_0 = y_n, D_j = ∇^j y_n on the
 *   current step h); a change of h re-represents the same interpolating polynomial on the new grid
 *   (D ← (R·U)ᵀ D, {@link bdfChangeMatrix}), and resets the count of equal steps.
 * - **Corrector**: simplified Newton on y − c·f(t_{n+1}, y) = y_pred − ψ with c = h/α_k, the iteration
 *   matrix I − c·J factored by a {@link LinearSolverProvider} — the dense default, or a structured
 *   one (e.g. the GD-β flow's exact Kronecker/Schur solver, `flow/stiff.ts`). J is kept across steps
 *   and only re-evaluated when Newton fails to converge with a stale J; the matrix is refactored
 *   when c changes. At most {@link BDF_NEWTON_MAX_ITER} iterations; convergence is judged by the
 *   contraction rate as in scipy (tolerance max(10·eps/rtol, min(0.03, √rtol))).
 * - **Error** C_k·d, d = y_{n+1} − y_pred (C_k the NDF error constants, {@link BDF_KAPPA}); after
 *   k + 1 equal steps the order moves to the one of k − 1, k, k + 1 that allows the largest step.
 * - **Step law** through {@link Stepper.stepFactor}: safety 0.9·(2·NIT + 1)/(2·NIT + iterations),
 *   rejection factor ≥ {@link BDF_MIN_FACTOR}, growth ≤ {@link BDF_MAX_FACTOR}, halving on a
 *   Newton failure; h is kept for k + 1 steps after every change (so the factorization is reused).
 * - **Dense output**: the interpolating polynomial of the last step, converted to the monomial basis.
 *
 * Costs per step: typically 1–3 evaluations of f and as many linear solves (scipy's BDF on our
 * GD-β family: 2.3 of each); factorizations only when h or the order change or J is refreshed.
 */
import { rmsScaled } from './controller.js';
import { denseJacobianSolver, forwardDifferenceJacobianInto, type DenseJacobian, type LinearSolverProvider } from './linsolve.js';
import type { StepCounters, Stepper, StepWorkspace, Tolerances, VectorField } from './types.js';

/** Highest order of the formulas. */
export const BDF_MAX_ORDER = 5;
/** Newton iterations per attempt (scipy `NEWTON_MAXITER`). */
export const BDF_NEWTON_MAX_ITER = 4;
/** Smallest step factor after a rejection (scipy `MIN_FACTOR`). */
export const BDF_MIN_FACTOR = 0.2;
/** Largest step factor after an order decision (scipy `MAX_FACTOR`). */
export const BDF_MAX_FACTOR = 10;
/** Step factor after a Newton failure with a current Jacobian (scipy halves h). */
export const BDF_NEWTON_FAILURE_FACTOR = 0.5;
/**
 * NDF coefficients κ_k, k = 0…5 (Shampine & Reichelt 1997, Table 1; κ_5 = 0: order 5 is plain BDF,
 * as in ode15s and scipy). α_k = (1 − κ_k)γ_k, error constant C_k = κ_kγ_k + 1/(k + 1), γ_k = Σ_{j≤k} 1/j.
 */
export const BDF_KAPPA: readonly number[] = Object.freeze([0, -0.185, -1 / 9, -0.0823, -0.0415, 0]);
/**
 * The factorization of I − c·J is kept while |c/c_LU − 1| ≤ this (LSODE's CCMAX = 0.3): a refactor
 * costs an eigh and several d³ products for the GD-β flow's structured solver, more than the extra
 * Newton iteration it saves. (scipy refactors at every change of h.)
 */
export const BDF_REFACTOR_RATIO = 0.3;
/** Error norm reported for an attempt whose Newton iteration failed (finite, > 1: a rejection, not a non-finite state). */
export const BDF_NEWTON_FAILURE_NORM: number = Number.MAX_VALUE;

/** Columns per chunk when D is re-represented (a chunk of its rows stays in L1 cache). */
const BDF_CHUNK = 256;

const GAMMA: readonly number[] = (() => {
  const g = [0];
  for (let k = 1; k <= BDF_MAX_ORDER; k++) g.push(g[k - 1]! + 1 / k);
  return Object.freeze(g);
})();
const ALPHA: readonly number[] = Object.freeze(GAMMA.map((g, k) => (1 - BDF_KAPPA[k]!) * g));
const ERROR_CONST: readonly number[] = Object.freeze(GAMMA.map((g, k) => BDF_KAPPA[k]! * g + 1 / (k + 1)));

/**
 * The (k+1)×(k+1) matrix R(k, ρ) of scipy's `compute_R`: R_{0j} = 1, R_{ij} = Π_{m≤i} (m − 1 − ρj)/m
 * (rows cumulative products). D on step h equals (R(k, ρ)·R(k, 1))ᵀ·D on step ρh... written into
 * `out` (row-major, (k+1)²).
 */
export function bdfChangeMatrix(k: number, rho: number, out: Float64Array): Float64Array {
  const m = k + 1;
  for (let j = 0; j < m; j++) out[j] = 1;
  for (let i = 1; i < m; i++) {
    out[i * m] = 0;
    for (let j = 1; j < m; j++) out[i * m + j] = (out[(i - 1) * m + j] as number) * ((i - 1 - rho * j) / i);
  }
  return out;
}

/** BDF ready for `solve`: `solve(f, y0, span, bdf({ jac }), { rtol, atol })`. */
export interface BdfMethod {
  /** Discriminant of the `Method` union accepted by `solve`. */
  readonly kind: 'bdf';
  /** Structured linear algebra, if given (then `jac` is unused). */
  readonly linearSolver: LinearSolverProvider | undefined;
  /** Dense Jacobian, or `undefined` for forward differences (when no `linearSolver`). */
  readonly jac: DenseJacobian | undefined;
}

/** Options of {@link bdf}. */
export interface BdfOptions {
  /**
   * Factorization of I − c·J(t, y) for structured problems (see {@link LinearSolverProvider}); its
   * `prepare` is called with `sameState = true` when only c changed (the Jacobian is reused).
   * @defaultValue `undefined` — {@link denseJacobianSolver} with `jac`
   */
  readonly linearSolver?: LinearSolverProvider;
  /**
   * Dense Jacobian ∂f/∂y, shape [n, n] row-major, for the dense default.
   * @defaultValue `undefined` — forward differences (n evaluations of f per Jacobian, counted in `nfev`)
   */
  readonly jac?: DenseJacobian;
}

/**
 * Variable-order BDF/NDF (orders 1–5, error order = order) for `solve`.
 *
 * @throws {TypeError} if `jac` is not a function or `linearSolver` lacks `prepare`/`solve`/`stats`.
 */
export function bdf(options: BdfOptions = {}): BdfMethod {
  if (options === null || typeof options !== 'object') throw new TypeError('bdf: options must be an object');
  const { jac, linearSolver } = options;
  if (jac !== undefined && typeof jac !== 'function') throw new TypeError(`bdf: options.jac must be a function (t, y, outJ) => void, got ${String(jac)}`);
  if (linearSolver !== undefined && (typeof linearSolver?.prepare !== 'function' || typeof linearSolver.solve !== 'function' || typeof linearSolver.stats !== 'object')) {
    throw new TypeError('bdf: options.linearSolver must have prepare(t, y, gammaH, sameState), solve(out, rhs) and stats');
  }
  return Object.freeze({ kind: 'bdf' as const, linearSolver, jac });
}

/** Workspace of the BDF stepper (allocated once by `init`). */
export interface BdfWorkspace extends StepWorkspace {
  /** The vector field. */
  readonly field: VectorField;
  /** The linear solver of I − c·J. */
  readonly ls: LinearSolverProvider;
  /** Difference array D, shape [BDF_MAX_ORDER + 3, n]. */
  readonly D: Float64Array;
  /** Predictor Σ_{j≤k} D_j (length n). */
  readonly yPredict: Float64Array;
  /** ψ = Σ_{1≤j≤k} γ_j D_j / α_k (length n). */
  readonly psi: Float64Array;
  /** d = y − y_pred of the Newton iteration (length n). */
  readonly d: Float64Array;
  /** Newton right-hand side / correction (length n). */
  readonly rhs: Float64Array;
  /** Newton correction (length n). */
  readonly dy: Float64Array;
  /** Newton scale atol + rtol·|y_pred| (length n). */
  readonly newtonScale: Float64Array;
  /** Error estimate C_k·d (length n). */
  readonly err: Float64Array;
  /** Error-norm scratch for the order decision (length n). */
  readonly errAlt: Float64Array;
  /** State at which J was evaluated (length n). */
  readonly yJ: Float64Array;
  /** A chunk of D's rows 0…k while they are re-represented, shape [BDF_MAX_ORDER + 1, BDF_CHUNK]. */
  readonly chunk: Float64Array;
  /** (R·U) scratch, (BDF_MAX_ORDER + 1)² × 3. */
  readonly work: Float64Array;
  /** Coefficients of one interpolation basis polynomial (dense output), length BDF_MAX_ORDER + 1. */
  readonly poly: Float64Array;
  /** γ_j/α_k of the current order (ψ's weights), length BDF_MAX_ORDER + 1. */
  readonly gammaScaled: Float64Array;
  /** Relative tolerance (Newton scale). */
  readonly rtol: number | Float64Array;
  /** Absolute tolerance (Newton scale). */
  readonly atol: number | Float64Array;
  /** Newton tolerance on the scaled correction. */
  readonly newtonTol: number;
  /** Current order k. */
  order: number;
  /** Order of the attempt in progress (the step's formula). */
  stepOrder: number;
  /** Accepted steps since the last change of h or order. */
  nEqual: number;
  /** Signed step on which D is represented (NaN before the first attempt). */
  hD: number;
  /** c of the factored iteration matrix (NaN: none). */
  cLU: number;
  /** Time of yJ. */
  tJ: number;
  /** Whether J has been evaluated at all. */
  haveJ: boolean;
  /** Whether J was evaluated during the current attempt (a Newton failure then shrinks h). */
  jacCurrent: boolean;
  /** The last attempt's Newton iteration failed. */
  newtonFailed: boolean;
  /** Newton iterations of the last attempt. */
  newtonIterations: number;
  /** D holds the accepted step (set by the first of stepFactor / complete). */
  updated: boolean;
  /** The error scale of the last attempt (the solve loop's buffer). */
  scale: Float64Array | null;
}

/** (R(k, ρ)·R(k, 1))ᵀ·D[0..k] in place (scipy `change_D`). */
function changeD(ws: BdfWorkspace, k: number, rho: number): void {
  const { D, n, work } = ws;
  const m = k + 1;
  const mm = m * m;
  const R = work.subarray(0, mm);
  const U = work.subarray(mm, 2 * mm);
  const RU = work.subarray(2 * mm, 3 * mm);
  bdfChangeMatrix(k, rho, R);
  bdfChangeMatrix(k, 1, U);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let l = 0; l < m; l++) s += (R[i * m + l] as number) * (U[l * m + j] as number);
      RU[i * m + j] = s;
    }
  }
  // D_new[j] = Σ_i RU[i][j]·D_old[i], in chunks of BDF_CHUNK columns: the old rows of a chunk are
  // copied to a small buffer (in cache), so D is read and written once (one pass per row of D).
  const old = ws.chunk;
  for (let x0 = 0; x0 < n; x0 += BDF_CHUNK) {
    const len = Math.min(BDF_CHUNK, n - x0);
    for (let i = 0; i < m; i++) {
      const src = i * n + x0;
      const dst = i * BDF_CHUNK;
      for (let x = 0; x < len; x++) old[dst + x] = D[src + x] as number;
    }
    for (let j = 0; j < m; j++) {
      const dj = j * n + x0;
      for (let x = 0; x < len; x++) {
        let acc = 0;
        for (let i = 0; i < m; i++) acc += (RU[i * m + j] as number) * (old[i * BDF_CHUNK + x] as number);
        D[dj + x] = acc;
      }
    }
  }
}

/**
 * The BDF stepper (see the module comment), implementing the {@link Stepper} protocol with its own
 * step-size and order law ({@link Stepper.stepFactor}).
 */
export function bdfStepper(method: BdfMethod): Stepper<BdfWorkspace> {
  /** Accept the step into D (scipy: D_{k+2} = d − D_{k+1}, D_{k+1} = d, D_i += D_{i+1}). */
  const update = (ws: BdfWorkspace): void => {
    if (ws.updated) return;
    const { D, d, n } = ws;
    const k = ws.stepOrder;
    const o1 = (k + 1) * n;
    const o2 = (k + 2) * n;
    // One pass over the columns (k + 3 sequential streams) instead of k + 2 passes over D.
    for (let x = 0; x < n; x++) {
      const dv = d[x] as number;
      D[o2 + x] = dv - (D[o1 + x] as number);
      D[o1 + x] = dv;
      let acc = dv;
      for (let i = k; i >= 0; i--) {
        acc += D[i * n + x] as number;
        D[i * n + x] = acc;
      }
    }
    ws.nEqual++;
    ws.updated = true;
  };

  /** Factor I − c·J, evaluating J at (t, y) first when `fresh`; false if singular. */
  const factor = (ws: BdfWorkspace, c: number, fresh: boolean, t: number, y: Float64Array): boolean => {
    if (fresh) {
      ws.yJ.set(y);
      ws.tJ = t;
      ws.haveJ = true;
      ws.jacCurrent = true;
    }
    const ok = ws.ls.prepare(ws.tJ, ws.yJ, c, !fresh) !== false;
    ws.counters.nfactor++;
    if (fresh) ws.counters.njev++;
    ws.cLU = ok ? c : NaN;
    return ok;
  };

  /** Simplified Newton for y − c·f(tNew, y) = y_pred − ψ (scipy `solve_bdf_system`); true if converged (y in ws.yNew). */
  const newton = (ws: BdfWorkspace, tNew: number, c: number): boolean => {
    const { n, yNew, yPredict, psi, d, rhs, dy, newtonScale, field, ls } = ws;
    const tol = ws.newtonTol;
    yNew.set(yPredict);
    d.fill(0);
    let normOld = NaN;
    for (let k = 0; k < BDF_NEWTON_MAX_ITER; k++) {
      field(tNew, yNew, rhs);
      ws.counters.nfev++;
      let finite = 0;
      for (let x = 0; x < n; x++) {
        const v = c * (rhs[x] as number) - (psi[x] as number) - (d[x] as number);
        finite += v * 0;
        rhs[x] = v;
      }
      if (finite !== 0) {
        ws.newtonIterations = k + 1;
        return false;
      }
      ls.solve(dy, rhs);
      ws.counters.nlinsolve++;
      const norm = rmsScaled(dy, newtonScale);
      const rate = Number.isNaN(normOld) ? NaN : norm / normOld;
      if (!Number.isNaN(rate) && (rate >= 1 || (Math.pow(rate, BDF_NEWTON_MAX_ITER - k) / (1 - rate)) * norm > tol)) {
        ws.newtonIterations = k + 1;
        return false;
      }
      for (let x = 0; x < n; x++) {
        yNew[x] = (yNew[x] as number) + (dy[x] as number);
        d[x] = (d[x] as number) + (dy[x] as number);
      }
      if (norm === 0 || (!Number.isNaN(rate) && (rate / (1 - rate)) * norm < tol)) {
        ws.newtonIterations = k + 1;
        return true;
      }
      normOld = norm;
    }
    ws.newtonIterations = BDF_NEWTON_MAX_ITER;
    return false;
  };

  return {
    name: 'bdf',
    order: BDF_MAX_ORDER,
    errorOrder: 1,
    dense: { basis: 'monomial', size: BDF_MAX_ORDER, order: 1 },

    init(field: VectorField, t0: number, y0: Float64Array, errorEstimate: boolean, tolerances?: Tolerances): BdfWorkspace {
      const n = y0.length;
      const counters: StepCounters = { nfev: 0, njev: 0, nfactor: 0, nlinsolve: 0, coefficientFills: 0 };
      const f = new Float64Array(n);
      field(t0, y0, f);
      counters.nfev++;
      let ls = method.linearSolver;
      if (ls === undefined) {
        let jac = method.jac;
        if (jac === undefined) {
          const f0 = new Float64Array(n);
          const yp = new Float64Array(n);
          const f1 = new Float64Array(n);
          jac = (t, y, outJ) => {
            field(t, y, f0);
            forwardDifferenceJacobianInto(outJ, field, t, y, f0, yp, f1);
            counters.nfev += n + 1;
          };
        }
        ls = denseJacobianSolver(jac, n);
      }
      const rtol = tolerances?.rtol ?? 1e-12;
      const atol = tolerances?.atol ?? 1e-12;
      const rMin = typeof rtol === 'number' ? rtol : rtol.reduce((a, b) => Math.min(a, b), Infinity);
      const D = new Float64Array((BDF_MAX_ORDER + 3) * n);
      D.set(y0);
      const w = BDF_MAX_ORDER + 1;
      return {
        n,
        f,
        yNew: new Float64Array(n),
        fNew: new Float64Array(n),
        dense: new Float64Array(BDF_MAX_ORDER * n),
        counters,
        field,
        ls,
        D,
        yPredict: new Float64Array(n),
        psi: new Float64Array(n),
        d: new Float64Array(n),
        rhs: new Float64Array(n),
        dy: new Float64Array(n),
        newtonScale: new Float64Array(n),
        err: new Float64Array(n),
        errAlt: new Float64Array(n),
        yJ: new Float64Array(n),
        chunk: new Float64Array(w * BDF_CHUNK),
        work: new Float64Array(3 * w * w),
        poly: new Float64Array(w),
        gammaScaled: new Float64Array(w),
        rtol,
        atol,
        // scipy: max(10·eps/rtol, min(0.03, √rtol)); fixed steps (no rtol) solve to near round-off
        newtonTol: errorEstimate ? Math.max((10 * Number.EPSILON) / rMin, Math.min(0.03, Math.sqrt(rMin))) : 1e-10,
        order: 1,
        stepOrder: 1,
        nEqual: 0,
        hD: NaN,
        cLU: NaN,
        tJ: NaN,
        haveJ: false,
        jacCurrent: false,
        newtonFailed: false,
        newtonIterations: 0,
        updated: false,
        scale: null,
      };
    },

    step(ws: BdfWorkspace, t: number, y: Float64Array, h: number): BdfWorkspace | undefined {
      const { n, D, yPredict, psi, newtonScale, rtol, atol } = ws;
      ws.newtonFailed = false;
      ws.updated = false;
      if (Number.isNaN(ws.hD)) {
        // First attempt: D_1 = h·f(t0, y0) (scipy sets it with the initial step).
        for (let x = 0; x < n; x++) D[n + x] = h * (ws.f[x] as number);
        ws.hD = h;
      } else if (h !== ws.hD) {
        changeD(ws, ws.order, h / ws.hD);
        ws.hD = h;
        ws.nEqual = 0;
      }
      const k = ws.order;
      ws.stepOrder = k;
      const ak = ALPHA[k]!;
      // y_pred = Σ_{j≤k} D_j, ψ = Σ_{1≤j≤k} γ_j D_j / α_k and the Newton scale in one pass over the
      // columns (k + 1 sequential streams): at large n a step is bound by memory traffic.
      const sr = typeof rtol === 'number' ? rtol : NaN;
      const sa = typeof atol === 'number' ? atol : NaN;
      const gk = ws.gammaScaled;
      for (let j = 1; j <= k; j++) gk[j] = (GAMMA[j] as number) / ak;
      for (let x = 0; x < n; x++) {
        let pv = D[x] as number;
        let sv = 0;
        for (let j = 1; j <= k; j++) {
          const v = D[j * n + x] as number;
          pv += v;
          sv += (gk[j] as number) * v;
        }
        yPredict[x] = pv;
        psi[x] = sv;
        const r = sr === sr ? sr : ((rtol as Float64Array)[x] as number);
        const a = sa === sa ? sa : ((atol as Float64Array)[x] as number);
        newtonScale[x] = a + r * Math.abs(pv);
      }
      const c = h / ak;
      const tNew = t + h;
      ws.jacCurrent = false;
      for (;;) {
        // Refactor only when c moved by more than BDF_REFACTOR_RATIO (LSODE's CCMAX rule): the
        // Newton iteration with I − c_LU·J still converges to the same corrector, a little slower.
        if (!ws.haveJ || !(Math.abs(c / ws.cLU - 1) <= BDF_REFACTOR_RATIO)) {
          if (!factor(ws, c, !ws.haveJ, t, y)) {
            if (ws.jacCurrent) break;
            if (!factor(ws, c, true, tNew, yPredict)) break;
          }
        }
        if (newton(ws, tNew, c)) {
          const { err, d } = ws;
          const ck = ERROR_CONST[k]!;
          for (let x = 0; x < n; x++) err[x] = ck * (d[x] as number);
          return ws;
        }
        if (ws.cLU !== c) {
          // The lagged factorization may be what failed: refactor at this c with the same J first.
          if (!factor(ws, c, false, t, y)) break;
          continue;
        }
        if (ws.jacCurrent) break;
        // Stale J: evaluate it at the predictor and retry the same h (scipy).
        if (!factor(ws, c, true, tNew, yPredict)) break;
      }
      // Not converged with a current J (or a singular matrix): reject, and stepFactor halves h.
      ws.newtonFailed = true;
      ws.cLU = NaN;
      ws.yNew.set(y);
      return ws;
    },

    errorScale(_ws: BdfWorkspace, scale: Float64Array, rtol: number | Float64Array, atol: number | Float64Array, _y: Float64Array, yNew: Float64Array): Float64Array {
      // scipy BDF: atol + rtol·|y_{n+1}| (not max(|y_n|, |y_{n+1}|)).
      for (let x = 0; x < scale.length; x++) {
        const r = typeof rtol === 'number' ? rtol : (rtol[x] as number);
        const a = typeof atol === 'number' ? atol : (atol[x] as number);
        scale[x] = a + r * Math.abs(yNew[x] as number);
      }
      return scale;
    },

    errorNorm(ws: BdfWorkspace, scale: Float64Array): number {
      if (ws.newtonFailed) return BDF_NEWTON_FAILURE_NORM;
      ws.scale = scale;
      return rmsScaled(ws.err, scale);
    },

    stepFactor(ws: BdfWorkspace, err: number, _h: number, accepted: boolean): number {
      if (ws.newtonFailed) return BDF_NEWTON_FAILURE_FACTOR;
      const k = ws.stepOrder;
      const safety = (0.9 * (2 * BDF_NEWTON_MAX_ITER + 1)) / (2 * BDF_NEWTON_MAX_ITER + ws.newtonIterations);
      if (!accepted) return Math.max(BDF_MIN_FACTOR, safety * Math.pow(err, -1 / (k + 1)));
      update(ws);
      if (ws.nEqual < k + 1) return 1;
      // Order decision (scipy): error estimates of orders k − 1 and k + 1 from D_k and D_{k+2}.
      const { D, n, errAlt: alt } = ws;
      const scale = ws.scale as Float64Array;
      let errM = Infinity;
      if (k > 1) {
        const ck = ERROR_CONST[k - 1]!;
        for (let x = 0; x < n; x++) alt[x] = ck * (D[k * n + x] as number);
        errM = rmsScaled(alt, scale);
      }
      let errP = Infinity;
      if (k < BDF_MAX_ORDER) {
        const ck = ERROR_CONST[k + 1]!;
        for (let x = 0; x < n; x++) alt[x] = ck * (D[(k + 2) * n + x] as number);
        errP = rmsScaled(alt, scale);
      }
      const fM = Math.pow(errM, -1 / k);
      const f0 = Math.pow(err, -1 / (k + 1));
      const fP = Math.pow(errP, -1 / (k + 2));
      let best = f0;
      let delta = 0;
      if (fM > best) {
        best = fM;
        delta = -1;
      }
      if (fP > best) {
        best = fP;
        delta = 1;
      }
      ws.order = k + delta;
      ws.nEqual = 0;
      return Math.min(BDF_MAX_FACTOR, safety * best);
    },

    complete(ws: BdfWorkspace): void {
      update(ws);
      // f(t_{n+1}, y_{n+1}) from the corrector equation c·f = ψ + d (to the Newton tolerance): no evaluation.
      const { n, fNew, psi, d } = ws;
      const c = ws.hD / ALPHA[ws.stepOrder]!;
      for (let x = 0; x < n; x++) fNew[x] = ((psi[x] as number) + (d[x] as number)) / c;
    },

    denseCoefficients(ws: BdfWorkspace): Float64Array {
      // y(t_n + θh) = Σ_{j≤k} D_j P_j(θ), P_0 = 1, P_j = Π_{m<j} (θ − 1 + m)/(m + 1) (scipy
      // `BdfDenseOutput` on the grid t_{n+1} − mh); monomial r_{i−1} = Σ_j [θ^i]P_j · D_j, i ≥ 1
      // (the θ⁰ terms sum to D_0 − D_1 = y_n).
      const { n, D, dense, poly } = ws;
      const k = ws.stepOrder;
      dense.fill(0);
      poly.fill(0); // coefficients of P_j, grown in place
      poly[0] = 1;
      for (let j = 1; j <= k; j++) {
        // P_j = P_{j−1}·(θ + (j − 2))/j
        const a = j - 2;
        for (let i = j; i >= 0; i--) poly[i] = ((i > 0 ? (poly[i - 1] as number) : 0) + a * (poly[i] as number)) / j;
        for (let i = 1; i <= j; i++) {
          const ci = poly[i] as number;
          if (ci === 0) continue;
          const off = (i - 1) * n;
          const src = j * n;
          for (let x = 0; x < n; x++) dense[off + x] = (dense[off + x] as number) + ci * (D[src + x] as number);
        }
      }
      return dense;
    },

    advance(ws: BdfWorkspace): void {
      ws.f.set(ws.fNew);
      ws.jacCurrent = false;
    },
  };
}
