import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { JournalEvent } from '../store/bus-store';
import { SqliteStore } from '../store/sqlite/sqlite.store';
import { Journal, type JournalOptions } from './journal.service';
import { captureRaw } from './raw-native';
import { timeOrderedId } from '../inbound/time-ordered-id';

/** A store that records each appendEvents call and lets a test await the next one or make it fail. */
class RecordingStore {
  readonly calls: JournalEvent[][] = [];
  failNext = 0;
  private waiters: Array<() => void> = [];

  async appendEvents(events: JournalEvent[]): Promise<void> {
    const fail = this.failNext > 0;
    if (fail) this.failNext--;
    else this.calls.push(events);
    this.waiters.splice(0).forEach((w) => w());
    if (fail) throw new Error('disk full');
  }

  /** Resolves once `count` appendEvents calls (failed ones included) have happened since now. */
  nextCalls(count = 1): Promise<void> {
    return new Promise((resolve) => {
      let seen = 0;
      const wait = () => this.waiters.push(() => (++seen >= count ? resolve() : wait()));
      wait();
    });
  }
}

const envelope = (id: string): CanonicalEnvelope => ({
  id, type: 'customer.updated', schemaVersion: 1, source: 'sales', correlationId: `corr-${id}`, occurredAt: '2026-11-28T09:00:00.000Z', payload: { name: 'Acme' },
});
const ids = (events: JournalEvent[]) => events.map((e) => (e.kind === 'hop' ? `${e.messageId}:${e.hop.kind}` : `${e.message.id}:message`));

