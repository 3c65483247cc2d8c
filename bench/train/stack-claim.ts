/**
 * Issue 15 item 3 — a measurement, not a CI test: do sampled-trained 2- and 3-layer linear
 * transformers reach (or beat) the optimal L-step GD-β, R*_L (docs/math.md §3.6; the stack of (2.19)
 * represents GD-β^L exactly, §2.5)?
 *
 * For L = 1, 2, 3 the stack of (2.19)'s architecture (layer 1 an LTB with d_f = 1, then L − 1 LSA
 * layers; full (d+1)×(d+1) weights everywhere) is trained with Adam on fresh Wishart prompts
 * (src/train/stack.ts) from three starts:
 *   - `random`: every weight N(0, 0.1²) (seeded);
 *   - `grown`: the trained (L−1)-layer stack (`grown`; at L = 2 the one-layer `random`) with an
 *     appended LSA layer N(0, 0.01²) — it starts at the (L−1)-layer risk and can only go down;
 *   - `GD-β^L*`: the (2.19) stack of the optimal GD-β^L (src/optimum), to see whether full weights
 *     move below R*_L.
 * Schedule: `PHASES` phases of equal length, lr divided by 4 per phase (a fresh Adam per phase:
 * src/train's Adam has a fixed lr; its bias correction makes the restart clean).
 *
 * Measures (one fixed test set of `TEST_SIZE` prompts, drawn once, shared by every model):
 *   - test risk ± s.e. of the trained stack (no closed form exists for a general stack);
 *   - the paired difference test(stack) − test(GD-β^L* stack) ± its s.e. on the same prompts, whose
 *     s.e. is far smaller than either risk's (the prompts' common variance cancels);
 *   - R*_L and R*_{L−1} exactly (src/optimum `optimum(problem, 'gd-multistep', { steps })`, the exact
 *     risk (3.48)); R*_0 = σ² + tr(HΨ) (predict xᵀβ*); the Bayes risk (src/risk bayesReference, MC);
 *   - for L = 1 also the EXACT risk of the trained stack (a one-layer LTB, (3.22)–(3.23)) as a check
 *     of the test-set estimate;
 *   - the structure residual of (2.19) (0 = exactly the (2.19) shape).
 *
 * Run: `npx tsx bench/train/stack-claim.ts` (≈ 3 min on one loaded core). Env: STACK_CLAIM_PROBLEM =
 * `small` (default: d = 3, M = 10, H = Ψ = I, β* = 𝟙, σ² = 0.25) or `zwb` (the reference problem of
 * docs/math.md §5.2: d = 5, M = 20, β* = 10·𝟙, σ² = 0.25, E[y²] ≈ 505). The ZWB problem does not plateau
 * within minutes: in trials (random start, B = 512, Adam 0.03 → /4 per phase) the one-layer stack was
 * at test risk 7.19 ± 0.09 after 4000 steps (R*_1 = 1.4405) and the two-layer at 4.29 ± 0.06
 * (R*_2 = 0.6724), both still falling — hence the smaller default;
 * STACK_CLAIM_STEPS_SCALE (default 2: ≈ 2–3 min on the loaded 2-core machine) multiplies every
 * step count (the warm GD-β^L* starts plateau within scale 1; random starts were still improving at
 * scale 3); STACK_CLAIM_SEED (default 1).
 */
import { cpus, loadavg } from 'node:os';
import { makeProblem, stackFromGdMultistep, type GdMultistep, type Ltb, type Stack } from '../../src/models/index.js';
import { optimum } from '../../src/optimum/index.js';
import { bayesReference, risk } from '../../src/risk/index.js';
import { adam, drawPromptSet, type PromptSet } from '../../src/train/index.js';
import {
  createStackKernel, paramsFromStack, randomStackParams, stackBatchLossGrad, stackFromParams, stackLayout, stackSetLossGrad,
  stackStructureResidual, type StackLayout,
} from '../../src/train/stack.js';

const which = process.env.STACK_CLAIM_PROBLEM ?? 'small';
const SCALE = Number(process.env.STACK_CLAIM_STEPS_SCALE ?? '2');
const SEED = Number(process.env.STACK_CLAIM_SEED ?? '1');
const problem = which === 'zwb'
  ? makeProblem({ d: 5, M: 20, H: 1, Psi: 1, betaStar: 10, sigma2: 0.25 })
  : makeProblem({ d: 3, M: 10, H: 1, Psi: 1, betaStar: 1, sigma2: 0.25 });
/** Prompts per step. */
const BATCH = 512;
/** Steps per depth (fewer at L = 1: one layer plateaus sooner and each step is cheaper). */
const STEPS: Record<number, number> = { 1: Math.round(1600 * SCALE), 2: Math.round(2400 * SCALE), 3: Math.round(2400 * SCALE) };
/**
 * Adam's first-phase learning rate by start and depth. From trials (seeds 1–3, this problem): random
 * starts at 3e-3 stayed near R*_1 at L = 2 while 1e-2 reached ≈ R*_2; at L = 3, 1e-2 blew up (loss
 * 1e8, then recovered only to ≈ 2) for one seed, 5e-3 is used. Warm starts (grown, GD-β^L*) begin
 * near a good point, which a large first step would leave: 3e-3.
 */
