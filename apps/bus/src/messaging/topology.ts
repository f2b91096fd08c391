import type * as amqp from 'amqplib';
import { TopologyError } from './messaging.errors';

/** Direct exchange every routed message is published to; routing key = destination system. */
export const DELIVER_EXCHANGE = 'bus.deliver';
/** Queue for messages that matched no route (parked with fault headers, replayable). */
export const UNROUTED_QUEUE = 'bus.unrouted';
/** RabbitMQ's pseudo-queue for direct reply-to (request-reply without a reply queue). */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';
/**
 * Query queues are classic and durable but expire after this long without a consumer, so a
 * system removed from the config does not leave a queue behind; queries carry a per-message TTL.
 */
export const QUERY_QUEUE_EXPIRES_MS = 30 * 60_000;

export type QueueType = 'quorum' | 'classic';

/** Names of the queues that belong to one destination system. */
export interface DestinationQueueNames {
  /** `bus.<system>`: the work queue the destination's consumer reads. */
  work: string;
  /** `bus.<system>.dead-letter`: where messages go after the last failed attempt. */
  deadLetter: string;
  /** `bus.query.<system>`: requests the system answers (request-reply). */
  query: string;
  /** `bus.<system>.retry.<label>` for one redelivery delay, e.g. `bus.sales.retry.10s`. */
  retry(delayMs: number): string;
}

/** Options shared by everything that names broker objects. */
export interface NamingOptions {
  /**
   * Put in front of every exchange and queue name (`<prefix>.bus.sales`), so tests can run side by
   * side on one broker. Production leaves it unset.
   */
  prefix?: string;
}

const withPrefix = (name: string, prefix?: string) => (prefix ? `${prefix}.${name}` : name);

/** The exchange name, with the optional test prefix. */
export const deliverExchange = (prefix?: string) => withPrefix(DELIVER_EXCHANGE, prefix);
/** The unrouted queue name, with the optional test prefix. */
export const unroutedQueue = (prefix?: string) => withPrefix(UNROUTED_QUEUE, prefix);

/** All queue names for a destination system. */
export function queueNames(system: string, prefix?: string): DestinationQueueNames {
  const work = withPrefix(`bus.${system}`, prefix);
  return {
    work,
    deadLetter: `${work}.dead-letter`,
    query: withPrefix(`bus.query.${system}`, prefix),
    retry: (delayMs: number) => `${work}.retry.${delayLabel(delayMs)}`,
  };
}

/**
 * A short, stable label for a delay: `100ms`, `1s`, `90s`, `10m`, `2h`. The label is part of the
 * retry queue's name, so one name always means one TTL and a changed delay gets a new queue rather
 * than a PRECONDITION_FAILED on the old one.
 */
export function delayLabel(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new RangeError(`redelivery delay must be a positive whole number of ms, got ${ms}`);
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** How one destination's queues are declared. */
export interface DestinationTopologyOptions extends NamingOptions {
  queueType: QueueType;
  /** One retry queue per entry, in order; an empty list dead-letters after the in-process retries. */
  redeliveryDelaysMs: readonly number[];
}

/** Declares the exchange and the unrouted queue. Idempotent. */
export async function declareCore(channel: amqp.Channel, options: NamingOptions & { queueType?: QueueType } = {}): Promise<void> {
  const queueType = options.queueType ?? 'quorum';
  await guard(unroutedQueue(options.prefix), queueType, async () => {
    await channel.assertExchange(deliverExchange(options.prefix), 'direct', { durable: true });
    await channel.assertQueue(unroutedQueue(options.prefix), { durable: true, arguments: { 'x-queue-type': queueType } });
  });
}

/**
 * Declares one destination's work queue (bound to `bus.deliver` with key = system), a retry queue
 * per delay (TTL, then dead-lettered back to the work queue through the default exchange) and its
 * dead-letter queue. Idempotent; a queue that exists with other arguments fails with a
 * {@link TopologyError} that tells the operator what to do.
 *
 * The channel is closed by the broker when a declaration is refused, so pass a channel that is
 * used for declarations only.
 */
export async function declareDestination(channel: amqp.Channel, system: string, options: DestinationTopologyOptions): Promise<DestinationQueueNames> {
  const names = queueNames(system, options.prefix);
  const exchange = deliverExchange(options.prefix);
  const typed = { 'x-queue-type': options.queueType };
  await channel.assertExchange(exchange, 'direct', { durable: true });
  await guard(names.work, options.queueType, () => channel.assertQueue(names.work, { durable: true, arguments: typed }));
  await channel.bindQueue(names.work, exchange, system);
  await guard(names.deadLetter, options.queueType, () => channel.assertQueue(names.deadLetter, { durable: true, arguments: typed }));
  for (const delay of options.redeliveryDelaysMs) {
    const retry = names.retry(delay);
    // Retry queues stay classic whatever queueType says: every message in one has the same TTL,
    // so expiry happens at the head, and classic dead-lettering on expiry is cheap for the broker.
    await guard(retry, 'classic', () =>
      channel.assertQueue(retry, {
        durable: true,
        arguments: {
          'x-queue-type': 'classic',
          'x-message-ttl': delay,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': names.work,
        },
      }),
    );
  }
  return names;
}

/**
 * Unbinds a destination's work queue from `bus.deliver` (a system removed from the config): a
 * publish for it alone is then returned to the sender (mandatory) instead of waiting in a queue
 * nobody reads. Its consumer re-binds it when the system is configured again. A missing queue is fine.
 */
export async function unbindDestination(channel: amqp.Channel, system: string, options: NamingOptions = {}): Promise<void> {
  try {
    await channel.unbindQueue(queueNames(system, options.prefix).work, deliverExchange(options.prefix), system);
  } catch (err) {
    if ((err as { code?: number }).code !== NOT_FOUND) throw err;
  }
}

/** Declares the request queue a {@link QueryServer} consumes. */
export async function declareQueryQueue(channel: amqp.Channel, system: string, options: NamingOptions = {}): Promise<string> {
  const name = queueNames(system, options.prefix).query;
  await guard(name, 'classic', () =>
    channel.assertQueue(name, { durable: true, arguments: { 'x-queue-type': 'classic', 'x-expires': QUERY_QUEUE_EXPIRES_MS } }),
  );
  return name;
}

const PRECONDITION_FAILED = 406;
const NOT_FOUND = 404;

async function guard<T>(queue: string, queueType: QueueType, declare: () => Promise<T>): Promise<T> {
  try {
    return await declare();
  } catch (err) {
    if ((err as { code?: number }).code !== PRECONDITION_FAILED) throw err;
    throw new TopologyError(
      `Queue "${queue}" already exists with different arguments than the bus declares (${queueType}; broker said: ${(err as Error).message}). ` +
        `Drain it, then delete it (rabbitmqctl delete_queue ${queue}) and restart the bus, or set delivery.queueType in bus.yaml to match the existing queue.`,
      queue,
      { cause: err },
    );
  }
}
