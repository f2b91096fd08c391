import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { waitFor } from './support/broker';

/** Routes change by editing the config file: a valid version applies without a restart, an invalid one is refused. */
describe('config hot reload', () => {
  let erp: HttpTestServer;
  let archive: HttpTestServer;
  let bus: TestBus;
  const urls = () => ({ erp: erp.url, archive: archive.url });
  const toErpOnly = () => coreYaml(urls(), { routes: '  - name: customers\n    from: crm\n    types: ["customer.*"]\n    to: [erp]' });
  const toArchiveOnly = () => coreYaml(urls(), { routes: '  - name: customers\n    from: crm\n    types: ["customer.*"]\n    to: [archive]' });
  const adminGet = (path: string) => fetch(`${bus.url}/admin/${path}`, { headers: { authorization: `Bearer ${bus.adminToken}` } }).then((r) => r.json());
  const reload = () =>
    fetch(`${bus.url}/admin/config/reload`, { method: 'POST', headers: { authorization: `Bearer ${bus.adminToken}` } }).then(async (r) => ({ status: r.status, json: await r.json() }));
  const post = (name: string) => postJson(`${bus.url}/adapters/crm/messages`, crmCustomer({ customer: { name } }), { 'x-api-key': CRM_KEY });

  beforeEach(async () => {
    [erp, archive] = await Promise.all([startHttpTestServer(), startHttpTestServer()]);
  });

  afterEach(async () => {
    await bus?.close();
    await Promise.all([erp.close(), archive.close()]);
  });

  it('should apply a changed file by itself, and route new messages by the new version', async () => {
    bus = await startTestBus({ yaml: toErpOnly(), vars: { CRM_API_KEY: CRM_KEY }, watch: true });
    const before = (await adminGet('config')).version;
    await post('Before AG');
    await erp.nextRequest();

    await bus.writeConfig(toArchiveOnly());
    await waitFor('the new version', async () => ((await adminGet('config')).version !== before ? true : undefined));
    await post('After AG');

    const atArchive = await archive.nextRequest();
    expect(atArchive.body.toString()).toContain('After AG');
    expect(erp.requests).toHaveLength(1);
  });

  it('should answer POST /admin/config/reload with the plan it applied', async () => {
    bus = await startTestBus({ yaml: toErpOnly(), vars: { CRM_API_KEY: CRM_KEY } });
    await bus.writeConfig(toArchiveOnly());

    const res = await reload();

    expect(res.status).toBe(200);
    expect(res.json).toEqual(expect.objectContaining({ routes: { added: [], removed: [], changed: ['customers'] }, reason: 'POST /admin/config/reload' }));
    const status = await adminGet('config');
    expect(status.version).toBe(res.json.version);
    expect(status.config.systems.crm.inbound.apiKey).toBe('***');
  });

  it('should apply journal settings from the next message on, and keep a changed queue type for the next start', async () => {
    const yaml = (journal: boolean, queueType: string) =>
      `${coreYaml(urls(), { delivery: `  queueType: ${queueType}\n  immediateRetries: 0\n  redeliveryDelays: [100ms, 200ms]` })}journal: { enabled: ${journal} }\n`;
    const history = (id: string) => fetch(`${bus.url}/admin/messages/${id}`, { headers: { authorization: `Bearer ${bus.adminToken}` } });
    bus = await startTestBus({ yaml: yaml(true, 'quorum'), vars: { CRM_API_KEY: CRM_KEY } });

    await bus.writeConfig(yaml(false, 'classic'));
    const off = await reload();
    const unjournalled = await post('Unjournalled AG');
    await erp.nextRequest();
    await bus.writeConfig(yaml(true, 'classic'));
    const on = await reload();
    const journalled = await post('Journalled AG');
    await erp.nextRequest();

    expect(off.json).toEqual(expect.objectContaining({ sections: ['delivery', 'journal'], atNextStart: ['delivery.queueType'] }));
    expect(on.json).toEqual(expect.objectContaining({ sections: ['journal'], atNextStart: [] }));
    // Both were delivered by consumers restarted with the queue type the queues have (quorum), not the new one.
    expect(erp.requests.map((r) => r.body.toString())).toEqual([expect.stringContaining('Unjournalled AG'), expect.stringContaining('Journalled AG')]);
    await waitFor('the journalled message', async () => ((await history(journalled.json.messageId)).status === 200 ? true : undefined));
    expect((await history(unjournalled.json.messageId)).status).toBe(404);
  });

  it('should keep the previous routes when the new file is invalid, and report why', async () => {
    bus = await startTestBus({ yaml: toErpOnly(), vars: { CRM_API_KEY: CRM_KEY } });
    const before = (await adminGet('config')).version;
    await bus.writeConfig(toErpOnly().replace('to: [erp]', 'to: [erpp]'));

    const res = await reload();
    await post('Still ERP GmbH');

    expect(res.status).toBe(422);
    expect(res.json.details).toEqual([expect.objectContaining({ path: 'routes[0].to[0]', message: expect.stringContaining('unknown system "erpp"') })]);
    const status = await adminGet('config');
    expect(status.version).toBe(before);
    expect(status.lastRejected.errors[0].path).toBe('routes[0].to[0]');
    expect(await fetch(`${bus.url}/metrics`).then((r) => r.text())).toContain('bus_config_reloads_total{outcome="rejected"} 1');
    expect((await erp.nextRequest()).body.toString()).toContain('Still ERP GmbH');
  });

  it('should deliver what was queued for a changed destination exactly once across the reload', async () => {
    let open = false;
    const succeeded: string[] = [];
    const gate = await startHttpTestServer((req, res) => {
      if (open) succeeded.push(String(req.headers['idempotency-key']));
      res.writeHead(open ? 200 : 503).end();
    });
    const yaml = (timeout: number) => coreYaml({ erp: gate.url }, { delivery: '  immediateRetries: 0\n  redeliveryDelays: [300ms, 300ms, 300ms, 300ms, 300ms]' }).replace('timeoutMs: 2000', `timeoutMs: ${timeout}`);
    bus = await startTestBus({ yaml: yaml(2000), vars: { CRM_API_KEY: CRM_KEY } });
    const accepted = await Promise.all(['A', 'B', 'C'].map((n) => post(`Queued ${n}`)));
    await waitFor('first failed attempts', () => gate.requests.length >= 3 || undefined);

    await bus.writeConfig(yaml(2500));
    const res = await reload();
    open = true;

    expect(res.json.systems.changed).toEqual(['erp']);
    const delivered = await waitFor('three delivered', async () => {
      const states = await Promise.all(accepted.map((a) => adminGet(`messages/${a.json.messageId}`)));
      return states.every((s) => s.message.status === 'delivered') ? states : undefined;
    });
    expect(delivered).toHaveLength(3);
    expect(succeeded.sort()).toEqual(accepted.map((a) => `${a.json.messageId}:erp`).sort());
    await gate.close();
  });
});
