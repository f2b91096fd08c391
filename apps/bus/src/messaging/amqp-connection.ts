import { EventEmitter } from 'node:events';
import * as amqp from 'amqplib';
import { Logger } from '@nestjs/common';
import { batchFrameWrites } from './frame-writes';
import { BrokerUnavailableError } from './messaging.errors';
import { MessagingLog, redactUrl, type MessagingLogger } from './messaging.log';

/** Settings of the one connection a bus process keeps to RabbitMQ. */
export interface AmqpConnectionOptions {
  /** `AMQP_URL`, e.g. `amqp://guest:guest@127.0.0.1:5672`. */
  url: string;
  /** Shown by `rabbitmqctl list_connections name client_properties` and the management UI. @default 'bpi-bus' */
  connectionName?: string;
  /** AMQP heartbeat, unless the URL sets `?heartbeat=`. @default 10 */
  heartbeatSeconds?: number;
  /** First reconnect delay; doubles per failed attempt. @default 100 */
  initialDelayMs?: number;
  /** Cap of the reconnect delay. @default 10000 */
  maxDelayMs?: number;
  logger?: MessagingLogger;
}

/** Runs on every (re)connect, in registration order: declare topology, start consumers. */
export type ConnectedHook = (model: amqp.ChannelModel) => Promise<void> | void;

type State = 'idle' | 'connecting' | 'connected' | 'waiting' | 'closing' | 'closed';

/**
 * The bus's connection to RabbitMQ. Reconnects by itself with capped exponential backoff after the
 * connection is lost (broker restart, network), and runs the registered {@link ConnectedHook}s on every
 * (re)connect so topology is re-declared and consumers restart. It owns the shared confirm channel
 * publishers use.
 *
 * Events: `connected` (model), `disconnected` (error), `publish-channel` (ConfirmChannel), `closed`.
 */
export class AmqpConnection extends EventEmitter {
  private readonly logger: MessagingLogger;
  private readonly url: string;
  private readonly redactedUrl: string;
  private state: State = 'idle';
  private model?: amqp.ChannelModel;
  private confirmChannel?: amqp.ConfirmChannel;
  private readonly hooks: ConnectedHook[] = [];
  private readonly closeHooks: Array<() => Promise<void>> = [];
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  private lostAt?: number;
  private closing?: Promise<void>;
  private blockedReason?: string;

  constructor(private readonly options: AmqpConnectionOptions) {
    super();
    this.logger = options.logger ?? new Logger('amqp');
    this.url = withHeartbeat(options.url, options.heartbeatSeconds ?? 10);
    this.redactedUrl = redactUrl(options.url);
    // An 'error' event without a listener would crash the process; failures are logged where they happen.
    this.on('error', () => undefined);
    // Every caller waiting for the connection listens here; there is no leak to warn about.
    this.setMaxListeners(0);
  }

  /** Connects (once; later calls only wait) and resolves when connected and every hook has run. */
  async connect(timeoutMs = 30_000): Promise<void> {
    this.start();
    await this.waitForConnection(timeoutMs);
  }

  /** Starts connecting without waiting: the bus boots while the broker is down and turns ready later. */
  start(): void {
    if (this.state === 'idle') void this.attemptConnect();
  }

  /** Registers a hook for every future (re)connect; returns a function that unregisters it. */
  onConnected(hook: ConnectedHook): () => void {
    this.hooks.push(hook);
    return () => remove(this.hooks, hook);
  }

  /** Registers work to finish before channels close, e.g. a consumer's graceful cancel. */
  beforeClose(hook: () => Promise<void>): () => void {
    this.closeHooks.push(hook);
    return () => remove(this.closeHooks, hook);
  }

  /** True when connected and every hook has run; what readiness reports. */
  isConnected(): boolean {
    return this.state === 'connected';
  }

