import { Injectable } from '@nestjs/common';

/**
 * Counts publishes in flight by the config version that routed them. A reload that removes a
 * destination waits for the older versions' publishes to be confirmed before it empties the
 * destination's queues: a message routed just before the switch lands in the queue first and is
 * moved with the rest, instead of arriving after the queue was emptied and waiting there for good.
 */
@Injectable()
export class DispatchesInFlight {
  private readonly counts = new Map<string, number>();
  private waiters: Array<{ version: string; wake: () => void }> = [];

  /** Marks one publish routed by `version` as started; call the returned function once it settled. */
  enter(version: string): () => void {
    this.counts.set(version, (this.counts.get(version) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const n = (this.counts.get(version) ?? 1) - 1;
      if (n > 0) this.counts.set(version, n);
      else this.counts.delete(version);
      this.wakeSettled();
    };
  }

  /** Resolves once no publish routed by a version other than `current` is in flight. */
  settled(current: string): Promise<void> {
    if (!this.olderInFlight(current)) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ version: current, wake }));
  }

  private olderInFlight(current: string): boolean {
    for (const version of this.counts.keys()) if (version !== current) return true;
    return false;
  }

  private wakeSettled(): void {
    const ready = this.waiters.filter((w) => !this.olderInFlight(w.version));
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.wake();
  }
}
