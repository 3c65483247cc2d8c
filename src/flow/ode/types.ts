/**
 * Core types of the ODE library: the vector field, the dense-output bases, and the protocol every
 * stepper (explicit Runge–Kutta, Rosenbrock, exponential Runge–Kutta) implements so that one `solve`
 * loop drives them all (diffrax `AbstractSolver.init` / `step`, in miniature).
 *
 * Glossary: n = state dimension; s = number of stages; m = number of dense-output coefficient
 * vectors of one step; h = signed step size (negative for backward spans); θ = (t − t_old) / h ∈ [0, 1].
 *
 * Semilinear problems y′ = ℓ ⊙ y + N(t, y) (diagonal ℓ): problem, solver and controller are composed
 * by the one `solve`, as in diffrax. The problem is split in two: the field passed to `solve` is the
 * nonlinear part N *alone*, and the linear part ℓ (with an optional error-scale reference) is bound
 * to the solver by the method factory — `solve(N, y0, span, exponential(etd4, { ell, scaleRef }),
 * { rtol, atol })`, like OrdinaryDiffEq's `SplitODEProblem(f1 = diag(ℓ), f2 = N)`. The stepper never
 * forms ℓ ⊙ y + N for its stages (no cancellation, ℓ is integrated exactly through φ-functions), but
 * its workspace's `f` / `fNew` are the full right-hand side ℓ ⊙ y + N, so steady-state detection and
 * dense output see y′ as for every other method. The controller is the same {@link Stepper} client:
 * the method only adjusts the error scale (`errorScale`), the first step (`initialStep`) and the
 * accepted-step dead band (`StepWorkspace.deadBand`).
 */

/**
 * Right-hand side of y′ = f(t, y). Writes f(t, y) into `out` (length n) and allocates nothing.
 * `y` and `out` never alias. `y` must be treated as read-only.
 */
export type VectorField = (t: number, y: Float64Array, out: Float64Array) => void;

/**
 * Basis of a step's dense-output polynomial, with coefficient vectors r_0 … r_{m−1} (each length n):
 *
 * - `'monomial'`: y(t_old + θh) = y_old + Σ_j r_j θ^{j+1}
 *   (scipy `RkDenseOutput`, Q = Kᵀ P; Bosh3, Dopri5, Tsit5, RK4, Euler);
 * - `'nested'`: y(t_old + θh) = y_old + θ(r_0 + (1−θ)(r_1 + θ(r_2 + (1−θ)(r_3 + …))))
 *   (Hairer's CONTD8 / CONTRO form; scipy `Dop853DenseOutput`; Rodas4).
 *
 * In both bases y(t_old) = y_old exactly; at θ = 1 only the r_0-part of `'nested'` survives.
 */
export type DenseBasis = 'monomial' | 'nested';

/** Shape of a stepper's dense output: its basis, number of coefficient vectors m, and order. */
export interface DenseOutputInfo {
  /** Polynomial basis of the coefficient vectors. */
  readonly basis: DenseBasis;
  /** Number m of coefficient vectors per step. */
  readonly size: number;
  /** Order q of the interpolant: its local error is O(h^{q+1}). */
  readonly order: number;
}

/** Work counters of one solve, incremented by the stepper. */
export interface StepCounters {
  /** Evaluations of the vector field (including the initial-step heuristic and dense stages). */
  nfev: number;
  /** Jacobian evaluations (implicit methods only). */
  njev: number;
  /** Factorizations of the iteration matrix I − γhJ (implicit methods only). */
  nfactor: number;
  /** Linear solves with the factored iteration matrix (implicit methods only). */
  nlinsolve: number;
  /** Evaluations of the step-size-dependent φ coefficients, one per distinct h (exponential methods only). */
  coefficientFills: number;
}

/**
 * Buffers every stepper workspace exposes to the solve loop. All are allocated once by
 * {@link Stepper.init}; the stepper functions only write into them.
 */
export interface StepWorkspace {
  /** State dimension n. */
  readonly n: number;
  /** f(t, y) at the current accepted state (length n). */
  readonly f: Float64Array;
  /** Proposed state at t + h after {@link Stepper.step} (length n). */
  readonly yNew: Float64Array;
  /** f(t + h, yNew) after {@link Stepper.complete} (length n). */
  readonly fNew: Float64Array;
  /** Dense coefficients r_0 … r_{m−1} after {@link Stepper.denseCoefficients} (length m·n, row-major). */
  readonly dense: Float64Array;
  /** Work counters of this solve. */
  readonly counters: StepCounters;
  /**
   * Dead band of the PI controller's accepted-step factor (≥ 1): a factor in [1, deadBand] keeps h
   * and one in (1/deadBand, 1) becomes 1/deadBand, so that per-h work (φ coefficients, a
   * factorization) is reused over runs of steps (OrdinaryDiffEq's `qsteady_min`/`qsteady_max`).
   * @defaultValue 1 (no dead band)
   */
  readonly deadBand?: number;
}

