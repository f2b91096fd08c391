import { Inject, Injectable } from '@nestjs/common';
import { BusHeaders } from '@bus/canonical-model';
import { ApiError } from '../common/api-error';
import { ConfigService } from '../config/config.service';
import { ConfigError } from '../config/config.errors';
import { AdapterHost } from '../adapters/adapter-host.service';
import { InboundListener, REJECTED_TYPE } from '../inbound/inbound.listener';
import { Journal } from '../journal/journal.service';
import { Publisher, queueNames } from '../messaging';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { BUS_STORE, type BusStore, type DeadLetter, type DeadLetterSearch, type MessageSearch } from '../store/bus-store';

/** Bulk replays walk the dead letters in pages of this size. */
const REPLAY_PAGE = 200;

/** What the admin endpoints do; the controller only maps HTTP onto it. */
@Injectable()
export class AdminService {
  constructor(
    private readonly config: ConfigService,
    private readonly host: AdapterHost,
    private readonly publisher: Publisher,
    private readonly journal: Journal,
    private readonly inbound: InboundListener,
    @Inject(BUS_STORE) private readonly store: BusStore,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
  ) {}

  configStatus() {
    return { ...this.config.status(), config: this.config.active().redactedConfig() };
  }

  async reload() {
    try {
      return await this.config.reload('POST /admin/config/reload');
    } catch (err) {
      if (err instanceof ConfigError) {
        throw new ApiError(422, 'CONFIG.INVALID', `${err.message.split("\n")[0]} The previous version stays active.`, [...err.problems]);
      }
      throw err;
    }
  }

  async adapters() {
    const active = this.config.active();
    const redacted = active.redactedConfig() as { systems?: Record<string, { inbound?: unknown; outbound?: unknown }> };
    const health = new Map((await this.host.health()).map((h) => [h.system, h]));
    return [...active.systems.values()].map((s) => ({
      system: s.name,
      adapter: s.adapter.id,
      summary: s.adapter.summary,
      capabilities: s.adapter.capabilities,
      maturity: s.adapter.capabilities.maturity,
      codec: s.codec.id,
      receives: s.mapping.outboundTypes,
      answers: s.mapping.answers,
      asks: s.mapping.asks,
      config: { inbound: redacted.systems?.[s.name]?.inbound, outbound: redacted.systems?.[s.name]?.outbound },
      health: health.get(s.name) ? { status: health.get(s.name)!.status, detail: health.get(s.name)!.detail } : undefined,
    }));
  }

  routes() {
    const { config, version } = this.config.active();
    return { version, routes: config.routes, queries: config.queries };
  }

  async message(id: string) {
    const history = await this.store.getMessage(id);
    if (!history) throw new ApiError(404, 'JOURNAL.NOT_FOUND', `No message ${id} in the journal (entries expire after the retention period).`);
    return history;
  }

  async file(sha256: string) {
    const file = await this.store.getFile(sha256.toLowerCase());
    if (!file) throw new ApiError(404, 'FILE.NOT_FOUND', `No file with sha256 ${sha256} in the file ledger: not claimed yet (still in the drop folder, or not complete), or released by an operator.`);
    return file;
  }

  searchMessages(query: MessageSearch) {
    return this.store.searchMessages(query);
  }

  deadLetters(query: DeadLetterSearch) {
    return this.store.listDeadLetters(query);
  }

  /** Sends one dead letter again, to its destination only; the delivery ledger keeps it exactly-once. */
  async replay(id: string, correctedNative?: string): Promise<{ id: string; messageId: string; destination: string; state: 'replayed' }> {
    const dead = await this.deadLetterToReplay(id);
    if (dead.type === REJECTED_TYPE) {
      await this.replayRejected(dead, correctedNative);
    } else {
      const headers = dead.headers ?? {};
      await this.publisher.publishToQueue(queueNames(dead.destination, this.options.brokerPrefix).work, dead.envelope, {
        ...(headers[BusHeaders.ROUTES] ? { [BusHeaders.ROUTES]: headers[BusHeaders.ROUTES] } : {}),
        ...(headers[BusHeaders.CONFIG_VERSION] ? { [BusHeaders.CONFIG_VERSION]: headers[BusHeaders.CONFIG_VERSION] } : {}),
        [BusHeaders.SOURCE]: dead.source,
        [BusHeaders.ATTEMPTS]: 0,
      });
      this.journal.hop(dead.messageId, { kind: 'replayed', destination: dead.destination, detail: `dead letter ${dead.id}` });
    }
    await this.store.markDeadLetter(dead.id, 'replayed');
    return { id: dead.id, messageId: dead.messageId, destination: dead.destination, state: 'replayed' };
  }

  async replayMatching(filter: Omit<DeadLetterSearch, 'state' | 'limit' | 'cursor'>): Promise<{ replayed: number; failed: { id: string; reason: string }[] }> {
    if (!filter.system && !filter.type && !filter.since && !filter.until) {
      throw new ApiError(400, 'ADMIN.FILTER_REQUIRED', 'A bulk replay needs at least one of system, type, since, until.');
    }
    let replayed = 0;
    const failed: { id: string; reason: string }[] = [];
    // Replayed entries leave the `dead` state, so the first page is always the next batch.
    for (;;) {
      const page = await this.store.listDeadLetters({ ...filter, state: 'dead', limit: REPLAY_PAGE });
      const todo = page.items.filter((d) => !failed.some((f) => f.id === d.id));
      if (todo.length === 0) break;
      for (const dead of todo) {
        try {
          await this.replay(dead.id);
          replayed++;
        } catch (err) {
          failed.push({ id: dead.id, reason: (err as Error).message });
        }
      }
    }
    return { replayed, failed };
  }

  async discard(id: string, reason: string) {
    const dead = await this.deadLetterToReplay(id);
    await this.store.markDeadLetter(dead.id, 'discarded', reason);
    if (dead.type !== REJECTED_TYPE) this.journal.hop(dead.messageId, { kind: 'discarded', destination: dead.destination, detail: reason });
    return { id: dead.id, messageId: dead.messageId, destination: dead.destination, state: 'discarded', reason };
  }

  private async deadLetterToReplay(id: string): Promise<DeadLetter> {
    const dead = await this.store.getDeadLetter(id);
    if (!dead) throw new ApiError(404, 'DEAD_LETTER.NOT_FOUND', `No dead letter ${id}.`);
    if (dead.state !== 'dead') throw new ApiError(409, 'DEAD_LETTER.RESOLVED', `Dead letter ${id} was already ${dead.state}${dead.reason ? ` (${dead.reason})` : ''}.`);
    return dead;
  }

  /** A refused inbound record goes through the inbound pipeline again, corrected if the operator sent a fix. */
  private async replayRejected(dead: DeadLetter, correctedNative?: string): Promise<void> {
    const system = this.config.active().systems.get(dead.source);
    if (!system) throw new ApiError(409, 'DEAD_LETTER.UNKNOWN_SYSTEM', `System "${dead.source}" is no longer configured; cannot replay ${dead.id}.`);
    const parked = dead.envelope.payload as { native: string; contentType: string; meta?: Record<string, string | number | undefined> };
    const native = correctedNative ?? parked.native;
    const refused = await this.inbound.tryAgain(system, { body: Buffer.from(native, 'utf8'), contentType: parked.contentType, meta: { ...parked.meta, error: undefined } });
    if (refused) throw new ApiError(422, refused.code, `${refused.message}; the dead letter stays as it was. Send a corrected record in "native".`, refused.details);
  }
}
