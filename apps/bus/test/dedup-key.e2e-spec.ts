import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';

/** A system's business key (`dedupKey`) at the HTTP ingress: the same record twice is published once. */
describe('ingress with a business key (dedupKey)', () => {
  let erp: HttpTestServer;
  let bus: TestBus;

  beforeEach(async () => {
    erp = await startHttpTestServer();
    // The CRM's business key: its customer id and the time of the change (any expression over the canonical message).
    const yaml = coreYaml({ erp: erp.url }).replace('    mapping: mappings/crm\n', '    mapping: mappings/crm\n    dedupKey: "payload.customerId & \'@\' & occurredAt"\n');
    bus = await startTestBus({ yaml, vars: { CRM_API_KEY: CRM_KEY } });
  });

  afterEach(async () => {
    await bus?.close();
    await erp?.close();
  });

  const post = (body: unknown) => postJson(`${bus.url}/adapters/crm/messages`, body, { 'x-api-key': CRM_KEY });

  it('should answer a record sent again under another event id with 202 and the original message id, and publish it once', async () => {
    const first = await post(crmCustomer({ eventId: 'evt-1' }));
    const again = await post(crmCustomer({ eventId: 'evt-2' }));
    const other = await post(crmCustomer({ eventId: 'evt-3', customer: { customerId: 'C-2002' } }));

    expect(first).toMatchObject({ status: 202, json: { duplicate: false } });
    expect(again).toMatchObject({ status: 202, json: { messageId: first.json.messageId, duplicate: true } });
    expect(other).toMatchObject({ status: 202, json: { duplicate: false } });
    const delivered = [await erp.nextRequest(), await erp.nextRequest()].map((r) => JSON.parse(r.body.toString('utf8')).customerId);
    expect(delivered.sort()).toEqual(['C-1001', 'C-2002']);
    expect(erp.requests).toHaveLength(2);
  });
});
