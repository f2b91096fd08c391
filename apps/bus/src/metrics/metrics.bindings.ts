import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '../config/config.service';
import { AmqpConnection, queueNames, unroutedQueue } from '../messaging';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { destinationsOf } from '../config/reload-plan';
import { MetricsService } from './metrics.service';
import { registerDeadLetterGauge } from './dead-letters.gauge';
import { registerJournalMetrics } from './journal.metrics';
import { Journal } from '../journal/journal.service';

/**
 * Feeds the metrics that are not counted on the hot path: config reloads (applied / rejected),
 * queue depths, read from the broker only when Prometheus scrapes, and the journal's state.
 */
@Injectable()
export class MetricsBindings implements OnApplicationBootstrap {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: ConfigService,
    private readonly amqp: AmqpConnection,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
    @Inject(BUS_STORE) private readonly store: BusStore,
    private readonly journal: Journal,
  ) {}

  onApplicationBootstrap(): void {
    this.config.onChange(() => this.metrics.configReload('applied'));
    this.config.onReject(() => this.metrics.configReload('rejected'));
    this.metrics.setQueueDepthCollector(() => this.queueDepths());
    registerDeadLetterGauge(this.metrics.registry, () => this.openDeadLetters(), new Logger('metrics'));
    registerJournalMetrics(this.metrics.registry, this.journal);
  }

  /** Every destination, 0 when it has none, so a drained destination reads 0 rather than vanishing. */
  private async openDeadLetters(): Promise<Record<string, number>> {
    const zero = destinationsOf(this.config.active()).map((n) => [n, 0]);
    return { ...Object.fromEntries(zero), ...(await this.store.countOpenDeadLetters()) };
  }

  /** Work and dead-letter queue of every destination (systems and processors), and the unrouted queue; {} while disconnected. */
  async queueDepths(): Promise<Record<string, number>> {
    if (!this.amqp.isConnected()) return {};
    const prefix = this.options.brokerPrefix;
    const queues = [unroutedQueue(prefix)];
    for (const destination of destinationsOf(this.config.active())) {
      const names = queueNames(destination, prefix);
      queues.push(names.work, names.deadLetter);
    }
    const depths: Record<string, number> = {};
    for (const queue of queues) {
      // checkQueue on a missing queue closes the channel, so each check gets its own.
      await this.amqp
        .withChannel(async (ch) => {
          depths[queue] = (await ch.checkQueue(queue)).messageCount;
        })
        .catch(() => undefined);
    }
    return depths;
  }
}
