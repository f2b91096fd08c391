/**
 * How much of a secret setting is hidden: `value` the whole value; `url` the user and password in a
 * URL (`https://user:***@host/`); `values` every value of a record (e.g. extra headers, names kept).
 */
export type SecretKind = 'value' | 'url' | 'values';

const secrets = new WeakMap<object, Map<string, SecretKind>>();

/**
 * Marks a setting of an adapter config class as secret: the admin API and logs show it redacted,
 * whether it was written as `${ENV}` or inline in bus.yaml.
 * @example `@Secret() @IsString() apiKey!: string;`  `@Secret('url') @IsUrl() url!: string;`
 */
export function Secret(kind: SecretKind = 'value'): PropertyDecorator {
  return (target, key) => {
    const own = secrets.get(target.constructor) ?? new Map<string, SecretKind>();
    own.set(String(key), kind);
    secrets.set(target.constructor, own);
  };
}

/** The secret settings a config class (and its parents) declares, by property name. */
export function secretSettingsOf(cls: Function): ReadonlyMap<string, SecretKind> {
  const all = new Map<string, SecretKind>();
  for (let c: Function | null = cls; c && c !== Object; c = Object.getPrototypeOf(c) as Function | null) {
    for (const [key, kind] of secrets.get(c) ?? []) if (!all.has(key)) all.set(key, kind);
  }
  return all;
}

export const REDACTED = '***';

/** `scheme://user:***@host/…`; a value that is not a URL is hidden whole. */
export function redactUrlCredentials(value: string): string {
  try {
    const url = new URL(value);
    if (!url.username && !url.password) return value;
    if (url.password) url.password = REDACTED;
    else url.username = REDACTED;
    return url.toString();
  } catch {
    return REDACTED;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A copy of `plain` (settings as written in bus.yaml) with every secret setting redacted, walked
 * beside `instance` (the same settings as checked config class instances), whose classes say which
 * settings are secret. Nested config classes and records of them (e.g. per-query settings) are walked too.
 */
export function redactSecrets(plain: unknown, instance: unknown): unknown {
  if (!isObject(plain) || !isObject(instance)) return plain;
  const declared = Object.getPrototypeOf(instance) === Object.prototype ? undefined : secretSettingsOf(instance.constructor);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(plain)) {
    const kind = declared?.get(key);
    out[key] = kind ? redactValue(child, kind) : redactSecrets(child, instance[key]);
  }
  return out;
}

function redactValue(value: unknown, kind: SecretKind): unknown {
  if (value === undefined || value === null) return value;
  if (kind === 'url') return typeof value === 'string' ? redactUrlCredentials(value) : REDACTED;
  if (kind === 'values' && isObject(value)) return Object.fromEntries(Object.keys(value).map((k) => [k, REDACTED]));
  return REDACTED;
}
