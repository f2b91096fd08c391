import type { BusStore } from '../bus-store';
import type { ConfigHistoryEntry } from '../store.types';
import { uid } from '../store.fixtures';

/** Config history: every application kept in order, each version's content once, newest first. */
export function runConfigHistoryContract(store: () => BusStore): void {
  describe('config history', () => {
    const entry = (version: string, at: string, more: Partial<ConfigHistoryEntry> = {}): ConfigHistoryEntry => ({
      version,
      appliedAt: at,
      appliedBy: 'admin',
      reason: 'test',
      trigger: 'apply',
      previousVersion: null,
      ...more,
    });

    it('should answer a version with its files and its latest application', async () => {
      const v = uid('v');
      await store().recordConfigVersion(entry(v, '2026-01-01T00:00:00.000Z', { trigger: 'startup', appliedBy: 'bus' }), { 'bus.yaml': 'systems: {}\n', 'mappings/crm/inbound.jsonata': '$' });
      await store().recordConfigVersion(entry(v, '2026-01-02T00:00:00.000Z', { trigger: 'rollback', reason: 'back' }), { 'bus.yaml': 'ignored: the content is kept once\n' });

      const sut = await store().getConfigVersion(v);

      expect(sut).toEqual({
        version: v,
        appliedAt: '2026-01-02T00:00:00.000Z',
        appliedBy: 'admin',
        reason: 'back',
        trigger: 'rollback',
        files: { 'bus.yaml': 'systems: {}\n', 'mappings/crm/inbound.jsonata': '$' },
      });
      expect(await store().getConfigVersion(uid('never'))).toBeNull();
    });

    it('should list applications newest first, page by page', async () => {
      const [a, b, c] = [uid('a'), uid('b'), uid('c')];
      const far = '2099-12-31T23:59:5';
      await store().recordConfigVersion(entry(a, `${far}7.000Z`), { 'bus.yaml': 'a' });
      await store().recordConfigVersion(entry(b, `${far}8.000Z`, { previousVersion: a }), { 'bus.yaml': 'b' });
      await store().recordConfigVersion(entry(c, `${far}9.000Z`, { previousVersion: b, trigger: 'watch' }), { 'bus.yaml': 'c' });

      const first = await store().listConfigHistory({ limit: 2 });
      const second = await store().listConfigHistory({ limit: 2, cursor: first.nextCursor });

      expect(first.items.map((i) => i.version)).toEqual([c, b]);
      expect(first.items[0]).toEqual({ version: c, appliedAt: `${far}9.000Z`, appliedBy: 'admin', reason: 'test', trigger: 'watch', previousVersion: b });
      expect(second.items[0].version).toBe(a);
    });
  });
}
