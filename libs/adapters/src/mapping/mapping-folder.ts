import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { MappingProblem } from './mapping.errors';
import { MappingLoadError } from './mapping.errors';

/** One mapping file's text and the path shown to the integrator in errors. */
export interface MappingFile {
  display: string;
  source: string;
}

/** The files of a JSONata mapping folder, sorted into their roles (keys: type or query name). */
export interface MappingFolder {
  name: string;
  display: string;
  inbound?: MappingFile;
  outbound: Map<string, MappingFile>;
  asks: Map<string, MappingFile>;
  askReplies: Map<string, MappingFile>;
  /** `asks/<name>.error.jsonata`: a refused question -> the asking system's own error body (optional). */
  askErrors: Map<string, MappingFile>;
  requests: Map<string, MappingFile>;
  responses: Map<string, MappingFile>;
  /** Misplaced or unpaired files; reported together with the syntax errors. */
  problems: MappingProblem[];
}

const EXT = '.jsonata';

/** Paths in errors are relative to the working directory when inside it: what the integrator types. */
const displayPath = (p: string) => {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
};

async function jsonataFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && e.name.endsWith(EXT)).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Reads and sorts the folder; fails only when the folder itself is missing or unreadable. */
export async function readMappingFolder(dir: string): Promise<MappingFolder> {
  const display = displayPath(dir);
  try {
    await readdir(dir);
  } catch (e) {
    throw new MappingLoadError(display, [{ file: display, message: `cannot read the mapping folder (${(e as Error).message})` }]);
  }
  const folder: MappingFolder = {
    name: path.basename(path.resolve(dir)),
    display,
    outbound: new Map(),
    asks: new Map(),
    askReplies: new Map(),
    askErrors: new Map(),
    requests: new Map(),
    responses: new Map(),
    problems: [],
  };
  const load = async (sub: string, name: string): Promise<MappingFile> => {
    const full = path.join(dir, sub, name);
    return { display: displayPath(full), source: await readFile(full, 'utf8') };
  };
  const misplaced = (sub: string, name: string, hint: string) =>
    folder.problems.push({ file: displayPath(path.join(dir, sub, name)), message: `unexpected mapping file; ${hint}` });

  for (const name of await jsonataFiles(dir)) {
    if (name === 'inbound.jsonata') folder.inbound = await load('', name);
    else misplaced('', name, 'the top level holds only inbound.jsonata (outbound mappings go in outbound/<type>.jsonata)');
  }
  for (const name of await jsonataFiles(path.join(dir, 'outbound'))) {
    folder.outbound.set(name.slice(0, -EXT.length), await load('outbound', name));
  }
  for (const name of await jsonataFiles(path.join(dir, 'asks'))) {
    if (name.endsWith(`.reply${EXT}`)) folder.askReplies.set(name.slice(0, -`.reply${EXT}`.length), await load('asks', name));
    else if (name.endsWith(`.error${EXT}`)) folder.askErrors.set(name.slice(0, -`.error${EXT}`.length), await load('asks', name));
    else folder.asks.set(name.slice(0, -EXT.length), await load('asks', name));
  }
  for (const name of await jsonataFiles(path.join(dir, 'answers'))) {
    if (name.endsWith(`.request${EXT}`)) folder.requests.set(name.slice(0, -`.request${EXT}`.length), await load('answers', name));
    else if (name.endsWith(`.response${EXT}`)) folder.responses.set(name.slice(0, -`.response${EXT}`.length), await load('answers', name));
    else misplaced('answers', name, 'name it <query type>.request.jsonata or <query type>.response.jsonata');
  }
  unpaired(folder, folder.asks, folder.askReplies, 'asks', (k) => [`${k}.jsonata`, `${k}.reply.jsonata`]);
  unpaired(folder, folder.requests, folder.responses, 'answers', (k) => [`${k}.request.jsonata`, `${k}.response.jsonata`]);
  return folder;
}

/** Request-reply needs both directions; a lone half would only fail at run time. */
function unpaired(
  folder: MappingFolder,
  first: Map<string, MappingFile>,
  second: Map<string, MappingFile>,
  sub: string,
  names: (key: string) => [string, string],
) {
  for (const key of new Set([...first.keys(), ...second.keys()])) {
    const [a, b] = names(key);
    const has = first.has(key) ? a : b;
    const lacks = first.has(key) ? b : a;
    if (first.has(key) && second.has(key)) continue;
    folder.problems.push({
      file: `${folder.display}/${sub}/${has}`,
      message: `has no partner ${sub}/${lacks}; add it (\`$\` alone passes the value through unchanged)`,
    });
  }
}
