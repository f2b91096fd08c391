import type { BusStore } from '../bus-store';
import { hop, message, uid } from '../store.fixtures';

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

/** Messages waiting per destination: what the console's "oldest waiting" and the route objectives read. */
export function runWaitingContract(store: () => BusStore): void {
  describe('journal waiting by destination', () => {
    it('should count pending and retrying messages per destination with the oldest receivedAt, leaving out delivered and dead ones', async () => {
      const destination = uid('dest');
      const routes = [{ route: 'r', destination }];
      const old = message({ routes, receivedAt: '2026-11-28T09:00:01.000Z' });
      const recent = message({ routes, receivedAt: '2026-11-28T09:00:05.000Z' });
      const retrying = message({ routes, receivedAt: '2026-11-28T09:00:03.000Z' });
      const done = message({ routes, receivedAt: '2026-11-28T08:00:00.000Z' });
      const dead = message({ routes, receivedAt: '2026-11-28T07:00:00.000Z' });
      await store().appendEvents([
        ...[old, recent, retrying, done, dead].map((m) => ({ kind: 'message' as const, message: m })),
        { kind: 'hop', messageId: done.id, hop: hop('delivered', '2026-11-28T08:00:01.000Z', { destination, attempt: 1 }) },
        { kind: 'hop', messageId: dead.id, hop: hop('dead-lettered', '2026-11-28T07:00:01.000Z', { destination }) },
      ]);
      await store().appendEvents([{ kind: 'hop', messageId: retrying.id, hop: hop('retry-scheduled', '2026-11-28T09:00:04.000Z', { destination }) }]);
      expect((await store().waitingByDestination())[destination]).toEqual({ count: 3, oldestReceivedAt: old.receivedAt });
      await store().appendEvents([{ kind: 'hop', messageId: old.id, hop: hop('delivered', '2026-11-28T09:00:09.000Z', { destination, attempt: 1 }) }]);
      expect((await store().waitingByDestination())[destination]).toEqual({ count: 2, oldestReceivedAt: retrying.receivedAt });
    });
  });
}
