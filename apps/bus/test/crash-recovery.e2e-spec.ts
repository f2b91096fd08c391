import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { once } from 'node:events';
import { AmqpConnection } from '../src/messaging';
import { closeConnectionNamed, deferred, waitFor } from './support/broker';

/** Nothing accepted is lost or delivered twice when the bus loses the broker at the worst moment. */
describe('crash and broker-restart recovery', () => {
  let erp: HttpTestServer | undefined;
  let bus: TestBus | undefined;

  afterEach(async () => {
    await bus?.close();
    await erp?.close();
    bus = erp = undefined;
  });

  const adminGet = (path: string) => fetch(`${bus!.url}/admin/${path}`, { headers: { authorization: `Bearer ${bus!.adminToken}` } }).then((r) => r.json());

  it('should not deliver twice when the broker connection dies between the destination’s 2xx and the ack', async () => {
    // The first request is held until the bus has lost its broker connection, so its ack cannot
    // reach the broker and the broker redelivers. No step depends on how fast rabbitmqctl runs.
    const firstArrived = deferred();
    const answerFirst = deferred();
    let calls = 0;
    erp = await startHttpTestServer(async (_req, res) => {
      if (++calls === 1) {
        firstArrived.resolve();
        await answerFirst.promise;
      }
      res.writeHead(200).end();
    });
    // Longer than the hold, so the held request is answered, not timed out.
    bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }, { outboundTimeoutMs: 120_000 }), vars: { CRM_API_KEY: CRM_KEY } });
    const connection = bus.app.get(AmqpConnection);

    const res = await postJson(`${bus.url}/adapters/crm/messages`, crmCustomer(), { 'x-api-key': CRM_KEY });
    expect(res.status).toBe(202);
    await firstArrived.promise;
    const lost = once(connection, 'disconnected');
    await closeConnectionNamed(`bpi-bus ${process.pid} ${bus.prefix}`, 'simulated crash before ack');
    await lost;
    answerFirst.resolve();

    const history = await waitFor(
      'the redelivery to be recognised',
      async () => {
        const h = await adminGet(`messages/${res.json.messageId}`);
        return h.hops?.some((x: { kind: string }) => x.kind === 'duplicate-skipped') ? h : undefined;
      },
      90_000,
    );
    expect(history.message.status).toBe('delivered');
    expect(erp.requests).toHaveLength(1);
  }, 180_000);
});
