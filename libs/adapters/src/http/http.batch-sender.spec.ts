import { MappingError, PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';
import { validateAdapterConfig } from '../adapter-config.validator';
import type { NativeMessage, SendContext } from '../adapter';
import { startHttpTestServer, type HttpTestServer, type RecordedRequest, type TestHandler } from '../testing/http-test-server';
import { httpAdapter } from './http.adapter';
import { HttpClient } from './http.client';
import type { HttpOutboundConfig } from './http.config';
import { HttpInstance } from './http.instance';

const outbound = (plain: object): HttpOutboundConfig => {
  const { value, errors } = validateAdapterConfig(httpAdapter, 'outbound', plain);
  if (errors.length) throw new Error(JSON.stringify(errors));
  return value as HttpOutboundConfig;
};
const json = (value: unknown): NativeMessage => ({ body: Buffer.from(JSON.stringify(value)), contentType: 'application/json' });
const ctx = (n: number, type = 'usage.priced'): SendContext => ({ idempotencyKey: `m-${n}:billing`, messageId: `m-${n}`, correlationId: `c-${n}`, type });
const records = (req: RecordedRequest) => JSON.parse(req.body.toString()) as Array<Record<string, unknown>>;

describe('HttpInstance with outbound.batches', () => {
  let running: HttpTestServer | undefined;
  let instance: HttpInstance | undefined;
  const make = async (handler: TestHandler, batch: object = {}) => {
    const server = (running = await startHttpTestServer(handler));
    const settings = { url: `${server.url}/api`, batches: { 'usage.priced': { path: '/usage/batch', ...batch } } };
    return { server, sut: (instance = new HttpInstance(outbound(settings), new HttpClient(), { instanceName: 'billing' })) };
  };
  afterEach(async () => {
    await instance?.close();
    await running?.close();
    instance = running = undefined;
  });

  it('should send the records of one turn as one JSON array, each with its own key', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(200).end());
    const receipts = await Promise.all([1, 2, 3].map((n) => sut.send(json({ usageId: `U-${n}`, minutes: n }), ctx(n))));
    expect(receipts.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req.url).toBe('/api/usage/batch');
    expect(req.headers).toMatchObject({ 'content-type': 'application/json', 'x-batch-records': '3' });
    expect(req.headers['idempotency-key']).toBeUndefined();
    expect(records(req)).toEqual([1, 2, 3].map((n) => ({ usageId: `U-${n}`, minutes: n, idempotencyKey: `m-${n}:billing` })));
  });

  it('should cut batches at maxRecords and use the configured key field, over a field of the same name', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(202).end(), { maxRecords: 2, keyField: 'key' });
    await Promise.all([1, 2, 3, 4, 5].map((n) => sut.send(json({ n, key: 'from-the-mapping' }), ctx(n))));
    expect(server.requests.map((r) => records(r).map((x) => x.key))).toEqual([['m-1:billing', 'm-2:billing'], ['m-3:billing', 'm-4:billing'], ['m-5:billing']]);
  });

  it('should send an empty object and pretty-printed JSON with the key added', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(200).end());
    await Promise.all([
      sut.send(json({}), ctx(1)),
      sut.send({ body: Buffer.from('{\n  "a": 1\n}\n'), contentType: 'application/json; charset=utf-8' }, ctx(2)),
    ]);
    expect(records(server.requests[0])).toEqual([{ idempotencyKey: 'm-1:billing' }, { a: 1, idempotencyKey: 'm-2:billing' }]);
  });

  it('should dead-letter only the record the destination refuses, delivering the rest of its batch', async () => {
    const { server, sut } = await make((req, res) => {
      const bad = records(req).some((r) => r.usageId === 'U-3');
      res.writeHead(bad ? 422 : 200).end(bad ? 'usage U-3: unknown account' : '');
    });
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5, 6, 7, 8].map((n) => sut.send(json({ usageId: `U-${n}` }), ctx(n))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const refused = (outcomes[2] as PromiseRejectedResult).reason;
    expect(refused).toBeInstanceOf(PermanentDeliveryError);
    expect(refused.message).toContain('usage U-3: unknown account');
    // Halving: 8 -> 4+4 -> 2+2 -> 1+1; every good record arrives in exactly one accepted call.
    expect(server.requests).toHaveLength(7);
    const accepted = server.requests.filter((r) => !records(r).some((x) => x.usageId === 'U-3')).flatMap((r) => records(r).map((x) => x.usageId));
    expect(accepted.sort()).toEqual(['U-1', 'U-2', 'U-4', 'U-5', 'U-6', 'U-7', 'U-8']);
  });

  describe('a 207 Multi-Status answer', () => {
    const multiStatus = (results: (recs: Array<Record<string, unknown>>) => unknown[]): TestHandler => (req, res) =>
      res.writeHead(207, { 'content-type': 'application/json' }).end(JSON.stringify(results(records(req))));

    it('should settle each record by its own result, in one call: delivered with its id, retried, or refused', async () => {
      const { server, sut } = await make(multiStatus((recs) => recs.map((r) =>
        r.usageId === 'U-2' ? { status: 422, error: { code: 'UNKNOWN_ACCOUNT', account: 'A-9' } } : r.usageId === 'U-3' ? { status: 503, error: 'locked' } : { status: 201, id: `B-${String(r.usageId)}` })));
      const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => sut.send(json({ usageId: `U-${n}` }), ctx(n))));
      expect(server.requests).toHaveLength(1);
      expect(outcomes[0]).toEqual({ status: 'fulfilled', value: { status: 201, nativeId: 'B-U-1' } });
      expect(outcomes[3]).toEqual({ status: 'fulfilled', value: { status: 201, nativeId: 'B-U-4' } });
      const refused = (outcomes[1] as PromiseRejectedResult).reason;
      expect(refused).toBeInstanceOf(PermanentDeliveryError);
      expect(refused.message).toBe('System billing, usage.priced: the bulk endpoint answered 422 for record m-2:billing: {"code":"UNKNOWN_ACCOUNT","account":"A-9"}');
      const retried = (outcomes[2] as PromiseRejectedResult).reason;
      expect(retried).toBeInstanceOf(TransientDeliveryError);
      expect(retried.message).toBe('System billing, usage.priced: the bulk endpoint answered 503 for record m-3:billing: locked');
    });

    it('should match results by the key field when every result names it, in any order', async () => {
      const { sut } = await make(multiStatus((recs) => [...recs].reverse().map((r) => ({ idempotencyKey: r.idempotencyKey, status: r.usageId === 'U-1' ? 409 : 200 }))));
      const outcomes = await Promise.allSettled([1, 2, 3].map((n) => sut.send(json({ usageId: `U-${n}` }), ctx(n))));
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
      expect((outcomes[0] as PromiseRejectedResult).reason.message).toContain('answered 409 for record m-1:billing');
    });

    it.each([
      ['a body that is not JSON', () => 'done', 'its body is not JSON'],
      ['results without a numeric status', () => [{ ok: true }, { ok: true }], 'its body is not a JSON array of per-record results with a numeric "status"'],
      ['fewer results than records', () => [{ status: 200 }], 'it holds 1 results for 2 records'],
      ['keyed results that miss a record', () => [{ idempotencyKey: 'm-1:billing', status: 200 }, { idempotencyKey: 'other', status: 200 }], 'it holds no result for record m-2:billing (by "idempotencyKey")'],
    ])('should retry every record of a 207 with %s, saying why', async (_name, body, why) => {
      const { sut } = await make((_r, res) => res.writeHead(207).end(typeof body() === 'string' ? (body() as string) : JSON.stringify(body())));
      const outcomes = await Promise.allSettled([1, 2].map((n) => sut.send(json({ n }), ctx(n))));
      for (const o of outcomes) {
        const reason = (o as PromiseRejectedResult).reason;
        expect(reason).toBeInstanceOf(TransientDeliveryError);
        expect(reason.message).toBe(`System billing, usage.priced: the bulk endpoint answered 207 but ${why}; each record of the call is retried`);
      }
    });
  });

  it('should fail every record of a batch the destination could not take now, for the bus to retry', async () => {
    const { sut } = await make((_r, res) => res.writeHead(503).end('maintenance'));
    const outcomes = await Promise.allSettled([1, 2].map((n) => sut.send(json({ n }), ctx(n))));
    for (const o of outcomes) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(TransientDeliveryError);
  });

  it('should refuse a record that is not a JSON object with a MappingError naming the setting, and send the others', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(200).end());
    const outcomes = await Promise.allSettled([sut.send(json([1, 2]), ctx(1)), sut.send(json({ ok: true }), ctx(2))]);
    const reason = (outcomes[0] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(MappingError);
    expect(reason.message).toContain('outbound.batches');
    expect(outcomes[1].status).toBe('fulfilled');
    expect(records(server.requests[0])).toEqual([{ ok: true, idempotencyKey: 'm-2:billing' }]);
  });

  it('should send a type not in batches one message per call, as before', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(200).end());
    await sut.send(json({ id: 'K-1' }), ctx(1, 'customer.updated'));
    expect(server.requests[0]).toMatchObject({ url: '/api', headers: { 'idempotency-key': 'm-1:billing' } });
    expect(JSON.parse(server.requests[0].body.toString())).toEqual({ id: 'K-1' });
  });

  it('should refuse batches for a system whose codec is not json, naming the type', () => {
    const settings = outbound({ url: 'http://billing', batches: { 'usage.priced': { path: '/b' } } });
    expect(httpAdapter.codecProblems!(settings, 'xml')).toEqual([{ path: 'batches["usage.priced"]', message: expect.stringContaining('needs codec json') }]);
    expect(httpAdapter.codecProblems!(settings, 'json')).toEqual([]);
  });
});
