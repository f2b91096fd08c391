import { Inject, Injectable, Logger } from '@nestjs/common';
import { BusHeaders, ErrorCodes } from '@bus/canonical-model';
import { ApiError } from '../common/api-error';
import { ConfigService } from '../config/config.service';
import { destinationsOf } from '../config/reload-plan';
import { InboundListener, REJECTED_TYPE } from '../inbound/inbound.listener';
import { Journal } from '../journal/journal.service';
import { Publisher, queueNames } from '../messaging';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { BUS_STORE, type BusStore, type DeadLetter, type DeadLetterSearch } from '../store/bus-store';
import { DEAD_LETTER_REPLAY_LEASE_MS, replayClaimOwner } from '../delivery/dead-letter-claims';
import { DeadLetterQueueReconciler } from '../delivery/dead-letter-queue.reconciler';

/** Bulk replays walk the dead letters in pages of this size. */
const REPLAY_PAGE = 200;
/** Replays of one bulk call in flight at once (each waits for its broker confirm). */
const REPLAY_CONCURRENCY = 8;

export interface ReplayResult {
  id: string;
  messageId: string;
  destination: string;
  state: 'replayed';
}

/** `POST /admin/dead-letters/replay`: entries sent again, entries another replay or discard had taken, entries that failed (and are dead again). */
export interface BulkReplayResult {
  replayed: number;
  skipped: number;
  failed: Array<{ id: string; reason: string }>;
}

/**
 * Replays and discards dead letters exactly once. A replay first claims the entry in the store
 * (compare-and-set `dead` -> `replaying`, atomic across bus instances), and only the claimer
 * publishes it and then marks it `replayed`; a failed publish puts it back to `dead` with the reason.
 * A discard is the same compare-and-set, `dead` -> `discarded`. Afterwards the destination's broker
 * dead-letter queue is brought in line (DeadLetterQueueReconciler).
 */
@Injectable()
export class DeadLetterReplayService {
  private readonly logger = new Logger('dead-letters');

  constructor(
    private readonly config: ConfigService,
    private readonly publisher: Publisher,
    private readonly journal: Journal,
    private readonly inbound: InboundListener,
    private readonly reconciler: DeadLetterQueueReconciler,
    @Inject(BUS_STORE) private readonly store: BusStore,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
  ) {}

  /** One dead letter, to its destination only. 404 unknown, 409 already replayed, discarded or being replayed. */
  async replay(id: string, correctedNative?: string): Promise<ReplayResult> {
    const owner = replayClaimOwner();
    const { claimed, letter } = await this.store.claimDeadLetter(id, owner, DEAD_LETTER_REPLAY_LEASE_MS);
    if (!letter) throw notFound(id);
    if (!claimed) throw taken(letter);
    await this.publishClaimed(letter, owner, correctedNative);
    return { id: letter.id, messageId: letter.messageId, destination: letter.destination, state: 'replayed' };
  }

  /**
   * One dead letter with its canonical payload replaced by an operator's edit (validated by the caller),
   * to its destination only: the same compare-and-set as a replay, so an edit and a replay of one entry
   * never both send.
   */
  async replayEdited(id: string, payload: unknown): Promise<ReplayResult> {
    const owner = replayClaimOwner();
    const { claimed, letter } = await this.store.claimDeadLetter(id, owner, DEAD_LETTER_REPLAY_LEASE_MS);
    if (!letter) throw notFound(id);
    if (!claimed) throw taken(letter);
    await this.publishClaimed(letter, owner, undefined, { ...letter.envelope, payload } as DeadLetter['envelope']);
    return { id: letter.id, messageId: letter.messageId, destination: letter.destination, state: 'replayed' };
  }

