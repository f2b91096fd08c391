import type { CanonicalEnvelope } from '@bus/canonical-model';

/** The body as an envelope, or undefined when it is not a JSON object. */
export function parseEnvelope(content: Buffer): CanonicalEnvelope | undefined {
  try {
    const value: unknown = JSON.parse(content.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as CanonicalEnvelope) : undefined;
  } catch {
    return undefined;
  }
}
