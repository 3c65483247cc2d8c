/**
 * Exact ICL risk of L-step GD-β (GD-β^L) with its analytic gradient (docs/math.md §3.6).
 *
 * Route (math.md (3.44)–(3.48)). In the eigenbasis of H, whitened, with the label noise carried
 * as an extra covariate coordinate (n = d + 1 when σ² > 0, else n = d), the risk is
 *
 *   R = σ² + E tr( B·P·Â·Pᵀ ),   P = (I − G_L W)⋯(I − G_1 W),   W = ZᵀZ/M,  Z [M, n] i.i.d. N(0, 1),
 *
 * a polynomial of degree 2L in the white Wishart matrix W. Expanding the 2^{2L} products and applying
 * Wick's theorem to every word tr(C_1 W ⋯ C_k W) gives a finite sum over pairings of the 2k
 * Gaussian factors, each contributing M^{c−k} (c = number of sample-index classes) times a product
 * of traces ("faces") of words in the five letters B, Â, G_l, G_lᵀ (3.47). This enumeration depends
 * only on L, so it is done once per L ({@link compileMultistep}) and reduced to
 *
 *   R = σ² + Σ_m c_m(1/M) · Π_{f ∈ m} t_f,        t_f = tr(face f)                          (3.48)
 *
 * with identical faces and identical monomials merged (L = 3: 17 992 pairings → 851 distinct faces,
 * 199 distinct matrix products after sharing sub-words and transposes). Evaluation is then a fixed
 * program of n×n products, and the gradient is its reverse sweep (each product: two more).
 *
 * Cost per risk + gradient: ≈ 3·P_L products of n×n matrices plus O(F_L·n²), where (P_L, F_L) =
 * (3, 5), (23, 38), (199, 851) for L = 1, 2, 3 (plus two rotations per Γ_l, O(L·d³)). The one-off
 * compilation of L = 3 takes ≈ 0.2 s. Measured (Node 20, one core of a shared 2-core machine): d = 20,
 * L = 3: ≈ 9 ms risk + gradient (median; 8–36 ms under load), ≈ 6 ms risk alone; d = 64: 0.15–0.3 s.
 * L ≥ 4 is refused: the top word alone has 15!! ≈ 2·10⁶ pairings (all words ≈ 3.5·10⁶).
 *
 * A second route, {@link riskGdMultistepCommuting}, takes L ≤ 8 when every Γ_l = c_l·H⁻¹: then every
 * matrix is a polynomial in W and only multi-trace moments of W enter (math.md (3.50)–(3.54)).
 */
import { InputError, requireFinite } from '../errors.js';
import { gemm, type Matrix } from '../linalg/index.js';
import type { GdMultistep, Problem } from '../models/index.js';

/** Largest number of steps L the exact general route supports (math.md §3.6, "cost"). */
export const GD_MULTISTEP_MAX_STEPS = 3;
/**
 * Memory cap of the general route: its workspace holds 2·(L + 2 + #products) matrices of n×n
 * doubles (values and adjoints). 256 MB allows n ≤ 286 at L = 3 (≈ 10 s per risk and gradient).
 */
export const GD_MULTISTEP_MAX_WORKSPACE_BYTES = 2 ** 28;

/** Risk and gradient of a GD-β^L estimator in the original basis. */
export interface GdMultistepRisk {
  /** The exact risk R (1.3) of GD-β^L, (3.48); unit [y]². */
  readonly risk: number;
  /**
   * σ² + Σ_m |c_m(1/M)·Π t_f| over the monomials of (3.48), unit [y]²: the magnitude of the terms
   * whose signed sum is R − σ². Rounding moves R by about n·ε·termScale (n = d or d + 1), so
   * termScale ≫ R flags cancellation (large steps Γ_l), and tests scale their tolerances by it.
   */
  readonly termScale: number;
  /** L matrices [d, d]: ∂R/∂Γ_l, in the order of `Gammas`. */
  readonly gradGammas: Matrix[];
  /** [d] ∂R/∂β₀. */
  readonly gradBeta0: Float64Array;
}

// ─── The symbolic stage: per L, independent of every matrix ────────────────────────────────────

/**
 * Letters of the words (math.md (3.46)): B (the whitened loss weight), Â (the whitened second
 * moment of the initial error), G_1 … G_L. An oriented letter is 2·symbol + t, t = 1 for Gᵀ;
 * B and Â are symmetric and always carry t = 0.
 */
const SYM_B = 0;
const SYM_A = 1;
const symG = (l: number): number => 1 + l; // l = 1…L

/** A reference to a stored n×n matrix: a letter (id < #symbols) or a product node, possibly transposed. */
interface Ref {
  readonly id: number;
  readonly t: 0 | 1;
}

/** One product node: value = op(a)·op(b). */
interface ProductNode {
  readonly a: Ref;
  readonly b: Ref;
}

/** One face trace: tr(op(a)) when b is null, else tr(op(a)·op(b)). */
interface FaceNode {
  readonly a: Ref;
  readonly b: Ref | null;
}

/** One monomial of (3.48): Σ_p coef[p]·M^{−p} times the product of the listed faces. */
interface Monomial {
  /** coef[p] multiplies M^{−p}, p = 0 … 2L − 1. */
  readonly coef: Float64Array;
  /** Face indices (repeats allowed). */
  readonly faces: Int32Array;
}

