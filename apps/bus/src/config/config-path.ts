/** A path into the config tree: property names and array indexes. */
export type ConfigPath = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `['routes', 1, 'to', 0]` -> `routes[1].to[0]`; keys that are not identifiers are quoted. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Joins a prefix with a path already formatted (e.g. one reported by an adapter's validator). */
export function joinPath(prefix: string, rest: string): string {
  if (!rest) return prefix;
  if (!prefix) return rest;
  return rest.startsWith('[') ? prefix + rest : `${prefix}.${rest}`;
}