const LR0 = { random: { 1: 1e-2, 2: 1e-2, 3: 5e-3 } as Record<number, number>, warm: 3e-3 };
/** Random starts per depth ≥ 2 (their outcome varies with the seed: reported, not averaged). */
const RANDOM_SEEDS = 2;
/** Fresh Wishart prompts of the independent Monte Carlo check of a trained stack (L ≥ 2), in chunks. */
const MC_PROMPTS = 100_000;
const MC_CHUNK = 1000;
/** Phases of the step schedule; lr / 4 per phase. */
const PHASES = 4;
/** Size of the shared test set (its s.e. on a risk ≈ 1.5·R/√n). */
const TEST_SIZE = 50_000;
/** Scale of the random start and of an appended layer. */
const INIT_SCALE = 0.1;
const GROW_SCALE = 0.01;

const { d } = problem;
const log = (s: string): void => console.log(s);
log(`problem: ${which} (d = ${d}, M = ${problem.M}, H = Ψ = I, β* = ${problem.betaStar[0]}·𝟙, σ² = ${problem.sigma2}); E[y²] = ${problem.labelSecondMoment}`);
log(`Adam, B = ${BATCH}, lr₀ (table) / 4 per phase, ${PHASES} phases; Wishart prompts; seed ${SEED}; test set ${TEST_SIZE} prompts (seed ${SEED + 104729})`);

