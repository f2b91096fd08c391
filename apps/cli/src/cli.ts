import { parseArgs } from 'node:util';
import { ErrorCodes } from '@bus/canonical-model';
import { ConfigError } from '../../bus/src/config/config.errors';
import { BusRequestError } from './admin-client';
import { Exit, UsageError, type CliOptions, type CommandResult } from './cli.types';
import { apply, history, rollback } from './commands/admin.commands';
import { check } from './commands/check.command';
import { dryRun } from './commands/dry-run.command';
import { plan } from './commands/plan.command';
import { test } from './commands/test.command';
import { tryMessage } from './commands/try.command';

export const USAGE = `Usage: bpi-bus <command> [options]

Offline (no bus, no broker needed):
  check [dir]                 every check the bus runs at start, and every fixture
  test [dir]                  routes.cases.yaml and every __fixtures__ folder
  try <system> <file>         one native message through decode, map, validate, route, each destination
                              (--config dir, default config)
  plan [dir] --against dir    what would change against another config

Against a running bus (--url or BUS_URL, default http://127.0.0.1:3000; --token or BUS_ADMIN_TOKEN):
  plan [dir]                  what would change against the running version
  dry-run [dir] --since 1h | --last N
                              journal messages replayed through the running and the proposed config
  apply [dir] --reason "…"    send the config; --expected-version V (from plan --json) or the version now running
  rollback [version] --reason "…"
                              apply a version from the history again (default: the one before)
  history [--limit N]         the versions the bus applied

Every command takes --json. Exit codes: 0 ok, 1 problems found, 2 usage, 3 the bus refused or is unreachable.
dir defaults to config (a folder holding bus.yaml, or a .yaml file).
`;

/** Runs one command line; answers the exit code and what to print. Throws only on a bug. */
export async function run(argv: string[]): Promise<{ exitCode: number; output: string }> {
  let options: CliOptions = { json: argv.includes('--json') };
  let result: CommandResult;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, url: { type: 'string' }, token: { type: 'string' },
        against: { type: 'string' }, since: { type: 'string' }, last: { type: 'string' }, reason: { type: 'string' },
        'expected-version': { type: 'string' }, config: { type: 'string' }, limit: { type: 'string' },
      },
    });
    options = { ...values, json: values.json ?? false, expectedVersion: values['expected-version'] };
    const [command, ...args] = positionals;
    if (values.help || !command) return { exitCode: command || values.help ? Exit.OK : Exit.USAGE, output: USAGE };
    result = await dispatch(command, args, options);
  } catch (err) {
    result = failure(err);
  }
  return { exitCode: result.exitCode, output: options.json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text.join('\n')}\n` };
}

function dispatch(command: string, args: string[], options: CliOptions): Promise<CommandResult> {
  switch (command) {
    case 'check':
      return check(args[0]);
    case 'test':
      return test(args[0]);
    case 'try':
      return tryMessage(args[0], args[1], options.config);
    case 'plan':
      return plan(args[0], options);
    case 'dry-run':
      return dryRun(args[0], options);
    case 'apply':
      return apply(args[0], options);
    case 'rollback':
      return rollback(args[0], options);
    case 'history':
      return history(options);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Expected failures as results: a usage mistake, a config that does not load, a bus that refused. */
function failure(err: unknown): CommandResult {
  if (err instanceof UsageError || (err as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) {
    return { exitCode: Exit.USAGE, json: { ok: false, code: ErrorCodes.CLI_USAGE, message: (err as Error).message }, text: [`bpi-bus: ${(err as Error).message}`, '', USAGE] };
  }
  if (err instanceof ConfigError) {
    return {
      exitCode: Exit.PROBLEMS,
      json: { ok: false, code: err.code, file: err.source, problems: err.problems },
      text: [`${err.source}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}`, ...err.problems.map((p) => `  ${p.path}: ${p.message}`)],
    };
  }
  if (err instanceof BusRequestError) {
    return {
      exitCode: Exit.BUS,
      json: { ok: false, status: err.status, code: err.code, message: err.message, details: err.details },
      text: [`bpi-bus: ${err.code}: ${err.message}`, ...err.details.map((d) => `  ${d.path}: ${d.message}`)],
    };
  }
  throw err;
}
