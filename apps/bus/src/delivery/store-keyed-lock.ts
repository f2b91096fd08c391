import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedMutex } from './keyed-mutex';
import type { BusStore } from '../store/bus-store';

export interface StoreKeyedLockOptions {
  /** Lease of one hold; renewed every third of it while the task runs, so it only lapses when the holder died. @default 30000 */
  ttlMs?: number;
  /** How long to wait for a key another instance holds before giving up with an error (the message is retried). @default 30000 */
  maxWaitMs?: number;
}

/**
 * Runs tasks with the same key one at a time across every bus instance on one store: first in this
 * process (a KeyedMutex, so an instance never polls against itself), then under a store lease
 * (`tryAcquireLock`, name `<scope>:<key>`, an owner per hold). Different keys run in parallel.
 * Costs two store writes per task (acquire, release), and a wait by polling (5 ms, doubling to 200 ms)
 * when another instance holds the key. A holder killed mid-task blocks its key until the lease ends.
 */
export class StoreKeyedLock {
  private readonly local = new KeyedMutex();
  private readonly ttlMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly store: Pick<BusStore, 'tryAcquireLock' | 'releaseLock'>,
    private readonly scope: string,
    options: StoreKeyedLockOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(key, async () => {
      const name = `${this.scope}:${key}`;
      const owner = randomUUID();
      await this.acquire(name, owner);
      const renew = setInterval(() => void this.store.tryAcquireLock(name, owner, this.ttlMs).catch(() => undefined), Math.max(1, Math.floor(this.ttlMs / 3)));
      renew.unref();
      try {
        return await task();
      } finally {
        clearInterval(renew);
        // Not released (store down): the lease ends by itself after ttlMs.
        await this.store.releaseLock(name, owner).catch(() => undefined);
      }
    });
  }

  private async acquire(name: string, owner: string): Promise<void> {
    const deadline = Date.now() + this.maxWaitMs;
    let delay = 5;
    while (!(await this.store.tryAcquireLock(name, owner, this.ttlMs))) {
      if (Date.now() >= deadline) {
        throw new Error(
          `Lock "${name}" is held by another bus instance for more than ${this.maxWaitMs} ms; the message is retried. ` +
            `If that instance died, its lease ends ${this.ttlMs} ms after its last renewal.`,
        );
      }
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(200, delay * 2);
    }
  }
}
