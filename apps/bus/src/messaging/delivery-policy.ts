import { BusHeaders } from '@bus/canonical-model';

/** What went wrong, as it travels in fault headers. */
export interface Fault {
  /** `AREA.REASON`, e.g. `DELIVERY.TRANSIENT`. */
  code: string;
  message: string;
  /** Adapter id that failed; defaults to the consumer's `adapter` option. */
  adapter?: string;
}

/** What a delivery handler decides about one message. */
export type Outcome = { kind: 'ack' } | { kind: 'retry'; error: Fault } | { kind: 'deadLetter'; error: Fault };

/** The staged failure handling of one destination (bus.yaml `delivery`). */
export interface DeliveryPolicy {
  /** In-process calls of the handler again, right away, on each delivery before redelivering. */
  immediateRetries: number;
  /** One redelivery through a TTL queue per entry; after the last, dead-letter. */
  redeliveryDelaysMs: readonly number[];
}

/** What the consumer does next with a message. */
export type Decision =
  | { action: 'ack' }
  | { action: 'retry-now' }
  | { action: 'redeliver'; retryIndex: number; delayMs: number }
  | { action: 'dead-letter' };

/** Where the message stands: broker deliveries before this one, and in-process retries of this one. */
export interface DeliveryState {
  /** Value of `x-bus-attempts`: 0 on the first delivery. */
  attempts: number;
  /** Handler calls already repeated in process for this delivery. */
  immediateRetriesDone: number;
}

/**
 * Stages failures as the style guide says: immediate retries in process, then delayed redelivery
 * through retry queue `attempts` (one per delay), then dead-letter. Permanent errors dead-letter at once.
 * Immediate retries apply to every delivery (as MassTransit's retry inside redelivery does).
 */
export function decide(outcome: Outcome, state: DeliveryState, policy: DeliveryPolicy): Decision {
  if (outcome.kind === 'ack') return { action: 'ack' };
  if (outcome.kind === 'deadLetter') return { action: 'dead-letter' };
  if (state.immediateRetriesDone < policy.immediateRetries) return { action: 'retry-now' };
  const delayMs = policy.redeliveryDelaysMs[state.attempts];
  if (delayMs === undefined) return { action: 'dead-letter' };
  return { action: 'redeliver', retryIndex: state.attempts, delayMs };
}

/** Longest fault message kept in a header; AMQP header tables are limited to 64 KiB in total. */
export const MAX_FAULT_MESSAGE = 2000;

/** Headers a broker or the bus set for routing (or for one copy only) that must not travel on a copy. */
const NOT_COPIED = new Set([BusHeaders.DEAD_LETTER_ID, 'CC', 'BCC', 'x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason']);

/**
 * Headers of the copy sent to a retry or dead-letter queue: the original's, with the attempt counted,
 * the first failure time kept, and the fault described. A dead-letter copy carries its `deadLetterId`,
 * the id of its entry in the store, so the queue and the admin API can be matched copy by copy.
 * Pure: the clock and the id come in as arguments.
 */
export function faultHeaders(
  original: Record<string, unknown>,
  fault: Fault,
  context: { destination: string; attempts: number; adapter?: string; now: Date; deadLetterId?: string },
): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(original)) if (!NOT_COPIED.has(key)) headers[key] = value;
  headers[BusHeaders.ATTEMPTS] = context.attempts + 1;
  headers[BusHeaders.DESTINATION] = context.destination;
  headers[BusHeaders.FAULT_CODE] = fault.code;
  headers[BusHeaders.FAULT_MESSAGE] = fault.message.length > MAX_FAULT_MESSAGE ? `${fault.message.slice(0, MAX_FAULT_MESSAGE)}…` : fault.message;
  const adapter = fault.adapter ?? context.adapter;
  if (adapter) headers[BusHeaders.FAULT_ADAPTER] = adapter;
  if (typeof original[BusHeaders.FIRST_FAILED_AT] !== 'string') headers[BusHeaders.FIRST_FAILED_AT] = context.now.toISOString();
  if (context.deadLetterId) headers[BusHeaders.DEAD_LETTER_ID] = context.deadLetterId;
  return headers;
}

/** `x-bus-attempts` as a number; 0 when absent or garbled (a first delivery). */
export function attemptsOf(headers: Record<string, unknown>): number {
  const n = Number(headers[BusHeaders.ATTEMPTS] ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** A thrown error as a fault: unexpected errors are transient unless they say `retryable: false`. */
export function outcomeOfThrown(err: unknown, fallbackCode: string): Outcome {
  const e = err as { code?: unknown; message?: unknown; retryable?: unknown } | undefined;
  const error: Fault = {
    code: typeof e?.code === 'string' ? e.code : fallbackCode,
    message: typeof e?.message === 'string' ? e.message : String(err),
  };
  return e?.retryable === false ? { kind: 'deadLetter', error } : { kind: 'retry', error };
}
