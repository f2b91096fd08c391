import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type Provider } from '@nestjs/common';
import { AmqpConnection } from './amqp-connection';
import { Consumer, type ConsumeOptions } from './consumer';
import { Publisher } from './publisher';
import { QueryClient, QueryServer } from './query-transport';
import type { QueueType } from './topology';

/** What the bus module knows at startup: env `AMQP_URL` and bus.yaml's `delivery` section. */
export interface MessagingProvidersOptions {
  url: string;
  connectionName?: string;
  /** Test isolation only: `<prefix>.bus.…` names. */
  prefix?: string;
  queueType?: QueueType;
  /** Defaults for every consumer: prefetch, immediateRetries, redeliveryDelaysMs. */
  consume?: ConsumeOptions;
}

/** Starts connecting when the app boots (without blocking it) and closes gracefully before shutdown. */
@Injectable()
export class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly connection: AmqpConnection) {}

  onApplicationBootstrap(): void {
    this.connection.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}

/**
 * Thin Nest wiring for the plain messaging classes, injectable by class:
 * `providers: [...messagingProviders({ url: env.AMQP_URL, prefix })]`.
 */
export function messagingProviders(options: MessagingProvidersOptions): Provider[] {
  const naming = { prefix: options.prefix };
  return [
    { provide: AmqpConnection, useFactory: () => new AmqpConnection({ url: options.url, connectionName: options.connectionName }) },
    { provide: Publisher, useFactory: (c: AmqpConnection) => new Publisher(c, { ...naming, queueType: options.queueType }), inject: [AmqpConnection] },
    {
      provide: Consumer,
      useFactory: (c: AmqpConnection, p: Publisher) => new Consumer(c, p, undefined, { ...naming, queueType: options.queueType, ...options.consume }),
      inject: [AmqpConnection, Publisher],
    },
    { provide: QueryClient, useFactory: (c: AmqpConnection) => new QueryClient(c, naming), inject: [AmqpConnection] },
    { provide: QueryServer, useFactory: (c: AmqpConnection) => new QueryServer(c, naming), inject: [AmqpConnection] },
    MessagingLifecycle,
  ];
}
