import { startHttpTestServer, type HttpTestServer, type RecordedRequest } from '@bus/adapters/testing';
import type { CanonicalEnvelope } from '@bus/canonical-model';
import { Publisher, queueNames } from '../src/messaging';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { deferred, rabbitmqctl, TEST_AMQP_URL, waitFor } from './support/broker';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

/**
 * The sender contract against the real broker: 202 means delivered once; 503 (with Retry-After)
 * means "send it again with the same Idempotency-Key", and that retry never makes a second
 * delivery, whether or not the first attempt reached the broker. And two copies of one message
 * in a destination's queue at once reach the destination once.
 */
describe('sender contract and one send per (message, destination)', () => {
  let erp: HttpTestServer | undefined;
  let proxy: TcpProxy | undefined;
  const buses: TestBus[] = [];

  afterEach(async () => {
    // The second instance first: it shares the first one's folder and queues.
    const started = buses.splice(0);
    for (const bus of [...started].reverse()) await bus.close({ keepBroker: bus !== started[0] });
    await erp?.close();
    await proxy?.close();
    erp = proxy = undefined;
  });

  const adminGet = (bus: TestBus, path: string) => fetch(`${bus.url}/admin/${path}`, { headers: { authorization: `Bearer ${bus.adminToken}` } }).then((r) => r.json());
  const keysOf = (requests: RecordedRequest[]) => requests.map((r) => String(r.headers['idempotency-key']));
  const hopsOf = async (bus: TestBus, id: string, kind: string) => ((await adminGet(bus, `messages/${id}`)).hops ?? []).filter((h: { kind: string }) => h.kind === kind);

  /** Ready plus unacknowledged messages of a queue, as the broker counts them. */
  async function queueCounts(queue: string): Promise<{ messages: number; unacked: number }> {
    const out = await rabbitmqctl('list_queues', '-q', '--no-table-headers', 'name', 'messages', 'messages_unacknowledged');
    const row = out.split('\n').map((l) => l.trim().split(/\s+/)).find(([name]) => name === queue);
    return { messages: Number(row?.[1] ?? 0), unacked: Number(row?.[2] ?? 0) };
  }

  it('should state the contract in the OpenAPI text of the ingress endpoint', async () => {
    erp = await startHttpTestServer();
    const bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }), vars: { CRM_API_KEY: CRM_KEY } });
    buses.push(bus);

    const doc = await fetch(`${bus.url}/docs-json`).then((r) => r.json());

    const post = doc.paths['/adapters/{system}/messages'].post;
    expect(post.description).toMatch(/503.*Retry-After.*same Idempotency-Key.*never yields a second delivery/s);
    expect(post.responses['503'].headers['Retry-After']).toBeDefined();
    expect(doc.paths['/adapters/{system}/queries/{name}'].get.responses['503'].headers['Retry-After']).toBeDefined();
  });

  it('should answer 503 with Retry-After when the confirm is lost, and deliver once after the retry with the same key', async () => {
    erp = await startHttpTestServer();
    proxy = await startTcpProxy(TEST_AMQP_URL);
    const bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }), vars: { CRM_API_KEY: CRM_KEY, AMQP_URL: proxy.url } });
    buses.push(bus);
    const post = () => postJson(`${bus.url}/adapters/crm/messages`, crmCustomer({ eventId: 'evt-lost-confirm' }), { 'x-api-key': CRM_KEY, 'idempotency-key': 'order-4711' });

    // The broker stores the message, but its confirm never reaches the bus: the connection dies first
    // (the bus's broker connection is cut while the publish waits for its confirm).
    proxy.holdReplies();
    const firstTry = fetch(`${bus.url}/adapters/crm/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': CRM_KEY, 'idempotency-key': 'order-4711' },
      body: JSON.stringify(crmCustomer({ eventId: 'evt-lost-confirm' })),
    });
    await waitFor('the broker to store the message', async () => (await queueCounts(queueNames('erp', bus.prefix).work)).messages >= 1 || undefined, 60_000, 250);
    proxy.cut();
    const refused = await firstTry;

    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await refused.json()).code).toBe('BROKER.UNAVAILABLE');

    // The stored message is delivered after the reconnect; the retry names it by its original id.
    const delivered = await erp.nextRequest();
    const retry = await waitFor('the retry to be accepted', async () => {
      const r = await post();
      return r.status === 202 ? r : undefined;
    }, 60_000, 250);
    const messageId: string = retry.json.messageId;
    expect(delivered.headers['idempotency-key']).toBe(`${messageId}:erp`);
    expect(retry.json.duplicate).toBe(false);

    // The retry's copy meets the ledger at delivery: skipped, not sent.
    await waitFor('the republished copy to be skipped', async () => (await hopsOf(bus, messageId, 'duplicate-skipped')).length > 0 || undefined, 60_000);
    const again = await post();
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ messageId, correlationId: retry.json.correlationId, duplicate: true });
    expect(keysOf(erp.requests)).toEqual([`${messageId}:erp`]);
  }, 180_000);

  it('should send two copies of one message in the queue at once to the destination once, across two instances', async () => {
    const firstArrived = deferred();
    const answerFirst = deferred();
    let calls = 0;
    erp = await startHttpTestServer(async (_req, res) => {
      if (++calls === 1) {
        firstArrived.resolve();
        await answerFirst.promise;
      }
      res.writeHead(200).end();
    });
    const yaml = coreYaml({ erp: erp.url }, { outboundTimeoutMs: 120_000 });
    const first = await startTestBus({ yaml, vars: { CRM_API_KEY: CRM_KEY } });
    buses.push(first);
    // A second instance on the same store file and queues, as two bus processes on one host.
    const second = await startTestBus({ yaml, vars: { CRM_API_KEY: CRM_KEY }, dir: first.dir, prefix: first.prefix });
    buses.push(second);

    const res = await postJson(`${first.url}/adapters/crm/messages`, crmCustomer(), { 'x-api-key': CRM_KEY });
    expect(res.status).toBe(202);
    const messageId: string = res.json.messageId;
    await firstArrived.promise;
    // A second copy of the same message, as a replay or a sender's republished retry makes one.
    const history = await waitFor('the journal entry', async () => (await adminGet(first, `messages/${messageId}`)).message?.canonical as CanonicalEnvelope | undefined);
    await first.app.get(Publisher).publish(history, ['erp']);
    await waitFor('both copies to be taken by a consumer', async () => (await queueCounts(queueNames('erp', first.prefix).work)).unacked >= 2 || undefined, 60_000, 250);
    answerFirst.resolve();

    await waitFor('the second copy to be skipped', async () => (await hopsOf(first, messageId, 'duplicate-skipped')).length > 0 || undefined, 60_000);
    await waitFor('both copies acked', async () => (await queueCounts(queueNames('erp', first.prefix).work)).messages === 0 || undefined, 60_000, 250);
    expect(keysOf(erp.requests)).toEqual([`${messageId}:erp`]);
  }, 180_000);
});
