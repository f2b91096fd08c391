import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Compared against when there is no expected secret, so a refusal costs the same either way. */
const NO_SECRET = randomBytes(32);

/** Digests of the expected secrets (the configured keys, a handful): hashed once, not on every request. */
const expectedDigests = new Map<string, Buffer>();
const MAX_REMEMBERED = 1000;

const digest = (value: string | Buffer): Buffer => hash('sha256', value, 'buffer');
const NO_SECRET_DIGEST = digest(NO_SECRET);

function expectedDigest(expected: string | undefined): Buffer {
  if (expected === undefined) return NO_SECRET_DIGEST;
  let known = expectedDigests.get(expected);
  if (!known) {
    // Keys change only with a config reload; forgetting them all now and then bounds the memory.
    if (expectedDigests.size >= MAX_REMEMBERED) expectedDigests.clear();
    expectedDigests.set(expected, (known = digest(expected)));
  }
  return known;
}

/**
 * Compares a presented secret with the expected one in time independent of where they differ.
 * Both sides are hashed first so that different lengths do not leak either; a missing expected
 * secret (e.g. an unknown system) takes the same path and never matches.
 */
export function secretsMatch(presented: string | undefined, expected: string | undefined): boolean {
  const a = digest(presented ?? '');
  const b = expectedDigest(expected);
  return timingSafeEqual(a, b) && Boolean(presented) && expected !== undefined && expected !== '';
}
