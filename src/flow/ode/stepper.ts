/**
 * The one generic explicit Runge–Kutta stepper: consumes any {@link ButcherTableau}, with no
 * per-method stage code (scipy `rk_step`, diffrax `AbstractRungeKutta`).
 *
 * Workspace (allocated once per solve by `init`): the stage matrix K ([kRows, n], one
 * Float64Array, scipy `self.K`) plus `tmp`, `yNew`, `err` (and `errLow` for DOP853) and the dense
 * coefficients. `step`, `complete`, `denseCoefficients` and `advance` allocate nothing.
 *
 * Per step of an s-stage tableau: s − 1 new evaluations (K row 0 = f(t, y) is carried over from
 * the previous step — automatically for every method, since c₀ = 0; FSAL methods additionally get
 * f(t + h, y₁) as their last stage, others evaluate it in `complete`). Stage sums skip zero
 * coefficients and run as unit-stride axpy passes over rows of K.
 */
import { scaledSquares } from './controller.js';
import type { ButcherTableau } from './tableau.js';
import type { StepCounters, Stepper, StepWorkspace, VectorField } from './types.js';

/** Non-zero entries of one coefficient row over K rows. */
interface SparseRow {
  readonly idx: Int32Array;
  readonly val: Float64Array;
}

/** Tableau compiled to sparse rows (built once per tableau, cached). */
interface CompiledTableau {
  readonly a: readonly SparseRow[];
  readonly b: SparseRow;
  readonly bErr: SparseRow | undefined;
  readonly bErrLow: SparseRow | undefined;
  readonly extraA: readonly SparseRow[];
  readonly extraC: readonly number[];
  /** Column j of the dense matrix P as a sparse row over K rows. */
  readonly denseCols: readonly SparseRow[];
}

function sparse(row: readonly number[]): SparseRow {
  const idx: number[] = [];
  const val: number[] = [];
  row.forEach((v, i) => {
    if (v !== 0) {
      idx.push(i);
      val.push(v);
    }
  });
  return { idx: Int32Array.from(idx), val: Float64Array.from(val) };
}

const compiledCache = new WeakMap<ButcherTableau, CompiledTableau>();

function compile(tab: ButcherTableau): CompiledTableau {
  let c = compiledCache.get(tab);
  if (c === undefined) {
    const d = tab.dense;
    const m = d === undefined ? 0 : (d.P[0] as readonly number[]).length;
    c = {
      a: tab.a.map(sparse),
      b: sparse(tab.b),
      bErr: tab.bErr === undefined ? undefined : sparse(tab.bErr),
      bErrLow: tab.bErrLow === undefined ? undefined : sparse(tab.bErrLow),
      extraA: d?.extraStages?.a.map(sparse) ?? [],
      extraC: d?.extraStages?.c ?? [],
      denseCols: d === undefined ? [] : Array.from({ length: m }, (_, j) => sparse(d.P.map((row) => row[j] as number))),
    };
    compiledCache.set(tab, c);
  }
  return c;
}

/** Workspace of the explicit RK stepper; every buffer is allocated by `init` and reused. */
export interface ExplicitRKWorkspace extends StepWorkspace {
  /** The tableau being integrated. */
  readonly tableau: ButcherTableau;
  /** The vector field. */
  readonly field: VectorField;
  /** Stage matrix, shape [kRows, n], row-major. */
  readonly K: Float64Array;
  /** Views of the rows of K (no copies). */
  readonly rows: readonly Float64Array[];
  /** Stage-argument buffer (length n). */
  readonly tmp: Float64Array;
  /** Error estimate h Σ b_err,i k_i of the last step (length n; zero if estimates are off). */
  readonly err: Float64Array;
  /** Second (low-order) error estimate for DOP853-style norms, else `undefined`. */
  readonly errLow: Float64Array | undefined;
  /** Views of the m dense coefficient vectors inside `dense`. */
  readonly denseRows: readonly Float64Array[];
  /** Whether `step` computes the error estimate. */
  readonly errorEstimate: boolean;
}

/**
 * out = y + h Σ_q val_q · rows[idx_q]   (or h Σ … when y is undefined).
 * One unit-stride pass per non-zero (axpy): in V8 this beats a fused loop with an indirect inner
 * index by 1.4–2.5× at n = 65 536 (bench/flow/ode-step.bench.ts, `ode:combine:*`).
 */
function combine(out: Float64Array, y: Float64Array | undefined, h: number, row: SparseRow, rows: readonly Float64Array[], n: number): void {
  const { idx, val } = row;
  const nnz = idx.length;
  if (nnz === 0) {
    if (y === undefined) out.fill(0);
    else out.set(y);
    return;
  }
  const r0 = rows[idx[0] as number] as Float64Array;
  const v0 = h * (val[0] as number);
  if (y === undefined) for (let k = 0; k < n; k++) out[k] = v0 * (r0[k] as number);
  else for (let k = 0; k < n; k++) out[k] = (y[k] as number) + v0 * (r0[k] as number);
  for (let q = 1; q < nnz; q++) {
    const r = rows[idx[q] as number] as Float64Array;
    const v = h * (val[q] as number);
    for (let k = 0; k < n; k++) out[k] = (out[k] as number) + v * (r[k] as number);
  }
}

