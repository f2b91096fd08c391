// The canonical model's decorated classes need the metadata polyfill first, as in main.ts.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import { BusHeaders, ErrorCodes, type CanonicalEnvelope } from '@bus/canonical-model';
import { AmqpConnection } from '../src/messaging/amqp-connection';
import { Consumer, type Delivery, type FaultEvent, type Outcome } from '../src/messaging/consumer';
import { Publisher } from '../src/messaging/publisher';
import { TopologyError, UnroutableError } from '../src/messaging/messaging.errors';
import { declareDestination, queueNames } from '../src/messaging/topology';
import { BUNDLE_CONTENT_TYPE } from '../src/messaging/bundle';
import { deferred, deleteByPrefix, drainQueue, RecordingLogger, requireBroker, TEST_AMQP_URL, testPrefix, waitFor } from './support/broker';

jest.setTimeout(30_000);

const envelope = (type = 'customer.updated'): CanonicalEnvelope => ({
  id: randomUUID(),
  type,
  schemaVersion: 1,
  source: 'sales',
  correlationId: randomUUID(),
  occurredAt: new Date().toISOString(),
  payload: { customerId: 'C-17' },
});

const transient = (message = 'billing answered 503'): Outcome => ({ kind: 'retry', error: { code: ErrorCodes.DELIVERY_TRANSIENT, message } });

