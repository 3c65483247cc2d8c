/**
 * Core types of the ODE library: the vector field, the dense-output bases, and the protocol every
 * stepper (explicit Runge–Kutta, Rosenbrock) implements so that one `solve` loop drives them all
 * (diffrax `AbstractSolver.init` / `step`, in miniature).
 *
 * Glossary: n = state dimension; s = number of stages; m = number of dense-output coefficient
 * vectors of one step; h = signed step size (negative for backward spans); θ = (t − t_old) / h ∈ [0, 1].
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
}

/**
 * The protocol shared by all steppers (one object per method; state lives in the workspace).
 * The solve loop calls, per attempt: `step` → `errorNorm`; on acceptance: `complete` → (optionally)
 * `denseCoefficients` → `advance`. None of these allocate.
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
   * `errorEstimate: false` skips the embedded error computation (fixed steps).
   */
  init(field: VectorField, t0: number, y0: Float64Array, errorEstimate: boolean): W;
  /**
   * Attempt one step of size h from (t, y): fills `ws.yNew` (and the error estimate). Returns the
   * workspace, or `undefined` when the step could not be formed (singular iteration matrix).
   */
  step(ws: W, t: number, y: Float64Array, h: number): W | undefined;
  /**
   * Scaled norm of the last error estimate: RMS of err_i / scale_i (or the method's own norm,
   * e.g. DOP853's stretched estimate). Always ≥ 0; NaN or ∞ if the step produced non-finite values.
   */
  errorNorm(ws: W, scale: Float64Array): number;
  /** After acceptance: make `ws.fNew` = f(t + h, yNew) (free for FSAL methods). */
  complete(ws: W, t: number, h: number): void;
  /** After `complete`: fill and return `ws.dense` for the accepted step from (t, y) of size h. */
  denseCoefficients(ws: W, t: number, y: Float64Array, h: number): Float64Array;
  /** Make the accepted state current: `ws.f` ← `ws.fNew`. The caller copies yNew into y. */
  advance(ws: W): void;
}