  /**
   * Why the broker stopped accepting publishes (a memory or disk alarm), while it does. Publishes
   * would only queue up in the socket meanwhile, so publishers refuse them at once.
   */
  blocked(): string | undefined {
    return this.blockedReason;
  }

  /** The current connection, when there is one. Hooks get it as their argument. */
  current(): amqp.ChannelModel | undefined {
    return this.state === 'closed' ? undefined : this.model;
  }

  /** The shared confirm channel for publishing; undefined while disconnected. */
  publishChannel(): amqp.ConfirmChannel | undefined {
    return this.state === 'connected' || this.state === 'closing' ? this.confirmChannel : undefined;
  }

  /** Resolves once connected; rejects with BROKER.UNAVAILABLE after `timeoutMs` or when closed. */
  waitForConnection(timeoutMs: number): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (this.state === 'closing' || this.state === 'closed') return Promise.reject(new BrokerUnavailableError(MessagingLog.closed(this.redactedUrl)));
    return new Promise((resolve, reject) => {
      const onConnected = () => done(resolve);
      const onClosed = () => done(() => reject(new BrokerUnavailableError(MessagingLog.closed(this.redactedUrl))));
      const timer = setTimeout(() => done(() => reject(new BrokerUnavailableError(MessagingLog.notConnected(this.redactedUrl, timeoutMs)))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.off('ready', onConnected);
        this.off('closed', onClosed);
        settle();
      };
      this.on('ready', onConnected);
      this.on('closed', onClosed);
    });
  }

  /** Opens a channel on the current connection (consumers, declarations). */
  async createChannel(): Promise<amqp.Channel> {
    const model = this.current();
    if (!model) throw new BrokerUnavailableError(MessagingLog.notConnected(this.redactedUrl, 0));
    const channel = await model.createChannel();
    channel.on('error', () => undefined); // the 'close' that follows is what callers act on
    return channel;
  }

  /** Runs `fn` on a short-lived channel, e.g. declarations the broker may refuse (which closes the channel). */
  async withChannel<T>(fn: (channel: amqp.Channel) => Promise<T>): Promise<T> {
    const channel = await this.createChannel();
    let closed = false;
    channel.once('close', () => (closed = true));
    try {
      return await fn(channel);
    } finally {
      if (!closed) await channel.close().catch(() => undefined);
    }
  }

