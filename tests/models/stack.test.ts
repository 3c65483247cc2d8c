/**
 * The stacked linear transformer (src/models/stack.ts): its forward pass against an independent
 * transliteration of the definition and against the one-layer forward passes, the GD-β^L
 * construction against the GD-β^L recursion written out here, the sign sensitivity of that check,
 * the workspace contract, and the JSON form with its field-naming errors.
 *
 * Sizes and seeds are separate fast-check parameters; every failure message carries the seed
 * (replay a fast-check run with FC_SEED / FC_PATH, see tests/helpers/arbitraries.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, type Matrix } from '../../src/linalg/index.js';
import {
  EstimatorError, allocStackWorkspace, forwardStack, ltbFromGdBeta, parseStack, predict, predictLsa, predictLtb, predictStack,
  samplePrompt, stackDim, stackFromGdMultistep, stackToJSON, type Lsa, type Ltb, type Prompt, type Stack, type StackLayer,
  type StackSignFlip,
} from '../../src/models/index.js';
import { InputError } from '../../src/errors.js';
import { itProp, propertyParams, seedArb, sizeArb } from '../helpers/arbitraries.js';
import { randomLsa, randomLtb, randomMatrix, randomProblem, randomVector, toRows } from '../helpers/problems.js';
import { EPS } from '../helpers/tolerance.js';

/**
 * Per-operation constant of the forward-error bounds below: |computed − exact| ≤
 * STACK_PER_OP·L·(d+1)·(M+1)·EPS·(the same computation in absolute values). Each layer performs
 * sums of ≤ (d+1)(M+1) products per entry; the factor leaves room for the different summation
 * orders of the two routes.
 */
const STACK_PER_OP = 4;

function bound(L: number, d: number, M: number, magnitude: number): number {
  return STACK_PER_OP * L * (d + 1) * (M + 1) * EPS * magnitude + 1e-300;
}

/**
 * GD-β^L written out (the independent reference): b₀ = β₀, b_l = b_{l−1} + Γ_l·Xᵀ(y − X b_{l−1})/M,
 * prediction xᵀb_L. Also returns every iterate, the residuals r = y − X b_L, and the magnitude of
 * the computation (the same recursion in absolute values, ending in |x|ᵀ|b|_L) for the error bound.
 */
function gdMultistep(beta0: Float64Array, Gammas: readonly Matrix[], p: Prompt): { pred: number; iterates: Float64Array[]; r: Float64Array; mag: number; magIterates: number[] } {
  const d = beta0.length;
  const M = p.X.rows;
  let b = Float64Array.from(beta0);
  let B = beta0.map(Math.abs); // |b| bound
  const iterates = [b];
  const predAt = (v: Float64Array): number => v.reduce((acc, vi, i) => acc + p.x[i]! * vi, 0);
  const magAt = (v: Float64Array): number => v.reduce((acc, vi, i) => acc + Math.abs(p.x[i]!) * vi, 0);
  const magIterates = [magAt(B)];
  for (const G of Gammas) {
    const g = new Float64Array(d);
    const gAbs = new Float64Array(d);
    for (let i = 0; i < M; i++) {
      let res = p.y[i]!;
      let resAbs = Math.abs(p.y[i]!);
      for (let k = 0; k < d; k++) {
        res -= p.X.data[i * d + k]! * b[k]!;
        resAbs += Math.abs(p.X.data[i * d + k]!) * B[k]!;
      }
      for (let k = 0; k < d; k++) {
        g[k] += (p.X.data[i * d + k]! * res) / M;
        gAbs[k] += (Math.abs(p.X.data[i * d + k]!) * resAbs) / M;
      }
    }
    const next = new Float64Array(d);
    const nextAbs = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = b[i]!;
      let sAbs = B[i]!;
      for (let k = 0; k < d; k++) {
        s += G.data[i * d + k]! * g[k]!;
        sAbs += Math.abs(G.data[i * d + k]!) * gAbs[k]!;
      }
      next[i] = s;
      nextAbs[i] = sAbs;
    }
    b = next;
    B = nextAbs;
    iterates.push(b);
    magIterates.push(magAt(B));
  }
  const r = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    let res = p.y[i]!;
    for (let k = 0; k < d; k++) res -= p.X.data[i * d + k]! * b[k]!;
    r[i] = res;
  }
  return { pred: predAt(b), iterates, r, mag: magIterates[magIterates.length - 1]!, magIterates };
}

