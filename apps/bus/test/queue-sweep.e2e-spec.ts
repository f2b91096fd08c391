// The canonical model's decorated classes need the metadata polyfill first, as in main.ts.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { BusHeaders, ErrorCodes, type CanonicalEnvelope } from '@bus/canonical-model';
import { AmqpConnection } from '../src/messaging/amqp-connection';
import type { FaultEvent } from '../src/messaging/consumer';
import { Publisher } from '../src/messaging/publisher';
import { moveAllMessages } from '../src/messaging/queue-sweep';
import { declareDestination, queueNames, unbindDestination } from '../src/messaging/topology';
import { deleteByPrefix, drainQueue, RecordingLogger, requireBroker, TEST_AMQP_URL, testPrefix, waitFor } from './support/broker';

const envelope = (): CanonicalEnvelope => ({
  id: randomUUID(),
  type: 'customer.updated',
  schemaVersion: 1,
  source: 'sales',
  correlationId: randomUUID(),
  occurredAt: new Date().toISOString(),
  payload: { customerId: 'C-17' },
});

/** What a reload does with the queues of a destination it removed. */
describe(moveAllMessages.name, () => {
  let connection: AmqpConnection;
  let logger: RecordingLogger;
  let prefix: string;
  let publisher: Publisher;

  beforeAll(async () => {
    await requireBroker();
    logger = new RecordingLogger();
    connection = new AmqpConnection({ url: TEST_AMQP_URL, connectionName: `bus-test-${randomUUID()}`, logger });
    await connection.connect();
  });

  afterAll(async () => {
    await connection?.close();
  });

  beforeEach(() => {
    prefix = testPrefix();
    publisher = new Publisher(connection, { prefix });
  });

  afterEach(async () => {
    await deleteByPrefix(prefix);
  });

  const depth = (queue: string) => connection.withChannel(async (ch) => (await ch.checkQueue(queue)).messageCount);

  it('should move every message of the work and retry queues to the dead-letter queue with the reason, and report each', async () => {
    const names = await connection.withChannel((ch) => declareDestination(ch, 'billing', { prefix, queueType: 'quorum', redeliveryDelaysMs: [60_000] }));
    const queued = Array.from({ length: 300 }, envelope);
    await Promise.all(queued.slice(0, 250).map((e) => publisher.publish(e, ['billing'], { [BusHeaders.CONFIG_VERSION]: 'v1' })));
    await Promise.all(queued.slice(250).map((e) => publisher.publishToQueue(names.retry(60_000), e, { [BusHeaders.ATTEMPTS]: 1 })));
    // Published together, the 250 wait as bundles of 32: each moves as one copy per message.
    expect(await depth(names.work)).toBe(8);
    const events: FaultEvent[] = [];
    const fault = { code: ErrorCodes.CONFIG_DESTINATION_REMOVED, message: 'system billing was removed in config version v2' };

    const sut = await moveAllMessages(connection, publisher, {
      destination: 'billing',
      from: [names.retry(60_000), names.work, `${names.work}.retry.missing`],
      to: names.deadLetter,
      fault,
      adapter: 'http',
      onMoved: (e) => void events.push(e),
      logger,
    });

    expect(sut).toBe(300);
    expect(await depth(names.work)).toBe(0);
    expect(await depth(names.retry(60_000))).toBe(0);
    const dead = await drainQueue(names.deadLetter);
    expect(dead.map((m) => m.properties.messageId).sort()).toEqual(queued.map((e) => e.id).sort());
    expect(dead[0].properties.headers).toMatchObject({ [BusHeaders.FAULT_CODE]: 'CONFIG.DESTINATION_REMOVED', [BusHeaders.FAULT_MESSAGE]: fault.message, [BusHeaders.DESTINATION]: 'billing', [BusHeaders.FAULT_ADAPTER]: 'http' });
    expect(events).toHaveLength(300);
    expect(events.find((e) => e.envelope?.id === queued[0].id)).toMatchObject({ kind: 'deadLetter', attempts: 1, queue: names.deadLetter, fault });
    expect(events.find((e) => e.envelope?.id === queued[299].id)).toMatchObject({ kind: 'deadLetter', attempts: 2, queue: names.deadLetter, fault });
  });

  it('should make a publish for an unbound destination come back instead of waiting in its queue', async () => {
    const names = await connection.withChannel((ch) => declareDestination(ch, 'billing', { prefix, queueType: 'quorum', redeliveryDelaysMs: [] }));

    await connection.withChannel((ch) => unbindDestination(ch, 'billing', { prefix }));
    await connection.withChannel((ch) => unbindDestination(ch, 'billing', { prefix }));
    await connection.withChannel((ch) => unbindDestination(ch, 'nobody', { prefix }));

    await expect(publisher.publish(envelope(), ['billing'])).rejects.toMatchObject({ code: 'DELIVERY.UNKNOWN_DESTINATION' });
    expect(await depth(names.work)).toBe(0);
  });

  it('should put the message in hand back and stop when its copy cannot be published', async () => {
    const names = await connection.withChannel((ch) => declareDestination(ch, 'billing', { prefix, queueType: 'quorum', redeliveryDelaysMs: [] }));
    for (const e of [envelope(), envelope()]) await publisher.publish(e, ['billing']);

    const sut = moveAllMessages(connection, publisher, { destination: 'billing', from: [names.work], to: `${prefix}.no-such-queue`, fault: { code: 'X.Y', message: 'test' }, logger });

    await expect(sut).rejects.toMatchObject({ code: 'DELIVERY.UNKNOWN_DESTINATION' });
    await waitFor('both messages back in the work queue', async () => (await depth(names.work)) === 2);
  });
});
