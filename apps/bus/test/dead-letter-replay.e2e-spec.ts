import * as amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { BusHeaders } from '@bus/canonical-model';
import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { queueNames } from '../src/messaging';
import { DeadLetterQueueReconciler } from '../src/delivery/dead-letter-queue.reconciler';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { rabbitmqctl, TEST_AMQP_URL, waitFor } from './support/broker';

const admin = (bus: TestBus, path: string, init: RequestInit = {}) =>
  fetch(`${bus.url}/admin/${path}`, { ...init, headers: { authorization: `Bearer ${bus.adminToken}`, 'content-type': 'application/json', ...init.headers } }).then(
    async (r) => ({ status: r.status, json: await r.json() }),
  );

/** Dead-lettered at the first failure, so a few hundred dead letters are made in seconds. */
const NO_RETRIES = '  immediateRetries: 0\n  redeliveryDelays: []';

/** A destination that answers 500 until fixed, then 200, and counts every request it took by Idempotency-Key. */
async function flakyDestination() {
  const state = { healthy: false, taken: new Map<string, number>(), refused: 0 };
  const server = await startHttpTestServer((req, res) => {
    if (!state.healthy) {
      state.refused++;
      return res.writeHead(500).end('down for maintenance');
    }
    const key = String(req.headers['idempotency-key']);
    state.taken.set(key, (state.taken.get(key) ?? 0) + 1);
    res.writeHead(200).end();
  });
  return { server, state };
}