/** The compiled expression of one L: a straight-line program of products, traces and monomials. */
export interface MultistepProgram {
  /** Number of steps L. */
  readonly L: number;
  /** Number of letters, L + 2 (B, Â, G_1 … G_L). */
  readonly symbols: number;
  /** Product nodes in evaluation order; node k is stored as matrix id `symbols + k`. */
  readonly products: readonly ProductNode[];
  /** The distinct faces. */
  readonly faces: readonly FaceNode[];
  /** The merged monomials. */
  readonly monomials: readonly Monomial[];
  /** How many Wick pairings were enumerated (for the record and the docs). */
  readonly pairings: number;
}

const transposeCode = (c: number): number => (c >> 1 === SYM_B || c >> 1 === SYM_A ? c : c ^ 1);

/** The face read backwards: tr(XY⋯Z) = tr(Zᵀ⋯YᵀXᵀ). */
function reverseTransposed(face: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = face.length - 1; i >= 0; i--) out.push(transposeCode(face[i]!));
  return out;
}

/** Canonical key of a cyclic face: the least rotation of it or of its reverse-transpose (equal traces). */
function canonicalFace(face: readonly number[]): number[] {
  let best: number[] | null = null;
  for (const f of [face, reverseTransposed(face)]) {
    for (let r = 0; r < f.length; r++) {
      const rot = f.slice(r).concat(f.slice(0, r));
      if (best === null || lexLess(rot, best)) best = rot;
    }
  }
  return best!;
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** Builds the (cyclic) words of (3.46): for subsets T, T′ of {1…L}, B·Π_{l∈T↓}(G_l W)·Â·Π_{l∈T′↑}(W G_lᵀ). */
function* expandWords(L: number): Generator<{ sign: number; letters: number[][]; free: boolean }> {
  for (let T = 0; T < 1 << L; T++) {
    for (let U = 0; U < 1 << L; U++) {
      // Tokens: oriented letter codes, and −1 for W.
      const tokens: number[] = [2 * SYM_B];
      for (let l = L; l >= 1; l--) if (T & (1 << (l - 1))) tokens.push(2 * symG(l), -1);
      tokens.push(2 * SYM_A);
      for (let l = 1; l <= L; l++) if (U & (1 << (l - 1))) tokens.push(-1, 2 * symG(l) + 1);
      const sign = popcount(T) + popcount(U) & 1 ? -1 : 1;
      const firstW = tokens.indexOf(-1);
      if (firstW < 0) {
        yield { sign, letters: [tokens], free: true }; // no W: the single trace tr(BÂ)
        continue;
      }
      // Rotate to start right after a W, then cut after every W: letter j is followed by W_j.
      const rot = tokens.slice(firstW + 1).concat(tokens.slice(0, firstW + 1));
      const letters: number[][] = [];
      let cur: number[] = [];
      for (const t of rot) {
        if (t === -1) {
          letters.push(cur);
          cur = [];
        } else cur.push(t);
      }
      yield { sign, letters, free: false };
    }
  }
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

/**
 * Calls `visit(mate)` for every perfect matching of 0…2k−1 (mate[h] = partner of half h).
 * (2k − 1)!! matchings; `mate` is reused between calls.
 */
function forEachPairing(k: number, visit: (mate: Int32Array) => void): void {
  const n = 2 * k;
  const mate = new Int32Array(n).fill(-1);
  const rec = (): void => {
    let a = 0;
    while (a < n && mate[a]! >= 0) a++;
    if (a === n) {
      visit(mate);
      return;
    }
    for (let b = a + 1; b < n; b++) {
      if (mate[b]! >= 0) continue;
      mate[a] = b;
      mate[b] = a;
      rec();
      mate[a] = -1;
      mate[b] = -1;
    }
  };
  rec();
}

/**
 * The Wick expansion of E tr(C_1 W C_2 W ⋯ C_k W) for white Wishart W (math.md (3.47)):
 * slot j carries z_{i_j}; its left half l_j = 2j is the column index of C_j, its right half
 * r_j = 2j + 1 the row index of C_{j+1}. A pairing identifies halves; the faces are the cycles of the
 * graph "letter edges + pairing edges", and the sample indices run over the c connected classes of
 * slots, giving M^{c−k}. Calls `emit(p = k − c, faces)` per pairing.
 */
function wickWord(letters: readonly (readonly number[])[], emit: (p: number, faces: number[][]) => void): number {
  const k = letters.length;
  let count = 0;
  const parent = new Int32Array(k);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  const used = new Uint8Array(k);
  forEachPairing(k, (mate) => {
    count++;
    for (let j = 0; j < k; j++) parent[j] = j;
    let classes = k;
    for (let h = 0; h < 2 * k; h++) {
      const a = find(h >> 1);
      const b = find(mate[h]! >> 1);
      if (a !== b) {
        parent[a] = b;
        classes--;
      }
    }
    used.fill(0);
    const faces: number[][] = [];
    for (let j0 = 0; j0 < k; j0++) {
      if (used[j0]) continue;
      const face: number[] = [];
      let j = j0;
      let forward = true;
      while (!used[j]) {
        used[j] = 1;
        const C = letters[j]!;
        let end: number;
        if (forward) {
          for (const c of C) face.push(c);
          end = 2 * j; // column end l_j
        } else {
          for (let i = C.length - 1; i >= 0; i--) face.push(transposeCode(C[i]!));
          end = 2 * ((j - 1 + k) % k) + 1; // row end r_{j−1}
        }
        const h = mate[end]!;
        if ((h & 1) === 0) {
          j = h >> 1; // arrived at l_{j'}: the column end of C_{j'}, read it backwards
          forward = false;
        } else {
          j = ((h >> 1) + 1) % k; // arrived at r_{j'}: the row end of C_{j'+1}, read it forwards
          forward = true;
        }
      }
      faces.push(face);
    }
    emit(k - classes, faces);
  });
  return count;
}

const programs = new Map<number, MultistepProgram>();

/**
 * The compiled expression (3.48) for L steps, built once per L and cached: Wick expansion of the
 * 2^{2L} words (3.46), faces canonicalised and merged, monomials merged, and a product program that
 * evaluates every face trace from shared sub-products. Independent of d, M and every matrix.
 * @throws {@link InputError} for L outside 1 … {@link GD_MULTISTEP_MAX_STEPS}.
 */
export function compileMultistep(L: number): MultistepProgram {
  if (!Number.isInteger(L) || L < 1 || L > GD_MULTISTEP_MAX_STEPS) {
    throw new InputError('Gammas', `has L = ${L} steps; the exact GD-β^L risk supports 1 ≤ L ≤ ${GD_MULTISTEP_MAX_STEPS} (math.md §3.6: L = 4 would need ≈ 3.5·10⁶ Wick pairings)`);
  }
  const cached = programs.get(L);
  if (cached !== undefined) return cached;

  const faceIndex = new Map<string, number>();
  const faceWords: number[][] = [];
  const monoIndex = new Map<string, number>();
  const monoCoef: Float64Array[] = [];
  const monoFaces: Int32Array[] = [];
  let pairings = 0;
  for (const { sign, letters, free } of expandWords(L)) {
    const addMono = (p: number, faces: number[][]): void => {
      const ids = faces.map((f) => {
        const c = canonicalFace(f);
        const key = c.join(',');
        let id = faceIndex.get(key);
        if (id === undefined) {
          id = faceWords.length;
          faceIndex.set(key, id);
          faceWords.push(c);
        }
        return id;
      });
      ids.sort((a, b) => a - b);
      const key = ids.join(',');
      let m = monoIndex.get(key);
      if (m === undefined) {
        m = monoCoef.length;
        monoIndex.set(key, m);
        monoCoef.push(new Float64Array(2 * L));
        monoFaces.push(Int32Array.from(ids));
      }
      monoCoef[m]![p] += sign;
    };
    if (free) {
      // The W-free word tr(BÂ) of T = T′ = ∅ (no pairing to enumerate).
      addMono(0, [letters[0]!]);
      pairings++;
      continue;
    }
    pairings += wickWord(letters, addMono);
  }

  // Product program: a face of ≥ 3 letters is tr(P(left)·P(right)) with P(·) memoised products of
  // sub-words; P(w)ᵀ = P(reverseTransposed(w)) lets transposed requests share one node.
  const symbols = L + 2;
  const products: ProductNode[] = [];
  const productIndex = new Map<string, number>();
  const refOf = (word: readonly number[]): Ref => {
    if (word.length === 1) return { id: word[0]! >> 1, t: (word[0]! & 1) as 0 | 1 };
    const rev = reverseTransposed(word);
    const transposed = lexLess(rev, word);
    const canon = transposed ? rev : word;
    const key = canon.join(',');
    let k = productIndex.get(key);
    if (k === undefined) {
      const h = Math.ceil(canon.length / 2);
      const a = refOf(canon.slice(0, h));
      const b = refOf(canon.slice(h));
      k = products.length;
      products.push({ a, b });
      productIndex.set(key, k);
    }
    return { id: symbols + k, t: transposed ? 1 : 0 };
  };
  const faces: FaceNode[] = faceWords.map((w) => {
    if (w.length === 1) return { a: refOf(w), b: null };
    const h = Math.floor(w.length / 2);
    return { a: refOf(w.slice(0, h)), b: refOf(w.slice(h)) };
  });
  const monomials: Monomial[] = [];
  for (let m = 0; m < monoCoef.length; m++) {
    if (monoCoef[m]!.some((c) => c !== 0)) monomials.push({ coef: monoCoef[m]!, faces: monoFaces[m]! });
  }
  const program: MultistepProgram = { L, symbols, products, faces, monomials, pairings };
  programs.set(L, program);
  return program;
}

// ─── The numeric stage ────────────────────────────────────────────────────────────────────────

/**
 * out = op(X)·op(Y) (beta = 0) or out += op(X)·op(Y) (beta = 1) for n×n row-major matrices;
 * op(·) transposes when its flag is 1. Unchecked; `out` must not alias X or Y.
 */
function mulInto(out: Float64Array, X: Float64Array, tX: number, Y: Float64Array, tY: number, n: number, beta: 0 | 1): void {
  if (!(tX && tY)) {
    // The library's blocked gemm covers NN, TN and NT (≈ 3× the loops below at n = 64).
    gemm(view(out, n), view(X, n), view(Y, n), tX ? 'TN' : tY ? 'NT' : 'NN', 1, beta);
    return;
  }
  if (beta === 0) out.fill(0);
  // XᵀYᵀ: out[i][j] += Σ_k X[k][i]·Y[j][k] (gemm has no 'TT'; this case is a minority of the nodes).
  for (let i = 0; i < n; i++) {
    const ro = i * n;
    for (let j = 0; j < n; j++) {
      let s = 0;
      const rj = j * n;
      for (let k = 0; k < n; k++) s += X[k * n + i]! * Y[rj + k]!;
      out[ro + j] += s;
    }
  }
}

/** An n×n Matrix over existing storage (no copy). */
function view(data: Float64Array, n: number): Matrix {
  return { rows: n, cols: n, data };
}

/** tr(op(X)·op(Y)) = Σ_ij op(X)_ij op(Y)_ji. */
function traceProduct(X: Float64Array, tX: number, Y: Float64Array, tY: number, n: number): number {
  let s = 0;
  if (tX === tY) {
    // tr(XY) = Σ X_ij Y_ji; tr(XᵀYᵀ) = tr(YX) likewise.
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += X[i * n + j]! * Y[j * n + i]!;
  } else {
    // tr(XᵀY) = tr(XYᵀ) = Σ X_ij Y_ij.
    for (let k = 0; k < n * n; k++) s += X[k]! * Y[k]!;
  }
  return s;
}

/** out += α·op(Y)ᵀ when (op = transpose flag tY), i.e. out += α·Y (tY = 1) or α·Yᵀ (tY = 0). */
function addTransposedOp(out: Float64Array, alpha: number, Y: Float64Array, tY: number, n: number): void {
  if (tY) for (let k = 0; k < n * n; k++) out[k] += alpha * Y[k]!;
  else for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] += alpha * Y[j * n + i]!;
}

/** Buffers of one evaluation of a compiled program at size n (allocated once per L and size). */
interface ProgramWorkspace {
  readonly n: number;
  /** Values: letters then product nodes, each [n, n] row-major. */
  readonly values: Float64Array[];
  /** Adjoints, same layout. */
  readonly adjoints: Float64Array[];
  /** [F] face traces. */
  readonly traces: Float64Array;
  /** [F] face adjoints ∂R/∂t_f. */
  readonly faceAdj: Float64Array;
}

/** One workspace per L, for the last size n used (a large n must not stay pinned in memory). */
const workspaces = new Map<number, ProgramWorkspace>();

function workspaceFor(program: MultistepProgram, n: number): ProgramWorkspace {
  let w = workspaces.get(program.L);
  if (w === undefined || w.n !== n) {
    const count = program.symbols + program.products.length;
    w = {
      n,
      values: Array.from({ length: count }, () => new Float64Array(n * n)),
      adjoints: Array.from({ length: count }, () => new Float64Array(n * n)),
      traces: new Float64Array(program.faces.length),
      faceAdj: new Float64Array(program.faces.length),
    };
    workspaces.set(program.L, w);
  }
  return w;
}

/**
 * Evaluates Σ_m c_m(1/M)·Π t_f (3.48) for the letters already written into `ws.values[0 … L+1]`
 * (B, Â, G_1 … G_L, each [n, n]). With `gradient`, also writes ∂/∂letter into `ws.adjoints[0 … L+1]`
 * by the reverse sweep of the same program. Allocates nothing.
 */
function evaluateProgram(program: MultistepProgram, M: number, ws: ProgramWorkspace, gradient: boolean): { total: number; magnitude: number } {
  const { n, values, adjoints, traces, faceAdj } = ws;
  const { symbols, products, faces, monomials } = program;
  for (let k = 0; k < products.length; k++) {
    const { a, b } = products[k]!;
    mulInto(values[symbols + k]!, values[a.id]!, a.t, values[b.id]!, b.t, n, 0);
  }
  for (let f = 0; f < faces.length; f++) {
    const { a, b } = faces[f]!;
    if (b === null) {
      const A = values[a.id]!;
      let s = 0;
      for (let i = 0; i < n; i++) s += A[i * n + i]!;
      traces[f] = s;
    } else traces[f] = traceProduct(values[a.id]!, a.t, values[b.id]!, b.t, n);
  }
  const invM = 1 / M;
  let total = 0;
  let magnitude = 0;
  if (gradient) faceAdj.fill(0);
  for (const { coef, faces: ids } of monomials) {
    // c(1/M) by Horner in 1/M.
    let c = 0;
    for (let p = coef.length - 1; p >= 0; p--) c = c * invM + coef[p]!;
    if (c === 0) continue;
    let prod = c;
    for (let i = 0; i < ids.length; i++) prod *= traces[ids[i]!]!;
    total += prod;
    magnitude += Math.abs(prod);
    if (gradient) {
      for (let i = 0; i < ids.length; i++) {
        let others = c;
        for (let j = 0; j < ids.length; j++) if (j !== i) others *= traces[ids[j]!]!;
        faceAdj[ids[i]!] += others;
      }
    }
  }
  if (!gradient) return { total, magnitude };

  for (const g of adjoints) g.fill(0);
  for (let f = 0; f < faces.length; f++) {
    const fa = faceAdj[f]!;
    if (fa === 0) continue;
    const { a, b } = faces[f]!;
    if (b === null) {
      const G = adjoints[a.id]!; // ∂tr(X)/∂X = I (also for Xᵀ)
      for (let i = 0; i < n; i++) G[i * n + i] += fa;
      continue;
    }
    // t = tr(op(A)·op(B)): ∂t/∂op(A) = op(B)ᵀ, so ∂t/∂A = op(B)ᵀ (a.t = 0) or op(B) (a.t = 1).
    addTransposedOp(adjoints[a.id]!, fa, values[b.id]!, b.t ^ a.t, n);
    addTransposedOp(adjoints[b.id]!, fa, values[a.id]!, a.t ^ b.t, n);
  }
  for (let k = products.length - 1; k >= 0; k--) {
    const Nbar = adjoints[symbols + k]!;
    const { a, b } = products[k]!;
    const A = values[a.id]!;
    const B = values[b.id]!;
    // N = op(A)·op(B): d op(A) = N̄·op(B)ᵀ, d op(B) = op(A)ᵀ·N̄, transposed back onto the stored matrix.
    if (a.t === 0) mulInto(adjoints[a.id]!, Nbar, 0, B, 1 - b.t, n, 1);
    else mulInto(adjoints[a.id]!, B, b.t, Nbar, 1, n, 1);
    if (b.t === 0) mulInto(adjoints[b.id]!, A, 1 - a.t, Nbar, 0, n, 1);
    else mulInto(adjoints[b.id]!, Nbar, 1, A, a.t, n, 1);
  }
  return { total, magnitude };
}

/**
 * Unchecked core (math.md (3.44)–(3.48)): R and, when `gradient`, ∂R/∂Γ_l and ∂R/∂β₀ in the
 * original basis. `Gammas` [d, d] each, `beta0` [d]; L = Gammas.length within the supported range.
 */
function multistepCore(problem: Problem, beta0: Float64Array, Gammas: readonly Matrix[], gradient: boolean): GdMultistepRisk {
  const { d, M, V, lambda, sigma2 } = problem;
  const L = Gammas.length;
  const program = compileMultistep(L);
  const sigma = Math.sqrt(sigma2);
  // The noise coordinate (3.44) is needed only when σ² > 0.
  const n = sigma2 > 0 ? d + 1 : d;
  const bytes = 2 * (program.symbols + program.products.length) * n * n * 8;
  if (bytes > GD_MULTISTEP_MAX_WORKSPACE_BYTES) {
    const nMax = Math.floor(Math.sqrt(GD_MULTISTEP_MAX_WORKSPACE_BYTES / (16 * (program.symbols + program.products.length))));
    throw new InputError('d', `is ${d}, but the exact GD-β^L route with L = ${L} needs ${(bytes / 2 ** 20).toFixed(0)} MB of n×n matrices (n = ${n}), over its ${GD_MULTISTEP_MAX_WORKSPACE_BYTES / 2 ** 20} MB cap; it takes n = d${sigma2 > 0 ? ' + 1' : ''} ≤ ${nMax} at this L (Monte Carlo takes any d)`);
  }
  const ws = workspaceFor(program, n);
  const sl = Float64Array.from(lambda, Math.sqrt); // Λ^{1/2}
  const tmp: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  const rot: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };

  // B = diag(I_d, 0): the loss weight after whitening (3.45).
  const Bv = ws.values[SYM_B]!;
  Bv.fill(0);
  for (let i = 0; i < d; i++) Bv[i * n + i] = 1;
  // ẽ = Vᵀ(β₀ − β*), Â = D·E[ẽ₀ẽ₀ᵀ]·D with ẽ₀ = (ẽ + ξ̃; −σ), D = diag(Λ^{1/2}, 1) (3.45).
  const e = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += V.data[k * d + i]! * (beta0[k]! - problem.betaStar[k]!);
    e[i] = s;
  }
  const Av = ws.values[SYM_A]!;
  const Psi = problem.PsiEig.data;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) Av[i * n + j] = sl[i]! * (e[i]! * e[j]! + Psi[i * d + j]!) * sl[j]!;
  }
  if (n > d) {
    for (let i = 0; i < d; i++) {
      Av[i * n + d] = -sigma * sl[i]! * e[i]!;
      Av[d * n + i] = -sigma * sl[i]! * e[i]!;
    }
    Av[d * n + d] = sigma2;
  }
  // G_l = diag(Λ^{1/2}Γ̃_lΛ^{1/2}, 0), Γ̃_l = VᵀΓ_lV (3.45).
  for (let l = 1; l <= L; l++) {
    gemm(tmp, Gammas[l - 1]!, V);
    gemm(rot, V, tmp, 'TN');
    const Gv = ws.values[symG(l)]!;
    Gv.fill(0);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Gv[i * n + j] = sl[i]! * rot.data[i * d + j]! * sl[j]!;
  }

  const { total, magnitude } = evaluateProgram(program, M, ws, gradient);
  const risk = sigma2 + total;
  const termScale = sigma2 + magnitude;
  const gradGammas: Matrix[] = [];
  const gradBeta0 = new Float64Array(d);
  if (!gradient) return { risk, termScale, gradGammas, gradBeta0 };

  for (let l = 1; l <= L; l++) {
    // ∂R/∂Γ̃_l = Λ^{1/2}·Ḡ_l[1:d, 1:d]·Λ^{1/2}; ∂R/∂Γ_l = V·(∂R/∂Γ̃_l)·Vᵀ.
    const Gbar = ws.adjoints[symG(l)]!;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) rot.data[i * d + j] = sl[i]! * Gbar[i * n + j]! * sl[j]!;
    gemm(tmp, rot, V, 'NT');
    const out: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
    gemm(out, V, tmp);
    gradGammas.push(out);
  }
  // ∂R/∂ẽ = D(Ā₁₁ + Ā₁₁ᵀ)Dẽ − σD(Ā_{:d,n} + Ā_{n,:d}); ∂R/∂β₀ = V·∂R/∂ẽ.
  const Abar = ws.adjoints[SYM_A]!;
  const ge = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (Abar[i * n + j]! + Abar[j * n + i]!) * sl[j]! * e[j]!;
    s *= sl[i]!;
    if (n > d) s -= sigma * sl[i]! * (Abar[i * n + d]! + Abar[d * n + i]!);
    ge[i] = s;
  }
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += V.data[i * d + k]! * ge[k]!;
    gradBeta0[i] = s;
  }
  return { risk, termScale, gradGammas, gradBeta0 };
}

