import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DestinationHealth } from '../health/destination-health';

/** Queue name -> messages ready in it; called on every scrape. */
export type QueueDepthCollector = () => Promise<Record<string, number>> | Record<string, number>;

export interface MetricsOptions {
  /** Default: a registry of its own, so two services (or tests) never share series. */
  registry?: Registry;
  /** Process metrics (CPU, memory, event loop, GC); default true. */
  defaultMetrics?: boolean;
  /** Buckets of bus_delivery_latency_seconds; the default spans in-process delivery to the longest redelivery delays. */
  latencyBuckets?: number[];
  logger?: { warn(message: string): void };
  /** Told every delivery outcome; its view is the `bus_destination_degraded` gauge and /health/adapters. */
  destinationHealth?: DestinationHealth;
}

/** What a failed delivery attempt carries (a BusError): its code, whether it is retried, the destination's status. */
export interface AttemptFailure {
  code: string;
  message: string;
  retryable: boolean;
  status?: number;
}

export const DEFAULT_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

type Child = { inc(value?: number): void };

/** A counter by (system, type) whose label children are bound once and then reused. */
class SystemTypeCounter {
  private readonly children = new Map<string, Child>();
  constructor(private readonly counter: Counter<'system' | 'type'>) {}

  inc(system: string, type: string): void {
    const key = `${system}\u0000${type}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.counter.labels(system, type);
      this.children.set(key, child);
    }
    child.inc();
  }
}

/**
 * The bus's Prometheus metrics (`GET /metrics`). Each hot-path call is a map lookup and an
 * increment: label children are created on first use and cached. Label values are system
 * names and message types from the config, so the series stay bounded.
 */
export class MetricsService {
  readonly registry: Registry;
  private readonly receivedTotal: SystemTypeCounter;
  private readonly deliveredTotal: SystemTypeCounter;
  private readonly retriedTotal: SystemTypeCounter;
  private readonly deadTotal: SystemTypeCounter;
  private readonly unroutedTotal: SystemTypeCounter;
  private readonly failedTotal: SystemTypeCounter;
  private readonly destinationHealth?: DestinationHealth;
  private readonly reloads: Counter<'outcome'>;
  private readonly routedTotal: Counter<'route' | 'destination'>;
  private readonly latency: Histogram<'system'>;
  private readonly latencyChildren = new Map<string, { observe(value: number): void }>();
  private queueDepthCollector?: QueueDepthCollector;

  constructor(options: MetricsOptions = {}) {
    const registry = (this.registry = options.registry ?? new Registry());
    const counter = (name: string, help: string) =>
      new SystemTypeCounter(new Counter({ name, help, labelNames: ['system', 'type'] as const, registers: [registry] }));
    this.receivedTotal = counter('bus_messages_received_total', 'Messages accepted at ingress, by source system and type.');
    this.deliveredTotal = counter('bus_messages_delivered_total', 'Messages delivered (2xx), by destination system and type.');
    this.retriedTotal = counter('bus_messages_retried_total', 'Delivery attempts that failed and were scheduled again, by destination system and type.');
    this.deadTotal = counter('bus_messages_dead_total', 'Messages dead-lettered, by destination system and type.');
    this.unroutedTotal = counter('bus_messages_unrouted_total', 'Messages that matched no route, by source system and type.');
    this.failedTotal = counter('bus_delivery_attempts_failed_total', 'Delivery attempts that failed (immediate retries included), by destination system and type.');
    const health = (this.destinationHealth = options.destinationHealth);
    if (health) {
      new Gauge({
        name: 'bus_destination_degraded',
        help: '1 while a destination fails most of its recent deliveries (e.g. answers 5xx), 0 once it answers 2xx again; from delivery outcomes, not a probe.',
        labelNames: ['system'] as const,
        registers: [registry],
        collect() {
          this.reset();
          for (const system of health.systems()) this.set({ system }, health.report(system)?.state === 'degraded' ? 1 : 0);
        },
      });
    }
    this.routedTotal = new Counter({ name: 'bus_route_messages_total', help: 'Messages routed, by route and destination.', labelNames: ['route', 'destination'] as const, registers: [registry] });
    this.reloads = new Counter({ name: 'bus_config_reloads_total', help: 'Config reloads, by outcome.', labelNames: ['outcome'] as const, registers: [registry] });
    this.latency = new Histogram({
      name: 'bus_delivery_latency_seconds',
      help: 'Time from ingress accept to the destination answering 2xx, retries included, by destination system.',
      labelNames: ['system'] as const,
      buckets: options.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS,
      registers: [registry],
    });
    const self = this;
    new Gauge({
      name: 'bus_queue_depth',
      help: 'Messages ready in a bus queue, read from the broker at scrape time.',
      labelNames: ['queue'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        if (!self.queueDepthCollector) return;
        try {
          for (const [queue, depth] of Object.entries(await self.queueDepthCollector())) this.set({ queue }, depth);
        } catch (err) {
          // A scrape must still answer when the broker does not; the gauge is simply absent then.
          options.logger?.warn(`Queue depths for /metrics could not be read: ${(err as Error)?.message ?? String(err)}`);
        }
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  received(system: string, type: string): void {
    this.receivedTotal.inc(system, type);
  }

  /** A 2xx from a destination; `latencySeconds` from ingress accept, when known. */
  delivered(system: string, type: string, latencySeconds?: number): void {
    this.deliveredTotal.inc(system, type);
    this.destinationHealth?.succeeded(system);
    if (latencySeconds !== undefined && Number.isFinite(latencySeconds) && latencySeconds >= 0) this.observeLatency(system, latencySeconds);
  }

  /** One delivery attempt failed; a retryable failure (5xx, timeout) also counts against the destination's health. */
  failed(system: string, type: string, error: AttemptFailure): void {
    this.failedTotal.inc(system, type);
    if (error.retryable) this.destinationHealth?.failed(system, { code: error.code, message: error.message, statusCode: error.status });
  }

  retried(system: string, type: string): void {
    this.retriedTotal.inc(system, type);
  }

  dead(system: string, type: string): void {
    this.deadTotal.inc(system, type);
  }

  /** One message sent to `destination` by `route`. */
  routed(route: string, destination: string): void {
    this.routedTotal.inc({ route, destination });
  }

  unrouted(system: string, type: string): void {
    this.unroutedTotal.inc(system, type);
  }

  /** e.g. `applied`, `rejected`, `unchanged`. */
  configReload(outcome: string): void {
    this.reloads.inc({ outcome });
  }

  observeLatency(system: string, seconds: number): void {
    let child = this.latencyChildren.get(system);
    if (!child) {
      child = this.latency.labels(system);
      this.latencyChildren.set(system, child);
    }
    child.observe(seconds);
  }

  /** The integrator's way to report queue depths (e.g. from checkQueue on each bus queue). */
  setQueueDepthCollector(fn: QueueDepthCollector | undefined): void {
    this.queueDepthCollector = fn;
  }

  /** Body and content type for `GET /metrics`. */
  async metrics(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
