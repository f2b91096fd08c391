import { SqliteStore } from '../store/sqlite/sqlite.store';
import { StoreKeyedLock } from './store-keyed-lock';

describe(StoreKeyedLock.name, () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = new SqliteStore({ filename: ':memory:', purgeIntervalMs: 0 });
  });
  afterEach(() => store.close());

  /** A read-modify-write that loses counts when two run at once. */
  const increment = (counter: { value: number }) => async () => {
    const seen = counter.value;
    await new Promise((r) => setTimeout(r, 2));
    counter.value = seen + 1;
  };

  it('should run tasks of one key one at a time across two instances on one store', async () => {
    // Two locks on one store stand for two bus processes: they share nothing but the store.
    const a = new StoreKeyedLock(store, 'test');
    const b = new StoreKeyedLock(store, 'test');
    const counter = { value: 0 };

    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).run('conference-1', increment(counter))));

    expect(counter.value).toBe(20);
  });

  it('should run different keys in parallel', async () => {
    const sut = new StoreKeyedLock(store, 'test');
    let release!: () => void;
    const held = sut.run('k1', () => new Promise<void>((r) => (release = r)));

    await expect(sut.run('k2', async () => 'ran')).resolves.toBe('ran');
    release();
    await held;
  });

  it('should release the key when the task throws', async () => {
    const sut = new StoreKeyedLock(store, 'test');
    await expect(sut.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

    expect(await store.tryAcquireLock('test:k', 'someone-else', 1000)).toBe(true);
  });

  it('should give up with an error naming the lock when another instance keeps it', async () => {
    await store.tryAcquireLock('test:k', 'other-instance', 60_000);
    const sut = new StoreKeyedLock(store, 'test', { maxWaitMs: 50 });

    await expect(sut.run('k', async () => 'never')).rejects.toThrow('Lock "test:k" is held by another bus instance');
  });
});
