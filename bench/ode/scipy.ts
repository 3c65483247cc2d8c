/** Spawn bench/ode/scipy_ode.py with one BLAS thread (shared by run.ts and reference.ts). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface ScipyRun {
  readonly id: string;
  readonly method: string;
  readonly rtol: number;
  readonly atol: number;
}

export interface ScipyResult extends ScipyRun {
  readonly status: string;
  readonly seconds: number;
  readonly repeats: number;
  readonly nfev?: number;
  readonly njev?: number;
  readonly nlu?: number;
  readonly steps?: number;
  readonly y?: number[];
}

export interface ScipyOutput {
  readonly versions: Record<string, string>;
  readonly results: ScipyResult[];
}

export function runScipy(runs: readonly ScipyRun[], repeats: number, budget: number, repeatBudget: number): ScipyOutput {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ode-'));
  try {
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify({ runs, repeats, budget, repeatBudget }));
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const r = spawnSync('python3', [join(HERE, 'scipy_ode.py'), input], { env, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`scipy_ode.py failed (status ${r.status})`);
    return JSON.parse(r.stdout) as ScipyOutput;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
