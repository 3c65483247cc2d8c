/**
 * The sweep's worker threads from compiled JavaScript, as in the installed package (bin/linear-icl.js
 * → dist/src/cli/main.js → dist/src/sweep/worker.js, no tsx anywhere): src/ is compiled file by file
 * into a temporary package (package.json, bin/, dist/src/, node_modules linked), whose CLI must give
 * the same lines as the source run under tsx.
 *
 * Compiled with TypeScript's transpileModule (one file at a time, no type check: the type check is
 * `npm run typecheck`'s job) so this test does not depend on the whole tree type-checking and does
 * not touch the repository's dist/.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { lineOutcome, type ResultLine } from '../../src/sweep/index.js';

const ROOT = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const pkg = mkdtempSync(join(tmpdir(), 'linear-icl-dist-'));

beforeAll(() => {
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const out = join(pkg, 'dist', relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: file,
    }).outputText;
    writeFileSync(out, js);
  }
  mkdirSync(join(pkg, 'bin'));
  copyFileSync(join(ROOT, 'bin/linear-icl.js'), join(pkg, 'bin/linear-icl.js'));
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
}, 60_000);

describe('sweep from compiled JavaScript (the installed layout)', () => {
  it('runs its worker threads from dist/src/sweep/worker.js and gives the lines of the source run', () => {
    const grid = join(pkg, 'grid.json');
    writeFileSync(grid, JSON.stringify({
      base: { d: 3, sigma2: 0.5, betaNorm: 1, spectrum: 'log-uniform', cond: 30 }, axes: { M: [4, 8, 16], class: ['gd-beta', 'gd-0'] },
      task: { kind: 'risk' }, seed: 4,
    }));
    // Plain node, no loader: a .ts worker entry could not load here.
    const d = spawnSync(process.execPath, [join(pkg, 'bin/linear-icl.js'), 'sweep', '--grid', grid, '--workers', '2'], { encoding: 'utf8', cwd: pkg, env: { ...process.env, NODE_OPTIONS: '' } });
    expect(d.stderr).toBe('');
    expect(d.status).toBe(0);
    const s = runCli(['sweep', '--grid', grid, '--workers', '2']);
    expect(s.code, s.stderr).toBe(0);
    const parse = (t: string): ResultLine[] => t.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ResultLine).sort((a, b) => a.index - b.index);
    const fromDist = parse(d.stdout);
    const fromSrc = parse(s.stdout);
    expect(fromDist).toHaveLength(6);
    expect(new Set(fromDist.map((l) => l.timing.worker)).size).toBe(2);
    expect(fromDist.map(lineOutcome)).toEqual(fromSrc.map(lineOutcome));
    expect(fromDist[0]!.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  }, 60_000);
});
