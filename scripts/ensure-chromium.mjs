#!/usr/bin/env node
/**
 * `pretest` (former form): makes sure the report's browser test has a Chromium — now one need of
 * scripts/ensure-system-packages.mjs (which also covers Slurm for the sweep's array-job test); kept
 * so that `node scripts/ensure-chromium.mjs` goes on working. Set LINEAR_ICL_NO_INSTALL=1 to never
 * install anything.
 */
import { ensure } from './ensure-system-packages.mjs';

ensure(['chromium']);
process.exit(0);