/**
 * The stacked forward pass transliterated from its definition, with number[][] and naive products
 * in the written order: E ← E + ((W^{PV}·(E𝕄Eᵀ))·W^{KQ})·E/M, then E ← E + W₂ᵀ(W₁E) for an LTB.
 * Independent of the library's one-matrix-per-layer route. Returns the output and its magnitude
 * (the same computation in absolute values).
 */
function naiveStack(layers: readonly StackLayer[], p: Prompt, masked: boolean): { E: number[][]; Eabs: number[][] } {
  const d = p.X.cols;
  const M = p.X.rows;
  const col = (j: number): number[] => (j < M ? [...Array.from(p.X.data.subarray(j * d, (j + 1) * d)), p.y[j]!] : [...p.x, 0]);
  let E = Array.from({ length: d + 1 }, (_, r) => Array.from({ length: M + 1 }, (_, j) => col(j)[r]!));
  let Eabs = E.map((row) => row.map(Math.abs));
  const mul = (A: number[][], B: number[][]): number[][] =>
    A.map((row) => B[0]!.map((_, j) => row.reduce((acc, a, k) => acc + a * B[k]![j]!, 0)));
  const abs = (A: number[][]): number[][] => A.map((row) => row.map(Math.abs));
  const T = (A: number[][]): number[][] => A[0]!.map((_, j) => A.map((row) => row[j]!));
  const add = (A: number[][], B: number[][], s = 1): number[][] => A.map((row, i) => row.map((a, j) => a + s * B[i]![j]!));
  const mask = (A: number[][]): number[][] => A.map((row) => row.map((a, j) => (masked && j === M ? 0 : a)));
  for (const layer of layers) {
    const [KQ, PV] = [toRows(layer.WKQ), toRows(layer.WPV)];
    const U = mul(mul(mul(PV, mul(mask(E), T(E))), KQ), E);
    const Uabs = mul(mul(mul(abs(PV), mul(mask(Eabs), T(Eabs))), abs(KQ)), Eabs);
    E = add(E, U, 1 / M);
    Eabs = add(Eabs, Uabs, 1 / M);
    if (layer.kind === 'ltb') {
      const [W1, W2] = [toRows(layer.W1), toRows(layer.W2)];
      const V = mul(T(W2), mul(W1, E));
      const Vabs = mul(abs(T(W2)), mul(abs(W1), Eabs));
      E = add(E, V);
      Eabs = add(Eabs, Vabs);
    }
  }
  return { E, Eabs };
}

function randomGammas(rng: Rng, d: number, L: number, scale: number): Matrix[] {
  return Array.from({ length: L }, () => randomMatrix(rng, d, d, scale));
}

/** A deep copy of a stack with one weight entry replaced (the sign-sensitivity checks). */
function mutate(stack: Stack, layer: number, field: 'WKQ' | 'WPV' | 'W1' | 'W2', index: number, value: (old: number) => number): Stack {
  const layers = stack.layers.map((l) => structuredClone(l)) as StackLayer[];
  const target = layers[layer] as Ltb;
  target[field].data[index] = value(target[field].data[index]!);
  return { kind: 'stack', layers };
}

const L_ARB = fc.integer({ min: 1, max: 4 });
const D_ARB = sizeArb(1, 6);
const M_ARB = sizeArb(1, 10);
const FLIP_ARB = fc.constantFrom<StackSignFlip>('first', 'last');