function checkEstimator(problem: Problem, est: GdMultistep, maxSteps: number = GD_MULTISTEP_MAX_STEPS): void {
  const d = problem.d;
  if (est.beta0.length !== d) throw new InputError('beta0', `must have length d = ${d}, got ${est.beta0.length}`);
  for (let k = 0; k < d; k++) if (!Number.isFinite(est.beta0[k])) throw new InputError(`beta0[${k}]`, `must be finite, got ${est.beta0[k]}`);
  const L = est.Gammas.length;
  if (L < 1 || L > maxSteps) {
    throw new InputError('Gammas', `has L = ${L} steps; the exact GD-β^L risk supports 1 ≤ L ≤ ${GD_MULTISTEP_MAX_STEPS} for arbitrary Γ_l, and L ≤ ${GD_MULTISTEP_COMMUTING_MAX_STEPS} when every Γ_l = c_l·H⁻¹ (math.md §3.6; Monte Carlo through the explicit recursion takes any L)`);
  }
  est.Gammas.forEach((G, l) => {
    if (G.rows !== d || G.cols !== d) throw new InputError(`Gammas[${l}]`, `must be [d, d] = [${d}, ${d}], got [${G.rows}, ${G.cols}]`);
    for (let k = 0; k < d * d; k++) {
      if (!Number.isFinite(G.data[k])) throw new InputError(`Gammas[${l}][${Math.floor(k / d)}][${k % d}]`, `must be finite, got ${G.data[k]}`);
    }
  });
}