describe(Journal.name, () => {
  let store: RecordingStore;
  let logger: { warn: jest.Mock; error: jest.Mock };
  let sut: Journal;
  const make = (options: JournalOptions = {}) => new Journal(store, { logger, flushIntervalMs: 60_000, ...options });

  beforeEach(() => {
    store = new RecordingStore();
    logger = { warn: jest.fn(), error: jest.fn() };
  });
  afterEach(async () => {
    await sut?.close();
  });

  it('should write the events of one interval in one store call', async () => {
    sut = make({ flushIntervalMs: 5 });
    const written = store.nextCalls();
    sut.received(envelope('m1'), undefined, [{ route: 'r1', destination: 'billing' }], 'accepted');
    sut.hop('m1', { kind: 'delivered', destination: 'billing', attempt: 1, statusCode: 201 });
    expect(store.calls).toHaveLength(0);
    await written;
    expect(store.calls).toHaveLength(1);
    expect(ids(store.calls[0])).toEqual(['m1:message', 'm1:delivered']);
  });

  it.each([
    ['serialized by the caller', (e: CanonicalEnvelope) => JSON.stringify(e)],
    ['serialized here', () => undefined],
  ])('should buffer the canonical message as JSON text only, %s', async (_, text) => {
    sut = make();
    sut.received(envelope('m1'), undefined, [{ route: 'r1', destination: 'billing' }], 'accepted', text(envelope('m1')));
    await sut.flush();
    const event = store.calls[0][0];
    if (event.kind !== 'message') throw new Error('expected the message record');
    expect(event.message).not.toHaveProperty('canonical');
    expect(JSON.parse(event.message.canonicalJson ?? '')).toEqual(envelope('m1'));
  });

  it('should flush as soon as a full batch is buffered', async () => {
    sut = make({ maxBatch: 4 });
    const written = store.nextCalls();
    for (let i = 0; i < 4; i++) sut.hop(`m${i}`, { kind: 'attempt', destination: 'billing' });
    await written;
    expect(store.calls.map((c) => c.length)).toEqual([4]);
  });

  it('should write what is buffered when closed', async () => {
    sut = make();
    sut.hop('m1', { kind: 'dead-lettered', destination: 'billing', error: 'DELIVERY.REJECTED: 422' });
    sut.hop('m2', { kind: 'discarded', destination: 'billing', detail: 'customer deleted' });
    await sut.close();
    expect(store.calls.flat()).toHaveLength(2);
    sut.hop('m3', { kind: 'replayed', destination: 'billing' });
    expect(sut.buffered).toBe(0);
  });

  it('should keep the events of a failed flush and write them in order on the retry', async () => {
    sut = make({ flushIntervalMs: 1, maxRetryDelayMs: 1 });
    // The batch, then each half of it: the store is failing, not one event.
    store.failNext = 3;
    const twoCalls = store.nextCalls(4);
    sut.hop('m1', { kind: 'attempt', destination: 'billing' });
    sut.hop('m2', { kind: 'attempt', destination: 'billing' });
    await twoCalls;
    expect(sut.failing).toBe(true);
    await sut.flush();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('Journal flush of 2 events failed (disk full)'));
    expect(ids(store.calls.flat())).toEqual(['m1:attempt', 'm2:attempt']);
    expect(sut.failing).toBe(false);
    expect(sut.droppedTotal).toBe(0);
  });

  it('should say how many events it could not write at shutdown', async () => {
    sut = make();
    store.failNext = 1;
    sut.hop('m1', { kind: 'attempt' });
    await sut.close();
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('could not write its last 1 events at shutdown (disk full)'));
  });

  it('should drop the oldest events past its bound and log how many', async () => {
    sut = make({ maxBatch: 2, maxBuffered: 4, maxRetryDelayMs: 60_000 });
    store.failNext = 3;
    const failed = store.nextCalls(3);
    sut.hop('m1', { kind: 'attempt' });
    sut.hop('m2', { kind: 'attempt' });
    await failed;
    await sut.flush(); // the failed one, which schedules its retry far ahead
    for (let i = 3; i <= 7; i++) sut.hop(`m${i}`, { kind: 'attempt' });
    expect(sut.buffered).toBe(4);
    await sut.flush();
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('dropped the 3 oldest events'));
    expect(ids(store.calls.flat())).toEqual(['m4:attempt', 'm5:attempt', 'm6:attempt', 'm7:attempt']);
    expect(sut.droppedTotal).toBe(3); // kept after the log line, for /metrics
  });

  it('should drop only a poison event of a batch, naming its message and the reason, and write the others', async () => {
    const poisoned = {
      written: [] as JournalEvent[],
      async appendEvents(events: JournalEvent[]) {
        if (events.some((e) => e.kind === 'hop' && e.messageId === 'm-bad')) throw new Error('value cannot be serialised');
        this.written.push(...events);
      },
    };
    sut = new Journal(poisoned, { logger, flushIntervalMs: 60_000 });
    for (const id of ['m1', 'm2', 'm-bad', 'm3', 'm4']) sut.hop(id, { kind: 'attempt', destination: 'billing' });

    await sut.flush();

    expect(ids(poisoned.written)).toEqual(['m1:attempt', 'm2:attempt', 'm3:attempt', 'm4:attempt']);
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('"attempt" of message m-bad could not be written and was dropped (value cannot be serialised)'));
    expect(sut.buffered).toBe(0);
    expect(sut.droppedTotal).toBe(1);
    expect(sut.failing).toBe(false);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('should do nothing when disabled', async () => {
    sut = make({ settings: () => ({ enabled: false, maxRawBytes: 0 }) });
    sut.received(envelope('m1'), undefined, [], 'unrouted');
    sut.hop('m1', { kind: 'attempt' });
    sut.query(envelope('q1'), 'billing', 'answered');
    expect(sut.buffered).toBe(0);
    await sut.close();
    expect(store.calls).toHaveLength(0);
  });

  it('should take its settings from the active config at every call, so a reload applies to the next message', async () => {
    const settings = { enabled: true, maxRawBytes: 8 };
    sut = make({ settings: () => settings });
    const native = { body: Buffer.from('{"Name":"Acme GmbH"}'), contentType: 'application/json' };
    sut.received(envelope('m1'), native, [], 'unrouted');
    settings.enabled = false;
    sut.received(envelope('m2'), native, [], 'unrouted');
    sut.hop('m1', { kind: 'attempt' });
    settings.enabled = true;
    settings.maxRawBytes = 4;
    sut.received(envelope('m3'), native, [], 'unrouted');
    await sut.flush();
    const written = store.calls.flat();
    expect(ids(written)).toEqual(['m1:message', 'm3:message']);
    expect(written.map((e) => (e.kind === 'message' ? e.message.rawNative?.data : undefined))).toEqual(['{"Name":', '{"Na']);
  });

  describe('at level failures', () => {
    const levels = { 'customer.*': 'failures' as const };
    const usage = (id: string): CanonicalEnvelope => ({ ...envelope(id), type: 'usage.recorded' });
    const headers = { 'x-bus-accepted-at': Date.parse('2026-11-28T09:00:01.000Z'), 'x-bus-routes': JSON.stringify({ billing: 'to-billing' }) };
    const retried = { ...headers, 'x-bus-first-failed-at': '2026-11-28T09:00:02.000Z' };
    beforeEach(() => {
      sut = make({ settings: () => ({ enabled: true, maxRawBytes: 1024, levels }), businessKeys: () => ({ 'customer.*': ['payload.name'] }) });
    });

    it('should record no accepted message of the type, but an unrouted one and other types', async () => {
      sut.received(envelope('m1'), undefined, [{ route: 'r1', destination: 'billing' }], 'accepted');
      sut.received(envelope('m2'), undefined, [], 'unrouted');
      sut.received(usage('m3'), undefined, [{ route: 'r1', destination: 'billing' }], 'accepted');
      await sut.flush();
      expect(ids(store.calls.flat())).toEqual(['m2:message', 'm3:message']);
    });

    it('should record no step of a copy that never failed', async () => {
      sut.step(envelope('m1'), headers, { kind: 'delivered', destination: 'billing', attempt: 1, statusCode: 201 });
      sut.step(envelope('m1'), headers, { kind: 'duplicate-skipped', destination: 'billing', attempt: 1 });
      expect(sut.buffered).toBe(0);
    });

    it('should record a failure with the message, and every later step of that copy', async () => {
      sut.step(envelope('m1'), headers, { kind: 'attempt', destination: 'billing', attempt: 1, outcome: 'failed', statusCode: 503 });
      sut.step(envelope('m1'), headers, { kind: 'delivered', destination: 'billing', attempt: 2, statusCode: 201 });
      sut.step(envelope('m2'), retried, { kind: 'delivered', destination: 'billing', attempt: 1, statusCode: 201 });
      await sut.flush();
      const written = store.calls.flat();
      expect(ids(written)).toEqual(['m1:message', 'm1:attempt', 'm1:delivered', 'm2:delivered']);
      expect(written[0]).toMatchObject({
        message: {
          id: 'm1', initialStatus: 'accepted', receivedAt: '2026-11-28T09:00:01.000Z', routes: [{ route: 'to-billing', destination: 'billing' }],
          canonicalJson: JSON.stringify(envelope('m1')), businessKeys: ['Acme'],
        },
      });
      expect(written[0].kind === 'message' && written[0].message.rawNative).toBeUndefined();
    });

    it('should date the message by the time in its id, so each failure record of it says the same', async () => {
      const id = timeOrderedId(Date.parse('2026-11-28T08:59:59.123Z'));
      sut.step(envelope(id), headers, { kind: 'attempt', destination: 'billing', attempt: 1, outcome: 'failed' });
      sut.step(envelope(id), { ...retried, 'x-bus-accepted-at': undefined }, { kind: 'dead-lettered', destination: 'billing', attempt: 2 });
      await sut.flush();
      const dates = store.calls.flat().flatMap((e) => (e.kind === 'message' ? [e.message.receivedAt] : []));
      expect(dates).toEqual(['2026-11-28T08:59:59.123Z', '2026-11-28T08:59:59.123Z']);
    });

    it('should record a scheduled retry and a dead letter with the message', async () => {
      sut.step(envelope('m1'), retried, { kind: 'retry-scheduled', destination: 'billing', attempt: 3 });
      sut.step(envelope('m2'), retried, { kind: 'dead-lettered', destination: 'billing', attempt: 4 });
      await sut.flush();
      expect(ids(store.calls.flat())).toEqual(['m1:message', 'm1:retry-scheduled', 'm2:message', 'm2:dead-lettered']);
    });

    it('should record every step of a type kept in full', async () => {
      sut.step(usage('m1'), headers, { kind: 'delivered', destination: 'billing', attempt: 1 });
      await sut.flush();
      expect(ids(store.calls.flat())).toEqual(['m1:delivered']);
    });

    it('should record an unanswered query only', async () => {
      sut.query(envelope('q1'), 'billing', 'answered');
      sut.query(envelope('q2'), 'billing', 'timeout', 'no answer in 5000 ms');
      await sut.flush();
      expect(ids(store.calls.flat())).toEqual(['q2:message', 'q2:query']);
    });
  });

  describe('with the embedded store', () => {
    let real: SqliteStore;
    beforeEach(() => {
      real = new SqliteStore({ filename: ':memory:', purgeIntervalMs: 0 });
    });
    afterEach(async () => {
      await sut.close();
      await real.close();
    });

    it('should give a fanned-out message its whole history', async () => {
      sut = new Journal(real, { logger, settings: () => ({ enabled: true, maxRawBytes: 8 }) });
      const native = { body: Buffer.from('{"Name":"Acme GmbH"}'), contentType: 'application/json' };
      sut.received(envelope('m1'), native, [{ route: 'r1', destination: 'billing' }, { route: 'r2', destination: 'archive' }], 'accepted');
      sut.hop('m1', { kind: 'attempt', destination: 'billing', attempt: 1, outcome: 'failed', statusCode: 503 });
      sut.hop('m1', { kind: 'delivered', destination: 'billing', attempt: 2, statusCode: 201 });
      sut.hop('m1', { kind: 'delivered', destination: 'archive', attempt: 1 });
      await sut.flush();
      const history = await real.getMessage('m1');
      expect(history?.message).toMatchObject({
        status: 'delivered',
        correlationId: 'corr-m1',
        rawNative: { contentType: 'application/json', encoding: 'utf8', data: '{"Name":', bytes: 20, truncated: true },
        canonical: envelope('m1'),
        destinations: { billing: { status: 'delivered', attempts: 2 }, archive: { status: 'delivered', attempts: 1 } },
      });
      expect(history?.hops.map((h) => h.kind)).toEqual(['received', 'routed', 'attempt', 'delivered', 'delivered']);
    });

    it('should give a message at level failures the history of the destination where it failed, to its end', async () => {
      sut = new Journal(real, { logger, settings: () => ({ enabled: true, maxRawBytes: 8, levels: { 'customer.#': 'failures' } }) });
      const headers = { 'x-bus-accepted-at': Date.parse('2026-11-28T09:00:01.000Z'), 'x-bus-routes': JSON.stringify({ billing: 'r1', archive: 'r2' }) };
      const routes = [{ route: 'r1', destination: 'billing' }, { route: 'r2', destination: 'archive' }];
      for (const id of ['ok', 'failed']) sut.received(envelope(id), undefined, routes, 'accepted');
      sut.step(envelope('ok'), headers, { kind: 'delivered', destination: 'billing', attempt: 1 });
      sut.step(envelope('failed'), headers, { kind: 'delivered', destination: 'archive', attempt: 1 });
      sut.step(envelope('failed'), headers, { kind: 'attempt', destination: 'billing', attempt: 1, outcome: 'failed', statusCode: 503 });
      await sut.flush();
      const retry = { ...headers, 'x-bus-first-failed-at': '2026-11-28T09:00:02.000Z' };
      sut.step(envelope('failed'), retry, { kind: 'retry-scheduled', destination: 'billing', attempt: 3 });
      await sut.flush();
      expect((await real.getMessage('failed'))?.message.destinations).toEqual({ billing: { status: 'retrying', attempts: 1 } });
      sut.step(envelope('failed'), retry, { kind: 'delivered', destination: 'billing', attempt: 4, statusCode: 201 });
      await sut.flush();
      expect(await real.getMessage('ok')).toBeNull();
      const history = await real.getMessage('failed');
      expect(history?.message).toMatchObject({ status: 'delivered', canonical: envelope('failed'), destinations: { billing: { status: 'delivered', attempts: 4 } } });
      expect(Object.keys(history!.message.destinations)).toEqual(['billing']);
      expect(history?.hops.map((h) => h.kind)).toEqual(['received', 'routed', 'attempt', 'retry-scheduled', 'delivered']);
    });

    it('should journal a query with its outcome', async () => {
      sut = new Journal(real, { logger });
      sut.query(envelope('q1'), 'billing', 'timeout', 'no answer in 5000 ms');
      await sut.flush();
      const history = await real.getMessage('q1');
      expect(history?.message.status).toBe('dead');
      expect(history?.hops.at(-1)).toMatchObject({ kind: 'query', destination: 'billing', outcome: 'timeout', error: 'no answer in 5000 ms' });
    });
  });
});

describe(captureRaw.name, () => {
  it.each([
    ['application/json', 'utf8'],
    ['application/xml; charset=utf-8', 'utf8'],
    ['text/csv', 'utf8'],
    ['application/vnd.billing+xml', 'utf8'],
    ['application/pdf', 'base64'],
    ['application/octet-stream', 'base64'],
  ])('should keep %s as %s', (contentType, encoding) => {
    const raw = captureRaw({ body: Buffer.from('abc'), contentType }, 10);
    expect(raw).toEqual({ contentType, encoding, data: encoding === 'utf8' ? 'abc' : 'YWJj', bytes: 3, truncated: false });
  });

  it('should keep nothing when the limit is 0', () => {
    expect(captureRaw({ body: Buffer.from('abc'), contentType: 'text/plain' }, 0)).toBeUndefined();
  });
});
