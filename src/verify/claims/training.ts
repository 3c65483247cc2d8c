/**
 * TRAIN-1 — the shape of ZWB's Fig. 1, judged on the exact risk: LSA and LTB trained as the paper
 * trains them (Adam on freshly sampled prompts, src/train), with the population risk of the final
 * weights computed exactly (docs/math.md §3.3) instead of estimated on a test set. The LTB must come
 * down to near R*_GDβ (= R*_LTB, §3.2) and below R*_LSA; the LSA must stay near its own optimum
 * R*_LSA, above R*_GDβ by the irreducible gap of ZWB-3; neither may go below its class optimum.
 */
import { problemScale, stackFromGdMultistep, type Problem } from '../../models/index.js';
import { optimumGdBeta } from '../../risk/index.js';
import { train, type TrainResult } from '../../train/index.js';
import type { ClaimContext, ClaimResult } from './context.js';
import { multistepOptimum } from './multistep.js';

/** The training recipe of TRAIN-1 (Adam, as ZWB; measured to plateau on the reference problem (5.2)). */
export interface TrainingShapeOverrides {
  /** Adam steps. @defaultValue 10 000 */
  readonly steps?: number;
  /** Learning rate. @defaultValue 3e-3 */
  readonly lr?: number;
  /** Fresh prompts per step. @defaultValue 64 */
  readonly batch?: number;
  /** The LTB must end within this factor of R*_GDβ. @defaultValue 1.25 */
  readonly ltbFactor?: number;
  /** The LSA must end within this factor of R*_LSA. @defaultValue 1.1 */
  readonly lsaFactor?: number;
  /** Size of the papers' finite test set (reported beside the exact risk). @defaultValue 1000 */
  readonly testSize?: number;
}

/** The two training runs of TRAIN-1 on one problem (the report draws them). */
export interface TrainingShapeRuns {
  /** The LTB run (its optimum: GD-β*). */
  readonly ltb: TrainResult;
  /** The LSA run (its optimum: the numerical R*_LSA). */
  readonly lsa: TrainResult;
}

/** TRAIN-1's runs by context and problem label, so the report draws what the claim judged. */
const RUNS = new WeakMap<ClaimContext, Map<string, TrainingShapeRuns>>();

/** The runs TRAIN-1 made on the problem labelled `label` in this context, or undefined. */
export function trainingShapeRuns(ctx: ClaimContext, label: string): TrainingShapeRuns | undefined {
  return RUNS.get(ctx)?.get(label);
}

/** Slack below an optimum that still counts as "not below it": rounding of two exact risks. */
const BELOW_RTOL = 1e-9;

/**
 * TRAIN-1: trains an LTB and an LSA (seed `ctx.seed`) and judges their final exact risks against
 * R*_GDβ and R*_LSA. Cost ≈ 1 s per model at d = 5, M = 20 (10 000 steps of 64 prompts).
 */
export function checkTrainingShape(problem: Problem, label: string, ctx: ClaimContext, o: TrainingShapeOverrides = {}): ClaimResult {
  const { steps = 10_000, lr = 3e-3, batch = 64, ltbFactor = 1.25, lsaFactor = 1.1, testSize = 1000 } = o;
  const gdb = optimumGdBeta(problem);
  const lsaOpt = ctx.optimum(problem, 'lsa');
  const common = { optimizer: 'adam' as const, lr, batch, steps, seed: ctx.seed, testSize, logEvery: Math.max(1, Math.round(steps / 20)) };
  const ltb = train(problem, { ...common, model: 'ltb', optimum: { risk: gdb.risk, estimator: gdb.estimator } });
  const lsa = train(problem, { ...common, model: 'lsa', optimum: { risk: lsaOpt.risk, estimator: lsaOpt.estimator } });
  if (!RUNS.has(ctx)) RUNS.set(ctx, new Map());
  RUNS.get(ctx)!.set(label, { ltb, lsa });
  const scale = problemScale(problem);
  const minRisk = (r: TrainResult): number => Math.min(...r.rows.map((row) => row.risk));
  const lastTest = (r: TrainResult): { loss: number; se: number } => {
    const row = r.rows[r.rows.length - 1]!;
    return { loss: row.testLoss, se: row.testStderr };
  };
  const ltbOk = ltb.finalRisk <= ltbFactor * gdb.risk && ltb.finalRisk < lsaOpt.risk;
  const lsaOk = lsa.finalRisk <= lsaFactor * lsaOpt.risk;
  const neverBelow = minRisk(ltb) >= gdb.risk - BELOW_RTOL * scale && minRisk(lsa) >= lsaOpt.risk - BELOW_RTOL * scale;
  const t1 = lastTest(ltb);
  const t2 = lastTest(lsa);
  return {
    id: 'TRAIN-1', title: 'trained as in ZWB Fig. 1: the LTB reaches R*_GDβ, the LSA plateaus at R*_LSA (exact risks)', problem: label,
    pass: ltbOk && lsaOk && neverBelow,
    measured: {
      ltbFinalRisk: ltb.finalRisk, gdBetaOptimum: gdb.risk, ltbOverOptimum: ltb.finalRisk / gdb.risk,
      lsaFinalRisk: lsa.finalRisk, lsaOptimum: lsaOpt.risk, lsaOverOptimum: lsa.finalRisk / lsaOpt.risk,
      ltbTestLoss: t1.loss, ltbTestStderr: t1.se, lsaTestLoss: t2.loss, lsaTestStderr: t2.se,
      ltbMinRisk: minRisk(ltb), lsaMinRisk: minRisk(lsa), steps, batch, lr,
      ltbStepsPerSecond: ltb.timing.stepsPerSecond, lsaStepsPerSecond: lsa.timing.stepsPerSecond,
    },
    tolerance: { ltbOverOptimum: ltbFactor, lsaOverOptimum: lsaFactor, belowOptimum: BELOW_RTOL },
    criterion: `after ${steps} Adam steps (lr ${lr}, ${batch} fresh prompts each): R_LTB ≤ ${ltbFactor}·R*_GDβ and R_LTB < R*_LSA; R_LSA ≤ ${lsaFactor}·R*_LSA; no logged exact risk below its class optimum (−1e-9·E[y²])`,
    note: `the papers' estimate on ${testSize} test prompts: LTB ${t1.loss.toPrecision(4)} ± ${t1.se.toPrecision(2)}, LSA ${t2.loss.toPrecision(4)} ± ${t2.se.toPrecision(2)} — the exact risks are ${ltb.finalRisk.toPrecision(6)} and ${lsa.finalRisk.toPrecision(6)}`,
  };
}

