import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCodes } from '@bus/canonical-model';
import type { ActiveConfig } from '../config/active-config';
import { destinationsOf } from '../config/reload-plan';
import { DeliveryFaults } from '../delivery/delivery-faults';
import { DispatchesInFlight } from '../delivery/dispatches-in-flight';
import { AmqpConnection, moveAllMessages, Publisher, queueNames, unbindDestination, type Fault } from '../messaging';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';

/** kv namespace: key = a destination the bus served, value = {@link KnownDestination}. */
export const DESTINATIONS_NAMESPACE = 'destinations';

/** A wait for older publishes longer than this is logged (the broker is slow to confirm). */
const SLOW_WAIT_MS = 10_000;

/** What is needed to empty a destination's queues after its config is gone. */
export interface KnownDestination {
  kind: 'system' | 'processor';
  /** Every redelivery delay its retry queues were declared with, across versions. */
  delaysMs: number[];
  /** Adapter id for `x-bus-fault-adapter`. */
  adapter: string;
}

/**
 * Empties the queues of destinations a reload removed, so no accepted message waits in a queue
 * nobody reads: its work queue is unbound, then every message of its retry and work queues moves
 * to its dead-letter queue (CONFIG.DESTINATION_REMOVED, naming the config version) and into the
 * store's dead-letter index, replayable once the destination is configured again.
 *
 * Each destination the bus serves is remembered in the store, with the delays of its retry queues,
 * until its retirement finished: a crash in the middle, or a destination removed while the bus was
 * down, is retired at the next start.
 */
@Injectable()
export class DestinationRetirement {
  private readonly logger = new Logger('adapters');

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly publisher: Publisher,
    private readonly faults: DeliveryFaults,
    private readonly inFlight: DispatchesInFlight,
    @Inject(BUS_STORE) private readonly store: BusStore,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
  ) {}

  /** Records the destinations of `active` (their retry delays added to those recorded before). */
  async remember(active: ActiveConfig): Promise<void> {
    for (const name of destinationsOf(active)) {
      const known = await this.store.getValue<KnownDestination>(DESTINATIONS_NAMESPACE, name);
      const next = describeDestination(name, active, known);
      if (known && JSON.stringify(known) === JSON.stringify(next)) continue;
      await this.store.setValue(DESTINATIONS_NAMESPACE, name, next);
    }
  }

  /**
   * Retires every destination that `active` does not have but that was served before: those the
   * reload from `previous` removed, and any whose retirement a crash cut short. Call once their
   * consumers have stopped. Failures are logged and retried at the next reload or start.
   */
  async retireAbsent(active: ActiveConfig, previous?: ActiveConfig): Promise<void> {
    const current = new Set(destinationsOf(active));
    const known = new Map((await this.store.listValues<KnownDestination>(DESTINATIONS_NAMESPACE)).map((e) => [e.key, e.value]));
    for (const name of previous ? destinationsOf(previous) : []) if (!known.has(name)) known.set(name, describeDestination(name, previous!));
    for (const [name, destination] of known) {
      if (current.has(name)) continue;
      try {
        await this.retire(name, destination, active);
      } catch (err) {
        this.logger.error(
          `Could not empty the queues of ${destination.kind} "${name}" (removed in config version ${active.version}): ${(err as Error).message}. ` +
            `Its messages stay in ${queueNames(name, this.options.brokerPrefix).work}; the bus tries again at the next reload or start.`,
        );
      }
    }
  }

  private async retire(name: string, destination: KnownDestination, active: ActiveConfig): Promise<void> {
    // Messages routed by an older version may still be on their way to the queue: let them land first.
    const slow = setTimeout(
      () => this.logger.warn(`Removing ${destination.kind} "${name}" waits for publishes routed by an older config version; the broker has not confirmed them for ${SLOW_WAIT_MS / 1000} s.`),
      SLOW_WAIT_MS,
    );
    await this.inFlight.settled(active.version).finally(() => clearTimeout(slow));
    const prefix = this.options.brokerPrefix;
    const names = queueNames(name, prefix);
    await this.amqp.withChannel((channel) => unbindDestination(channel, name, { prefix }));
    const moved = await moveAllMessages(this.amqp, this.publisher, {
      destination: name,
      // Retry queues first: a message whose delay ends meanwhile lands in the work queue, emptied last.
      from: [...destination.delaysMs.map((d) => names.retry(d)), names.work],
      to: names.deadLetter,
      fault: removedFault(name, destination, active),
      adapter: destination.adapter,
      onMoved: (event) => this.faults.record(event),
      logger: this.logger,
    });
    await this.store.deleteValue(DESTINATIONS_NAMESPACE, name);
    if (moved > 0) {
      this.logger.warn(
        `${capitalize(destination.kind)} "${name}" was removed in config version ${active.version}: moved ${moved} queued message(s) to ${names.deadLetter}. ` +
          `Replay them (POST /admin/dead-letters/replay {"system":"${name}"}) once it is configured again.`,
      );
    }
  }
}

function describeDestination(name: string, active: ActiveConfig, known?: KnownDestination | null): KnownDestination {
  const processor = active.config.processors?.[name];
  const delays = new Set([...(known?.delaysMs ?? []), ...active.config.delivery.redeliveryDelays]);
  return {
    kind: processor ? 'processor' : 'system',
    delaysMs: [...delays].sort((a, b) => a - b),
    adapter: processor ? `processor:${processor.kind}` : (active.systems.get(name)?.adapter.id ?? known?.adapter ?? 'unknown'),
  };
}

/** The reason a retired destination's messages carry, in their fault headers and the dead-letter index. */
export function removedFault(name: string, destination: Pick<KnownDestination, 'kind'>, active: Pick<ActiveConfig, 'version' | 'systems'>): Fault {
  const what = active.systems.has(name)
    ? `system ${name} no longer delivers outbound in config version ${active.version}`
    : `${destination.kind} ${name} was removed in config version ${active.version}`;
  return { code: ErrorCodes.CONFIG_DESTINATION_REMOVED, message: `${what}; replay it once the ${destination.kind} is configured again` };
}

const capitalize = (s: string) => s[0].toUpperCase() + s.slice(1);
