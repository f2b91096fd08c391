import { createHash } from 'node:crypto';
import type { ActiveConfig } from './active-config';
import { defaultLoaderDeps, type ConfigLoaderDeps } from './bus-config.deps';
import type { BusConfig } from './bus-config.schema';
import { validateBusConfig } from './bus-config.validation';
import { checkJobs } from './jobs.check';
import { ConfigError } from './config.errors';
import { interpolate, parseYaml, redact } from './config-source';
import * as path from 'node:path';
import { versionOfFiles, type ConfigFiles } from './config-files';
import { checkCrossReferences } from './cross-references.check';
import { loadEnv } from './env.schema';
import { checkSystemSettings } from './system-settings.check';
import { redactDeclaredSecrets } from './secret-redaction';

/**
 * Loads and checks config/bus.yaml in four layers, each reporting all of its problems, a later
 * layer running only when the earlier ones pass:
 *
 * 1. the environment (env.schema.ts);
 * 2. YAML syntax, `${VAR}` and `${file:/run/secrets/name}` interpolation and the file's structure (bus-config.schema.ts);
 * 3. each system's adapter kind, codec, mapper and `inbound:`/`outbound:` settings;
 * 4. mapping folders, route and query references, capabilities and per-type outbound mappings.
 *
 * Throws ConfigError naming the file and every problem with its path.
 *
 * @param file path of bus.yaml; mapping folders are relative to its folder
 * @param env variables for `${VAR}` (and the bus's own settings); defaults to process.env
 */
export async function loadBusConfig(
  file: string,
  env: Record<string, string | undefined> = process.env,
  deps: Partial<ConfigLoaderDeps> = {},
): Promise<ActiveConfig> {
  const d: ConfigLoaderDeps = { ...defaultLoaderDeps, ...deps };
  loadEnv(env);

  let text: string;
  try {
    text = await d.readFile(file);
  } catch (e) {
    throw new ConfigError(file, [{ path: '(file)', message: `cannot be read: ${(e as Error).message}` }]);
  }
  const parsed = parseYaml(text);
  if (parsed.problems.length) throw new ConfigError(file, parsed.problems);
  const interpolated = interpolate(parsed.value, env, d.readSecretFile);
  const { value: config, problems: structure } = validateBusConfig(interpolated.value);
  const layer2 = [...interpolated.problems, ...structure];
  if (layer2.length) throw new ConfigError(file, layer2);

  const settings = checkSystemSettings(config, d);
  if (settings.problems.length) throw new ConfigError(file, settings.problems);

  const references = await checkCrossReferences(config, file, settings.systems, d);
  const jobs = checkJobs(config.jobs, references.systems);
  const layer4 = [...references.problems, ...jobs.problems];
  if (layer4.length) throw new ConfigError(file, layer4);

  const plain = interpolated.value as Record<string, unknown>;
  const files = await d.readConfigFiles(file, text);
  return {
    file,
    version: versionOfFiles(files),
    files,
    loadedAt: d.now(),
    config,
    systems: references.systems,
    routeTable: references.routeTable,
    jobs: jobs.jobs,
    fingerprints: fingerprintsOf(plain, config, files),
    redactedConfig: () => redactDeclaredSecrets(redact(plain, interpolated.secretPaths) as Record<string, unknown>, references.systems),
  };
}

const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value ?? null)).digest('hex');

/**
 * Per system and route (by name) and per other top-level section, what a reload diff compares. A
 * system's includes its mapping files: an edited mapping changes the system, as edited settings do.
 */
function fingerprintsOf(plain: Record<string, unknown>, config: BusConfig, files: ConfigFiles): ActiveConfig['fingerprints'] {
  const systemsPlain = (plain.systems ?? {}) as Record<string, unknown>;
  const mappingFiles = (folder: string | undefined) => {
    if (!folder) return [];
    const prefix = `${path.posix.normalize(folder).replace(/\/$/, '')}/`;
    return Object.keys(files).filter((f) => f.startsWith(prefix)).sort().map((f) => [f, files[f]]);
  };
  const systems = new Map(Object.keys(config.systems).map((name) => [name, hash([systemsPlain[name], mappingFiles(config.systems[name].mapping)])]));
  // Routes compare in their normalized form, so `to: [erp]` and `to: [{system: erp}]` are the same route.
  const routes = new Map(config.routes.map((r) => [r.name, hash(r)]));
  const sections = new Map(['queries', 'delivery', 'ingress', 'journal', 'jobs', 'processors'].map((k) => [k, hash(config[k as keyof BusConfig])]));
  return { systems, routes, sections };
}
