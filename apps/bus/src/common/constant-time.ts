import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Compared against when there is no expected secret, so a refusal costs the same either way. */
const NO_SECRET = randomBytes(32);

/**
 * Compares a presented secret with the expected one in time independent of where they differ.
 * Both sides are hashed first so that different lengths do not leak either; a missing expected
 * secret (e.g. an unknown system) takes the same path and never matches.
 */
export function secretsMatch(presented: string | undefined, expected: string | undefined): boolean {
  const a = createHash('sha256').update(presented ?? '').digest();
  const b = createHash('sha256').update(expected ?? NO_SECRET).digest();
  return timingSafeEqual(a, b) && Boolean(presented) && expected !== undefined && expected !== '';
}
