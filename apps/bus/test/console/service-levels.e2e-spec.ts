import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from '../support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from '../support/core-config';
import { waitFor } from '../support/broker';

const ROUTES = `  - name: customers
    from: crm
    types: ["customer.*"]
    to: [erp]
    slo: { maxAge: 10m, maxDeadLetters: 0, degradesReadiness: true }`;

describe('route objectives, service-level metrics and the audit trail (real bus, real broker)', () => {
  let bus: TestBus;
  let erp: HttpTestServer;

  beforeAll(async () => {
    // The stand-in ERP refuses every customer named "Reject…" for good (422).
    erp = await startHttpTestServer((req, res) => {
      const name = String((JSON.parse(req.body.toString() || '{}') as { name?: string }).name ?? '');
      res.writeHead(name.startsWith('Reject') ? 422 : 200).end('{}');
    });
    bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }, { routes: ROUTES, delivery: '  immediateRetries: 0\n  redeliveryDelays: []' }), vars: { CRM_API_KEY: CRM_KEY } });
  });
  afterAll(async () => {
    await bus?.close();
    await erp?.close();
  });

  const metrics = async () => (await fetch(`${bus.url}/metrics`)).text();
  const ready = async () => {
    const res = await fetch(`${bus.url}/health/ready`);
    return { status: res.status, body: (await res.json()) as { error?: Record<string, { reason?: string }> } };
  };
  const admin = (path: string, body?: unknown) =>
    fetch(`${bus.url}/admin/${path}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${bus.adminToken}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined }).then(async (r) => ({ status: r.status, json: await r.json() }));

  it('should export the objective, break it with a dead letter (readiness 503 where the config says so), and mend it when the dead letter is discarded', async () => {
    expect((await ready()).status).toBe(200);
    const sent = await postJson(`${bus.url}/adapters/crm/messages`, crmCustomer({ customer: { name: 'Reject me' } }), { 'x-api-key': CRM_KEY });
    expect(sent.status).toBe(202);
    const broken = await waitFor('readiness to fail on the objective', async () => {
      const r = await ready();
      return r.status === 503 ? r : undefined;
    }, 30_000, 250);
    expect(broken.body.error?.objectives?.reason).toMatch(/route customers: 1 dead letters \(objective at most 0\)/);
    const text = await metrics();
    expect(text).toMatch(/^bus_route_slo_met\{route="customers"\} 0$/m);
    expect(text).toMatch(/^bus_route_dead_letters\{route="customers"\} 1$/m);
    expect(text).toMatch(/^bus_route_slo_max_dead_letters\{route="customers"\} 0$/m);
    expect(text).toMatch(/^bus_broker_connected 1$/m);
    expect(text).toMatch(/^bus_route_messages_total\{route="customers",destination="erp"\} 1$/m);
    expect(text).toMatch(/^bus_queue_unacked\{queue="[^"]+\.bus\.erp",destination="erp"\} 0$/m);

    const letter = (await admin('dead-letters?system=erp')).json.items[0] as { id: string };
    expect((await admin(`dead-letters/${letter.id}/discard`, { reason: 'test customer, not for the ERP' })).status).toBe(200);
    // Polled gently: terminus logs every failed readiness check.
    await waitFor('readiness back once the objective is met', async () => (await ready()).status === 200, 30_000, 250);
    expect(await metrics()).toMatch(/^bus_route_slo_met\{route="customers"\} 1$/m);
    const audit = (await admin('audit?action=dead-letter.discard')).json.items as Array<{ actor: string; role: string; target: string; reason: string; outcome: string }>;
    expect(audit[0]).toMatchObject({ actor: 'admin', role: 'admin', target: letter.id, reason: 'test customer, not for the ERP', outcome: 'ok' });
  });
});
