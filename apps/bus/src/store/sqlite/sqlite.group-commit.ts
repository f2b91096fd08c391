import type { Database } from 'better-sqlite3';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: writes asked for in the same event-loop turn run in one transaction, and each caller's
 * promise settles once that transaction committed. A commit costs about the same for one row as for
 * fifty, and the hot path (ingress claims, delivery records) writes a row per message.
 * If the batch fails, each write is retried alone, so one bad write cannot fail the others.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  // Made once: better-sqlite3 builds four wrapped functions with their properties per transaction() call.
  private readonly runAll: (batch: Pending[], results: unknown[]) => void;
  private readonly runOne: (run: () => unknown) => unknown;

  constructor(private readonly db: Database) {
    this.runAll = db.transaction((batch: Pending[], results: unknown[]) => {
      for (const op of batch) results.push(op.run());
    });
    this.runOne = db.transaction((run: () => unknown) => run());
  }

  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs what is queued now; also called before close so nothing is left behind. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    // A write asked for while the store closed (a timer's renewal, a late delivery record): refuse it
    // rather than throw from the event loop.
    if (!this.db.open) {
      for (const op of batch) op.reject(new Error('the store is closed'));
      return;
    }
    const results: unknown[] = [];
    try {
      this.runAll(batch, results);
    } catch {
      for (const op of batch) {
        try {
          op.resolve(this.runOne(op.run));
        } catch (err) {
          op.reject(err);
        }
      }
      return;
    }
    batch.forEach((op, i) => op.resolve(results[i]));
  }
}
