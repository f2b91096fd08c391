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
    await this.step('stopping batch jobs', () => this.jobs.shutdown());
    await this.step('draining in-flight deliveries and inputs (each waits for its destination or its timeout)', () => this.adapters.stopAll());
    await this.step('flushing the journal', () => this.journal.close());
    await this.step('closing the broker connection', () => this.amqp.close());
    await this.step('closing the store', () => this.store.close());
  }

  /** Runs one step, saying every `reportEveryMs` which step a slow shutdown still waits on. */
  private async step(what: string, run: () => Promise<void>): Promise<void> {
    const started = Date.now();
    const timer = setInterval(
      () => this.logger.warn(`Shutdown still ${what} after ${Math.round((Date.now() - started) / 1000)} s; nothing is lost by waiting, nor by a SIGKILL: messages not acked are redelivered and a file resumes from its checkpoint.`),
      this.reportEveryMs,
    );
    timer.unref();
    try {
      await run();
    } finally {
      clearInterval(timer);
    }
  }

  /** How often a slow step is reported. */
  reportEveryMs = 10_000;
}
