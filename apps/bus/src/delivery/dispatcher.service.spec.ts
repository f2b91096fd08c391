import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanonicalEnvelope } from '@bus/canonical-model';
import { BrokerUnavailableError } from '../messaging/messaging.errors';
import { SqliteStore } from '../store/sqlite/sqlite.store';
import { DispatchesInFlight } from './dispatches-in-flight';
import { Dispatcher } from './dispatcher.service';

/** The broker as the dispatcher sees it: each publish confirmed, or failed as the test says. */
class FakePublisher {
  readonly unroutedQueue = 'bus.unrouted';
  readonly published: CanonicalEnvelope[] = [];
  failNext = 0;

  async publish(envelope: CanonicalEnvelope): Promise<void> {
    this.published.push(envelope);
    if (this.failNext > 0) {
      this.failNext--;
      // Published, but the confirm was lost with the connection: the outcome is unknown.
      throw new BrokerUnavailableError(`RabbitMQ did not confirm message ${envelope.id}: connection closed`);
    }
  }

  publishToQueue = this.publish;
}

let seq = 0;
const mint = (over: Partial<CanonicalEnvelope> = {}): CanonicalEnvelope => {
  const id = `m${++seq}`;
  return { id, type: 'customer.updated', schemaVersion: 1, source: 'crm', correlationId: `c-${id}`, occurredAt: new Date().toISOString(), payload: { n: seq }, ...over };
};

