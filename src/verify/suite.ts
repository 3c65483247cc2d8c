/**
 * Verification suites: which claims of the catalogue to check on which problems, the embedded
 * default suite, the JSON schema of `linear-icl verify --suite FILE`, and the runner.
 *
 * Suite JSON (every field but `problems` optional; unknown keys are errors):
 *
 *   {
 *     "title":        "…",                       // report title
 *     "seed":         1,                         // integer ≥ 0: seeds every sampled quantity
 *     "bayesSamples": 20000,                     // integer ≥ 2: Wishart draws of the Bayes estimate (ZWB-4)
 *     "mcSamples":    40000,                     // integer ≥ 2: prompts of the Monte Carlo checks (MHM-NL)
 *     "claims":       ["ZWB-1", "ZWB-2"],        // default claims of every problem
 *     "problems": [                              // non-empty; a bare array is accepted as the whole suite
 *       { "name": "p1",                          // required, unique
 *         "claims": ["ZWB-3"],                   // optional: overrides the suite's default
 *         "d": 5, "M": 20, "H": 1, "Psi": 1, "betaStar": 10, "sigma2": 0.25, "masked": true
 *                                                // the problem JSON of `--problem` files
 *       }
 *     ],
 *     "figures": false | { "problem": { …problem JSON… }, "M": [5, 10, 20] }
 *                                                // report figures: the problem they use (M taken from
 *                                                // the list) — default ZWB's setting, M ∈ {5, …, 80}
 *   }
 *
 * Without any `claims` a problem gets every claim of the catalogue that applies to it (claims stated
 * for masked attention — ZWB-2, ZWB-3, OPT — only on masked problems); a claim named explicitly
 * that cannot run (e.g. ZWB-4 with a non-isotropic Ψ) is a schema error. A claim named explicitly
 * on a problem outside its statement (ZWB-2 on an unmasked problem) runs, and may fail.
 * Claim ids: see {@link CLAIM_IDS}. Schema errors are InputErrors naming the field, e.g.
 * `problems[2].claims[0]` or `problems[0].H`.
 */
import { InputError, NumericalError } from '../errors.js';
import { makeProblem, type Problem } from '../models/index.js';
import { CLAIM_IDS, CLAIMS, claimContext, type ClaimContext, type ClaimResult } from './claims/index.js';

/** One problem of a suite with the claims to run on it. */
export interface SuiteProblem {
  /** Unique, non-empty label of the problem in the suite (shown in results as `ClaimResult.problem`). */
  readonly name: string;
  /** The validated problem. */
  readonly problem: Problem;
  /** Claim ids to run, or null for every claim that applies. */
  readonly claims: readonly string[] | null;
}

/** The setting of the report's figures. */
export interface FigureSetting {
  /** The problem of every figure; M is replaced by the values of `M`. */
  readonly problem: Problem;
  /** Context lengths of the risk-vs-M figure (ascending). */
  readonly M: readonly number[];
}

/** A validated suite. */
export interface Suite {
  /** Title of the report. @defaultValue 'linear-icl verify' */
  readonly title: string;
  /** Seed of every sampled quantity. @defaultValue 1 */
  readonly seed: number;
  /** Wishart draws of the Bayes estimate (ZWB-4). @defaultValue 20000 */
  readonly bayesSamples: number;
  /** Prompts of the Monte Carlo checks (MHM-NL). @defaultValue 40000 */
  readonly mcSamples: number;
  /** The problems, in suite order (non-empty). */
  readonly problems: readonly SuiteProblem[];
  /** null: no figures. */
  readonly figures: FigureSetting | null;
}

/** ZWB's setting (math.md §5.2): d = 5, H = Ψ = I, σ² = 0.25, β* = 10·𝟙. */
export const ZWB_SETTING = { d: 5, H: 1, Psi: 1, sigma2: 0.25, betaStar: 10 } as const;

/** The context lengths of the default suite's ZWB sweep. */
export const ZWB_M = [5, 10, 20, 40, 80] as const;

const ANISO = {
  d: 4,
  M: 10,
  H: [[2, 0.5, 0, 0], [0.5, 1, 0.2, 0], [0, 0.2, 0.5, 0.1], [0, 0, 0.1, 0.3]],
  Psi: [[1, 0.3, 0, 0], [0.3, 0.5, 0, 0], [0, 0, 0.8, 0.1], [0, 0, 0.1, 0.2]],
  betaStar: [1, -1, 2, 0.5],
  sigma2: 0.5,
};

/** The embedded default suite, in the JSON schema above. */
/** H of the GD-β^L problems (anisotropic, d = 3). */
const GDL_H = [[2, 0.5, 0], [0.5, 1, 0.2], [0, 0.2, 0.5]];

