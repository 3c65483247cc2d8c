/**
 * Fuzz test of the public boundary (issue 13): fast-check generates malformed and extreme problem,
 * estimator and suite files and option values (wrong types and shapes, NaN/±Infinity as text,
 * 1e±308, −0, huge d, M and samples, non-SPD/indefinite/near-singular matrices, unknown keys) and
 * runs each command in-process. The properties, for every case:
 *  - the exit code is 0, 2 or 3;
 *  - on 2 or 3, stderr is exactly one line `linear-icl: error: …` / `linear-icl: numerical failure: …`
 *    that names what it is about (a file, field, option or quantity, then `: `); stdout is empty, or
 *    on 3 the partial result (a flow that stopped) under the same rule as a success;
 *  - on 0, stdout is one JSON document with no null (NaN/±∞) where a number is documented;
 *  - every run ends within {@link CASE_MS}.
 * Seeded (LINEAR_ICL_FUZZ_SEED, default 20261206); LINEAR_ICL_FUZZ_RUNS cases (default 300 in CI;
 * run 10⁴ locally with LINEAR_ICL_FUZZ_RUNS=10000). fast-check prints seed and path on a failure.
 */
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCliInProcess, tempFiles } from '../helpers/cli.js';

const RUNS = Number(process.env.LINEAR_ICL_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.LINEAR_ICL_FUZZ_SEED ?? 20261206);
/** Longest a single command may take (valid inputs here are small; everything else must fail fast). */
const CASE_MS = 30_000;
/** JSON fields documented as `number | null` (null = "not defined", with a note beside it). */
const NULLABLE = new Set(['measuredRate', 'predictedRate', 'rateNote', 'predictedRateNote', 'statusNote', 'rateRelativeErrorNote', 'distanceToOptimum', 'rateFit', 'rateRelativeError', 'effectiveGdBeta',
  'effectiveReason', 'estimator', 'methodReason', 'note', 'qyNorm', 'offsetGap']);

