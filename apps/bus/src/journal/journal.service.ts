import { BusHeaders, routeOf, type CanonicalEnvelope } from '@bus/canonical-model';
import type { NativeMessage } from '@bus/adapters';
import type { BusStore, Hop, JournalEvent, RouteRef } from '../store/bus-store';
import { isoNow } from '../common/iso-now';
import { captureRaw } from './raw-native';
import { messageIdOf, writeInHalves } from './journal-batch-split';
import { businessKeysOf } from './business-keys';
import { journalLevelOf, type JournalLevel } from './journal-levels';
import { timeOfOrderedId } from '../inbound/time-ordered-id';

/** Where the journal reports its own trouble; Nest's Logger fits. */
export interface JournalLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** The journal's part of bus.yaml that applies message by message. */
export interface JournalSettings {
  /** `journal.enabled`. Off, every call is a no-op (the benchmark compares both). */
  enabled: boolean;
  /** `journal.maxRawBytes`: how much of the native body is kept; 0 keeps none. */
  maxRawBytes: number;
  /** `journal.levels`: message type or pattern -> what is kept of it; unlisted types are kept in full. */
  levels?: Readonly<Record<string, JournalLevel>>;
}

/** Settings of the journal (`journal:` in bus.yaml, plus tuning knobs for tests and the benchmark). */
export interface JournalOptions {
  /**
   * The active config's `journal:` settings, asked at every call so a reload applies to the next message.
   * Default: enabled, 64 KiB of native body.
   */
  settings?: () => JournalSettings;
  /** The active config's `businessKeys:` (type pattern -> field paths), indexed with each message. */
  businessKeys?: () => Readonly<Record<string, readonly string[]>> | undefined;
  /**
   * Flush at the latest this long after the first buffered event; default 100 ms. Long enough that most
   * messages are delivered within the batch that records them, which the embedded store writes in one go
   * (sqlite.journal.ts: about half the hops at 2,000 rows/s, against a quarter at 50 ms).
   */
  flushIntervalMs?: number;
  /** Flush as soon as this many events are buffered, and write at most this many per store call; default 1,000. */
  maxBatch?: number;
  /** Bound of the buffer while the store is failing; the oldest events beyond it are dropped. Default 50,000. */
  maxBuffered?: number;
  /** Longest wait between retries of a failing flush; default 5 s. */
  maxRetryDelayMs?: number;
  logger?: JournalLogger;
}

const DEFAULT_SETTINGS: JournalSettings = { enabled: true, maxRawBytes: 64 * 1024 };

/** A hop as callers give it; `at` defaults to now. */
export type HopInput = Omit<Hop, 'at'> & { at?: string };

export const JournalLog = {
  flushFailed: (count: number, err: unknown, retryMs: number) =>
    `Journal flush of ${count} events failed (${(err as Error)?.message ?? String(err)}); kept them and retrying in ${retryMs} ms. Check the store (MONGODB_URI or BUS_DATA_DIR).`,
  dropped: (count: number, bound: number) =>
    `Journal buffer passed its bound of ${bound} events while the store was failing: dropped the ${count} oldest events. Delivery records are not affected; message history is incomplete for that time.`,
  poisonDropped: (event: JournalEvent, err: unknown) =>
    `Journal event "${event.kind === 'hop' ? event.hop.kind : 'received'}" of message ${messageIdOf(event)} could not be written and was dropped ` +
    `(${(err as Error)?.message ?? String(err)}); the other events of its batch were written. The message's history lacks this step; its delivery is not affected.`,
  lostOnClose: (count: number, err: unknown) =>
    `Journal could not write its last ${count} events at shutdown (${(err as Error)?.message ?? String(err)}); they are lost from the message history.`,
};

/**
 * The message journal's write side: buffers events in memory and writes them in batches, so
 * journalling never waits on the store on the hot path. It is an audit aid: when the store
 * fails it retries and, past its bound, drops the oldest events with an error log. A batch the
 * store refuses is written again by halves, so an event it cannot take (a poison event) is dropped
 * alone, with an error log naming its message, instead of holding back every event behind it. The
 * idempotency ledger is NOT written through here (BusStore.recordDelivered is awaited instead).
 */
