import * as path from 'node:path';
import { ConfigError } from '../../../bus/src/config/config.errors';
import { checkFixtures, type FixtureResult } from '../../../bus/src/config/fixtures.check';
import { configFileOf, loadConfigOffline } from '../../../bus/src/config/offline-config';
import { readRouteCases, runRouteCases, type RouteCaseResult } from '../../../bus/src/routing/route-cases.check';
import { Exit, type CommandResult } from '../cli.types';

/**
 * `bpi-bus test [dir]`: the route cases (`routes.cases.yaml` beside bus.yaml) and every
 * `__fixtures__` folder of every system, for any config folder.
 */
export async function test(dir = 'config'): Promise<CommandResult> {
  const file = configFileOf(dir);
  let config;
  try {
    config = await loadConfigOffline(dir);
  } catch (err) {
    const problems = err instanceof ConfigError ? [...err.problems] : [{ path: '(load)', message: (err as Error).message }];
    return { exitCode: Exit.PROBLEMS, json: { ok: false, file, problems }, text: [`${file} does not load; run bpi-bus check ${dir}`, ...problems.map((p) => `  ${p.path}: ${p.message}`)] };
  }
  const casesFile = path.join(path.dirname(file), 'routes.cases.yaml');
  const cases = await runRouteCases(config, readRouteCases(casesFile));
  const fixtures = await checkFixtures(config);
  const failed = [...cases, ...fixtures].filter((r) => r.outcome === 'failed').length;
  return {
    exitCode: failed ? Exit.PROBLEMS : Exit.OK,
    json: { ok: failed === 0, file, routeCases: cases, fixtures },
    text: [
      ...cases.map((c) => line(c.outcome, `route case: ${c.name}`, c.message)),
      ...fixtures.map((f) => line(f.outcome, `${f.system}: ${f.file}`, f.message)),
      `${cases.length} route cases, ${fixtures.length} fixtures: ${total(cases, fixtures, 'passed')} passed, ${failed} failed, ${total(cases, fixtures, 'skipped')} skipped`,
    ],
  };
}

const MARK: Record<string, string> = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' };
const line = (outcome: string, what: string, message?: string) => `${MARK[outcome]} ${what}${message ? `\n       ${message}` : ''}`;
const total = (a: RouteCaseResult[], b: FixtureResult[], outcome: string) => [...a, ...b].filter((r) => r.outcome === outcome).length;
