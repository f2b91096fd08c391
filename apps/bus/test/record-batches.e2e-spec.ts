import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startHttpTestServer, type HttpTestServer, type RecordedRequest } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { waitFor } from './support/broker';
import { crmCustomer } from './support/core-config';

jest.setTimeout(120_000);

const ROWS = 300;
/** Asterisk Master.csv columns, in file order (no header line). */
const COLUMNS = ['accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata', 'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'uniqueid', 'userfield'];
const REFUSED_CUSTOMER = 'C-REFUSED';

/** Asterisk Master.csv rows of one bridge; row 137 bills a customer the destination does not know. */
function masterCsv(runId: string): string {
  let text = '';
  for (let i = 1; i <= ROWS; i++) {
    const customer = i === 137 ? REFUSED_CUSTOMER : `C-${1000 + (i % 7)}`;
    text += `${customer},+4930${i},8000,conferences,Caller ${i},SIP/trunk-${i},,ConfBridge,CONF-1001,2026-12-03 10:00:00,2026-12-03 10:00:04,2026-12-03 10:30:04,1804,1800,ANSWERED,DOCUMENTATION,${runId}.${i},\n`;
  }
  return text;
}

const yaml = `systems:
  bridge:
    adapter: file
    codec: json
    mapper: bridge-cdr
    inbound:
      dropDir: "\${CDR_DIR}"
      pattern: "*.csv"
      readiness: rename
      csvColumns: [${COLUMNS.join(', ')}]
      meta: { timeZone: Europe/Berlin }
  billing:
    adapter: http
    codec: json
    mapping: mappings/usage-billing
    outbound:
      url: "\${BILLING_URL}"
      timeoutMs: 5000
      batches:
        usage.recorded: { path: /usage/batch, maxRecords: 50 }
routes:
  - { name: calls, from: bridge, types: [usage.recorded], to: [billing] }
delivery: { immediateRetries: 0, redeliveryDelays: [100ms, 200ms] }
`;

/**
 * A bulk billing API: takes a JSON array of usage records, keeps each record's effect once by its
 * idempotencyKey, refuses (422) a call holding a record of an unknown customer, and can be told to
 * answer 503 to its next calls. With `multiStatus` it answers 207 with a result per record instead,
 * refusing only the record of the unknown customer.
 */
function bulkBilling(options: { multiStatus?: boolean } = {}) {
  const applied = new Map<string, number>();
  const state = { unavailable: 0, calls: 0, largest: 0, sent: 0 };
  const handle = (req: RecordedRequest, res: import('node:http').ServerResponse) => {
    state.calls++;
    if (state.unavailable > 0) {
      state.unavailable--;
      return res.writeHead(503).end('billing is restarting');
    }
    const records = JSON.parse(req.body.toString()) as Array<{ idempotencyKey: string; kunde: string }>;
    state.sent += records.length;
    if (options.multiStatus) {
      const results = records.map((r) => {
        if (r.kunde === REFUSED_CUSTOMER) return { status: 422, error: `unknown customer ${r.kunde}` };
        applied.set(r.idempotencyKey, (applied.get(r.idempotencyKey) ?? 0) + 1);
        return { status: 201 };
      });
      state.largest = Math.max(state.largest, records.length);
      return res.writeHead(207, { 'content-type': 'application/json' }).end(JSON.stringify(results));
    }
    const unknown = records.find((r) => r.kunde === REFUSED_CUSTOMER);
    if (unknown) return res.writeHead(422, { 'content-type': 'text/plain' }).end(`unknown customer ${unknown.kunde}`);
    state.largest = Math.max(state.largest, records.length);
    for (const r of records) applied.set(r.idempotencyKey, (applied.get(r.idempotencyKey) ?? 0) + 1);
    res.writeHead(200).end();
  };
  return { applied, state, handle };
}

describe('call records delivered in batches to a bulk endpoint', () => {
  let bus: TestBus | undefined;
  let server: HttpTestServer | undefined;
  let cdrDir: string;

  beforeEach(async () => {
    cdrDir = await mkdtemp(path.join(tmpdir(), 'bus-e2e-batches-'));
  });
  afterEach(async () => {
    await bus?.close();
    await server?.close();
    bus = server = undefined;
    await rm(cdrDir, { recursive: true, force: true });
  });

  async function start(billing: ReturnType<typeof bulkBilling>) {
    server = await startHttpTestServer(billing.handle);
    bus = await startTestBus({
      yaml,
      vars: { CDR_DIR: cdrDir, BILLING_URL: server.url },
      files: { 'mappings/usage-billing/outbound/usage.recorded.jsonata': '{ "id": payload.usageId, "kunde": payload.customerId, "sekunden": payload.billableSeconds }' },
    });
  }

  async function drop(name: string): Promise<void> {
    await writeFile(path.join(cdrDir, `${name}.part`), masterCsv(name));
    await rename(path.join(cdrDir, `${name}.part`), path.join(cdrDir, name));
  }

  /** Waits until billing applied every record but the refused one, and requires each applied exactly once. */
  async function appliedOnceExceptRefused(billing: ReturnType<typeof bulkBilling>): Promise<void> {
    await waitFor('every other record applied', () => billing.applied.size === ROWS - 1 || undefined, 60_000);
    expect([...billing.applied.values()].every((n) => n === 1)).toBe(true);
  }

  const admin = async (p: string) => (await fetch(`${bus!.url}/admin/${p}`, { headers: { authorization: `Bearer ${bus!.adminToken}` } })).json();

  async function settled(name: string) {
    const report = await waitFor(
      `the report of ${name}`,
      async () => {
        const names = await readdir(path.join(cdrDir, 'processed')).catch(() => [] as string[]);
        return names.includes(`${name}.report.json`) ? JSON.parse(await readFile(path.join(cdrDir, 'processed', `${name}.report.json`), 'utf8')) : undefined;
      },
      60_000,
    );
    const deadLetters = await waitFor('the refused record dead-lettered', async () => {
      const page = await admin('dead-letters?system=billing');
      return page.items?.length ? page.items : undefined;
    }, 60_000);
    return { report, deadLetters };
  }

  it('should apply every record once, many per call, and dead-letter only the record billing refuses', async () => {
    const billing = bulkBilling();
    await start(billing);

    await drop('Master-1.csv');
    const { report, deadLetters } = await settled('Master-1.csv');

    await appliedOnceExceptRefused(billing);
    expect(billing.state.largest).toBeGreaterThan(1);
    expect(billing.state.calls).toBeLessThan(ROWS / 2);
    expect(report).toMatchObject({ rows: ROWS, passed: ROWS, failed: 0 });
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ destination: 'billing', type: 'usage.recorded' });
    expect(JSON.stringify(deadLetters[0])).toContain(`unknown customer ${REFUSED_CUSTOMER}`);
  });

  it('should settle each record by the 207 answer of its call, sending none twice', async () => {
    const billing = bulkBilling({ multiStatus: true });
    await start(billing);

    await drop('Master-3.csv');
    const { report, deadLetters } = await settled('Master-3.csv');

    await appliedOnceExceptRefused(billing);
    expect(billing.state.largest).toBeGreaterThan(1);
    expect(billing.state.sent).toBe(ROWS);
    expect(report).toMatchObject({ rows: ROWS, passed: ROWS, failed: 0 });
    expect(deadLetters).toHaveLength(1);
    expect(JSON.stringify(deadLetters[0])).toContain(`answered 422 for record`);
    expect(JSON.stringify(deadLetters[0])).toContain(`unknown customer ${REFUSED_CUSTOMER}`);
  });

  it('should retry every record of a batch billing could not take, and still apply each once', async () => {
    const billing = bulkBilling();
    billing.state.unavailable = 3;
    await start(billing);

    await drop('Master-2.csv');
    await settled('Master-2.csv');

    await appliedOnceExceptRefused(billing);
    expect(billing.state.unavailable).toBe(0);
    expect(billing.state.calls).toBeLessThan(ROWS / 2);
  });
});

