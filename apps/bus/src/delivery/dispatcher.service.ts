import { Inject, Injectable, Logger } from '@nestjs/common';
import { BusHeaders, ErrorCodes, type CanonicalEnvelope } from '@bus/canonical-model';
import type { NativeMessage } from '@bus/adapters';
import type { ActiveConfig } from '../config/active-config';
import type { RouteMatch } from '../routing/route-table';
import { ConfigService } from '../config/config.service';
import { Publisher } from '../messaging/publisher';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { Journal } from '../journal/journal.service';
import { MetricsService } from '../metrics/metrics.service';
import { RateBook } from '../processors/rate-book';
import { FileUsageCounter } from '../processors/file-usage.counter';
import { DispatchesInFlight } from './dispatches-in-flight';
import { logLine } from '../logging/log-line';

export interface DispatchResult {
  /** The id of the first message; the one a caller quotes when asking about it. */
  messageId: string;
  correlationId: string;
  messageIds: string[];
  /** True when every message had been accepted (confirmed) before under the same Idempotency-Key or native id: nothing was published again. */
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
    private readonly inFlight: DispatchesInFlight,
  ) {}

  /**
   * Many records of one input (a webhook's batch of events) cost one claim commit and one wait for the
   * broker, not one of each per record: claimed together, published in order without waiting in between,
   * their confirms awaited together.
   */
  async dispatch(source: string, envelopes: CanonicalEnvelope[], options: DispatchOptions = {}): Promise<DispatchResult> {
    const keys = envelopes.map((minted, i) => this.dedupKey(minted, options, i, envelopes.length));
    // Every record of a file counts, published before or not: see FileUsageCounter.
    for (const minted of envelopes) this.fileUsage.observe(minted, options.native);
    const claims = await Promise.all(envelopes.map((minted, i) => (keys[i] ? this.store.claimIngressKey(source, keys[i]!, minted.id, minted.correlationId) : undefined)));
    const seen = new Set<string>();
    const accepted: CanonicalEnvelope[] = [];
    const toPublish: number[] = [];
    for (const [i, minted] of envelopes.entries()) {
      const claim = claims[i];
      // The same message again keeps the ids it was first given, so a destination sees the same Idempotency-Key.
      accepted.push(claim?.duplicate ? { ...minted, id: claim.messageId, correlationId: claim.correlationId ?? minted.correlationId } : minted);
      if (claim?.duplicate && claim.state === 'confirmed') continue;
      // A key twice in one input: the second is the first record again.
      const key = keys[i];
      if (key !== undefined && seen.has(key)) continue;
      if (key !== undefined) seen.add(key);
      // An unconfirmed claim is a publish of unknown outcome (failed, or its confirm lost with the connection):
      // publish again under the same id; the delivery ledger drops the copy a destination already has.
      toPublish.push(i);
    }
    // Before the publish: once accepted, a usage record may be priced at once with these rates.
    for (const i of toPublish) await this.rateBook.observe(accepted[i]);
    const outcomes = await this.publish(toPublish.map((i) => accepted[i]), options.native);
    // Marked before the answer, in one commit: a retry after the 2xx then reads `confirmed` and is answered as a duplicate.
    await Promise.all(toPublish.map((i, n) => (keys[i] !== undefined && outcomes[n].status === 'fulfilled' ? this.confirm(source, keys[i]!, accepted[i]) : undefined)));
    // A record the broker did not confirm keeps its claim unconfirmed, never released, for the sender's retry.
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    return {
      messageId: accepted[0].id,
      correlationId: accepted[0].correlationId,
      messageIds: accepted.map((e) => e.id),
      duplicate: toPublish.length === 0,
    };
  }

  /** The broker has the message: a failure here only means a retry with the key publishes it once more, under the same id. */
  private async confirm(source: string, key: string, envelope: CanonicalEnvelope): Promise<void> {
    try {
      await this.store.confirmIngressKey(source, key, envelope.id);
    } catch (err) {
      this.logger.warn(
        `Message ${envelope.id} (${envelope.type} from ${source}) is accepted, but its dedup key "${key}" could not be marked confirmed: ${(err as Error).message}. ` +
          'A retry with that key publishes it again under the same id, which destinations skip; check the store.',
      );
    }
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

  /** Each envelope's publish, settled: routed one by one, then written in order, their confirms awaited together. */
  private async publish(envelopes: CanonicalEnvelope[], native?: NativeMessage): Promise<PromiseSettledResult<void>[]> {
    if (envelopes.length === 0) return [];
    const active = this.config.active();
    // Held until the broker confirmed: a reload that removes a destination waits for it (see DispatchesInFlight).
    const leave = this.inFlight.enter(active.version);
    try {
      const matches: RouteMatch[][] = [];
      for (const envelope of envelopes) matches.push(await this.route(active, envelope));
      // Each call writes its message before its first await, so the broker gets them in this order.
      return await Promise.allSettled(envelopes.map((envelope, i) => this.publishRouted(active, envelope, matches[i], native)));
    } finally {
      leave();
    }
  }

  private async route(active: ActiveConfig, envelope: CanonicalEnvelope): Promise<RouteMatch[]> {
    const { matches, conditionErrors } = await active.routeTable.match(envelope);
    for (const e of conditionErrors) {
      const text = `Route "${e.route}" condition failed for message ${envelope.id} (${envelope.type} from ${envelope.source}): ${e.message}. The route was skipped; fix its "when" expression.`;
      this.logger.warn(logLine(text, { ...fieldsOf(envelope), route: e.route }));
    }
    return matches;
  }

  private async publishRouted(active: ActiveConfig, envelope: CanonicalEnvelope, matches: RouteMatch[], native?: NativeMessage): Promise<void> {
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
      const text = `Message ${envelope.id} (${envelope.type} from ${envelope.source}) matches no route; parked in ${this.publisher.unroutedQueue}. Add a route and replay it.`;
      this.logger.warn(logLine(text, { ...fieldsOf(envelope), queue: this.publisher.unroutedQueue, code: ErrorCodes.ROUTE_NO_MATCH }));
      this.journal.received(envelope, native, [], 'unrouted');
      return;
    }
    const destinations = matches.map((m) => m.destination);
    const routes: Record<string, string> = {};
    for (const m of matches) routes[m.destination] = m.route;
    // Serialized once: the published body, and the journal's copy of the canonical message.
    const json = JSON.stringify(envelope);
    await this.publisher.publish(
      envelope,
      destinations,
      {
        [BusHeaders.SOURCE]: envelope.source,
        [BusHeaders.CONFIG_VERSION]: active.version,
        [BusHeaders.ROUTES]: JSON.stringify(routes),
        [BusHeaders.ACCEPTED_AT]: acceptedAt,
      },
      json,
    );
    this.journal.received(envelope, native, matches, 'accepted', json);
    for (const m of matches) this.metrics.routed(m.route, m.destination);
  }
}

/** An inbound message's log fields: `system` is where it came from. */
const fieldsOf = (envelope: CanonicalEnvelope) => ({ messageId: envelope.id, correlationId: envelope.correlationId, type: envelope.type, system: envelope.source });