/**
 * Exact ICL risk of GD-β^L (math.md (3.48)) with ∂R/∂Γ_l ([d, d] each) and ∂R/∂β₀ ([d]), for any
 * H, Ψ (PSD, possibly singular), β*, σ² and arbitrary (non-symmetric) Γ_l, L ≤ 3. Cost: see the
 * module comment (≈ 3·241 products of (d+1)×(d+1) matrices at L = 3).
 * @throws {@link InputError} naming the field for shapes, non-finite weights, or L > 3 (the message
 *   gives the limit); {@link NumericalError} when the risk or the gradient overflows.
 */
export function riskGdMultistep(problem: Problem, est: GdMultistep): GdMultistepRisk {
  checkEstimator(problem, est);
  const r = multistepCore(problem, est.beta0, est.Gammas, true);
  const hint = `rescale the problem (E[y²] = ${problem.labelSecondMoment.toExponential(3)}) or the step sizes Γ_l`;
  requireFinite(r.risk, 'risk(gd-multistep)', 'the risk', hint);
  for (const G of r.gradGammas) for (let k = 0; k < G.data.length; k++) requireFinite(G.data[k]!, 'risk(gd-multistep)', 'the gradient ∂R/∂Γ_l', hint);
  for (let k = 0; k < r.gradBeta0.length; k++) requireFinite(r.gradBeta0[k]!, 'risk(gd-multistep)', 'the gradient ∂R/∂β₀', hint);
  return r;
}

