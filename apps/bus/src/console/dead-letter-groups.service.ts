import { Inject, Injectable } from '@nestjs/common';
import { ErrorCodes, validatePayload } from '@bus/canonical-model';
import { ApiError } from '../common/api-error';
import { DeadLetterReplayService } from '../admin/dead-letter-replay.service';
import { REJECTED_TYPE } from '../inbound/inbound.listener';
import { BUS_STORE, type BusStore, type DeadLetter, type DeadLetterSearch } from '../store/bus-store';
import { faultKeyOf, groupFaults } from './fault-grouping';
import { jsonDiff } from './json-diff';

/** Grouping reads at most this many open dead letters (newest first); beyond it the page says so. */
const GROUP_SCAN_LIMIT = 20_000;
const PAGE = 500;
/** Replays or discards of one selection in flight at once. */
const CONCURRENCY = 8;

export type GroupFilter = Pick<DeadLetterSearch, 'system' | 'type' | 'since' | 'until'>;

/** What a replay or discard of a group or a selection did, entry by entry. */
export interface SelectionResult {
  done: number;
  /** Taken by another replay or discard since the page was read (409), or gone (404). */
  skipped: number;
  failed: Array<{ id: string; reason: string }>;
}

/**
 * The console's dead-letter page: open dead letters grouped by fault, a group or a selection replayed
 * or discarded (each entry through DeadLetterReplayService, so each is sent at most once even when
 * two operators click at once), and an edit-and-retry of one entry's canonical payload.
 */
@Injectable()
export class DeadLetterGroupsService {
  constructor(
    private readonly replays: DeadLetterReplayService,
    @Inject(BUS_STORE) private readonly store: BusStore,
  ) {}

  async groups(filter: GroupFilter) {
    const { letters, truncated } = await this.openLetters(filter);
    return { groups: groupFaults(letters), scanned: letters.length, truncated };
  }

  /** Every open dead letter of the group `key` (same error code, destination, type, normalised message). */
  async idsOfGroup(key: string, filter: GroupFilter = {}): Promise<string[]> {
    const { letters } = await this.openLetters(filter);
    const ids = letters.filter((l) => faultKeyOf(l) === key).map((l) => l.id);
    if (ids.length === 0) throw new ApiError(404, ErrorCodes.DEAD_LETTER_NOT_FOUND, `No open dead letters in group ${key}; it was replayed or discarded already. Reload the page.`);
    return ids;
  }

  replaySelection(ids: readonly string[]): Promise<SelectionResult> {
    return this.each(ids, (id) => this.replays.replay(id));
  }

  discardSelection(ids: readonly string[], reason: string): Promise<SelectionResult> {
    return this.each(ids, (id) => this.replays.discard(id, reason));
  }

  /**
   * Validates `payload` with the canonical model for the dead letter's type, then replays the entry with
   * it in one compare-and-set. Answers the diff the audit trail keeps. 422 with every field problem
   * when it is not valid; nothing is sent then.
   */
  async editAndReplay(id: string, payload: unknown) {
    const letter = await this.store.getDeadLetter(id);
    if (!letter) throw new ApiError(404, ErrorCodes.DEAD_LETTER_NOT_FOUND, `No dead letter ${id}.`);
    if (letter.type === REJECTED_TYPE) {
      throw new ApiError(422, ErrorCodes.DEAD_LETTER_EDIT_INVALID, `Dead letter ${id} is a refused inbound record from ${letter.source}, not a canonical message: replay it with a corrected "native" record instead.`);
    }
    const problems = validatePayload(letter.type, payload);
    if (problems.length) {
      throw new ApiError(422, ErrorCodes.DEAD_LETTER_EDIT_INVALID, `The edited ${letter.type} payload of dead letter ${id} (message ${letter.messageId}) is not valid; nothing was sent. Fix the fields listed.`,
        problems.map((p) => ({ path: p.path ? `payload.${p.path}` : 'payload', message: p.message })));
    }
    const diff = jsonDiff(letter.envelope.payload, payload);
    const result = await this.replays.replayEdited(id, payload);
    return { ...result, diff };
  }

  private async openLetters(filter: GroupFilter): Promise<{ letters: DeadLetter[]; truncated: boolean }> {
    const letters: DeadLetter[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.listDeadLetters({ ...filter, state: 'dead', limit: PAGE, cursor });
      letters.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && letters.length < GROUP_SCAN_LIMIT);
    return { letters, truncated: Boolean(cursor) };
  }

  private async each(ids: readonly string[], act: (id: string) => Promise<unknown>): Promise<SelectionResult> {
    const result: SelectionResult = { done: 0, skipped: 0, failed: [] };
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        try {
          await act(id);
          result.done++;
        } catch (err) {
          const status = (err as { getStatus?: () => number }).getStatus?.();
          if (status === 409 || status === 404) result.skipped++;
          else result.failed.push({ id, reason: (err as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
    return result;
  }
}
