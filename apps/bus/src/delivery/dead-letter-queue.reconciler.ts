import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type * as amqp from 'amqplib';
import { BusHeaders, ErrorCodes, type CanonicalEnvelope } from '@bus/canonical-model';
import { AdapterHost } from '../adapters/adapter-host.service';
import type { ActiveConfig } from '../config/active-config';
import { ConfigService } from '../config/config.service';
import { AmqpConnection, attemptsOf, parseEnvelope, queueNames } from '../messaging';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { BUS_STORE, type BusStore, type DeadLetter } from '../store/bus-store';
import { deadLetterOfCopy } from './delivery-faults';
import { DEAD_LETTER_REPLAY_LEASE_MS, replayClaimOwner } from './dead-letter-claims';

/** A replay or discard asks for a pass this long after the last one of a burst (a bulk replay asks once per entry). */
const DEBOUNCE_MS = 300;
/** Every destination's queue is brought in line this often, in case a pass was missed (a crash, an error). */
const INTERVAL_MS = 5 * 60_000;
/**
 * A pass holds every copy it read unacked until it ends, so it reads at most this many. Copies
 * beyond stay as they are until earlier ones are acked by later passes.
 */
const MAX_COPIES_PER_PASS = 10_000;
/** A pass that failed (store or broker trouble) is tried again after this long. */
const RETRY_MS = 5_000;
/** AMQP reply code of checkQueue on a queue that does not exist. */
const NOT_FOUND = 404;
/** One pass per destination at a time across bus instances sharing the store. */
const PASS_LOCK_TTL_MS = 60_000;

const isOpen = (d: DeadLetter) => d.state === 'dead' || d.state === 'replaying';

/** What one pass did with a destination's dead-letter queue. */
export interface ReconcileResult {
  destination: string;
  /** Copies read from the queue. */
  read: number;
  /** Copies removed: their entry was replayed or discarded (or the message was delivered meanwhile). */
  removed: number;
  /** Copies the store lacked and now lists. */
  indexed: number;
  /** Copies whose body is not an envelope: kept in the queue, not listable. */
  unreadable: number;
}

/**
 * Keeps each destination's broker dead-letter queue (`bus.<system>.dead-letter`) holding exactly the
 * copies of the dead letters the admin API lists as open. The store decides: a pass reads the queue
 * (basic.get without ack, up to its depth), acks the copies whose entry was replayed or discarded,
 * indexes the copies the store lacks (their indexing failed when they were dead-lettered), and
 * returns the rest to the queue by closing its channel. A quorum queue puts them back at its head in
 * an order of its own; that is harmless, as the queue only parks copies and replays are read from
 * the store, newest first. Copies carry their entry's id
 * (`x-bus-dead-letter-id`); older copies without it are matched by message id and destination.
 *
 * Runs after replays and discards (debounced), at startup, after a reconnect and every five minutes; it also sends
 * replay claims whose replayer died back to `dead` (see dead-letter-claims.ts).
 * `bus.unrouted` is not reconciled: its messages are not dead letters in the store.
 */
