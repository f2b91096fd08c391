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
 * Counts live in memory until the file is complete, then are added to the kv. The file reader has several
 * records with the bus at once and checkpoints only the lines up to the first unanswered one, so records
 * are counted per line: a checkpoint through line N keeps the counts of lines 1..N (`countsOf`), and a
 * reader resuming the file starts from them (`resumed`); the lines after it are read, and counted, again.
 * Every record read is counted once per message id, also those the Dispatcher finds already published
 * (rows read again after a crash). A record another file already brought (a business-key duplicate) is
 * counted too: its conference then waits for the quiet time instead of being summarized early, never the
 * other way round.
 */
@Injectable()
export class FileUsageCounter {
  private readonly files = new Map<string, FileCounts>();
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
    const file = this.files.get(sha256) ?? new FileCounts();
    this.files.set(sha256, file);
    const line = native?.meta?.line;
    file.add(typeof line === 'number' ? line : undefined, envelope.id, tallyKey(envelope.payload as UsageRecord));
  }

  /** The file was read to the end: its counts become expected records of their conferences. Never throws. */
  async completed(sha256: string): Promise<void> {
    const counts = this.files.get(sha256)?.through(Infinity);
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

  /** The counts of lines 1..`line` (all lines when omitted), kept in the file's checkpoint through that line. */
  countsOf(sha256: string, line = Infinity): Record<string, number> {
    return Object.fromEntries(this.files.get(sha256)?.through(line) ?? []);
  }

  /** A reader takes the file over: it counts on from the counts of the checkpoint it resumes after. */
  resumed(sha256: string, counts: Record<string, number> | undefined): void {
    const valid = Object.entries(counts ?? {}).filter(([, n]) => typeof n === 'number' && Number.isInteger(n) && n > 0);
    if (valid.length) this.files.set(sha256, new FileCounts(new Map(valid)));
    else this.files.delete(sha256);
  }
}

/**
 * One file's counts: those of the lines a checkpoint passed, folded into one tally, and those of the
 * lines after it, kept per line (at most the records in flight plus a checkpoint's worth).
 */
class FileCounts {
  /** Line -> message id -> tally key; a message seen twice (a retried dispatch) counts once. */
  private readonly pending = new Map<number, Map<string, string>>();

  constructor(private readonly folded = new Map<string, number>()) {}

  add(line: number | undefined, messageId: string, key: string): void {
    // A record without a line cannot be placed after a checkpoint: it counts at once.
    if (line === undefined) return void this.folded.set(key, (this.folded.get(key) ?? 0) + 1);
    const ids = this.pending.get(line) ?? new Map<string, string>();
    ids.set(messageId, key);
    this.pending.set(line, ids);
  }

  /** Folds the lines up to `line` into the tally and returns it; checkpoints only move forward. */
  through(line: number): Map<string, number> {
    for (const [at, ids] of this.pending) {
      if (at > line) continue;
      for (const key of ids.values()) this.folded.set(key, (this.folded.get(key) ?? 0) + 1);
      this.pending.delete(at);
    }
    return this.folded;
  }
}
