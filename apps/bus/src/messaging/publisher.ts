import { randomUUID } from 'node:crypto';
import type * as amqp from 'amqplib';
import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { AmqpConnection } from './amqp-connection';
import { BrokerUnavailableError, UnroutableError } from './messaging.errors';
import { declareCore, deliverExchange, unroutedQueue, type NamingOptions, type QueueType } from './topology';

/** Message properties a caller may set on {@link Publisher.publishToQueue}. */
export type PublishProps = Pick<
  amqp.Options.Publish,
  'messageId' | 'correlationId' | 'type' | 'timestamp' | 'contentType' | 'expiration' | 'replyTo' | 'appId'
>;

/** Headers as the bus sets them (see BusHeaders). */
export type MessageHeaders = Record<string, unknown>;

export interface PublisherOptions extends NamingOptions {
  /** Declare `bus.deliver` and `bus.unrouted` on every (re)connect. @default true */
  declareCore?: boolean;
  /** Queue type of `bus.unrouted` when declared here. @default 'quorum' */
  queueType?: QueueType;
}

interface Pending {
  returned?: { replyCode: number; replyText: string; exchange: string; routingKey: string };
}

/** Per confirm channel: returns waiting for their confirm, and backpressure. */
interface ChannelState {
  byMessageId: Map<string, Pending[]>;
  blocked: boolean;
  /** Publishes held back while the channel's write buffer is full, in order. */
  waiting: Array<{ publish: () => boolean; reject: (err: Error) => void }>;
}

/**
 * Publishes persistent messages with publisher confirms on the connection's shared confirm channel.
 * Many publishes are in flight at once; each promise settles on its own confirm. `mandatory` is set,
 * so a message no queue receives rejects instead of vanishing.
 */
