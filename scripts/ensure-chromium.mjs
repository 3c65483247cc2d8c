#!/usr/bin/env node
/**
 * `pretest`: makes sure the report's browser test has a Chromium. Looks where src/report/browser.ts
 * looks ($LINEAR_ICL_CHROMIUM, then /usr/bin/chromium, chromium-browser, google-chrome(-stable));
 * when none is there and this is a Debian machine run as root, installs Debian's `chromium` and
 * `fonts-liberation` with apt-get. Otherwise it prints one line saying what to install and exits 0,
 * so the other tests still run and the browser test fails with the same instruction.
 * Set LINEAR_ICL_NO_INSTALL=1 to never install anything.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'];
const INSTALL = 'apt-get install -y chromium fonts-liberation';

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const fromEnv = process.env.LINEAR_ICL_CHROMIUM;
if (fromEnv) {
  if (!executable(fromEnv)) console.error(`ensure-chromium: LINEAR_ICL_CHROMIUM=${fromEnv} is not executable; the browser test will fail (point it at a Chromium or unset it)`);
  process.exit(0);
}
if (CANDIDATES.some(executable)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (process.env.LINEAR_ICL_NO_INSTALL || !isRoot || !hasApt) {
  const why = process.env.LINEAR_ICL_NO_INSTALL ? 'LINEAR_ICL_NO_INSTALL is set' : !hasApt ? 'no apt-get on this machine' : 'not running as root';
  console.error(`ensure-chromium: Chromium not found and not installed (${why}); the report's browser test needs it: run \`sudo ${INSTALL}\` or set LINEAR_ICL_CHROMIUM to a Chromium executable`);
  process.exit(0);
}

console.error(`ensure-chromium: Chromium not found; installing Debian's chromium (${INSTALL}) for the report's browser test…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
if (!(run(['update', '-qq']) && run(['install', '-y', '-qq', 'chromium', 'fonts-liberation']) && CANDIDATES.some(executable))) {
  console.error(`ensure-chromium: the install failed; the browser test will fail: run \`${INSTALL}\` by hand`);
}
process.exit(0);
