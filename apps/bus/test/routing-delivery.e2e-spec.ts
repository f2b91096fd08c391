import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { waitFor } from './support/broker';

const admin = (bus: TestBus, path: string, init: RequestInit = {}) =>
  fetch(`${bus.url}/admin/${path}`, { ...init, headers: { authorization: `Bearer ${bus.adminToken}`, 'content-type': 'application/json', ...init.headers } }).then(
    async (r) => ({ status: r.status, json: await r.json() }),
  );

describe('routing and delivery', () => {
  const buses: TestBus[] = [];
  const servers: HttpTestServer[] = [];

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function setup(destinations: Record<string, HttpTestServer>, extra: Parameters<typeof coreYaml>[1] = {}) {
    servers.push(...Object.values(destinations));
    const urls = Object.fromEntries(Object.entries(destinations).map(([k, s]) => [k, s.url]));
    const bus = await startTestBus({ yaml: coreYaml(urls, extra), vars: { CRM_API_KEY: CRM_KEY } });
    buses.push(bus);
    const post = (body: unknown) => postJson(`${bus.url}/adapters/crm/messages`, body, { 'x-api-key': CRM_KEY });
    return { bus, post };
  }

  it('should fan one message out to every destination of its route', async () => {
    const [erp, archive] = await Promise.all([startHttpTestServer(), startHttpTestServer()]);
    const { bus, post } = await setup({ erp, archive });

    const res = await post(crmCustomer());

    expect(res.status).toBe(202);
    const [a, b] = await Promise.all([erp.nextRequest(), archive.nextRequest()]);
    expect(a.headers['idempotency-key']).toBe(`${res.json.messageId}:erp`);
    expect(b.headers['idempotency-key']).toBe(`${res.json.messageId}:archive`);
    const history = await waitFor('both deliveries in the journal', async () => {
      const h = await admin(bus, `messages/${res.json.messageId}`);
      return h.json.message?.status === 'delivered' ? h.json : undefined;
    });
    expect(history.message.destinations).toEqual({ erp: expect.objectContaining({ status: 'delivered' }), archive: expect.objectContaining({ status: 'delivered' }) });
    expect(history.hops.filter((h: { kind: string }) => h.kind === 'delivered').map((h: { destination: string }) => h.destination).sort()).toEqual(['archive', 'erp']);
  });

  it('should send a message only where its content condition holds, and apply the route transform', async () => {
    const [erp, vip] = await Promise.all([startHttpTestServer(), startHttpTestServer()]);
    const { post } = await setup(
      { erp, vip },
      {
        routes: `  - name: all-to-erp
    from: crm
    types: ["customer.*"]
    to: [erp]
  - name: blocked-to-vip
    from: crm
    types: ["customer.*"]
    when: "payload.status = 'blocked'"
    to:
      - system: vip
        transform: "$merge([payload, {'name': $uppercase(payload.name)}])"`,
      },
    );

    await post(crmCustomer({ customer: { name: 'Active Ltd', status: 'active' } }));
    await post(crmCustomer({ customer: { name: 'Blocked Ltd', status: 'blocked' } }));

    await waitFor('both messages at the ERP', () => erp.requests.length === 2 || undefined);
    const atVip = await vip.nextRequest();
    expect(JSON.parse(atVip.body.toString()).name).toBe('BLOCKED LTD');
    expect(vip.requests).toHaveLength(1);
  });

  it('should retry a failing destination with backoff and deliver once it recovers', async () => {
    let calls = 0;
    const erp = await startHttpTestServer((_req, res) => {
      calls++;
      res.writeHead(calls <= 2 ? 503 : 200).end();
    });
    const { bus, post } = await setup({ erp });

    const res = await post(crmCustomer());

    await waitFor('the third attempt', () => calls >= 3 || undefined);
    const keys = new Set(erp.requests.map((r) => r.headers['idempotency-key']));
    expect(keys).toEqual(new Set([`${res.json.messageId}:erp`]));
    const history = await waitFor('the delivered hop', async () => {
      const h = await admin(bus, `messages/${res.json.messageId}`);
      return h.json.hops?.some((x: { kind: string }) => x.kind === 'delivered') ? h.json : undefined;
    });
    expect(history.hops.filter((h: { kind: string }) => h.kind === 'retry-scheduled')).toHaveLength(2);
    expect(history.message.status).toBe('delivered');
  });

  it('should dead-letter after the last retry, then deliver exactly once when replayed', async () => {
    let healthy = false;
    const erp = await startHttpTestServer((_req, res) => {
      res.writeHead(healthy ? 200 : 500).end('{"error":"database locked"}');
    });
    const { bus, post } = await setup({ erp });

    const res = await post(crmCustomer());

    const dead = await waitFor('the dead letter', async () => (await admin(bus, 'dead-letters?system=erp')).json.items?.[0]);
    expect(dead).toEqual(expect.objectContaining({ messageId: res.json.messageId, destination: 'erp', errorCode: 'DELIVERY.TRANSIENT', attempts: 3 }));
    expect(dead.errorMessage).toContain('500');
    const failures = erp.requests.length;

    healthy = true;
    const replay = await admin(bus, `dead-letters/${dead.id}/replay`, { method: 'POST', body: '{}' });
    expect(replay.status).toBe(200);
    const again = await admin(bus, `dead-letters/${dead.id}/replay`, { method: 'POST', body: '{}' });
    expect(again.status).toBe(409);

    await waitFor('the replayed delivery', () => erp.requests.length > failures || undefined);
    const history = await waitFor('delivered status', async () => {
      const h = await admin(bus, `messages/${res.json.messageId}`);
      return h.json.message?.status === 'delivered' ? h.json : undefined;
    });
    expect(history.hops.map((h: { kind: string }) => h.kind)).toEqual(expect.arrayContaining(['dead-lettered', 'replayed', 'delivered']));
    expect(erp.requests).toHaveLength(failures + 1);
  });

  it('should replay every dead letter matching a filter and report how many, each delivered once', async () => {
    let healthy = false;
    const received: string[] = [];
    const erp = await startHttpTestServer((req, res) => {
      if (healthy) received.push(String(req.headers['idempotency-key']));
      res.writeHead(healthy ? 200 : 400).end();
    });
    const { bus, post } = await setup({ erp });
    const accepted = await Promise.all([1, 2, 3].map((n) => post(crmCustomer({ customer: { name: `Bulk ${n}` } }))));
    await waitFor('three dead letters', async () => ((await admin(bus, 'dead-letters?system=erp')).json.items?.length === 3 ? true : undefined));

    healthy = true;
    const res = await admin(bus, 'dead-letters/replay', { method: 'POST', body: JSON.stringify({ system: 'erp' }) });

    expect(res.status).toBe(200);
    expect(res.json).toEqual({ replayed: 3, skipped: 0, failed: [] });
    await waitFor('three deliveries', () => received.length >= 3 || undefined);
    expect(received.sort()).toEqual(accepted.map((a) => `${a.json.messageId}:erp`).sort());
    expect((await admin(bus, 'dead-letters?system=erp')).json.items).toEqual([]);
  });

  it('should dead-letter at once when the destination rejects the message (4xx)', async () => {
    const erp = await startHttpTestServer((_req, res) => res.writeHead(422).end('customer name too long for ERP'));
    const { bus, post } = await setup({ erp });

    const res = await post(crmCustomer());

    const dead = await waitFor('the dead letter', async () => (await admin(bus, 'dead-letters?system=erp')).json.items?.[0]);
    expect(dead).toEqual(expect.objectContaining({ messageId: res.json.messageId, errorCode: 'DELIVERY.REJECTED', attempts: 1 }));
    expect(dead.errorMessage).toContain('customer name too long');
    expect(erp.requests).toHaveLength(1);
  });

  it('should discard a dead letter only with a reason, and keep it in the journal', async () => {
    const erp = await startHttpTestServer((_req, res) => res.writeHead(400).end());
    const { bus, post } = await setup({ erp });
    const res = await post(crmCustomer());
    const dead = await waitFor('the dead letter', async () => (await admin(bus, 'dead-letters?system=erp')).json.items?.[0]);

    const noReason = await admin(bus, `dead-letters/${dead.id}/discard`, { method: 'POST', body: '{}' });
    const discarded = await admin(bus, `dead-letters/${dead.id}/discard`, { method: 'POST', body: JSON.stringify({ reason: 'test customer' }) });

    expect(noReason.status).toBe(400);
    expect(noReason.json.message).toContain('reason');
    expect(discarded.status).toBe(200);
    const history = await waitFor('discarded status', async () => {
      const h = await admin(bus, `messages/${res.json.messageId}`);
      return h.json.message?.status === 'discarded' ? h.json : undefined;
    });
    expect(history.hops.find((h: { kind: string }) => h.kind === 'discarded').detail).toBe('test customer');
  });
});
