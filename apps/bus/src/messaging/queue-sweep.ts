import { randomUUID } from 'node:crypto';
import type * as amqp from 'amqplib';
import type { AmqpConnection } from './amqp-connection';
import type { FaultEvent } from './consumer';
import type { Fault } from './delivery-policy';
import { attemptsOf } from './delivery-policy';
import { messagesIn } from './bundle';
import { parseEnvelope } from './envelope-body';
import { publishFaultCopy } from './fault-copy';
import { MessagingLog, type MessagingLogger } from './messaging.log';
import type { Publisher } from './publisher';

/** What {@link moveAllMessages} empties, where to, and why. */
export interface MoveAllOptions {
  /** The destination the queues belong to (`x-bus-destination` of the copies). */
  destination: string;
  /** Emptied in this order. Put retry queues before the work queue: one that expires mid-move lands there. */
  from: readonly string[];
  to: string;
  fault: Fault;
  adapter?: string;
  /** Called after each copy was confirmed and its original acked (journal, dead-letter index). */
  onMoved?: (event: FaultEvent) => void | Promise<void>;
  logger: MessagingLogger;
}

/**
 * Moves every message of the `from` queues to `to` as a confirmed copy with fault headers; each
 * original is acked only after its copy's confirm, so a crash in between leaves a duplicate in `to`,
 * never a loss. Queues that do not exist are skipped. For queues nobody consumes any more (a
 * destination removed from the config): a consumer on them would compete. Resolves with the count;
 * rejects when a copy cannot be published (the messages in hand are put back, the rest stay).
 */
export async function moveAllMessages(connection: AmqpConnection, publisher: Publisher, options: MoveAllOptions): Promise<number> {
  let moved = 0;
  for (const queue of options.from) {
    if (!(await queueExists(connection, queue))) continue;
    moved += await connection.withChannel((channel) => moveQueue(channel, queue, publisher, options));
  }
  return moved;
}

/** Copies in flight at once: a long queue moves at the broker's pace, not one round trip per message. */
const MAX_IN_FLIGHT = 100;
/** How often a move checks whether the queue is empty yet. */
const EMPTY_CHECK_MS = 50;

/**
 * Consumes the queue (basic.get costs a round trip per message, slow on quorum queues) until the
 * broker has no ready message left and every copy is settled; then a last pass with basic.get picks
 * up anything that was on its way to the consumer when it was cancelled.
 */
async function moveQueue(channel: amqp.Channel, queue: string, publisher: Publisher, options: MoveAllOptions): Promise<number> {
  const mover = new QueueMover(channel, publisher, options);
  await channel.prefetch(MAX_IN_FLIGHT);
  const { consumerTag } = await channel.consume(queue, (msg) => msg && mover.move(msg));
  try {
    while (!mover.failure && ((await channel.checkQueue(queue)).messageCount > 0 || mover.busy)) await mover.settledOrTimeout(EMPTY_CHECK_MS);
  } finally {
    await channel.cancel(consumerTag);
  }
  await mover.settled();
  while (!mover.failure) {
    const msg = await channel.get(queue);
    if (!msg) break;
    mover.move(msg);
    await mover.settled();
  }
  if (mover.failure) throw mover.failure;
  return mover.count;
}

class QueueMover {
  count = 0;
  failure?: Error;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly channel: amqp.Channel,
    private readonly publisher: Publisher,
    private readonly options: MoveAllOptions,
  ) {}

  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  move(msg: amqp.Message): void {
    const moving: Promise<void> = this.moveOne(msg)
      // A closed channel makes ack and nack throw; the broker requeues what was not acked.
      .catch((err: Error) => void (this.failure ??= err))
      .finally(() => this.inFlight.delete(moving));
    this.inFlight.add(moving);
  }

  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  settledOrTimeout(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([this.settled(), timeout]).finally(() => clearTimeout(timer));
  }

  /** A bundle moves as a copy per record, all confirmed before the bundle is acked. */
  private async moveOne(msg: amqp.Message): Promise<void> {
    const { options } = this;
    // After a failure, the rest go back untouched: the move is tried again as a whole later.
    if (this.failure) return void this.channel.nack(msg, false, true);
    const records = messagesIn(msg);
    let copies: Array<{ record: amqp.Message; headers: Record<string, unknown>; attempts: number }>;
    try {
      copies = await Promise.all(
        records.map(async (record) => {
          const attempts = attemptsOf(record.properties.headers ?? {});
          const headers = await publishFaultCopy(this.publisher, options.to, record, options.fault, { destination: options.destination, attempts, adapter: options.adapter, deadLetterId: randomUUID() });
          return { record, headers, attempts };
        }),
      );
    } catch (err) {
      this.failure ??= err as Error;
      return void this.channel.nack(msg, false, true);
    }
    this.channel.ack(msg);
    this.count += copies.length;
    for (const { record, headers, attempts } of copies) {
      const event: FaultEvent = { kind: 'deadLetter', envelope: parseEnvelope(record.content), destination: options.destination, fault: options.fault, attempts: attempts + 1, queue: options.to, headers };
      try {
        await options.onMoved?.(event);
      } catch (err) {
        options.logger.error(MessagingLog.faultHookFailed(String(record.properties.messageId), options.destination, options.to, err as Error));
      }
    }
  }
}

/** checkQueue closes its channel when the queue is missing, hence a channel of its own. */
async function queueExists(connection: AmqpConnection, queue: string): Promise<boolean> {
  try {
    await connection.withChannel((channel) => channel.checkQueue(queue));
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
}
