import 'reflect-metadata';
import { Logger, type LogLevel } from '@nestjs/common';
import { loadEnv } from './config/env.schema';
import { ConfigError } from './config/config.errors';
import { loadBusConfig } from './config/bus-config.loader';
import { createBusApp } from './app.factory';

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
  const app = await createBusApp({ env, initial, logger: logLevels(env.LOG_LEVEL) });
  await app.listen(env.PORT);
  new Logger('bus').log(`listening on port ${env.PORT}; config ${env.BUS_CONFIG} version ${initial.version}`);
}

function logLevels(level: string | undefined): LogLevel[] {
  const all: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];
  const index = all.indexOf((level ?? 'log') as LogLevel);
  return all.slice(0, index < 0 ? 3 : index + 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`bpi-bus failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