/** Tolerances of an adaptive solve, passed to {@link Stepper.init} (implicit methods scale their Newton test with them). */
export interface Tolerances {
  /** Relative tolerance, scalar or per component. */
  readonly rtol: number | Float64Array;
  /** Absolute tolerance, scalar or per component. */
  readonly atol: number | Float64Array;
}

/**
 * The protocol shared by all steppers (one object per method; state lives in the workspace).
 * The solve loop calls, once: `init` → (`initialStep`); per attempt: `step` → `errorScale` →
 * `errorNorm`; on acceptance: `complete` → (optionally) `denseCoefficients` → `advance`. None of the
 * per-step calls allocate. `errorScale` and `initialStep` are optional hooks; without them `solve`
 * uses `errorScale` and `selectInitialStep` of controller.ts.
 */
export interface Stepper<W extends StepWorkspace = StepWorkspace> {
  /** Method name, e.g. `'dopri5'`. */
  readonly name: string;
  /** Order p of the propagated solution. */
  readonly order: number;
  /** Order of the embedded solution (error ∝ h^{errorOrder+1}); `undefined` if there is none. */
  readonly errorOrder: number | undefined;
  /** Dense output shape; `undefined` if the method has no interpolant. */
  readonly dense: DenseOutputInfo | undefined;
  /**
   * Allocate the workspace for dimension `y0.length` and evaluate f(t0, y0) into `ws.f`.
   * `errorEstimate: false` skips the embedded error computation (fixed steps). `tolerances` are the
   * solve's rtol/atol when adaptive (`undefined` for fixed steps); explicit methods ignore them.
   */
  init(field: VectorField, t0: number, y0: Float64Array, errorEstimate: boolean, tolerances?: Tolerances): W;
  /**
   * Attempt one step of size h from (t, y): fills `ws.yNew` (and the error estimate). Returns the
   * workspace, or `undefined` when the step could not be formed (singular iteration matrix).
   */
  step(ws: W, t: number, y: Float64Array, h: number): W | undefined;
  /**
   * Optional: fill `scale` (length n) for the attempt (t, y) → yNew and return it. Default:
   * atol_i + rtol_i·max(|y_i|, |yNew_i|). Exponential methods measure it relative to the full state
   * `scaleRef + y` when y is a deviation from a reference.
   */
  errorScale?(ws: W, scale: Float64Array, rtol: number | Float64Array, atol: number | Float64Array, y: Float64Array, yNew: Float64Array): Float64Array;
  /**
   * Scaled norm of the last error estimate: RMS of err_i / scale_i (or the method's own norm,
   * e.g. DOP853's stretched estimate). Always ≥ 0; NaN or ∞ if the step produced non-finite values.
   */
  errorNorm(ws: W, scale: Float64Array): number;
  /**
   * Optional: magnitude (> 0) of the first step of an adaptive solve without `options.dt0`, after
   * `init` (so `ws.f` is f(t0, y0)); counts its own evaluations in `ws.counters`. `solve` caps it at
   * `dtMax`. Default: Hairer's heuristic (`selectInitialStep`, one probe evaluation).
   */
  initialStep?(ws: W, t0: number, y0: Float64Array, t1: number, rtol: number | Float64Array, atol: number | Float64Array): number;
  /**
   * Optional: the method's own step-size law, replacing the PIController's accept/reject factors
   * (the controller then only selects adaptive stepping; its β, safety and factor bounds are unused).
   * For methods whose law depends on more than the error norm — RADAU5's predictive Gustafsson
   * controller, whose safety factor depends on the Newton iterations and which keeps h to reuse its
   * LU factors. Called after every adaptive attempt with a finite error norm `err` (`accepted` =
   * err ≤ 1) and the attempted signed `h`; returns the factor (> 0) for the next |h|. Non-finite
   * attempts still use the controller's minimum factor.
   */
  stepFactor?(ws: W, err: number, h: number, accepted: boolean): number;
  /** After acceptance: make `ws.fNew` = f(t + h, yNew) (free for FSAL methods). */
  complete(ws: W, t: number, h: number): void;
  /** After `complete`: fill and return `ws.dense` for the accepted step from (t, y) of size h. */
  denseCoefficients(ws: W, t: number, y: Float64Array, h: number): Float64Array;
  /** Make the accepted state current: `ws.f` ← `ws.fNew`. The caller copies yNew into y. */
  advance(ws: W): void;
}
