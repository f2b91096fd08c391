/**
 * Runs tasks with the same key one after another, different keys in parallel. Used so two
 * messages about one customer cannot both create it at a destination before the first link exists.
 * In-process only; StoreKeyedLock (store-keyed-lock.ts) adds a store lease on top for several bus instances.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      // The last task of a key removes it, so the map only holds keys with work queued.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
