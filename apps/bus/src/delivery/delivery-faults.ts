import { Inject, Injectable, Logger } from '@nestjs/common';
import { BusHeaders, type CanonicalEnvelope } from '@bus/canonical-model';
import type { Fault, FaultEvent } from '../messaging';
import { BUS_STORE, type BusStore, type DeadLetterInput } from '../store/bus-store';
import { Journal } from '../journal/journal.service';
import { MetricsService } from '../metrics/metrics.service';
import { logLine } from '../logging/log-line';

/** Headers worth keeping with a dead letter so a replay routes and transforms it as before. */
const REPLAY_HEADERS = [BusHeaders.ROUTES, BusHeaders.CONFIG_VERSION, BusHeaders.SOURCE, BusHeaders.ACCEPTED_AT, BusHeaders.FIRST_FAILED_AT];

/**
 * Records what the consumer did with a failed delivery after the broker confirmed the copy:
 * a scheduled retry in the journal, a dead letter in the store's index (what the admin API lists
 * and replays), and both in the metrics.
 */
@Injectable()
export class DeliveryFaults {
  private readonly logger = new Logger('delivery');

  constructor(
    @Inject(BUS_STORE) private readonly store: BusStore,
    private readonly journal: Journal,
    private readonly metrics: MetricsService,
  ) {}

  async record(event: FaultEvent): Promise<void> {
    const { envelope, destination, fault, attempts } = event;
    if (!envelope) return;
    if (event.kind === 'retry') {
      this.metrics.retried(destination, envelope.type);
      this.journal.step(envelope, event.headers, { kind: 'retry-scheduled', destination, attempt: attempts, error: `${fault.code}: ${fault.message}`, detail: event.queue });
      return;
    }
    this.metrics.dead(destination, envelope.type);
    this.journal.step(envelope, event.headers, { kind: 'dead-lettered', destination, attempt: attempts, error: `${fault.code}: ${fault.message}`, detail: event.queue });
    try {
      await this.store.recordDeadLetter(deadLetterOfCopy(envelope, destination, event.headers, fault, attempts));
    } catch (err) {
      // The message itself is safe in the dead-letter queue; only the admin index misses it.
      const text = `Dead letter ${envelope.id} for ${destination} is in ${event.queue} but could not be indexed in the store: ${(err as Error).message}. The dead-letter queue reconciler indexes it on its next pass.`;
      this.logger.error(logLine(text, { messageId: envelope.id, correlationId: envelope.correlationId, type: envelope.type, system: destination, queue: event.queue, code: fault.code }));
    }
  }
}

/**
 * The store entry of one dead-letter copy, under the copy's own id (`x-bus-dead-letter-id`) so that
 * indexing it twice (here and by the reconciler) keeps one entry. Copies made before the header
 * existed get a new id.
 */
export function deadLetterOfCopy(envelope: CanonicalEnvelope, destination: string, headers: Record<string, unknown>, fault: Fault, attempts: number): DeadLetterInput {
  const id = headers[BusHeaders.DEAD_LETTER_ID];
  return {
    ...(typeof id === 'string' && id ? { id } : {}),
    messageId: envelope.id,
    destination,
    type: envelope.type,
    source: envelope.source,
    errorCode: fault.code,
    errorMessage: fault.message,
    attempts,
    envelope,
    headers: Object.fromEntries(REPLAY_HEADERS.filter((h) => headers[h] !== undefined).map((h) => [h, headers[h]])),
  };
}
