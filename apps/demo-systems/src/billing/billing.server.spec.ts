import { XMLParser } from 'fast-xml-parser';
import { FakeBus } from '../testing/fake-bus';
import { startBilling, type RunningBilling } from './billing.server';

const API_KEY = 'billing-test-key';
const ACCOUNT_XML = `<?xml version="1.0"?>
<BillingAccount><CustomerName>Acme Conferencing GmbH</CustomerName>
  <Address><Street>Hauptstr. 1</Street><Zip>01067</Zip><Town>Dresden</Town><CountryCode>DE</CountryCode></Address>
  <EMail>billing@acme.example</EMail></BillingAccount>`;
const RATE_PLAN_XML = `<RatePlan><Currency>EUR</Currency><ValidFrom>2026-12-01</ValidFrom>
  <Rates><Rate><ProductCode>CONF-DIALIN-MIN</ProductCode><Price>0.05</Price><Unit>MIN</Unit></Rate>
  <Rate><ProductCode>CONF-BASE</ProductCode><Price>19.90</Price><Unit>MON</Unit></Rate></Rates></RatePlan>`;
const BILLION_LAUGHS = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<BillingAccount><CustomerName>&lol2;</CustomerName></BillingAccount>`;

const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, parseTagValue: false, removeNSPrefix: true }).parse(xml);

describe(startBilling.name, () => {
  let bus: FakeBus;
  let sut: RunningBilling;
  let now: Date;

  beforeEach(async () => {
    bus = await new FakeBus().start();
    now = new Date('2026-12-01T06:00:00.000Z');
    sut = await startBilling({ busUrl: bus.url, apiKey: API_KEY, now: () => now });
  });
  afterEach(async () => {
    await sut.close();
    await bus.close();
  });

  const call = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(sut.url + path, { method, headers: { 'Content-Type': 'application/xml', ...headers }, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, doc: text.startsWith('<') || text.startsWith('<?') ? parse(text) : undefined };
  };
  const createAccount = async () => (await call('POST', '/accounts', ACCOUNT_XML)).doc.BillingAccount.AccountNo as string;

  it('should create an account with its own AccountNo and answer 201 with Location', async () => {
    const created = await call('POST', '/accounts', ACCOUNT_XML);

    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/accounts/B-10001');
    expect(created.headers.get('x-resource-id')).toBe('B-10001');
    const read = await call('GET', '/accounts/B-10001');
    expect(read.doc.BillingAccount).toEqual({
      AccountNo: 'B-10001',
      CustomerName: 'Acme Conferencing GmbH',
      Address: { Street: 'Hauptstr. 1', Zip: '01067', Town: 'Dresden', CountryCode: 'DE' },
      EMail: 'billing@acme.example',
    });
  });

  it('should create one account for a create repeated with the same Idempotency-Key', async () => {
    const first = await call('POST', '/accounts', ACCOUNT_XML, { 'Idempotency-Key': 'msg-1:billing' });
    const again = await call('POST', '/accounts', ACCOUNT_XML, { 'Idempotency-Key': 'msg-1:billing' });

    expect(again.status).toBe(201);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(sut.store.listAccounts()).toHaveLength(1);
    expect(sut.replayed()).toBe(1);
  });

  it('should update the account named by AccountNo when one is posted to /accounts, and by PUT', async () => {
    const no = await createAccount();
    const posted = await call('POST', '/accounts', ACCOUNT_XML.replace('<BillingAccount>', `<BillingAccount><AccountNo>${no}</AccountNo>`).replace('Dresden', 'Leipzig'));
    expect(posted.status).toBe(200);
    expect(sut.store.getAccount(no).Address.Town).toBe('Leipzig');

    const put = await call('PUT', `/accounts/${no}`, ACCOUNT_XML.replace('Acme Conferencing GmbH', 'Acme AG'));
    expect(put.status).toBe(200);
    expect(sut.store.listAccounts()).toEqual([expect.objectContaining({ AccountNo: no, CustomerName: 'Acme AG' })]);
  });

  it('should refuse a DOCTYPE (billion laughs) and malformed XML with 400 in its error format', async () => {
    const laughs = await call('POST', '/accounts', BILLION_LAUGHS);
    const broken = await call('POST', '/accounts', '<BillingAccount><CustomerName>x</BillingAccount>');

    expect(laughs.status).toBe(400);
    expect(laughs.doc.Error.Message).toContain('DOCTYPE');
    expect(broken.status).toBe(400);
    expect(broken.doc.Error.Message).toMatch(/line \d+, column \d+/);
    expect(sut.store.listAccounts()).toHaveLength(0);
  });

  it('should refuse an account with a country that is not an ISO code, naming the field', async () => {
    const answer = await call('POST', '/accounts', ACCOUNT_XML.replace('<CountryCode>DE', '<CountryCode>Germany'));
    expect(answer.status).toBe(400);
    expect(answer.doc.Error.Message).toContain('BillingAccount/Address/CountryCode');
  });

  it('should store a rate plan by PUT and by POST /rate-plans, and refuse one without an account with 409', async () => {
    const no = await createAccount();
    expect((await call('PUT', `/accounts/${no}/rate-plan`, RATE_PLAN_XML)).status).toBe(200);
    expect((await call('POST', '/rate-plans', RATE_PLAN_XML.replace('<RatePlan>', `<RatePlan><AccountNo>${no}</AccountNo>`).replace('0.05', '0.04'))).status).toBe(200);
    expect((await call('POST', '/rate-plans', RATE_PLAN_XML)).status).toBe(409);

    const plan = (await call('GET', `/accounts/${no}/rate-plan`)).doc.RatePlan;
    expect(plan.Rates.Rate[0]).toEqual({ ProductCode: 'CONF-DIALIN-MIN', Price: '0.04', Unit: 'MIN' });
  });

  it('should post an opened billing period to the bus as XML and answer the billing-period query with it', async () => {
    const no = await createAccount();

    const opened = await call('POST', `/admin/open-period/${no}`);

    expect(opened.status).toBe(201);
    const got = await bus.waitFor((r) => r.body.includes('<BillingPeriod>'));
    expect(got.url).toBe('/adapters/billing/messages');
    expect(got.headers['x-api-key']).toBe(API_KEY);
    expect(got.headers['content-type']).toBe('application/xml');
    expect(got.headers['idempotency-key']).toBe('P-10001-202612:OPEN');
    const period = { PeriodId: 'P-10001-202612', AccountNo: no, From: '2026-12-01', To: '2026-12-31', Status: 'OPEN', OpenedAt: '2026-12-01T06:00:00.000Z' };
    expect(parse(got.body).BillingPeriod).toEqual(period);
    expect((await call('GET', `/accounts/${no}/billing-period`)).doc.BillingPeriod).toEqual(period);
  });

  it('should issue a UBL 2.1 invoice from the period usage and post it to the bus', async () => {
    const no = await createAccount();
    await call('PUT', `/accounts/${no}/rate-plan`, RATE_PLAN_XML);
    await call('POST', `/admin/open-period/${no}`);
    const usage = `<Usage><UsageLine><ProductCode>CONF-DIALIN-MIN</ProductCode><Quantity>100</Quantity><Date>2026-12-03</Date></UsageLine>
      <UsageLine><ProductCode>CONF-DIALIN-MIN</ProductCode><Quantity>20</Quantity><Date>2026-12-04</Date><Reference>conf-7</Reference></UsageLine>
      <UsageLine><ProductCode>CONF-BASE</ProductCode><Quantity>1</Quantity><Date>2026-12-01</Date></UsageLine></Usage>`;
    expect((await call('POST', `/accounts/${no}/usage`, usage)).doc.UsageReceipt.Accepted).toBe('3');
    now = new Date('2026-12-31T18:00:00.000Z');

    const issued = await call('POST', `/admin/issue-invoice/${no}`);

    expect(issued.status).toBe(201);
    expect(issued.text).toContain('xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"');
    expect(issued.text).toContain('<cbc:ID>INV-2026-00001</cbc:ID>');
    const invoice = issued.doc.Invoice;
    expect(invoice.LegalMonetaryTotal.PayableAmount).toEqual({ '#text': '25.90', '@_currencyID': 'EUR' });
    expect(invoice.AccountingCustomerParty.Party.PartyIdentification.ID).toEqual({ '#text': no, '@_schemeID': 'ZZZ' });
    expect(invoice.PaymentMeans.PaymentDueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(invoice).not.toHaveProperty('DueDate');
    expect(invoice.InvoiceLine.map((l: any) => l.InvoicedQuantity['#text'])).toEqual(['120', '1']);
    const got = await bus.waitFor((r) => r.body.includes('<Invoice '));
    expect(got.body).toBe(issued.text);
    expect(got.headers['idempotency-key']).toBe('INV-2026-00001:ISSUED');
    expect(sut.store.currentPeriod(no).Status).toBe('INVOICED');
  });

  it('should refuse to invoice without an open period with 409 saying how to open one', async () => {
    const no = await createAccount();
    const answer = await call('POST', `/admin/issue-invoice/${no}`);
    expect(answer.status).toBe(409);
    expect(answer.doc.Error.Message).toContain(`POST /admin/open-period/${no}`);
  });

  it('should store conference summaries as received', async () => {
    const no = await createAccount();
    const body = '<ConferenceSummaries><ConferenceSummary><ConferenceId>c-1</ConferenceId><Minutes>42</Minutes></ConferenceSummary></ConferenceSummaries>';
    expect((await call('POST', `/accounts/${no}/conference-summaries`, body)).status).toBe(201);
    expect(sut.store.summariesOf(no)).toEqual([{ ConferenceId: 'c-1', Minutes: '42' }]);
  });

  it('should answer with the chaos status, keep /admin reachable, and heal with {}', async () => {
    const no = await createAccount();
    await fetch(`${sut.url}/admin/chaos`, { method: 'POST', body: JSON.stringify({ failWith: 503 }) });
    expect((await call('GET', `/accounts/${no}`)).status).toBe(503);
    await fetch(`${sut.url}/admin/chaos`, { method: 'POST', body: '{}' });
    expect((await call('GET', `/accounts/${no}`)).status).toBe(200);
  });

  it('should refuse chaos settings it cannot apply with 400', async () => {
    const res = await fetch(`${sut.url}/admin/chaos`, { method: 'POST', body: JSON.stringify({ failWith: 200 }) });
    expect(res.status).toBe(400);
  });

  it('should adopt the rate plan sales answers through the bus when asked to refresh', async () => {
    const no = await createAccount();
    bus.answer = (r) => (r.method === 'GET' ? { status: 200, contentType: 'application/xml', body: RATE_PLAN_XML } : { status: 202 });

    const answer = await call('POST', `/admin/refresh-rates/${no}`);

    expect(answer.status).toBe(200);
    expect((await bus.waitFor((r) => r.method === 'GET')).url).toBe(`/adapters/billing/queries/contract-rates?AccountNo=${no}`);
    expect(sut.store.getRatePlan(no)).toMatchObject({ AccountNo: no, Currency: 'EUR', ValidFrom: '2026-12-01' });
  });
});
