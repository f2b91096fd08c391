import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { AdapterHost } from '../adapters/adapter-host.service';
import { ConfigService } from '../config/config.service';
import { AmqpConnection, queueNames } from '../messaging';
import { MetricsService } from '../metrics/metrics.service';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { RouteObjectives } from './route-objectives';

/**
 * Service-level metrics beside the counters of MetricsService (per destination, and per route:
 * bus_route_messages_total): the broker connection, per work queue the oldest waiting message's age and the unacked count, and
 * each route's objective (`slo:`) with where it stands. Gauges are read at scrape time; the objective
 * reads share one store read (RouteObjectives caches it briefly).
 */
@Injectable()
export class ServiceLevelMetrics implements OnApplicationBootstrap {
  private readonly logger = new Logger('metrics');

  constructor(
    private readonly metrics: MetricsService,
    private readonly objectives: RouteObjectives,
    private readonly config: ConfigService,
    private readonly host: AdapterHost,
    private readonly amqp: AmqpConnection,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
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
    const oldest = new Gauge({ name: 'bus_queue_oldest_message_age_seconds', help: 'Age of the oldest message accepted for a destination and not yet delivered or dead-lettered, by work queue (from the journal).', labelNames: ['queue', 'destination'] as const, registers });
    const unacked = new Gauge({ name: 'bus_queue_unacked', help: 'Messages this instance took from a work queue and has not acked yet (being delivered).', labelNames: ['queue', 'destination'] as const, registers });
    const objective = (name: string, help: string) => new Gauge({ name, help, labelNames: ['route'] as const, registers });
    const maxAge = objective('bus_route_slo_max_age_seconds', 'Objective of a route: the oldest waiting message may be at most this old (slo.maxAge).');
    const maxDead = objective('bus_route_slo_max_dead_letters', 'Objective of a route: open dead letters at its destinations, at most (slo.maxDeadLetters).');
    const age = objective('bus_route_oldest_message_age_seconds', 'Age of the oldest message waiting at any destination of a route that declares an objective.');
    const dead = objective('bus_route_dead_letters', 'Open dead letters at the destinations of a route that declares an objective.');
    new Gauge({
      name: 'bus_route_slo_met',
      help: '1 while a route meets its objective (slo: in bus.yaml), 0 while it does not.',
      labelNames: ['route'] as const,
      registers,
      async collect() {
        this.reset();
        for (const g of [maxAge, maxDead, age, dead, oldest, unacked]) g.reset();
        try {
          await self.collect(this, { maxAge, maxDead, age, dead, oldest, unacked });
        } catch (err) {
          self.logger.warn(`Service-level metrics could not be read: ${(err as Error)?.message ?? String(err)}`);
        }
      },
    });
  }

  private async collect(met: Gauge<'route'>, g: Record<'maxAge' | 'maxDead' | 'age' | 'dead', Gauge<'route'>> & Record<'oldest' | 'unacked', Gauge<'queue' | 'destination'>>): Promise<void> {
    const { waiting, at } = await this.objectives.snapshot();
    for (const system of this.config.active().systems.values()) {
      if (!system.outbound) continue;
      const labels = { queue: queueNames(system.name, this.options.brokerPrefix).work, destination: system.name };
      const w = waiting[system.name];
      g.oldest.set(labels, w ? Math.max(0, (at - Date.parse(w.oldestReceivedAt)) / 1000) : 0);
      g.unacked.set(labels, this.host.instanceOf(system.name)?.consumer?.inFlightCount ?? 0);
    }
    for (const o of await this.objectives.evaluate()) {
      const route = { route: o.route };
      met.set(route, o.ok ? 1 : 0);
      g.age.set(route, o.oldestAgeSeconds);
      g.dead.set(route, o.deadLetters);
      if (o.maxAgeSeconds !== undefined) g.maxAge.set(route, o.maxAgeSeconds);
      if (o.maxDeadLetters !== undefined) g.maxDead.set(route, o.maxDeadLetters);
    }
  }
}
