import type * as amqp from 'amqplib';
import { Logger } from '@nestjs/common';
import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { AmqpConnection } from './amqp-connection';
import type { Publisher } from './publisher';
import { AckBatcher, type AckBatchOptions, type Acks } from './ack-batcher';
import { BundleAcks } from './bundle-acks';
import { FanOutReads, type ReadRecord } from './fan-out-reads';
import { RecordSlots } from './record-slots';
import { DeliveryRun, type DeliveryRunContext } from './delivery-run';
import type { DeliveryPolicy, Outcome } from './delivery-policy';
import { MessagingLog, type MessagingLogger } from './messaging.log';
import { declareDestination, queueNames, type NamingOptions, type QueueType } from './topology';

import type { Fault } from './delivery-policy';
import { logLine } from '../logging/log-line';

export type { Outcome, Fault } from './delivery-policy';

/** One message as a delivery handler sees it. */
export interface Delivery {
  /** The parsed message body. */
  envelope: CanonicalEnvelope;
  /** Broker deliveries before this one at this destination (`x-bus-attempts`); 0 on the first. */
  attempts: number;
  /** In-process retries of this delivery so far; 0 on the first call. */
  immediateRetry: number;
  /**
   * This try's number at this destination, from 1: every in-process try of every delivery counts
   * (earlier deliveries are counted with the current policy's tries per delivery).
   */
  attempt: number;
  headers: Record<string, unknown>;
  properties: amqp.MessageProperties;
}

/** Delivers one message; returns what to do with it. A throw counts as a transient failure. */
export type DeliveryHandler = (delivery: Delivery) => Promise<Outcome>;

/** How {@link Consumer.consume} reads one destination's queue. */
export interface ConsumeOptions extends NamingOptions, Partial<DeliveryPolicy> {
  /** Unacked messages in flight, and records delivered at once (bus.yaml `delivery.prefetch`). @default 50 */
  prefetch?: number;
  /** @default 2 */
  immediateRetries?: number;
  /** @default [1000, 10000, 60000] */
  redeliveryDelaysMs?: readonly number[];
  /** Queue type of the work and dead-letter queues. @default 'quorum' */
  queueType?: QueueType;
  /** Declare the destination's queues on every (re)connect before subscribing. @default true */
  declare?: boolean;
  /** Adapter id written to `x-bus-fault-adapter` when a fault does not name one. */
  adapter?: string;
  /** Ack coalescing (default: every 5 ms or once `prefetch` acks wait); `false` acks each message on its own. */
  ackBatch?: AckBatchOptions | false;
  /**
   * Called after a retry or dead-letter copy is confirmed and the original acked (journal, metrics,
   * dead-letter index). Awaited, so a graceful cancel waits for it; its errors are logged, never retried.
   */
  onFault?: (event: FaultEvent) => void | Promise<void>;
  /** Longest `cancel()` waits for in-flight handlers before closing the channel anyway (they are requeued). @default 30000 */
  drainTimeoutMs?: number;
}

/** What the consumer did with a failed delivery, reported once the broker confirmed the copy. */
export interface FaultEvent {
  kind: 'retry' | 'deadLetter';
  /** Absent when the body did not parse. */
  envelope?: CanonicalEnvelope;
  destination: string;
  fault: Fault;
  /** Deliveries made at this destination so far, this one included (`x-bus-attempts` of the copy). */
  attempts: number;
  /** The retry or dead-letter queue the copy went to. */
  queue: string;
  /** The copy's headers. */
  headers: Record<string, unknown>;
}

/** A running subscription. */
export interface ConsumerHandle {
  readonly system: string;
  readonly queue: string;
  /** Messages taken from the queue and not yet acked (being delivered). */
  readonly inFlightCount: number;
  /** Stops taking messages, waits for in-flight handlers and their acks, closes the channel. Safe to call twice. */
  cancel(): Promise<void>;
}

/** Starts consumers of destination work queues, with staged retries and dead-lettering. */
export class Consumer {
  private readonly logger: MessagingLogger;
  /** Shared by this process's subscriptions: a message fanned out to several of them is parsed once. */
  private readonly reads: FanOutReads;

  /** `defaults` apply to every `consume()` (e.g. the prefix and bus.yaml's `delivery` settings); its options win. */
  constructor(
    private readonly connection: AmqpConnection,
    private readonly publisher: Publisher,
    logger?: MessagingLogger,
    private readonly defaults: ConsumeOptions = {},
  ) {
    this.logger = logger ?? new Logger('consumer');
    this.reads = new FanOutReads(publisher.published);
  }