export const DEFAULT_SUITE_JSON = {
  title: 'linear-icl verify: the claim catalogue of docs/math.md §5',
  seed: 1,
  problems: [
    ...ZWB_M.map((M) => ({
      name: `zwb-M${M}`, ...ZWB_SETTING, M,
      claims: ['ZWB-1', 'ZWB-2', 'ZWB-3', 'ZWB-4', 'ZWB-5', 'OPT', ...(M === 20 ? ['ZWB-3-growth', 'ZWB-3-noise', 'ZWB-3-limit', 'TRAIN-1'] : [])],
    })),
    { name: 'zwb-M20-noisy', ...ZWB_SETTING, M: 20, sigma2: 4, claims: ['ZWB-4'] },
    { name: 'zwb-M20-clean', ...ZWB_SETTING, M: 20, sigma2: 0.01, claims: ['ZWB-4'] },
    { name: 'aniso', ...ANISO, claims: ['ZWB-1', 'ZWB-2', 'ZWB-3', 'ZWB-3-growth', 'ZWB-3-noise', 'ZWB-3-limit', 'ZWB-5', 'OPT'] },
    { name: 'aniso-unmasked', ...ANISO, masked: false, claims: ['ZWB-1'] },
    { name: 'mhm', d: 5, M: 20, sigma2: 0.25, H: 1, Psi: 1, claims: ['MHM-1', 'MHM-2', 'MHM-NL'] },
    { name: 'acds-zfb', d: 3, M: 10, H: [3, 1, 0.3], Psi: 1, sigma2: 0, claims: ['ACDS', 'ZFB'] },
    { name: 'gdl-iso', d: 3, M: 10, H: GDL_H, Psi: 1, sigma2: 0.25, betaStar: [1, 1, 1], claims: ['GDL-1', 'GDL-3', 'STACK-1'] },
    { name: 'gdl-aniso', d: 3, M: 10, H: GDL_H, Psi: [[1, 0.3, 0], [0.3, 0.5, 0], [0, 0, 0.8]], sigma2: 0.5, betaStar: [1, -1, 2], claims: ['GDL-2', 'GDL-3'] },
  ],
  figures: { problem: { ...ZWB_SETTING, M: 20 }, M: [...ZWB_M] },
};

const SUITE_KEYS = ['title', 'seed', 'bayesSamples', 'mcSamples', 'claims', 'problems', 'figures'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function integer(v: unknown, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new InputError(field, `must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function claimList(v: unknown, field: string): string[] {
  if (!Array.isArray(v)) throw new InputError(field, `must be an array of claim ids, got ${JSON.stringify(v)}`);
  return v.map((c, i) => {
    if (typeof c !== 'string' || !CLAIM_IDS.includes(c)) {
      throw new InputError(`${field}[${i}]`, `unknown claim ${JSON.stringify(c)} (known: ${CLAIM_IDS.join(', ')})`);
    }
    return c;
  });
}

/** makeProblem with the error's field prefixed by the problem's path in the suite. */
function problemAt(spec: unknown, path: string): Problem {
  try {
    return makeProblem(spec);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${path}.${e.field}`.replace(/\.$/, ''), e.reason);
    throw e;
  }
}

/**
 * Validates a suite (see the module comment for the schema) of claims from the catalogue of
 * docs/math.md §5.1.
 * @throws {@link InputError} (CLI exit 2) naming the field (`problems[1].claims[0]`, `problems[0].M`,
 *   `figures.M[2]`, …), also when a named claim does not apply to its problem; {@link NumericalError}
 *   (exit 3) when a problem's scale overflows, as `makeProblem`.
 */
export function parseSuite(value: unknown): Suite {
  const obj: Record<string, unknown> = Array.isArray(value) ? { problems: value } : isRecord(value) ? value : {};
  if (!Array.isArray(value) && !isRecord(value)) throw new InputError('(suite)', 'must be an object with "problems" or an array of problems');
  for (const k of Object.keys(obj)) if (!SUITE_KEYS.includes(k)) throw new InputError(k, `unknown key (allowed: ${SUITE_KEYS.join(', ')})`);
  if (obj.title !== undefined && typeof obj.title !== 'string') throw new InputError('title', 'must be a string');
  const seed = obj.seed === undefined ? 1 : integer(obj.seed, 'seed', 0);
  const bayesSamples = obj.bayesSamples === undefined ? 20_000 : integer(obj.bayesSamples, 'bayesSamples', 2);
  const mcSamples = obj.mcSamples === undefined ? 40_000 : integer(obj.mcSamples, 'mcSamples', 2);
  const defaults = obj.claims === undefined ? null : claimList(obj.claims, 'claims');
  if (!Array.isArray(obj.problems) || obj.problems.length === 0) throw new InputError('problems', 'must be a non-empty array of named problems');
  const names = new Set<string>();
  const problems = obj.problems.map((raw, i): SuiteProblem => {
    const path = `problems[${i}]`;
    if (!isRecord(raw)) throw new InputError(path, 'must be an object (a problem with a "name")');
    const { name, claims, ...spec } = raw;
    if (typeof name !== 'string' || name.length === 0) throw new InputError(`${path}.name`, 'is required (a non-empty string)');
    if (names.has(name)) throw new InputError(`${path}.name`, `duplicate problem name ${JSON.stringify(name)}`);
    names.add(name);
    const problem = problemAt(spec, path);
    const list = claims === undefined ? defaults : claimList(claims, `${path}.claims`);
    if (list) {
      list.forEach((id, j) => {
        const why = CLAIMS.find((c) => c.id === id)!.applies(problem);
        if (why) throw new InputError(claims === undefined ? `claims[${j}]` : `${path}.claims[${j}]`, `${id} does not apply to problem ${JSON.stringify(name)}: ${why}`);
      });
    }
    return { name, problem, claims: list };
  });
  let figures: FigureSetting | null = null;
  if (obj.figures !== false) {
    const f = obj.figures === undefined ? DEFAULT_SUITE_JSON.figures : obj.figures;
    if (!isRecord(f)) throw new InputError('figures', 'must be false or an object {"problem", "M"}');
    for (const k of Object.keys(f)) if (k !== 'problem' && k !== 'M') throw new InputError(`figures.${k}`, 'unknown key (allowed: problem, M)');
    const spec = f.problem === undefined ? { ...ZWB_SETTING, M: 20 } : f.problem;
    const withM = isRecord(spec) && spec.M === undefined ? { ...spec, M: 20 } : spec;
    const problem = problemAt(withM, 'figures.problem');
    const Ms = f.M === undefined ? [...ZWB_M] : f.M;
    if (!Array.isArray(Ms) || Ms.length === 0) throw new InputError('figures.M', 'must be a non-empty array of context lengths');
    const list = Ms.map((m, i) => integer(m, `figures.M[${i}]`, 1)).sort((a, b) => a - b);
    figures = { problem, M: list };
  }
  return { title: typeof obj.title === 'string' ? obj.title : 'linear-icl verify', seed, bayesSamples, mcSamples, problems, figures };
}