/** The risk alone (no reverse sweep): about a third of the cost of {@link riskGdMultistep}. Same contract. */
export function riskGdMultistepValue(problem: Problem, est: GdMultistep): number {
  checkEstimator(problem, est);
  const r = multistepCore(problem, est.beta0, est.Gammas, false).risk;
  return requireFinite(r, 'risk(gd-multistep)', 'the risk', `rescale the problem (E[y²] = ${problem.labelSecondMoment.toExponential(3)}) or the step sizes Γ_l`);
}

// ─── The route for whitened-isotropic steps, Γ_l = c_l·H⁻¹, any L ≤ 8 ───────────────────────────

/** Largest L of {@link riskGdMultistepCommuting} (its moments need degree 2L partitions). */
export const GD_MULTISTEP_COMMUTING_MAX_STEPS = 8;
/**
 * Relative tolerance of the structure test of {@link riskGdMultistepCommuting}:
 * Γ_l is read as c_l·H⁻¹ when ‖HΓ_l − c_l·I‖_F ≤ COMMUTING_RTOL·‖HΓ_l‖_F (c_l = tr(HΓ_l)/d). The
 * risk then moves by at most about COMMUTING_RTOL relative, far below every other error here.
 */
export const COMMUTING_RTOL = 1e-10;

/**
 * Multi-trace moments of the white real Wishart matrix W = ZᵀZ/M (Z [M, n] i.i.d. N(0, 1)):
 * E[Π_i tr(W^{λ_i})] for every partition λ of degree ≤ K, by Stein's identity (math.md (3.52)):
 *
 *   E[tr W^k·F] = E[tr W^{k−1}·F] + (1/M)·Σ_{p=0}^{k−2} E[(tr W^p·tr W^{k−1−p} + tr W^{k−1})·F]
 *                + (2/M)·Σ_i λ_i·E[tr W^{k−1+λ_i}·F/tr W^{λ_i}],      F = Π_i tr W^{λ_i},  tr W⁰ = n.
 *
 * Every term is non-negative (no cancellation). Memoised on the sorted partition; at K = 16 a few
 * hundred partitions. Returns a lookup `moment(parts)`.
 */
