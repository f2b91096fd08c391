import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { createBusApp } from '../../bus/src/app.factory';
import { loadBusConfig } from '../../bus/src/config/bus-config.loader';
import { loadEnv } from '../../bus/src/config/env.schema';
import { deleteByPrefix, requireBroker, TEST_AMQP_URL, testPrefix, waitFor } from '../../bus/test/support/broker';
import { startBilling, startSales, type RunningBilling, type RunningSales } from '../src';

jest.setTimeout(60_000);

const CONFIG = path.resolve(__dirname, '../../../config/examples/sales-billing.yaml');
const SALES_KEY = 'sales-e2e-key';
const BILLING_KEY = 'billing-e2e-key';
const ADMIN_TOKEN = 'admin-e2e-token';
const ACME = { Name: 'Acme Conferencing GmbH', BillingStreet: 'Hauptstr. 1', BillingPostalCode: '01067', BillingCity: 'Dresden', BillingCountry: 'DE', Email__c: 'billing@acme.example' };
const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false });

/**
 * The first reference scenario end to end: both stand-in systems as real HTTP servers, the bus with
 * config/examples/sales-billing.yaml on the real RabbitMQ. Every check reads the systems' own APIs.
 */
describe('sales <-> billing through the bus', () => {
  let sales: RunningSales;
  let billing: RunningBilling;
  let bus: INestApplication;
  let busUrl: string;
  let prefix: string;
  let dataDir: string;

  beforeAll(async () => {
    await requireBroker();
    sales = await startSales();
    billing = await startBilling();
    prefix = testPrefix();
    dataDir = await mkdtemp(path.join(tmpdir(), 'bus-e2e-sales-billing-'));
    const env = {
      PORT: '0',
      AMQP_URL: TEST_AMQP_URL,
      BUS_CONFIG: CONFIG,
      BUS_DATA_DIR: dataDir,
      BUS_CONFIG_WATCH: 'false',
      SALES_API_KEY: SALES_KEY,
      BILLING_API_KEY: BILLING_KEY,
      SALES_URL: sales.url,
      BILLING_URL: billing.url,
      ADMIN_TOKEN,
    };
    const initial = await loadBusConfig(CONFIG, env);
    bus = await createBusApp({ env: loadEnv(env), initial, logger: ['error'], brokerPrefix: prefix });
    await bus.listen(0, '127.0.0.1');
    busUrl = `http://127.0.0.1:${(bus.getHttpServer().address() as AddressInfo).port}`;
    sales.useBus(busUrl, SALES_KEY);
    billing.useBus(busUrl, BILLING_KEY);
  });

  afterAll(async () => {
    await bus?.close();
    await Promise.all([sales?.close(), billing?.close()]);
    if (prefix) await deleteByPrefix(prefix);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const salesCall = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(sales.url + p, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
  };
  const billingCall = async (method: string, p: string, body?: string) => {
    const res = await fetch(billing.url + p, { method, headers: { 'Content-Type': 'application/xml' }, body });
    const text = await res.text();
    return { status: res.status, doc: text.startsWith('<') ? xml.parse(text) : undefined, text };
  };
  const admin = (p: string) => fetch(`${busUrl}/admin${p}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }).then((r) => r.json());
  const billingAccountNamed = (name: string) => billing.store.listAccounts().find((a) => a.CustomerName === name);
  /** Creates a customer in sales and waits until billing has its account. */
  const syncedCustomer = async (fields: object = ACME) => {
    const account = (await salesCall('POST', '/accounts', fields)).json;
    const billed = await waitFor(`billing account for ${account.Name}`, () => billingAccountNamed(account.Name)).catch((e: Error) => {
      // Say where the chain broke: did sales get its event accepted by the bus?
      throw new Error(`${e.message}; last sales events: ${JSON.stringify(sales.outbox().slice(-2))}`);
    });
    return { salesId: account.Id as string, accountNo: billed.AccountNo };
  };

  it('should create a billing account for a customer created in sales, and update the same one on change', async () => {
    const { salesId, accountNo } = await syncedCustomer({ ...ACME, Name: 'Sync One GmbH' });

    const created = await billingCall('GET', `/accounts/${accountNo}`);
    expect(created.doc.BillingAccount).toEqual({
      AccountNo: accountNo,
      CustomerName: 'Sync One GmbH',
      Address: { Street: 'Hauptstr. 1', Zip: '01067', Town: 'Dresden', CountryCode: 'DE' },
      EMail: 'billing@acme.example',
    });

    await salesCall('PATCH', `/accounts/${salesId}`, { BillingCity: 'Leipzig' });
    await waitFor('the city change in billing', () => billing.store.getAccount(accountNo).Address.Town === 'Leipzig');
    expect(billing.store.listAccounts().filter((a) => a.CustomerName === 'Sync One GmbH')).toHaveLength(1);
  });

  it('should bring a contract rate change from sales into billing as its rate plan', async () => {
    const { salesId, accountNo } = await syncedCustomer({ ...ACME, Name: 'Rates GmbH' });
    const contract = (await salesCall('POST', '/contracts', { AccountId: salesId, CurrencyIsoCode: 'EUR', StartDate: '2026-12-01', Rates__c: [{ ProductCode: 'CONF-DIALIN-MIN', UnitPrice: 0.05, Unit: 'Minute' }] })).json;
    await waitFor('the first rate plan in billing', () => billingCall('GET', `/accounts/${accountNo}/rate-plan`).then((r) => r.status === 200));

    await salesCall('PATCH', `/contracts/${contract.Id}`, { Rates__c: [{ ProductCode: 'CONF-DIALIN-MIN', UnitPrice: 0.04, Unit: 'Minute' }] });

    await waitFor('the changed rate in billing', () => billing.store.getRatePlan(accountNo).Rates[0]?.Price === '0.04');
    expect(billing.store.getRatePlan(accountNo)).toEqual({ AccountNo: accountNo, Currency: 'EUR', ValidFrom: '2026-12-01', Rates: [{ ProductCode: 'CONF-DIALIN-MIN', Price: '0.04', Unit: 'MIN' }] });
  });

  it('should show an opened billing period and an issued invoice as status and notes on the sales account', async () => {
    const { salesId, accountNo } = await syncedCustomer({ ...ACME, Name: 'Invoice GmbH' });
    await billingCall('PUT', `/accounts/${accountNo}/rate-plan`, '<RatePlan><Currency>EUR</Currency><ValidFrom>2026-12-01</ValidFrom><Rates><Rate><ProductCode>CONF-BASE</ProductCode><Price>19.90</Price><Unit>MON</Unit></Rate></Rates></RatePlan>');

    const period = (await billingCall('POST', `/admin/open-period/${accountNo}`)).doc.BillingPeriod;
    await waitFor('the period status in sales', async () => (await salesCall('GET', `/accounts/${salesId}`)).json.Billing_Status__c === 'Billing period open');
    const invoice = (await billingCall('POST', `/admin/issue-invoice/${accountNo}`)).doc.Invoice;
    await waitFor('the invoice status in sales', async () => (await salesCall('GET', `/accounts/${salesId}`)).json.Billing_Status__c === 'Invoiced');

    const notes = (await salesCall('GET', `/accounts/${salesId}/notes`)).json.map((n: { Title: string }) => n.Title);
    expect(notes).toEqual([`Billing period ${period.PeriodId} opened`, `Invoice ${invoice['cbc:ID']} issued`]);
  });

  it("should answer sales' billing-period query from billing in the CRM's format", async () => {
    const { salesId, accountNo } = await syncedCustomer({ ...ACME, Name: 'Query GmbH' });
    await billingCall('POST', `/admin/open-period/${accountNo}?from=2026-12-01&to=2026-12-31`);

    const answer = await salesCall('GET', `/accounts/${salesId}/billing-period`);

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      attributes: { type: 'Billing_Period__c' },
      Name: `P-${accountNo.slice(2)}-202612`,
      Account__c: salesId,
      Start_Date__c: '2026-12-01',
      End_Date__c: '2026-12-31',
      Status__c: 'Open',
    });
  });

  it("should answer billing's contract-rates query from sales as a rate plan", async () => {
    const { salesId, accountNo } = await syncedCustomer({ ...ACME, Name: 'Ask Rates GmbH' });
    await salesCall('POST', '/contracts', { AccountId: salesId, CurrencyIsoCode: 'CHF', StartDate: '2027-01-01', Rates__c: [{ ProductCode: 'CONF-VIDEO-MIN', UnitPrice: 0.12, Unit: 'Minute' }] });

    const answer = await billingCall('POST', `/admin/refresh-rates/${accountNo}`);

    expect(answer.status).toBe(200);
    expect(billing.store.getRatePlan(accountNo)).toMatchObject({ Currency: 'CHF', ValidFrom: '2027-01-01', Rates: [{ ProductCode: 'CONF-VIDEO-MIN', Price: '0.12', Unit: 'MIN' }] });
  });

  it('should answer 503 naming billing when billing is down, and 504 when it is too slow', async () => {
    const { salesId } = await syncedCustomer({ ...ACME, Name: 'Chaos GmbH' });
    try {
      billing.chaos.set({ failWith: 503 });
      const down = await salesCall('GET', `/accounts/${salesId}/billing-period`);
      expect(down.status).toBe(503);
      expect(down.text).toContain('billing');

      billing.chaos.set({ delayMs: 8000 });
      const slow = await salesCall('GET', `/accounts/${salesId}/billing-period`);
      expect(slow.status).toBe(504);
      expect(slow.text).toContain('billing');
    } finally {
      billing.chaos.reset();
    }
  });

  it("should refuse queries in the asking system's own error format, 404/400/503/504, without the bus's file paths", async () => {
    const { salesId } = await syncedCustomer({ ...ACME, Name: 'Refusals GmbH' });
    const ask = async (params: string) => {
      const res = await fetch(`${busUrl}/adapters/sales/queries/billing-period${params}`, { headers: { 'X-Api-Key': SALES_KEY } });
      const text = await res.text();
      return { status: res.status, text, json: JSON.parse(text) as Array<{ message: string; errorCode: string }> };
    };
    const expectCrmError = (answer: { text: string; json: unknown }, errorCode: string) => {
      expect(answer.json).toEqual([{ errorCode, message: expect.stringContaining('billing') }]);
      expect(answer.text).not.toMatch(/\/[\w.-]+\/|\.jsonata|\bat .+:\d+:\d+/);
    };

    const unknown = await ask('?customerId=001Dm00000000NOBODY');
    expect(unknown.status).toBe(404);
    expectCrmError(unknown, 'NOT_FOUND');

    const bad = await ask('');
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual([{ errorCode: 'INVALID_QUERY_FILTER_OPERATOR', message: expect.stringContaining('customerId') }]);

    try {
      billing.chaos.set({ failWith: 503 });
      const down = await ask(`?customerId=${salesId}`);
      expect(down.status).toBe(503);
      expectCrmError(down, 'SERVER_UNAVAILABLE');

      billing.chaos.set({ delayMs: 8000 });
      const slow = await ask(`?customerId=${salesId}`);
      expect(slow.status).toBe(504);
      expectCrmError(slow, 'SERVER_UNAVAILABLE');
    } finally {
      billing.chaos.reset();
    }
  });

  it('should journal each sync message and each query, traceable by id and correlation id', async () => {
    const { salesId, accountNo } = await syncedCustomer({ ...ACME, Name: 'Journal GmbH' });
    await billingCall('POST', `/admin/open-period/${accountNo}`);
    const { messageId } = JSON.parse(sales.outbox().find((e) => e.recordId === salesId)!.response!);

    const sync = await waitFor('the delivered customer in the journal', async () => {
      const m = await admin(`/messages/${messageId}`);
      return JSON.stringify(m).includes('delivered') ? m : undefined;
    });
    expect(sync.message).toMatchObject({ type: 'customer.created', source: 'sales', status: 'delivered', destinations: { billing: { status: 'delivered' } } });
    // The journal keeps the canonical id (sales'); billing's AccountNo never appears in the message.
    expect(sync.message.canonical.payload.customerId).toBe(salesId);

    const correlationId = `e2e-${randomUUID()}`;
    const asked = await fetch(`${busUrl}/adapters/sales/queries/billing-period?customerId=${salesId}`, {
      headers: { 'X-Api-Key': SALES_KEY, 'X-Correlation-Id': correlationId },
    });
    expect(asked.status).toBe(200);
    expect(asked.headers.get('x-correlation-id')).toBe(correlationId);
    const journalled = await waitFor('the query in the journal', async () => {
      const found = await admin(`/messages?correlationId=${correlationId}`);
      return (found.items as Array<{ type: string }>).find((m) => m.type === 'billing-period.get');
    });
    expect(journalled).toMatchObject({ source: 'sales', correlationId, destinations: { billing: { status: 'delivered' } } });
  });

  it('should refuse a billing document about an account the bus never linked, naming the field', async () => {
    const body = '<?xml version="1.0"?><BillingPeriod><PeriodId>P-99999-202612</PeriodId><AccountNo>B-99999</AccountNo><From>2026-12-01</From><To>2026-12-31</To><Status>OPEN</Status><OpenedAt>2026-12-01T06:00:00.000Z</OpenedAt></BillingPeriod>';
    const res = await fetch(`${busUrl}/adapters/billing/messages`, { method: 'POST', headers: { 'Content-Type': 'application/xml', 'X-Api-Key': BILLING_KEY }, body });
    const json = await res.json();

    expect(res.status).toBe(400);
    expect(json).toMatchObject({ code: 'XREF.UNKNOWN_ID', details: [{ path: 'payload.customerId' }] });
    expect(json.message).toContain('B-99999');
  });

  it.each([
    ['billion laughs', '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><BillingPeriod><AccountNo>&lol2;</AccountNo></BillingPeriod>'],
    ['an external entity', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><BillingPeriod><AccountNo>&xxe;</AccountNo></BillingPeriod>'],
  ])('should refuse %s from billing with 400 and publish nothing', async (_name, body) => {
    const res = await fetch(`${busUrl}/adapters/billing/messages`, { method: 'POST', headers: { 'Content-Type': 'application/xml', 'X-Api-Key': BILLING_KEY }, body });

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'CODEC.UNSAFE_INPUT' });
    // Then a real billing event; once it is in the journal, everything billing got published before it is too.
    // Every message from billing in the journal must be one billing's outbox had accepted: nothing else got in.
    const { accountNo } = await syncedCustomer({ ...ACME, Name: `After ${_name} GmbH` });
    await billingCall('POST', `/admin/open-period/${accountNo}`);
    await billing.settled();
    const accepted = billing.outbox().filter((e) => e.status === 'sent').map((e) => JSON.parse(e.response!).messageId as string);
    const fromBilling = await waitFor('billing\'s accepted messages in the journal', async () => {
      const found = await admin(`/messages?system=billing&limit=500`);
      // Queries billing asked are journalled too; they are not messages billing published.
      const published = (found.items as Array<{ id: string; source: string; type: string }>).filter((m) => m.source === 'billing' && !m.type.endsWith('.get'));
      const ids = published.map((m) => m.id);
      return accepted.every((id) => ids.includes(id)) ? ids : undefined;
    });
    expect(fromBilling.sort()).toEqual([...accepted].sort());
  });
});
