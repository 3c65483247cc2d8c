/** Registers every subcommand on the program. One file per subcommand. */
import type { Command } from 'commander';
import { registerBayes } from './bayes.js';
import { registerFlow } from './flow.js';
import { registerMc } from './mc.js';
import { registerOptimum } from './optimum.js';
import { registerRisk } from './risk.js';
import { registerSweep } from './sweep.js';
import { registerTrain } from './train.js';
import { registerVerify } from './verify.js';

export function registerCommands(program: Command): void {
  registerRisk(program);
  registerOptimum(program);
  registerMc(program);
  registerBayes(program);
  registerVerify(program);
  registerFlow(program);
  registerSweep(program);
  registerTrain(program);
}
