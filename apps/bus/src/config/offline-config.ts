import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ActiveConfig } from './active-config';
import { loadBusConfig } from './bus-config.loader';
import { isOutside, MAIN_FILE, type ConfigFiles } from './config-files';
import { placeholderEnv } from './testing/placeholder-env';

/** `config`, `config/` or `config/bus.yaml` -> the bus.yaml path. */
export function configFileOf(dirOrFile = 'config'): string {
  const resolved = path.resolve(dirOrFile);
  return existsSync(resolved) && statSync(resolved).isDirectory() ? path.join(resolved, MAIN_FILE) : resolved;
}

/**
 * Loads a config as the bus does at start, with every check, but without its secrets: a `${VAR}`
 * that is not set gets a placeholder shaped after its name, and a `${file:…}` secret that cannot be
 * read here reads as a placeholder. What the bus would refuse, this refuses, with the same problems.
 */
export function loadConfigOffline(dirOrFile = 'config', env: Record<string, string | undefined> = process.env): Promise<ActiveConfig> {
  const file = configFileOf(dirOrFile);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // The loader reports the unreadable file with its path.
  }
  const vars = { ...placeholderEnv(text), ...env };
  return loadBusConfig(file, vars, {
    readSecretFile: (secret) => {
      try {
        return readFileSync(secret, 'utf8').replace(/\r?\n$/, '');
      } catch {
        return `placeholder-${path.basename(secret)}`;
      }
    },
  });
}

/**
 * Loads a version given as its files (from GET /admin/config/versions/{v}) by writing them into a
 * temporary folder. Files outside the config folder (`../…`) are not written: the
 * version's bus.yaml then finds them relative to the temporary folder only if they exist there.
 */
export async function loadConfigFromFiles(files: ConfigFiles, env?: Record<string, string | undefined>): Promise<ActiveConfig> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bpi-bus-version-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      if (isOutside(name)) continue;
      const full = path.join(dir, name);
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, text);
    }
    return await loadConfigOffline(dir, env);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
