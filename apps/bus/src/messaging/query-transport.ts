import { randomUUID } from 'node:crypto';
import type * as amqp from 'amqplib';
import { BusHeaders, ErrorCodes, type CanonicalEnvelope } from '@bus/canonical-model';
import type { AmqpConnection } from './amqp-connection';
import { QueryError } from './messaging.errors';
import { DIRECT_REPLY_TO, queueNames, type NamingOptions } from './topology';

/** What travels back to the asker: the canonical answer, or why there is none. */
export interface QueryReply {
  answer?: unknown;
  /** `status` is the HTTP status the asking side should answer with, when the answerer knows one. */
  error?: { code: string; message: string; status?: number };
}

interface Pending {
  resolve: (reply: QueryReply) => void;
  reject: (err: QueryError) => void;
  timer: NodeJS.Timeout;
}

/**
 * The asking side of request-reply over RabbitMQ direct reply-to: no reply queue, the answer comes
 * straight back on this channel. One channel per connection; requests are matched by correlation id.
 */
export class QueryClient {
  private channel?: amqp.Channel;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: NamingOptions = {},
  ) {
    connection.onConnected((model) => this.open(model));
  }

  /**
   * Sends `envelope` to `bus.query.<system>` and resolves with the answerer's reply (which may carry
   * an error). Rejects with QUERY.TIMEOUT (504) after `timeoutMs`, QUERY.UNAVAILABLE (503) when no
   * queue exists for the system, BROKER.UNAVAILABLE (503) while disconnected.
   */
  async request(system: string, envelope: CanonicalEnvelope, timeoutMs: number): Promise<QueryReply> {
    if (!this.channel && this.connection.isConnected()) await this.open(this.connection.current()!);
    const channel = this.channel;
    if (!channel) throw new QueryError(ErrorCodes.BROKER_UNAVAILABLE, `RabbitMQ is not connected; cannot ask ${system} (${envelope.type}). Retry later.`, 503);
    const requestId = randomUUID();
    const queue = queueNames(system, this.options.prefix).query;
    return new Promise<QueryReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new QueryError(ErrorCodes.QUERY_TIMEOUT, `${system} did not answer ${envelope.type} (query ${envelope.id}) within ${timeoutMs} ms.`, 504));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      try {
        channel.publish('', queue, Buffer.from(JSON.stringify(envelope)), {
          replyTo: DIRECT_REPLY_TO,
          correlationId: requestId,
          messageId: envelope.id,
          type: envelope.type,
          contentType: 'application/json',
          // Nobody waits after the timeout: let the broker drop the request instead of answering it late.
          expiration: String(Math.max(1, Math.ceil(timeoutMs))),
          mandatory: true,
          headers: { [BusHeaders.DEADLINE]: Date.now() + timeoutMs, [BusHeaders.SOURCE]: envelope.source },
        });
      } catch (err) {
        this.settle(requestId)?.reject(new QueryError(ErrorCodes.BROKER_UNAVAILABLE, `Could not send ${envelope.type} to ${system}: ${(err as Error).message}`, 503));
      }
    });
  }

  private opening?: Promise<void>;

  private open(model: amqp.ChannelModel): Promise<void> {
    this.opening ??= this.openChannel(model).finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async openChannel(model: amqp.ChannelModel): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    channel.on('return', (msg: amqp.Message) => {
      const queue = msg.fields.routingKey;
      this.settle(String(msg.properties.correlationId))?.reject(
        new QueryError(ErrorCodes.QUERY_UNAVAILABLE, `No bus instance serves queries for ${queue} (the queue does not exist). Check queries[].answeredBy in bus.yaml.`, 503),
      );
    });
    channel.once('close', () => {
      if (this.channel === channel) this.channel = undefined;
      // Replies can only arrive on the channel that asked: whoever still waits will not get one.
      for (const id of [...this.pending.keys()]) {
        this.settle(id)?.reject(new QueryError(ErrorCodes.BROKER_UNAVAILABLE, 'The connection to RabbitMQ was lost before the answer came; retry.', 503));
      }
    });
    // Direct reply-to requires consuming the pseudo-queue, without acks, before the first publish.
    await channel.consume(DIRECT_REPLY_TO, (msg) => msg && this.onReply(msg), { noAck: true });
    this.channel = channel;
  }

  private onReply(msg: amqp.ConsumeMessage): void {
    const waiting = this.settle(String(msg.properties.correlationId));
    if (!waiting) return; // answered after the timeout
    try {
      waiting.resolve(JSON.parse(msg.content.toString('utf8')) as QueryReply);
    } catch {
      waiting.resolve({ error: { code: ErrorCodes.QUERY_UNAVAILABLE, message: 'the answer did not parse as JSON', status: 502 } });
    }
  }

  private settle(id: string): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    clearTimeout(p.timer);
    return p;
  }
}

export { QueryServer, type QueryHandler, type QueryServing } from './query-server';