/**
 * The generic explicit RK stepper for `tableau` (see the module comment). Returns a
 * {@link Stepper} whose workspace is an {@link ExplicitRKWorkspace}.
 */
export function explicitRK(tableau: ButcherTableau): Stepper<ExplicitRKWorkspace> {
  const comp = compile(tableau);
  const s = tableau.stages;
  const fsal = tableau.fsal;
  const fNewRow = tableau.fNewRow;
  const c = tableau.c;
  const d = tableau.dense;
  const m = d === undefined ? 0 : (d.P[0] as readonly number[]).length;
  const firstExtra = fNewRow + 1;

  return {
    name: tableau.name,
    order: tableau.order,
    errorOrder: tableau.errorOrder,
    dense: d === undefined ? undefined : { basis: d.basis, size: m, order: d.order },

    init(field: VectorField, t0: number, y0: Float64Array, errorEstimate: boolean): ExplicitRKWorkspace {
      const n = y0.length;
      const K = new Float64Array(tableau.kRows * n);
      const rows = Array.from({ length: tableau.kRows }, (_, i) => K.subarray(i * n, (i + 1) * n));
      const counters: StepCounters = { nfev: 0, njev: 0, nfactor: 0, nlinsolve: 0, coefficientFills: 0 };
      const dense = new Float64Array(m * n);
      const ws: ExplicitRKWorkspace = {
        tableau,
        field,
        n,
        K,
        rows,
        tmp: new Float64Array(n),
        yNew: new Float64Array(n),
        err: new Float64Array(n),
        errLow: comp.bErrLow === undefined ? undefined : new Float64Array(n),
        f: rows[0] as Float64Array,
        fNew: rows[fNewRow] as Float64Array,
        dense,
        denseRows: Array.from({ length: m }, (_, j) => dense.subarray(j * n, (j + 1) * n)),
        counters,
        errorEstimate: errorEstimate && comp.bErr !== undefined,
      };
      field(t0, y0, ws.f);
      counters.nfev++;
      return ws;
    },

    step(ws: ExplicitRKWorkspace, t: number, y: Float64Array, h: number): ExplicitRKWorkspace {
      const { rows, tmp, yNew, n, field } = ws;
      // FSAL: the last stage is f(t + h, y₁), evaluated after y₁ below.
      const lastPlain = fsal ? s - 2 : s - 1;
      for (let i = 1; i <= lastPlain; i++) {
        combine(tmp, y, h, comp.a[i] as SparseRow, rows, n);
        field(t + (c[i] as number) * h, tmp, rows[i] as Float64Array);
      }
      ws.counters.nfev += lastPlain;
      combine(yNew, y, h, comp.b, rows, n);
      if (fsal) {
        field(t + h, yNew, rows[s - 1] as Float64Array);
        ws.counters.nfev++;
      }
      if (ws.errorEstimate) {
        combine(ws.err, undefined, h, comp.bErr as SparseRow, rows, n);
        if (ws.errLow !== undefined) combine(ws.errLow, undefined, h, comp.bErrLow as SparseRow, rows, n);
      }
      return ws;
    },

    errorNorm(ws: ExplicitRKWorkspace, scale: Float64Array): number {
      const e2 = scaledSquares(ws.err, scale);
      if (ws.errLow === undefined) return Math.sqrt(e2 / ws.n);
      // Hairer's DOP853 estimate: ‖e₅‖² / √(‖e₅‖² + 0.01‖e₃‖²) (h is already inside e₅, e₃).
      const e3 = scaledSquares(ws.errLow, scale);
      if (e2 === 0 && e3 === 0) return 0;
      return e2 / Math.sqrt((e2 + 0.01 * e3) * ws.n);
    },

    complete(ws: ExplicitRKWorkspace, t: number, h: number): void {
      if (!fsal) {
        ws.field(t + h, ws.yNew, ws.fNew);
        ws.counters.nfev++;
      }
    },

    denseCoefficients(ws: ExplicitRKWorkspace, t: number, y: Float64Array, h: number): Float64Array {
      const { rows, tmp, n, field, dense, denseRows } = ws;
      for (let k = 0; k < comp.extraA.length; k++) {
        combine(tmp, y, h, comp.extraA[k] as SparseRow, rows, n);
        field(t + (comp.extraC[k] as number) * h, tmp, rows[firstExtra + k] as Float64Array);
      }
      ws.counters.nfev += comp.extraA.length;
      for (let j = 0; j < m; j++) combine(denseRows[j] as Float64Array, undefined, h, comp.denseCols[j] as SparseRow, rows, n);
      return dense;
    },

    advance(ws: ExplicitRKWorkspace): void {
      ws.f.set(ws.fNew);
    },
  };
}
