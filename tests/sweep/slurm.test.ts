/**
 * examples/slurm on a real scheduler: starts a one-node Slurm cluster on localhost (Debian's
 * slurm-wlm + munge, as root: a generated munge key, munged on a private socket, a minimal
 * slurm.conf on free ports, slurmctld + slurmd in the foreground), submits the sweep as an array job
 * plus a dependent merge job through examples/slurm/submit.sh, waits for both, and checks the merged
 * file equals an independent unsharded local run point for point (coordinates, seeds, keys, results
 * bitwise; timing excluded) and that each shard ran exactly its points.
 *
 * Where Slurm cannot run (not root, packages missing) this test FAILS saying why: install with
 * `apt-get install -y slurm-wlm munge` (scripts/ensure-system-packages.mjs does it in `pretest`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { cpus, hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { lineOutcome, type ResultLine } from '../../src/sweep/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BINARIES = ['/usr/sbin/munged', '/usr/bin/munge', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/bin/squeue', '/usr/bin/scontrol', '/usr/bin/sinfo'];
const DEADLINE_MS = 50_000;

/** Why Slurm cannot run here, or null. */
function whyNoSlurm(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'this test starts slurmctld, slurmd and munged and must run as root (it is root in CI); run the suite as root';
  }
  const missing = BINARIES.filter((b) => !existsSync(b));
  if (missing.length > 0) return `missing ${missing.join(', ')}: install Debian's packages with \`apt-get install -y slurm-wlm munge\` (npm test's pretest does it as root unless LINEAR_ICL_NO_INSTALL is set)`;
  return null;
}

