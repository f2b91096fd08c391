import type { CanonicalEnvelope } from '@bus/canonical-model';
import { typeMatcher } from '../routing/type-pattern';

/** Business keys are kept as text; longer values are cut, as no booking ref or invoice number is this long. */
const MAX_KEY_LENGTH = 200;

/**
 * Reads a message's business keys (`businessKeys:` in bus.yaml: type pattern -> field paths) from its
 * envelope: every non-empty scalar found at a path of every pattern its type matches, deduplicated.
 * Pure, so the dispatcher calls it at accept time and the journal indexes what it returns.
 *
 * @example
 * businessKeysOf({ 'conference.*': ['payload.bookingRef'] }, envelope) // ['B-123']
 */
export function businessKeysOf(map: Readonly<Record<string, readonly string[]>> | undefined, envelope: CanonicalEnvelope): string[] {
  if (!map) return [];
  const keys = new Set<string>();
  for (const [pattern, paths] of Object.entries(map)) {
    if (!typeMatcher(pattern)(envelope.type)) continue;
    for (const path of paths) {
      const value = valueAt(envelope, path);
      if ((typeof value === 'string' && value !== '') || typeof value === 'number' || typeof value === 'bigint') keys.add(String(value).slice(0, MAX_KEY_LENGTH));
    }
  }
  return [...keys];
}

function valueAt(root: unknown, path: string): unknown {
  let at: unknown = root;
  for (const segment of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}
