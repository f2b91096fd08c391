import { SqliteStore } from '../store/sqlite/sqlite.store';
import { envelope, uid } from '../store/store.fixtures';
import type { ConfigService } from '../config/config.service';
import type { InboundListener } from '../inbound/inbound.listener';
import type { Journal } from '../journal/journal.service';
import type { Publisher } from '../messaging';
import type { DeadLetterQueueReconciler } from '../delivery/dead-letter-queue.reconciler';
import type { BusOptions } from '../bus.options';
import { DeadLetterReplayService } from './dead-letter-replay.service';

describe(DeadLetterReplayService.name, () => {
  let store: SqliteStore;
  let published: string[];
  let failFor: Set<string>;
  let sut: DeadLetterReplayService;

  beforeEach(() => {
    store = new SqliteStore({ filename: ':memory:', purgeIntervalMs: 0 });
    published = [];
    failFor = new Set();
    const publisher = {
      publishToQueue: async (_queue: string, body: { id: string }) => {
        if (failFor.has(body.id)) throw new Error(`Broker unavailable: message ${body.id} was not published`);
        published.push(body.id);
      },
    } as unknown as Publisher;
    const journal = { hop: () => undefined } as unknown as Journal;
    const reconciler = { schedule: () => undefined } as unknown as DeadLetterQueueReconciler;
    // Every destination the dead letters below name is configured (an unknown one is refused before publishing).
    const outbound = (name: string) => [name, { name, outbound: {}, adapter: { capabilities: { outbound: {} } } }] as const;
    const config = { active: () => ({ version: 'v1', config: { processors: {} }, systems: new Map(['billing', 'archive', 'ledger'].map(outbound)) }) } as unknown as ConfigService;
    sut = new DeadLetterReplayService(config, publisher, journal, {} as InboundListener, reconciler, store, {} as BusOptions);
  });
  afterEach(() => store.close());

  const dead = (destination = 'billing') => {
    const messageId = uid('msg');
    return store.recordDeadLetter({ messageId, destination, type: 'customer.updated', source: 'sales', errorCode: 'DELIVERY.TRANSIENT', errorMessage: '500', attempts: 1, envelope: envelope(messageId) });
  };

  it('should put a dead letter back to dead, with the reason, when its publish fails', async () => {
    const d = await dead();
    failFor.add(d.messageId);

    await expect(sut.replay(d.id)).rejects.toThrow('Broker unavailable');

    expect(await store.getDeadLetter(d.id)).toMatchObject({ state: 'dead', reason: expect.stringContaining('Broker unavailable') });
    failFor.clear();
    await expect(sut.replay(d.id)).resolves.toMatchObject({ id: d.id, state: 'replayed' });
    expect(published).toEqual([d.messageId]);
  });

  it('should answer 409 to a second replay of the same dead letter and publish it once', async () => {
    const d = await dead();

    const results = await Promise.allSettled([sut.replay(d.id), sut.replay(d.id)]);

    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason.getStatus()).toBe(409);
    expect(published).toEqual([d.messageId]);
    await expect(sut.replay(d.id)).rejects.toMatchObject({ response: { code: 'DEAD_LETTER.RESOLVED', message: expect.stringContaining('already replayed') } });
  });

  it('should leave alone the entries another replay holds, and list the ones that failed with their reasons', async () => {
    const [held, broken, fine] = [await dead(), await dead(), await dead()];
    await store.claimDeadLetter(held.id, 'another-instance', 60_000);
    failFor.add(broken.messageId);

    const result = await sut.replayMatching({ system: 'billing' });

    expect(result).toEqual({ replayed: 1, skipped: 0, failed: [{ id: broken.id, reason: expect.stringContaining('Broker unavailable') }] });
    expect(published).toEqual([fine.messageId]);
    expect((await store.getDeadLetter(held.id))?.state).toBe('replaying');
  });

  it('should walk every page once, not reading again the entries that failed', async () => {
    const all = await Promise.all(Array.from({ length: 450 }, () => dead('archive')));
    for (const d of all.slice(0, 10)) failFor.add(d.messageId);

    const result = await sut.replayMatching({ system: 'archive' });

    expect(result.replayed).toBe(440);
    expect(result.failed).toHaveLength(10);
    expect(new Set(published).size).toBe(440);
    expect(published).toHaveLength(440);
  });

  it('should count an entry taken between reading the page and claiming it as skipped', async () => {
    const [a, b] = [await dead('ledger'), await dead('ledger')];
    const list = store.listDeadLetters.bind(store);
    jest.spyOn(store, 'listDeadLetters').mockImplementation(async (query) => {
      const page = await list(query);
      await store.markDeadLetter(a.id, 'discarded', 'operator discarded it meanwhile');
      return page;
    });

    const result = await sut.replayMatching({ system: 'ledger' });

    expect(result).toEqual({ replayed: 1, skipped: 1, failed: [] });
    expect(published).toEqual([b.messageId]);
  });

  it('should refuse a discard while a replay holds the claim, and discard a dead one once', async () => {
    const [held, open] = [await dead(), await dead()];
    await store.claimDeadLetter(held.id, 'another-instance', 60_000);

    await expect(sut.discard(held.id, 'x')).rejects.toMatchObject({ response: { code: 'DEAD_LETTER.REPLAYING' } });
    await expect(sut.discard(open.id, 'customer deleted')).resolves.toMatchObject({ state: 'discarded', reason: 'customer deleted' });
    await expect(sut.discard(open.id, 'again')).rejects.toMatchObject({ response: { code: 'DEAD_LETTER.RESOLVED' } });
    await expect(sut.discard(uid('none'), 'x')).rejects.toMatchObject({ response: { code: 'DEAD_LETTER.NOT_FOUND' } });
  });
});
