import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CanonicalEnvelope, UsageRecord } from '@bus/canonical-model';
import type { NativeMessage } from '@bus/adapters';
import { tallyKey } from '@bus/adapters/enrich';
import { StoreKeyedLock } from '../delivery/store-keyed-lock';
import { BUS_STORE, type BusStore } from '../store/bus-store';

/** kv namespace: conference tally key -> how many usage records the finished files held for it. */
export const EXPECTED_RECORDS_NAMESPACE = 'conference.expected-records';

/**
 * Counts the usage records of each file being read, per conference, so the conference-summary
 * processor knows when all of a conference's records are in (and need not wait for the quiet time).
 *
 * Counts live in memory until the file is complete, then are added to the kv. Each file checkpoint keeps
 * them beside the reader's progress (`countsOf`), and a reader resuming the file starts from them
 * (`resumed`): the records after the checkpoint are read, and counted, again. Every record read is
 * counted, also those the Dispatcher finds already published (rows read again after a crash). A record
 * another file already brought (a business-key duplicate) is counted too: its conference then waits for
 * the quiet time instead of being summarized early, never the other way round.
 */
@Injectable()
export class FileUsageCounter {
  private readonly files = new Map<string, Map<string, number>>();
  private readonly conferences: StoreKeyedLock;
  private readonly logger = new Logger('processors');
  private readonly completedListeners: Array<() => Promise<void>> = [];

  constructor(@Inject(BUS_STORE) private readonly store: BusStore) {
    // Two instances reading two files of one conference add to one count.
    this.conferences = new StoreKeyedLock(store, EXPECTED_RECORDS_NAMESPACE);
  }

  /** A record on its way to the Dispatcher; only `usage.recorded` read from a file counts. */
  observe(envelope: CanonicalEnvelope, native: NativeMessage | undefined): void {
    const sha256 = native?.meta?.sha256;
    if (envelope.type !== 'usage.recorded' || typeof sha256 !== 'string') return;
    const counts = this.files.get(sha256) ?? new Map<string, number>();
    const key = tallyKey(envelope.payload as UsageRecord);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    this.files.set(sha256, counts);
  }

  /** The file was read to the end: its counts become expected records of their conferences. Never throws. */
  async completed(sha256: string): Promise<void> {
    const counts = this.files.get(sha256);
    this.files.delete(sha256);
    for (const [key, count] of counts ?? []) {
      try {
        await this.conferences.run(key, async () => {
          const known = (await this.store.getValue<number>(EXPECTED_RECORDS_NAMESPACE, key)) ?? 0;
          await this.store.setValue(EXPECTED_RECORDS_NAMESPACE, key, known + count);
        });
      } catch (err) {
        // The file itself is done; only the early summary is lost, the quiet time still sends it.
        this.logger.warn(`File ${sha256}: could not record ${count} expected usage records of ${key}: ${(err as Error).message}; its summary waits for the quiet time.`);
      }
    }
    if (counts?.size) for (const listener of this.completedListeners) await listener().catch(() => undefined);
  }

  /** Called after a completed file's counts are stored. */
  onCompleted(listener: () => Promise<void>): void {
    this.completedListeners.push(listener);
  }

  /** Reading stopped before the end; it resumes (here or in another instance) from the last checkpoint's counts. */
  released(sha256: string): void {
    this.files.delete(sha256);
  }

  /** The counts so far, kept in the file's checkpoint. */
  countsOf(sha256: string): Record<string, number> {
    return Object.fromEntries(this.files.get(sha256) ?? []);
  }

  /** A reader takes the file over: it counts on from the counts of the checkpoint it resumes after. */
  resumed(sha256: string, counts: Record<string, number> | undefined): void {
    const valid = Object.entries(counts ?? {}).filter(([, n]) => typeof n === 'number' && Number.isInteger(n) && n > 0);
    if (valid.length) this.files.set(sha256, new Map(valid));
    else this.files.delete(sha256);
  }
}
