import type { CanonicalDraft, CanonicalEnvelope } from '@bus/canonical-model';

/**
 * Extra JSONata variables the host passes to one evaluation, e.g. `{ xref: '4711' }` makes
 * `$xref` available. `now` (ISO string or Date) is special: it is what `$now()`/`$millis()` return,
 * because mappings have no clock of their own.
 */
export type MappingBindings = Record<string, unknown>;

/**
 * A system's translation between its decoded native values and the canonical model.
 * Pure: no I/O and no clock. Throws MappingError naming the system, the mapping file and the problem.
 *
 * Request-reply has two sides: the asking system maps its native question to a canonical query
 * and the canonical answer back (`ask*`); the answering system maps the canonical query to its
 * native request and its native answer to canonical (`answer*`).
 *
 * @example
 * const mapping = await loadJsonataMapping('config/mappings/sales');
 * const drafts = await mapping.toCanonical(jsonCodec.decode(body), { 'content-type': 'application/json' });
 * const native = await mapping.fromCanonical(envelope, { xref: '4711', now: envelope.occurredAt });
 */
export interface SystemMapping {
  /** Decoded native value -> one or more canonical drafts (`$meta` = meta). An empty array means "nothing to publish". */
  toCanonical(native: unknown, meta?: Record<string, unknown>): Promise<CanonicalDraft[]>;
  /**
   * Canonical envelope -> native value for this system. Throws MappingError if the type has no mapping.
   * @param bindings e.g. `{ xref }`: the destination's own id for the envelope's entity, when the bus knows it.
   */
  fromCanonical(envelope: CanonicalEnvelope, bindings?: MappingBindings): Promise<unknown>;
  /**
   * Canonical message types this system can receive (it has an outbound mapping for each).
   * Entries use the route type-pattern syntax: a code mapper that takes every type declares `['#']`.
   */
  readonly outboundTypes: readonly string[];

  /** Query names this system may ask, e.g. `billing-period` (the path segment after /queries/). */
  readonly asks: readonly string[];
  askToCanonical?(queryName: string, native: unknown, meta?: Record<string, unknown>): Promise<{ type: string; payload: unknown }>;
  answerToNative?(queryName: string, answer: unknown): Promise<unknown>;
  /** A refused question -> the asking system's own error body; undefined when the system has no error mapping. */
  askErrorToNative?(queryName: string, error: QueryErrorInfo): Promise<unknown>;

  /** Canonical query types this system answers, e.g. `billing-period.get` (exact types, no patterns). */
  readonly answers: readonly string[];
  queryToNative?(type: string, query: unknown, bindings?: MappingBindings): Promise<unknown>;
  answerFromNative?(type: string, native: unknown): Promise<unknown>;
}

/** What an asking system's `asks/<name>.error.jsonata` receives: the HTTP status, the bus's error code and its message. */
export interface QueryErrorInfo {
  status: number;
  code: string;
  message: string;
}