/** The recipe of STACK-1. */
export interface StackTrainingOverrides {
  /** Layers L (2 or 3: where R*_L is exact). @defaultValue 2 */
  readonly layers?: number;
  /** Adam steps. @defaultValue 1500 */
  readonly steps?: number;
  /** Learning rate. @defaultValue 1e-3 */
  readonly lr?: number;
  /** Fresh prompts per step. @defaultValue 512 */
  readonly batch?: number;
  /** Test prompts (the only measure of a stack's risk: no closed form exists). @defaultValue 20 000 */
  readonly testSize?: number;
}

/** Monte Carlo tolerance of STACK-1, in standard errors of the test-set estimate. */
const STACK_Z = 5;

/**
 * STACK-1 — Ahn et al. / von Oswald et al.'s multi-layer claim, checked against an exact number: an
 * L-layer linear transformer (one LTB, then LSA layers, (2.19)) started at the weights that compute
 * GD-β^L* exactly and trained on fresh prompts (docs/math.md §2.7) is judged against R*_L, the exact
 * optimal L-step GD-β risk (§3.6–3.7). The test set is checked first: at the start its estimate must
 * equal R*_L within 5 s.e. (the stack then computes GD-β^L* exactly). The claim holds when training
 * ends at or below R*_L (test estimate ≤ R*_L + 5 s.e.); how far below — full weights compute more
 * than L GD steps — is recorded.
 */
export function checkStackTraining(problem: Problem, label: string, ctx: ClaimContext, o: StackTrainingOverrides = {}): ClaimResult {
  const { layers = 2, steps = 1500, lr = 1e-3, batch = 512, testSize = 20_000 } = o;
  const opt = multistepOptimum(problem, layers, ctx);
  const prev = layers > 1 ? multistepOptimum(problem, layers - 1, ctx).risk : Number.NaN;
  const r = train(problem, {
    model: 'stack', layers, init: stackFromGdMultistep(opt.estimator), optimizer: 'adam', lr, batch, steps, seed: ctx.seed, testSize,
    logEvery: Math.max(1, Math.round(steps / 10)), optimum: { risk: opt.risk, estimator: opt.estimator },
  });
  const first = r.rows[0]!;
  const last = r.rows[r.rows.length - 1]!;
  const startZ = Math.abs(first.testLoss - opt.risk) / first.testStderr;
  const endZ = (last.testLoss - opt.risk) / last.testStderr;
  const pass = startZ <= STACK_Z && endZ <= STACK_Z;
  return {
    id: 'STACK-1', title: `a trained ${layers}-layer linear transformer against the exact R*_${layers} of ${layers}-step GD-β`, problem: label, pass,
    measured: {
      [`R*_${layers}`]: opt.risk, [`R*_${layers - 1}`]: prev, startTest: first.testLoss, startStderr: first.testStderr, startZ,
      endTest: last.testLoss, endStderr: last.testStderr, endMinusOptimum: last.testLoss - opt.risk, endZ, steps, batch, lr,
      stepsPerSecond: r.timing.stepsPerSecond,
    },
    tolerance: { z: STACK_Z },
    criterion: `test set of ${testSize} prompts: at the GD-β^${layers}* weights |estimate − R*_${layers}| ≤ ${STACK_Z} s.e.; after ${steps} Adam steps (lr ${lr}, ${batch} fresh prompts each) estimate ≤ R*_${layers} + ${STACK_Z} s.e.`,
    note: last.testLoss < opt.risk - STACK_Z * last.testStderr
      ? `the trained transformer goes below R*_${layers} by ${(opt.risk - last.testLoss).toPrecision(3)} (${((opt.risk - last.testLoss) / last.testStderr).toFixed(1)} s.e.): with full weights it computes more than ${layers} preconditioned GD steps`
      : `the trained transformer stays at R*_${layers} within the noise`,
  };
}
