import { MappingError, PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';
import { validateAdapterConfig } from '../adapter-config.validator';
import type { NativeMessage, RequestContext, SendContext } from '../adapter';
import { closedPort, startHttpTestServer, type HttpTestServer, type TestHandler } from '../testing/http-test-server';
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
const sendCtx: SendContext = { idempotencyKey: 'msg-1:billing', messageId: 'msg-1', correlationId: 'corr-1', type: 'customer.updated' };
const requestCtx = (type: string, deadlineInMs = 5000): RequestContext => ({
  messageId: 'q-1',
  correlationId: 'corr-q',
  type,
  deadline: Date.now() + deadlineInMs,
});

describe(HttpInstance.name, () => {
  let running: HttpTestServer | undefined;
  let instance: HttpInstance | undefined;
  const make = async (handler: TestHandler, settings: object = {}) => {
    const server = (running = await startHttpTestServer(handler));
    const sut = (instance = new HttpInstance(outbound({ url: `${server.url}/api`, ...settings }), new HttpClient(), { instanceName: 'billing' }));
    return { server, sut };
  };
  afterEach(async () => {
    await instance?.close();
    await running?.close();
    instance = running = undefined;
  });

  it('should POST the native body with Idempotency-Key, message and correlation ids and content type', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(201, { Location: '/api/customers/K-9' }).end(), {
      paths: { 'customer.updated': '/customers' },
      headers: { Authorization: 'Bearer t0k3n' },
    });
    const receipt = await sut.send({ body: Buffer.from('<kunde/>'), contentType: 'application/xml' }, sendCtx);
    const received = await server.nextRequest();
    expect(receipt).toMatchObject({ status: 201, nativeId: 'K-9' });
    expect(received.method).toBe('POST');
    expect(received.url).toBe('/api/customers');
    expect(received.body.toString()).toBe('<kunde/>');
    expect(received.headers).toMatchObject({
      'idempotency-key': 'msg-1:billing',
      'x-message-id': 'msg-1',
      'x-correlation-id': 'corr-1',
      'content-type': 'application/xml',
      authorization: 'Bearer t0k3n',
    });
  });

  it('should use the configured method and the bare url for types without a path', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(204).end(), { method: 'PUT' });
    await sut.send(json({ a: 1 }), { ...sendCtx, type: 'other.type' });
    expect(await server.nextRequest()).toMatchObject({ method: 'PUT', url: '/api' });
  });

  it('should fill send path placeholders from the encoded value, dotted paths included, per message', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(201).end(), { paths: { 'usage.priced': '/accounts/{Usage.AccountNo}/usage' } });
    const xml = (accountNo: string): NativeMessage => ({ body: Buffer.from('<Usage/>'), contentType: 'application/xml', value: { Usage: { AccountNo: accountNo } } });

    await sut.send(xml('B-10001'), { ...sendCtx, type: 'usage.priced' });
    await sut.send(xml('B 7/2'), { ...sendCtx, type: 'usage.priced' });

    expect(server.requests.map((r) => r.url)).toEqual(['/api/accounts/B-10001/usage', '/api/accounts/B%207%2F2/usage']);
  });

  it('should throw a MappingError naming the field when a send path placeholder has no value, and send nothing', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(201).end(), { paths: { 'usage.priced': '/accounts/{Usage.AccountNo}/usage' } });
    const send = sut.send({ body: Buffer.from('<Usage/>'), contentType: 'application/xml', value: { Usage: {} } }, { ...sendCtx, type: 'usage.priced' });

    await expect(send).rejects.toThrow(MappingError);
    await expect(send).rejects.toMatchObject({ retryable: false, location: 'Usage.AccountNo', message: expect.stringContaining('needs Usage.AccountNo') });
    expect(server.requests).toHaveLength(0);
  });

  it('should fill GET query placeholders from the request fields and put the other scalars in the query string', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"von":"2026-10-01"}'), {
      queries: { 'billing-period.get': { method: 'GET', path: '/customers/{kunde}/periods' } },
    });
    const msg = { ...json(null), value: { kunde: 'K 1/2', monat: '2026-10', tags: ['a', 'b'], nested: { x: 1 } } };
    const receipt = await sut.request(msg, requestCtx('billing-period.get'));
    const received = await server.nextRequest();
    expect(received.method).toBe('GET');
    expect(received.url).toBe('/api/customers/K%201%2F2/periods?monat=2026-10&tags=a&tags=b');
    expect(received.headers).toMatchObject({ accept: 'application/json', 'x-correlation-id': 'corr-q' });
    expect(received.body.length).toBe(0);
    expect(receipt).toMatchObject({ status: 200, contentType: 'application/json', body: Buffer.from('{"von":"2026-10-01"}') });
  });

  it('should read GET query fields from a JSON body when no value is passed along', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(200).end('{}'), { queries: { 'q.get': { method: 'GET', path: '/q/{id}' } } });
    await sut.request(json({ id: 7, full: true }), requestCtx('q.get'));
    expect((await server.nextRequest()).url).toBe('/api/q/7?full=true');
  });

  it('should throw a MappingError when a GET placeholder has no field', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(200).end(), { queries: { 'q.get': { method: 'GET', path: '/q/{id}' } } });
    await expect(sut.request(json({ other: 1 }), requestCtx('q.get'))).rejects.toThrow(MappingError);
    expect(server.requests).toHaveLength(0);
  });

  it('should POST a query with its encoded body', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(200).end('<ok/>'), { queries: { 'invoice.find': { method: 'POST', path: '/search' } } });
    await sut.request({ body: Buffer.from('<q/>'), contentType: 'application/xml' }, requestCtx('invoice.find'));
    expect(await server.nextRequest()).toMatchObject({ method: 'POST', url: '/api/search', body: Buffer.from('<q/>') });
  });

  it('should classify a failing query answer like a delivery', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(503).end(), { queries: { 'q.get': { method: 'GET', path: '/q' } } });
    await expect(sut.request(json({}), requestCtx('q.get'))).rejects.toBeInstanceOf(TransientDeliveryError);
  });

  it('should refuse a query type it has no settings for', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(200).end());
    await expect(sut.request(json({}), requestCtx('nope.get'))).rejects.toThrow(/outbound\.queries\["nope\.get"\]/);
  });

  it('should not call when the query deadline has already passed', async () => {
    const { server, sut } = await make((_r, res) => res.writeHead(200).end(), { queries: { 'q.get': { method: 'GET', path: '/q' } } });
    await expect(sut.request(json({}), requestCtx('q.get', -1))).rejects.toBeInstanceOf(TransientDeliveryError);
    expect(server.requests).toHaveLength(0);
  });

  it('should report down, naming the address, when nothing listens', async () => {
    const port = await closedPort();
    const sut = (instance = new HttpInstance(outbound({ url: `http://127.0.0.1:${port}` }), new HttpClient(), { instanceName: 'billing' }));
    await expect(sut.checkHealth()).resolves.toEqual({ status: 'down', detail: expect.stringContaining(`127.0.0.1:${port}`) });
  });

  it('should refuse to send for an inbound-only system, naming the setting to add', async () => {
    const sut = (instance = new HttpInstance(undefined, new HttpClient(), { instanceName: 'sales' }));
    await expect(sut.send(json({}), sendCtx)).rejects.toThrow(PermanentDeliveryError);
    await expect(sut.send(json({}), sendCtx)).rejects.toThrow(/systems\.sales\.outbound\.url/);
    await expect(sut.checkHealth()).resolves.toMatchObject({ status: 'up' });
  });
});
