import type { CanonicalEnvelope } from '@bus/canonical-model';
import { TransientDeliveryError, type DeliveryReceipt, type NativeMessage } from '@bus/adapters';
import type { Delivery } from '../messaging/consumer';
import type { Hop } from '../store/store.types';
import { SqliteStore } from '../store/sqlite/sqlite.store';
import { DeliveryHandler, type Destination } from './delivery.handler';
import { DeliveryLeases } from './delivery-lease';
import { XrefService } from './xref.service';

interface Sent {
  idempotencyKey: string;
  body: Record<string, unknown>;
  release: (receipt?: DeliveryReceipt) => void;
  fail: (err: Error) => void;
}

/** A destination whose sends the test answers one by one. */
function gatedDestination(xref?: Record<string, string>) {
  const sent: Sent[] = [];
  const waiters: Array<() => void> = [];
  const instance = {
    checkHealth: async () => ({ status: 'up' as const }),
    send: (native: NativeMessage, ctx: { idempotencyKey: string }) =>
      new Promise<DeliveryReceipt>((resolve, reject) => {
        sent.push({ idempotencyKey: ctx.idempotencyKey, body: JSON.parse(native.body.toString()), release: (r) => resolve(r ?? { status: 200 }), fail: reject });
        waiters.splice(0).forEach((wake) => wake());
      }),
  };
  const system = {
    name: 'erp',
    xref,
    mapping: { fromCanonical: async (e: CanonicalEnvelope, bindings: { xref: string | null }) => ({ ...(e.payload as object), erpId: bindings.xref }) },
    codec: { encode: (v: unknown) => Buffer.from(JSON.stringify(v)), contentTypes: ['application/json'] },
    codecOptions: {},
  };
  const nthSend = async (n: number) => {
    while (sent.length < n) await new Promise<void>((r) => waiters.push(r));
    return sent[n - 1];
  };
  return { destination: { system, instance } as unknown as Destination, sent, nthSend };
}

const envelope: CanonicalEnvelope = { id: 'm1', type: 'customer.updated', schemaVersion: 1, source: 'crm', correlationId: 'c1', occurredAt: '2026-12-01T00:00:00.000Z', payload: { n: 1 } };
const delivery = (over: Partial<Delivery> = {}): Delivery => ({ envelope, attempts: 0, immediateRetry: 0, attempt: 1, headers: {}, properties: {} as Delivery['properties'], ...over });

