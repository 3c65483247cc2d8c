/**
 * `linear-icl verify [--suite FILE] [--out DIR] [--json] [--precise]` — checks the claim catalogue
 * (docs/math.md §5, src/verify/claims/) on a suite of problems (default: the embedded suite of
 * src/verify/suite.ts; `--suite` takes the JSON schema documented there), prints a table, writes
 * the report (report.md, index.html, figures/) to DIR (default ./report) and exits 1 if any claim
 * fails. `--json` prints every result as JSON on stdout; progress goes to stderr when it is a TTY.
 * `--precise` re-evaluates the GD-β and LTB closed forms in 50-digit arithmetic (mathjs, loaded
 * lazily) on the suite's problems and reports the float64 relative errors.
 */
import type { Command } from 'commander';
import { makeDirectory, writeReport } from '../../report/index.js';
import {
  buildReport, claimContext, defaultSuite, formatMeasured, parseSuite, preciseCheck, runSuite, type PreciseResult, type Suite,
} from '../../verify/index.js';
import { emit, parseJsonFile } from '../io.js';
import { fmt, withJson } from './common.js';
import { EXIT } from '../exit.js';


interface VerifyOptions {
  suite?: string;
  out: string;
  json: boolean;
  precise: boolean;
}

function progress(enabled: boolean): (text: string) => void {
  if (!enabled) return () => {};
  return (text) => process.stderr.write(`\r\x1b[2K${text}`);
}

export function registerVerify(program: Command): void {
  withJson(
    program
      .command('verify')
      .description('check the claim catalogue (ZWB, MHM, ZFB, ACDS) on a suite of problems and write the report; exit 1 if a claim fails')
      .option('--suite <file>', 'suite JSON: {"problems": [{"name", …problem JSON…, "claims"?}], "claims"?, "seed"?, "figures"?} (default: the embedded suite)')
      .option('--out <dir>', 'report directory', 'report')
      .option('--precise', 're-evaluate the GD-β and LTB closed forms in 50-digit arithmetic and report the float64 errors', false),
  ).action(async (opts: VerifyOptions) => {
    const suite: Suite = opts.suite ? parseJsonFile(opts.suite, '--suite', parseSuite) : defaultSuite();
    makeDirectory(opts.out, '--out'); // before the claims run: a bad directory fails in a second, not after it
    const tty = process.stderr.isTTY === true;
    const say = progress(tty);
    const ctx = claimContext({ seed: suite.seed, bayesSamples: suite.bayesSamples, mcSamples: suite.mcSamples });
    const t0 = performance.now();
    const run = runSuite(suite, { ctx, onProgress: (k, n, text) => say(`[${k}/${n}] ${text}`) });
    let precise: PreciseResult[] | undefined;
    if (opts.precise) {
      say('--precise: 50-digit closed forms');
      precise = await preciseCheck(suite.problems.map((p) => ({ name: p.name, problem: p.problem })), ctx);
    }
    const report = buildReport(suite, run, ctx, { ...(precise ? { precise } : {}), onProgress: say });
    say('writing the report');
    const written = await writeReport(opts.out, report);
    if (tty) process.stderr.write('\r\x1b[2K');
    const seconds = (performance.now() - t0) / 1000;
    const failed = run.results.filter((r) => !r.pass && r.error === undefined);
    const errored = run.results.filter((r) => r.error !== undefined);
    const result = {
      pass: run.pass,
      checks: run.results.length,
      failed: failed.length,
      errors: errored.length,
      seconds,
      results: run.results,
      skipped: run.skipped,
      ...(precise ? { precise } : {}),
      report: { outDir: written.outDir, markdown: written.markdownPath, html: written.htmlPath, figures: written.figures.map((f) => f.svgPath) },
    };
    emit(opts.json, result, () => {
      const w1 = Math.max(5, ...run.results.map((r) => r.id.length));
      const w2 = Math.max(7, ...run.results.map((r) => r.problem.length));
      const lines = [`${'claim'.padEnd(w1)}  ${'problem'.padEnd(w2)}  result  measured  [tolerance]`];
      for (const r of run.results) {
        lines.push(`${r.id.padEnd(w1)}  ${r.problem.padEnd(w2)}  ${(r.error ? 'ERROR' : r.pass ? 'pass' : 'FAIL').padEnd(6)}  ${formatMeasured(r.measured)}  [${formatMeasured(r.tolerance, 2)}]`);
      }
      if (precise) {
        lines.push('', '--precise (float64 relative error vs 50 digits): problem  R*_GDβ  §3.1  §3.3@GD-β  §3.3@LTB-opt  identity@50');
        for (const p of precise) {
          lines.push(`  ${p.problem.padEnd(w2)}  ${fmt(p.gdBetaOptimum)}  ${fmt(p.gdBetaRisk)}  ${fmt(p.ltbRiskAtGdBeta)}  ${fmt(p.ltbRiskAtOptimum)}  ${fmt(p.identityAt50Digits)}`);
        }
      }
      for (const s of run.skipped) lines.push(`skipped ${s.claim} on ${s.problem}: ${s.reason}`);
      const passed = run.results.length - failed.length - errored.length;
      lines.push('', `${passed}/${run.results.length} checks pass${failed.length ? ` — FAILED: ${failed.map((r) => `${r.id} on ${r.problem}`).join(', ')}` : ''}` +
        `${errored.length ? ` — could not be checked: ${errored.map((r) => `${r.id} on ${r.problem}`).join(', ')}` : ''} (${seconds.toFixed(1)} s)`);
      lines.push(`report: ${written.markdownPath}, ${written.htmlPath}`);
      return lines.join('\n');
    }, { allowNonFinite: true });
    if (failed.length > 0) {
      process.exitCode = EXIT.failed;
    } else if (errored.length > 0) {
      // Nothing was refuted, but some claims could not be checked: a numerical (or resource) failure, not a failed claim.
      const first = errored[0]!;
      process.stderr.write(`linear-icl: ${first.error!.kind === 'input' ? 'error' : 'numerical failure'}: ${errored.length} check${errored.length > 1 ? 's' : ''} could not be carried out (first: ${first.id} on ${first.problem}: ${first.error!.message.split('\n')[0]}); see the report, or change the problem\n`);
      process.exitCode = first.error!.kind === 'input' ? EXIT.user : EXIT.numerical;
    }
  });
}
