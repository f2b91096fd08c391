import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseYaml } from './config-source';

/**
 * Every file a config version is made of, by path relative to the folder of bus.yaml
 * (`bus.yaml`, `mappings/crm/inbound.jsonata`, `templates/letter.hbs`). Fixtures are not part of
 * it: they check a mapping, they do not change what the bus does.
 */
export type ConfigFiles = Record<string, string>;

/** The name bus.yaml has in a ConfigFiles map, whatever the file is called on disk. */
export const MAIN_FILE = 'bus.yaml';

/**
 * The version of a set of files: sha256 over each path and content in path order, first 12 hex
 * digits. A change to any mapping or template is a new version, as a change to bus.yaml is.
 */
export function versionOfFiles(files: ConfigFiles): string {
  const h = createHash('sha256');
  for (const name of Object.keys(files).sort()) h.update(`${name}\0${files[name]}\0`);
  return h.digest('hex').slice(0, 12);
}

/** Paths bus.yaml references, relative to its folder: mapping folders and job templates. */
export function referencedPaths(tree: unknown): { folders: string[]; files: string[] } {
  const root = (tree ?? {}) as { systems?: Record<string, { mapping?: unknown }>; jobs?: unknown };
  const folders = Object.values(root.systems ?? {})
    .map((s) => s?.mapping)
    .filter((m): m is string => typeof m === 'string' && !m.includes('${'));
  const files: string[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'template' && typeof value === 'string') files.push(value);
      else walk(value);
    }
  };
  walk(root.jobs);
  return { folders: [...new Set(folders)], files: [...new Set(files)] };
}

/**
 * Reads bus.yaml and every file it references. A referenced file or folder that is missing is
 * left out (the checks report it, with its path); unreadable YAML yields bus.yaml alone.
 */
export async function readConfigFiles(file: string, mainText?: string): Promise<ConfigFiles> {
  const text = mainText ?? (await readFile(file, 'utf8'));
  const files: ConfigFiles = { [MAIN_FILE]: text };
  const parsed = parseYaml(text);
  if (parsed.problems.length) return files;
  const root = path.dirname(path.resolve(file));
  const { folders, files: single } = referencedPaths(parsed.value);
  for (const folder of folders) {
    for (const full of await listFiles(path.resolve(root, folder))) files[relative(root, full)] = await readFile(full, 'utf8');
  }
  for (const name of single) {
    const full = path.resolve(root, name);
    const content = await readFile(full, 'utf8').catch(() => undefined);
    if (content !== undefined) files[relative(root, full)] = content;
  }
  return files;
}

/**
 * What to watch for a version: the folder of bus.yaml and every folder under a referenced one, and
 * the names in the folder of bus.yaml that matter (bus.yaml, a template there, the first folder of
 * each referenced path): that folder may also hold the store's files, whose writes must not count.
 */
export async function watchTargets(file: string, files: ConfigFiles): Promise<{ folders: string[]; rootNames: string[] }> {
  const root = path.dirname(path.resolve(file));
  const parsed = parseYaml(files[MAIN_FILE] ?? '');
  const { folders, files: single } = referencedPaths(parsed.value);
  const out = new Set<string>([root]);
  const rootNames = new Set<string>([path.basename(file)]);
  for (const name of [...single, ...folders]) {
    const rel = path.relative(root, path.resolve(root, name)).split(path.sep);
    if (rel[0] && rel[0] !== '..') rootNames.add(rel[0]);
  }
  for (const name of single) out.add(path.dirname(path.resolve(root, name)));
  for (const folder of folders) for (const dir of await listFolders(path.resolve(root, folder))) out.add(dir);
  return { folders: [...out], rootNames: [...rootNames] };
}

/** Relative even outside the config folder (`../mappings/sales/inbound.jsonata`): such a file is still part of the version. */
const relative = (root: string, full: string) => path.relative(root, full).split(path.sep).join('/');

/** A file outside the config folder: counted in the version, but not written by an apply. */
export const isOutside = (name: string) => name.startsWith('../') || path.isAbsolute(name);

const skipped = (name: string) => name === '__fixtures__' || name.startsWith('.');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (skipped(e.name)) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

async function listFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return [path.dirname(dir)];
  const out = [dir];
  for (const e of entries) if (e.isDirectory() && !skipped(e.name)) out.push(...(await listFolders(path.join(dir, e.name))));
  return out;
}