const dir = tempFiles({ 'keep.txt': 'x' })['keep.txt']!.replace(/\/keep\.txt$/, '');
let fileCounter = 0;
/** Writes a fuzzed file (JSON value or raw text) and returns its path. */
function writeCase(content: unknown): string {
  const path = `${dir}/case-${fileCounter++}.json`;
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

// --- arbitraries -------------------------------------------------------------------------------

/** Numbers a user (or an attacker) might put in a file. */
const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 2, 0.5, 1e-308, -1e-308, 5e-324, 1e308, -1e308, 1.7976931348623157e308, 1e200, 1e-200, 1e150, 2 ** 53, 1e9, 1e15),
  fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -5, max: 50 }),
);
/** Any JSON value, small. */
const anyJson = fc.oneof(
  { depthSize: 'small' },
  hostileNumber,
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileNumber, { maxLength: 4 }),
  fc.array(fc.array(hostileNumber, { maxLength: 4 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 4 }), hostileNumber, { maxKeys: 2 }),
);
/** A d×d matrix by construction: SPD, indefinite, near-singular, non-symmetric, or of the wrong shape. */
function matrixCase(d: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(1, 0, -1, 1e-300, 1e300, 0.5),
    fc.array(fc.double({ min: 1e-3, max: 10, noNaN: true }), { minLength: d, maxLength: d }),
    fc.array(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: d, maxLength: d }), { minLength: d, maxLength: d }),
    fc.integer({ min: 0, max: 12 }).map((e) => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? (i === 0 ? 10 ** -e : 1) : 0)))),
    fc.array(fc.array(hostileNumber, { minLength: 1, maxLength: d + 1 }), { minLength: 1, maxLength: d + 1 }),
    anyJson,
  );
}
/** Mostly `valid`, sometimes `hostile` (so that both the happy path and every check are exercised). */
function mostly<T>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<unknown>, validWeight = 5): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: validWeight, arbitrary: valid }, { weight: 1, arbitrary: hostile });
}
const smallDouble = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
/** A problem file: mostly plausible, with one or more fields made hostile, or raw garbage. */
const problemOf = (d: number): fc.Arbitrary<unknown> => fc.oneof(
  { weight: 8, arbitrary: fc.constant(d).chain((d) =>
    fc.record({
      d: mostly(fc.constant(d), fc.constantFrom(0, -1, 1.5, 5000, 1e9, '3', null), 8),
      M: mostly(fc.integer({ min: 1, max: 30 }), fc.constantFrom(0, -3, 2.5, 1e9, 2 ** 53, 1e300, 'ten'), 8),
      H: fc.option(mostly(fc.oneof(fc.constant(1), fc.array(smallDouble(0.1, 10), { minLength: d, maxLength: d })), matrixCase(d), 3), { nil: undefined }),
      Psi: fc.option(mostly(fc.oneof(fc.constant(1), fc.constant(0), fc.array(smallDouble(0, 10), { minLength: d, maxLength: d })), matrixCase(d), 3), { nil: undefined }),
      betaStar: fc.option(mostly(fc.oneof(smallDouble(-3, 3), fc.array(smallDouble(-3, 3), { minLength: d, maxLength: d })), fc.oneof(hostileNumber, anyJson), 3), { nil: undefined }),
      sigma2: fc.option(mostly(fc.constantFrom(0, 0.1, 0.25, 1), fc.oneof(fc.constantFrom(1e-300, 1e308, -1), anyJson), 3), { nil: undefined }),
      masked: fc.option(mostly(fc.boolean(), anyJson, 8), { nil: undefined }),
      sigma: fc.oneof({ weight: 15, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostileNumber }), // a typo: an unknown key
    }, { requiredKeys: ['d', 'M'] }).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)))) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', 'NaN', '{"d": NaN, "M": 3}', '{"d": Infinity, "M": 3}', '[]', 'null', '{"M": 3}', '{"d":2,"M":3,"H":[[1,2],[3,4]]}') },
  { weight: 1, arbitrary: anyJson },
);
/** An estimator file (for d = 1…4 and garbage). */
const estimatorOf = (d: number): fc.Arbitrary<unknown> => fc.constant(d).chain((d) => {
  const entry = mostly(smallDouble(-1, 1), hostileNumber, 12);
  const rect = (r: number, c: number) => fc.array(fc.array(entry, { minLength: c, maxLength: c }), { minLength: r, maxLength: r });
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('gd-beta'), Gamma: rect(d, d), beta0: fc.array(entry, { minLength: d, maxLength: d }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('gd-0'), Gamma: rect(d, d) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('lsa'), WKQ: rect(d + 1, d + 1), WPV: rect(d + 1, d + 1) }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }).chain((df) => fc.record({ kind: fc.constant('ltb'), WKQ: rect(d + 1, d + 1), WPV: rect(d + 1, d + 1), W1: rect(df, d + 1), W2: rect(df, d + 1) })) },
    { weight: 1, arbitrary: fc.record({ kind: fc.oneof(fc.constantFrom('gd', 'LSA', 'transformer', ''), anyJson), Gamma: rect(d, d) }) },
    { weight: 1, arbitrary: anyJson },
  );
});
/** A suite file: schema-level hostility (valid suites run claims, which is the verify tests' job). */
const suiteCase = fc.oneof(
  anyJson,
  fc.record({ problems: fc.oneof(anyJson, fc.array(fc.record({ name: fc.oneof(fc.string(), anyJson), d: fc.constantFrom(0, 1, 'x'), M: anyJson, claims: fc.oneof(fc.constant(['NOPE']), anyJson) }), { maxLength: 2 })), claims: fc.option(anyJson, { nil: undefined }), figures: fc.option(anyJson, { nil: undefined }) }),
  fc.constantFrom('{', '{"problems": []}', '{"problems": [{"name": "p", "d": 1, "M": 2, "claims": ["ZWB-1", "ZWB-1"]}], "figures": 3}'),
);
/** Option values a user might type. */
const countOption = mostly(fc.constantFrom('2', '20', '300', '1000'), fc.constantFrom('-1', '0', '1', '1.5', '1e20', 'abc', '', '9007199254740993', 'NaN', 'Infinity'), 3) as fc.Arbitrary<string>;
const positiveOption = mostly(fc.constantFrom('1e-6', '1e-8', '1e-3'), fc.constantFrom('-1', '0', '1e-300', '1e300', 'abc', 'NaN', 'Infinity', '-0', '0.1', '5'), 3) as fc.Arbitrary<string>;

