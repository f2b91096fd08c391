import { FakeBus } from '../testing/fake-bus';
import { startSales, type RunningSales } from './sales.server';

const API_KEY = 'sales-test-key';
const ACME = { Name: 'Acme Conferencing GmbH', BillingStreet: 'Hauptstr. 1', BillingPostalCode: '01067', BillingCity: 'Dresden', BillingCountry: 'DE', Email__c: 'billing@acme.example' };
const RATES = [{ ProductCode: 'CONF-DIALIN-MIN', UnitPrice: 0.05, Unit: 'Minute' }];

describe(startSales.name, () => {
  let bus: FakeBus;
  let sut: RunningSales;

  beforeEach(async () => {
    bus = await new FakeBus().start();
    sut = await startSales({ busUrl: bus.url, apiKey: API_KEY });
  });
  afterEach(async () => {
    await sut.close();
    await bus.close();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(sut.url + path, { method, headers: { 'Content-Type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
  };
  const createAccount = async (fields: object = ACME) => (await call('POST', '/accounts', fields)).json;
  const posted = (event: string) => bus.waitFor((r) => JSON.parse(r.body).event === event);

  it('should post a created account to the bus ingress with its API key and an Idempotency-Key of id and change time', async () => {
    const created = await call('POST', '/accounts', ACME);

    expect(created.status).toBe(201);
    expect(created.json.Id).toMatch(/^001[0-9A-Za-z]{15}$/);
    expect(created.headers.get('location')).toBe(`/accounts/${created.json.Id}`);
    const got = await posted('AccountCreated');
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/adapters/sales/messages');
    expect(got.headers['x-api-key']).toBe(API_KEY);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['idempotency-key']).toBe(`${created.json.Id}:${created.json.LastModifiedDate}`);
    expect(JSON.parse(got.body)).toEqual({ event: 'AccountCreated', ...created.json });
  });

  it('should post AccountUpdated when an account changes and nothing when a PATCH changes nothing', async () => {
    const account = await createAccount();
    await posted('AccountCreated');

    const unchanged = await call('PATCH', `/accounts/${account.Id}`, { Name: ACME.Name });
    const changed = await call('PATCH', `/accounts/${account.Id}`, { BillingCity: 'Leipzig' });

    expect(unchanged.status).toBe(200);
    const got = JSON.parse((await posted('AccountUpdated')).body);
    expect(got).toMatchObject({ Id: account.Id, BillingCity: 'Leipzig', LastModifiedDate: changed.json.LastModifiedDate });
    await sut.settled();
    expect(sut.outbox().map((e) => e.event)).toEqual(['AccountCreated', 'AccountUpdated']);
  });

  it('should post ContractRatesChanged for a new contract and for changed rates, not for other contract changes', async () => {
    const account = await createAccount();
    const contract = (await call('POST', '/contracts', { AccountId: account.Id, CurrencyIsoCode: 'EUR', StartDate: '2026-12-01', Rates__c: RATES })).json;
    await call('PATCH', `/contracts/${contract.Id}`, { StartDate: '2026-12-02' });
    await call('PATCH', `/contracts/${contract.Id}`, { Rates__c: [{ ProductCode: 'CONF-DIALIN-MIN', UnitPrice: 0.04, Unit: 'Minute' }] });
    await sut.settled();

    expect(sut.outbox().map((e) => e.event)).toEqual(['AccountCreated', 'ContractRatesChanged', 'ContractRatesChanged']);
    const last = JSON.parse(bus.received[bus.received.length - 1].body);
    expect(last).toMatchObject({ event: 'ContractRatesChanged', Id: contract.Id, AccountId: account.Id, Rates__c: [{ UnitPrice: 0.04 }] });
  });

  it('should answer a contract-rates query with the contract in force in its own JSON', async () => {
    const account = await createAccount();
    await call('POST', '/contracts', { AccountId: account.Id, CurrencyIsoCode: 'EUR', StartDate: '2026-01-01', Rates__c: RATES });
    const current = (await call('POST', '/contracts', { AccountId: account.Id, CurrencyIsoCode: 'EUR', StartDate: '2026-12-01', Rates__c: RATES })).json;

    const answer = await call('GET', `/accounts/${account.Id}/contract-rates`);

    expect(answer).toMatchObject({ status: 200, json: current });
  });

  it('should answer 404 in its own error format for contract rates of an account without a contract', async () => {
    const account = await createAccount();
    const answer = await call('GET', `/accounts/${account.Id}/contract-rates`);
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual([{ errorCode: 'NOT_FOUND', message: `Account ${account.Id} has no Contract` }]);
  });

  it('should apply a status update from the bus once per Idempotency-Key and not echo it back to the bus', async () => {
    const account = await createAccount();
    const update = { AccountId: account.Id, Billing_Status__c: 'Invoiced', Note: { Title: 'Invoice INV-2026-00001 issued', Body: 'Amount 25.90 EUR' } };

    const first = await call('POST', '/bus/account-status', update, { 'Idempotency-Key': 'msg-1:sales' });
    const again = await call('POST', '/bus/account-status', update, { 'Idempotency-Key': 'msg-1:sales' });
    await sut.settled();

    expect(first.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(sut.replayed()).toBe(1);
    expect((await call('GET', `/accounts/${account.Id}/notes`)).json).toEqual([expect.objectContaining({ Title: 'Invoice INV-2026-00001 issued', ParentId: account.Id })]);
    expect((await call('GET', `/accounts/${account.Id}`)).json.Billing_Status__c).toBe('Invoiced');
    expect(sut.outbox().map((e) => e.event)).toEqual(['AccountCreated']);
  });

  it('should refuse a status update for an unknown account with 404', async () => {
    const answer = await call('POST', '/bus/account-status', { AccountId: '001Dm0000000099ZZZ', Billing_Status__c: 'Invoiced', Note: { Title: 'x' } });
    expect(answer.status).toBe(404);
  });

  it('should refuse an account without a name and an unknown field with 400 naming the field', async () => {
    expect((await call('POST', '/accounts', { BillingCity: 'Dresden' })).json).toEqual([{ errorCode: 'REQUIRED_FIELD_MISSING', message: 'Account.Name' }]);
    expect((await call('POST', '/accounts', { Name: 'X', Fax: '1' })).json[0].message).toContain("'Fax'");
    expect(bus.received).toHaveLength(0);
  });

  it('should send an event again when the bus answers 503 and mark it sent once accepted', async () => {
    let calls = 0;
    bus.answer = () => (++calls === 1 ? { status: 503 } : { status: 202, body: '{}' });
    await createAccount();
    await sut.settled();
    expect(sut.outbox()[0]).toMatchObject({ status: 'sent', attempts: 2, httpStatus: 202 });
    expect(bus.received[0].headers['idempotency-key']).toBe(bus.received[1].headers['idempotency-key']);
  });

  it('should keep its own API working when the bus refuses an event', async () => {
    bus.answer = () => ({ status: 401, body: 'wrong key' });
    const account = await createAccount();
    await sut.settled();
    expect(sut.outbox()[0]).toMatchObject({ status: 'failed', attempts: 1, httpStatus: 401, response: 'wrong key' });
    expect((await call('GET', `/accounts/${account.Id}`)).status).toBe(200);
  });

  it('should answer 503 to everything but /admin while chaos says so, and heal with {}', async () => {
    await call('POST', '/admin/chaos', { failWith: 503 });
    expect((await call('GET', '/accounts')).status).toBe(503);
    await call('POST', '/admin/chaos', {});
    expect((await call('GET', '/accounts')).status).toBe(200);
  });

  it("should show billing's answer to the billing-period query it asks through the bus", async () => {
    const account = await createAccount();
    const period = { Name: 'P-10001-202612', Account__c: account.Id, Status__c: 'Open' };
    bus.answer = (r) => (r.method === 'GET' ? { status: 200, contentType: 'application/json', body: JSON.stringify(period) } : { status: 202 });

    const answer = await call('GET', `/accounts/${account.Id}/billing-period`);

    expect(answer).toMatchObject({ status: 200, json: period });
    const asked = await bus.waitFor((r) => r.method === 'GET');
    expect(asked.url).toBe(`/adapters/sales/queries/billing-period?customerId=${account.Id}`);
    expect(asked.headers['x-api-key']).toBe(API_KEY);
  });
});