export function wishartTraceMoments(n: number, M: number): (parts: readonly number[]) => number {
  const memo = new Map<string, number>();
  const moment = (parts: readonly number[]): number => {
    // tr W⁰ = n: zero parts become factors n.
    let factor = 1;
    const nz: number[] = [];
    for (const p of parts) if (p === 0) factor *= n; else nz.push(p);
    if (nz.length === 0) return factor;
    nz.sort((a, b) => b - a);
    const key = nz.join(',');
    let v = memo.get(key);
    if (v === undefined) {
      const [k, ...rest] = nz as [number, ...number[]];
      v = moment([k - 1, ...rest]);
      let s = 0;
      for (let p = 0; p <= k - 2; p++) s += moment([p, k - 1 - p, ...rest]) + moment([k - 1, ...rest]);
      for (let i = 0; i < rest.length; i++) {
        const others = rest.filter((_, j) => j !== i);
        s += 2 * rest[i]! * moment([k - 1 + rest[i]!, ...others]);
      }
      v += s / M;
      memo.set(key, v);
    }
    return factor * v;
  };
  return moment;
}

/** Coefficients of a·b (polynomials in w, index = degree). */
function polyMul(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(a.length + b.length - 1).fill(0);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i + j] += a[i]! * b[j]!;
  return out;
}