const dArb = fc.integer({ min: 1, max: 4 });
const problemCase = dArb.chain(problemOf);
/** A problem and an estimator of the same d (mostly: sometimes of another d). */
const problemAndEstimator = fc.tuple(dArb, fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }))
  .chain(([d, off]) => fc.tuple(problemOf(d), estimatorOf(d + off)));
const command = fc.oneof(
  problemAndEstimator.map(([p, e]) => ['risk', '--problem', writeCase(p), '--estimator', writeCase(e)]),
  fc.tuple(problemAndEstimator, countOption, countOption).map(([[p, e], n, s]) => ['mc', '--problem', writeCase(p), '--estimator', writeCase(e), '--samples', n, '--seed', s]),
  fc.tuple(problemCase, countOption).map(([p, n]) => ['bayes', '--problem', writeCase(p), '--samples', n]),
  fc.tuple(problemCase, fc.constantFrom('gd-beta', 'gd-0', 'lsa', 'ltb', 'GD', '')).map(([p, c]) => ['optimum', '--problem', writeCase(p), '--class', c]),
  fc.tuple(problemCase, fc.constantFrom('gd-beta', 'gd-0', 'zfb', 'nope'), fc.constantFrom('auto', 'etd4', 'dopri5', 'rosenbrock', 'euler', 'rk9'), positiveOption, countOption)
    .map(([p, m, meth, tol, steps]) => ['flow', '--problem', writeCase(p), '--model', m, '--method', meth, '--rtol', tol, '--max-steps', steps]),
  suiteCase.map((s) => ['verify', '--suite', writeCase(s), '--out', `${dir}/report-${fileCounter++}`]),
  fc.array(fc.constantFrom('--problem', '--estimatr', '--json', '--samples', 'risk', 'flow', '-x', '--', '--help=3', '--class'), { maxLength: 4 }),
);

// --- the property ------------------------------------------------------------------------------

/** Paths of null values outside the documented-nullable fields. */
function nullNumbers(json: unknown, path = ''): string[] {
  const key = path.split('.').pop()!.replace(/\[\d+\]$/, '');
  if (json === null) return NULLABLE.has(key) ? [] : [path];
  if (Array.isArray(json)) return json.flatMap((v, k) => nullNumbers(v, `${path}[${k}]`));
  if (typeof json === 'object') return Object.entries(json as object).flatMap(([k, v]) => (NULLABLE.has(k) && v === null ? [] : nullNumbers(v, `${path}.${k}`)));
  return [];
}

describe(`fuzz of the public boundary (${RUNS} cases, seed ${SEED})`, () => {
  it('every command exits 0/2/3; failures are one named line; successes carry no NaN; every run is bounded', async () => {
    const t0 = performance.now();
    const codes: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(command, async (args) => {
        const argv = args[0] === '--help=3' ? args : [...args, '--json'];
        const start = performance.now();
        const r = await runCliInProcess(argv);
        const ms = performance.now() - start;
        codes[r.code] = (codes[r.code] ?? 0) + 1;
        expect(ms, argv.join(' ')).toBeLessThan(CASE_MS);
        expect([0, 2, 3], `${argv.join(' ')} → ${r.code}: ${r.stderr}`).toContain(r.code);
        if (r.code !== 0) {
          const lines = r.stderr.trimEnd().split('\n');
          expect(lines, `${argv.join(' ')}: ${r.stderr}`).toHaveLength(1);
          expect(lines[0], argv.join(' ')).toMatch(/^linear-icl: (error|numerical failure): \S.*?: \S/);
          expect(lines[0]).not.toMatch(/undefined undefined|\[object Object\]|at .*\.ts:\d+/);
          // A numerical failure may still print its partial result (flow: the state where it stopped).
          if (r.code === 2 || r.stdout.trim() === '') expect(r.stdout).toBe('');
          else expect(nullNumbers(JSON.parse(r.stdout)), r.stdout.slice(0, 400)).toEqual([]);
        } else if (r.stdout.trim() !== '' && !argv.includes('--help') && argv[0] !== '--help=3') {
          const json = JSON.parse(r.stdout) as unknown;
          expect(nullNumbers(json), `${argv.join(' ')}: ${r.stdout.slice(0, 400)}`).toEqual([]);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(`fuzz: ${RUNS} cases in ${seconds.toFixed(1)} s, exit codes ${JSON.stringify(codes)} (seed ${SEED})`);
  }, 30 * 60_000);
});
