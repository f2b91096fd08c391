/**
 * Message-type patterns, AMQP-topic style: segments split on `.`, `*` matches exactly one segment,
 * `#` matches zero or more.
 *
 * @example
 * matchesType('customer.*', 'customer.updated')  // true
 * matchesType('customer.#', 'customer')          // true
 * matchesType('#.updated', 'contract.rate.updated') // true
 */
export const isTypePattern = (pattern: string): boolean => pattern.split('.').some((s) => s === '*' || s === '#');

export function matchesType(pattern: string, type: string): boolean {
  return matchSegments(pattern.split('.'), 0, type.split('.'), 0);
}

/** A compiled matcher for one pattern; exact types compare as strings. */
export function typeMatcher(pattern: string): (type: string) => boolean {
  if (!isTypePattern(pattern)) return (type) => type === pattern;
  const segments = pattern.split('.');
  return (type) => matchSegments(segments, 0, type.split('.'), 0);
}

function matchSegments(pattern: readonly string[], p: number, type: readonly string[], t: number): boolean {
  while (p < pattern.length) {
    const segment = pattern[p];
    if (segment === '#') {
      // `#` at the end swallows the rest; otherwise try every split point (patterns are short).
      if (p === pattern.length - 1) return true;
      for (let skip = t; skip <= type.length; skip++) if (matchSegments(pattern, p + 1, type, skip)) return true;
      return false;
    }
    if (t >= type.length) return false;
    if (segment !== '*' && segment !== type[t]) return false;
    p++;
    t++;
  }
  return t === type.length;
}
