import type { BusStore } from './bus-store';
import type { JournalEvent, MessageSearch } from './store.types';
import { hop, message, uid } from './store.fixtures';

/** The journal part of the store contract (see runStoreContract). */
export function runJournalContract(store: () => BusStore): void {
  describe('journal', () => {
    const t = (s: number) => new Date(Date.UTC(2026, 10, 28, 9, 0, s)).toISOString();

    it('should return null for a message it never saw', async () => {
      expect(await store().getMessage(uid('none'))).toBeNull();
    });

    it('should keep a received message with its raw native form, canonical form, routes and hops in order', async () => {
      const m = message({
        causationId: 'cause-1',
        configVersion: 'v-abc',
        rawNative: { contentType: 'application/json', encoding: 'utf8', data: '{"Id":"1"}', bytes: 10, truncated: false },
        routes: [{ route: 'r1', destination: 'billing' }, { route: 'r2', destination: 'archive' }],
      });
      await store().appendEvents([
        { kind: 'message', message: m },
        { kind: 'hop', messageId: m.id, hop: hop('attempt', t(2), { attempt: 1, outcome: 'failed', statusCode: 503, error: 'DELIVERY.UNAVAILABLE: 503', durationMs: 12 }) },
        { kind: 'hop', messageId: m.id, hop: hop('retry-scheduled', t(3), { detail: '1s' }) },
      ]);
      const found = await store().getMessage(m.id);
      expect(found?.message).toEqual({
        id: m.id, type: m.type, source: 'sales', correlationId: m.correlationId, causationId: 'cause-1', configVersion: 'v-abc',
        receivedAt: m.receivedAt, status: 'accepted', rawNative: m.rawNative, canonical: m.canonical, routes: m.routes,
        destinations: { archive: { status: 'pending', attempts: 0 }, billing: { status: 'retrying', attempts: 1 } },
      });
      expect(found?.hops.map((h) => h.kind)).toEqual(['received', 'routed', 'attempt', 'retry-scheduled']);
      expect(found?.hops.slice(0, 2)).toEqual([
        { at: m.receivedAt, kind: 'received', detail: 'from sales' },
        { at: m.receivedAt, kind: 'routed', detail: 'billing (r1), archive (r2)' },
      ]);
      expect(found?.hops[2]).toEqual({ at: t(2), kind: 'attempt', destination: 'billing', attempt: 1, outcome: 'failed', statusCode: 503, error: 'DELIVERY.UNAVAILABLE: 503', durationMs: 12 });
    });

    it.each([
      ['delivered', [['billing', 'delivered'], ['archive', 'delivered']]],
      ['partially-delivered', [['billing', 'delivered'], ['archive', 'dead-lettered']]],
      ['partially-delivered', [['billing', 'delivered']]],
      ['dead', [['billing', 'dead-lettered']]],
      ['discarded', [['billing', 'dead-lettered'], ['archive', 'discarded'], ['billing', 'discarded']]],
      ['delivered', [['billing', 'dead-lettered'], ['billing', 'replayed'], ['billing', 'delivered'], ['archive', 'duplicate-skipped']]],
    ] as const)('should derive status %s from the hops %j', async (status, hops) => {
      const m = message({ routes: [{ route: 'r1', destination: 'billing' }, { route: 'r2', destination: 'archive' }] });
      const events: JournalEvent[] = [{ kind: 'message', message: m }];
      hops.forEach(([destination, kind], i) => events.push({ kind: 'hop', messageId: m.id, hop: hop(kind, t(i), { destination }) }));
      await store().appendEvents(events);
      expect((await store().getMessage(m.id))?.message.status).toBe(status);
      expect((await store().searchMessages({ correlationId: m.correlationId, status })).items.map((i) => i.id)).toEqual([m.id]);
    });

    it('should count attempts per destination', async () => {
      const m = message();
      await store().appendEvents([
        { kind: 'message', message: m },
        { kind: 'hop', messageId: m.id, hop: hop('attempt', t(1), { outcome: 'failed' }) },
        { kind: 'hop', messageId: m.id, hop: hop('attempt', t(2), { outcome: 'failed' }) },
      ]);
      await store().appendEvents([{ kind: 'hop', messageId: m.id, hop: hop('delivered', t(3), { attempt: 3, statusCode: 201 }) }]);
      expect((await store().getMessage(m.id))?.message.destinations).toEqual({ billing: { status: 'delivered', attempts: 3 } });
    });

    it('should mark a message that matched no route as unrouted', async () => {
      const m = message({ initialStatus: 'unrouted', routes: [] });
      await store().appendEvents([{ kind: 'message', message: m }]);
      expect((await store().getMessage(m.id))?.message).toMatchObject({ status: 'unrouted', destinations: {} });
    });

    it('should apply hops that arrive before their message', async () => {
      const m = message();
      await store().appendEvents([{ kind: 'hop', messageId: m.id, hop: hop('delivered', t(2), { attempt: 1 }) }]);
      await store().appendEvents([{ kind: 'message', message: m }]);
      const found = await store().getMessage(m.id);
      expect(found?.message.status).toBe('delivered');
      expect(found?.hops.map((h) => h.kind)).toEqual(['received', 'routed', 'delivered']);
      expect((await store().searchMessages({ correlationId: m.correlationId, status: 'delivered' })).items).toHaveLength(1);
    });

    it('should keep the delivered status and the raw form when the same message is journalled again', async () => {
      const m = message({ rawNative: { contentType: 'application/json', encoding: 'utf8', data: '{}', bytes: 2, truncated: false } });
      await store().appendEvents([{ kind: 'message', message: m }, { kind: 'hop', messageId: m.id, hop: hop('delivered', t(1), { attempt: 1 }) }]);
      await store().appendEvents([{ kind: 'message', message: { ...m, rawNative: undefined } }]);
      const found = await store().getMessage(m.id);
      expect(found?.message).toMatchObject({ status: 'delivered', rawNative: m.rawNative, destinations: { billing: { status: 'delivered', attempts: 1 } } });
      expect((await store().searchMessages({ correlationId: m.correlationId, status: 'delivered' })).items).toHaveLength(1);
    });

    it('should record a query with its outcome', async () => {
      const m = message({ type: 'billing-period.get', routes: [{ route: 'query', destination: 'billing' }] });
      await store().appendEvents([{ kind: 'message', message: m }, { kind: 'hop', messageId: m.id, hop: hop('query', t(1), { outcome: 'answered' }) }]);
      expect((await store().getMessage(m.id))?.message.status).toBe('delivered');
    });

    describe('search', () => {
      const seed = async () => {
        const correlationId = uid('corr');
        const type = uid('type');
        const ms = [
          message({ correlationId, type, source: 'sales', receivedAt: t(1) }),
          message({ correlationId, type, source: 'billing', receivedAt: t(2), routes: [{ route: 'r', destination: 'sales' }] }),
          message({ correlationId, type: 'other.type', source: 'booking', receivedAt: t(3), routes: [{ route: 'r', destination: 'bridge' }] }),
          message({ correlationId, type, source: 'sales', receivedAt: t(4), initialStatus: 'unrouted', routes: [] }),
        ];
        await store().appendEvents(ms.map((m) => ({ kind: 'message' as const, message: m })));
        await store().appendEvents([{ kind: 'hop', messageId: ms[0].id, hop: hop('delivered', t(5)) }]);
        const ids = async (q: MessageSearch) => (await store().searchMessages({ correlationId, ...q })).items.map((i) => i.id);
        return { ms, type, ids };
      };

      it('should filter by correlation id, system, type, status and time, newest first', async () => {
        const { ms, type, ids } = await seed();
        expect(await ids({})).toEqual([ms[3].id, ms[2].id, ms[1].id, ms[0].id]);
        expect(await ids({ type })).toEqual([ms[3].id, ms[1].id, ms[0].id]);
        expect(await ids({ system: 'sales' })).toEqual([ms[3].id, ms[1].id, ms[0].id]);
        expect(await ids({ system: 'bridge' })).toEqual([ms[2].id]);
        expect(await ids({ status: 'delivered' })).toEqual([ms[0].id]);
        expect(await ids({ status: 'unrouted' })).toEqual([ms[3].id]);
        expect(await ids({ since: t(2), until: new Date(t(3)) })).toEqual([ms[2].id, ms[1].id]);
        expect(await ids({ correlationId: uid('none') })).toEqual([]);
      });

      it('should list summaries without the bulky parts', async () => {
        const { ms } = await seed();
        const [item] = (await store().searchMessages({ correlationId: ms[0].correlationId, status: 'delivered' })).items;
        expect(item).toMatchObject({ id: ms[0].id, status: 'delivered', destinations: { billing: { status: 'delivered', attempts: 1 } } });
        expect(item).not.toHaveProperty('canonical');
        expect(item).not.toHaveProperty('rawNative');
      });

      it('should page through results with a cursor, without gaps or repeats', async () => {
        const correlationId = uid('corr');
        // Two share a receivedAt, so the id must break the tie.
        const ms = [1, 2, 2, 3, 4, 5, 6].map((s) => message({ correlationId, receivedAt: t(s) }));
        await store().appendEvents(ms.map((m) => ({ kind: 'message' as const, message: m })));
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store().searchMessages({ correlationId, limit: 3, cursor });
          seen.push(...page.items.map((i) => i.id));
          cursor = page.nextCursor;
          pages++;
        } while (cursor && pages < 10);
        expect(pages).toBe(3);
        expect(new Set(seen).size).toBe(7);
        expect(seen.slice(0, 1)).toEqual([ms[6].id]);
        expect(seen[6]).toBe(ms[0].id);
      });

      it('should reject a cursor it did not issue', async () => {
        await expect(store().searchMessages({ cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
      });
    });
  });
}