/** Π_{l ∈ [from, to)} (1 − c_l w). */
function stepProduct(c: readonly number[], from: number, to: number): number[] {
  let q = [1];
  for (let l = from; l < to; l++) q = polyMul(q, [1, -c[l]!]);
  return q;
}

/** Reads c_l with Γ_l = c_l·H⁻¹ (HΓ_l = c_l·I within {@link COMMUTING_RTOL}), else a typed error naming Gammas[l]. */
function commutingSteps(problem: Problem, est: GdMultistep): number[] {
  const { d, H } = problem;
  const Y: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  return est.Gammas.map((G, l) => {
    gemm(Y, H, G);
    let tr = 0;
    let norm2 = 0;
    for (let i = 0; i < d; i++) tr += Y.data[i * d + i]!;
    const c = tr / d;
    let off2 = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const y = Y.data[i * d + j]!;
        norm2 += y * y;
        off2 += (y - (i === j ? c : 0)) ** 2;
      }
    }
    const rel = norm2 > 0 ? Math.sqrt(off2 / norm2) : 0;
    if (!(rel <= COMMUTING_RTOL)) {
      throw new InputError(
        `Gammas[${l}]`,
        `is not a multiple of H⁻¹ (‖HΓ − cI‖_F/‖HΓ‖_F = ${rel.toExponential(2)} > ${COMMUTING_RTOL}): GD-β^L with L = ${est.Gammas.length} steps is exact for arbitrary Γ_l only when L ≤ ${GD_MULTISTEP_MAX_STEPS}, and for L ≤ ${GD_MULTISTEP_COMMUTING_MAX_STEPS} when every Γ_l = c_l·H⁻¹ (math.md §3.6); Monte Carlo takes any Γ_l`,
      );
    }
    return c;
  });
}

/**
 * Exact ICL risk of GD-β^L when every step is Γ_l = c_l·H⁻¹ (whitened, the steps are c_l·I, so every
 * matrix is a polynomial in W and only multi-trace Wishart moments enter), any L ≤ 8, with the full
 * gradient ∂R/∂Γ_l ([d, d], in every direction, not only along H⁻¹) and ∂R/∂β₀ (math.md (3.50)–(3.54)).
 * H, Ψ (PSD, any: it need not commute with H), β*, σ² are general. Cost O(L²·16 + d²) plus one d×d
 * product per step for the structure test. The structure is detected with {@link COMMUTING_RTOL}.
 *
 * Why not every polynomial in H: with Γ_l = p_l(H) the whitened steps are diagonal but not scalar,
 * and E tr(D₁W D₂W ⋯) then depends on the joint law of W's entries, not on its spectrum alone
 * (math.md §3.6); those estimators are covered by {@link riskGdMultistep} for L ≤ 3.
 * @throws {@link InputError} naming `Gammas[l]` when a step is not c_l·H⁻¹ or L > 8 (the messages
 *   give the limits), or for shapes and non-finite weights; {@link NumericalError} on overflow.
 */
