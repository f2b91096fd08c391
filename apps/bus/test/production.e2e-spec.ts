import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { waitFor } from './support/broker';

const INLINE_KEY = 'written-inline-in-bus-yaml-0001';

/** crm's key written in the file (not as ${ENV}); erp keeps retrying so a recovery is delivered. */
const yaml = (erpUrl: string) => `systems:
  crm:
    adapter: http
    codec: json
    mapping: mappings/crm
    inbound: { apiKey: "${INLINE_KEY}" }
  erp:
    adapter: http
    codec: json
    mapping: mappings/erp
    outbound: { url: "${erpUrl}", timeoutMs: 2000, headers: { Authorization: "Bearer erp-token-0002" } }
routes:
  - name: customers
    from: crm
    types: ["customer.*"]
    to: [erp]
delivery:
  immediateRetries: 2
  redeliveryDelays: [200ms, 200ms, 200ms, 200ms, 200ms]
`;

/** What an operator deploying the bus relies on: honest destination health, secrets kept, no system names told. */
describe('production readiness', () => {
  let erp: HttpTestServer;
  let bus: TestBus;
  let erpStatus = 500;

  beforeAll(async () => {
    erp = await startHttpTestServer((_req, res) => res.writeHead(erpStatus, { 'content-type': 'application/json' }).end('{}'));
    bus = await startTestBus({ yaml: yaml(erp.url), vars: { CRM_API_KEY: CRM_KEY } });
  });

  afterAll(async () => {
    await bus?.close();
    await erp?.close();
  });

  const admin = (path: string) => fetch(`${bus.url}/admin/${path}`, { headers: { authorization: `Bearer ${bus.adminToken}` } });
  const post = () => postJson(`${bus.url}/adapters/crm/messages`, crmCustomer(), { 'x-api-key': INLINE_KEY });
  const adaptersHealth = async () => {
    const res = await fetch(`${bus.url}/health/adapters`);
    return { code: res.status, body: await res.json() };
  };

  it('GET /health/adapters should report a destination answering 500 degraded, then up once it answers 2xx', async () => {
    erpStatus = 500;
    expect((await post()).status).toBe(202);

    const degraded = await waitFor('erp degraded', async () => {
      const health = await adaptersHealth();
      return health.body.details.erp?.status === 'degraded' ? health : undefined;
    });
    expect(degraded.code).toBe(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.details.erp.reason).toContain('HTTP 500');
    expect(degraded.body.details.erp.deliveries.lastFailure).toEqual(expect.objectContaining({ statusCode: 500 }));
    const metrics = await fetch(`${bus.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/bus_destination_degraded\{system="erp"\} 1/);

    erpStatus = 201;
    const recovered = await waitFor('erp up again', async () => {
      const health = await adaptersHealth();
      return health.body.details.erp?.status === 'up' ? health : undefined;
    });
    expect(recovered.body.status).toBe('ok');
    expect(await fetch(`${bus.url}/metrics`).then((r) => r.text())).toMatch(/bus_destination_degraded\{system="erp"\} 0/);
  });

  it('should answer an unknown system exactly as a known one with a wrong key: 401, same body', async () => {
    const unknown = await postJson(`${bus.url}/adapters/no-such-system/messages`, crmCustomer(), { 'x-api-key': 'guess' });
    const wrongKey = await postJson(`${bus.url}/adapters/crm/messages`, crmCustomer(), { 'x-api-key': 'guess' });
    const noInput = await postJson(`${bus.url}/adapters/erp/messages`, crmCustomer(), { 'x-api-key': 'guess' });

    expect([unknown.status, wrongKey.status, noInput.status]).toEqual([401, 401, 401]);
    expect(unknown.json).toEqual(wrongKey.json);
    expect(noInput.json).toEqual(wrongKey.json);
  });

  it('GET /admin/config and /admin/adapters should redact secrets written inline in bus.yaml', async () => {
    const config = await admin('config').then((r) => r.text());
    const adapters = await admin('adapters').then((r) => r.text());

    for (const body of [config, adapters]) {
      expect(body).not.toContain(INLINE_KEY);
      expect(body).not.toContain('erp-token-0002');
    }
    expect(JSON.parse(config).config.systems.crm.inbound).toEqual({ apiKey: '***' });
  });

  it('GET /admin/messages/{id} should answer for a message accepted a moment ago', async () => {
    erpStatus = 201;
    const accepted = await post();
    expect(accepted.status).toBe(202);

    const res = await admin(`messages/${accepted.json.messageId}`);

    expect(res.status).toBe(200);
    expect((await res.json()).id ?? accepted.json.messageId).toBe(accepted.json.messageId);
  });

  it('GET /admin/messages/{id} should answer 404 for a message the bus never accepted', async () => {
    const res = await admin('messages/00000000-0000-4000-8000-000000000000');
    expect(res.status).toBe(404);
  });

  it('GET /docs-json should carry the package version', async () => {
    const doc = await fetch(`${bus.url}/docs-json`).then((r) => r.json());
    expect(doc.info.version).toBe(require('../../../package.json').version);
  });
});
