import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../common/api-error';
import { ingressHandlerFirst } from './ingress.http-handler';
import type { IngressRequest, IngressService } from './ingress.service';

describe(ingressHandlerFirst.name, () => {
  let server: Server;
  let base: string;
  const received: IngressRequest[] = [];
  const passedOn: string[] = [];
  let answer: () => Promise<unknown>;

  beforeAll(async () => {
    const ingress = { accept: (req: IngressRequest) => (received.push(req), answer()) } as unknown as IngressService;
    const next: RequestListener = (req, res) => {
      passedOn.push(`${req.method} ${req.url}`);
      res.writeHead(299).end();
    };
    server = createServer(ingressHandlerFirst(ingress, () => 16, next));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    received.length = 0;
    passedOn.length = 0;
    answer = async () => ({ messageId: 'm-1', correlationId: 'c-1', messageIds: ['m-1'], duplicate: false });
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('should hand the system, the headers and the raw body to the ingress service and answer 202 with its result', async () => {
    const res = await post('/adapters/sales%20crm/messages?trace=1', '{"a":1}', { 'x-api-key': 'k', 'idempotency-key': 'i-1', 'x-correlation-id': 'c-1' });
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ messageId: 'm-1', correlationId: 'c-1', messageIds: ['m-1'], duplicate: false });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ system: 'sales crm', apiKey: 'k', idempotencyKey: 'i-1', correlationId: 'c-1', contentType: 'application/json' });
    expect(received[0].body.toString()).toBe('{"a":1}');
    expect(passedOn).toEqual([]);
  });

  it("should answer a refusal with the error's body, and a 503 with its Retry-After", async () => {
    answer = () => Promise.reject(new ApiError(503, 'BROKER.UNAVAILABLE', 'RabbitMQ is not connected', undefined, 2));
    const res = await post('/adapters/crm/messages', '{}');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toEqual({ statusCode: 503, code: 'BROKER.UNAVAILABLE', message: 'RabbitMQ is not connected' });
  });

  it('should refuse a body over the limit with 413 naming the setting, without calling the service', async () => {
    const res = await post('/adapters/crm/messages', 'x'.repeat(17));
    expect(res.status).toBe(413);
    expect((await res.json()).message).toContain('ingress.bodyLimit');
    expect(received).toEqual([]);
  });

  it('should answer 500 and keep serving when the service fails with an unexpected error', async () => {
    answer = () => Promise.reject(new TypeError('boom'));
    const res = await post('/adapters/crm/messages', '{}');
    expect(res.status).toBe(500);
    expect((await post('/adapters/crm/messages', '{}')).status).toBe(500);
  });

  it('should pass every other request on to the application', async () => {
    await fetch(`${base}/adapters/crm/messages`);
    await post('/adapters/crm/queries/billing-period', '{}');
    await post('/adapters/crm/messages/extra', '{}');
    await post('/admin/config/reload', '{}');
    expect(passedOn).toEqual(['GET /adapters/crm/messages', 'POST /adapters/crm/queries/billing-period', 'POST /adapters/crm/messages/extra', 'POST /admin/config/reload']);
    expect(received).toEqual([]);
  });
});
