/**
 * Durations and sizes as an integrator writes them (`500ms`, `10s`, `1m`; `512kb`, `1mb`),
 * turned into the numbers the code uses. A bare number is taken as milliseconds or bytes.
 */
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i;
const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i;

const MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export const DURATION_HINT = 'must be a duration such as 500ms, 10s, 1m or 1h';
export const SIZE_HINT = 'must be a size such as 512kb or 1mb';

/** `10s` -> 10000; numbers pass through; anything else -> undefined. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = DURATION.exec(value);
  return m ? Math.round(Number(m[1]) * MS[m[2].toLowerCase()]) : undefined;
}

/** `1mb` -> 1048576; numbers pass through; anything else -> undefined. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = SIZE.exec(value);
  return m ? Math.floor(Number(m[1]) * BYTES[(m[2] ?? 'b').toLowerCase()]) : undefined;
}

/** The JSON Schema pattern accepted for durations in bus.yaml. */
export const DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*$';
/** The JSON Schema pattern accepted for sizes in bus.yaml. */
export const SIZE_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(b|kb|mb|gb)?\\s*$';
