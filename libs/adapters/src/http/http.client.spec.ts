import { ErrorCodes } from '@bus/canonical-model';
import { PermanentDeliveryError, TransientDeliveryError } from '../adapter.errors';
import { closedPort, startHttpTestServer, type HttpTestServer, type TestHandler } from '../testing/http-test-server';
import { HttpClient, MAX_RESPONSE_BYTES, MAX_SOCKETS, type HttpCall } from './http.client';

describe(HttpClient.name, () => {
  let sut: HttpClient;
  let server: HttpTestServer | undefined;

  const serve = async (handler: TestHandler) => (server = await startHttpTestServer(handler));
  const post = (url: string, overrides: Partial<HttpCall> = {}): HttpCall => ({
    method: 'POST',
    url: new URL(url),
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'msg-1:billing' },
    body: Buffer.from('{"a":1}'),
    timeoutMs: 5000,
    ...overrides,
  });
  const failure = async (call: HttpCall) => {
    try {
      await sut.call(call);
    } catch (e) {
      return e as Error & { status?: number; code: string };
    }
    throw new Error('expected the call to fail');
  };

  beforeEach(() => {
    sut = new HttpClient();
  });
  afterEach(async () => {
    sut.close();
    await server?.close();
    server = undefined;
  });

  it('should return a receipt with status, body, content type and the id from Location on 2xx', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(201, { 'Content-Type': 'application/json', Location: '/api/customers/K-100%2F7?x=1' }).end('{"ok":true}');
    });
    const receipt = await sut.call(post(`${url}/api/customers`));
    expect(receipt).toEqual({ status: 201, body: Buffer.from('{"ok":true}'), contentType: 'application/json', nativeId: 'K-100/7' });
  });

  it('should prefer the X-Resource-Id header as the native id', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'X-Resource-Id': '4711', Location: '/other/1' }).end();
    });
    await expect(sut.call(post(url))).resolves.toMatchObject({ status: 200, nativeId: '4711' });
  });

  it('should take the first value of a header sent twice', async () => {
    const { url } = await serve((_req, res) => {
      res.setHeader('X-Resource-Id', ['4711', '4712']);
      res.writeHead(201).end();
    });
    await expect(sut.call(post(url))).resolves.toMatchObject({ status: 201, nativeId: '4711' });
  });

  it('should send the method, headers and body it was given', async () => {
    const { url, nextRequest } = await serve((_req, res) => res.writeHead(204).end());
    await sut.call(post(`${url}/in`, { method: 'PUT' }));
    const received = await nextRequest();
    expect(received.method).toBe('PUT');
    expect(received.url).toBe('/in');
    expect(received.headers['idempotency-key']).toBe('msg-1:billing');
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.headers['content-length']).toBe('7');
    expect(received.body.toString()).toBe('{"a":1}');
  });

  it.each([500, 503, 429, 408])('should throw a TransientDeliveryError naming the URL and status on %i', async (status) => {
    const { url } = await serve((_req, res) => res.writeHead(status).end('busy'));
    const error = await failure(post(`${url}/x?token=secret`));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.code).toBe(ErrorCodes.DELIVERY_TRANSIENT);
    expect(error.status).toBe(status);
    expect(error.message).toContain(`${url}/x`);
    expect(error.message).toContain(String(status));
    expect(error.message).not.toContain('secret');
  });

  it.each([400, 404, 409, 422])('should throw a PermanentDeliveryError with the start of the answer on %i', async (status) => {
    const { url } = await serve((_req, res) => res.writeHead(status).end(`{"error":"customer number ${'x'.repeat(500)}"}`));
    const error = await failure(post(url));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.code).toBe(ErrorCodes.DELIVERY_REJECTED);
    expect(error.status).toBe(status);
    expect(error.message).toContain('{"error":"customer number');
    expect(error.message.length).toBeLessThan(400);
  });

  it('should throw a TransientDeliveryError when the destination does not answer in time', async () => {
    const { url } = await serve(() => undefined); // never answers
    const error = await failure(post(url, { timeoutMs: 50 }));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toMatch(/timed out after 50 ms/);
  });

  it('should time out a call still waiting for a free connection, without waiting for one', async () => {
    const { url } = await serve(() => undefined); // holds every connection
    let settled = 0;
    const holding = Array.from({ length: MAX_SOCKETS }, () => sut.call(post(url, { timeoutMs: 60_000 })).catch(() => undefined).finally(() => settled++));
    const error = await failure(post(url, { timeoutMs: 50 }));
    expect(error.message).toMatch(/timed out after 50 ms/);
    expect(settled).toBe(0);
    sut.close();
    await Promise.all(holding);
  });

  it('should throw a TransientDeliveryError when the connection is refused', async () => {
    const port = await closedPort();
    const error = await failure(post(`http://127.0.0.1:${port}/in`));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain(`127.0.0.1:${port}/in`);
  });

  it('should throw a TransientDeliveryError when the connection drops mid-answer', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('partial');
      setImmediate(() => res.socket?.destroy());
    });
    await expect(sut.call(post(url))).rejects.toBeInstanceOf(TransientDeliveryError);
  });

  it('should reuse keep-alive connections for consecutive calls', async () => {
    const srv = await serve((_req, res) => res.writeHead(204).end());
    for (let i = 0; i < 6; i++) await sut.call(post(srv.url));
    expect(srv.requests).toHaveLength(6);
    // undici hands a call back before it marks its connection free, so a call made at once may open a second one.
    expect(srv.connections()).toBeLessThanOrEqual(2);
  });

  it('should send a call once more on a fresh connection when its connection closes before any answer', async () => {
    let attempts = 0;
    const srv = await serve((_req, res) => (++attempts === 2 ? res.socket?.destroy() : res.writeHead(204).end()));
    await sut.call(post(srv.url));
    await expect(sut.call(post(srv.url))).resolves.toMatchObject({ status: 204 });
    expect(srv.requests.map((r) => r.headers['idempotency-key'])).toEqual(['msg-1:billing', 'msg-1:billing', 'msg-1:billing']);
  });

  it('should not send a call again when its connection closes after the answer began', async () => {
    let attempts = 0;
    const srv = await serve((_req, res) => {
      attempts++;
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('partial');
      setImmediate(() => res.socket?.destroy());
    });
    await expect(sut.call(post(srv.url))).rejects.toBeInstanceOf(TransientDeliveryError);
    expect(attempts).toBe(1);
  });

  it('should send the credentials of the URL as basic authorization', async () => {
    const { url, nextRequest } = await serve((_req, res) => res.writeHead(204).end());
    await sut.call(post(url.replace('http://', 'http://bill%40ing:s3cr%3At@')));
    const received = await nextRequest();
    expect(received.headers.authorization).toBe(`Basic ${Buffer.from('bill@ing:s3cr:t').toString('base64')}`);
  });

  it('should send a header named twice in different case once, with the later value, and keep a given Authorization', async () => {
    const { url, nextRequest } = await serve((_req, res) => res.writeHead(204).end());
    const headers = { 'content-type': 'text/plain', 'Content-Type': 'application/json', Authorization: 'Bearer t0k' };
    await sut.call(post(url.replace('http://', 'http://user:pw@'), { headers }));
    const received = await nextRequest();
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.headers.authorization).toBe('Bearer t0k');
  });

  it('should refuse an answer over 32 MiB as permanent', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      const chunks = MAX_RESPONSE_BYTES / chunk.length + 8;
      let sent = 0;
      const more = () => {
        while (sent < chunks && res.write(chunk)) sent++;
        if (sent < chunks) res.once('drain', more);
        else res.end();
      };
      more();
    });
    const error = await failure(post(url));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error.message).toContain(`more than ${MAX_RESPONSE_BYTES} bytes`);
  });

  it('should report up for a listening destination and down with the reason for a closed port', async () => {
    const { url } = await serve((_req, res) => res.writeHead(204).end());
    await expect(sut.probe(new URL(url), 1000)).resolves.toEqual({ status: 'up' });
    const port = await closedPort();
    const health = await sut.probe(new URL(`http://127.0.0.1:${port}`), 1000);
    expect(health.status).toBe('down');
    expect(health.detail).toContain(`127.0.0.1:${port}`);
  });

  it('should allow close to be called twice', () => {
    sut.close();
    expect(() => sut.close()).not.toThrow();
  });
});
