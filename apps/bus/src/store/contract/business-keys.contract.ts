import type { BusStore } from '../bus-store';
import { message, uid } from '../store.fixtures';

/** Business keys in the journal: kept with a message, and a search by one finds every message that carries it. */
export function runBusinessKeysContract(store: () => BusStore): void {
  describe('journal business keys', () => {
    it('should find every message of one business key, newest first, and nothing of another', async () => {
      const booking = uid('B');
      const first = message({ businessKeys: [booking, uid('C')], receivedAt: '2026-11-28T09:00:01.000Z' });
      const second = message({ businessKeys: [booking], receivedAt: '2026-11-28T09:00:02.000Z' });
      const other = message({ businessKeys: [uid('B')] });
      await store().appendEvents([first, second, other].map((m) => ({ kind: 'message' as const, message: m })));
      const page = await store().searchMessages({ businessKey: booking });
      expect(page.items.map((m) => m.id)).toEqual([second.id, first.id]);
      expect(page.items[1].businessKeys?.sort()).toEqual([...first.businessKeys!].sort());
      expect((await store().getMessage(second.id))?.message.businessKeys).toEqual([booking]);
    });

    it('should find a message by its id', async () => {
      const m = message({});
      await store().appendEvents([{ kind: 'message', message: m }]);
      expect((await store().searchMessages({ id: m.id })).items.map((x) => x.id)).toEqual([m.id]);
    });
  });
}