describe(Dispatcher.name, () => {
  let store: SqliteStore;
  let publisher: FakePublisher;
  let sut: Dispatcher;

  const dispatcherOn = (on: SqliteStore) => {
    const config = {
      active: () => ({ version: 'v1', config: { businessKeys: {} }, routeTable: { match: async () => ({ matches: [{ destination: 'erp', route: 'customers' }], conditionErrors: [] }) } }),
    };
    const journal = { received: () => undefined };
    const metrics = { received: () => undefined, unrouted: () => undefined, routed: () => undefined };
    const rateBook = { observe: async () => undefined };
    const fileUsage = { observe: () => undefined };
    return new Dispatcher(config as never, publisher as never, on, journal as never, metrics as never, rateBook as never, fileUsage as never, new DispatchesInFlight());
  };

  beforeEach(() => {
    store = new SqliteStore({ filename: ':memory:', purgeIntervalMs: 0 });
    publisher = new FakePublisher();
    sut = dispatcherOn(store);
  });

  afterEach(() => store.close());

  it('should publish a retry under the original ids when the first publish failed with its outcome unknown', async () => {
    publisher.failNext = 1;
    const first = mint();
    await expect(sut.dispatch('crm', [first], { idempotencyKey: 'k1' })).rejects.toThrow(BrokerUnavailableError);

    const result = await sut.dispatch('crm', [mint({ correlationId: 'other' })], { idempotencyKey: 'k1' });

    expect(result).toEqual({ messageId: first.id, correlationId: first.correlationId, messageIds: [first.id], duplicate: false });
    expect(publisher.published.map((e) => [e.id, e.correlationId])).toEqual([
      [first.id, first.correlationId],
      [first.id, first.correlationId],
    ]);
  });

  it('should answer a retry of a confirmed key with the original ids and publish nothing', async () => {
    const first = mint();
    await sut.dispatch('crm', [first], { idempotencyKey: 'k2' });

    const result = await sut.dispatch('crm', [mint()], { idempotencyKey: 'k2' });

    expect(result).toEqual({ messageId: first.id, correlationId: first.correlationId, messageIds: [first.id], duplicate: true });
    expect(publisher.published).toHaveLength(1);
  });

  it('should give two concurrent retries of an unconfirmed key the original id', async () => {
    publisher.failNext = 1;
    const first = mint();
    await expect(sut.dispatch('crm', [first], { idempotencyKey: 'k3' })).rejects.toThrow();

    const results = await Promise.all([sut.dispatch('crm', [mint()], { idempotencyKey: 'k3' }), sut.dispatch('crm', [mint()], { idempotencyKey: 'k3' })]);

    expect(results.map((r) => r.messageId)).toEqual([first.id, first.id]);
    expect(new Set(publisher.published.map((e) => e.id))).toEqual(new Set([first.id]));
  });

  it('should publish again only the records of a multi-record message whose publish was not confirmed', async () => {
    const [a, b] = [mint(), mint()];
    // The first record is confirmed, the second one's confirm is lost.
    const publish = publisher.publish.bind(publisher);
    let calls = 0;
    publisher.publish = async (e) => {
      await publish(e);
      if (++calls === 2) throw new BrokerUnavailableError('confirm lost');
    };
    await expect(sut.dispatch('crm', [a, b], { idempotencyKey: 'k4' })).rejects.toThrow();

    const result = await sut.dispatch('crm', [mint(), mint()], { idempotencyKey: 'k4' });

    expect(result).toMatchObject({ messageId: a.id, correlationId: a.correlationId, messageIds: [a.id, b.id], duplicate: false });
    expect(publisher.published.map((e) => e.id)).toEqual([a.id, b.id, b.id]);
  });

  it('should keep a native-id key the same way: a resent record keeps its first id', async () => {
    publisher.failNext = 1;
    const first = mint({ nativeId: 'EVT-7' });
    await expect(sut.dispatch('crm', [first])).rejects.toThrow();

    const retry = await sut.dispatch('crm', [mint({ nativeId: 'EVT-7' })]);
    const again = await sut.dispatch('crm', [mint({ nativeId: 'EVT-7' })]);

    expect(retry).toMatchObject({ messageId: first.id, duplicate: false });
    expect(again).toMatchObject({ messageId: first.id, correlationId: first.correlationId, duplicate: true });
    expect(publisher.published.map((e) => e.id)).toEqual([first.id, first.id]);
  });

  it('should have the key marked confirmed in the store when it answers, so a retry through another instance is a duplicate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dispatcher-'));
    const [mine, other] = [0, 1].map(() => new SqliteStore({ filename: join(dir, 'bus.db'), purgeIntervalMs: 0 }));
    try {
      const first = mint();
      await dispatcherOn(mine).dispatch('crm', [first], { idempotencyKey: 'k6' });

      expect(await other.claimIngressKey('crm', 'key:k6', 'retry')).toMatchObject({ messageId: first.id, duplicate: true, state: 'confirmed' });
    } finally {
      mine.close();
      other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should publish a message without a key every time, as before', async () => {
    await sut.dispatch('crm', [mint()]);
    await sut.dispatch('crm', [mint()]);
    expect(new Set(publisher.published.map((e) => e.id)).size).toBe(2);
  });

  it('should write every record of one input before the first confirm comes back, in order, and wait for all of them', async () => {
    const confirms: Array<() => void> = [];
    publisher.publish = (e) => {
      publisher.published.push(e);
      return new Promise<void>((resolve) => confirms.push(resolve));
    };
    const records = [mint(), mint(), mint()];

    let answered = false;
    const dispatched = sut.dispatch('crm', records, { idempotencyKey: 'k5' }).then((r) => ((answered = true), r));
    await waitUntil(() => confirms.length === 3);
    confirms[0]();
    confirms[2]();
    await new Promise((r) => setImmediate(r));

    expect(publisher.published.map((e) => e.id)).toEqual(records.map((e) => e.id));
    expect(answered).toBe(false);
    confirms[1]();
    expect(await dispatched).toMatchObject({ messageIds: records.map((e) => e.id), duplicate: false });
  });

  it('should publish a record whose key comes twice in one input once, and answer both with its id', async () => {
    const [a, again] = [mint({ nativeId: 'EVT-9' }), mint({ nativeId: 'EVT-9' })];

    const result = await sut.dispatch('crm', [a, again]);

    expect(result.messageIds).toEqual([a.id, a.id]);
    expect(publisher.published.map((e) => e.id)).toEqual([a.id]);
  });
});

/** Resolves once `condition` holds, checking every few milliseconds; fails after 10 s. */
async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((r) => setTimeout(r, 5));
  }
}
