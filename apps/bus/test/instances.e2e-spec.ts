import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { waitFor } from './support/broker';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';

jest.setTimeout(60_000);

// Announcements every 200 ms: a peer is heard within a few of them and forgotten after three.
const FAST = { CRM_API_KEY: CRM_KEY, BUS_HEARTBEAT_MS: '200' };

const admin = async (bus: TestBus, path: string) => {
  const res = await fetch(`${bus.url}/admin${path}`, { headers: { Authorization: `Bearer ${bus.adminToken}` } });
  return (await res.json()) as any;
};
const ready = async (bus: TestBus) => {
  const res = await fetch(`${bus.url}/health/ready`);
  return { status: res.status, text: await res.text() };
};

/** Two bus instances on one broker namespace: the scale-out model and what enforces it. */
describe('several bus instances', () => {
  let erp: HttpTestServer;
  const buses: TestBus[] = [];

  beforeEach(async () => {
    erp = await startHttpTestServer();
  });

  afterEach(async () => {
    // The later instances first, keeping the broker objects the first one deletes.
    const started = buses.splice(0);
    for (let i = started.length - 1; i >= 0; i--) await started[i].close({ keepBroker: i > 0 });
    await erp.close();
  });

  const start = async (options: { dir?: string; prefix?: string } = {}) => {
    const bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }), vars: FAST, ...options });
    buses.push(bus);
    return bus;
  };

  it('should accept an Idempotency-Key once across two instances on one store, and deliver it once', async () => {
    const a = await start();
    const b = await start({ dir: a.dir, prefix: a.prefix });
    const post = (bus: TestBus, body: unknown, headers: Record<string, string> = {}) =>
      postJson(`${bus.url}/adapters/crm/messages`, body, { 'x-api-key': CRM_KEY, ...headers });

    const first = await post(a, crmCustomer({ customer: { name: 'Shared Store AG' } }), { 'idempotency-key': 'change-4711' });
    const again = await post(b, crmCustomer({ customer: { name: 'Shared Store AG' } }), { 'idempotency-key': 'change-4711' });
    await post(b, crmCustomer({ customer: { name: 'Marker AG' } }));

    expect(first.status).toBe(202);
    expect(again).toEqual({ status: 202, json: expect.objectContaining({ messageId: first.json.messageId, duplicate: true }) });
    await waitFor('the marker at the ERP', () => erp.requests.find((r) => r.body.toString().includes('Marker AG')));
    expect(erp.requests.filter((r) => r.body.toString().includes('Shared Store AG'))).toHaveLength(1);
    const listed = await waitFor('both instances listed', async () => ((await admin(a, '/instances')).instances.length === 2 ? admin(a, '/instances') : undefined));
    expect(listed.instances).toEqual([
      expect.objectContaining({ self: true, sameStore: true, storeId: listed.storeId }),
      expect.objectContaining({ self: false, sameStore: true, storeId: listed.storeId, configVersion: expect.any(String), lastHeardAt: expect.any(String) }),
    ]);
    expect((await ready(a)).status).toBe(200);
    expect((await ready(b)).status).toBe(200);
  });

  it('should fail readiness on both instances when they share a broker namespace but not a store, naming the other and both stores', async () => {
    const a = await start();
    const b = await start({ prefix: a.prefix });
    const [selfA, selfB] = [await admin(a, '/instances'), await admin(b, '/instances')];
    expect(selfA.storeId).not.toBe(selfB.storeId);

    for (const [bus, self, other] of [
      [a, selfA, selfB],
      [b, selfB, selfA],
    ] as const) {
      const refused = await waitFor(`readiness of ${self.instanceId} refused`, async () => {
        const r = await ready(bus);
        return r.status === 503 ? r.text : undefined;
      });
      expect(refused).toContain('INSTANCE.STORE_MISMATCH');
      expect(refused).toContain(`instance ${other.instanceId}`);
      expect(refused).toContain(other.storeId);
      expect(refused).toContain(self.storeId);
      expect(refused).toContain('BUS_DATA_DIR');
      expect(refused).toContain('MONGODB_URI');
    }
    const listed = await admin(a, '/instances');
    expect(listed.instances.map((i: { instanceId: string }) => i.instanceId).sort()).toEqual([selfA.instanceId, selfB.instanceId].sort());
    expect(listed.instances.find((i: { self: boolean }) => !i.self)).toMatchObject({ storeId: selfB.storeId, sameStore: false });

    // The other one leaves (goodbye): ready again.
    await buses.pop()!.close({ keepBroker: true });
    await waitFor('readiness back once the other instance left', async () => (await ready(a)).status === 200);
  });
});