describe('stackFromGdMultistep computes GD-β^L (docs/math.md §2.5)', () => {
  itProp([L_ARB, D_ARB, M_ARB, FLIP_ARB, seedArb], propertyParams(150))(
    'the stack predicts the GD-β^L recursion on sampled prompts, to L·(d+1)·(M+1)·ε·magnitude',
    (L, d, M, signFlip, seed) => {
      const rng = new Rng(seed);
      const problem = randomProblem(rng, d, M, { betaScale: 2 });
      const beta0 = randomVector(rng, d, 1.5);
      const Gammas = randomGammas(rng, d, L, 0.8 / Math.sqrt(d));
      const stack = stackFromGdMultistep({ beta0, Gammas }, { signFlip });
      expect(stack.layers.length).toBe(L);
      for (let k = 0; k < 4; k++) {
        const prompt = samplePrompt(problem, rng);
        const ref = gdMultistep(beta0, Gammas, prompt);
        const got = predictStack(stack, prompt, true);
        const tol = bound(L, d, M, ref.mag);
        expect(Math.abs(got - ref.pred), `seed ${seed}, L ${L}, d ${d}, M ${M}, ${signFlip}: stack ${got} vs GD-β^L ${ref.pred} (bound ${tol})`).toBeLessThanOrEqual(tol);
      }
    },
  );

  itProp([L_ARB, D_ARB, M_ARB, seedArb], propertyParams(80))(
    "the output embedding: x-rows untouched (bit for bit), context labels x_jᵀb_L − y_j, query label xᵀb_L",
    (L, d, M, seed) => {
      const rng = new Rng(seed);
      const prompt = samplePrompt(randomProblem(rng, d, M), rng);
      const beta0 = randomVector(rng, d);
      const Gammas = randomGammas(rng, d, L, 0.8 / Math.sqrt(d));
      const ref = gdMultistep(beta0, Gammas, prompt);
      for (const signFlip of ['first', 'last'] as const) {
        const E = forwardStack(stackFromGdMultistep({ beta0, Gammas }, { signFlip }), prompt, true);
        const cols = M + 1;
        for (let i = 0; i < d; i++) {
          for (let j = 0; j < M; j++) expect(Object.is(E.data[i * cols + j], prompt.X.data[j * d + i]), `seed ${seed}`).toBe(true);
          expect(Object.is(E.data[i * cols + M], prompt.x[i]), `seed ${seed}`).toBe(true);
        }
        for (let j = 0; j < M; j++) {
          let mag = Math.abs(prompt.y[j]!);
          for (let k = 0; k < d; k++) mag += Math.abs(prompt.X.data[j * d + k]!) * (Math.abs(ref.iterates[L]![k]!) + 1);
          const tol = bound(L, d, M, mag * (1 + ref.mag));
          expect(Math.abs(E.data[d * cols + j]! + ref.r[j]!), `seed ${seed}, ${signFlip}, column ${j}`).toBeLessThanOrEqual(tol);
        }
        expect(Math.abs(E.data[d * cols + M]! - ref.pred), `seed ${seed}, ${signFlip}`).toBeLessThanOrEqual(bound(L, d, M, ref.mag));
      }
    },
  );

  itProp([L_ARB, D_ARB, M_ARB, seedArb], propertyParams(60))(
    "signFlip 'first': every prefix of l layers computes GD-β^l",
    (L, d, M, seed) => {
      const rng = new Rng(seed);
      const prompt = samplePrompt(randomProblem(rng, d, M), rng);
      const beta0 = randomVector(rng, d);
      const Gammas = randomGammas(rng, d, L, 0.8 / Math.sqrt(d));
      const stack = stackFromGdMultistep({ beta0, Gammas });
      const ref = gdMultistep(beta0, Gammas, prompt);
      for (let l = 1; l <= L; l++) {
        const got = predictStack({ kind: 'stack', layers: stack.layers.slice(0, l) }, prompt);
        const want = ref.iterates[l]!.reduce((acc, bi, i) => acc + prompt.x[i]! * bi, 0);
        expect(Math.abs(got - want), `seed ${seed}, prefix ${l}`).toBeLessThanOrEqual(bound(l, d, M, ref.magIterates[l]!));
      }
    },
  );

  it("the layer kinds: 'first' is one LTB then LSAs; 'last' is LTB, LSAs, LTB; both coincide at L = 1", () => {
    const rng = new Rng(11);
    const g = { beta0: randomVector(rng, 3), Gammas: randomGammas(rng, 3, 4, 0.5) };
    expect(stackFromGdMultistep(g).layers.map((l) => l.kind)).toEqual(['ltb', 'lsa', 'lsa', 'lsa']);
    expect(stackFromGdMultistep(g, { signFlip: 'last' }).layers.map((l) => l.kind)).toEqual(['ltb', 'lsa', 'lsa', 'ltb']);
    const one = { beta0: g.beta0, Gammas: g.Gammas.slice(0, 1) };
    expect(stackToJSON(stackFromGdMultistep(one, { signFlip: 'last' }))).toEqual(stackToJSON(stackFromGdMultistep(one)));
  });

  it('β₀ = 0 (GD-0^L) still needs the flip: with the MLP removed the stack predicts −xᵀb_L', () => {
    const rng = new Rng(5);
    const d = 3;
    const M = 8;
    const problem = randomProblem(rng, d, M);
    const beta0 = new Float64Array(d);
    const Gammas = randomGammas(rng, d, 3, 0.5);
    const stack = stackFromGdMultistep({ beta0, Gammas });
    const noFlip: Stack = { kind: 'stack', layers: stack.layers.map((l) => ({ kind: 'lsa', WKQ: l.WKQ, WPV: l.WPV }) as Lsa) };
    for (let k = 0; k < 5; k++) {
      const prompt = samplePrompt(problem, rng);
      const ref = gdMultistep(beta0, Gammas, prompt);
      const tol = bound(3, d, M, ref.mag);
      expect(Math.abs(predictStack(stack, prompt) - ref.pred)).toBeLessThanOrEqual(tol);
      expect(Math.abs(predictStack(noFlip, prompt) + ref.pred)).toBeLessThanOrEqual(tol);
    }
  });

  itProp([D_ARB, M_ARB, seedArb], propertyParams(40))(
    'the pure-LSA exception: two label-slot LSA layers with steps γ(1 ± √2) compute GD-0² with Γ₁ = Γ₂ = γI',
    (d, M, seed) => {
      const rng = new Rng(seed);
      const prompt = samplePrompt(randomProblem(rng, d, M), rng);
      const gamma = 0.2 + 0.6 * rng.uniform();
      const n = d + 1;
      const layer = (b: number): Lsa => {
        const WKQ = { rows: n, cols: n, data: new Float64Array(n * n) };
        for (let i = 0; i < d; i++) WKQ.data[i * n + i] = b;
        const WPV = { rows: n, cols: n, data: new Float64Array(n * n) };
        WPV.data[n * n - 1] = 1; // +e_{d+1}e_{d+1}ᵀ: no residual sign, b₁b₂ = −γ² does the flipping
        return { kind: 'lsa', WKQ, WPV };
      };
      const stack: Stack = { kind: 'stack', layers: [layer(gamma * (1 + Math.SQRT2)), layer(gamma * (1 - Math.SQRT2))] };
      const I = { rows: d, cols: d, data: new Float64Array(d * d).map((_, k) => (k % (d + 1) === 0 ? gamma : 0)) };
      const ref = gdMultistep(new Float64Array(d), [I, I], prompt);
      // The layer steps are (1 + √2) ≈ 2.4 times γ: the magnitudes of the stack's terms are up to 2.4² of GD's.
      expect(Math.abs(predictStack(stack, prompt) - ref.pred), `seed ${seed}`).toBeLessThanOrEqual(6 * bound(2, d, M, ref.mag));
    },
  );

  describe('one wrong sign in the construction is caught', () => {
    // Each mutation changes one entry of the construction; the check above must then fail by far
    // more than its bound on every tried prompt (so the property test can fail).
    const d = 3;
    const M = 7;
    const n = d + 1;
    const L = 3;
    const rng = new Rng(2024);
    const problem = randomProblem(rng, d, M, { betaScale: 2 });
    const beta0 = randomVector(rng, d, 1.5);
    const Gammas = randomGammas(rng, d, L, 0.5);
    const prompts = Array.from({ length: 6 }, () => samplePrompt(problem, rng));
    const cases: [string, StackSignFlip, (s: Stack) => Stack][] = [
      ['layer 1 MLP does not flip (W₁[d+1] = 0)', 'first', (s) => mutate(s, 0, 'W1', d, () => 0)],
      ['layer 1 MLP adds −β₀ᵀx instead of +β₀ᵀx', 'first', (s) => mutate(s, 0, 'W1', 0, (v) => -v)],
      ['layer 1 value row −β₀ᵀ instead of +β₀ᵀ', 'first', (s) => mutate(s, 0, 'WPV', d * n, (v) => -v)],
      ['layer 1 value label weight +1 instead of −1', 'first', (s) => mutate(s, 0, 'WPV', d * n + d, () => 1)],
      ['layer 2 value label weight +1 instead of −1', 'first', (s) => mutate(s, 1, 'WPV', d * n + d, () => 1)],
      ['layer 3 key–query −Γ₃ᵀ', 'first', (s) => ({ kind: 'stack', layers: s.layers.map((l, i) => (i === 2 ? { ...l, WKQ: { ...l.WKQ, data: l.WKQ.data.map((v) => -v) } } : l)) })],
      ["'last': the last MLP does not flip", 'last', (s) => mutate(s, L - 1, 'W1', d, () => 0)],
      ["'last': layer 1 MLP adds +β₀ᵀx instead of −β₀ᵀx", 'last', (s) => mutate(s, 0, 'W1', 0, (v) => -v)],
    ];
    it.each(cases)('%s', (_name, signFlip, breakIt) => {
      const good = stackFromGdMultistep({ beta0, Gammas }, { signFlip });
      const bad = breakIt(good);
      for (const prompt of prompts) {
        const ref = gdMultistep(beta0, Gammas, prompt);
        const tol = bound(L, d, M, ref.mag);
        expect(Math.abs(predictStack(good, prompt) - ref.pred)).toBeLessThanOrEqual(tol);
        expect(Math.abs(predictStack(bad, prompt) - ref.pred)).toBeGreaterThan(1e6 * tol);
      }
    });
  });
});