export class Journal {
  private readonly settings: () => JournalSettings;
  private readonly businessKeys: () => Readonly<Record<string, readonly string[]>> | undefined;
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;
  private readonly maxRetryDelayMs: number;
  private readonly logger: JournalLogger;
  private buffer: JournalEvent[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private failures = 0;
  private dropped = 0;
  private droppedSinceStart = 0;
  private closed = false;

  constructor(private readonly store: Pick<BusStore, 'appendEvents'>, options: JournalOptions = {}) {
    this.settings = options.settings ?? (() => DEFAULT_SETTINGS);
    this.businessKeys = options.businessKeys ?? (() => undefined);
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxBuffered = Math.max(options.maxBuffered ?? 50_000, this.maxBatch);
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
    this.logger = options.logger ?? console;
  }

  get isEnabled(): boolean {
    return this.settings().enabled;
  }

  /** Events waiting to be written. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** True from a failed write until the next one succeeds: message history is not being written meanwhile. */
  get failing(): boolean {
    return this.failures > 0;
  }

  /** Events dropped since start: the oldest past the bound while the store failed, and poison events. */
  get droppedTotal(): number {
    return this.droppedSinceStart;
  }

  /**
   * A message accepted at ingress (or parked as unrouted), with its native form and the routes that matched.
   * An accepted message of a type at level `failures` is not recorded here (step() records it if it fails).
   */
  received(
    envelope: CanonicalEnvelope,
    native: NativeMessage | undefined,
    routes: readonly RouteRef[],
    status: 'accepted' | 'unrouted',
    /** The envelope as JSON text, when the caller serialized it already (to publish it); serialized here otherwise. */
    canonicalJson?: string,
  ): void {
    const { enabled, maxRawBytes, levels } = this.settings();
    if (!enabled || (status === 'accepted' && journalLevelOf(levels, envelope.type) === 'failures')) return;
    // The `received` and `routed` hops are derived from this record when the history is read.
    this.push(this.messageEvent(envelope, isoNow(), status, routes, native ? captureRaw(native, maxRawBytes) : undefined, canonicalJson));
  }

  /** One step of a message's life at a destination: attempt, delivered, retry-scheduled, dead-lettered, replayed, discarded, … */
  hop(messageId: string, hop: HopInput): void {
    if (!this.isEnabled) return;
    this.push(hopEvent(messageId, hop));
  }

  /**
   * A step of a queued copy at its destination (a delivery, a processor, a scheduled retry or dead letter),
   * with the copy's headers. For a type kept in `full` it is a hop(). For a type at level `failures`, a failure
   * is recorded with the message itself (which received() skipped; written again on a later failure, the
   * store keeps one), and any other step only once the copy failed before (a later attempt, or
   * `x-bus-first-failed-at` on a retry or replay), so the history of a message that failed runs to its end.
   */
  step(envelope: CanonicalEnvelope, headers: Readonly<Record<string, unknown>>, hop: HopInput & { destination: string }): void {
    const { enabled, levels } = this.settings();
    if (!enabled) return;
    if (journalLevelOf(levels, envelope.type) === 'failures') {
      if (isFailure(hop)) this.push(this.messageEvent(envelope, acceptedAtOf(envelope, headers), 'accepted', [{ route: routeOf(headers, hop.destination) ?? hop.destination, destination: hop.destination }]));
      else if (!failedBefore(headers, hop)) return;
    }
    this.push(hopEvent(envelope.id, hop));
  }

  /** A request-reply query and how the answering system answered it; at level `failures`, only an unanswered one. */
  query(envelope: CanonicalEnvelope, answeredBy: string, outcome: 'answered' | 'failed' | 'timeout', error?: string): void {
    const { enabled, levels } = this.settings();
    if (!enabled || (outcome === 'answered' && journalLevelOf(levels, envelope.type) === 'failures')) return;
    this.push(this.messageEvent(envelope, isoNow(), 'accepted', [{ route: 'query', destination: answeredBy }]));
    this.hop(envelope.id, { kind: 'query', destination: answeredBy, outcome, error });
  }

  /** Writes everything buffered now; resolves when written or when the store failed (then a retry is scheduled). */
  flush(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.drain().finally(() => {
        this.flushing = undefined;
        // Events pushed while the last batch was being written wait for the next timer.
        if (this.buffer.length > 0 && !this.timer && !this.closed) this.schedule(this.flushIntervalMs);
      });
    }
    return this.flushing;
  }

