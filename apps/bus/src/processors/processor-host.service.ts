import { BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { BusError } from '@bus/adapters';
import type { ActiveConfig } from '../config/active-config';
import { ConfigService } from '../config/config.service';
import type { ReloadPlan } from '../config/reload-plan';
import { AdapterHost } from '../adapters/adapter-host.service';
import { DeliveryFaults } from '../delivery/delivery-faults';
import { DeliveryLeases } from '../delivery/delivery-lease';
import { Consumer, type ConsumerHandle, type Delivery, type Outcome } from '../messaging';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { Journal } from '../journal/journal.service';
import { FileUsageCounter } from './file-usage.counter';
import { ProcessorEmitter } from './processor-emitter';
import { createProcessor } from './processor.factory';
import type { Processor } from './processor';
import { RateBook } from './rate-book';

interface RunningProcessor {
  /** The processor's settings as JSON, to tell on reload whether it changed. */
  settings: string;
  processor: Processor;
  consumer: ConsumerHandle;
}

/**
 * Runs the `processors:` of bus.yaml beside the systems: each consumes its own queue `bus.<name>`
 * with the delivery policy of the systems (immediate retries, delayed redelivery, dead letter, so
 * POST /admin/dead-letters/:id/replay works for it too) and emits through the Dispatcher.
 * On reload, changed and removed processors are drained and stopped, added ones started before
 * the new routes can send to them.
 */
@Injectable()
export class ProcessorHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('processors');
  private readonly running = new Map<string, RunningProcessor>();

  constructor(
    private readonly config: ConfigService,
    private readonly adapters: AdapterHost,
    private readonly consumer: Consumer,
    private readonly faults: DeliveryFaults,
    private readonly emitter: ProcessorEmitter,
    private readonly rates: RateBook,
    private readonly journal: Journal,
    private readonly files: FileUsageCounter,
    @Inject(BUS_STORE) private readonly store: BusStore,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
    private readonly leases: DeliveryLeases,
  ) {}

  /** Deliveries the processor's consumer has taken and not yet acked; undefined when it does not run here. */
  inFlightOf(name: string): number | undefined {
    return this.running.get(name)?.consumer.inFlightCount;
  }

  async onApplicationBootstrap(): Promise<void> {
    // The adapter host connects the broker; processors start once it has (and after each reload).
    await this.adapters.onApplied((plan, active) => this.sync(plan, active));
    this.files.onCompleted(async () => {
      await Promise.all([...this.running.values()].map((r) => r.processor.inputComplete?.()));
    });
    this.config.onBeforeChange(async (_plan, next) => {
      for (const name of Object.keys(next.config.processors)) if (!this.running.has(name)) await this.start(name, next);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stopAll();
  }

  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.allSettled(all.map((r) => this.stop(r)));
  }

  private async sync(plan: ReloadPlan | undefined, active: ActiveConfig): Promise<void> {
    // New delivery settings (retries, prefetch, queue type) apply to every consumer.
    const restartAll = plan?.sections.includes('delivery') ?? false;
    const wanted = active.config.processors;
    for (const [name, running] of [...this.running]) {
      if (!restartAll && JSON.stringify(wanted[name]) === running.settings) continue;
      this.running.delete(name);
      // A removed processor's queues are emptied into its dead letters by the adapter host once this returns.
      await this.stop(running);
    }
    for (const name of Object.keys(wanted)) if (!this.running.has(name)) await this.start(name, active);
  }

  private async start(name: string, active: ActiveConfig): Promise<void> {
    const settings = active.config.processors[name];
    const processor = createProcessor(settings, {
      name,
      store: this.store,
      rates: this.rates,
      emit: (draft, dedupKey, cause) => this.emitter.emit(name, draft, dedupKey, cause),
      now: () => new Date(),
      logger: new Logger(`processor:${name}`),
    });
    const { delivery } = active.config;
    try {
      const consumer = await this.consumer.consume(name, (d) => this.handle(name, processor, d), {
        prefix: this.options.brokerPrefix,
        prefetch: delivery.prefetch,
        immediateRetries: delivery.immediateRetries,
        redeliveryDelaysMs: delivery.redeliveryDelays,
        adapter: `processor:${settings.kind}`,
        onFault: (event) => this.faults.record(event),
      });
      this.running.set(name, { settings: JSON.stringify(settings), processor, consumer });
      processor.start?.().catch((err: Error) => this.logger.warn(`Processor "${name}" could not catch up at start: ${err.message}; it does on the next trigger.`));
    } catch (err) {
      await processor.stop?.();
      throw err;
    }
  }

  private async stop(running: RunningProcessor): Promise<void> {
    await running.consumer.cancel();
    await running.processor.stop?.();
  }

  /** One input: skip when done before, else process under the delivery lease; a park is a dead letter with the processor's reason. */
  private async handle(name: string, processor: Processor, delivery: Delivery): Promise<Outcome> {
    const { envelope } = delivery;
    const attempt = delivery.attempt;
    // The lease keeps two copies of one input (a redelivery and a replay, two instances) from both emitting.
    const permit = await this.leases.acquire(envelope.id, name);
    if (permit.kind === 'delivered') {
      this.journal.step(envelope, delivery.headers, { kind: 'duplicate-skipped', destination: name, attempt });
      return { kind: 'ack' };
    }
    try {
      const outcome = await permit.lease.hold(() => processor.handle(envelope));
      if (outcome.kind === 'park') {
        await permit.lease.release();
        this.logger.warn(`${outcome.code}: ${outcome.reason}`);
        return { kind: 'deadLetter', error: { code: outcome.code, message: outcome.reason } };
      }
      await this.store.recordDelivered(envelope.id, name);
      this.journal.step(envelope, delivery.headers, { kind: 'delivered', destination: name, attempt });
      return { kind: 'ack' };
    } catch (err) {
      await permit.lease.release();
      const message = `processor ${name}: message ${envelope.id} (${envelope.type}): ${(err as Error)?.message ?? String(err)}`;
      this.journal.step(envelope, delivery.headers, { kind: 'attempt', destination: name, attempt, outcome: 'failed', error: message });
      // Unclassified errors (store, broker) are retried: a retry is safe, a lost message is not.
      if (err instanceof BusError && !err.retryable) return { kind: 'deadLetter', error: { code: err.code, message } };
      return { kind: 'retry', error: { code: err instanceof BusError ? err.code : 'PROCESSOR.FAILED', message } };
    }
  }
}
