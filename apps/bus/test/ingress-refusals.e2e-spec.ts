import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { waitFor } from './support/broker';

/**
 * Every refused post answers with its status and a message naming the problem, and publishes
 * nothing: after all refusals one valid message is sent, and it must be the only one delivered.
 */
describe('POST /adapters/{system}/messages refusals', () => {
  let erp: HttpTestServer;
  let bus: TestBus;

  beforeAll(async () => {
    erp = await startHttpTestServer();
    bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }, { ingress: '  bodyLimit: 2kb' }), vars: { CRM_API_KEY: CRM_KEY } });
  });

  afterAll(async () => {
    await bus?.close();
    await erp?.close();
  });

  const url = (system = 'crm') => `${bus.url}/adapters/${system}/messages`;

  it.each([
    ['an unknown system', () => postJson(url('nope'), crmCustomer(), { 'x-api-key': CRM_KEY }), 401, 'INGRESS.UNAUTHORIZED', /X-Api-Key/],
    ['a missing API key', () => postJson(url(), crmCustomer()), 401, 'INGRESS.UNAUTHORIZED', /X-Api-Key/],
    ['a wrong API key', () => postJson(url(), crmCustomer(), { 'x-api-key': 'crm-test-key-0123456780' }), 401, 'INGRESS.UNAUTHORIZED', /X-Api-Key/],
    ['a key of the wrong system', () => postJson(url('erp'), crmCustomer(), { 'x-api-key': CRM_KEY }), 401, 'INGRESS.UNAUTHORIZED', /X-Api-Key/],
    ['a wrong content type', () => postJson(url(), 'name=x', { 'x-api-key': CRM_KEY, 'content-type': 'text/plain' }), 415, 'INGRESS.UNSUPPORTED_MEDIA_TYPE', /application\/json.*text\/plain/],
    ['a body over the limit', () => postJson(url(), crmCustomer({ customer: { name: 'x'.repeat(3000) } }), { 'x-api-key': CRM_KEY }), 413, 'INGRESS.PAYLOAD_TOO_LARGE', /2048 bytes/],
    ['JSON that does not parse', () => postJson(url(), '{"event": "customer.updated", ', { 'x-api-key': CRM_KEY }), 400, 'CODEC.PARSE_FAILED', /crm: .*line 1/],
    ['an unknown message type', () => postJson(url(), crmCustomer({ event: 'customer.teleported' }), { 'x-api-key': CRM_KEY }), 400, 'CANONICAL.UNKNOWN_TYPE', /customer\.teleported/],
    [
      'an invalid canonical field',
      () => postJson(url(), crmCustomer({ customer: { address: { street: 'A 1', postalCode: '1', city: 'B', country: 'Germany' } } }), { 'x-api-key': CRM_KEY }),
      400,
      'CANONICAL.INVALID',
      /payload\.address\.country/,
    ],
  ])('should refuse %s', async (_case, send, status, code, message) => {
    const res = await send();

    expect(res.status).toBe(status);
    expect(res.json.code).toBe(code);
    expect(res.json.message).toMatch(message);
  });

  it('should name the invalid field in details', async () => {
    const res = await postJson(url(), crmCustomer({ customer: { email: 'not-an-address' } }), { 'x-api-key': CRM_KEY });

    expect(res.status).toBe(400);
    expect(res.json.details).toEqual([expect.objectContaining({ path: 'payload.email' })]);
  });

  it('should have published nothing for the refused posts', async () => {
    const ok = await postJson(url(), crmCustomer({ customer: { name: 'Only One AG' } }), { 'x-api-key': CRM_KEY });
    expect(ok.status).toBe(202);
    await waitFor('the valid message', () => erp.requests.find((r) => r.body.toString().includes('Only One AG')));

    expect(erp.requests).toHaveLength(1);
    const journal = await waitFor('the journal entry', async () => {
      const page = await fetch(`${bus.url}/admin/messages?system=crm`, { headers: { authorization: `Bearer ${bus.adminToken}` } }).then((r) => r.json());
      return page.items.length ? page : undefined;
    });
    expect(journal.items.map((m: { id: string }) => m.id)).toEqual([ok.json.messageId]);
  });
});