  /** Flushes what is left; call after the consumers have stopped. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    // After the in-flight flush: a failed one has scheduled a retry that must not outlive the store.
    this.clearTimer();
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    let lost = 0;
    let lastError: unknown;
    for (let i = 0; i < events.length; i += this.maxBatch) {
      const batch = events.slice(i, i + this.maxBatch);
      try {
        await this.store.appendEvents(batch);
      } catch (err) {
        // A poison event costs only itself here too; a failing store loses what is left.
        const split = batch.length > 1 ? await writeInHalves(batch, err, (part) => this.store.appendEvents(part)) : undefined;
        for (const { event, error } of split?.poison ?? []) this.logger.error(JournalLog.poisonDropped(event, error));
        lost += split ? split.kept.length : batch.length;
        lastError = err;
      }
    }
    if (lost > 0) this.logger.error(JournalLog.lostOnClose(lost, lastError));
  }

  private messageEvent(
    envelope: CanonicalEnvelope,
    receivedAt: string,
    status: 'accepted' | 'unrouted',
    routes: readonly RouteRef[],
    rawNative?: ReturnType<typeof captureRaw>,
    canonicalJson?: string,
  ): JournalEvent {
    const businessKeys = businessKeysOf(this.businessKeys(), envelope);
    return {
      kind: 'message',
      message: {
        id: envelope.id,
        type: envelope.type,
        source: envelope.source,
        correlationId: envelope.correlationId,
        causationId: envelope.causationId,
        configVersion: envelope.configVersion,
        receivedAt,
        initialStatus: status,
        rawNative,
        // Only the text: a buffered event then holds one compact string instead of the envelope's object graph
        // (a 64 KB message has over a thousand objects), and the writer thread is handed that string as it is.
        canonicalJson: canonicalJson ?? JSON.stringify(envelope),
        routes: routes.map((r) => ({ route: r.route, destination: r.destination })),
        ...(businessKeys.length ? { businessKeys } : {}),
      },
    };
  }

  private push(...events: JournalEvent[]): void {
    // After close the store may be gone; the integrator closes the journal after the consumers stop.
    if (this.closed) return;
    for (const e of events) this.buffer.push(e);
    this.keepWithinBound();
    // A running flush picks these up; a failing store is retried on its backoff timer, not per event.
    if (this.flushing || this.failures > 0) return;
    if (this.buffer.length >= this.maxBatch) this.schedule(0);
    else if (!this.timer) this.schedule(this.flushIntervalMs);
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    // setTimeout(0) rather than flushing in place: the caller is on the hot path.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async drain(): Promise<void> {
    this.clearTimer();
    this.reportDrops();
    while (this.buffer.length > 0) {
      let batch = this.buffer.splice(0, this.maxBatch);
      try {
        await this.store.appendEvents(batch);
        this.failures = 0;
      } catch (err) {
        const split = batch.length > 1 ? await writeInHalves(batch, err, (events) => this.store.appendEvents(events)) : undefined;
        if (split && split.written > 0) {
          for (const { event, error } of split.poison) this.logger.error(JournalLog.poisonDropped(event, error));
          this.droppedSinceStart += split.poison.length;
          // What the split could not settle goes first into the next batch, where the events after it tell.
          this.buffer = split.kept.concat(this.buffer);
          this.failures = 0;
          continue;
        }
        if (split) batch = split.kept;
        // Put them back in front, in order; events pushed meanwhile stay behind them.
        this.buffer = batch.concat(this.buffer);
        this.keepWithinBound();
        this.failures++;
        const retryMs = Math.min(this.maxRetryDelayMs, this.flushIntervalMs * 2 ** this.failures);
        this.logger.warn(JournalLog.flushFailed(batch.length, err, retryMs));
        this.reportDrops();
        this.schedule(retryMs);
        return;
      }
    }
  }

  /** Drops the oldest events past the bound; reportDrops logs how many. */
  private keepWithinBound(): void {
    const over = this.buffer.length - this.maxBuffered;
    if (over <= 0) return;
    this.buffer.splice(0, over);
    this.dropped += over;
    this.droppedSinceStart += over;
  }

  private reportDrops(): void {
    if (this.dropped === 0) return;
    this.logger.error(JournalLog.dropped(this.dropped, this.maxBuffered));
    this.dropped = 0;
  }
}

const hopEvent = (messageId: string, hop: HopInput): JournalEvent => ({ kind: 'hop', messageId, hop: { ...hop, at: hop.at ?? isoNow() } });

const FAILURES = new Set<Hop['kind']>(['retry-scheduled', 'dead-lettered']);

/** A failed attempt, a scheduled retry or a dead letter: what a `failures` level keeps. */
function isFailure(hop: HopInput): boolean {
  return FAILURES.has(hop.kind) || (hop.kind === 'attempt' && hop.outcome === 'failed');
}

/** This copy failed at its destination before: a retry, a replay, or a later in-process try. */
function failedBefore(headers: Readonly<Record<string, unknown>>, hop: HopInput): boolean {
  return typeof headers[BusHeaders.FIRST_FAILED_AT] === 'string' || (hop.attempt ?? 1) > 1;
}

/**
 * When the bus accepted the message, the same for every failure record of it (the store keeps the latest):
 * the time in its UUID v7 id (made at acceptance), else `x-bus-accepted-at` (ms), else now.
 */
function acceptedAtOf(envelope: CanonicalEnvelope, headers: Readonly<Record<string, unknown>>): string {
  const ms = timeOfOrderedId(envelope.id) ?? Number(headers[BusHeaders.ACCEPTED_AT]);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : isoNow();
}

