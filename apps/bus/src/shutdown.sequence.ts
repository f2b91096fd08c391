import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AdapterHost } from './adapters/adapter-host.service';
import { JobsService } from './jobs/jobs.service';
import { AmqpConnection } from './messaging';
import { Journal } from './journal/journal.service';
import { BUS_STORE, type BusStore } from './store/bus-store';

/**
 * Graceful shutdown in the one order that loses nothing: stop taking input and drain in-flight
 * deliveries (their acks flushed); running batch jobs stop and resume later, flush the journal, close the broker connection, close the store.
 */
@Injectable()
export class ShutdownSequence implements OnApplicationShutdown {
  private readonly logger = new Logger('shutdown');

  constructor(
    private readonly jobs: JobsService,
    private readonly adapters: AdapterHost,
    private readonly amqp: AmqpConnection,
    private readonly journal: Journal,
    @Inject(BUS_STORE) private readonly store: BusStore,
  ) {}

  async onApplicationShutdown(signal?: string): Promise<void> {
    if (signal) this.logger.log(`${signal}: draining in-flight messages, then closing`);
    await this.jobs.shutdown();
    await this.adapters.stopAll();
    await this.journal.close();
    await this.amqp.close();
    await this.store.close();
  }
}