  /** Every dead letter matching the filter, each claimed on its own: two bulk replays at once send each entry once. */
  async replayMatching(filter: Omit<DeadLetterSearch, 'state' | 'limit' | 'cursor' | 'messageId'>): Promise<BulkReplayResult> {
    if (!filter.system && !filter.type && !filter.since && !filter.until) {
      throw new ApiError(400, ErrorCodes.ADMIN_FILTER_REQUIRED, 'A bulk replay needs at least one of system, type, since, until.');
    }
    const result: BulkReplayResult = { replayed: 0, skipped: 0, failed: [] };
    // Keyset pages: the cursor moves past what this call saw, so an entry that failed (dead again) is not read twice.
    let cursor: string | undefined;
    do {
      const page = await this.store.listDeadLetters({ ...filter, state: 'dead', limit: REPLAY_PAGE, cursor });
      await eachLimited(page.items, REPLAY_CONCURRENCY, (dead) => this.replayOne(dead.id, result));
      cursor = page.nextCursor;
    } while (cursor);
    return result;
  }

  /** `dead` -> `discarded` in one compare-and-set; 409 when a replay or discard got there first. */
  async discard(id: string, reason: string) {
    if (!(await this.store.markDeadLetter(id, 'discarded', reason))) {
      const letter = await this.store.getDeadLetter(id);
      throw letter ? taken(letter) : notFound(id);
    }
    const letter = (await this.store.getDeadLetter(id))!;
    if (letter.type !== REJECTED_TYPE) {
      this.journal.hop(letter.messageId, { kind: 'discarded', destination: letter.destination, detail: reason });
      this.reconciler.schedule(letter.destination);
    }
    return { id: letter.id, messageId: letter.messageId, destination: letter.destination, state: 'discarded' as const, reason };
  }

  private async replayOne(id: string, result: BulkReplayResult): Promise<void> {
    const owner = replayClaimOwner();
    try {
      const { claimed, letter } = await this.store.claimDeadLetter(id, owner, DEAD_LETTER_REPLAY_LEASE_MS);
      // Another replay or a discard took it since the page was read.
      if (!claimed || !letter) return void result.skipped++;
      await this.publishClaimed(letter, owner);
      result.replayed++;
    } catch (err) {
      result.failed.push({ id, reason: (err as Error).message });
    }
  }

  /** Publishes an entry this call holds the claim on, then marks it replayed; on failure it is dead again, with the reason. */
  private async publishClaimed(letter: DeadLetter, owner: string, correctedNative?: string, edited?: DeadLetter['envelope']): Promise<void> {
    const journalled = letter.type !== REJECTED_TYPE;
    // Before the publish: the replayed copy may be delivered, and its delivery journalled, before the publish
    // call returns; a `replayed` hop after it would leave the destination "pending" for good.
    if (journalled) this.journal.hop(letter.messageId, { kind: 'replayed', destination: letter.destination, detail: `dead letter ${letter.id}${edited ? ', payload edited' : ''}` });
    try {
      if (letter.type === REJECTED_TYPE) await this.replayRejected(letter, correctedNative);
      else await this.publish(letter, edited);
    } catch (err) {
      const reason = `Replay failed at ${new Date().toISOString()}: ${(err as Error).message}`;
      if (journalled) this.journal.hop(letter.messageId, { kind: 'dead-lettered', destination: letter.destination, error: reason, detail: `dead letter ${letter.id}` });
      await this.store.releaseDeadLetterClaim(letter.id, owner, reason).catch((releaseErr: Error) =>
        this.logger.error(`Dead letter ${letter.id} (message ${letter.messageId} for ${letter.destination}) stays claimed after a failed replay: ${releaseErr.message}. It is dead again within ${DEAD_LETTER_REPLAY_LEASE_MS / 1000} s.`),
      );
      throw err;
    }
    if (!(await this.store.completeDeadLetterClaim(letter.id, owner))) {
      // Held past its lease and taken over: the other replay may publish it too; the delivery ledger keeps it to one delivery.
      this.logger.warn(`Replay of dead letter ${letter.id} (message ${letter.messageId} for ${letter.destination}) finished after its ${DEAD_LETTER_REPLAY_LEASE_MS / 1000} s claim expired; another replay took it over.`);
    }
    if (journalled) this.reconciler.schedule(letter.destination);
  }

