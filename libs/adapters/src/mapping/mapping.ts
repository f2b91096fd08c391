import type { CanonicalDraft, CanonicalEnvelope } from '@bus/canonical-model';

/**
 * A system's translation between its decoded native values and the canonical model.
 * Pure: no I/O and no clock. Throws MappingError naming the field.
 *
 * Request-reply has two sides: the asking system maps its native question to a canonical query
 * and the canonical answer back (`ask*`); the answering system maps the canonical query to its
 * native request and its native answer to canonical (`answer*`).
 */
export interface SystemMapping {
  /** Decoded native value -> one or more canonical drafts. */
  toCanonical(native: unknown, meta?: Record<string, unknown>): Promise<CanonicalDraft[]>;
  /** Canonical envelope -> native value for this system. Throws MappingError if the type has no mapping. */
  fromCanonical(envelope: CanonicalEnvelope): Promise<unknown>;
  /** Canonical message types this system can receive (it has an outbound mapping for each). */
  readonly outboundTypes: readonly string[];

  /** Query names this system may ask, e.g. `billing-period` (the path segment after /queries/). */
  readonly asks: readonly string[];
  askToCanonical?(queryName: string, native: unknown): Promise<{ type: string; payload: unknown }>;
  answerToNative?(queryName: string, answer: unknown): Promise<unknown>;

  /** Canonical query types this system answers, e.g. `billing-period.get`. */
  readonly answers: readonly string[];
  queryToNative?(type: string, query: unknown): Promise<unknown>;
  answerFromNative?(type: string, native: unknown): Promise<unknown>;
}
