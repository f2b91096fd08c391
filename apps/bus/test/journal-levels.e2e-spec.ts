import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { waitFor } from './support/broker';

/**
 * `journal.levels: { customer.updated: failures }` on a real bus: a customer delivered at the first try leaves no
 * history; one that failed once has its whole history to the delivery; one dead-lettered keeps its history
 * through the replay; other types are kept in full.
 */
describe('journal levels (real bus, real broker, real journal file)', () => {
  let bus: TestBus;
  let erp: HttpTestServer;
  /** Names the ERP refuses: with 503 once, or with 422 until it is told otherwise. */
  const erpState = { flakyRefused: false, refuseForever: true };

  beforeAll(async () => {
    erp = await startHttpTestServer((req, res) => {
      const body = req.body.toString();
      if (body.includes('Flaky') && !erpState.flakyRefused) {
        erpState.flakyRefused = true;
        return res.writeHead(503).end('busy');
      }
      if (body.includes('Refused') && erpState.refuseForever) return res.writeHead(422).end('{"error":"no such tax id"}');
      res.writeHead(200).end('{}');
    });
    const yaml = `${coreYaml({ erp: erp.url })}journal:\n  levels: { customer.updated: failures }\n`;
    bus = await startTestBus({ yaml, vars: { CRM_API_KEY: CRM_KEY } });
  });
  afterAll(async () => {
    await bus?.close();
    await erp?.close();
  });

  const admin = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${bus.url}/admin/${path}`, { ...init, headers: { authorization: `Bearer ${bus.adminToken}`, 'content-type': 'application/json', ...init.headers } });
    return { status: res.status, json: await res.json() };
  };
  const history = async (id: string) => admin(`messages/${id}`);
  const kinds = (h: { json: { hops?: Array<{ kind: string }> } }) => h.json.hops?.map((hop) => hop.kind);
  const buffered = async () => /^bus_journal_buffered_events (\d+)$/m.exec(await (await fetch(`${bus.url}/metrics`)).text())?.[1];
  const send = async (name: string, event = 'customer.updated') => {
    const res = await postJson(`${bus.url}/adapters/crm/messages`, crmCustomer({ event, customer: { name } }), { 'x-api-key': CRM_KEY });
    expect(res.status).toBe(202);
    return String(res.json.messageId);
  };

  it('should keep the history of the messages that failed, from the failure to the end, and nothing of the others', async () => {
    const smooth = await send('Smooth Ltd');
    const flaky = await send('Flaky AG');
    const refused = await send('Refused SA');

    await waitFor('Flaky delivered after its retry', async () => (await history(flaky)).json.message?.status === 'delivered', 30_000, 100);
    expect(kinds(await history(flaky))).toEqual(['received', 'routed', 'attempt', 'retry-scheduled', 'delivered']);
    expect((await history(flaky)).json.message.canonical).toMatchObject({ id: flaky, type: 'customer.updated', payload: { name: 'Flaky AG' } });

    await waitFor('Refused dead-lettered', async () => (await history(refused)).json.message?.status === 'dead', 30_000, 100);
    expect(kinds(await history(refused))).toEqual(['received', 'routed', 'attempt', 'dead-lettered']);

    // Smooth reached the ERP before the others' last steps, and the journal has written everything it was given.
    expect(erp.requests.some((r) => r.body.toString().includes('Smooth Ltd'))).toBe(true);
    await waitFor('the journal buffer written', async () => (await buffered()) === '0', 30_000, 100);
    const none = await history(smooth);
    expect(none.status).toBe(404);
    expect(none.json.message).toContain(`No message ${smooth} is known`);
    expect(none.json.message).toContain('kept only when it fails (journal.levels: customer.updated)');

    erpState.refuseForever = false;
    const letters = await admin('dead-letters?system=erp');
    const letter = letters.json.items.find((l: { messageId: string }) => l.messageId === refused);
    expect((await admin(`dead-letters/${letter.id}/replay`, { method: 'POST', body: '{}' })).status).toBe(200);
    await waitFor('Refused delivered after its replay', async () => (await history(refused)).json.message?.status === 'delivered', 30_000, 100);
    expect(kinds(await history(refused))).toEqual(['received', 'routed', 'attempt', 'dead-lettered', 'replayed', 'delivered']);
  });

  it('should keep the types it does not name in full', async () => {
    const created = await send('Created GmbH', 'customer.created');
    await waitFor('the created customer delivered', async () => (await history(created)).json.message?.status === 'delivered', 30_000, 100);
    expect(kinds(await history(created))).toEqual(['received', 'routed', 'delivered']);
  });
});
