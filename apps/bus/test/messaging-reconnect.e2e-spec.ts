// The canonical model's decorated classes need the metadata polyfill first, as in main.ts.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import * as amqp from 'amqplib';
import { ErrorCodes, type CanonicalEnvelope } from '@bus/canonical-model';
import { AmqpConnection } from '../src/messaging/amqp-connection';
import { Consumer } from '../src/messaging/consumer';
import { Publisher } from '../src/messaging/publisher';
import { queueNames } from '../src/messaging/topology';
import { closeConnectionNamed, deferred, deleteByPrefix, RecordingLogger, requireBroker, TEST_AMQP_URL, testPrefix, waitFor } from './support/broker';

jest.setTimeout(60_000);

const envelope = (n: number): CanonicalEnvelope => ({
  id: randomUUID(),
  type: 'usage.recorded',
  schemaVersion: 1,
  source: 'bridge',
  correlationId: randomUUID(),
  occurredAt: new Date().toISOString(),
  payload: { n },
});

describe(AmqpConnection.name, () => {
  let sut: AmqpConnection;
  let logger: RecordingLogger;
  let prefix: string;
  let name: string;

  beforeAll(() => requireBroker());

  beforeEach(() => {
    prefix = testPrefix();
    name = `bus-test-${randomUUID()}`;
    logger = new RecordingLogger();
    sut = new AmqpConnection({ url: TEST_AMQP_URL, connectionName: name, logger, initialDelayMs: 50, maxDelayMs: 1000 });
  });

  afterEach(async () => {
    await sut.close();
    await deleteByPrefix(prefix);
  });

  it('should reconnect after its connection was closed and resume consuming', async () => {
    await sut.connect();
    const publisher = new Publisher(sut, { prefix });
    const got = new Set<number>();
    await new Consumer(sut, publisher, logger).consume('billing', async (d) => {
      got.add((d.envelope.payload as { n: number }).n);
      return { kind: 'ack' };
    }, { prefix });
    await publisher.publish(envelope(1), ['billing']);
    await waitFor('the first message', () => got.has(1));

    const lost = once(sut, 'disconnected');
    await closeConnectionNamed(name);
    await lost;
    expect(sut.isConnected()).toBe(false);
    await expect(publisher.publish(envelope(0), ['billing'])).rejects.toMatchObject({ code: ErrorCodes.BROKER_UNAVAILABLE });

    await sut.waitForConnection(15_000);
    await publisher.publish(envelope(2), ['billing']);
    await waitFor('the message published after the reconnect', () => got.has(2));

    const warnings = logger.warnings().filter((w) => w.includes('Lost the connection'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('guest:***@');
    expect(warnings[0]).not.toContain('guest:guest');
    expect(logger.lines.filter((l) => l.message.includes('again after'))).toHaveLength(1);
  });

  it('should reject waiting for a connection after it was closed, and close twice safely', async () => {
    await sut.connect();

    await Promise.all([sut.close(), sut.close()]);

    await expect(sut.waitForConnection(100)).rejects.toMatchObject({ code: ErrorCodes.BROKER_UNAVAILABLE });
    expect(sut.isConnected()).toBe(false);
  });

  it('should let in-flight handlers finish and ack before closing', async () => {
    await sut.connect();
    const publisher = new Publisher(sut, { prefix });
    const started = deferred();
    const release = deferred();
    await new Consumer(sut, publisher, logger).consume('billing', async () => {
      started.resolve();
      await release.promise;
      return { kind: 'ack' };
    }, { prefix });
    await publisher.publish(envelope(1), ['billing']);
    await started.promise;

    const closing = sut.close();
    release.resolve();
    await closing;

    const admin = await amqp.connect(TEST_AMQP_URL);
    const ch = await admin.createChannel();
    const { messageCount } = await ch.checkQueue(queueNames('billing', prefix).work);
    await admin.close();
    expect(messageCount).toBe(0);
  });

  it('should report a broker it cannot reach once, with what to do', async () => {
    const unreachable = new AmqpConnection({ url: 'amqp://guest:secret@127.0.0.1:1', logger, initialDelayMs: 20, maxDelayMs: 50 });

    await expect(unreachable.connect(500)).rejects.toMatchObject({ code: ErrorCodes.BROKER_UNAVAILABLE });
    await unreachable.close();

    const warnings = logger.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('rabbitmq-server -detached');
    expect(warnings[0]).not.toContain('secret');
  });
});
