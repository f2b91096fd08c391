// The canonical model's decorated classes need the metadata polyfill first, as in main.ts.
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { ErrorCodes } from '@bus/canonical-model';
import { AmqpConnection } from './amqp-connection';
import { Consumer } from './consumer';
import { messagingProviders } from './messaging.providers';
import { Publisher } from './publisher';
import { QueryClient, QueryServer } from './query-transport';

describe(messagingProviders.name, () => {
  it('should make every messaging class injectable by its class without connecting', async () => {
    const moduleRef = await Test.createTestingModule({ providers: messagingProviders({ url: 'amqp://guest:guest@127.0.0.1:1' }) }).compile();

    const sut = moduleRef.get(Publisher);

    expect(moduleRef.get(AmqpConnection).isConnected()).toBe(false);
    expect(moduleRef.get(Consumer)).toBeInstanceOf(Consumer);
    expect(moduleRef.get(QueryClient)).toBeInstanceOf(QueryClient);
    expect(moduleRef.get(QueryServer)).toBeInstanceOf(QueryServer);
    await expect(sut.publish({ id: 'm1', type: 'customer.updated', schemaVersion: 1, source: 'sales', correlationId: 'c1', occurredAt: '', payload: {} }, ['billing'])).rejects.toMatchObject({
      code: ErrorCodes.BROKER_UNAVAILABLE,
    });
    await moduleRef.close();
  });
});
