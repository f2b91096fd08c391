import type { AmqpConnection } from './amqp-connection';
import type { FaultEvent } from './consumer';
import type { Fault } from './delivery-policy';
import { attemptsOf } from './delivery-policy';
import { parseEnvelope } from './delivery-run';
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
 * rejects when a copy cannot be published (the message in hand is put back, the rest stay).
 */
export async function moveAllMessages(connection: AmqpConnection, publisher: Publisher, options: MoveAllOptions): Promise<number> {
  let moved = 0;
  for (const queue of options.from) {
    if (!(await queueExists(connection, queue))) continue;
    moved += await connection.withChannel(async (channel) => {
      let count = 0;
      for (let msg = await channel.get(queue); msg; msg = await channel.get(queue)) {
        const attempts = attemptsOf(msg.properties.headers ?? {});
        let headers: Record<string, unknown>;
        try {
          headers = await publishFaultCopy(publisher, options.to, msg, options.fault, { destination: options.destination, attempts, adapter: options.adapter });
        } catch (err) {
          channel.nack(msg, false, true);
          throw err;
        }
        channel.ack(msg);
        count++;
        const envelope = parseEnvelope(msg.content);
        const event: FaultEvent = { kind: 'deadLetter', envelope, destination: options.destination, fault: options.fault, attempts: attempts + 1, queue: options.to, headers };
        try {
          await options.onMoved?.(event);
        } catch (err) {
          options.logger.error(MessagingLog.faultHookFailed(String(msg.properties.messageId), options.destination, options.to, err as Error));
        }
      }
      return count;
    });
  }
  return moved;
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