  /**
   * Consumes `bus.<system>` until cancelled, re-subscribing after every reconnect. Resolves once
   * subscribed (when connected); rejects if the destination's topology is refused.
   */
  async consume(system: string, handler: DeliveryHandler, options: ConsumeOptions = {}): Promise<ConsumerHandle> {
    const merged = { ...this.defaults, ...options };
    const subscription = new Subscription(system, handler, merged, this.connection, this.publisher, this.logger, this.reads);
    await subscription.start();
    return subscription;
  }
}

class Subscription implements ConsumerHandle {
  readonly queue: string;
  private readonly context: DeliveryRunContext;
  private readonly slots: RecordSlots;
  private model?: amqp.ChannelModel;
  private channel?: amqp.Channel;
  private consumerTag?: string;
  private inFlight = 0;

  get inFlightCount(): number {
    return this.inFlight;
  }
  private readonly idleWaiters: Array<() => void> = [];
  private readonly abort = new AbortController();
  private cancelling?: Promise<void>;
  private resubscribeTimer?: NodeJS.Timeout;
  private resubscribeAttempt = 0;
  private readonly unregister: Array<() => void> = [];

  constructor(
    readonly system: string,
    private readonly handler: DeliveryHandler,
    private readonly options: ConsumeOptions,
    private readonly connection: AmqpConnection,
    publisher: Publisher,
    private readonly logger: MessagingLogger,
    private readonly reads: FanOutReads,
  ) {
    const names = queueNames(system, options.prefix);
    this.queue = names.work;
    this.slots = new RecordSlots(options.prefetch ?? 50);
    this.context = {
      system,
      names,
      policy: { immediateRetries: options.immediateRetries ?? 2, redeliveryDelaysMs: options.redeliveryDelaysMs ?? [1000, 10_000, 60_000] },
      adapter: options.adapter,
      onFault: options.onFault,
      handler,
      publisher,
      logger,
      signal: this.abort.signal,
    };
  }

  async start(): Promise<void> {
    this.unregister.push(this.context.publisher.published.consumes(this.system));
    this.unregister.push(
      this.connection.onConnected((model) =>
        this.subscribe(model).catch((err: Error) => {
          this.logger.warn(MessagingLog.consumerFailed(this.queue, err));
          this.scheduleResubscribe();
        }),
      ),
    );
    this.unregister.push(this.connection.beforeClose(() => this.cancel()));
    const model = this.connection.current();
    if (!model || !this.connection.isConnected()) return;
    try {
      await this.subscribe(model);
    } catch (err) {
      await this.cancel();
      throw err;
    }
  }

  cancel(): Promise<void> {
    this.cancelling ??= this.drainAndClose();
    return this.cancelling;
  }

  private async drainAndClose(): Promise<void> {
    for (const off of this.unregister) off();
    clearTimeout(this.resubscribeTimer);
    const channel = this.channel;
    if (channel && this.consumerTag) await channel.cancel(this.consumerTag).catch(() => undefined);
    await this.idle(this.options.drainTimeoutMs ?? 30_000);
    // Handlers still waiting to move a message on give up; the message stays unacked and is requeued.
    this.abort.abort();
    this.batcherOf(channel)?.flush();
    this.channel = undefined;
    if (channel) await channel.close().catch(() => undefined);
  }

  private readonly batchers = new WeakMap<amqp.Channel, AckBatcher>();

  private batcherOf(channel?: amqp.Channel): AckBatcher | undefined {
    return channel ? this.batchers.get(channel) : undefined;
  }

  private subscribing?: Promise<void>;

  /** Runs on every (re)connect: declare, open a channel, consume. Guarded so one connection subscribes once. */
  private subscribe(model: amqp.ChannelModel): Promise<void> {
    this.subscribing ??= this.doSubscribe(model).finally(() => (this.subscribing = undefined));
    return this.subscribing;
  }

