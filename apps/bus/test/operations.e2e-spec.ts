import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { drainQueue, waitFor } from './support/broker';

/** What operators use: health open to all, admin behind the token, metrics, OpenAPI. */
describe('health, admin access, metrics and docs', () => {
  let erp: HttpTestServer;
  let bus: TestBus;

  beforeAll(async () => {
    erp = await startHttpTestServer();
    bus = await startTestBus({
      yaml: coreYaml({ erp: erp.url }, { routes: '  - name: customers\n    from: crm\n    types: [customer.created]\n    to: [erp]' }),
      vars: { CRM_API_KEY: CRM_KEY },
    });
  });

  afterAll(async () => {
    await bus?.close();
    await erp?.close();
  });

  it('GET /health/live and /health/ready should answer without a token', async () => {
    const live = await fetch(`${bus.url}/health/live`);
    const ready = await fetch(`${bus.url}/health/ready`).then((r) => r.json());

    expect(live.status).toBe(200);
    expect(ready.status).toBe('ok');
    expect(ready.info).toEqual(expect.objectContaining({ broker: { status: 'up' }, config: expect.objectContaining({ status: 'up' }) }));
  });

  it('GET /health/adapters should report a destination that is down, naming it', async () => {
    const down = await startTestBus({ yaml: coreYaml({ erp: 'http://127.0.0.1:9' }), vars: { CRM_API_KEY: CRM_KEY } });
    try {
      const res = await fetch(`${down.url}/health/adapters`);
      const body = await res.json();

      expect(res.status).toBe(503);
      expect(body.error.erp).toEqual(expect.objectContaining({ status: 'down', adapter: 'http' }));
    } finally {
      await down.close();
    }
  });

  it.each(['config', 'adapters', 'routes', 'messages', 'dead-letters'])('GET /admin/%s should refuse without the token', async (path) => {
    const none = await fetch(`${bus.url}/admin/${path}`);
    const wrong = await fetch(`${bus.url}/admin/${path}`, { headers: { authorization: 'Bearer not-the-token' } });

    expect(none.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).message).toContain('Authorization: Bearer');
  });

  it('POST /admin/config/reload should refuse without the token', async () => {
    expect((await fetch(`${bus.url}/admin/config/reload`, { method: 'POST' })).status).toBe(401);
  });

  it('should keep the admin API closed when no ADMIN_TOKEN is set', async () => {
    const closed = await startTestBus({ yaml: coreYaml({ erp: erp.url }), vars: { CRM_API_KEY: CRM_KEY, ADMIN_TOKEN: '' } });
    try {
      const res = await fetch(`${closed.url}/admin/config`, { headers: { authorization: 'Bearer ' } });
      expect(res.status).toBe(401);
      expect((await res.json()).message).toContain('ADMIN_TOKEN');
    } finally {
      await closed.close();
    }
  });

  it('GET /admin/adapters should list each system with capabilities and redacted secrets', async () => {
    const res = await fetch(`${bus.url}/admin/adapters`, { headers: { authorization: `Bearer ${bus.adminToken}` } }).then((r) => r.json());

    const crm = res.find((a: { system: string }) => a.system === 'crm');
    expect(crm).toEqual(expect.objectContaining({ adapter: 'http', maturity: 'beta', config: expect.objectContaining({ inbound: { apiKey: '***' } }) }));
    expect(JSON.stringify(res)).not.toContain(CRM_KEY);
  });

  it('should park a message that matches no route in the unrouted queue, and say so in the journal', async () => {
    const res = await postJson(`${bus.url}/adapters/crm/messages`, crmCustomer({ event: 'customer.updated' }), { 'x-api-key': CRM_KEY });

    expect(res.status).toBe(202);
    const parked = await waitFor('the unrouted message', async () => (await drainQueue(`${bus.prefix}.bus.unrouted`))[0]);
    expect(parked.properties.headers?.['x-bus-fault-code']).toBe('ROUTE.NO_MATCH');
    expect(JSON.parse(parked.content.toString()).id).toBe(res.json.messageId);
    const history = await waitFor('the journal entry', async () => {
      const r = await fetch(`${bus.url}/admin/messages/${res.json.messageId}`, { headers: { authorization: `Bearer ${bus.adminToken}` } });
      return r.status === 200 ? r.json() : undefined;
    });
    expect(history.message.status).toBe('unrouted');
  });

  it('GET /metrics should count received and delivered messages by system and type', async () => {
    await postJson(`${bus.url}/adapters/crm/messages`, crmCustomer({ event: 'customer.created' }), { 'x-api-key': CRM_KEY });
    await waitFor('the delivery', () => erp.requests.length > 0 || undefined);

    const text = await waitFor('the delivered counter', async () => {
      const t = await fetch(`${bus.url}/metrics`).then((r) => r.text());
      return t.includes('bus_messages_delivered_total{system="erp",type="customer.created"} 1') ? t : undefined;
    });
    expect(text).toContain('bus_messages_received_total{system="crm",type="customer.created"} 1');
    expect(text).toContain('bus_delivery_latency_seconds_bucket');
    expect(text).toMatch(new RegExp(`bus_queue_depth\\{queue="${bus.prefix}\\.bus\\.erp"\\} 0`));
  });

  it('GET /metrics should count the messages waiting for a destination that is down, wherever they wait, and the oldest one\'s age', async () => {
    const billing = await startHttpTestServer((_req, res) => res.writeHead(503).end('billing is restarting'));
    // One redelivery a minute later: after their first attempt the messages sit in the retry queue, not the work queue.
    const own = await startTestBus({ yaml: coreYaml({ billing: billing.url }, { delivery: '  immediateRetries: 0\n  redeliveryDelays: [1m]' }), vars: { CRM_API_KEY: CRM_KEY } });
    try {
      for (const name of ['A', 'B', 'C']) await postJson(`${own.url}/adapters/crm/messages`, crmCustomer({ customer: { name: `Waiting ${name}` } }), { 'x-api-key': CRM_KEY });
      await waitFor('three first attempts', () => billing.requests.length >= 3 || undefined);

      const work = `${own.prefix}.bus.billing`.replace(/\./g, '\\.');
      const text = await waitFor('three waiting', async () => {
        const t = await fetch(`${own.url}/metrics`).then((r) => r.text());
        return new RegExp(`bus_queue_waiting_messages\\{queue="${work}",destination="billing"\\} 3\n`).test(t) ? t : undefined;
      });
      const age = Number(new RegExp(`bus_queue_oldest_message_age_seconds\\{queue="${work}",destination="billing"\\} ([\\d.]+)`).exec(text)?.[1]);
      expect(age).toBeGreaterThan(0);
      expect(text).toMatch(new RegExp(`bus_queue_depth\\{queue="${own.prefix}\\.bus\\.billing"\\} 0`));
    } finally {
      await own.close();
      await billing.close();
    }
  });

  it('GET /docs-json should describe ingress, queries and admin', async () => {
    const doc = await fetch(`${bus.url}/docs-json`).then((r) => r.json());

    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/adapters/{system}/messages', '/adapters/{system}/queries/{name}', '/admin/dead-letters/{id}/replay', '/health/ready']));
    const ingress = doc.paths['/adapters/{system}/messages'].post;
    expect(ingress.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['path:system', 'header:X-Api-Key', 'header:Idempotency-Key']),
    );
    expect(Object.keys(ingress.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '413', '415', '503']));
  });
});