export class Publisher {
  private readonly states = new WeakMap<amqp.ConfirmChannel, ChannelState>();
  private readonly exchange: string;
  /** `bus.unrouted` with this publisher's prefix: where messages no route matched are parked. */
  readonly unroutedQueue: string;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: PublisherOptions = {},
  ) {
    this.exchange = deliverExchange(options.prefix);
    this.unroutedQueue = unroutedQueue(options.prefix);
    if (options.declareCore !== false) {
      const declare = () => connection.withChannel((ch) => declareCore(ch, { prefix: options.prefix, queueType: options.queueType }));
      connection.onConnected(declare);
      // Created on a live connection: declare now, and let the first publishes wait for it, because
      // publishing to a missing exchange would close the shared channel for everyone.
      if (connection.isConnected()) {
        this.declaring = declare().finally(() => (this.declaring = undefined));
        this.declaring.catch(() => undefined);
      }
    }
  }

  private declaring?: Promise<void>;

  /**
   * Publishes one message for all destinations: routing key = the first, `CC` = the rest. Resolves
   * when the broker confirmed; rejects with BROKER.UNAVAILABLE when disconnected (at once, nothing
   * is buffered) and with {@link UnroutableError} when no destination queue is bound.
   * `json`: the envelope already serialized, when the caller needs the text too (the journal keeps it).
   */
  publish(envelope: CanonicalEnvelope, destinations: readonly string[], headers: MessageHeaders = {}, json?: string): Promise<void> {
    if (destinations.length === 0) return Promise.reject(new RangeError(`message ${envelope.id} (${envelope.type}) has no destination to publish to`));
    const [first, ...rest] = destinations;
    return this.send(this.exchange, first, Buffer.from(json ?? JSON.stringify(envelope)), {
      ...envelopeProps(envelope),
      headers,
      ...(rest.length ? { CC: rest } : {}),
    });
  }

  /**
   * Publishes straight to one queue through the default exchange, with a confirm: retry, dead-letter,
   * replay and unrouted copies. `body` is either an envelope (properties are taken from it) or the
   * bytes of an existing message (pass its properties in `props`).
   */
  publishToQueue(queue: string, body: Buffer | CanonicalEnvelope, headers: MessageHeaders = {}, props: PublishProps = {}): Promise<void> {
    const isBuffer = Buffer.isBuffer(body);
    const content = isBuffer ? body : Buffer.from(JSON.stringify(body));
    const base = isBuffer ? { contentType: 'application/json' } : envelopeProps(body);
    return this.send('', queue, content, { ...base, ...props, headers });
  }

  private async send(exchange: string, routingKey: string, content: Buffer, options: amqp.Options.Publish): Promise<void> {
    if (this.declaring) await this.declaring;
    const channel = this.connection.publishChannel();
    if (!channel) throw this.unavailable();
    const blocked = this.connection.blocked();
    if (blocked) throw new BrokerUnavailableError(`RabbitMQ does not accept messages right now (${blocked}: a memory or disk alarm). Retry later.`);
    const state = this.stateOf(channel);
    const messageId = (options.messageId ??= randomUUID());
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {};
      const onConfirm = (err: unknown) => {
        untrack(state, messageId, pending);
        if (err) reject(new BrokerUnavailableError(`RabbitMQ did not confirm message ${messageId} to ${exchange || 'queue'} ${routingKey}: ${(err as Error)?.message ?? err}. It may or may not be stored; retry later.`));
        else if (pending.returned) reject(unroutable(messageId, pending.returned));
        else resolve();
      };
      const publish = (): boolean => {
        track(state, messageId, pending);
        try {
          return channel.publish(exchange, routingKey, content, { persistent: true, mandatory: true, ...options }, onConfirm);
        } catch (err) {
          // amqplib throws synchronously when the channel is already closing.
          untrack(state, messageId, pending);
          reject(this.unavailable(err as Error));
          return true;
        }
      };
      // Respect the channel's backpressure: once a write reports a full buffer, hold publishes
      // back (in order) until 'drain' instead of growing amqplib's buffer without bound.
      if (state.blocked) state.waiting.push({ publish, reject });
      else if (!publish()) state.blocked = true;
    });
  }

  private stateOf(channel: amqp.ConfirmChannel): ChannelState {
    let state = this.states.get(channel);
    if (state) return state;
    const created: ChannelState = { byMessageId: new Map(), blocked: false, waiting: [] };
    channel.on('return', (msg: amqp.Message) => {
      // The broker sends basic.return before the basic.ack of the same message, and in publish
      // order, so the oldest unreturned publish with this message id is the one returned.
      const list = created.byMessageId.get(String(msg.properties.messageId));
      const entry = list?.find((p) => !p.returned);
      if (entry) entry.returned = returnedOf(msg);
    });
    channel.on('drain', () => {
      created.blocked = false;
      // Synchronously, so the buffer fills no further than one write past its mark.
      while (!created.blocked && created.waiting.length) if (!created.waiting.shift()!.publish()) created.blocked = true;
    });
    channel.once('close', () => {
      for (const w of created.waiting.splice(0)) w.reject(this.unavailable());
    });
    this.states.set(channel, created);
    return created;
  }

  private unavailable(cause?: Error): BrokerUnavailableError {
    return new BrokerUnavailableError(`RabbitMQ is not connected${cause ? ` (${cause.message})` : ''}; the message was not accepted. Retry later.`, { cause });
  }
}

function envelopeProps(envelope: CanonicalEnvelope): amqp.Options.Publish {
  return {
    messageId: envelope.id,
    correlationId: envelope.correlationId,
    type: envelope.type,
    // AMQP timestamps are whole seconds.
    timestamp: Math.floor(Date.now() / 1000),
    contentType: 'application/json',
  };
}

function track(state: ChannelState, id: string, pending: Pending): void {
  const list = state.byMessageId.get(id);
  if (list) list.push(pending);
  else state.byMessageId.set(id, [pending]);
}

function untrack(state: ChannelState, id: string, pending: Pending): void {
  const list = state.byMessageId.get(id);
  if (!list) return;
  const i = list.indexOf(pending);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) state.byMessageId.delete(id);
}

function unroutable(messageId: string, r: NonNullable<Pending['returned']>): UnroutableError {
  const target = r.exchange ? `exchange ${r.exchange} with routing key "${r.routingKey}"` : `queue ${r.routingKey}`;
  return new UnroutableError(
    `RabbitMQ returned message ${messageId}: no queue receives ${target} (${r.replyCode} ${r.replyText}). Declare the destination's queue (is the system in bus.yaml?) and retry.`,
    r.exchange,
    r.routingKey,
  );
}

function returnedOf(msg: amqp.Message): NonNullable<Pending['returned']> {
  // basic.return fields; amqplib types them as plain message fields.
  const f = msg.fields as amqp.MessageFields & { replyCode?: number; replyText?: string };
  return { replyCode: f.replyCode ?? 312, replyText: f.replyText ?? 'NO_ROUTE', exchange: f.exchange, routingKey: f.routingKey };
}
