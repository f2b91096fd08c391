import type { BusStore } from '../bus-store';
import { uid } from '../store.fixtures';

/** The audit trail part of the contract: entries come back newest first, filtered and paged. */
export function runAuditContract(store: () => BusStore): void {
  describe('audit trail', () => {
    it('should keep an entry with everything it was given', async () => {
      const actor = uid('ops');
      const sut = store();
      const entry = await sut.recordAudit({ actor, role: 'admin', action: 'dead-letter.edit', target: 'dl-1', reason: 'postcode typo', details: { diff: { 'payload.postalCode': { from: '1', to: '2' } } }, outcome: 'ok' });
      const page = await sut.listAudit({ actor });
      expect(page.items).toEqual([entry]);
      expect(entry.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    });

    it('should list newest first, filter by action and page with a cursor', async () => {
      const actor = uid('ops');
      const sut = store();
      for (let i = 0; i < 5; i++) {
        await sut.recordAudit({ actor, role: 'operator', action: i % 2 ? 'job.run' : 'dead-letter.replay', target: `t${i}`, outcome: 'ok', at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) });
      }
      const first = await sut.listAudit({ actor, limit: 2 });
      expect(first.items.map((e) => e.target)).toEqual(['t4', 't3']);
      const second = await sut.listAudit({ actor, limit: 2, cursor: first.nextCursor });
      expect(second.items.map((e) => e.target)).toEqual(['t2', 't1']);
      expect((await sut.listAudit({ actor, action: 'job.run' })).items.map((e) => e.target)).toEqual(['t3', 't1']);
    });
  });
}
