#!/usr/bin/env node
// The launcher npm links as `bpi-bus`: the CLI is compiled with the bus (`npm run build`).
try {
  require.resolve('../dist/apps/bus/apps/cli/src/main.js');
} catch {
  process.stderr.write('bpi-bus is not built yet: run `npm run build` (or `npm start`) first.\n');
  process.exit(2);
}
require('../dist/apps/bus/apps/cli/src/main.js');
