/**
 * File names come from other systems (a folder listing, a message field): never trust them as paths.
 * These helpers are pure; the client applies them before every open, move or write.
 */

/** Suffixes of files still being written, by the `rename` convention; never read in any mode. */
export const IN_PROGRESS_SUFFIXES = ['.part', '.tmp'] as const;
/** Suffix of the marker the `marker` convention waits for. */
export const MARKER_SUFFIX = '.done';
/** Suffix of the report written beside every processed or failed file. */
export const REPORT_SUFFIX = '.report.json';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why a name may not be used as a file name inside the adapter's folders, or `undefined` when it is safe.
 * Refused: empty, over 255 bytes, path separators, `..` anywhere, control characters, a leading dot (hidden files).
 */
export function unsafeNameReason(name: string): string | undefined {
  if (!name) return 'the name is empty';
  if (Buffer.byteLength(name) > 255) return 'the name is longer than 255 bytes';
  if (name.includes('/') || name.includes('\\')) return 'the name contains a path separator';
  if (name.includes('..')) return 'the name contains ".."';
  if (CONTROL.test(name)) return 'the name contains a control character';
  if (name.startsWith('.')) return 'the name starts with a dot (hidden file)';
  return undefined;
}

export const isSafeName = (name: string): boolean => unsafeNameReason(name) === undefined;

/** Turns a glob-ish pattern (`*` any run, `?` one character) into an anchored RegExp over the whole name. */
export function globToRegExp(pattern: string): RegExp {
  const body = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}

/** True for the adapter's own bookkeeping files and files still being written. */
export const isBookkeepingName = (name: string): boolean =>
  name.endsWith(MARKER_SUFFIX) || name.endsWith(REPORT_SUFFIX) || IN_PROGRESS_SUFFIXES.some((s) => name.endsWith(s));

/** One template value reduced to characters that are safe in any file system. */
export const safePart = (value: string): string => value.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/\.{2,}/g, '_').replace(/^[._]+/, '');

/** File extension for an outbound body's content type. */
export function extensionFor(contentType: string): string {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type.endsWith('/json') || type.endsWith('+json')) return 'json';
  if (type.endsWith('/xml') || type.endsWith('+xml')) return 'xml';
  if (type === 'application/pdf') return 'pdf';
  if (type.startsWith('text/')) return 'txt';
  return 'bin';
}

/**
 * Fills `{name}` placeholders from `values`, each value made safe first, then checks the result.
 * An unknown placeholder is left empty. Throws (with the reason) when the result is still unsafe.
 */
export function fillFileName(template: string, values: Record<string, string | number | undefined>): string {
  const name = template.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, key: string) => {
    const v = values[key];
    return v === undefined ? '' : safePart(String(v));
  });
  const reason = unsafeNameReason(name);
  if (reason) throw new Error(`file name "${name}" from template "${template}" is unsafe: ${reason}`);
  return name;
}

/** `report.csv` -> `report~2.csv`: the n-th alternative when a name is taken. */
export function alternativeName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}~${n}${name.slice(dot)}` : `${name}~${n}`;
}