@Injectable()
export class DeadLetterQueueReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('dead-letters');
  /** Holds the per-queue pass lock in the store. */
  private readonly owner = replayClaimOwner();
  private readonly debounce = new Map<string, NodeJS.Timeout>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<ReconcileResult | undefined>>();
  private readonly again = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly config: ConfigService,
    private readonly amqp: AmqpConnection,
    private readonly host: AdapterHost,
    @Inject(BUS_STORE) private readonly store: BusStore,
    @Inject(BUS_OPTIONS) private readonly options: BusOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // At startup and after each reload, once the destinations' queues are declared; not awaited, so start-up does not wait for it.
    await this.host.onApplied((_plan, active) => void this.releaseStaleClaims().then(() => this.reconcileAll(active)));
    // Copies dead-lettered while the broker was away from this instance are looked at once it is back.
    this.amqp.on('connected', () => void this.reconcileAll(this.config.active()));
    this.timers = [
      setInterval(() => void this.reconcileAll(this.config.active()), INTERVAL_MS),
      setInterval(() => void this.releaseStaleClaims(), DEAD_LETTER_REPLAY_LEASE_MS / 2),
    ];
    for (const timer of this.timers) timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    for (const timer of [...this.timers, ...this.debounce.values(), ...this.retries.values()]) clearTimeout(timer);
    this.debounce.clear();
    this.retries.clear();
    await Promise.allSettled(this.running.values());
  }

  /** Asks for a pass over one destination's queue soon; a burst of calls makes one pass. */
  schedule(destination: string): void {
    if (this.stopped) return;
    clearTimeout(this.debounce.get(destination));
    const timer = setTimeout(() => {
      this.debounce.delete(destination);
      void this.reconcile(destination);
    }, DEBOUNCE_MS);
    timer.unref();
    this.debounce.set(destination, timer);
  }

  /**
   * One pass over a destination's dead-letter queue; a call while one runs makes one more pass after it.
   * Resolves with what it did, or undefined when it could not run (broker down, queue missing, another instance's pass).
   */
  reconcile(destination: string): Promise<ReconcileResult | undefined> {
    const current = this.running.get(destination);
    if (current) {
      this.again.add(destination);
      return current;
    }
    const pass = this.pass(destination).finally(() => {
      this.running.delete(destination);
      if (this.again.delete(destination) && !this.stopped) void this.reconcile(destination);
    });
    this.running.set(destination, pass);
    return pass;
  }

  private async reconcileAll(active: ActiveConfig): Promise<void> {
    const destinations = [...[...active.systems.values()].filter((s) => s.outbound).map((s) => s.name), ...Object.keys(active.config.processors ?? {})];
    for (const destination of destinations) await this.reconcile(destination);
  }

  private async releaseStaleClaims(): Promise<void> {
    if (this.stopped) return;
    try {
      const released = await this.store.releaseStaleDeadLetterClaims(
        new Date(Date.now() - DEAD_LETTER_REPLAY_LEASE_MS),
        `A replay claimed this dead letter and did not finish within ${DEAD_LETTER_REPLAY_LEASE_MS / 1000} s (its bus instance stopped?); it is dead again: replay it.`,
      );
      if (released > 0) this.logger.warn(`${released} dead letter(s) whose replay did not finish within ${DEAD_LETTER_REPLAY_LEASE_MS / 1000} s are dead again; replay them.`);
    } catch (err) {
      this.logger.warn(`Stale dead-letter replay claims could not be released: ${(err as Error).message}; trying again in ${DEAD_LETTER_REPLAY_LEASE_MS / 2000} s.`);
    }
  }

  private async pass(destination: string): Promise<ReconcileResult | undefined> {
    if (this.stopped || !this.amqp.isConnected()) return undefined;
    const queue = queueNames(destination, this.options.brokerPrefix).deadLetter;
    const lock = `dead-letter-queue:${queue}`;
    try {
      if (!(await this.store.tryAcquireLock(lock, this.owner, PASS_LOCK_TTL_MS))) {
        // Another instance is reading this queue: look again once it is done.
        this.schedule(destination);
        return undefined;
      }
      try {
        const result = await this.amqp.withChannel((channel) => this.readAndSettle(channel, queue, destination));
        if (result.indexed || result.unreadable) {
          this.logger.warn(
            `${queue}: ${result.indexed} copies the store did not list are now dead letters; ${result.unreadable} copies are not envelopes and stay unlisted (inspect them in the broker).`,
          );
        }
        return result;
      } finally {
        await this.store.releaseLock(lock, this.owner);
      }
    } catch (err) {
      // Not declared yet (its consumer declares it) or not a destination with a queue: nothing to reconcile.
      if (this.stopped || (err as { code?: number }).code === NOT_FOUND) return undefined;
      this.logger.warn(`Dead-letter queue of ${destination} could not be reconciled: ${(err as Error).message}; trying again in ${RETRY_MS / 1000} s.`);
      clearTimeout(this.retries.get(destination));
      this.retries.set(destination, setTimeout(() => void this.reconcile(destination), RETRY_MS).unref());
      return undefined;
    }
  }

  private async readAndSettle(channel: amqp.Channel, queue: string, destination: string): Promise<ReconcileResult> {
    const result: ReconcileResult = { destination, read: 0, removed: 0, indexed: 0, unreadable: 0 };
    const { messageCount } = await channel.checkQueue(queue);
    const copies: amqp.GetMessage[] = [];
    for (let i = 0; i < Math.min(messageCount, MAX_COPIES_PER_PASS); i++) {
      const msg = await channel.get(queue, { noAck: false });
      if (!msg) break;
      copies.push(msg);
    }
    result.read = copies.length;
    const remove = await this.decide(copies, destination, result);
    await settle(channel, queue, [...remove]);
    result.removed = remove.size;
    // The copies kept go back to the queue when withChannel closes the channel.
    return result;
  }

  /** Which copies to ack; indexes the ones the store lacks on the way. */
  private async decide(copies: amqp.GetMessage[], destination: string, result: ReconcileResult): Promise<Set<amqp.GetMessage>> {
    const remove = new Set<amqp.GetMessage>();
    const ids = new Set(copies.map(copyId).filter((id): id is string => id !== undefined));
    const entries = new Map((await this.store.getDeadLetters([...ids])).map((d) => [d.id, d]));
    const legacy = new Map<string, amqp.GetMessage[]>();
    for (const msg of copies) {
      const id = copyId(msg);
      if (id === undefined) {
        const messageId = messageIdOf(msg);
        legacy.set(messageId, [...(legacy.get(messageId) ?? []), msg]);
        continue;
      }
      const entry = entries.get(id) ?? (await this.index(msg, destination, result));
      if (entry === 'unreadable') continue;
      if (entry === 'delivered' || !isOpen(entry)) remove.add(msg);
    }
    for (const [messageId, group] of legacy) {
      // Entries another copy in this queue already stands for do not count for these.
      const all = (await this.store.listDeadLetters({ system: destination, messageId, state: 'all', limit: 500 })).items.filter((d) => !ids.has(d.id));
      let open = all.filter(isOpen).length;
      if (all.length === 0) {
        const entry = await this.index(group[0], destination, result);
        if (entry === 'unreadable') continue;
        open = entry !== 'delivered' && isOpen(entry) ? 1 : 0;
      }
      // Keep one copy per open entry; the rest are resolved or duplicates.
      for (const msg of group.slice(open)) remove.add(msg);
    }
    return remove;
  }

  /** Lists a copy the store lacks, unless its message reached the destination meanwhile. */
  private async index(msg: amqp.GetMessage, destination: string, result: ReconcileResult): Promise<DeadLetter | 'delivered' | 'unreadable'> {
    const envelope = envelopeOf(msg.content);
    if (!envelope) {
      result.unreadable++;
      return 'unreadable';
    }
    if (await this.store.isDelivered(envelope.id, destination)) return 'delivered';
    const headers = msg.properties.headers ?? {};
    const fault = {
      code: typeof headers[BusHeaders.FAULT_CODE] === 'string' ? (headers[BusHeaders.FAULT_CODE] as string) : ErrorCodes.DELIVERY_TRANSIENT,
      message: typeof headers[BusHeaders.FAULT_MESSAGE] === 'string' ? (headers[BusHeaders.FAULT_MESSAGE] as string) : '(the copy carries no fault headers)',
    };
    const entry = await this.store.recordDeadLetter(deadLetterOfCopy(envelope, destination, headers, fault, attemptsOf(headers)));
    result.indexed++;
    return entry;
  }
}

