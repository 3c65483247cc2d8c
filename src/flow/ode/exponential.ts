/**
 * The generic exponential Runge–Kutta stepper for semilinear problems y′ = ℓ ⊙ y + N(t, y) with a
 * *diagonal* linear part ℓ, driven by an {@link ExponentialTableau} (`etd2`, `etd3`, `etd4`). The
 * stiff linear part is integrated exactly through the φ-functions, elementwise; only N is sampled
 * (Hochbruck & Ostermann, *Exponential integrators*, Acta Numerica 19 (2010)).
 *
 * The split (see "Semilinear problems" in `types.ts`): the vector field given to `solve` is N alone
 * and the linear part rides on the method, `solve(N, y0, span, exponential(etd4, { ell, scaleRef }), options)`
 * — OrdinaryDiffEq's `SplitODEProblem(f1, f2)` with f1 = diag(ℓ), or diffrax's term / solver /
 * controller triple with the term split in two. Everything else — PI controller, SaveAt, events,
 * steady state, statuses, stats — is the one `solve` loop's.
 *
 * Per step: s − 1 evaluations of N (stage 1 reuses N(t, y) from the previous step, N at the accepted
 * state is evaluated in `complete`) and O(n·rows) elementwise work; the φ coefficient rows are
 * refilled only when h changes (counted in `stats.coefficientFills`). Protocol hooks used: the error
 * scale is relative to the full state `scaleRef + y` (`errorScale`), the first step is
 * 0.01·‖y‖/‖y′‖ without Hairer's explicit-Euler probe (`initialStep`: the probe measures the curvature
 * of the stiff linear part, which this method integrates exactly), and for n ≥
 * {@link EXPONENTIAL_DEAD_BAND_MIN_N} the accepted-step factor has a dead band (`deadBand`) so that
 * runs of steps reuse the coefficients. Workspaces are allocated once per solve; steps allocate nothing.
 */
import { PHI_SERIES_RADIUS, phiFunctions, type ExponentialTableau, type PhiTerm } from './exponential-tableau.js';
import { errorScale, rmsScaled } from './controller.js';
import type { StepCounters, Stepper, StepWorkspace, VectorField } from './types.js';

/**
 * Step-size dead band of large problems: an accepted-step factor in [1, 1.25] keeps h and one in
 * (1/1.25, 1) shrinks it by 1/1.25, so that the elementwise φ coefficients (then the dominant
 * non-N cost) are reused over runs of steps — the same idea as implicit solvers keeping h to reuse
 * a factorisation (OrdinaryDiffEq's `qsteady_min`/`qsteady_max`).
 */
export const EXPONENTIAL_DEAD_BAND = 1.25;
/**
 * The dead band is used from this n on. Measured: d = 256, Ψ = ψ²I (n = 65 792), 10 s → 6.7 s; at
 * d = 16 it costs up to ~50 % more steps at tight tolerances and saves no time.
 */
export const EXPONENTIAL_DEAD_BAND_MIN_N = 10_000;
/** Initial-step heuristic factor (Hairer's h0 = 0.01·d0/d1). */
const INITIAL_STEP_FACTOR = 0.01;

/** The linear part of y′ = ℓ ⊙ y + N(t, y), bound to a method by {@link exponential}. */
export interface ExponentialOptions {
  /** [n] diagonal ℓ of the linear part, finite. */
  readonly ell: Float64Array;
  /**
   * [n] reference added to y in the error scale: scale_k = atol + rtol·max(|r_k + y_k|, |r_k + y_new,k|),
   * so that the tolerance is relative to the full state when y is a deviation from r.
   * @defaultValue zeros (the usual scale)
   */
  readonly scaleRef?: Float64Array;
}

/**
 * A semilinear problem: its linear part and N as a {@link VectorField}, integrated by
 * `solve(p.nonlinear, y0, span, exponential(tableau, p), options)`.
 */
export interface SemilinearProblem extends ExponentialOptions {
  /** Writes N(t, y) into `out`; allocation-free. */
  readonly nonlinear: VectorField;
}

