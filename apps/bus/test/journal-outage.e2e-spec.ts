import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { waitFor } from './support/broker';

const ROUTES = `  - name: customers
    from: crm
    types: ["customer.*"]
    to: [erp]`;

/**
 * The journal's file is locked by another writer (as a long `sqlite3` session or a backup tool would): the bus
 * keeps delivering, /metrics says the journal is failing and what it holds in memory, and once the lock is gone
 * the journal writes what it kept and the message's history is whole.
 */
describe('journal outage (real bus, real broker, real journal file)', () => {
  let bus: TestBus;
  let erp: HttpTestServer;
  let lock: BetterSqlite3.Database | undefined;

  beforeAll(async () => {
    erp = await startHttpTestServer((_req, res) => res.writeHead(200).end('{}'));
    bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }, { routes: ROUTES }), vars: { CRM_API_KEY: CRM_KEY } });
  });
  afterAll(async () => {
    lock?.close();
    await bus?.close();
    await erp?.close();
  });

  const metric = async (name: string) => {
    const text = await (await fetch(`${bus.url}/metrics`)).text();
    const line = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return line ? Number(line[1]) : undefined;
  };
  const history = async (id: string) =>
    (await fetch(`${bus.url}/admin/messages/${id}`, { headers: { authorization: `Bearer ${bus.adminToken}` } })).json() as Promise<{ hops?: Array<{ kind: string }> }>;

  it('should deliver while the journal cannot write, show it in /metrics, and write the history once it can', async () => {
    expect(await metric('bus_journal_failing')).toBe(0);
    expect(await metric('bus_journal_dropped_events_total')).toBe(0);

    lock = new BetterSqlite3(join(bus.dir, 'bus.journal.sqlite'));
    lock.exec('BEGIN EXCLUSIVE');
    const sent = await postJson(`${bus.url}/adapters/crm/messages`, crmCustomer({ customer: { name: 'Written later' } }), { 'x-api-key': CRM_KEY });
    expect(sent.status).toBe(202);
    const id = String(sent.json.messageId);

    await waitFor('the ERP to receive the customer', () => erp.requests.some((r) => r.body.toString().includes('Written later')), 30_000);
    await waitFor('bus_journal_failing 1', async () => (await metric('bus_journal_failing')) === 1, 30_000, 100);
    expect(await metric('bus_journal_buffered_events')).toBeGreaterThanOrEqual(2); // the message and its delivery

    lock.exec('COMMIT');
    lock.close();
    lock = undefined;
    await waitFor('bus_journal_failing 0 and nothing buffered', async () => (await metric('bus_journal_failing')) === 0 && (await metric('bus_journal_buffered_events')) === 0, 60_000, 100);
    expect(await metric('bus_journal_dropped_events_total')).toBe(0);
    expect((await history(id)).hops?.map((h) => h.kind)).toEqual(expect.arrayContaining(['received', 'delivered']));
  });
});