/** A TCP port nobody listens on now (the kernel's pick). */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ok: () => boolean, timeoutMs: number, log: () => string): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${log()}`);
    await sleep(200);
  }
}

const started: ChildProcess[] = [];

afterAll(async () => {
  // Only the daemons this test started, by their pids; SIGKILL whatever has not exited after 5 s.
  for (const child of started.reverse()) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
  const t0 = Date.now();
  while (started.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() - t0 < 5000) await sleep(100);
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}, 15_000);

function readLines(path: string): ResultLine[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ResultLine);
}

describe('examples/slurm on a one-node Slurm cluster', () => {
  it('an array job of 4 shards + a dependent merge equals an unsharded local run, point for point', async () => {
    const why = whyNoSlurm();
    if (why !== null) throw new Error(`Slurm cannot run on this machine: ${why}`);
    const t0 = Date.now();

    const dir = mkdtempSync(join(tmpdir(), 'linear-icl-slurm-'));
    chmodSync(dir, 0o711); // munged wants every directory on its socket's path searchable
    for (const sub of ['state', 'spool', 'results']) mkdirSync(join(dir, sub));
    const env = { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') };
    const logs = (): string => ['munged.log', 'slurmctld.log', 'slurmd.log'].map((f) => {
      const p = join(dir, f);
      return existsSync(p) ? `--- ${f}\n${readFileSync(p, 'utf8').split('\n').slice(-15).join('\n')}` : `--- ${f}: none`;
    }).join('\n');
    const daemon = (cmd: string, args: string[], log: string): ChildProcess => {
      const fd = openSync(join(dir, log), 'a');
      const child = spawn(cmd, args, { env, stdio: ['ignore', fd, fd] });
      closeSync(fd);
      started.push(child);
      return child;
    };

    // munge: a fresh key, a private socket.
    const key = join(dir, 'munge.key');
    writeFileSync(key, randomBytes(1024), { mode: 0o400 });
    const socket = join(dir, 'munge.sock');
    daemon('/usr/sbin/munged', ['--foreground', '--force', `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(dir, 'munged.pid')}`,
      `--seed-file=${join(dir, 'munged.seed')}`, `--log-file=${join(dir, 'munged.log')}`], 'munged.log');
    await waitFor('munged socket', () => existsSync(socket), 10_000, logs);

    const node = hostname().split('.')[0]!;
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    writeFileSync(env.SLURM_CONF, [
      'ClusterName=liclsweeptest',
      `SlurmctldHost=${node}(127.0.0.1)`,
      'SlurmUser=root', 'SlurmdUser=root',
      `SlurmctldPort=${ctldPort}`, `SlurmdPort=${dPort}`,
      'AuthType=auth/munge', `AuthInfo=socket=${socket}`, 'CredType=cred/munge',
      `StateSaveLocation=${join(dir, 'state')}`, `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`, `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`, `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'SelectType=select/cons_tres', 'SchedulerType=sched/backfill',
      'MpiDefault=none', 'ReturnToService=2', 'JobCompType=jobcomp/none', 'AccountingStorageType=accounting_storage/none',
      'JobAcctGatherType=jobacct_gather/none',
      // The real CPU count: a node configured with more than it has is drained as invalid.
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus().length} State=UNKNOWN`,
      `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'));
    daemon('/usr/sbin/slurmctld', ['-D', '-i', '-f', env.SLURM_CONF], 'slurmctld.out');
    daemon('/usr/sbin/slurmd', ['-D', '-f', env.SLURM_CONF], 'slurmd.out');
    await waitFor('the node to be idle', () => {
      const r = spawnSync('/usr/bin/sinfo', ['-h', '-o', '%t'], { env, encoding: 'utf8' });
      return r.status === 0 && r.stdout.trim() === 'idle';
    }, 20_000, logs);

    // The grid: log-uniform spectra make the results depend on each point's seed.
    const grid = {
      name: 'slurm test',
      base: { d: 4, sigma2: 0.25, psi2: 1, betaNorm: 2, spectrum: 'log-uniform' },
      axes: { M: [5, 10, 20], cond: [1, 10, 100], class: ['gd-beta', 'gd-0'] },
      task: { kind: 'risk' },
      seed: 20261206,
    };
    const gridPath = join(dir, 'grid.json');
    writeFileSync(gridPath, JSON.stringify(grid));
    const results = join(dir, 'results');
    const loader = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
    const submit = spawnSync(join(ROOT, 'examples/slurm/submit.sh'), [gridPath, '4', results], {
      env: { ...env, LINEAR_ICL: `${process.execPath} --import ${loader} ${join(ROOT, 'src/cli/main.ts')}` }, encoding: 'utf8', cwd: dir,
    });
    expect(submit.status, `submit.sh failed: ${submit.stderr}`).toBe(0);
    const [arrayId, mergeId] = submit.stdout.trim().split(/\s+/);
    expect(arrayId).toMatch(/^\d+$/);
    expect(mergeId).toMatch(/^\d+$/);

    // The jobs leave squeue when done; scontrol keeps their final state for MinJobAge (300 s).
    const outputs = (): string => readdirSync(results).filter((f) => f.endsWith('.out')).map((f) => `--- ${f}\n${readFileSync(join(results, f), 'utf8')}`).join('\n');
    await waitFor('the array and merge jobs', () => {
      const r = spawnSync('/usr/bin/squeue', ['-h', '-j', `${arrayId},${mergeId}`], { env, encoding: 'utf8' });
      return r.status === 0 && r.stdout.trim() === '';
    }, Math.max(5_000, DEADLINE_MS - (Date.now() - t0)), () => `${spawnSync('/usr/bin/squeue', [], { env, encoding: 'utf8' }).stdout}\n${outputs()}\n${logs()}`);
    const state = spawnSync('/usr/bin/scontrol', ['show', 'job', mergeId!], { env, encoding: 'utf8' }).stdout;
    expect(state, `merge job did not complete:\n${state}\n${outputs()}`).toMatch(/JobState=COMPLETED/);
    expect(state).toMatch(/ExitCode=0:0/);

    // Each shard ran exactly its points (i ≡ shard mod 4), each once.
    const size = 3 * 3 * 2;
    for (let s = 0; s < 4; s++) {
      const idx = readLines(join(results, `shard-${s}.jsonl`)).map((l) => l.index).sort((a, b) => a - b);
      expect(idx).toEqual(Array.from({ length: size }, (_, i) => i).filter((i) => i % 4 === s));
    }
    const merged = readLines(join(results, 'merged.jsonl'));
    expect(merged.map((l) => l.index)).toEqual(Array.from({ length: size }, (_, i) => i));

    // The independent unsharded run, on this machine, outside Slurm.
    const local = join(dir, 'local.jsonl');
    const r = runCli(['sweep', '--grid', gridPath, '--workers', '2', '--out', local]);
    expect(r.code, r.stderr).toBe(0);
    const unsharded = readLines(local).sort((a, b) => a.index - b.index);
    expect(unsharded).toHaveLength(size);
    for (let i = 0; i < size; i++) {
      expect(merged[i]!.status).toBe('ok');
      expect(lineOutcome(merged[i]!)).toBe(lineOutcome(unsharded[i]!));
    }
    // Not vacuous: every point has its own result (a constant would make the comparison meaningless).
    const risks = new Set(merged.map((l) => (l.status === 'ok' ? l.result.risk : null)));
    expect(risks.size).toBe(size);
  }, 90_000);
});
