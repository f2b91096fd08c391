import { randomUUID } from 'node:crypto';
import type * as amqp from 'amqplib';
import { BusHeaders, type CanonicalEnvelope } from '@bus/canonical-model';
import { TurnBatches } from '@bus/adapters';
import type { AmqpConnection } from './amqp-connection';
import { BUNDLE_CONTENT_TYPE, encodeBundle, fitsBundle, type BundleRecord } from './bundle';
import { PublishedBodies } from './published-bodies';
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
  /**
   * Messages for the same destinations published in one event-loop turn travel as bundles of up to this
   * many (bus.yaml `delivery.bundleRecords`; see bundle.ts). 1 publishes each on its own. @default 32
   */
  bundleRecords?: number;
  /** A bundle is sent once its bodies reach this many bytes. @default 262144 */
  bundleBytes?: number;
}

/** One publish waiting, with the others of its turn for the same destinations, to go out as a bundle. */
interface Waiting {
  destinations: readonly string[];
  record: BundleRecord;
  resolve(): void;
  reject(err: Error): void;
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
    this.bundles = new TurnBatches((_key, waiting) => this.sendBundle(waiting), { maxItems: options.bundleRecords ?? 32, maxBytes: options.bundleBytes ?? 256 * 1024 });
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
  /** Keyed by the destinations, in order. */
  private readonly bundles: TurnBatches<Waiting>;
  /** What this process's own consumers will read back: they take these envelopes instead of parsing them. */
  readonly published = new PublishedBodies();

  /**
   * Publishes one message for all destinations: routing key = the first, `CC` = the rest. Resolves
   * when the broker confirmed; rejects with BROKER.UNAVAILABLE when disconnected (at once, nothing
   * is buffered) and with {@link UnroutableError} when no destination queue is bound.
   * `json`: the envelope already serialized, when the caller needs the text too (the journal keeps it).
   * Messages for the same destinations published in one event-loop turn go out as one bundle, in the
   * order of the calls; each call settles with its bundle's confirm.
   * An envelope bound for a destination this process consumes is frozen here when it is plain JSON: its
   * consumer takes that object instead of parsing the body (see PublishedBodies), so it must not change after.
   */
  publish(envelope: CanonicalEnvelope, destinations: readonly string[], headers: MessageHeaders = {}, json?: string): Promise<void> {
    if (destinations.length === 0) return Promise.reject(new RangeError(`message ${envelope.id} (${envelope.type}) has no destination to publish to`));
    const text = json ?? JSON.stringify(envelope);
    this.published.remember(envelope, destinations, text);
    const key = destinations.join('\n');
    if ((this.options.bundleRecords ?? 32) <= 1 || !fitsBundle(text)) {
      this.bundles.flush(key); // keeps the order of the calls
      return this.sendTo(destinations, Buffer.from(text), jsonProps(recordProps(envelope)), headers);
    }
    return new Promise<void>((resolve, reject) => this.bundles.add(key, { destinations, record: { props: recordProps(envelope), headers, json: text }, resolve, reject }, text.length));
  }

  /** Sends publishes of one turn for the same destinations: a lone record as a message of its own, several as a bundle. */
  private sendBundle(waiting: Waiting[]): void {
    const records = waiting.map((w) => w.record);
    const { destinations } = waiting[0];
    const sent =
      records.length === 1
        ? this.sendTo(destinations, Buffer.from(records[0].json), jsonProps(records[0].props), records[0].headers)
        : this.sendTo(destinations, encodeBundle(records), { messageId: randomUUID(), timestamp: nowSeconds(), contentType: BUNDLE_CONTENT_TYPE }, { [BusHeaders.BUNDLE]: records.length }, records);
    sent.then(
      () => waiting.forEach((w) => w.resolve()),
      (err: Error) => waiting.forEach((w) => w.reject(err)),
    );
  }

  private sendTo(destinations: readonly string[], content: Buffer, props: amqp.Options.Publish, headers: MessageHeaders, bundled?: readonly BundleRecord[]): Promise<void> {
    const [first, ...rest] = destinations;
    return this.send(this.exchange, first, content, { ...props, headers, ...(rest.length ? { CC: rest } : {}) }, bundled);
  }

  /**
   * Publishes straight to one queue through the default exchange, with a confirm: retry, dead-letter,
   * replay and unrouted copies. `body` is either an envelope (properties are taken from it) or the
   * bytes of an existing message (pass its properties in `props`).
   */
  publishToQueue(queue: string, body: Buffer | CanonicalEnvelope, headers: MessageHeaders = {}, props: PublishProps = {}): Promise<void> {
    const isBuffer = Buffer.isBuffer(body);
    const content = isBuffer ? body : Buffer.from(JSON.stringify(body));
    const base = isBuffer ? { contentType: 'application/json' } : jsonProps(recordProps(body));
    return this.send('', queue, content, { ...base, ...props, headers });
  }

  /** `bundled`: the records `content` carries, so that errors name them. */
  private async send(exchange: string, routingKey: string, content: Buffer, options: amqp.Options.Publish, bundled?: readonly BundleRecord[]): Promise<void> {
    if (this.declaring) await this.declaring;
    const channel = this.connection.publishChannel();
    if (!channel) throw this.unavailable();
    const blocked = this.connection.blocked();
    if (blocked) throw new BrokerUnavailableError(`RabbitMQ does not accept messages right now (${blocked}: a memory or disk alarm). Retry later.`);
    const state = this.stateOf(channel);
    const messageId = (options.messageId ??= randomUUID());
    const what = bundled ? bundleName(messageId, bundled) : `message ${messageId}`;
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {};
      const onConfirm = (err: unknown) => {
        untrack(state, messageId, pending);
        if (err) reject(new BrokerUnavailableError(`RabbitMQ did not confirm ${what} to ${exchange || 'queue'} ${routingKey}: ${(err as Error)?.message ?? err}. It may or may not be stored; retry later.`));
        else if (pending.returned) reject(unroutable(what, pending.returned));
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

function jsonProps(props: BundleRecord['props']): amqp.Options.Publish {
  return { ...props, contentType: 'application/json' };
}

function recordProps(envelope: CanonicalEnvelope): BundleRecord['props'] {
  return { messageId: envelope.id, correlationId: envelope.correlationId, type: envelope.type, timestamp: nowSeconds() };
}

/** AMQP timestamps are whole seconds. */
function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A bundle in an error: its id and the ids of the messages it carries, so a log search finds them. */
function bundleName(bundleId: string, records: readonly BundleRecord[]): string {
  const ids = records.slice(0, 5).map((r) => r.props.messageId);
  return `bundle ${bundleId} (${records.length} messages: ${ids.join(', ')}${records.length > 5 ? ', …' : ''})`;
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

function unroutable(what: string, r: NonNullable<Pending['returned']>): UnroutableError {
  const target = r.exchange ? `exchange ${r.exchange} with routing key "${r.routingKey}"` : `queue ${r.routingKey}`;
  return new UnroutableError(
    `RabbitMQ returned ${what}: no queue receives ${target} (${r.replyCode} ${r.replyText}). Declare the destination's queue (is the system in bus.yaml?) and retry.`,
    r.exchange,
    r.routingKey,
  );
}

function returnedOf(msg: amqp.Message): NonNullable<Pending['returned']> {
  // basic.return fields; amqplib types them as plain message fields.
  const f = msg.fields as amqp.MessageFields & { replyCode?: number; replyText?: string };
  return { replyCode: f.replyCode ?? 312, replyText: f.replyText ?? 'NO_ROUTE', exchange: f.exchange, routingKey: f.routingKey };
}