describe('the stacked forward pass (docs/math.md §2.1 conventions, every column updated)', () => {
  itProp([L_ARB, D_ARB, M_ARB, fc.boolean(), seedArb], propertyParams(100))(
    'random mixed LSA/LTB stacks equal the definition transliterated (both masks)',
    (L, d, M, masked, seed) => {
      const rng = new Rng(seed);
      const prompt = samplePrompt(randomProblem(rng, d, M), rng);
      const layers: StackLayer[] = Array.from({ length: L }, () =>
        rng.uniform() < 0.5 ? randomLsa(rng, d, 0.4) : randomLtb(rng, d, 1 + Math.floor(3 * rng.uniform()), 0.4));
      const stack: Stack = { kind: 'stack', layers };
      const { E: want, Eabs } = naiveStack(layers, prompt, masked);
      const E = forwardStack(stack, prompt, masked);
      for (let r = 0; r <= d; r++) {
        for (let j = 0; j <= M; j++) {
          const tol = bound(L, d, M, Eabs[r]![j]!);
          expect(Math.abs(E.data[r * (M + 1) + j]! - want[r]![j]!), `seed ${seed}, masked ${masked}, entry [${r}, ${j}]`).toBeLessThanOrEqual(tol);
        }
      }
      expect(predictStack(stack, prompt, masked)).toBe(E.data[d * (M + 1) + M]);
    },
  );

  itProp([D_ARB, M_ARB, fc.boolean(), seedArb], propertyParams(100))(
    'a one-layer stack of an LSA equals predictLsa; of an LTB, predictLtb (both masks)',
    (d, M, masked, seed) => {
      const rng = new Rng(seed);
      const prompt = samplePrompt(randomProblem(rng, d, M), rng);
      const lsa = randomLsa(rng, d, 0.6);
      const ltb = randomLtb(rng, d, 1 + Math.floor(3 * rng.uniform()), 0.6);
      for (const [layer, one] of [[lsa, predictLsa(lsa, prompt, masked)], [ltb, predictLtb(ltb, prompt, masked)]] as const) {
        const { Eabs } = naiveStack([layer], prompt, masked);
        const tol = bound(1, d, M, Eabs[d]![M]!);
        expect(Math.abs(predictStack({ kind: 'stack', layers: [layer] }, prompt, masked) - one), `seed ${seed}, ${layer.kind}`).toBeLessThanOrEqual(tol);
      }
    },
  );

  itProp([D_ARB, M_ARB, seedArb], propertyParams(80))(
    'L = 1: stackFromGdMultistep predicts what the one-layer LTB ltbFromGdBeta predicts (different raw weights, same function)',
    (d, M, seed) => {
      const rng = new Rng(seed);
      const prompt = samplePrompt(randomProblem(rng, d, M, { betaScale: 2 }), rng);
      const beta0 = randomVector(rng, d, 1.5);
      const Gamma = randomMatrix(rng, d, d, 0.6);
      const ref = gdMultistep(beta0, [Gamma], prompt);
      const a = predictStack(stackFromGdMultistep({ beta0, Gammas: [Gamma] }), prompt);
      const b = predict(ltbFromGdBeta({ kind: 'gd-beta', Gamma, beta0 }), prompt, true);
      expect(Math.abs(a - b), `seed ${seed}: stack ${a} vs ltbFromGdBeta ${b}`).toBeLessThanOrEqual(2 * bound(1, d, M, ref.mag));
    },
  );

  it('the workspace: same buffer returned on consecutive calls, results bit-identical to a fresh call', () => {
    const rng = new Rng(9);
    const d = 4;
    const M = 6;
    const problem = randomProblem(rng, d, M);
    const stack: Stack = { kind: 'stack', layers: [randomLtb(rng, d, 2, 0.4), randomLsa(rng, d, 0.4), randomLtb(rng, d, 1, 0.4)] };
    const ws = allocStackWorkspace(d, M);
    const p1 = samplePrompt(problem, rng);
    const p2 = samplePrompt(problem, rng);
    const E1 = forwardStack(stack, p1, true, { workspace: ws });
    const v1 = Float64Array.from(E1.data);
    const E2 = forwardStack(stack, p2, true, { workspace: ws });
    expect(E2).toBe(E1); // no allocation: the result is the workspace's buffer
    expect(ws.E).toContain(E1);
    expect(Array.from(forwardStack(stack, p1, true).data)).toEqual(Array.from(v1));
    expect(predictStack(stack, p2, false, { workspace: ws })).toBe(predictStack(stack, p2, false));
  });

  it('rejects mismatched shapes naming the field', () => {
    const rng = new Rng(1);
    const stack: Stack = { kind: 'stack', layers: [randomLsa(rng, 2), randomLsa(rng, 2)] };
    const prompt = samplePrompt(randomProblem(rng, 3, 4), rng);
    const fieldOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return e instanceof InputError ? e.field : `not an InputError: ${String(e)}`;
      }
      return undefined;
    };
    expect(fieldOf(() => predictStack(stack, prompt))).toBe('prompt.X');
    const good = samplePrompt(randomProblem(rng, 2, 4), rng);
    expect(fieldOf(() => predictStack(stack, good, true, { workspace: allocStackWorkspace(2, 5) }))).toBe('workspace');
    const bad: Stack = { kind: 'stack', layers: [stack.layers[0]!, { kind: 'lsa', WKQ: stack.layers[1]!.WKQ, WPV: randomMatrix(rng, 2, 2) }] };
    expect(fieldOf(() => predictStack(bad, good))).toBe('layers[1].WPV');
    const badMlp: Stack = { kind: 'stack', layers: [{ ...randomLtb(rng, 2, 2), W2: randomMatrix(rng, 1, 3) }] };
    expect(fieldOf(() => predictStack(badMlp, good))).toBe('layers[0].W2');
    expect(fieldOf(() => predictStack({ kind: 'stack', layers: [] }, good))).toBe('layers');
    expect(fieldOf(() => stackFromGdMultistep({ beta0: new Float64Array(2), Gammas: [] }))).toBe('Gammas');
    expect(fieldOf(() => stackFromGdMultistep({ beta0: new Float64Array(2), Gammas: [randomMatrix(rng, 2, 2), randomMatrix(rng, 3, 3)] }))).toBe('Gammas[1]');
    expect(fieldOf(() => stackFromGdMultistep({ beta0: Float64Array.of(Number.NaN, 0), Gammas: [randomMatrix(rng, 2, 2)] }))).toBe('beta0[0]');
  });
});

