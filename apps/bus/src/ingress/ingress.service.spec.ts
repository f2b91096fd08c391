import { ErrorCodes } from '@bus/canonical-model';
import { ApiError } from '../common/api-error';
import { InboundRejection } from '../inbound/inbound-rejection';
import { BrokerUnavailableError } from '../messaging/messaging.errors';
import { IngressService } from './ingress.service';

describe(IngressService.name, () => {
  let failure: unknown;
  let sut: IngressService;

  beforeEach(() => {
    failure = undefined;
    const crm = { name: 'crm', inbound: { apiKey: 'k' }, codec: { contentTypes: ['application/json'] } };
    const config = { active: () => ({ systems: new Map([['crm', crm]]) }) };
    const pipeline = {
      receive: async () => {
        if (failure) throw failure;
        return { messageId: 'm1', correlationId: 'c1', messageIds: ['m1'], duplicate: false };
      },
    };
    sut = new IngressService(config as never, pipeline as never);
    jest.spyOn((sut as unknown as { logger: { error: () => void } }).logger, 'error').mockImplementation(() => undefined);
  });

  const accept = () => sut.accept({ system: 'crm', apiKey: 'k', contentType: 'application/json', idempotencyKey: 'order-1', body: Buffer.from('{}') });

  it('should answer a confirm lost with the connection with 503, Retry-After and the advice to retry with the same key', async () => {
    failure = new BrokerUnavailableError('RabbitMQ did not confirm message m1: connection closed');
    const err = (await accept().catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.getStatus()).toBe(503);
    expect(err.retryAfterSeconds).toBeGreaterThan(0);
    expect(err.getResponse()).toMatchObject({ code: ErrorCodes.BROKER_UNAVAILABLE, message: expect.stringMatching(/same Idempotency-Key/) });
  });

  it('should answer any other failure to accept with 503 too, never a 500 the sender cannot act on', async () => {
    failure = new Error('SQLITE_BUSY: database is locked');
    const err = (await accept().catch((e: unknown) => e)) as ApiError;
    expect(err.getStatus()).toBe(503);
    expect(err.retryAfterSeconds).toBeGreaterThan(0);
    expect(err.getResponse()).toMatchObject({ code: ErrorCodes.INGRESS_NOT_CONFIRMED, message: expect.stringMatching(/"crm".*SQLITE_BUSY/) });
  });

  it('should answer a refused input with 400, not with a retry', async () => {
    failure = new InboundRejection(ErrorCodes.CODEC_PARSE_FAILED, 'crm: not JSON');
    const err = (await accept().catch((e: unknown) => e)) as ApiError;
    expect(err.getStatus()).toBe(400);
    expect(err.retryAfterSeconds).toBeUndefined();
  });
});