/** An exponential method ready for `solve`: tableau + the diagonal linear part. */
export interface ExponentialMethod {
  /** Discriminant of the `Method` union accepted by `solve`. */
  readonly kind: 'exponential';
  /** Coefficients. */
  readonly tableau: ExponentialTableau;
  /** [n] diagonal of the linear part (a copy). */
  readonly ell: Float64Array;
  /** [n] error-scale reference (a copy), or `undefined`. */
  readonly scaleRef: Float64Array | undefined;
}

function checkFiniteVector(name: string, v: unknown, n?: number): Float64Array {
  if (!(v instanceof Float64Array)) throw new TypeError(`exponential: options.${name} must be a Float64Array`);
  if (n === undefined ? v.length === 0 : v.length !== n) {
    throw new RangeError(`exponential: options.${name} has length ${v.length}, must be ${n === undefined ? '≥ 1' : `n = ${n} (the length of options.ell)`}`);
  }
  v.forEach((x, k) => {
    if (!Number.isFinite(x)) throw new RangeError(`exponential: options.${name}[${k}] is ${x}, must be finite`);
  });
  return Float64Array.from(v);
}

/**
 * Bundle an exponential tableau with the diagonal linear part for `solve`, e.g.
 * `solve(N, z0, [0, T], exponential(etd4, { ell, scaleRef }), { rtol, atol })` — the field is N only.
 *
 * @throws {TypeError | RangeError} naming the option (tableau not from `defineExponentialTableau`,
 *   `ell` empty or non-finite, `scaleRef` of another length).
 */
export function exponential(tableau: ExponentialTableau, options: ExponentialOptions): ExponentialMethod {
  if (tableau?.kind !== 'exponentialTableau') throw new TypeError('exponential: tableau must come from defineExponentialTableau (e.g. etd4)');
  if (options === null || typeof options !== 'object') throw new TypeError('exponential: options must be { ell, scaleRef? }');
  const ell = checkFiniteVector('ell', options.ell);
  const scaleRef = options.scaleRef === undefined ? undefined : checkFiniteVector('scaleRef', options.scaleRef, ell.length);
  return Object.freeze({ kind: 'exponential' as const, tableau, ell, scaleRef });
}

/**
 * Tableau compiled to coefficient rows (built once per tableau, cached). Every coefficient function
 * (e^{c_i hℓ} of each stage, e^{hℓ}, each nonzero a_ij, b_i, b_i − b̂_i) is a merged list of
 * φ_k(c·hℓ) terms, `termVal` = 4·node + k into the per-element φ table; identical functions share
 * a row; −1 marks a zero coefficient.
 */
interface CompiledExponential {
  /** Distinct arguments c of the φ terms (0 and 1 always present), ascending. */
  readonly nodes: Float64Array;
  /** Index of the node c/2 when it is a node, else −1 (φ at c from φ at c/2). */
  readonly halfOf: Int32Array;
  /** Index of the node 0. */
  readonly zeroNode: number;
  readonly rows: number;
  readonly termStart: Int32Array;
  readonly termVal: Int32Array;
  readonly termCoef: Float64Array;
  /** Row of e^{c_i hℓ} per stage. */
  readonly expRow: Int32Array;
  /** Row of e^{hℓ}. */
  readonly exp1Row: number;
  /** Rows of a_ij per stage i (length i). */
  readonly aRow: readonly Int32Array[];
  readonly bRow: Int32Array;
  readonly eRow: Int32Array;
}

const compiledCache = new WeakMap<ExponentialTableau, CompiledExponential>();

