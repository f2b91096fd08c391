import type { BusStore } from './bus-store';
import type { DeadLetterInput } from './store.types';
import { runJobsLedgerContract } from './contract/jobs-ledger.contract';
import { runJournalContract } from './store-journal.contract';
import { runStoreIdContract } from './contract/store-id.contract';
import { runDeliveryOnceContract } from './contract/delivery-once.contract';
import { runDeadLetterClaimsContract } from './contract/dead-letter-claims.contract';
import { runFileLeaseContract } from './contract/file-lease.contract';
import { runConfigHistoryContract } from './contract/config-history.contract';
import { runAuditContract } from './contract/audit.contract';
import { runBusinessKeysContract, runWaitingContract } from './contract/business-keys.contract';
import { envelope, hop, message, uid } from './store.fixtures';

/**
 * The one contract every BusStore passes. Each test uses its own random names, so the suite
 * also runs against a shared database (MongoDB) without cleaning between tests.
 */
export function runStoreContract(
  name: string,
  makeStore: () => Promise<BusStore>,
  describeFn: jest.Describe = describe,
  /** Opens a store at a location of its own (see runStoreIdContract); absent for `:memory:`. */
  openAt?: (location: string) => Promise<BusStore>,
): void {
  describeFn(`BusStore contract: ${name}`, () => {
    let sut: BusStore;
    beforeEach(async () => {
      sut = await makeStore();
    });
    afterEach(async () => {
      await sut.close();
    });
    const store = () => sut;

    runJournalContract(store);
    runStoreIdContract(store, openAt);
    runDeliveryOnceContract(store);
    runDeadLetterClaimsContract(store);
    runJobsLedgerContract(store);
    runFileLeaseContract(store);
    runConfigHistoryContract(store);
    runAuditContract(store);
    runBusinessKeysContract(store);
    runWaitingContract(store);

    describe('idempotency ledger', () => {
      it('should report a delivery only once it is recorded', async () => {
        const id = uid('msg');
        expect(await sut.isDelivered(id, 'billing')).toBe(false);
        await sut.recordDelivered(id, 'billing', { status: 201, nativeId: 'A-1' });
        expect(await sut.isDelivered(id, 'billing')).toBe(true);
        expect(await sut.isDelivered(id, 'archive')).toBe(false);
      });

      it('should accept the same delivery recorded twice', async () => {
        const id = uid('msg');
        await Promise.all([sut.recordDelivered(id, 'billing'), sut.recordDelivered(id, 'billing')]);
        await sut.recordDelivered(id, 'billing', { status: 200 });
        expect(await sut.isDelivered(id, 'billing')).toBe(true);
      });
    });

    describe('ingress dedup', () => {
      it('should give the first message id back to a later claim of the same key', async () => {
        const key = uid('key');
        expect(await sut.claimIngressKey('sales', key, 'm1')).toEqual({ messageId: 'm1', duplicate: false, state: 'claimed' });
        expect(await sut.claimIngressKey('sales', key, 'm2')).toEqual({ messageId: 'm1', duplicate: true, state: 'claimed' });
        expect(await sut.claimIngressKey('billing', key, 'm3')).toEqual({ messageId: 'm3', duplicate: false, state: 'claimed' });
      });

      it('should let exactly one of two concurrent claims win', async () => {
        const key = uid('key');
        const claims = await Promise.all([sut.claimIngressKey('sales', key, 'a'), sut.claimIngressKey('sales', key, 'b')]);
        expect(claims.filter((c) => !c.duplicate)).toHaveLength(1);
        const winner = claims.find((c) => !c.duplicate)!.messageId;
        expect(claims.map((c) => c.messageId)).toEqual([winner, winner]);
      });

      it('should accept a key again once its claim is released', async () => {
        const key = uid('key');
        await sut.claimIngressKey('sales', key, 'm1');
        await sut.releaseIngressKey('sales', key, 'other');
        expect((await sut.claimIngressKey('sales', key, 'm2')).duplicate).toBe(true);
        await sut.releaseIngressKey('sales', key);
        expect(await sut.claimIngressKey('sales', key, 'm2')).toEqual({ messageId: 'm2', duplicate: false, state: 'claimed' });
      });
    });

    describe('dead letters', () => {
      const letter = (over: Partial<DeadLetterInput> = {}): DeadLetterInput => {
        const messageId = over.messageId ?? uid('msg');
        return {
          messageId, destination: 'billing', type: 'customer.updated', source: 'sales', errorCode: 'DELIVERY.REJECTED',
          errorMessage: 'billing answered 422', attempts: 4, at: new Date(), envelope: envelope(messageId), ...over,
        };
      };

      it('should keep a dead letter with its envelope and last error', async () => {
        const input = letter({ headers: { 'x-bus-routes': '{"billing":"r1"}' } });
        const recorded = await sut.recordDeadLetter(input);
        const found = await sut.getDeadLetter(recorded.id);
        expect(found).toMatchObject({
          id: recorded.id, messageId: input.messageId, destination: 'billing', errorCode: 'DELIVERY.REJECTED', attempts: 4, state: 'dead',
          envelope: input.envelope, headers: input.headers, at: (input.at as Date).toISOString(),
        });
        expect(await sut.getDeadLetter(uid('none'))).toBeNull();
      });

      it('should list dead letters filtered by system, type and time, newest first', async () => {
        const type = uid('type');
        const base = Date.now() - 60_000;
        const at = (s: number) => new Date(base + s * 1000);
        const a = await sut.recordDeadLetter(letter({ type, at: at(1) }));
        const b = await sut.recordDeadLetter(letter({ type, at: at(2), destination: 'archive' }));
        const c = await sut.recordDeadLetter(letter({ type, at: at(3) }));
        await sut.recordDeadLetter(letter({ type: uid('other'), at: at(4) }));
        const ids = async (q: Parameters<BusStore['listDeadLetters']>[0]) => (await sut.listDeadLetters(q)).items.map((d) => d.id);
        expect(await ids({ type })).toEqual([c.id, b.id, a.id]);
        expect(await ids({ type, system: 'billing' })).toEqual([c.id, a.id]);
        expect(await ids({ type, since: at(2), until: at(3).toISOString() })).toEqual([c.id, b.id]);
        const first = await sut.listDeadLetters({ type, limit: 2 });
        expect(first.items).toHaveLength(2);
        const second = await sut.listDeadLetters({ type, limit: 2, cursor: first.nextCursor });
        expect(second.items.map((d) => d.id)).toEqual([a.id]);
        expect(second.nextCursor).toBeUndefined();
      });

      it('should move a dead letter out of the list once, keeping the reason', async () => {
        const type = uid('type');
        const d = await sut.recordDeadLetter(letter({ type }));
        expect(await sut.markDeadLetter(d.id, 'discarded', 'customer deleted in billing')).toBe(true);
        expect(await sut.markDeadLetter(d.id, 'replayed')).toBe(false);
        expect((await sut.listDeadLetters({ type })).items).toEqual([]);
        const all = await sut.listDeadLetters({ type, state: 'all' });
        expect(all.items[0]).toMatchObject({ id: d.id, state: 'discarded', reason: 'customer deleted in billing' });
        expect(all.items[0].resolvedAt).toEqual(expect.any(String));
      });

      it('should let only one of two concurrent replays take a dead letter', async () => {
        const d = await sut.recordDeadLetter(letter());
        const results = await Promise.all([sut.markDeadLetter(d.id, 'replayed'), sut.markDeadLetter(d.id, 'replayed')]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await sut.markDeadLetter(uid('none'), 'replayed')).toBe(false);
      });
    });

    describe('id cross-reference', () => {
      it('should find a linked id both ways and keep the first link', async () => {
        const canonical = uid('C');
        expect(await sut.linkXref('customer', canonical, 'billing', 'ACC-1')).toBe(true);
        expect(await sut.linkXref('customer', canonical, 'billing', 'ACC-2')).toBe(false);
        expect(await sut.findNativeId('customer', canonical, 'billing')).toBe('ACC-1');
        expect(await sut.findCanonicalId('customer', 'billing', 'ACC-1')).toBe(canonical);
        expect(await sut.findNativeId('customer', canonical, 'bridge')).toBeNull();
        expect(await sut.findNativeId('contract', canonical, 'billing')).toBeNull();
        expect(await sut.findCanonicalId('customer', 'billing', uid('none'))).toBeNull();
      });
    });

    describe('file ledger', () => {
      it('should claim a file hash once and remember its outcome', async () => {
        const sha = uid('sha');
        expect(await sut.claimFile(sha, 'bridge', 'Master.csv')).toBe(true);
        expect(await sut.claimFile(sha, 'bridge', 'Master-copy.csv')).toBe(false);
        expect(await sut.getFile(sha)).toMatchObject({ sha256: sha, system: 'bridge', fileName: 'Master.csv', status: 'processing' });
        await sut.completeFile(sha, 'processed', '3 records');
        expect(await sut.getFile(sha)).toMatchObject({ status: 'processed', detail: '3 records', completedAt: expect.any(String) });
        expect(await sut.claimFile(sha, 'bridge', 'Master.csv')).toBe(false);
        await sut.releaseFile(sha);
        expect(await sut.getFile(sha)).toBeNull();
        expect(await sut.claimFile(sha, 'bridge', 'Master.csv')).toBe(true);
      });

      it('should let exactly one of two concurrent claims of one file win', async () => {
        const sha = uid('sha');
        const claims = await Promise.all([sut.claimFile(sha, 'bridge', 'a.csv'), sut.claimFile(sha, 'bridge', 'b.csv')]);
        expect(claims.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('jobs', () => {
      it('should save, replace and find job runs', async () => {
        const name = uid('letters');
        const older = { id: uid('run'), name, state: 'completed' as const, startedAt: '2026-01-01T00:00:00.000Z', total: 3 };
        const newer = { id: uid('run'), name, state: 'running' as const, startedAt: '2026-01-02T00:00:00.000Z', trigger: 'manual' as const, data: { rate: 2.5 } };
        await sut.saveJobRun(newer);
        await sut.saveJobRun(older);
        expect(await sut.getJobRun(older.id)).toEqual(older);
        expect(await sut.latestJobRun(name)).toEqual(newer);
        await sut.saveJobRun({ ...newer, state: 'completed', finishedAt: '2026-01-02T01:00:00.000Z' });
        expect(await sut.latestJobRun(name)).toMatchObject({ id: newer.id, state: 'completed', finishedAt: '2026-01-02T01:00:00.000Z' });
        expect(await sut.getJobRun(uid('none'))).toBeNull();
        expect(await sut.latestJobRun(uid('none'))).toBeNull();
      });

      it('should mark job items step by step and count them', async () => {
        const runId = uid('run');
        await sut.markJobItem(runId, 'c1', 'printed');
        await sut.markJobItem(runId, 'c1', 'emailed');
        await sut.markJobItem(runId, 'c2', 'printed');
        await sut.markJobItem(runId, 'c2', 'failed', 'SMTP refused: 550 no such user');
        await sut.markJobItem(runId, 'c3', 'failed', 'printer error');
        expect(await sut.jobItemCounts(runId)).toEqual({ total: 3, printed: 2, emailed: 1, failed: 2 });
        const items = await sut.jobItems(runId);
        expect(items.map((i) => [i.itemKey, i.printed, i.emailed, i.failed])).toEqual([
          ['c1', true, true, false],
          ['c2', true, false, true],
          ['c3', false, false, true],
        ]);
        expect(items[1].detail).toBe('SMTP refused: 550 no such user');
        expect((await sut.jobItems(runId, { failed: true })).map((i) => [i.itemKey, i.detail])).toEqual([
          ['c2', 'SMTP refused: 550 no such user'],
          ['c3', 'printer error'],
        ]);
        expect((await sut.jobItems(runId, { failed: false })).map((i) => i.itemKey)).toEqual(['c1']);
        await sut.markJobItem(runId, 'c2', 'emailed');
        expect(await sut.jobItemCounts(runId)).toEqual({ total: 3, printed: 2, emailed: 2, failed: 1 });
        expect((await sut.jobItems(runId, { failed: true })).map((i) => i.itemKey)).toEqual(['c3']);
        expect(await sut.jobItems(uid('none'), { failed: true })).toEqual([]);
        expect(await sut.jobItemCounts(uid('none'))).toEqual({ total: 0, printed: 0, emailed: 0, failed: 0 });
      });
    });

    describe('lease lock', () => {
      it('should give a lock to one owner until it is released', async () => {
        const lock = uid('lock');
        expect(await sut.tryAcquireLock(lock, 'a', 60_000)).toBe(true);
        expect(await sut.tryAcquireLock(lock, 'b', 60_000)).toBe(false);
        expect(await sut.tryAcquireLock(lock, 'a', 60_000)).toBe(true);
        await sut.releaseLock(lock, 'b');
        expect(await sut.tryAcquireLock(lock, 'b', 60_000)).toBe(false);
        await sut.releaseLock(lock, 'a');
        expect(await sut.tryAcquireLock(lock, 'b', 60_000)).toBe(true);
      });

      it('should let another owner take an expired lock', async () => {
        const lock = uid('lock');
        expect(await sut.tryAcquireLock(lock, 'a', -1)).toBe(true);
        expect(await sut.tryAcquireLock(lock, 'b', 60_000)).toBe(true);
        expect(await sut.tryAcquireLock(lock, 'a', 60_000)).toBe(false);
      });

      it('should give a free lock to exactly one of two concurrent owners', async () => {
        const lock = uid('lock');
        const results = await Promise.all([sut.tryAcquireLock(lock, 'a', 60_000), sut.tryAcquireLock(lock, 'b', 60_000)]);
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('key-value state', () => {
      it('should set, replace, list and delete values within a namespace', async () => {
        const ns = uid('ns');
        expect(await sut.getValue(ns, 'a')).toBeNull();
        await sut.setValue(ns, 'b', { records: 2, lastAt: '2026-11-28T10:00:00.000Z' });
        await sut.setValue(ns, 'a', [1, 2]);
        await sut.setValue(ns, 'a', [1, 2, 3]);
        await sut.setValue(uid('other'), 'a', 'elsewhere');
        expect(await sut.getValue(ns, 'a')).toEqual([1, 2, 3]);
        expect(await sut.listValues(ns)).toEqual([
          { key: 'a', value: [1, 2, 3] },
          { key: 'b', value: { records: 2, lastAt: '2026-11-28T10:00:00.000Z' } },
        ]);
        await sut.deleteValue(ns, 'a');
        expect(await sut.getValue(ns, 'a')).toBeNull();
        expect((await sut.listValues(ns)).map((e) => e.key)).toEqual(['b']);
      });

      it('should not return an expired value', async () => {
        const ns = uid('ns');
        await sut.setValue(ns, 'gone', 1, -1);
        await sut.setValue(ns, 'kept', 2, 60_000);
        expect(await sut.getValue(ns, 'gone')).toBeNull();
        expect(await sut.listValues(ns)).toEqual([{ key: 'kept', value: 2 }]);
        await sut.setValue(ns, 'gone', 3);
        expect(await sut.getValue(ns, 'gone')).toBe(3);
      });
    });

    describe('retention', () => {
      it('should purge old journal entries, deliveries, keys and resolved dead letters but keep open dead letters', async () => {
        const old = message({ receivedAt: new Date(Date.now() - 40 * 86_400_000).toISOString() });
        const recent = message();
        await sut.appendEvents([{ kind: 'message', message: old }, { kind: 'hop', messageId: old.id, hop: hop('delivered', old.receivedAt) }]);
        await sut.appendEvents([{ kind: 'message', message: recent }]);
        await sut.purgeOlderThan(new Date(Date.now() - 30 * 86_400_000));
        expect(await sut.getMessage(old.id)).toBeNull();
        expect(await sut.getMessage(recent.id)).not.toBeNull();

        const key = uid('key');
        await sut.claimIngressKey('sales', key, 'm1');
        await sut.recordDelivered('m1', 'billing');
        const open = await sut.recordDeadLetter({ messageId: 'm1', destination: 'billing', type: 't', source: 's', errorCode: 'E', errorMessage: 'e', attempts: 1, envelope: envelope('m1') });
        const resolved = await sut.recordDeadLetter({ messageId: 'm2', destination: 'billing', type: 't', source: 's', errorCode: 'E', errorMessage: 'e', attempts: 1, envelope: envelope('m2') });
        await sut.markDeadLetter(resolved.id, 'discarded', 'test');
        await sut.purgeOlderThan(new Date(Date.now() + 60_000));
        expect(await sut.getMessage(recent.id)).toBeNull();
        expect(await sut.claimIngressKey('sales', key, 'm9')).toEqual({ messageId: 'm9', duplicate: false, state: 'claimed' });
        expect(await sut.isDelivered('m1', 'billing')).toBe(false);
        expect(await sut.getDeadLetter(open.id)).not.toBeNull();
        expect(await sut.getDeadLetter(resolved.id)).toBeNull();
      });

      it('should close twice without failing', async () => {
        await sut.close();
        await expect(sut.close()).resolves.toBeUndefined();
      });
    });
  });
}
