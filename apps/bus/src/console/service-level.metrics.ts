import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { AdapterHost } from '../adapters/adapter-host.service';
import { ConfigService } from '../config/config.service';
import { destinationsOf } from '../config/reload-plan';
import { ProcessorHost } from '../processors/processor-host.service';
import { AmqpConnection, queueNames } from '../messaging';
import { MetricsService } from '../metrics/metrics.service';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { RouteObjectives, type RouteObjectiveState } from './route-objectives';

type QueueLabels = { queue: string; destination: string };

/** What one scrape reads once and every gauge below takes its part of. */
interface Reading {
  queues: Array<{ labels: QueueLabels; waiting: number; oldestAgeSeconds: number; unacked: number }>;
  objectives: RouteObjectiveState[];
}

/** Gauges of one scrape share one reading; a scrape is over well within this. */
const READING_MS = 1000;

/**
 * Service-level metrics beside the counters of MetricsService (per destination, and per route:
 * bus_route_messages_total): the broker connection, per work queue the messages waiting, the oldest one's age
 * and the unacked count, and each route's objective (`slo:`) with where it stands. Read at scrape time;
 * the store reads are shared (RouteObjectives caches them briefly).
 */
@Injectable()
export class ServiceLevelMetrics implements OnApplicationBootstrap {
  private readonly logger = new Logger('metrics');
  private reading?: { at: number; value: Promise<Reading | undefined> };

  constructor(
    private readonly metrics: MetricsService,
    private readonly objectives: RouteObjectives,
    private readonly config: ConfigService,
    private readonly host: AdapterHost,
    private readonly amqp: AmqpConnection,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
    private readonly processors: ProcessorHost,
  ) {}

  onApplicationBootstrap(): void {
    const registers = [this.metrics.registry];
    const self = this;
    new Gauge({
      name: 'bus_broker_connected',
      help: '1 while the bus is connected to RabbitMQ, 0 while it reconnects.',
      registers,
      collect() {
        this.set(self.amqp.isConnected() ? 1 : 0);
      },
    });
    const queueGauge = (name: string, help: string, value: (q: Reading['queues'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['queue', 'destination'] as const,
        registers,
        async collect() {
          this.reset();
          for (const q of (await self.read())?.queues ?? []) this.set(q.labels, value(q));
        },
      });
    // bus_queue_depth counts AMQP messages in the work queue (a bundle of records once, the retry queues not at all).
    queueGauge('bus_queue_waiting_messages', 'Messages accepted for a destination and not yet delivered or dead-lettered, by work queue (from the journal): each message of a bundle counts, in the work or a retry queue.', (q) => q.waiting);
    queueGauge('bus_queue_oldest_message_age_seconds', 'Age of the oldest message accepted for a destination and not yet delivered or dead-lettered, by work queue (from the journal).', (q) => q.oldestAgeSeconds);
    queueGauge('bus_queue_unacked', 'Messages this instance took from a work queue and has not acked yet (being delivered).', (q) => q.unacked);
    const routeGauge = (name: string, help: string, value: (o: RouteObjectiveState) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['route'] as const,
        registers,
        async collect() {
          this.reset();
          for (const o of (await self.read())?.objectives ?? []) {
            const v = value(o);
            if (v !== undefined) this.set({ route: o.route }, v);
          }
        },
      });
    routeGauge('bus_route_slo_met', '1 while a route meets its objective (slo: in bus.yaml), 0 while it does not.', (o) => (o.ok ? 1 : 0));
    routeGauge('bus_route_slo_max_age_seconds', 'Objective of a route: the oldest waiting message may be at most this old (slo.maxAge).', (o) => o.maxAgeSeconds);
    routeGauge('bus_route_slo_max_dead_letters', 'Objective of a route: open dead letters at its destinations, at most (slo.maxDeadLetters).', (o) => o.maxDeadLetters);
    routeGauge('bus_route_oldest_message_age_seconds', 'Age of the oldest message waiting at any destination of a route that declares an objective.', (o) => o.oldestAgeSeconds);
    routeGauge('bus_route_dead_letters', 'Open dead letters at the destinations of a route that declares an objective.', (o) => o.deadLetters);
  }

  /** One reading per scrape; undefined (the gauges absent) when the store cannot be read. */
  private read(): Promise<Reading | undefined> {
    const now = Date.now();
    if (!this.reading || now - this.reading.at > READING_MS) {
      const value = this.readNow().catch((err: unknown) => {
        this.logger.warn(`Service-level metrics could not be read: ${(err as Error)?.message ?? String(err)}`);
        return undefined;
      });
      this.reading = { at: now, value };
    }
    return this.reading.value;
  }

  private async readNow(): Promise<Reading> {
    const { waiting, at } = await this.objectives.snapshot();
    const queues: Reading['queues'] = [];
    // Systems that deliver and processors: each consumes its own work queue.
    for (const destination of destinationsOf(this.config.active())) {
      const w = waiting[destination];
      queues.push({
        labels: { queue: queueNames(destination, this.options.brokerPrefix).work, destination },
        waiting: w?.count ?? 0,
        oldestAgeSeconds: w ? Math.max(0, (at - Date.parse(w.oldestReceivedAt)) / 1000) : 0,
        unacked: this.host.instanceOf(destination)?.consumer?.inFlightCount ?? this.processors.inFlightOf(destination) ?? 0,
      });
    }
    return { queues, objectives: await this.objectives.evaluate() };
  }
}