function compile(tab: ExponentialTableau): CompiledExponential {
  const cached = compiledCache.get(tab);
  if (cached !== undefined) return cached;
  const allTerms = [...tab.a.flat(2), ...tab.b.flat(), ...tab.bErr.flat()];
  const nodes = [...new Set([0, 1, ...tab.c, ...allTerms.map((x) => x.c)])].sort((x, y) => x - y);
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
  const expRow = Int32Array.from(tab.c, (c) => addRow([{ coef: 1, k: 0, c }]));
  const exp1Row = addRow([{ coef: 1, k: 0, c: 1 }]);
  const aRow = tab.a.map((row) => Int32Array.from(row, addRow));
  const bRow = Int32Array.from(tab.b, addRow);
  const eRow = Int32Array.from(tab.bErr, addRow);
  const termStart = new Int32Array(rowTerms.length + 1);
  rowTerms.forEach((t, r) => (termStart[r + 1] = termStart[r]! + t.length));
  const compiled: CompiledExponential = {
    nodes: Float64Array.from(nodes),
    halfOf: Int32Array.from(nodes, (c) => (c === 0 ? -1 : (nodeIndex.get(c / 2) ?? -1))),
    zeroNode: nodeIndex.get(0)!,
    rows: rowTerms.length,
    termStart,
    termVal: Int32Array.from(rowTerms.flat(), (x) => x.val),
    termCoef: Float64Array.from(rowTerms.flat(), (x) => x.coef),
    expRow,
    exp1Row,
    aRow,
    bRow,
    eRow,
  };
  compiledCache.set(tab, compiled);
  return compiled;
}

/** Workspace of the exponential stepper (allocated once by `init`). */
export interface ExponentialWorkspace extends StepWorkspace {
  /** The nonlinear part N (the field given to `solve`). */
  readonly field: VectorField;
  /** [n] diagonal of the linear part. */
  readonly ell: Float64Array;
  /** [n] error-scale reference, or `undefined`. */
  readonly scaleRef: Float64Array | undefined;
  /** Coefficient rows at h = `hCoef`, shape [rows, n]. */
  readonly coef: Float64Array;
  /** Views of the rows of `coef`. */
  readonly coefRows: readonly Float64Array[];
  /** φ₀…φ₃ at every node for one element, shape [nodes, 4]. */
  readonly phi: Float64Array;
  /** Scratch for {@link phiFunctions} (length 4). */
  readonly phiScratch: Float64Array;
  /** Stage values of N, shape [s, n]; row 0 is N(t, y) at the current accepted state. */
  readonly N: Float64Array;
  /** Views of the rows of `N`. */
  readonly Nrows: readonly Float64Array[];
  /** N(t + h, yNew) after `complete` (length n). */
  readonly NNew: Float64Array;
  /** Stage argument (length n). */
  readonly U: Float64Array;
  /** Error estimate h Σ (b_i − b̂_i) N_i of the last step (length n). */
  readonly err: Float64Array;
  /** Views of the three dense coefficient vectors. */
  readonly denseRows: readonly Float64Array[];
  /** Whether `step` computes the error estimate. */
  readonly errorEstimate: boolean;
  /** Step size the coefficient rows were filled for (NaN before the first fill). */
  hCoef: number;
}

/** out += α·(a ⊙ b) over n entries. */
function axpyProduct(out: Float64Array, alpha: number, a: Float64Array, b: Float64Array, n: number): void {
  for (let q = 0; q < n; q++) out[q] += alpha * a[q]! * b[q]!;
}

/** out = ℓ ⊙ y + N (the full right-hand side). */
function fullField(out: Float64Array, ell: Float64Array, y: Float64Array, N: Float64Array): void {
  for (let k = 0; k < out.length; k++) out[k] = ell[k]! * y[k]! + N[k]!;
}

/** Fill the coefficient rows for step h (no-op if they are current). */
function fillCoefficients(ws: ExponentialWorkspace, comp: CompiledExponential, h: number): void {
  if (h === ws.hCoef) return;
  ws.hCoef = h;
  ws.counters.coefficientFills++;
  const { n, ell, phi, phiScratch: pv, coef } = ws;
  const { nodes, halfOf, rows, termStart, termVal, termCoef } = comp;
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
        const E = phi[4 * src]!;
        const p1 = (phi[4 * src + 1]! * (E + 1)) / 2;
        const p2 = (p1 - 1) / x;
        phi[o] = E * E;
        phi[o + 1] = p1;
        phi[o + 2] = p2;
        phi[o + 3] = (p2 - 0.5) / x;
      } else {
        phiFunctions(x, pv);
        phi[o] = pv[0]!;
        phi[o + 1] = pv[1]!;
        phi[o + 2] = pv[2]!;
        phi[o + 3] = pv[3]!;
      }
    }
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (let t = termStart[r]!; t < termStart[r + 1]!; t++) acc += termCoef[t]! * phi[termVal[t]!]!;
      coef[r * n + k] = acc;
    }
  }
}

