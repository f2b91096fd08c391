import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { waitFor } from './support/broker';

/** The main job end to end: a system posts its native JSON, the destination receives its own format. */
describe('bus core: ingress to destination', () => {
  let erp: HttpTestServer;
  let bus: TestBus;

  beforeEach(async () => {
    erp = await startHttpTestServer();
    bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }), vars: { CRM_API_KEY: CRM_KEY } });
  });

  afterEach(async () => {
    await bus?.close();
    await erp?.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    postJson(`${bus.url}/adapters/crm/messages`, body, { 'x-api-key': CRM_KEY, ...headers });

  it('should deliver a posted customer to the destination in its format, with an Idempotency-Key', async () => {
    const res = await post(crmCustomer({ customer: { name: 'Müller & Söhne KG' } }));

    expect(res.status).toBe(202);
    expect(res.json).toEqual(expect.objectContaining({ messageId: expect.any(String), correlationId: expect.any(String) }));
    const received = await erp.nextRequest();
    expect(received.method).toBe('POST');
    expect(received.headers['content-type']).toContain('application/json');
    expect(received.headers['idempotency-key']).toBe(`${res.json.messageId}:erp`);
    const body = JSON.parse(received.body.toString('utf8'));
    expect(body).toEqual(expect.objectContaining({ customerId: 'C-1001', name: 'Müller & Söhne KG', erpId: null }));
  });

  it('should answer a repeated Idempotency-Key with the first message id and publish nothing again', async () => {
    const first = await post(crmCustomer(), { 'idempotency-key': 'crm-change-77' });
    const again = await post(crmCustomer(), { 'idempotency-key': 'crm-change-77' });
    const marker = await post(crmCustomer({ customer: { name: 'Marker AG' } }));

    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.json.messageId).toBe(first.json.messageId);
    expect(again.json.duplicate).toBe(true);
    await waitFor('the marker message at the ERP', () => erp.requests.find((r) => r.body.toString().includes('Marker AG')));
    expect(erp.requests).toHaveLength(2);
    expect(marker.status).toBe(202);
  });

  it('should recognise a re-sent native event by the id its mapping declares, without an Idempotency-Key', async () => {
    const first = await post(crmCustomer({ eventId: 'evt-resent-1', customer: { name: 'Resent GmbH' } }));
    const again = await post(crmCustomer({ eventId: 'evt-resent-1', customer: { name: 'Resent GmbH' } }));
    const marker = await post(crmCustomer({ customer: { name: 'Marker AG' } }));

    expect(again.json).toEqual(expect.objectContaining({ messageId: first.json.messageId, duplicate: true }));
    await waitFor('the marker message at the ERP', () => erp.requests.find((r) => r.body.toString().includes('Marker AG')));
    expect(erp.requests.filter((r) => r.body.toString().includes('Resent GmbH'))).toHaveLength(1);
    expect(marker.status).toBe(202);
  });

  it('should show the message and its delivery in the journal', async () => {
    const res = await post(crmCustomer());
    await erp.nextRequest();

    const history = await waitFor('the delivered hop', async () => {
      const r = await fetch(`${bus.url}/admin/messages/${res.json.messageId}`, { headers: { authorization: `Bearer ${bus.adminToken}` } });
      const json = r.status === 200 ? await r.json() : undefined;
      return json?.hops?.some((h: { kind: string }) => h.kind === 'delivered') ? json : undefined;
    });
    expect(history.message).toEqual(expect.objectContaining({ id: res.json.messageId, type: 'customer.updated', source: 'crm' }));
  });
});
