import type { BusStore } from '../bus-store';
import { uid } from '../store.fixtures';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The store id part of the contract. `openAt` opens a store at a location of its own (a new file, a
 * new database) named by the argument; stores that cannot be opened twice (`:memory:`) leave it out.
 */
export function runStoreIdContract(store: () => BusStore, openAt?: (location: string) => Promise<BusStore>): void {
  describe('store id', () => {
    it('should answer the same UUID every time', async () => {
      const first = await store().storeId();
      expect(first).toMatch(UUID);
      expect(await store().storeId()).toBe(first);
    });

    const withLocations = openAt ? it : it.skip;

    withLocations('should keep its id across a reopen, and give another store another id', async () => {
      const location = uid('store');
      const first = await openAt!(location);
      const id = await first.storeId();
      await first.close();
      const reopened = await openAt!(location);
      const other = await openAt!(uid('store'));
      try {
        expect(await reopened.storeId()).toBe(id);
        expect(await other.storeId()).not.toBe(id);
      } finally {
        await Promise.all([reopened.close(), other.close()]);
      }
    });

    withLocations('should agree on one id when several open a new store at the same moment', async () => {
      const location = uid('store');
      const stores = await Promise.all([1, 2, 3, 4].map(() => openAt!(location)));
      try {
        const ids = await Promise.all(stores.map((s) => s.storeId()));
        expect(new Set(ids).size).toBe(1);
        expect(ids[0]).toMatch(UUID);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });
}
