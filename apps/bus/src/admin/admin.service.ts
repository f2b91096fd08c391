import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { ConfigService } from '../config/config.service';
import { ConfigError } from '../config/config.errors';
import { AdapterHost } from '../adapters/adapter-host.service';
import { DestinationHealth } from '../health/destination-health';
import { combineHealth } from '../health/adapters-health';
import { Journal } from '../journal/journal.service';
import { BUS_STORE, type BusStore, type DeadLetterSearch, type MessageSearch } from '../store/bus-store';
import { DeadLetterReplayService } from './dead-letter-replay.service';
import { redactHistory } from '../console/sensitive-redaction';

/** What the admin endpoints do; the controller only maps HTTP onto it. */
@Injectable()
export class AdminService {
  constructor(
    private readonly config: ConfigService,
    private readonly host: AdapterHost,
    private readonly deadLetterReplays: DeadLetterReplayService,
    @Inject(BUS_STORE) private readonly store: BusStore,
    private readonly deliveries: DestinationHealth,
    private readonly journal: Journal,
  ) {}

  configStatus() {
    return { ...this.config.status(), config: this.config.active().redactedConfig() };
  }

  async reload(appliedBy = 'admin', dryRun = false) {
    const request = { reason: 'POST /admin/config/reload', trigger: 'reload' as const, appliedBy };
    try {
      return await (dryRun ? this.config.planOnly(request) : this.config.reload(request));
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
    const health = new Map(combineHealth(await this.host.health(), this.deliveries).map((h) => [h.system, h]));
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

  /** Answers from everything the bus knows: the journal writes in batches, so what is buffered is written first. */
  async message(id: string) {
    await this.journal.flush();
    const history = await this.store.getMessage(id);
    if (!history) {
      const { retention, levels } = this.config.active().config.journal;
      const kept = Object.entries(levels ?? {}).filter(([, level]) => level === 'failures').map(([type]) => type);
      const unless = kept.length ? `, or it is of a type whose history is kept only when it fails (journal.levels: ${kept.join(', ')}) and it was delivered at the first try` : '';
      throw new ApiError(404, 'JOURNAL.NOT_FOUND', `No message ${id} is known: it was not accepted by this bus, or its history expired (journal retention ${retention >= 86_400_000 ? `${Math.round(retention / 86_400_000)}d` : `${Math.round(retention / 3_600_000)}h`})${unless}.`);
    }
    return redactHistory(history, this.config.active().config.sensitive ?? []);
  }

  async file(sha256: string) {
    const file = await this.store.getFile(sha256.toLowerCase());
    if (!file) throw new ApiError(404, 'FILE.NOT_FOUND', `No file with sha256 ${sha256} in the file ledger: not claimed yet (still in the drop folder, or not complete), or released by an operator.`);
    return file;
  }

  async searchMessages(query: MessageSearch) {
    await this.journal.flush();
    return this.store.searchMessages(query);
  }

  deadLetters(query: DeadLetterSearch) {
    return this.store.listDeadLetters(query);
  }

  /** Sends one dead letter again, to its destination only, once (see DeadLetterReplayService). */
  replay(id: string, correctedNative?: string) {
    return this.deadLetterReplays.replay(id, correctedNative);
  }

  replayMatching(filter: Omit<DeadLetterSearch, 'state' | 'limit' | 'cursor' | 'messageId'>) {
    return this.deadLetterReplays.replayMatching(filter);
  }

  discard(id: string, reason: string) {
    return this.deadLetterReplays.discard(id, reason);
  }
}
