import * as http from 'node:http';
import { CountingDestination } from './counting-destination';
import { Sender } from './sender';

const post = (url: string, key: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'idempotency-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status);

describe(CountingDestination.name, () => {
  let sut: CountingDestination;

  beforeEach(async () => {
    sut = await CountingDestination.start();
  });

  afterEach(() => sut.close());

  it('should count a key answered 2xx again as a repeat, answer it 2xx and keep one effect', async () => {
    expect(await post(sut.url, 'k1', { customerId: 'C-1' })).toBe(201);
    expect(await post(sut.url, 'k1', { customerId: 'C-1' })).toBe(201);

    expect(sut.seen('k1')).toBe(2);
    expect(sut.repeats()).toHaveLength(1);
    expect(sut.keysSeenMoreThanOnce()).toEqual(['k1']);
    expect(sut.effectsByBusinessId()).toEqual(new Map([['C-1', ['k1']]]));
  });

  it('should count one business id under two keys as two effects', async () => {
    await post(sut.url, 'k1', { customerId: 'C-1' });
    await post(sut.url, 'k2', { customerId: 'C-1' });

    expect(sut.effectsByBusinessId().get('C-1')).toEqual(['k1', 'k2']);
    expect(sut.repeats()).toHaveLength(0);
  });

  it('should count each record of a batch by the key in it, a record seen before as a repeat', async () => {
    const batch = (records: unknown[]) =>
      fetch(sut.url, { method: 'POST', headers: { 'x-batch-records': String(records.length), 'content-type': 'application/json' }, body: JSON.stringify(records) }).then((r) => r.status);
    expect(await batch([{ customerId: 'C-1', idempotencyKey: 'k1' }, { customerId: 'C-2', idempotencyKey: 'k2' }])).toBe(201);
    expect(await batch([{ customerId: 'C-2', idempotencyKey: 'k2' }, { customerId: 'C-3', idempotencyKey: 'k3' }])).toBe(201);

    expect(sut.effectsByBusinessId()).toEqual(new Map([['C-1', ['k1']], ['C-2', ['k2']], ['C-3', ['k3']]]));
    expect(sut.repeats().map((r) => r.key)).toEqual(['k2']);
    expect(sut.batches).toEqual({ calls: 2, records: 4 });
  });

  it('should answer a batch with 207 and a result per record by key, when told to', async () => {
    const multi = await CountingDestination.start({ multiStatus: true });
    try {
      const res = await fetch(multi.url, { method: 'POST', headers: { 'x-batch-records': '2', 'content-type': 'application/json' }, body: JSON.stringify([{ customerId: 'C-1', idempotencyKey: 'k1' }, { customerId: 'C-2', idempotencyKey: 'k2' }]) });

      expect(res.status).toBe(207);
      expect(await res.json()).toEqual([{ idempotencyKey: 'k1', status: 201 }, { idempotencyKey: 'k2', status: 201 }]);
      expect(multi.effectCount()).toBe(2);
    } finally {
      await multi.close();
    }
  });

  it('should answer 500 without an effect while failing', async () => {
    await sut.failing();

    expect(await post(sut.url, 'k1', { customerId: 'C-1' })).toBe(500);
    expect(sut.effectCount()).toBe(0);
  });

  it('should refuse connections while down and take them again on the same port when up', async () => {
    const url = sut.url;
    await sut.down();

    await expect(post(url, 'k1', { customerId: 'C-1' })).rejects.toThrow();
    await sut.up();
    expect(sut.url).toBe(url);
    expect(await post(url, 'k1', { customerId: 'C-1' })).toBe(201);
  });
});

describe(Sender.name, () => {
  it('should send again with the same key after a 503 and a refused connection until accepted', async () => {
    const keys: string[] = [];
    const answers = [503, 202];
    const bus = http.createServer((req, res) => {
      keys.push(String(req.headers['idempotency-key']));
      req.resume();
      const status = answers.shift() ?? 202;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ messageId: 'm-1' }));
    });
    await new Promise<void>((resolve) => bus.listen(0, '127.0.0.1', resolve));
    const live = `http://127.0.0.1:${(bus.address() as { port: number }).port}`;
    // First URL refuses (nothing listens on port 1); the retry goes to the next.
    const sut = new Sender({ urls: () => ['http://127.0.0.1:1', live], path: '/in', headers: {} });
    try {
      const report = await sut.send([{ key: 'k1', businessId: 'C-1', body: {} }]);

      expect(report.accepted).toEqual(new Map([['k1', 'm-1']]));
      expect(keys).toEqual(['k1', 'k1']);
      expect(report.retries.get('ECONNREFUSED')).toBeGreaterThanOrEqual(1);
      expect(report.retries.get('503')).toBe(1);
    } finally {
      sut.stop();
      bus.closeAllConnections();
      await new Promise((resolve) => bus.close(resolve));
    }
  });
});
