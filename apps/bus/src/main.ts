// First, before any module allocates: the heap settings apply to the heap as it grows from here.
import './heap-settings';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadEnv } from './config/env.schema';
import { ConfigError } from './config/config.errors';
import { loadBusConfig } from './config/bus-config.loader';
import { createBusApp } from './app.factory';
import { busVersion } from './bus.version';
import { startupLine } from './startup-line';

/**
 * Checks the environment and the config file before anything connects: an invalid config prints
 * every problem with its path and exits non-zero.
 */
async function main(): Promise<void> {
  let env;
  let initial;
  try {
    env = loadEnv(process.env);
    initial = await loadBusConfig(env.BUS_CONFIG, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createBusApp({ env, initial });
  await app.listen(env.PORT);
  new Logger('bus').log(startupLine(env, initial, busVersion(), env.PORT));
}

main().catch((err: unknown) => {
  process.stderr.write(`bpi-bus failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