  private async publish(letter: DeadLetter, edited?: DeadLetter['envelope']): Promise<void> {
    // Its queue would have no consumer: the message would wait there instead of in the dead letters.
    const active = this.config.active();
    if (!destinationsOf(active).includes(letter.destination)) {
      throw new ApiError(409, ErrorCodes.DEAD_LETTER_UNKNOWN_SYSTEM, `"${letter.destination}" is not a destination in config version ${active.version}; configure it again, then replay ${letter.id}.`);
    }
    const headers = letter.headers ?? {};
    await this.publisher.publishToQueue(queueNames(letter.destination, this.options.brokerPrefix).work, edited ?? letter.envelope, {
      ...(headers[BusHeaders.ROUTES] ? { [BusHeaders.ROUTES]: headers[BusHeaders.ROUTES] } : {}),
      ...(headers[BusHeaders.CONFIG_VERSION] ? { [BusHeaders.CONFIG_VERSION]: headers[BusHeaders.CONFIG_VERSION] } : {}),
      // The copy failed here before: the journal records its steps at level `failures` too, and a new dead letter keeps the first time.
      ...(headers[BusHeaders.FIRST_FAILED_AT] ? { [BusHeaders.FIRST_FAILED_AT]: headers[BusHeaders.FIRST_FAILED_AT] } : {}),
      [BusHeaders.SOURCE]: letter.source,
      [BusHeaders.ATTEMPTS]: 0,
    });
  }

  /**
   * A refused inbound record goes through the inbound pipeline again, corrected if the operator sent
   * a fix. Keyed by the dead letter's id, so a replay taken over after its replayer died cannot
   * publish the record a second time.
   */
  private async replayRejected(letter: DeadLetter, correctedNative?: string): Promise<void> {
    const system = this.config.active().systems.get(letter.source);
    if (!system) throw new ApiError(409, ErrorCodes.DEAD_LETTER_UNKNOWN_SYSTEM, `System "${letter.source}" is no longer configured; cannot replay ${letter.id}.`);
    const parked = letter.envelope.payload as { native: string; contentType: string; meta?: Record<string, string | number | undefined> };
    const native = correctedNative ?? parked.native;
    const refused = await this.inbound.tryAgain(
      system,
      { body: Buffer.from(native, 'utf8'), contentType: parked.contentType, meta: { ...parked.meta, error: undefined } },
      `dead-letter:${letter.id}`,
    );
    if (refused) throw new ApiError(422, refused.code, `${refused.message}; the dead letter stays as it was. Send a corrected record in "native".`, refused.details);
  }
}

function notFound(id: string): ApiError {
  return new ApiError(404, ErrorCodes.DEAD_LETTER_NOT_FOUND, `No dead letter ${id}.`);
}

/** 409 for an entry that is not `dead`: says who has it and what to do. */
function taken(letter: DeadLetter): ApiError {
  if (letter.state === 'replaying') {
    return new ApiError(
      409,
      ErrorCodes.DEAD_LETTER_REPLAYING,
      `Dead letter ${letter.id} is being replayed (claimed by ${letter.claimedBy ?? 'another replay'} at ${letter.claimedAt ?? 'an unknown time'}). ` +
        `A claim not finished within ${DEAD_LETTER_REPLAY_LEASE_MS / 1000} s is released; look again then.`,
    );
  }
  const when = letter.resolvedAt ? ` at ${letter.resolvedAt}` : '';
  return new ApiError(409, ErrorCodes.DEAD_LETTER_RESOLVED, `Dead letter ${letter.id} was already ${letter.state}${when}${letter.reason ? ` (${letter.reason})` : ''}.`);
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
