import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AdapterHost } from '../adapters/adapter-host.service';
import { ConfigService } from '../config/config.service';
import { combineHealth } from '../health/adapters-health';
import { DestinationHealth } from '../health/destination-health';
import { AmqpConnection, queueNames } from '../messaging';
import { MetricsBindings } from '../metrics/metrics.bindings';
import { MetricsService } from '../metrics/metrics.service';
import { ProcessorHost } from '../processors/processor-host.service';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { DeliveryRates } from './delivery-rates';
import { RouteObjectives } from './route-objectives';

/** One destination on the overview: a system that receives, or a bus-internal processor. */
export interface DestinationView {
  name: string;
  kind: 'system' | 'processor';
  /** `up`, `degraded` (reachable but its recent deliveries fail, e.g. 5xx) or `down`. */
  health: string;
  healthDetail?: string;
  queueDepth?: number;
  deadLetterQueueDepth?: number;
  inFlight?: number;
  deliveredPerMinute: number;
  failedPerMinute: number;
  deadLetters: number;
  waiting: number;
  oldestWaitingAt?: string;
}

/**
 * `GET /admin/console/overview`: everything the console's first page shows, in one answer: systems
 * and routes (the picture), per destination its health, queue depth, in flight, rates, dead letters
 * and oldest waiting message, the broker, the active config version and the route objectives.
 */
@Injectable()
export class OverviewService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly rates: DeliveryRates;

  constructor(
    private readonly config: ConfigService,
    private readonly host: AdapterHost,
    private readonly deliveries: DestinationHealth,
    private readonly amqp: AmqpConnection,
    private readonly bindings: MetricsBindings,
    private readonly objectives: RouteObjectives,
    metrics: MetricsService,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
    private readonly processors: ProcessorHost,
  ) {
    this.rates = new DeliveryRates(metrics.registry);
  }

  onApplicationBootstrap(): void {
    this.rates.start();
  }

  onApplicationShutdown(): void {
    this.rates.stop();
  }

  async overview() {
    const active = this.config.active();
    const [health, depths, rates, snapshot, objectives] = await Promise.all([
      this.host.health(),
      this.bindings.queueDepths(),
      this.rates.perMinute(),
      this.objectives.snapshot(),
      this.objectives.evaluate(),
    ]);
    const healthOf = new Map(combineHealth(health, this.deliveries).map((h) => [h.system, h]));
    const destination = (name: string, kind: DestinationView['kind']): DestinationView => {
      const queues = queueNames(name, this.options.brokerPrefix);
      const h = healthOf.get(name);
      return {
        name,
        kind,
        health: h?.status ?? 'up',
        ...(h?.detail ? { healthDetail: h.detail } : {}),
        queueDepth: depths[queues.work],
        deadLetterQueueDepth: depths[queues.deadLetter],
        inFlight: this.host.instanceOf(name)?.consumer?.inFlightCount ?? this.processors.inFlightOf(name),
        deliveredPerMinute: rates[name]?.delivered ?? 0,
        failedPerMinute: rates[name]?.failed ?? 0,
        deadLetters: snapshot.deadLetters[name] ?? 0,
        waiting: snapshot.waiting[name]?.count ?? 0,
        oldestWaitingAt: snapshot.waiting[name]?.oldestReceivedAt,
      };
    };
    const systems = [...active.systems.values()];
    return {
      config: this.config.status(),
      broker: { connected: this.amqp.isConnected(), namespace: this.options.brokerPrefix ?? null },
      systems: systems.map((s) => ({ name: s.name, adapter: s.adapter.id, inbound: Boolean(s.inbound), outbound: Boolean(s.outbound), health: healthOf.get(s.name)?.status ?? 'up' })),
      processors: Object.keys(active.config.processors ?? {}),
      routes: active.config.routes.map((r) => ({ name: r.name, from: r.from ?? null, types: r.types, to: r.to.map((d) => d.system), slo: r.slo ?? null })),
      destinations: [
        ...systems.filter((s) => s.outbound).map((s) => destination(s.name, 'system')),
        ...Object.keys(active.config.processors ?? {}).map((p) => destination(p, 'processor')),
      ],
      objectives,
    };
  }
}