  private async doSubscribe(model: amqp.ChannelModel): Promise<void> {
    if (this.cancelling || (this.model === model && this.consumerTag)) return;
    this.model = model;
    const { options } = this;
    if (options.declare !== false) {
      await this.connection.withChannel((ch) =>
        declareDestination(ch, this.system, {
          prefix: options.prefix,
          queueType: options.queueType ?? 'quorum',
          redeliveryDelaysMs: this.context.policy.redeliveryDelaysMs,
        }),
      );
    }
    const channel = this.channel ?? (await this.openChannel(model));
    if (this.cancelling) return void (await channel.close().catch(() => undefined));
    const { consumerTag } = await channel.consume(this.queue, (msg) => this.onMessage(channel, msg));
    this.consumerTag = consumerTag;
    // cancel() ran while we subscribed and found no consumer to cancel: stop this one ourselves.
    if (this.cancelling && this.channel !== channel) return void (await channel.close().catch(() => undefined));
    this.resubscribeAttempt = 0;
    if (!this.announced) {
      this.announced = true;
      const { policy } = this.context;
      this.logger.log(MessagingLog.consuming(this.queue, options.prefetch ?? 50, policy.immediateRetries, policy.redeliveryDelaysMs));
    }
  }

  private announced = false;

  private async openChannel(model: amqp.ChannelModel): Promise<amqp.Channel> {
    const channel = await model.createChannel();
    channel.on('error', () => undefined); // 'close' follows
    await channel.prefetch(this.options.prefetch ?? 50);
    const sink = {
      // The channel may close between a handler's end and the flush; the broker then requeues.
      ack: (tag: number, multiple: boolean) => swallow(() => channel.ack(fakeMessage(tag), multiple)),
      nack: (tag: number, requeue: boolean) => swallow(() => channel.nack(fakeMessage(tag), false, requeue)),
    };
    const prefetch = this.options.prefetch ?? 50;
    const batching = this.options.ackBatch === false ? { maxMessages: 1 } : { maxMessages: prefetch, ...this.options.ackBatch };
    this.batchers.set(channel, new AckBatcher(sink, batching));
    channel.once('close', () => {
      this.batchers.get(channel)?.discard();
      if (this.channel !== channel) return;
      this.channel = undefined;
      this.consumerTag = undefined;
      // Closed on its own (channel error) while the connection lives: subscribe again.
      if (!this.cancelling && this.connection.current() === model && this.connection.isConnected()) this.scheduleResubscribe();
    });
    this.channel = channel;
    return channel;
  }

  private onMessage(channel: amqp.Channel, msg: amqp.ConsumeMessage | null): void {
    if (msg === null) {
      // The server cancelled us (queue deleted). Re-declare and subscribe again on the same channel,
      // which still carries the acks of messages in flight.
      this.consumerTag = undefined;
      if (!this.cancelling) {
        this.logger.warn(MessagingLog.consumerCancelled(this.queue));
        this.scheduleResubscribe();
      }
      return;
    }
    const batcher = this.batchers.get(channel);
    if (!batcher) return;
    batcher.track(msg.fields.deliveryTag);
    this.inFlight++;
    const records = this.reads.read(msg, (err) => this.logger.warn(MessagingLog.bundleUnreadable(String(msg.properties.messageId), this.system, this.queue, err)));
    const acks = records.length > 1 ? new BundleAcks(batcher, msg.fields.deliveryTag, records.length) : batcher;
    void Promise.all(records.map((r) => this.deliver(r, acks))).finally(() => {
      if (--this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  private async deliver({ msg, envelope }: ReadRecord, acks: Acks): Promise<void> {
    await this.slots.take();
    try {
      // Cancelled, or the channel closed, while it waited: left unacked, the broker requeues it.
      if (this.abort.signal.aborted || acks.isDiscarded) return;
      await new DeliveryRun(this.context, msg, acks, envelope).run();
    } catch (err) {
      const messageId = String(msg.properties.messageId);
      this.logger.error(logLine(MessagingLog.copyFailed(messageId, this.system, this.queue, err as Error), { messageId, system: this.system, queue: this.queue }));
    } finally {
      this.slots.give();
    }
  }

  private scheduleResubscribe(): void {
    clearTimeout(this.resubscribeTimer);
    const delay = Math.min(30_000, 500 * 2 ** this.resubscribeAttempt++);
    this.resubscribeTimer = setTimeout(() => {
      const model = this.connection.current();
      if (this.cancelling || !model || !this.connection.isConnected()) return; // the next connect subscribes
      this.subscribe(model).catch((err: Error) => {
        this.logger.warn(MessagingLog.consumerFailed(this.queue, err));
        this.scheduleResubscribe();
      });
    }, delay);
  }

  private idle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** amqplib's ack/nack read only `fields.deliveryTag`. */
function fakeMessage(deliveryTag: number): amqp.Message {
  return { fields: { deliveryTag } } as amqp.Message;
}

function swallow(fn: () => void): void {
  try {
    fn();
  } catch {
    // channel already closed: nothing to acknowledge any more
  }
}