  /**
   * Graceful: runs the before-close hooks (consumers cancel and drain), waits for outstanding
   * publisher confirms, closes channels, then the connection. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const wasConnected = this.state === 'connected';
    this.state = 'closing';
    clearTimeout(this.timer);
    if (wasConnected) await Promise.allSettled(this.closeHooks.map((hook) => hook()));
    const channel = this.confirmChannel;
    if (channel) {
      await channel.waitForConfirms().catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
    await this.model?.close().catch(() => undefined);
    this.model = undefined;
    this.confirmChannel = undefined;
    this.state = 'closed';
    this.emit('closed');
  }

  private async attemptConnect(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'connecting';
    let model: amqp.ChannelModel | undefined;
    try {
      model = await amqp.connect(this.url, {
        clientProperties: { connection_name: this.options.connectionName ?? 'bpi-bus' },
        // Latency matters more than packet count here; acks and confirms are batched by the callers.
        noDelay: true,
        keepAlive: true,
        timeout: 10_000,
      });
      model.on('error', () => undefined); // 'close' follows every 'error'
      // One socket write per pass of amqplib's writer (frame-writes.spec.ts fails if amqplib moves its internals).
      batchFrameWrites(model);
      model.on('blocked', (reason: string) => {
        this.blockedReason = reason;
        this.logger.warn(MessagingLog.blocked(this.redactedUrl, reason));
      });
      model.on('unblocked', () => {
        this.blockedReason = undefined;
        this.logger.log(MessagingLog.unblocked(this.redactedUrl));
      });
      if (this.isShuttingDown()) return void (await model.close().catch(() => undefined));
      this.model = model;
      model.once('close', (err?: Error) => this.onLost(model!, err));
      await this.openConfirmChannel(model);
      // Index loop: a hook registered while earlier hooks run still runs on this connection.
      for (let i = 0; i < this.hooks.length; i++) {
        if (this.model !== model) return;
        await this.runHook(this.hooks[i], model);
      }
      if (this.model !== model || this.isShuttingDown()) return;
      this.state = 'connected';
      this.reportConnected();
      this.emit('connected', model);
      this.emit('ready');
    } catch (err) {
      if (this.isShuttingDown()) return;
      if (model && this.model === model) {
        // Connected but could not open the publish channel: start over; the close handler retries.
        await model.close().catch(() => undefined);
        return;
      }
      this.scheduleReconnect(err as Error);
    }
  }

  private async runHook(hook: ConnectedHook, model: amqp.ChannelModel): Promise<void> {
    try {
      await hook(model);
    } catch (err) {
      // One failing destination (e.g. a queue declared with other arguments) must not keep the
      // others from running; the hook's owner reports its own error in detail.
      if (this.model === model) this.logger.error(MessagingLog.hookFailed(this.redactedUrl, err as Error));
    }
  }

  private async openConfirmChannel(model: amqp.ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (err: Error) => this.logger.warn(MessagingLog.publishChannelError(err)));
    channel.once('close', () => {
      if (this.confirmChannel === channel) this.confirmChannel = undefined;
      // A channel-level error (e.g. publishing to an exchange that is gone) closes only the channel:
      // open a new one on the same connection.
      if (this.model === model && !this.isShuttingDown()) {
        setTimeout(() => {
          if (this.model === model && !this.isShuttingDown()) this.openConfirmChannel(model).catch(() => undefined);
        }, 50);
      }
    });
    // Publishers keep many messages in flight; the default of 10 listeners is not a limit here.
    channel.setMaxListeners(0);
    this.confirmChannel = channel;
    this.emit('publish-channel', channel);
  }

  private onLost(model: amqp.ChannelModel, err?: Error): void {
    if (this.model !== model) return;
    this.model = undefined;
    this.blockedReason = undefined;
    this.confirmChannel = undefined;
    if (this.isShuttingDown()) return;
    const wasConnected = this.state === 'connected';
    this.state = 'waiting';
    if (wasConnected) {
      this.lostAt = Date.now();
      this.logger.warn(MessagingLog.lost(this.redactedUrl, err));
    }
    this.emit('disconnected', err ?? new Error('connection closed'));
    this.scheduleReconnect(err ?? new Error('connection closed'));
  }

  private scheduleReconnect(err: Error): void {
    if (this.isShuttingDown()) return;
    this.state = 'waiting';
    if (this.attempt === 0 && this.lostAt === undefined) this.logger.warn(MessagingLog.cannotConnect(this.redactedUrl, err));
    const initial = this.options.initialDelayMs ?? 100;
    const max = this.options.maxDelayMs ?? 10_000;
    const base = Math.min(max, initial * 2 ** this.attempt);
    // Jitter spreads the reconnects of several bus instances after one broker restart.
    const delay = Math.round(base * (0.8 + Math.random() * 0.2));
    this.attempt++;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.attemptConnect(), delay);
  }

  private reportConnected(): void {
    if (this.lostAt !== undefined) this.logger.log(MessagingLog.reconnected(this.redactedUrl, this.attempt, Date.now() - this.lostAt));
    else this.logger.log(MessagingLog.connected(this.redactedUrl, this.options.connectionName ?? 'bpi-bus', this.attempt));
    this.attempt = 0;
    this.lostAt = undefined;
  }

  private isShuttingDown(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }
}

function withHeartbeat(url: string, seconds: number): string {
  try {
    const parsed = new URL(url);
    if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
    return parsed.toString();
  } catch {
    return url; // amqplib reports the malformed URL with its own message
  }
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
