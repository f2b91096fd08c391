/**
 * The one shape every message has on the bus, whatever system it came from.
 *
 * @example
 * {
 *   id: '0b6c…', type: 'customer.updated', schemaVersion: 1, source: 'sales',
 *   correlationId: '0b6c…', occurredAt: '2026-11-28T09:00:00.000Z',
 *   payload: { customerId: 'C-17', name: 'Acme GmbH', … }
 * }
 */
export interface CanonicalEnvelope<P = unknown> {
  /** Set once, by the inbound host; the dedup key downstream. */
  id: string;
  /** Canonical message type such as `customer.updated`; also the routing key. */
  type: string;
  /** Version of the payload schema, e.g. 1 for `customer-updated.v1.ts`. */
  schemaVersion: number;
  /** System name from bus.yaml that sent the message, e.g. `sales`. */
  source: string;
  /** Shared by every message of one business conversation. */
  correlationId: string;
  /** Id of the message that caused this one, when there was one. */
  causationId?: string;
  /** ISO-8601, from the source system when it has one, else the time the bus received it. */
  occurredAt: string;
  /** The source system's own id for this record, when its mapping declares one (used for dedup). */
  nativeId?: string;
  /** Content hash of the bus config version that routed this message. */
  configVersion?: string;
  /** The validated payload; its schema is registered in message-types.ts. */
  payload: P;
}

/**
 * What a mapping produces from one native message: the envelope's business part.
 * The host adds id, source, schemaVersion and correlation.
 */
export interface CanonicalDraft<P = unknown> {
  type: string;
  payload: P;
  occurredAt?: string;
  nativeId?: string;
  correlationId?: string;
}
