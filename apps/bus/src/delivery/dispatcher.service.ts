import { Inject, Injectable, Logger } from '@nestjs/common';
import { BusHeaders, ErrorCodes, type CanonicalEnvelope } from '@bus/canonical-model';
import type { NativeMessage } from '@bus/adapters';
import { ConfigService } from '../config/config.service';
import { Publisher } from '../messaging/publisher';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { Journal } from '../journal/journal.service';
import { MetricsService } from '../metrics/metrics.service';
import { RateBook } from '../processors/rate-book';
import { FileUsageCounter } from '../processors/file-usage.counter';

export interface DispatchResult {
  /** The id of the first message; the one a caller quotes when asking about it. */
  messageId: string;
  correlationId: string;
  messageIds: string[];
  /** True when every message had been accepted before (same Idempotency-Key or native id): nothing was published again. */
  duplicate: boolean;
}

export interface DispatchOptions {
  idempotencyKey?: string;
  /** Kept in the journal (truncated) so an operator sees what the system really sent. */
  native?: NativeMessage;
  /** Per envelope, the source system's business key (its `dedupKey`), when it declares one and the message has it. */
  businessKeys?: (string | undefined)[];
}

/**
 * Routes canonical envelopes once, at the edge, and publishes each as one persistent message
 * (CC to every destination) with a broker confirm. Routing at the edge means a config reload
 * never re-routes or duplicates what is already queued.
 */
@Injectable()
export class Dispatcher {
  private readonly logger = new Logger('dispatcher');

  constructor(
    private readonly config: ConfigService,
    private readonly publisher: Publisher,
    @Inject(BUS_STORE) private readonly store: BusStore,
    private readonly journal: Journal,
    private readonly metrics: MetricsService,
    private readonly rateBook: RateBook,
    private readonly fileUsage: FileUsageCounter,
  ) {}

  async dispatch(source: string, envelopes: CanonicalEnvelope[], options: DispatchOptions = {}): Promise<DispatchResult> {
    const ids: string[] = [];
    let published = 0;
    for (const [i, envelope] of envelopes.entries()) {
      // Every record of a file counts, published before or not: see FileUsageCounter.
      this.fileUsage.observe(envelope, options.native);
      const key = this.dedupKey(envelope, options, i, envelopes.length);
      if (key) {
        const claim = await this.store.claimIngressKey(source, key, envelope.id);
        if (claim.duplicate) {
          ids.push(claim.messageId);
          continue;
        }
      }
      try {
        // Before the publish: once accepted, a usage record may be priced at once with these rates.
        await this.rateBook.observe(envelope);
        await this.publish(envelope, options.native);
      } catch (err) {
        // Nothing half-done: release the claim so the sender's retry is accepted.
        if (key) await this.store.releaseIngressKey(source, key);
        throw err;
      }
      ids.push(envelope.id);
      published++;
    }
    return {
      messageId: ids[0],
      correlationId: envelopes[0].correlationId,
      messageIds: ids,
      duplicate: published === 0,
    };
  }

  /**
   * The ingress key claimed for one envelope, per source system: its business key first (the same record in
   * any file or request), then the sender's Idempotency-Key (a file row's `file:<sha256>:<line>`), then its native id.
   */
  private dedupKey(envelope: CanonicalEnvelope, options: DispatchOptions, index: number, count: number): string | undefined {
    const business = options.businessKeys?.[index];
    if (business !== undefined) return `dedup:${envelope.type}:${business}`;
    const idempotencyKey = options.idempotencyKey;
    if (idempotencyKey) return count > 1 ? `key:${idempotencyKey}#${index}` : `key:${idempotencyKey}`;
    if (envelope.nativeId) return `native:${envelope.type}:${envelope.nativeId}`;
    return undefined;
  }

  private async publish(envelope: CanonicalEnvelope, native?: NativeMessage): Promise<void> {
    const active = this.config.active();
    const { matches, conditionErrors } = await active.routeTable.match(envelope);
    for (const e of conditionErrors) {
      this.logger.warn(`Route "${e.route}" condition failed for message ${envelope.id} (${envelope.type} from ${envelope.source}): ${e.message}. The route was skipped; fix its "when" expression.`);
    }
    const acceptedAt = Date.now();
    this.metrics.received(envelope.source, envelope.type);
    if (matches.length === 0) {
      await this.publisher.publishToQueue(this.publisher.unroutedQueue, envelope, {
        [BusHeaders.SOURCE]: envelope.source,
        [BusHeaders.CONFIG_VERSION]: active.version,
        [BusHeaders.ACCEPTED_AT]: acceptedAt,
        [BusHeaders.FAULT_CODE]: ErrorCodes.ROUTE_NO_MATCH,
        [BusHeaders.FAULT_MESSAGE]: `No route in config version ${active.version} matches ${envelope.type} from ${envelope.source}.`,
      });
      this.metrics.unrouted(envelope.source, envelope.type);
      this.logger.warn(`Message ${envelope.id} (${envelope.type} from ${envelope.source}) matches no route; parked in ${this.publisher.unroutedQueue}. Add a route and replay it.`);
      this.journal.received(envelope, native, [], 'unrouted');
      return;
    }
    const destinations = matches.map((m) => m.destination);
    const routes: Record<string, string> = {};
    for (const m of matches) routes[m.destination] = m.route;
    await this.publisher.publish(envelope, destinations, {
      [BusHeaders.SOURCE]: envelope.source,
      [BusHeaders.CONFIG_VERSION]: active.version,
      [BusHeaders.ROUTES]: JSON.stringify(routes),
      [BusHeaders.ACCEPTED_AT]: acceptedAt,
    });
    this.journal.received(envelope, native, matches, 'accepted');
  }
}