log(`node ${process.version}; load average ${loadavg().map((x) => x.toFixed(2)).join(', ')} on ${cpus().length} cores (shared: steps/s are indicative)`);
const t0 = performance.now();
const Rstar: number[] = [problem.sigma2 + problem.t1]; // R*_0: predict xᵀβ* (GD-β^0 with β₀ = β*)
const gdStacks: (Stack | null)[] = [null];
let previous: GdMultistep | undefined;
for (let L = 1; L <= 3; L++) {
  const o = optimum(problem, 'gd-multistep', { steps: L, ...(previous ? { previous } : {}) });
  previous = o.estimator;
  Rstar.push(o.risk);
  gdStacks.push(stackFromGdMultistep(o.estimator));
}
const bayes = bayesReference(problem, { samples: 20_000, seed: SEED });
log(`R*_0 … R*_3 (exact): ${Rstar.map((r) => r.toFixed(5)).join(', ')};  R_Bayes ≈ ${bayes.estimate.toFixed(4)} ± ${bayes.stderr.toFixed(4)} (MC); optima ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const set: PromptSet = drawPromptSet(problem, TEST_SIZE, SEED + 104729);

interface Row { L: number; start: string; lr: number; steps: number; stepsPerSecond: number; seconds: number; test: number; se: number; delta: number; deltaSe: number; exact: number; mc: number; mcSe: number; structure: number }
const rows: Row[] = [];

/** Test risk ± s.e. and the per-prompt errors of a stack on the shared set. */
function evaluate(layout: StackLayout, theta: Float64Array): { mean: number; stderr: number; errors: Float64Array } {
  const errors = new Float64Array(set.n);
  const r = stackSetLossGrad(createStackKernel(problem, layout, 'direct'), theta, set, null, errors);
  return { ...r, errors };
}

/** Mean and s.e. of e_a² − e_b² over the shared set. */
function paired(a: Float64Array, b: Float64Array): { mean: number; se: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]! * a[i]! - b[i]! * b[i]!;
    s += v;
    s2 += v * v;
  }
  const n = a.length;
  const mean = s / n;
  return { mean, se: Math.sqrt(Math.max(0, (s2 - n * mean * mean) / (n - 1)) / n) };
}

/** Independent check: the loss on MC_PROMPTS fresh Wishart prompts (another stream), s.e. by chunk means. */
function freshMonteCarlo(layout: StackLayout, theta: Float64Array, seed: number): { mean: number; se: number } {
  const k = createStackKernel(problem, layout, 'wishart', seed);
  const chunks = MC_PROMPTS / MC_CHUNK;
  let s = 0;
  let s2 = 0;
  for (let c = 0; c < chunks; c++) {
    const m = stackBatchLossGrad(k, theta, null, MC_CHUNK);
    s += m;
    s2 += m * m;
  }
  const mean = s / chunks;
  return { mean, se: Math.sqrt(Math.max(0, (s2 - chunks * mean * mean) / (chunks - 1)) / chunks) };
}

function trainStack(layout: StackLayout, theta: Float64Array, steps: number, seed: number, LR0: number): number {
  const k = createStackKernel(problem, layout, 'wishart', seed);
  const grad = new Float64Array(layout.n);
  const t = performance.now();
  const per = Math.ceil(steps / PHASES);
  let done = 0;
  for (let ph = 0; ph < PHASES && done < steps; ph++) {
    const opt = adam(LR0 / 4 ** ph, layout.n);
    for (let s = 0; s < per && done < steps; s++, done++) {
      const loss = stackBatchLossGrad(k, theta, grad, BATCH);
      if (!Number.isFinite(loss)) throw new Error(`diverged at step ${done}`);
      opt.step(theta, grad);
    }
  }
  return (performance.now() - t) / 1000;
}

const trained = new Map<string, { layout: StackLayout; theta: Float64Array }>();
for (let L = 1; L <= 3; L++) {
  const layout = stackLayout(d, L);
  const ref = evaluate(layout, paramsFromStack(layout, gdStacks[L]!));
  const starts: { name: string; lr: number; theta: () => Float64Array }[] = [];
  for (let r = 0; r < (L === 1 ? 1 : RANDOM_SEEDS); r++) {
    starts.push({ name: r === 0 ? 'random' : `random(seed ${SEED + r})`, lr: LR0.random[L]!, theta: () => randomStackParams(layout, SEED + r, INIT_SCALE) });
  }
  if (L > 1) {
    // Grown from the previous depth's grown stack (at L = 2: the trained one-layer `random` stack).
    const prev = trained.get(`${L - 1}:grown`) ?? trained.get(`${L - 1}:random`)!;
    starts.push({
      name: 'grown',
      lr: LR0.warm,
      theta: () => {
        const th = randomStackParams(layout, SEED + 17 * L, GROW_SCALE);
        th.set(prev.theta, 0); // the (L−1)-layer block comes first in θ (layer after layer)
        return th;
      },
    });
  }
  starts.push({ name: 'GD-β^L*', lr: LR0.warm, theta: () => paramsFromStack(layout, gdStacks[L]!) });
  for (const s of starts) {
    const theta = s.theta();
    const steps = STEPS[L]!;
    const seconds = trainStack(layout, theta, steps, SEED + 7919 + L, s.lr);
    const ev = evaluate(layout, theta);
    const dl = paired(ev.errors, ref.errors);
    const stack = stackFromParams(layout, theta);
    const exact = L === 1 ? risk(problem, stack.layers[0] as Ltb).risk : NaN;
    const mc = L === 1 ? { mean: NaN, se: NaN } : freshMonteCarlo(layout, theta, SEED + 31337);
    rows.push({ L, start: s.name, lr: s.lr, steps, stepsPerSecond: steps / seconds, seconds, test: ev.mean, se: ev.stderr, delta: dl.mean, deltaSe: dl.se, exact, mc: mc.mean, mcSe: mc.se, structure: stackStructureResidual(stack) });
    trained.set(`${L}:${s.name}`, { layout, theta });
    const r = rows[rows.length - 1]!;
    log(`L = ${L} ${s.name}: test ${r.test.toFixed(4)} ± ${r.se.toFixed(4)}, Δ vs GD-β^L* ${r.delta.toFixed(4)} ± ${r.deltaSe.toFixed(4)}, ${Number.isFinite(r.mc) ? `fresh MC ${r.mc.toFixed(4)} ± ${r.mcSe.toFixed(4)}, ` : ''}${r.stepsPerSecond.toFixed(0)} steps/s, ${seconds.toFixed(1)} s`);
  }
  log(`L = ${L}: GD-β^L* stack on the test set ${ref.mean.toFixed(4)} ± ${ref.stderr.toFixed(4)} (exact R*_L = ${Rstar[L]!.toFixed(4)})`);
}

const f = (x: number, k = 4): string => (Number.isFinite(x) ? x.toFixed(k) : '—');
log('');
log(`| L | start | lr₀ | steps | steps/s | test risk ± s.e. | exact risk | fresh MC ± s.e. | Δ = test − test(GD-β^L*) ± s.e. | R*_L | R*_{L−1} | R_Bayes | (2.19) residual | time (s) |`);
log(`| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
for (const r of rows) {
  log(`| ${r.L} | ${r.start} | ${r.lr} | ${r.steps} | ${r.stepsPerSecond.toFixed(0)} | ${f(r.test)} ± ${f(r.se)} | ${f(r.exact)} | ${Number.isFinite(r.mc) ? `${f(r.mc)} ± ${f(r.mcSe)}` : '—'} | ${f(r.delta)} ± ${f(r.deltaSe)} | ${f(Rstar[r.L]!)} | ${f(Rstar[r.L - 1]!)} | ${f(bayes.estimate, 3)} | ${f(r.structure, 3)} | ${r.seconds.toFixed(1)} |`);
}
log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s; load average ${loadavg().map((x) => x.toFixed(2)).join(', ')}`);
