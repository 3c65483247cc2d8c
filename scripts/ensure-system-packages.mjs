#!/usr/bin/env node
/**
 * `pretest`: makes sure the system programs some tests need are installed, and installs the missing
 * ones with Debian's apt-get (one `apt-get update`, one `apt-get install`) when this is a Debian
 * machine run as root:
 *
 * - chromium (+ fonts-liberation): the report's browser test. Looked for where src/report/browser.ts
 *   looks ($LINEAR_ICL_CHROMIUM, then /usr/bin/chromium, chromium-browser, google-chrome(-stable)).
 * - slurm (slurm-wlm + munge): tests/sweep/slurm.test.ts starts a one-node Slurm cluster.
 *
 * Otherwise it prints one line per missing need saying what to install and exits 0, so the other
 * tests still run and the tests that need the program fail with the same instruction.
 * Set LINEAR_ICL_NO_INSTALL=1 to never install anything.
 *
 *   node scripts/ensure-system-packages.mjs [chromium] [slurm]     (default: all)
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * What the tests need: `present()` says whether it is there, `packages` what apt-get installs,
 * `forWhat` which test needs it, `instead` what to do by hand.
 */
export const NEEDS = {
  chromium: {
    forWhat: "the report's browser test",
    packages: ['chromium', 'fonts-liberation'],
    instead: 'or set LINEAR_ICL_CHROMIUM to a Chromium executable',
    present() {
      const fromEnv = process.env.LINEAR_ICL_CHROMIUM;
      if (fromEnv) {
        if (!executable(fromEnv)) console.error(`ensure-system-packages: LINEAR_ICL_CHROMIUM=${fromEnv} is not executable; the browser test will fail (point it at a Chromium or unset it)`);
        return true; // the user chose: never install over it
      }
      return CHROMIUM_CANDIDATES.some(executable);
    },
  },
  slurm: {
    forWhat: 'the Slurm array-job test (tests/sweep/slurm.test.ts, which also needs root)',
    packages: ['slurm-wlm', 'munge'],
    instead: '',
    present() {
      return ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/bin/squeue', '/usr/bin/scontrol', '/usr/bin/sinfo'].every(executable);
    },
  },
};

/** Installs what `names` need and is missing (see the module comment). Never throws; returns the names still missing. */
export function ensure(names = Object.keys(NEEDS)) {
  const missing = names.filter((n) => !NEEDS[n].present());
  if (missing.length === 0) return [];
  const packages = missing.flatMap((n) => NEEDS[n].packages);
  const install = `apt-get install -y ${packages.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  const tell = (why) => {
    for (const n of missing) {
      const need = NEEDS[n];
      console.error(`ensure-system-packages: ${n} not found and not installed (${why}); ${need.forWhat} needs it: run \`sudo apt-get install -y ${need.packages.join(' ')}\`${need.instead ? ` ${need.instead}` : ''}`);
    }
  };
  if (process.env.LINEAR_ICL_NO_INSTALL || !isRoot || !hasApt) {
    tell(process.env.LINEAR_ICL_NO_INSTALL ? 'LINEAR_ICL_NO_INSTALL is set' : !hasApt ? 'no apt-get on this machine' : 'not running as root');
    return missing;
  }
  console.error(`ensure-system-packages: installing Debian's ${packages.join(', ')} (${install}) for ${missing.map((n) => NEEDS[n].forWhat).join(' and ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  // Installing a package must not start its daemon: the Slurm test starts its own, on its own ports.
  // policy-rc.d exit 101 is Debian's switch for that; only used when absent, and removed after.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = missing.includes('slurm') && !existsSync(policy);
  if (ownPolicy) spawnSync('sh', ['-c', `printf '#!/bin/sh\\nexit 101\\n' > ${policy} && chmod +x ${policy}`]);
  try {
    run(['update', '-qq']) && run(['install', '-y', '-qq', ...packages]);
  } finally {
    if (ownPolicy) spawnSync('rm', ['-f', policy]);
  }
  const still = missing.filter((n) => !NEEDS[n].present());
  if (still.length > 0) tell('the install failed');
  return still;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((n) => !Object.hasOwn(NEEDS, n));
  if (unknown.length > 0) {
    console.error(`ensure-system-packages: unknown need ${unknown.join(', ')} (known: ${Object.keys(NEEDS).join(', ')})`);
    process.exit(2);
  }
  ensure(asked.length > 0 ? asked : undefined);
  process.exit(0);
}
