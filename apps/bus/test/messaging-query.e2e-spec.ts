// The canonical model's decorated classes need the metadata polyfill first, as in main.ts.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { ErrorCodes, type CanonicalEnvelope } from '@bus/canonical-model';
import { AmqpConnection } from '../src/messaging/amqp-connection';
import { QueryClient, QueryServer } from '../src/messaging/query-transport';
import { declareQueryQueue } from '../src/messaging/topology';
import { deferred, deleteByPrefix, RecordingLogger, requireBroker, TEST_AMQP_URL, testPrefix } from './support/broker';

jest.setTimeout(30_000);

const query = (payload: unknown = { customerId: 'C-17', period: '2026-11' }): CanonicalEnvelope => ({
  id: randomUUID(),
  type: 'billing-period.get',
  schemaVersion: 1,
  source: 'sales',
  correlationId: randomUUID(),
  occurredAt: new Date().toISOString(),
  payload,
});

describe(QueryClient.name, () => {
  let connection: AmqpConnection;
  let logger: RecordingLogger;
  let prefix: string;
  let sut: QueryClient;
  let server: QueryServer;

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
    sut = new QueryClient(connection, { prefix });
    server = new QueryServer(connection, { prefix, logger });
  });

  afterEach(async () => {
    await deleteByPrefix(prefix);
  });

  it('should get the answer of the system that serves the query', async () => {
    const serving = await server.serve('billing', async (q, meta) => ({
      answer: { echo: q.payload, type: q.type, hasDeadline: meta.deadline > Date.now() },
    }));
    const q = query();

    const reply = await sut.request('billing', q, 5000);

    await serving.cancel();
    expect(reply).toEqual({ answer: { echo: q.payload, type: 'billing-period.get', hasDeadline: true } });
  });

  it('should match concurrent answers to their questions', async () => {
    const serving = await server.serve('billing', async (q) => ({ answer: q.payload }));

    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => sut.request('billing', query({ n: i }), 5000)));

    await serving.cancel();
    expect(replies.map((r) => (r.answer as { n: number }).n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('should carry the answering side’s error back as an error reply', async () => {
    const serving = await server.serve('billing', async () => {
      throw Object.assign(new Error('billing answered 404: no such period'), { code: ErrorCodes.DELIVERY_REJECTED, status: 404 });
    });

    const reply = await sut.request('billing', query(), 5000);

    await serving.cancel();
    expect(reply).toEqual({ error: { code: ErrorCodes.DELIVERY_REJECTED, message: 'billing answered 404: no such period', status: 404 } });
  });

  it('should time out when nobody answers in time', async () => {
    await connection.withChannel((ch) => declareQueryQueue(ch, 'billing', { prefix }));

    await expect(sut.request('billing', query(), 200)).rejects.toMatchObject({ code: ErrorCodes.QUERY_TIMEOUT, status: 504 });
  });

  it('should fail at once when no queue exists for the system', async () => {
    await expect(sut.request('nobody', query(), 5000)).rejects.toMatchObject({ code: ErrorCodes.QUERY_UNAVAILABLE, status: 503 });
  });

  it('should finish a query in progress before its serving is cancelled', async () => {
    const started = deferred();
    const release = deferred();
    const serving = await server.serve('billing', async () => {
      started.resolve();
      await release.promise;
      return { answer: 'late but there' };
    });
    const asking = sut.request('billing', query(), 5000);
    await started.promise;

    const cancelling = serving.cancel();
    release.resolve();
    await cancelling;

    await expect(asking).resolves.toEqual({ answer: 'late but there' });
  });
});
