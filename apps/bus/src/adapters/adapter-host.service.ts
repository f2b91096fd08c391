import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AdapterHealth } from '@bus/adapters';
import type { ActiveConfig, SystemRuntime } from '../config/active-config';
import { ConfigService } from '../config/config.service';
import type { ReloadPlan } from '../config/reload-plan';
import { DeliveryHandler } from '../delivery/delivery.handler';
import { DeliveryFaults } from '../delivery/delivery-faults';
import { AmqpConnection, Consumer, QueryServer } from '../messaging';
import { QueryAnswerer } from '../queries/query-answerer';
import { InboundListener } from '../inbound/inbound.listener';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { stopRunning, type RunningSystem } from './running-system';
import { DestinationRetirement } from './destination-retirement';

/** Told when a config version's systems are running. */
export type AppliedListener = (plan: ReloadPlan | undefined, active: ActiveConfig) => void | Promise<void>;

export interface SystemHealth extends AdapterHealth {
  system: string;
  adapter: string;
}

/**
 * Creates each configured system's adapter instance and starts what it needs: a consumer when it
 * is a destination, a query server when it answers queries, a listener when it pulls input.
 * On reload, removed and changed systems are drained and stopped before their replacements start,
 * so nothing in flight is lost or delivered twice, and what is queued for a removed destination
 * moves to its dead letters (see DestinationRetirement).
 */
@Injectable()
export class AdapterHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('adapters');
  private readonly running = new Map<string, RunningSystem>();
  private readonly appliedListeners: AppliedListener[] = [];
  private started?: ActiveConfig;

  constructor(
    private readonly config: ConfigService,
    private readonly amqp: AmqpConnection,
    private readonly consumer: Consumer,
    private readonly queryServer: QueryServer,
    private readonly delivery: DeliveryHandler,
    private readonly faults: DeliveryFaults,
    private readonly answerer: QueryAnswerer,
    private readonly listener: InboundListener,
    private readonly retirement: DestinationRetirement,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.amqp.connect();
    const active = this.config.active();
    for (const system of active.systems.values()) await this.start(system, active);
    await this.retireAbsent(active);
    // Destinations that appear in a reload get their queues before the new routes can send to them.
    this.config.onBeforeChange((plan, next) => this.startAdded(plan, next));
    this.config.onChange((plan, next, previous) => this.replaceChanged(plan, next, previous));
    this.started = active;
    for (const listener of this.appliedListeners) await listener(undefined, active);
  }

  /**
   * Called once the systems of a version run: at startup (plan undefined) and after each reload.
   * Registered after startup, it is called at once with the running version.
   */
  async onApplied(listener: AppliedListener): Promise<void> {
    this.appliedListeners.push(listener);
    if (this.started) await listener(undefined, this.config.active());
  }

  /** Stops every system: listeners first, then drains consumers, then closes transports. */
  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.allSettled(all.map(stopRunning));
  }

  /** Every system's view of itself; `checkHealth` reports, never throws. */
  async health(): Promise<SystemHealth[]> {
    return Promise.all(
      [...this.running.values()].map(async ({ system, instance }) => ({
        system: system.name,
        adapter: system.adapter.id,
        ...(await instance.checkHealth().catch((err: Error) => ({ status: 'down' as const, detail: err.message }))),
      })),
    );
  }

  /** The connected instance of a system, for jobs and replays. */
  instanceOf(name: string): RunningSystem | undefined {
    return this.running.get(name);
  }

  private async startAdded(plan: ReloadPlan, next: ActiveConfig): Promise<void> {
    for (const name of plan.systems.added) await this.start(next.systems.get(name)!, next);
  }

  private async replaceChanged(plan: ReloadPlan, next: ActiveConfig, previous: ActiveConfig | undefined): Promise<void> {
    // New delivery settings (retries, prefetch, redelivery delays) apply to every consumer.
    const restartAll = plan.sections.includes('delivery');
    const replace = new Set([...plan.systems.changed, ...(restartAll ? [...next.systems.keys()].filter((n) => !plan.systems.added.includes(n)) : [])]);
    // A changed system's consumer drains its in-flight deliveries before the new one starts, so
    // none is cut or sent twice; queued messages then go out with the new settings (URL, mapping).
    for (const name of [...plan.systems.removed, ...replace]) {
      const running = this.running.get(name);
      if (!running) continue;
      this.running.delete(name);
      await stopRunning(running);
    }
    for (const name of replace) await this.start(next.systems.get(name)!, next);
    for (const listener of this.appliedListeners) await listener(plan, next);
    // Consumers of retired destinations (systems here, processors in the listeners above) have stopped.
    await this.retireAbsent(next, previous);
    this.logger.log(`Applied config ${next.version} (was ${previous?.version ?? 'none'}): ${describe(plan)}`);
  }

  /** Empties the queues of destinations `active` no longer has into their dead letters. */
  private async retireAbsent(active: ActiveConfig, previous?: ActiveConfig): Promise<void> {
    try {
      await this.retirement.remember(active);
      await this.retirement.retireAbsent(active, previous);
    } catch (err) {
      // Only the store's list of destinations can fail here (each retirement logs its own failure).
      this.logger.error(`Could not read or record the destinations of config version ${active.version} in the store: ${(err as Error).message}. Removed destinations are emptied at the next reload or start.`);
    }
  }

  private async start(system: SystemRuntime, active: ActiveConfig): Promise<void> {
    const instance = system.adapter.create(
      { inbound: system.inbound, outbound: system.outbound },
      { instanceName: system.name, logger: new Logger(`${system.adapter.id}:${system.name}`), now: () => new Date() },
    );
    await instance.connect?.();
    const running: RunningSystem = { system, instance };
    this.running.set(system.name, running);
    const { delivery } = active.config;
    if (system.outbound && instance.send) {
      running.consumer = await this.consumer.consume(system.name, (d) => this.delivery.handle({ system, instance }, d), {
        prefix: this.options.brokerPrefix,
        prefetch: delivery.prefetch,
        immediateRetries: delivery.immediateRetries,
        redeliveryDelaysMs: delivery.redeliveryDelays,
        adapter: system.adapter.id,
        onFault: (event) => this.faults.record(event),
      });
    }
    if (system.outbound && instance.request && system.mapping.answers.length) {
      running.queries = await this.queryServer.serve(system.name, (query, meta) => this.answerer.answer(system, instance, query, meta.deadline));
    }
    if (system.inbound && instance.listen) {
      running.listener = this.listener.start(system, instance);
    }
  }
}

function describe(plan: ReloadPlan): string {
  const part = (label: string, names: string[]) => (names.length ? `${label} ${names.join(', ')}` : '');
  const parts = [
    part('systems added', plan.systems.added),
    part('systems removed', plan.systems.removed),
    part('systems changed', plan.systems.changed),
    part('routes added', plan.routes.added),
    part('routes removed', plan.routes.removed),
    part('routes changed', plan.routes.changed),
    part('destinations retired', plan.retired),
    part('sections changed', plan.sections),
    part('taking effect at the next start', plan.atNextStart),
  ].filter(Boolean);
  return parts.join('; ') || 'no change';
}
