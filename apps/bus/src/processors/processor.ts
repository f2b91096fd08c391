import type { CanonicalDraft, CanonicalEnvelope } from '@bus/canonical-model';
import type { BusStore } from '../store/bus-store';

/** What a processor did with one input message. */
export type ProcessorOutcome =
  /** Handled (emitted or not); the input is acked and recorded as delivered to the processor. */
  | { kind: 'done' }
  /** Cannot be handled until an operator acts (e.g. rates missing): dead-lettered with this code and reason, replayable. */
  | { kind: 'park'; code: string; reason: string };

/** Publishes what a processor derives, through the Dispatcher, as the processor (its name is the source). */
export interface ProcessorEmit {
  /**
   * `dedupKey` is claimed in the store before publishing, so emitting again with the same key (a
   * redelivered input, a timer firing twice) publishes nothing. `cause` gives correlation and causation.
   */
  (draft: CanonicalDraft, dedupKey: string, cause: { correlationId: string; causationId?: string }): Promise<void>;
}

/** What the host gives a processor. */
export interface ProcessorContext {
  name: string;
  store: BusStore;
  emit: ProcessorEmit;
  now(): Date;
  logger: { warn(message: string): void; error(message: string): void };
}

/**
 * A bus-internal stage: a routing destination (queue `bus.<name>`, same retry and dead-letter policy
 * as a system) and the source of what it emits. Handlers must be safe to run twice for one input:
 * the host skips inputs it recorded as done, but a crash between emit and record replays one.
 */
export interface Processor {
  handle(input: CanonicalEnvelope): Promise<ProcessorOutcome>;
  /** Called once its consumer runs (not awaited by the host): catch up on what happened while it was stopped. */
  start?(): Promise<void>;
  /** Stops timers; called before the broker connection closes. */
  stop?(): Promise<void>;
  /** An input file was read to the end: re-check what may now be complete (rather than wait for a timer). */
  inputComplete?(): Promise<void>;
}
