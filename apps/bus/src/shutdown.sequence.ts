import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AdapterHost } from './adapters/adapter-host.service';
import { AmqpConnection } from './messaging';
import { Journal } from './journal/journal.service';
import { BUS_STORE, type BusStore } from './store/bus-store';

/**
 * Graceful shutdown in the one order that loses nothing: stop taking input and drain in-flight
 * deliveries (their acks flushed), flush the journal, close the broker connection, close the store.
 */
@Injectable()
export class ShutdownSequence implements OnApplicationShutdown {
  private readonly logger = new Logger('shutdown');

  constructor(
    private readonly adapters: AdapterHost,
    private readonly amqp: AmqpConnection,
    private readonly journal: Journal,
    @Inject(BUS_STORE) private readonly store: BusStore,
  ) {}

  async onApplicationShutdown(signal?: string): Promise<void> {
    if (signal) this.logger.log(`${signal}: draining in-flight messages, then closing`);
    await this.adapters.stopAll();
    await this.journal.close();
    await this.amqp.close();
    await this.store.close();
  }
}