describe('stack JSON', () => {
  itProp([L_ARB, D_ARB, seedArb], propertyParams(40))('round trip through JSON text is exact and predicts the same', (L, d, seed) => {
    const rng = new Rng(seed);
    const layers: StackLayer[] = Array.from({ length: L }, (_, i) => (i % 2 === 0 ? randomLtb(rng, d, 2, 0.5) : randomLsa(rng, d, 0.5)));
    const stack: Stack = { kind: 'stack', layers };
    const text = JSON.stringify(stackToJSON(stack));
    const back = parseStack(JSON.parse(text));
    expect(stackDim(back)).toBe(d);
    expect(back.layers.length).toBe(L);
    for (let i = 0; i < L; i++) {
      const [a, b] = [stack.layers[i]!, back.layers[i]!];
      expect(b.kind).toBe(a.kind);
      expect(Array.from(b.WKQ.data)).toEqual(Array.from(a.WKQ.data));
      expect(Array.from(b.WPV.data)).toEqual(Array.from(a.WPV.data));
      if (a.kind === 'ltb' && b.kind === 'ltb') {
        expect(Array.from(b.W1.data)).toEqual(Array.from(a.W1.data));
        expect(Array.from(b.W2.data)).toEqual(Array.from(a.W2.data));
      }
    }
    const prompt = samplePrompt(randomProblem(rng, d, 5), rng);
    expect(predictStack(back, prompt)).toBe(predictStack(stack, prompt));
    expect(parseStack(JSON.parse(text), d).layers.length).toBe(L);
  });

  it('the GD-β^L construction round-trips', () => {
    const rng = new Rng(4);
    const stack = stackFromGdMultistep({ beta0: randomVector(rng, 2), Gammas: randomGammas(rng, 2, 3, 0.5) }, { signFlip: 'last' });
    expect(stackToJSON(parseStack(JSON.parse(JSON.stringify(stackToJSON(stack)))))).toEqual(stackToJSON(stack));
  });

  describe('bad JSON is rejected naming the field', () => {
    const I3 = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const row3 = [[0, 0, 1]];
    const lsa = { kind: 'lsa', WKQ: I3, WPV: I3 };
    const ltb = { kind: 'ltb', WKQ: I3, WPV: I3, W1: row3, W2: row3 };
    const cases: [string, unknown, string, number?][] = [
      ['not an object', [lsa], 'stack'],
      ['kind missing', { layers: [lsa] }, 'kind'],
      ['kind not stack', { kind: 'lsa', layers: [lsa] }, 'kind'],
      ['unknown top-level key', { kind: 'stack', layers: [lsa], depth: 1 }, 'depth'],
      ['layers missing', { kind: 'stack' }, 'layers'],
      ['layers empty', { kind: 'stack', layers: [] }, 'layers'],
      ['a layer not an object', { kind: 'stack', layers: [lsa, ltb, 3] }, 'layers[2]'],
      ['a layer of another kind', { kind: 'stack', layers: [lsa, { kind: 'gd-beta', Gamma: [[1, 0], [0, 1]], beta0: [0, 0] }] }, 'layers[1].kind'],
      ['WKQ of the wrong shape in layer 2', { kind: 'stack', layers: [lsa, ltb, { ...lsa, WKQ: [[1, 0], [0, 1]] }] }, 'layers[2].WKQ'],
      ['a non-number entry', { kind: 'stack', layers: [{ ...ltb, W2: [[0, 0, 1], ['x', 0, 0]], W1: [[0, 0, 1], [0, 0, 1]] }] }, 'layers[0].W2[1][0]'],
      ['W2 rows ≠ W1 rows', { kind: 'stack', layers: [lsa, { ...ltb, W2: [[0, 0, 1], [0, 0, 1]] }] }, 'layers[1].W2'],
      ['an LTB without W1', { kind: 'stack', layers: [lsa, { kind: 'ltb', WKQ: I3, WPV: I3, W2: row3 }] }, 'layers[1].W1'],
      ['an unknown layer key', { kind: 'stack', layers: [lsa, { ...lsa, W1: row3 }] }, 'layers[1].W1'],
      ['d given and not matching', { kind: 'stack', layers: [lsa] }, 'layers[0].WKQ', 3],
      ['first WKQ not square', { kind: 'stack', layers: [{ ...lsa, WKQ: [[1, 0, 0], [0, 1, 0]] }] }, 'layers[0].WKQ'],
    ];
    it.each(cases)('%s → %s', (_name, value, field, d) => {
      let err: unknown;
      try {
        parseStack(value, d);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EstimatorError);
      expect((err as EstimatorError).field).toBe(field);
      expect((err as EstimatorError).message.startsWith(`${field}: `)).toBe(true);
    });
  });
});
