#!/usr/bin/env node
// Entry point of the installed CLI: runs the compiled code in dist/ (built by `npm run build`,
// which `npm ci` runs through the `prepare` script).
import('../dist/src/cli/main.js').then((m) => m.run(process.argv.slice(2))).then((code) => {
  process.exitCode = code;
});
