/**
 * The layering of ARCHITECTURE.md, checked on the source tree: every relative import in src/ either
 * stays inside its own area, or goes to an area the importer may depend on (downward only) and
 * then only to that area's face, its index.ts. Fails naming the file, the import and the rule.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '..', 'src');

/**
 * Areas (a folder under src/, `ode` = src/flow/ode, `root` = files directly in src/) and the areas
 * each may import. `errors` is src/errors.ts, the shared error classes every layer may use.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  linalg: [],
  errors: [],
  quadrature: ['linalg', 'errors'],
  optim: ['linalg', 'errors'],
  ode: ['linalg', 'errors'],
  models: ['linalg', 'errors'],
  risk: ['linalg', 'quadrature', 'models', 'errors'],
  flow: ['linalg', 'ode', 'models', 'risk', 'errors'],
  optimum: ['linalg', 'optim', 'ode', 'models', 'risk', 'flow', 'errors'],
  report: ['errors'],
  testing: ['linalg', 'models', 'risk', 'errors'],
  train: ['linalg', 'optim', 'ode', 'models', 'risk', 'flow', 'optimum', 'report', 'errors'],
  verify: ['linalg', 'quadrature', 'optim', 'ode', 'models', 'risk', 'flow', 'optimum', 'train', 'report', 'errors'],
  sweep: ['linalg', 'quadrature', 'optim', 'ode', 'models', 'risk', 'flow', 'optimum', 'train', 'report', 'verify', 'errors'],
  cli: ['linalg', 'quadrature', 'optim', 'ode', 'models', 'risk', 'flow', 'optimum', 'train', 'report', 'verify', 'sweep', 'errors'],
  index: ['linalg', 'quadrature', 'optim', 'ode', 'models', 'risk', 'flow', 'optimum', 'train', 'report', 'verify', 'errors'],
};

/** The area of a file, from its path relative to src/. */
function areaOf(rel: string): string {
  const parts = rel.split(sep);
  if (parts.length === 1) return parts[0] === 'index.ts' ? 'index' : parts[0] === 'errors.ts' ? 'errors' : `root:${parts[0]}`;
  if (parts[0] === 'flow' && parts[1] === 'ode') return 'ode';
  return parts[0]!;
}

/** The face of an area: the one file other areas may import. */
function faceOf(area: string): string {
  if (area === 'ode') return join('flow', 'ode', 'index.ts');
  if (area === 'errors') return 'errors.ts';
  return join(area, 'index.ts');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative module specifiers of every import/export … from, and of dynamic import('…'). */
function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push((m[1] ?? m[2])!);
  return out;
}

function violations(): string[] {
  const bad: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file);
    const from = areaOf(rel);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      const to = areaOf(target);
      if (to === from) continue;
      const allowed = MAY_IMPORT[from];
      if (allowed === undefined) bad.push(`${rel}: area '${from}' is not in ARCHITECTURE.md`);
      else if (!allowed.includes(to)) bad.push(`${rel} imports ${spec}: '${from}' may not depend on '${to}' (upward or sideways)`);
      else if (target !== faceOf(to)) bad.push(`${rel} imports ${spec}: bypasses ${faceOf(to)}, the face of '${to}'`);
    }
  }
  return bad;
}

describe('architecture: imports go downward and through each area face', () => {
  it('the checker itself catches an upward import and a bypassed index (fixtures)', () => {
    expect(areaOf(join('flow', 'ode', 'solve.ts'))).toBe('ode');
    expect(areaOf(join('risk', 'gdbeta.ts'))).toBe('risk');
    expect(importsOf("import { a } from '../verify/claims.js';\nexport { b } from './x.js';\nconst m = await import('../cli/main.js');")).toEqual([
      '../verify/claims.js', './x.js', '../cli/main.js',
    ]);
    expect(MAY_IMPORT.risk).not.toContain('flow');
  });

  it('src/ has no upward import and no import past an index.ts', () => {
    expect(violations()).toEqual([]);
  });

  it('every area folder under src/ is listed in the layering', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    for (const f of folders) expect(Object.keys(MAY_IMPORT), `src/${f}`).toContain(f);
  });
});
