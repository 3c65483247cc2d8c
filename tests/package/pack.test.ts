/**
 * The package as a user installs it: `npm pack`, install the tarball into a scratch project (no dev
 * dependencies of ours), type-check and run every README code block that imports `linear-icl`
 * (blocks whose first line is `// examples/<name>.ts`; a `*.test.ts` block runs under vitest), run
 * the installed `linear-icl` bin, and check the tarball's contents (LICENSE, docs/math.md, no source
 * maps). npm installs from its cache first (`--prefer-offline`): `npm ci` has filled it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** README code blocks that name an example file on their first line. */
function readmeExamples(): { path: string; code: string }[] {
  const md = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const out: { path: string; code: string }[] = [];
  for (const m of md.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const code = m[1]!;
    const first = /^\/\/ (examples\/[\w.-]+\.ts)\b/.exec(code);
    if (first && /from 'linear-icl(\/[a-z]+)?'/.test(code)) out.push({ path: first[1]!, code });
  }
  return out;
}

function run(cmd: string, args: string[], cwd: string, timeout = 240_000): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, FORCE_COLOR: '0', npm_config_audit: 'false', npm_config_fund: 'false' } });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

describe('the packed package, installed as a user installs it', () => {
  let scratch = '';
  let tarball = '';
  let files: string[] = [];

  beforeAll(() => {
    const packDir = mkdtempSync(join(tmpdir(), 'linear-icl-pack-'));
    const pack = run(NPM, ['pack', '--json', '--pack-destination', packDir], ROOT);
    expect(pack.code, pack.stderr).toBe(0);
    const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    tarball = join(packDir, info[0]!.filename);
    files = info[0]!.files.map((f) => f.path);

    scratch = mkdtempSync(join(tmpdir(), 'linear-icl-user-'));
    const fcVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules/fast-check/package.json'), 'utf8')) as { version: string }).version;
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }, null, 2));
    const inst = run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `fast-check@${fcVersion}`], scratch);
    expect(inst.code, inst.stderr).toBe(0);
    // The test runner and the type checker are the user's own tools: take ours rather than download them.
    for (const tool of ['vitest', 'typescript', '@types/node']) {
      const target = join(scratch, 'node_modules', tool);
      mkdirSync(dirname(target), { recursive: true });
      if (!existsSync(target)) symlinkSync(join(ROOT, 'node_modules', tool), target, 'dir');
    }
  }, 300_000);

  it('ships LICENSE, README, docs/math.md, the built library and bin, and no source maps', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'docs/math.md', 'bin/linear-icl.js', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/src/flow/ode/index.js', 'dist/src/testing/index.js']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('tests/') || f.startsWith('bench/'))).toEqual([]);
  });

  it('type-checks and runs every README example against the installed package', () => {
    const examples = readmeExamples();
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const ex of examples) {
      mkdirSync(join(scratch, dirname(ex.path)), { recursive: true });
      writeFileSync(join(scratch, ex.path), ex.code);
    }
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      include: ['examples'],
    }, null, 2));
    const tsc = run(process.execPath, [join(scratch, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], scratch);
    expect(tsc.code, `${tsc.stdout}${tsc.stderr}`).toBe(0);
    for (const ex of examples.filter((e) => !e.path.endsWith('.test.ts'))) {
      // Node 20 runs TypeScript only through a loader: strip the types with the user's compiler.
      const js = join(scratch, ex.path.replace(/\.ts$/, '.mjs'));
      execFileSync(process.execPath, [join(scratch, 'node_modules/typescript/bin/tsc'), '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'ES2022',
        '--types', 'node', '--outDir', join(scratch, 'out'), join(scratch, ex.path)], { cwd: scratch });
      const out = join(scratch, 'out', ex.path.replace(/^examples\//, '').replace(/\.ts$/, '.js'));
      writeFileSync(js, readFileSync(out, 'utf8'));
      const r = run(process.execPath, [js], scratch, 120_000);
      expect(r.code, `${ex.path}: ${r.stderr}`).toBe(0);
    }
  }, 240_000);

  it('runs the README property test (linear-icl/testing) under vitest in the scratch project', () => {
    const tests = readmeExamples().filter((e) => e.path.endsWith('.test.ts'));
    expect(tests.length).toBeGreaterThanOrEqual(1);
    for (const t of tests) {
      mkdirSync(join(scratch, dirname(t.path)), { recursive: true });
      writeFileSync(join(scratch, t.path), t.code);
    }
    const r = run(process.execPath, [join(scratch, 'node_modules/vitest/vitest.mjs'), 'run', '--root', scratch, '--dir', 'examples'], scratch, 180_000);
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
    const expected = tests.reduce((n, t) => n + (t.code.match(/^it\(/gm) ?? []).length, 0);
    expect(expected).toBeGreaterThanOrEqual(1);
    expect(r.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(new RegExp(`Tests\\s+${expected} passed`));
  }, 240_000);

  it('runs the installed bin (no dev dependencies): optimum, a user error and --version', () => {
    const bin = join(scratch, 'node_modules/.bin/linear-icl');
    writeFileSync(join(scratch, 'p.json'), JSON.stringify({ d: 5, M: 20, H: 1, Psi: 1, betaStar: 10, sigma2: 0.25 }));
    const ok = run(bin, ['optimum', '--problem', 'p.json', '--class', 'gd-beta', '--json'], scratch);
    expect(ok.code, ok.stderr).toBe(0);
    // R*_GDβ of the reference problem, independently: Γ* = γI with γ = 1/(κ + (tr H + σ²/ψ²)/M) and
    // R* = σ² + ψ²·d·(1 − γ) (H = Ψ = I, β₀* = β*): κ = 1.05, γ = 1/(1.05 + 5.25/20) = 0.761904…
    const gamma = 1 / (1.05 + (5 + 0.25) / 20);
    expect(Math.abs(JSON.parse(ok.stdout).risk - (0.25 + 5 * (1 - gamma)))).toBeLessThan(1e-13);
    const bad = run(bin, ['risk', '--problem', 'p.json', '--estimatr', 'x.json'], scratch);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const ver = run(bin, ['--version'], scratch);
    expect(ver.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect(readdirSync(join(scratch, 'node_modules'))).not.toContain('tsx');
  });
});
