import type * as amqp from 'amqplib';
import { Logger } from '@nestjs/common';
import { BusHeaders, ErrorCodes, type CanonicalEnvelope } from '@bus/canonical-model';
import type { AmqpConnection } from './amqp-connection';
import { MessagingLog, type MessagingLogger } from './messaging.log';
import type { QueryReply } from './query-transport';
import { declareQueryQueue, queueNames, type NamingOptions } from './topology';

/** Answers one query; a throw becomes an error reply. `deadline` is when the asker stops waiting (epoch ms). */
export type QueryHandler = (query: CanonicalEnvelope, meta: { deadline: number; headers: Record<string, unknown> }) => Promise<QueryReply>;

/** Handle of a served system's query queue. */
export interface QueryServing {
  readonly queue: string;
  /** Stops taking queries, waits for the ones in progress to reply. Safe to call twice. */
  cancel(): Promise<void>;
}

export interface QueryServerOptions extends NamingOptions {
  /** Queries answered at once per served system. @default 20 */
  prefetch?: number;
  logger?: MessagingLogger;
}

/**
 * The answering side: consumes `bus.query.<system>` and replies to each request's reply-to with its
 * correlation id. The queue is classic and durable with `x-expires`: queries are short-lived (each
 * carries a TTL equal to the asker's timeout, and the asker's direct reply-to channel does not
 * survive a broker restart anyway), so quorum replication buys nothing, and expiry removes the
 * queue of a system no instance serves any more.
 */
export class QueryServer {
  private readonly logger: MessagingLogger;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: QueryServerOptions = {},
  ) {
    this.logger = options.logger ?? new Logger('queries');
  }

  async serve(system: string, handler: QueryHandler): Promise<QueryServing> {
    const serving = new Serving(system, handler, this.connection, this.options, this.logger);
    await serving.start();
    return serving;
  }
}

class Serving implements QueryServing {
  readonly queue: string;
  private channel?: amqp.Channel;
  private consumerTag?: string;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private cancelling?: Promise<void>;
  private readonly unregister: Array<() => void> = [];
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly system: string,
    private readonly handler: QueryHandler,
    private readonly connection: AmqpConnection,
    private readonly options: QueryServerOptions,
    private readonly logger: MessagingLogger,
  ) {
    this.queue = queueNames(system, options.prefix).query;
  }

  async start(): Promise<void> {
    this.unregister.push(this.connection.onConnected((model) => this.subscribe(model).catch((err: Error) => this.retryLater(err))));
    this.unregister.push(this.connection.beforeClose(() => this.cancel()));
    const model = this.connection.current();
    if (model && this.connection.isConnected()) await this.subscribe(model);
  }

  cancel(): Promise<void> {
    this.cancelling ??= (async () => {
      for (const off of this.unregister) off();
      clearTimeout(this.retryTimer);
      const channel = this.channel;
      if (channel && this.consumerTag) await channel.cancel(this.consumerTag).catch(() => undefined);
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      this.channel = undefined;
      await channel?.close().catch(() => undefined);
    })();
    return this.cancelling;
  }

  private async subscribe(model: amqp.ChannelModel): Promise<void> {
    if (this.cancelling) return;
    await this.connection.withChannel((ch) => declareQueryQueue(ch, this.system, { prefix: this.options.prefix }));
    let channel = this.channel;
    if (!channel || this.connection.current() !== model) {
      channel = await model.createChannel();
      channel.on('error', () => undefined);
      await channel.prefetch(this.options.prefetch ?? 20);
      const opened = channel;
      channel.once('close', () => {
        if (this.channel !== opened) return;
        this.channel = undefined;
        this.consumerTag = undefined;
        if (!this.cancelling && this.connection.isConnected()) this.retryLater(new Error('channel closed'));
      });
      this.channel = channel;
    }
    const ch = channel;
    const { consumerTag } = await ch.consume(this.queue, (msg) => {
      if (msg) return this.onQuery(ch, msg);
      // Cancelled by the server (queue deleted or expired): declare it again and resubscribe.
      this.consumerTag = undefined;
      if (!this.cancelling) this.retryLater(new Error(MessagingLog.consumerCancelled(this.queue)));
    });
    this.consumerTag = consumerTag;
  }

  private retryLater(err: Error): void {
    if (this.cancelling) return;
    this.logger.warn(MessagingLog.consumerFailed(this.queue, err));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      const model = this.connection.current();
      if (model && this.connection.isConnected()) this.subscribe(model).catch((e: Error) => this.retryLater(e));
    }, 1000);
  }

  private onQuery(channel: amqp.Channel, msg: amqp.ConsumeMessage): void {
    this.inFlight++;
    this.answer(msg)
      .then((reply) => {
        const { replyTo, correlationId } = msg.properties;
        if (replyTo) channel.sendToQueue(String(replyTo), Buffer.from(JSON.stringify(reply)), { correlationId, contentType: 'application/json' });
        channel.ack(msg);
      })
      .catch(() => undefined) // channel closed: the asker's channel is gone too, or it times out
      .finally(() => {
        if (--this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
  }

  private async answer(msg: amqp.ConsumeMessage): Promise<QueryReply> {
    const headers = msg.properties.headers ?? {};
    const deadline = Number(headers[BusHeaders.DEADLINE]) || Date.now() + 5000;
    let query: CanonicalEnvelope;
    try {
      query = JSON.parse(msg.content.toString('utf8')) as CanonicalEnvelope;
    } catch {
      return { error: { code: ErrorCodes.CANONICAL_INVALID, message: `query to ${this.system} did not parse as JSON`, status: 400 } };
    }
    try {
      return await this.handler(query, { deadline, headers });
    } catch (err) {
      const e = err as { code?: unknown; message?: string; status?: unknown };
      this.logger.warn(MessagingLog.queryHandlerFailed(this.queue, String(query.id), err as Error));
      return {
        error: {
          code: typeof e.code === 'string' ? e.code : ErrorCodes.QUERY_UNAVAILABLE,
          message: e.message ?? String(err),
          status: typeof e.status === 'number' ? e.status : 503,
        },
      };
    }
  }
}