/** Acks a quorum queue applies before a channel closes: see settle(). */
const ACKS_PER_BARRIER = 25;

/**
 * Acks `copies` so that every ack takes effect before the channel closes. A quorum queue's channel
 * sends at most 32 settlements to the queue unconfirmed and holds the rest back; closing the channel
 * drops those, and their copies return to the queue (seen on RabbitMQ 3.10: 34 of 300 acks kept).
 * So acks go in groups of 25, each followed by a basic.get on the same queue, which the queue
 * answers only after the acks sent before it. A copy that get returns (one that arrived meanwhile)
 * stays unacked and goes back with the rest.
 */
async function settle(channel: amqp.Channel, queue: string, copies: amqp.GetMessage[]): Promise<void> {
  for (let i = 0; i < copies.length; i += ACKS_PER_BARRIER) {
    for (const msg of copies.slice(i, i + ACKS_PER_BARRIER)) channel.ack(msg);
    await channel.get(queue, { noAck: false });
  }
}

function copyId(msg: amqp.GetMessage): string | undefined {
  const id = msg.properties.headers?.[BusHeaders.DEAD_LETTER_ID];
  return typeof id === 'string' && id ? id : undefined;
}

function messageIdOf(msg: amqp.GetMessage): string {
  if (typeof msg.properties.messageId === 'string' && msg.properties.messageId) return msg.properties.messageId;
  return envelopeOf(msg.content)?.id ?? '(no message id)';
}

/** The copy's envelope; undefined when its body is not one or has no id to file it under. */
function envelopeOf(content: Buffer): CanonicalEnvelope | undefined {
  const envelope = parseEnvelope(content);
  return typeof envelope?.id === 'string' ? envelope : undefined;
}
