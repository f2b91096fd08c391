import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ConfigFiles } from './config-files';
import { isOutside, MAIN_FILE } from './config-files';

/** A path of a ConfigFiles map that stays inside the config folder, or the reason it does not. */
export function checkConfigPath(name: string): string | undefined {
  if (!name || path.isAbsolute(name) || name.includes('\\')) return `"${name}" must be a relative path with "/" separators`;
  if (name.split('/').some((part) => part === '..' || part === '' || part === '.')) return `"${name}" must stay inside the config folder (no "..", "." or empty parts)`;
  return undefined;
}

/**
 * Writes a version's files into the folder of bus.yaml, each by write-then-rename, and deletes the
 * files of `previous` the new version no longer has. bus.yaml is renamed into place last, so a
 * watcher never sees the new bus.yaml beside old mappings. Resolves with an undo that restores
 * `previous` (used when the written version is refused).
 */
export async function writeConfigFiles(file: string, next: ConfigFiles, previous: ConfigFiles): Promise<() => Promise<void>> {
  const root = path.dirname(path.resolve(file));
  const target = (name: string) => (name === MAIN_FILE ? path.resolve(file) : path.join(root, name));
  const before = new Map<string, string | undefined>();
  const names = [...new Set([...Object.keys(next), ...Object.keys(previous)])].filter((n) => !isOutside(n));
  for (const name of names) before.set(name, await readFile(target(name), 'utf8').catch(() => undefined));

  const put = async (name: string, text: string) => {
    const full = target(name);
    await mkdir(path.dirname(full), { recursive: true });
    const tmp = `${full}.${randomUUID().slice(0, 8)}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, full);
  };
  const ordered = (names: string[]) => [...names.filter((n) => n !== MAIN_FILE), ...names.filter((n) => n === MAIN_FILE)];

  for (const name of ordered(Object.keys(next).filter((n) => !isOutside(n)))) await put(name, next[name]);
  for (const name of Object.keys(previous)) if (!(name in next) && !isOutside(name)) await rm(target(name), { force: true });

  return async () => {
    for (const name of ordered([...before.keys()])) {
      const text = before.get(name);
      if (text === undefined) await rm(target(name), { force: true });
      else await put(name, text);
    }
  };
}