describe('customers created in batches, linked by the ids of a 207 answer', () => {
  const CRM_KEY = 'crm-test-key-0123456789';
  let bus: TestBus | undefined;
  let billing: HttpTestServer | undefined;
  afterEach(async () => {
    await bus?.close();
    await billing?.close();
    bus = billing = undefined;
  });

  it('should link each created customer to the id billing gave it, and send that id with the next update', async () => {
    // Creates come as a batch and are answered per record with billing's own id; an update comes on its own.
    billing = await startHttpTestServer((req, res) => {
      if (req.url !== '/customers/batch') return res.writeHead(200).end();
      const records = JSON.parse(req.body.toString()) as Array<{ customerId: string; idempotencyKey: string }>;
      const results = records.map((r) => ({ idempotencyKey: r.idempotencyKey, status: 201, id: `B-${r.customerId}` }));
      res.writeHead(207, { 'content-type': 'application/json' }).end(JSON.stringify(results));
    });
    bus = await startTestBus({
      yaml: `systems:
  crm:
    adapter: http
    codec: json
    mapping: mappings/crm
    inbound: { apiKey: "\${CRM_API_KEY}" }
  billing:
    adapter: http
    codec: json
    mapping: mappings/erp
    xref: { customer: customerId }
    outbound:
      url: "\${BILLING_URL}"
      batches:
        customer.created: { path: /customers/batch }
routes:
  - { name: customers, from: crm, types: ["customer.*"], to: [billing] }
delivery: { immediateRetries: 0, redeliveryDelays: [100ms, 200ms] }
`,
      vars: { CRM_API_KEY: CRM_KEY, BILLING_URL: billing.url },
    });
    const post = (event: string, customerId: string) =>
      fetch(`${bus!.url}/adapters/crm/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': CRM_KEY },
        body: JSON.stringify(crmCustomer({ event, eventId: `${event}-${customerId}`, customer: { customerId, name: `Customer ${customerId}` } })),
      }).then((r) => r.status);

    expect(await Promise.all(['C-7001', 'C-7002'].map((id) => post('customer.created', id)))).toEqual([202, 202]);
    for (const id of ['C-7001', 'C-7002']) await waitFor(`the link of ${id}`, () => bus!.store.findNativeId('customer', id, 'billing'));
    expect(await post('customer.updated', 'C-7002')).toBe(202);

    const update = await waitFor('the update at billing', () => billing!.requests.find((r) => r.url !== '/customers/batch'));
    expect(JSON.parse(update.body.toString())).toMatchObject({ customerId: 'C-7002', erpId: 'B-C-7002' });
    expect(await bus.store.findNativeId('customer', 'C-7001', 'billing')).toBe('B-C-7001');
  });
});