/**
 * The exponential RK stepper for `method` (see the module comment), implementing the
 * {@link Stepper} protocol with the optional `errorScale` and `initialStep` hooks.
 *
 * Dense output: the cubic Hermite interpolant of (y, f) and (y₁, f₁) with f = ℓ ⊙ y + N (monomial
 * basis, order 3 — diffrax's `ThirdOrderHermitePolynomialInterpolation`). It is accurate where
 * |hℓ| is moderate or the stiff components are slaved to N (ℓ ⊙ y + N small there); inside a step
 * that jumps across a fast transient (|hℓ| ≫ 1 while ℓ ⊙ y is unbalanced) it can overshoot — save
 * at steps, or bound `dtMax`, if events or saved times must resolve such a transient.
 */
export function exponentialStepper(method: ExponentialMethod): Stepper<ExponentialWorkspace> {
  const tab = method.tableau;
  const comp = compile(tab);
  const s = tab.stages;
  const c = tab.c;

  return {
    name: tab.name,
    order: tab.order,
    errorOrder: tab.errorOrder,
    dense: { basis: 'monomial', size: 3, order: 3 },

    init(field: VectorField, t0: number, y0: Float64Array, errorEstimate: boolean): ExponentialWorkspace {
      const n = y0.length;
      if (n !== method.ell.length) throw new RangeError(`y0 has length ${n}, but the exponential method's ell has length ${method.ell.length}`);
      const coef = new Float64Array(comp.rows * n);
      const N = new Float64Array(s * n);
      const dense = new Float64Array(3 * n);
      const counters: StepCounters = { nfev: 0, njev: 0, nfactor: 0, nlinsolve: 0, coefficientFills: 0 };
      const phi = new Float64Array(comp.nodes.length * 4);
      // φ_k(0) = 1/k! for the node c = 0.
      phi.set([1, 1, 0.5, 1 / 6], comp.zeroNode * 4);
      const ws: ExponentialWorkspace = {
        n,
        field,
        ell: method.ell,
        scaleRef: method.scaleRef,
        coef,
        coefRows: Array.from({ length: comp.rows }, (_, r) => coef.subarray(r * n, (r + 1) * n)),
        phi,
        phiScratch: new Float64Array(4),
        N,
        Nrows: Array.from({ length: s }, (_, i) => N.subarray(i * n, (i + 1) * n)),
        NNew: new Float64Array(n),
        U: new Float64Array(n),
        err: new Float64Array(n),
        f: new Float64Array(n),
        yNew: new Float64Array(n),
        fNew: new Float64Array(n),
        dense,
        denseRows: Array.from({ length: 3 }, (_, j) => dense.subarray(j * n, (j + 1) * n)),
        counters,
        errorEstimate,
        deadBand: n >= EXPONENTIAL_DEAD_BAND_MIN_N ? EXPONENTIAL_DEAD_BAND : 1,
        hCoef: NaN,
      };
      const N0 = ws.Nrows[0]!;
      field(t0, y0, N0);
      counters.nfev++;
      fullField(ws.f, ws.ell, y0, N0);
      return ws;
    },

    step(ws: ExponentialWorkspace, t: number, y: Float64Array, h: number): ExponentialWorkspace {
      const { n, field, coefRows, Nrows, U, yNew, err } = ws;
      fillCoefficients(ws, comp, h);
      // Stage values and the update as simple unit-stride passes (one coefficient row × one N each):
      // V8 keeps these monomorphic and free of index arithmetic.
      for (let i = 1; i < s; i++) {
        const ec = coefRows[comp.expRow[i]!]!;
        for (let q = 0; q < n; q++) U[q] = ec[q]! * y[q]!;
        const rows = comp.aRow[i]!;
        for (let j = 0; j < i; j++) {
          const r = rows[j]!;
          if (r >= 0) axpyProduct(U, h, coefRows[r]!, Nrows[j]!, n);
        }
        field(t + c[i]! * h, U, Nrows[i]!);
      }
      ws.counters.nfev += s - 1;
      const e1 = coefRows[comp.exp1Row]!;
      for (let q = 0; q < n; q++) yNew[q] = e1[q]! * y[q]!;
      for (let i = 0; i < s; i++) {
        const r = comp.bRow[i]!;
        if (r >= 0) axpyProduct(yNew, h, coefRows[r]!, Nrows[i]!, n);
      }
      if (ws.errorEstimate) {
        err.fill(0);
        for (let i = 0; i < s; i++) {
          const r = comp.eRow[i]!;
          if (r >= 0) axpyProduct(err, h, coefRows[r]!, Nrows[i]!, n);
        }
      }
      return ws;
    },

    errorScale(ws: ExponentialWorkspace, scale: Float64Array, rtol: number | Float64Array, atol: number | Float64Array, y: Float64Array, yNew: Float64Array): Float64Array {
      return errorScale(scale, rtol, atol, y, yNew, ws.scaleRef);
    },

    errorNorm(ws: ExponentialWorkspace, scale: Float64Array): number {
      return rmsScaled(ws.err, scale);
    },

    initialStep(ws: ExponentialWorkspace, t0: number, y0: Float64Array, t1: number, rtol: number | Float64Array, atol: number | Float64Array): number {
      // 0.01·d0/d1 with d0 = ‖r + y0‖, d1 = ‖ℓ ⊙ y0 + N‖ in the scaled RMS norm (Hairer's first guess,
      // without the explicit-Euler probe); a zero full state (e.g. Γ = 0 for the GD flow) sizes
      // the step on the deviation y0 instead. Scratch: ws.U holds the scale.
      const { n, scaleRef: ref, U: scale } = ws;
      errorScale(scale, rtol, atol, y0, y0, ref);
      let d0 = 0;
      let d1 = 0;
      for (let k = 0; k < n; k++) {
        const r = ref === undefined ? 0 : ref[k]!;
        d0 += ((r + y0[k]!) / scale[k]!) ** 2;
        d1 += (ws.f[k]! / scale[k]!) ** 2;
      }
      d0 = Math.sqrt(d0 / n);
      d1 = Math.sqrt(d1 / n);
      if (d0 < 1e-5 && ref !== undefined) d0 = rmsScaled(y0, scale);
      const h = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (INITIAL_STEP_FACTOR * d0) / d1;
      return Math.min(h, Math.abs(t1 - t0));
    },

    complete(ws: ExponentialWorkspace, t: number, h: number): void {
      ws.field(t + h, ws.yNew, ws.NNew);
      ws.counters.nfev++;
      fullField(ws.fNew, ws.ell, ws.yNew, ws.NNew);
    },

    denseCoefficients(ws: ExponentialWorkspace, _t: number, y: Float64Array, h: number): Float64Array {
      // Cubic Hermite, y(θ) = y + θ r₀ + θ² r₁ + θ³ r₂ with Δ = y₁ − y:
      // r₀ = h f, r₁ = 3Δ − h(2f + f₁), r₂ = h(f + f₁) − 2Δ.
      const { n, f, fNew, yNew, denseRows } = ws;
      const r0 = denseRows[0]!;
      const r1 = denseRows[1]!;
      const r2 = denseRows[2]!;
      for (let k = 0; k < n; k++) {
        const delta = yNew[k]! - y[k]!;
        const hf0 = h * f[k]!;
        const hf1 = h * fNew[k]!;
        r0[k] = hf0;
        r1[k] = 3 * delta - 2 * hf0 - hf1;
        r2[k] = hf0 + hf1 - 2 * delta;
      }
      return ws.dense;
    },

    advance(ws: ExponentialWorkspace): void {
      ws.Nrows[0]!.set(ws.NNew);
      ws.f.set(ws.fNew);
    },
  };
}