describe('messaging against RabbitMQ', () => {
  let connection: AmqpConnection;
  let logger: RecordingLogger;
  let prefix: string;
  let publisher: Publisher;
  let sut: Consumer;
  let admin: amqp.ChannelModel;

  beforeAll(async () => {
    await requireBroker();
    logger = new RecordingLogger();
    connection = new AmqpConnection({ url: TEST_AMQP_URL, connectionName: `bus-test-${randomUUID()}`, logger });
    await connection.connect();
    admin = await amqp.connect(TEST_AMQP_URL);
  });

  afterAll(async () => {
    await connection?.close();
    await admin?.close();
  });

  beforeEach(() => {
    prefix = testPrefix();
    publisher = new Publisher(connection, { prefix });
    sut = new Consumer(connection, publisher, logger);
  });

  afterEach(async () => {
    await deleteByPrefix(prefix);
  });

  const messageCount = async (queue: string) => {
    const ch = await admin.createChannel();
    try {
      return (await ch.checkQueue(queue)).messageCount;
    } finally {
      await ch.close();
    }
  };

  it('should deliver one published message once to every destination', async () => {
    const received: Record<string, string[]> = { billing: [], archive: [], crm: [] };
    const handles = await Promise.all(
      Object.keys(received).map((system) =>
        sut.consume(system, async (d) => {
          received[system].push(d.envelope.id);
          return { kind: 'ack' };
        }, { prefix }),
      ),
    );
    const msg = envelope();

    await publisher.publish(msg, ['billing', 'archive', 'crm'], { [BusHeaders.SOURCE]: 'sales' });

    await waitFor('all three destinations to receive the message', () => Object.values(received).every((ids) => ids.length === 1));
    await Promise.all(handles.map((h) => h.cancel()));
    expect(received).toEqual({ billing: [msg.id], archive: [msg.id], crm: [msg.id] });
    for (const system of Object.keys(received)) expect(await messageCount(queueNames(system, prefix).work)).toBe(0);
  });

  it('should redeliver through the retry queues and deliver once the destination recovers', async () => {
    const seen: Delivery[] = [];
    const handle = await sut.consume('billing', async (d) => {
      seen.push(d);
      return seen.length <= 2 ? transient() : { kind: 'ack' };
    }, { prefix, immediateRetries: 0, redeliveryDelaysMs: [100, 200] });
    const msg = envelope();

    await publisher.publish(msg, ['billing']);

    await waitFor('the third delivery', () => seen.length === 3);
    await handle.cancel();
    expect(seen.map((d) => d.attempts)).toEqual([0, 1, 2]);
    expect(seen.map((d) => d.envelope.id)).toEqual([msg.id, msg.id, msg.id]);
    const last = seen[2].headers;
    expect(last[BusHeaders.FAULT_CODE]).toBe(ErrorCodes.DELIVERY_TRANSIENT);
    expect(last[BusHeaders.FIRST_FAILED_AT]).toBe(seen[1].headers[BusHeaders.FIRST_FAILED_AT]);
    expect(seen[2].properties.messageId).toBe(msg.id);
    expect(await messageCount(queueNames('billing', prefix).deadLetter)).toBe(0);
    expect(logger.warnings().some((w) => w.includes(msg.id) && w.includes('DELIVERY.TRANSIENT') && w.includes('retry.100ms'))).toBe(true);
  });

  it('should retry in process before redelivering, numbering every try', async () => {
    const seen: Array<[number, number, number]> = [];
    const handle = await sut.consume('billing', async (d) => {
      seen.push([d.attempts, d.immediateRetry, d.attempt]);
      return seen.length < 5 ? transient() : { kind: 'ack' };
    }, { prefix, immediateRetries: 2, redeliveryDelaysMs: [100] });

    await publisher.publish(envelope(), ['billing']);

    await waitFor('the in-process retries and a redelivery', () => seen.length === 5);
    await handle.cancel();
    expect(seen).toEqual([
      [0, 0, 1],
      [0, 1, 2],
      [0, 2, 3],
      [1, 0, 4],
      [1, 1, 5],
    ]);
  });

  it('should dead-letter a permanent failure at once with fault headers', async () => {
    let calls = 0;
    const handle = await sut.consume('billing', async () => {
      calls++;
      return { kind: 'deadLetter', error: { code: ErrorCodes.DELIVERY_REJECTED, message: 'billing answered 422: unknown customer' } };
    }, { prefix, adapter: 'http' });
    const msg = envelope();
    const dlq = queueNames('billing', prefix).deadLetter;

    await publisher.publish(msg, ['billing'], { [BusHeaders.SOURCE]: 'sales' });

    await waitFor('the dead-lettered copy', async () => (await messageCount(dlq)) === 1);
    await handle.cancel();
    const [dead] = await drainQueue(dlq);
    expect(calls).toBe(1);
    expect(JSON.parse(dead.content.toString())).toEqual(msg);
    expect(dead.properties.messageId).toBe(msg.id);
    expect(dead.properties.headers).toMatchObject({
      [BusHeaders.SOURCE]: 'sales',
      [BusHeaders.FAULT_CODE]: ErrorCodes.DELIVERY_REJECTED,
      [BusHeaders.FAULT_MESSAGE]: 'billing answered 422: unknown customer',
      [BusHeaders.FAULT_ADAPTER]: 'http',
      [BusHeaders.ATTEMPTS]: 1,
      [BusHeaders.DESTINATION]: 'billing',
    });
    expect(typeof dead.properties.headers?.[BusHeaders.FIRST_FAILED_AT]).toBe('string');
    expect(await messageCount(queueNames('billing', prefix).work)).toBe(0);
  });

  it('should report each retry and the dead letter once their copies are confirmed', async () => {
    const events: FaultEvent[] = [];
    const handle = await sut.consume('billing', async () => transient('billing timed out'), {
      prefix,
      immediateRetries: 0,
      redeliveryDelaysMs: [100],
      onFault: (e) => {
        events.push(e);
      },
    });
    const msg = envelope();

    await publisher.publish(msg, ['billing']);

    await waitFor('the dead letter event', () => events.some((e) => e.kind === 'deadLetter'));
    await handle.cancel();
    const dlq = queueNames('billing', prefix).deadLetter;
    expect(await messageCount(dlq)).toBe(1);
    expect(events.map((e) => [e.kind, e.attempts, e.queue, e.envelope?.id, e.fault.message])).toEqual([
      ['retry', 1, queueNames('billing', prefix).retry(100), msg.id, 'billing timed out'],
      ['deadLetter', 2, dlq, msg.id, 'billing timed out'],
    ]);
    expect(events[1].headers[BusHeaders.FIRST_FAILED_AT]).toBe(events[0].headers[BusHeaders.FIRST_FAILED_AT]);
  });

  it('should dead-letter a message once the redelivery delays are used up', async () => {
    let calls = 0;
    const handle = await sut.consume('billing', async () => {
      calls++;
      throw new Error('socket hang up');
    }, { prefix, immediateRetries: 1, redeliveryDelaysMs: [100, 200] });
    const dlq = queueNames('billing', prefix).deadLetter;

    await publisher.publish(envelope(), ['billing']);

    await waitFor('the dead-lettered copy', async () => (await messageCount(dlq)) === 1);
    await handle.cancel();
    const [dead] = await drainQueue(dlq);
    expect(calls).toBe(6); // (1 call + 1 immediate retry) x (first delivery + 2 redeliveries)
    expect(dead.properties.headers).toMatchObject({
      [BusHeaders.ATTEMPTS]: 3,
      [BusHeaders.FAULT_CODE]: ErrorCodes.DELIVERY_TRANSIENT,
      [BusHeaders.FAULT_MESSAGE]: 'socket hang up',
    });
    expect(dead.properties.headers).not.toHaveProperty('x-death');
  });

  it('should dead-letter a message whose body does not parse', async () => {
    let calls = 0;
    const handle = await sut.consume('billing', async () => {
      calls++;
      return { kind: 'ack' };
    }, { prefix });
    const dlq = queueNames('billing', prefix).deadLetter;

    await publisher.publishToQueue(queueNames('billing', prefix).work, Buffer.from('{not json'), {}, { messageId: 'm-broken' });

    await waitFor('the dead-lettered copy', async () => (await messageCount(dlq)) === 1);
    await handle.cancel();
    const [dead] = await drainQueue(dlq);
    expect(calls).toBe(0);
    expect(dead.content.toString()).toBe('{not json');
    expect(dead.properties.headers?.[BusHeaders.FAULT_CODE]).toBe(ErrorCodes.CANONICAL_INVALID);
    expect(logger.warnings().some((w) => w.includes('m-broken') && w.includes(ErrorCodes.CANONICAL_INVALID))).toBe(true);
  });

  it('should park a message in the unrouted queue of its own prefix', async () => {
    const msg = envelope();

    await publisher.publishToQueue(publisher.unroutedQueue, msg, { [BusHeaders.FAULT_CODE]: ErrorCodes.ROUTE_NO_MATCH });

    const [parked] = await drainQueue(`${prefix}.bus.unrouted`);
    expect(JSON.parse(parked.content.toString())).toEqual(msg);
    expect(parked.properties).toMatchObject({ messageId: msg.id, type: msg.type, correlationId: msg.correlationId, contentType: 'application/json', deliveryMode: 2 });
    expect(parked.properties.headers?.[BusHeaders.FAULT_CODE]).toBe(ErrorCodes.ROUTE_NO_MATCH);
  });

  it('should reject a publish that no queue receives', async () => {
    await expect(publisher.publish(envelope(), ['nobody'])).rejects.toBeInstanceOf(UnroutableError);
    await expect(publisher.publishToQueue(`${prefix}.missing`, envelope())).rejects.toMatchObject({ code: ErrorCodes.DELIVERY_UNKNOWN_DESTINATION });
  });

  it('should confirm many concurrent publishes on one channel', async () => {
    const got = new Set<string>();
    const handle = await sut.consume('billing', async (d) => {
      got.add(d.envelope.id);
      return { kind: 'ack' };
    }, { prefix });
    const msgs = Array.from({ length: 500 }, () => envelope());

    await Promise.all(msgs.map((m) => publisher.publish(m, ['billing'])));

    await waitFor('all 500 messages', () => got.size === 500);
    await handle.cancel();
    expect(await messageCount(queueNames('billing', prefix).work)).toBe(0);
  });

  it('should carry messages published together as bundles and deliver, retry and dead-letter each on its own', async () => {
    const msgs = Array.from({ length: 40 }, () => envelope());
    const [retried, dead] = [msgs[3], msgs[35]];
    const names = queueNames('billing', prefix);
    await connection.withChannel((ch) => declareDestination(ch, 'billing', { prefix, queueType: 'quorum', redeliveryDelaysMs: [100] }));
    await connection.withChannel((ch) => declareDestination(ch, 'archive', { prefix, queueType: 'quorum', redeliveryDelaysMs: [100] }));

    await Promise.all(msgs.map((m, i) => publisher.publish(m, ['billing', 'archive'], { [BusHeaders.SOURCE]: 'sales', [BusHeaders.ACCEPTED_AT]: i })));

    // One turn's 40 publishes: a bundle of 32 and one of 8, in each destination's queue.
    expect(await messageCount(names.work)).toBe(2);
    const seen: Delivery[] = [];
    const handle = await sut.consume('billing', async (d) => {
      seen.push(d);
      if (d.envelope.id === dead.id) return { kind: 'deadLetter', error: { code: ErrorCodes.DELIVERY_REJECTED, message: 'billing answered 422' } };
      return d.envelope.id === retried.id && d.attempts === 0 ? transient() : { kind: 'ack' };
    }, { prefix, immediateRetries: 0, redeliveryDelaysMs: [100] });
    await waitFor('every message delivered and the retried one again', () => seen.length === 41);
    await waitFor('the dead-lettered copy', async () => (await messageCount(names.deadLetter)) === 1);
    await waitFor('both bundles acked', async () => (await messageCount(names.work)) === 0 && handle.inFlightCount === 0);
    await handle.cancel();

    expect(seen.filter((d) => d.attempts === 0).map((d) => d.envelope.id)).toEqual(msgs.map((m) => m.id));
    expect(seen.filter((d) => d.attempts === 1).map((d) => d.envelope.id)).toEqual([retried.id]);
    expect(seen[7].properties.messageId).toBe(msgs[7].id);
    expect(seen[7].headers).toMatchObject({ [BusHeaders.SOURCE]: 'sales', [BusHeaders.ACCEPTED_AT]: 7 });
    const [copy] = await drainQueue(names.deadLetter);
    expect(JSON.parse(copy.content.toString())).toEqual(dead);
    expect(copy.properties).toMatchObject({ messageId: dead.id, contentType: 'application/json' });
    expect(copy.properties.headers).toMatchObject({ [BusHeaders.SOURCE]: 'sales', [BusHeaders.ACCEPTED_AT]: 35, [BusHeaders.FAULT_CODE]: ErrorCodes.DELIVERY_REJECTED });
    expect(copy.properties.headers?.[BusHeaders.BUNDLE]).toBeUndefined();
    expect(await messageCount(queueNames('archive', prefix).work)).toBe(2);
  });

  it('should deliver no more records at once than its prefetch, bundles included', async () => {
    let running = 0;
    let most = 0;
    const done = new Set<string>();
    const handle = await sut.consume('billing', async (d) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      done.add(d.envelope.id);
      return { kind: 'ack' };
    }, { prefix, prefetch: 3 });

    await Promise.all(Array.from({ length: 64 }, () => publisher.publish(envelope(), ['billing'])));

    await waitFor('all 64 messages', () => done.size === 64);
    await handle.cancel();
    expect(most).toBe(3);
  });

  it('should publish each message on its own when bundles are off', async () => {
    const single = new Publisher(connection, { prefix, bundleRecords: 1 });
    await connection.withChannel((ch) => declareDestination(ch, 'billing', { prefix, queueType: 'quorum', redeliveryDelaysMs: [] }));

    await Promise.all(Array.from({ length: 10 }, () => single.publish(envelope(), ['billing'])));

    expect(await messageCount(queueNames('billing', prefix).work)).toBe(10);
  });

  it('should dead-letter a bundle that does not read as one, whole and with the reason', async () => {
    const names = await connection.withChannel((ch) => declareDestination(ch, 'billing', { prefix, queueType: 'quorum', redeliveryDelaysMs: [] }));
    const body = Buffer.from('{"p":{"messageId":"m-1"},"h":{}}\n{"id":"m-1"}\n{"p":{"messageId":"m-2"}}');
    await publisher.publishToQueue(names.work, body, { [BusHeaders.BUNDLE]: 2 }, { messageId: 'bundle-1', contentType: BUNDLE_CONTENT_TYPE });
    let calls = 0;

    const handle = await sut.consume('billing', async () => (calls++, { kind: 'ack' }), { prefix });

    await waitFor('the dead-lettered bundle', async () => (await messageCount(names.deadLetter)) === 1);
    await handle.cancel();
    const [copy] = await drainQueue(names.deadLetter);
    expect(calls).toBe(0);
    expect(copy.content.equals(body)).toBe(true);
    expect(copy.properties.headers?.[BusHeaders.FAULT_CODE]).toBe(ErrorCodes.CANONICAL_INVALID);
    expect(logger.warnings().some((w) => w.includes('Bundle bundle-1') && w.includes('record 2 is cut short'))).toBe(true);
  });

  it('should wait for an in-flight handler and its ack when cancelled', async () => {
    const started = deferred();
    const release = deferred();
    let finished = false;
    const handle = await sut.consume('billing', async () => {
      started.resolve();
      await release.promise;
      finished = true;
      return { kind: 'ack' };
    }, { prefix });
    await publisher.publish(envelope(), ['billing']);
    await started.promise;

    let cancelled = false;
    const cancelling = handle.cancel().then(() => (cancelled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(cancelled).toBe(false);
    release.resolve();
    await cancelling;

    expect(finished).toBe(true);
    expect(await messageCount(queueNames('billing', prefix).work)).toBe(0);
    await expect(handle.cancel()).resolves.toBeUndefined();
  });

  it('should refuse a work queue that exists with other arguments, naming it and what to do', async () => {
    const work = queueNames('billing', prefix).work;
    const ch = await admin.createChannel();
    await ch.assertQueue(work, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    await ch.close();

    const consuming = sut.consume('billing', async () => ({ kind: 'ack' }), { prefix, queueType: 'quorum' });

    await expect(consuming).rejects.toBeInstanceOf(TopologyError);
    await expect(consuming).rejects.toThrow(`rabbitmqctl delete_queue ${work}`);
    // Only the declaring channel died: the shared publish channel still works.
    expect(connection.isConnected()).toBe(true);
    await expect(publisher.publishToQueue(work, envelope())).resolves.toBeUndefined();
  });

  it('should subscribe again after its queue was deleted under it', async () => {
    const got: string[] = [];
    const handle = await sut.consume('billing', async (d) => {
      got.push(d.envelope.id);
      return { kind: 'ack' };
    }, { prefix });
    const ch = await admin.createChannel();
    await ch.deleteQueue(queueNames('billing', prefix).work);
    await ch.close();
    await waitFor('the consumer to notice', () => logger.warnings().some((w) => w.includes('cancelled the consumer') && w.includes(prefix)));

    // The consumer re-declares the queue (and its binding) itself; publishes are routable again once it has.
    const msg = envelope();
    await waitFor('the queue to be declared again', () => publisher.publish(msg, ['billing']).then(() => true, () => false));

    await waitFor('the message after re-subscribing', () => got.includes(msg.id));
    await handle.cancel();
  });
});