describe(DeliveryHandler.name, () => {
  let store: SqliteStore;
  let hops: Hop[];
  let linkFails: boolean;
  let sut: DeliveryHandler;

  const build = (leaseMs = 60_000, realXref = false) => {
    const config = { getVersion: () => undefined, active: () => ({ routeTable: { transformFor: () => undefined } }) };
    const journal = { step: (_envelope: unknown, _headers: unknown, hop: Hop) => hops.push(hop) };
    const metrics = { delivered: () => undefined, failed: () => undefined };
    const xref = realXref ? new XrefService(store) : {
      unlinkedEntityKey: async () => undefined,
      nativeIdFor: async () => undefined,
      linkFromReceipt: async () => {
        if (linkFails) throw new Error('store is read-only');
      },
    };
    return new DeliveryHandler(config as never, store, journal as never, metrics as never, xref as never, new DeliveryLeases(store, leaseMs));
  };

  beforeEach(() => {
    store = new SqliteStore({ filename: ':memory:', purgeIntervalMs: 0 });
    hops = [];
    linkFails = false;
    sut = build();
  });

  afterEach(() => store.close());

  it('should send two copies of one message consumed at once only once', async () => {
    const { destination, sent, nthSend } = gatedDestination();
    const first = sut.handle(destination, delivery());
    const second = sut.handle(destination, delivery({ attempts: 1 }));
    (await nthSend(1)).release();

    expect(await Promise.all([first, second])).toEqual([{ kind: 'ack' }, { kind: 'ack' }]);
    expect(sent.map((s) => s.idempotencyKey)).toEqual(['m1:erp']);
    expect(hops.map((h) => h.kind).sort()).toEqual(['delivered', 'duplicate-skipped']);
    expect(await store.isDelivered('m1', 'erp')).toBe(true);
  });

  it('should let the waiting copy send when the copy that held the claim failed', async () => {
    const { destination, sent, nthSend } = gatedDestination();
    const first = sut.handle(destination, delivery());
    const second = sut.handle(destination, delivery());
    (await nthSend(1)).fail(new TransientDeliveryError('erp answered 503'));
    (await nthSend(2)).release();

    expect(await first).toMatchObject({ kind: 'retry' });
    expect(await second).toEqual({ kind: 'ack' });
    expect(sent.map((s) => s.idempotencyKey)).toEqual(['m1:erp', 'm1:erp']);
  });

  it('should take over the claim of a holder that died once its lease expired', async () => {
    await store.claimDelivery('m1', 'erp', 'killed-instance', 200);
    const { destination, sent, nthSend } = gatedDestination();
    const outcome = sut.handle(destination, delivery({ attempts: 1 }));
    (await nthSend(1)).release();

    expect(await outcome).toEqual({ kind: 'ack' });
    expect(sent).toHaveLength(1);
  });

  it('should skip a copy whose delivery another instance recorded while it waited', async () => {
    await store.claimDelivery('m1', 'erp', 'other-instance', 60_000);
    const { destination, sent } = gatedDestination();
    const outcome = sut.handle(destination, delivery());
    await store.recordDelivered('m1', 'erp', { status: 201 });

    expect(await outcome).toEqual({ kind: 'ack' });
    expect(sent).toHaveLength(0);
    expect(hops).toEqual([expect.objectContaining({ kind: 'duplicate-skipped', destination: 'erp' })]);
  });

  it('should record the delivery even when linking the returned id fails, and not send again', async () => {
    linkFails = true;
    const { destination, sent, nthSend } = gatedDestination();
    const outcome = sut.handle(destination, delivery());
    (await nthSend(1)).release({ status: 201, nativeId: 'ERP-9' });

    expect(await outcome).toEqual({ kind: 'ack' });
    expect(await store.isDelivered('m1', 'erp')).toBe(true);
    expect(await sut.handle(destination, delivery({ attempts: 1 }))).toEqual({ kind: 'ack' });
    expect(sent).toHaveLength(1);
  });

  describe('to a system that links ids (xref)', () => {
    const about = (id: string, type: string) => delivery({ envelope: { ...envelope, id, type, payload: { customerId: 'C-1' } } });

    it('should deliver messages about an entity it has no id for one at a time, the second with the id the first linked', async () => {
      sut = build(60_000, true);
      const { destination, sent, nthSend } = gatedDestination({ customer: 'customerId' });
      const created = sut.handle(destination, about('m1', 'customer.created'));
      const updated = sut.handle(destination, about('m2', 'customer.updated'));
      const first = await nthSend(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(sent).toHaveLength(1);
      first.release({ status: 201, nativeId: 'ERP-7' });
      (await nthSend(2)).release();

      expect(await Promise.all([created, updated])).toEqual([{ kind: 'ack' }, { kind: 'ack' }]);
      expect(sent.map((s) => s.body.erpId)).toEqual([null, 'ERP-7']);
    });

    it('should deliver messages about a linked entity side by side', async () => {
      sut = build(60_000, true);
      await store.linkXref('customer', 'C-1', 'erp', 'ERP-7');
      const { destination, nthSend } = gatedDestination({ customer: 'customerId' });
      const outcomes = [sut.handle(destination, about('m1', 'customer.updated')), sut.handle(destination, about('m2', 'customer.updated'))];
      const [a, b] = [await nthSend(1), await nthSend(2)];
      a.release();
      b.release();

      expect(await Promise.all(outcomes)).toEqual([{ kind: 'ack' }, { kind: 'ack' }]);
      expect([a.body.erpId, b.body.erpId]).toEqual(['ERP-7', 'ERP-7']);
    });
  });

  it('should number each try in the journal hops', async () => {
    const { destination, nthSend } = gatedDestination();
    const tries = [1, 2, 3].map(async (attempt) => {
      const outcome = sut.handle(destination, delivery({ immediateRetry: attempt - 1, attempt }));
      (await nthSend(attempt)).fail(new TransientDeliveryError('erp answered 503'));
      return outcome;
    });
    for (const t of tries) await t;

    expect(hops.map((h) => [h.kind, h.attempt])).toEqual([
      ['attempt', 1],
      ['attempt', 2],
      ['attempt', 3],
    ]);
  });
});
