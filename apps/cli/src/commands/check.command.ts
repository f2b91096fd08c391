import { ConfigError, type ConfigProblem } from '../../../bus/src/config/config.errors';
import { checkFixtures } from '../../../bus/src/config/fixtures.check';
import { configFileOf, loadConfigOffline } from '../../../bus/src/config/offline-config';
import { Exit, type CommandResult } from '../cli.types';

/**
 * `bpi-bus check [dir]`: every check the bus runs at start (environment, YAML, structure, each
 * system's settings, mappings, cross-references), then every fixture. No broker, no secrets: unset
 * `${VAR}`s and unreadable `${file:…}` secrets are placeholders.
 */
export async function check(dir = 'config'): Promise<CommandResult> {
  const file = configFileOf(dir);
  let config;
  try {
    config = await loadConfigOffline(dir);
  } catch (err) {
    const problems: ConfigProblem[] = err instanceof ConfigError ? [...err.problems] : [{ path: '(load)', message: (err as Error).message }];
    const source = err instanceof ConfigError ? err.source : file;
    return {
      exitCode: Exit.PROBLEMS,
      json: { ok: false, file: source, problems },
      text: [`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, ...problems.map((p) => `  ${p.path}: ${p.message}`)],
    };
  }
  const fixtures = await checkFixtures(config);
  const failed = fixtures.filter((f) => f.outcome === 'failed');
  const problems = failed.map((f) => ({ path: f.file, message: f.message ?? 'failed' }));
  const summary = `${config.systems.size} systems, ${config.config.routes.length} routes, ${Object.keys(config.files).length} files; fixtures: ${count(fixtures, 'passed')} passed, ${failed.length} failed, ${count(fixtures, 'skipped')} skipped`;
  return {
    exitCode: failed.length ? Exit.PROBLEMS : Exit.OK,
    json: { ok: failed.length === 0, file, version: config.version, problems, fixtures },
    text: [
      `${file}: ${failed.length ? `${failed.length} problem${failed.length === 1 ? '' : 's'}` : 'ok'} (version ${config.version})`,
      `  ${summary}`,
      ...problems.map((p) => `  ${p.path}: ${p.message}`),
    ],
  };
}

const count = (items: { outcome: string }[], outcome: string) => items.filter((i) => i.outcome === outcome).length;