describe('dead-letter replay', () => {
  const buses: TestBus[] = [];
  const servers: HttpTestServer[] = [];
  let conn: amqp.ChannelModel;

  beforeAll(async () => {
    conn = await amqp.connect(TEST_AMQP_URL);
  });
  afterAll(async () => {
    await conn.close();
  });
  afterEach(async () => {
    // The last one deletes the shared queues (a live instance's exclusive queue cannot be deleted).
    const closing = buses.splice(0).reverse();
    for (const [i, bus] of closing.entries()) await bus.close({ keepBroker: i < closing.length - 1 });
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function depth(queue: string): Promise<number> {
    const ch = await conn.createChannel();
    try {
      return (await ch.checkQueue(queue)).messageCount;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Ready and unacked: 0 once every published message was handled. */
  async function inQueue(queue: string): Promise<number> {
    const line = (await rabbitmqctl('list_queues', '-q', '--no-table-headers', 'name', 'messages')).split('\n').find((l) => l.trim().split(/\s+/)[0] === queue);
    return Number(line?.trim().split(/\s+/)[1] ?? 0);
  }

  async function openDeadLetters(bus: TestBus): Promise<Array<{ id: string; messageId: string }>> {
    const out: Array<{ id: string; messageId: string }> = [];
    let cursor: string | undefined;
    do {
      const page = await admin(bus, `dead-letters?system=erp&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      out.push(...page.json.items);
      cursor = page.json.nextCursor;
    } while (cursor);
    return out;
  }

  async function fill(bus: TestBus, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, (_, j) =>
          postJson(`${bus.url}/adapters/crm/messages`, crmCustomer({ customer: { name: `Dead ${i + j}` } }), { 'x-api-key': CRM_KEY }),
        ),
      );
      for (const res of batch) {
        expect(res.status).toBe(202);
        ids.push(res.json.messageId);
      }
    }
    return ids;
  }

  async function start(erp: HttpTestServer, shared?: TestBus): Promise<TestBus> {
    const bus = await startTestBus({
      yaml: coreYaml({ erp: erp.url }, { delivery: NO_RETRIES }),
      vars: { CRM_API_KEY: CRM_KEY },
      ...(shared ? { dir: shared.dir, prefix: shared.prefix } : {}),
    });
    buses.push(bus);
    return bus;
  }

  it('should deliver each dead letter exactly once when two bulk replays and a repeated single replay run at the same moment, and empty the broker dead-letter queue', async () => {
    const { server: erp, state } = await flakyDestination();
    servers.push(erp);
    const bus = await start(erp);
    const dlq = queueNames('erp', bus.prefix).deadLetter;
    const accepted = await fill(bus, 300);
    const dead = await waitFor('300 dead letters', async () => ((await openDeadLetters(bus)).length === 300 ? openDeadLetters(bus) : undefined), 60_000);
    await waitFor('300 copies in the broker dead-letter queue', async () => (await depth(dlq)) === 300, 30_000);

    state.healthy = true;
    const one = dead[0].id;
    const bulk = () => admin(bus, 'dead-letters/replay', { method: 'POST', body: JSON.stringify({ system: 'erp' }) });
    const single = () => admin(bus, `dead-letters/${one}/replay`, { method: 'POST', body: '{}' });
    const [bulkA, bulkB, singleA, singleB] = await Promise.all([bulk(), bulk(), single(), single()]);

    expect([bulkA.status, bulkB.status]).toEqual([200, 200]);
    expect(bulkA.json.failed).toEqual([]);
    expect(bulkB.json.failed).toEqual([]);
    const singlesReplayed = [singleA, singleB].filter((r) => r.status === 200).length;
    expect([singleA, singleB].filter((r) => r.status === 409)).toHaveLength(2 - singlesReplayed);
    expect(singlesReplayed).toBeLessThanOrEqual(1);
    expect(bulkA.json.replayed + bulkB.json.replayed + singlesReplayed).toBe(300);
    const again = await single();
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'DEAD_LETTER.RESOLVED', message: expect.stringContaining('already replayed') });

    await waitFor('every message delivered', () => state.taken.size === 300 || undefined, 60_000);
    await waitFor('the work queue handled', async () => (await inQueue(queueNames('erp', bus.prefix).work)) === 0, 30_000);
    expect([...state.taken.keys()].sort()).toEqual(accepted.map((id) => `${id}:erp`).sort());
    expect([...state.taken.values()].filter((n) => n !== 1)).toEqual([]);
    await waitFor('the broker dead-letter queue emptied', async () => (await depth(dlq)) === 0, 30_000);
    expect(await openDeadLetters(bus)).toEqual([]);
    const metrics = await fetch(`${bus.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('bus_dead_letters{destination="erp"} 0');
    expect(metrics).toMatch(new RegExp(`bus_queue_depth\\{queue="${dlq.replace(/\./g, '\\.')}"\\} 0`));
  });

  it('should replay each dead letter once when two bus instances sharing one store replay in bulk at the same moment', async () => {
    const { server: erp, state } = await flakyDestination();
    servers.push(erp);
    const a = await start(erp);
    const b = await start(erp, a);
    const accepted = await fill(a, 100);
    await waitFor('100 dead letters', async () => (await openDeadLetters(a)).length === 100 || undefined, 60_000);

    state.healthy = true;
    const bulk = (bus: TestBus) => admin(bus, 'dead-letters/replay', { method: 'POST', body: JSON.stringify({ system: 'erp' }) });
    const [ra, rb] = await Promise.all([bulk(a), bulk(b)]);

    expect(ra.json.replayed + rb.json.replayed).toBe(100);
    expect([...ra.json.failed, ...rb.json.failed]).toEqual([]);
    await waitFor('every message delivered', () => state.taken.size === 100 || undefined, 60_000);
    await waitFor('the work queue handled', async () => (await inQueue(queueNames('erp', a.prefix).work)) === 0, 30_000);
    expect([...state.taken.keys()].sort()).toEqual(accepted.map((id) => `${id}:erp`).sort());
    expect([...state.taken.values()].filter((n) => n !== 1)).toEqual([]);
    await waitFor('the broker dead-letter queue emptied', async () => (await depth(queueNames('erp', a.prefix).deadLetter)) === 0, 30_000);
  });

  it('should remove a discarded dead letter from the broker dead-letter queue too, and refuse a replay while another holds the claim', async () => {
    const { server: erp } = await flakyDestination();
    servers.push(erp);
    const bus = await start(erp);
    const dlq = queueNames('erp', bus.prefix).deadLetter;
    await fill(bus, 3);
    const [first, second, third] = await waitFor('3 dead letters', async () => ((await openDeadLetters(bus)).length === 3 ? openDeadLetters(bus) : undefined));
    await waitFor('3 copies in the broker', async () => (await depth(dlq)) === 3);

    const discarded = await admin(bus, `dead-letters/${first.id}/discard`, { method: 'POST', body: JSON.stringify({ reason: 'customer deleted in erp' }) });
    const twice = await admin(bus, `dead-letters/${first.id}/discard`, { method: 'POST', body: JSON.stringify({ reason: 'again' }) });
    await bus.store.claimDeadLetter(second.id, 'another-instance', 60_000);
    const held = await admin(bus, `dead-letters/${second.id}/replay`, { method: 'POST', body: '{}' });
    const discardHeld = await admin(bus, `dead-letters/${second.id}/discard`, { method: 'POST', body: JSON.stringify({ reason: 'x' }) });

    expect(discarded.status).toBe(200);
    expect(twice).toMatchObject({ status: 409, json: { code: 'DEAD_LETTER.RESOLVED' } });
    expect(held).toMatchObject({ status: 409, json: { code: 'DEAD_LETTER.REPLAYING', message: expect.stringContaining('another-instance') } });
    expect(discardHeld.status).toBe(409);
    await waitFor('the discarded copy gone from the broker', async () => (await depth(dlq)) === 2);
    // The claimed one keeps its copy: its replay may still fail and make it dead again.
    expect((await openDeadLetters(bus)).map((d) => d.id)).toEqual([third.id]);
    expect(await fetch(`${bus.url}/metrics`).then((r) => r.text())).toContain('bus_dead_letters{destination="erp"} 2');
  });

  it('should list a broker copy the store missed, and match copies without an id by message id and destination', async () => {
    const { server: erp } = await flakyDestination();
    servers.push(erp);
    const bus = await start(erp);
    const dlq = queueNames('erp', bus.prefix).deadLetter;
    await fill(bus, 2);
    const [open, resolved] = await waitFor('2 dead letters', async () => ((await openDeadLetters(bus)).length === 2 ? openDeadLetters(bus) : undefined));
    await waitFor('their copies', async () => (await depth(dlq)) === 2);
    await bus.store.markDeadLetter(resolved.id, 'discarded', 'resolved before copies had ids');
    const missed = { ...(await bus.store.getDeadLetter(open.id))!.envelope, id: randomUUID() };
    const missedId = randomUUID();
    const ch = await conn.createConfirmChannel();
    await ch.purgeQueue(dlq);
    // Copies from before the id header existed (one open, one resolved), and a copy whose indexing failed.
    for (const letter of [open, resolved]) {
      const { envelope } = (await bus.store.getDeadLetter(letter.id))!;
      ch.sendToQueue(dlq, Buffer.from(JSON.stringify(envelope)), { messageId: envelope.id, persistent: true, headers: { [BusHeaders.DESTINATION]: 'erp' } });
    }
    ch.sendToQueue(dlq, Buffer.from(JSON.stringify(missed)), {
      messageId: missed.id,
      persistent: true,
      headers: { [BusHeaders.DEAD_LETTER_ID]: missedId, [BusHeaders.FAULT_CODE]: 'DELIVERY.TRANSIENT', [BusHeaders.FAULT_MESSAGE]: 'erp answered 500', [BusHeaders.ATTEMPTS]: 1 },
    });
    // Copies the store cannot file: a body that is not JSON, and an envelope without an id.
    for (const body of ['not json', JSON.stringify({ type: 'customer.created' })]) {
      ch.sendToQueue(dlq, Buffer.from(body), { persistent: true, headers: { [BusHeaders.DEAD_LETTER_ID]: randomUUID() } });
    }
    await ch.waitForConfirms();
    await ch.close();
    const sut = bus.app.get(DeadLetterQueueReconciler);

    const result = await sut.reconcile('erp');

    expect(result).toEqual({ destination: 'erp', read: 5, removed: 1, indexed: 1, unreadable: 2 });
    // The unreadable ones stay for an operator to look at: nothing is dropped that was not filed.
    await waitFor('the kept copies back in the queue', async () => (await depth(dlq)) === 4);
    expect((await openDeadLetters(bus)).map((d) => d.id).sort()).toEqual([open.id, missedId].sort());
    expect(await bus.store.getDeadLetter(missedId)).toMatchObject({ messageId: missed.id, errorCode: 'DELIVERY.TRANSIENT', errorMessage: 'erp answered 500', state: 'dead' });
    expect(await sut.reconcile('erp')).toEqual({ destination: 'erp', read: 4, removed: 0, indexed: 0, unreadable: 2 });
  });
});