/** The default suite, parsed. */
export function defaultSuite(): Suite {
  return parseSuite(DEFAULT_SUITE_JSON);
}

/** A claim that was not run on a problem, and why. */
export interface SkippedClaim {
  /** Name of the suite problem. */
  readonly problem: string;
  /** Catalogue id of the claim. */
  readonly claim: string;
  /** Why its precondition fails on the problem (`ClaimSpec.applies`). */
  readonly reason: string;
}

/** The outcome of {@link runSuite}. */
export interface SuiteRun {
  /** Every result, in suite order (problem, then catalogue order). */
  readonly results: readonly ClaimResult[];
  /** Claims named or selected for a problem whose preconditions do not hold there. */
  readonly skipped: readonly SkippedClaim[];
  /** Wall-clock seconds of the claims. */
  readonly seconds: number;
  /** Every check ran and passed. */
  readonly pass: boolean;
  /** Checks that ran and failed (claims refuted on a problem). */
  readonly failed: number;
  /** Checks that could not be carried out (`ClaimResult.error`): neither passed nor failed. */
  readonly errors: number;
}

/** Options of {@link runSuite}. */
export interface RunSuiteOptions {
  /** Called before each claim with (index, total, text). */
  onProgress?: (done: number, total: number, text: string) => void;
  /** A context to share (its optimum cache is reused by the report); default from the suite's settings. */
  ctx?: ClaimContext;
}

/**
 * Runs every (problem, claim) pair of a suite, in suite order. A check that throws (a
 * NumericalError, a refused resource) is recorded with `error` set — not as a failed claim.
 */
export function runSuite(suite: Suite, options: RunSuiteOptions = {}): SuiteRun {
  const ctx = options.ctx ?? claimContext({ seed: suite.seed, bayesSamples: suite.bayesSamples, mcSamples: suite.mcSamples });
  const t0 = performance.now();
  const jobs: { sp: SuiteProblem; spec: (typeof CLAIMS)[number] }[] = [];
  const skipped: SkippedClaim[] = [];
  for (const sp of suite.problems) {
    for (const spec of CLAIMS) {
      if (sp.claims !== null && !sp.claims.includes(spec.id)) continue;
      if (sp.claims === null && spec.byDefault && !spec.byDefault(sp.problem)) continue;
      const why = spec.applies(sp.problem);
      if (why) {
        skipped.push({ problem: sp.name, claim: spec.id, reason: why });
        continue;
      }
      jobs.push({ sp, spec });
    }
  }
  const results: ClaimResult[] = [];
  jobs.forEach(({ sp, spec }, k) => {
    options.onProgress?.(k, jobs.length, `${spec.id} on ${sp.name}`);
    try {
      results.push(...spec.run(sp.problem, sp.name, ctx));
    } catch (e) {
      // A check that cannot be carried out is not a failed claim: it is recorded with its error.
      const kind = e instanceof NumericalError ? 'numerical' : e instanceof InputError ? 'input' : 'internal';
      results.push({
        id: spec.id, title: spec.title, problem: sp.name, measured: {}, tolerance: {}, pass: false,
        criterion: 'the check must run to completion', error: { kind, message: e instanceof Error ? e.message : String(e) },
      });
    }
  });
  options.onProgress?.(jobs.length, jobs.length, 'done');
  const errors = results.filter((r) => r.error !== undefined).length;
  const failed = results.filter((r) => !r.pass && r.error === undefined).length;
  return { results, skipped, seconds: (performance.now() - t0) / 1000, pass: results.every((r) => r.pass), failed, errors };
}
