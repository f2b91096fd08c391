import { MappingError } from '../adapter.errors';

/**
 * `http://h/api` + `/customers` -> `http://h/api/customers`, whichever side has the slash.
 * A query string on either side is kept (`url: http://h/api?v=2`, `path: /search?all=1`).
 */
export function joinUrl(base: string, path: string): URL {
  const url = new URL(base);
  if (!path) return url;
  const [pathname, search] = splitOnce(path, '?');
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${pathname.replace(/^\/+/, '')}`;
  if (search) new URLSearchParams(search).forEach((v, k) => url.searchParams.append(k, v));
  return url;
}

const splitOnce = (text: string, separator: string): [string, string] => {
  const i = text.indexOf(separator);
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
};

type Scalar = string | number | boolean;
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * Builds a GET query URL: `{field}` placeholders in `path` take the request's fields (URL-encoded),
 * the remaining scalar fields (and arrays of scalars, repeated) go into the query string.
 * Nested objects cannot be expressed in a URL and are left out; POST the query when they matter.
 *
 * @param what names the system and query for errors, e.g. `system billing, query billing-period.get`
 */
export function queryUrl(base: string, path: string, fields: Record<string, unknown>, what: string): URL {
  const used = new Set<string>();
  const filled = path.replace(/\{([^{}]+)\}/g, (_match, name: string) => {
    const value = fields[name];
    if (!isScalar(value)) {
      throw new MappingError(
        `${what}: the path ${path} needs field ${name}, but the native request has ${value === undefined ? 'none' : 'a non-scalar value'}; ` +
          'return it from the answers/<type>.request mapping',
        name,
      );
    }
    used.add(name);
    return encodeURIComponent(String(value));
  });
  const url = joinUrl(base, filled);
  for (const [name, value] of Object.entries(fields)) {
    if (used.has(name)) continue;
    if (isScalar(value)) url.searchParams.append(name, String(value));
    else if (Array.isArray(value)) value.filter(isScalar).forEach((v) => url.searchParams.append(name, String(v)));
  }
  return url;
}
