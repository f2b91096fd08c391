import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { ConfigProblem } from './config.errors';
import { formatPath, type ConfigPath } from './config-path';

/** The content hash that names a config version: sha256, first 12 hex digits. */
export const versionOf = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** YAML text -> plain tree, or every syntax error with its line and column. */
export function parseYaml(text: string): { value: unknown; problems: ConfigProblem[] } {
  // `<<: *defaults` merge keys are YAML 1.1, but integrators use them to share settings between systems.
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return { path: pos ? `line ${pos.line}, column ${pos.col}` : '(file)', message: firstLine(e.message) };
    });
    return { value: undefined, problems };
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) {
    return { value, problems: [{ path: '(file)', message: 'is empty; it needs at least a "systems:" section' }] };
  }
  return { value, problems: [] };
}

const firstLine = (message: string) => message.split('\n')[0];

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const FILE_REFERENCE = /^file:(.+)$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The tree with `${VAR}` replaced, and the paths of the values that held a reference (to redact). */
export interface Interpolated {
  value: unknown;
  secretPaths: ConfigPath[];
  problems: ConfigProblem[];
}

/**
 * Replaces `${VAR}` in every string value with the environment variable's value, and
 * `${file:/run/secrets/name}` with that file's content (the container convention for secrets);
 * `$${` stands for a literal `${`. A reference to an unset variable or an unreadable file is an
 * error naming the path and the variable or file.
 */
export function interpolate(
  tree: unknown,
  env: Record<string, string | undefined>,
  readSecretFile: (file: string) => string = (file) => readFileSync(file, 'utf8').replace(/\r?\n$/, ''),
): Interpolated {
  const secretPaths: ConfigPath[] = [];
  const problems: ConfigProblem[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') return substitute(node, path);
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) out[key] = walk(child, [...path, key]);
      return out;
    }
    return node;
  };
  const substitute = (text: string, path: ConfigPath): string => {
    if (!text.includes('${')) return text;
    let referenced = false;
    const result = text.replace(REFERENCE, (match, name: string | undefined) => {
      if (match === '$${') return '${';
      referenced = true;
      const variable = (name ?? '').trim();
      const secretFile = FILE_REFERENCE.exec(variable)?.[1].trim();
      if (secretFile !== undefined) {
        try {
          return readSecretFile(secretFile);
        } catch (e) {
          problems.push({ path: formatPath(path), message: `secret file ${secretFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); create it or change the value` });
          return match;
        }
      }
      if (!VARIABLE.test(variable)) {
        problems.push({ path: formatPath(path), message: `"${match}" is not a valid reference; write \${NAME} with letters, digits and underscores` });
        return match;
      }
      const value = env[variable];
      if (value === undefined) {
        problems.push({ path: formatPath(path), message: `environment variable ${variable} is not set; set it or change the value` });
        return match;
      }
      return value;
    });
    if (referenced) secretPaths.push(path);
    return result;
  };
  const value = walk(tree, []);
  return { value, secretPaths, problems };
}

/** A copy of `tree` with every interpolated value replaced by `***`. */
export function redact(tree: unknown, secretPaths: readonly ConfigPath[]): unknown {
  const copy = structuredClone(tree) as Record<string | number, unknown>;
  for (const path of secretPaths) {
    if (path.length === 0) return '***';
    let node: Record<string | number, unknown> | undefined = copy;
    for (const part of path.slice(0, -1)) node = node?.[part] as Record<string | number, unknown> | undefined;
    if (node && typeof node === 'object') node[path[path.length - 1]] = '***';
  }
  return copy;
}