export function riskGdMultistepCommuting(problem: Problem, est: GdMultistep): GdMultistepRisk {
  const { d, M, H, sigma2 } = problem;
  const L = est.Gammas.length;
  if (L > GD_MULTISTEP_COMMUTING_MAX_STEPS) {
    throw new InputError('Gammas', `has L = ${L} steps; the exact GD-β^L risk supports L ≤ ${GD_MULTISTEP_COMMUTING_MAX_STEPS} for steps Γ_l = c_l·H⁻¹ and L ≤ ${GD_MULTISTEP_MAX_STEPS} for arbitrary Γ_l (math.md §3.6); Monte Carlo takes any L`);
  }
  checkEstimator(problem, est, GD_MULTISTEP_COMMUTING_MAX_STEPS);
  const c = commutingSteps(problem, est);
  const moment = wishartTraceMoments(d, M);
  const mu = (k: number): number => moment([k]) / d; // μ_k = E tr(W^k)/n, E[W^k] = μ_k·I
  // e = β₀ − β*, A = eeᵀ + Ψ, t_A = tr(HA) = tr(Â) (3.51).
  const e = new Float64Array(d);
  for (let i = 0; i < d; i++) e[i] = est.beta0[i]! - problem.betaStar[i]!;
  const He = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += H.data[i * d + k]! * e[k]!;
    He[i] = s;
  }
  let tA = problem.t1;
  for (let i = 0; i < d; i++) tA += e[i]! * He[i]!;

  const q = stepProduct(c, 0, L);
  const q2 = polyMul(q, q);
  // r(w) = Σ_l c_l Π_{j>l}(1 − c_j w): the noise's gain (3.51).
  let r = [0];
  for (let l = 0; l < L; l++) {
    const term = polyMul([c[l]!], stepProduct(c, l + 1, L));
    r = r.length >= term.length ? r.map((x, i) => x + (term[i] ?? 0)) : term.map((x, i) => x + (r[i] ?? 0));
  }
  const r2 = polyMul(r, r);
  let signal = 0;
  let signalMag = 0;
  for (let k = 0; k < q2.length; k++) {
    signal += q2[k]! * mu(k);
    signalMag += Math.abs(q2[k]! * mu(k));
  }
  let noise = 0;
  let noiseMag = 0;
  for (let k = 0; k < r2.length; k++) {
    noise += r2[k]! * mu(k + 1);
    noiseMag += Math.abs(r2[k]! * mu(k + 1));
  }
  const noiseScale = (sigma2 * d) / M;
  const risk = sigma2 + tA * signal + noiseScale * noise;
  const termScale = sigma2 + tA * signalMag + noiseScale * noiseMag;

  // ∂R/∂β₀ = 2·Σ_k (q²)_k μ_k·H(β₀ − β*).
  const gradBeta0 = Float64Array.from(He, (x) => 2 * signal * x);
  // E[W^a Â W^b] = α_ab·Â + β_ab·tr(Â)·I with α + nβ = μ_{a+b}, α + β = (E[trW^a trW^b] + 2E trW^{a+b})/(n(n+2)) (3.53).
  const alphaBeta = (a: number, b: number): [number, number] => {
    const total = mu(a + b);
    if (d === 1) return [total, 0];
    const diag = (moment([a, b]) + 2 * moment([a + b])) / (d * (d + 2));
    const beta = (total - diag) / (d - 1);
    return [diag - beta, beta];
  };
  // HAH = He·Heᵀ + HΨH (original basis; Â ↦ HAH and I ↦ H when rotating back, (3.54)).
  const HPsiH: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  const tmp: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
  gemm(tmp, problem.Psi, H);
  gemm(HPsiH, H, tmp);
  const gradGammas: Matrix[] = [];
  for (let l = 0; l < L; l++) {
    const f = polyMul(stepProduct(c, l + 1, L), q); // q_{>l}·q
    const g = polyMul(stepProduct(c, 0, l), [0, 1]); // q_{<l}·w
    let coefA = 0;
    let coefI = 0;
    for (let a = 0; a < f.length; a++) {
      for (let b = 0; b < g.length; b++) {
        if (f[a] === 0 || g[b] === 0) continue;
        const [al, be] = alphaBeta(a, b);
        coefA += f[a]! * g[b]! * al;
        coefI += f[a]! * g[b]! * be * tA;
      }
    }
    // Noise: 2σ²/M·E[q_{<l}(W)·W·r(W)·q_{>l}(W)] = 2σ²/M·Σ_k h_k μ_k·I.
    const h = polyMul(polyMul(g, r), stepProduct(c, l + 1, L));
    let noiseI = 0;
    for (let k = 0; k < h.length; k++) noiseI += h[k]! * mu(k);
    const out: Matrix = { rows: d, cols: d, data: new Float64Array(d * d) };
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const HAH = He[i]! * He[j]! + HPsiH.data[i * d + j]!;
        out.data[i * d + j] = -2 * coefA * HAH + (-2 * coefI + (2 * sigma2 / M) * noiseI) * H.data[i * d + j]!;
      }
    }
    gradGammas.push(out);
  }
  const hint = `rescale the problem (E[y²] = ${problem.labelSecondMoment.toExponential(3)}) or the step sizes c_l`;
  requireFinite(risk, 'risk(gd-multistep)', 'the risk', hint);
  for (const G of gradGammas) for (let k = 0; k < G.data.length; k++) requireFinite(G.data[k]!, 'risk(gd-multistep)', 'the gradient ∂R/∂Γ_l', hint);
  return { risk, termScale, gradGammas, gradBeta0 };
}
