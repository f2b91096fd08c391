/** How big a group may grow before it is sent at once. */
export interface TurnBatchLimits {
  maxItems: number;
  /** Counted from the `bytes` given with each item. @default no limit */
  maxBytes?: number;
}

/**
 * Gathers what callers hand in during one event-loop turn, in groups by key, and hands each group to
 * `send` once the turn's promise jobs are drained, or at once when a group is full. Callers whose work
 * resumed from one store commit or one socket read all reach `add` before the group goes, and nothing
 * waits for a timer. Used for the publisher's bundles and the http adapter's batches.
 */
export class TurnBatches<T> {
  private readonly open = new Map<string, { items: T[]; bytes: number }>();
  private queued = false;

  constructor(
    private readonly send: (key: string, items: T[]) => void,
    private readonly limits: TurnBatchLimits,
  ) {}

  add(key: string, item: T, bytes = 0): void {
    let group = this.open.get(key);
    if (!group) {
      this.open.set(key, (group = { items: [], bytes: 0 }));
      if (!this.queued) {
        this.queued = true;
        // A tick callback queued from a promise job runs once the whole promise queue is drained.
        process.nextTick(() => {
          this.queued = false;
          for (const open of [...this.open.keys()]) this.flush(open);
        });
      }
    }
    group.items.push(item);
    group.bytes += bytes;
    if (group.items.length >= this.limits.maxItems || group.bytes >= (this.limits.maxBytes ?? Infinity)) this.flush(key);
  }

  /** Sends what waits under `key` now (nothing when none waits). */
  flush(key: string): void {
    const group = this.open.get(key);
    if (!group) return;
    this.open.delete(key);
    this.send(key, group.items);
  }
}
