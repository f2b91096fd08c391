import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type * as amqp from 'amqplib';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AmqpConnection } from '../messaging/amqp-connection';
import { ConfigService } from '../config/config.service';
import { BUS_OPTIONS, type BusOptions } from '../bus.options';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { parseAnnouncement, type InstanceAnnouncement } from './instance-announcement';
import { InstanceRegistry, type Peer } from './instance-registry';
import { InstancesLog } from './instances.log';

/** Fanout exchange every instance of one broker namespace announces itself on (with the broker prefix). */
export const INSTANCES_EXCHANGE = 'bus.instances';

/** One instance in `GET /admin/instances`: what it announces, and how it stands to this one. */
export interface InstanceView extends Omit<InstanceAnnouncement, 'kind' | 'heartbeatMs'> {
  /** ISO time of its last announcement (now, for this instance). */
  lastHeardAt: string;
  self: boolean;
  sameStore: boolean;
}

/** Readiness: peers on the same broker namespace with another store. */
export interface StoreConflict {
  message: string;
  peers: Array<Pick<Peer, 'instanceId' | 'storeId' | 'host' | 'pid'>>;
}

/**
 * Makes the scale-out model checkable: every bus instance announces {instanceId, storeId, configVersion,
 * startedAt, host, pid} on the fanout exchange `bus.instances` (hello at connect, a heartbeat every
 * BUS_HEARTBEAT_MS, goodbye at shutdown) and listens through an exclusive auto-delete queue of its own.
 * A peer with another store id makes this instance unready (`/health/ready`) and is logged at error
 * once; peers silent for three of their intervals are forgotten.
 */
@Injectable()
export class InstancesService implements OnModuleInit, OnApplicationShutdown {
  readonly instanceId = randomUUID();
  private readonly logger = new Logger('instances');
  private readonly startedAt = new Date().toISOString();
  private readonly host = hostname();
  private readonly heartbeatMs: number;
  private readonly exchange: string;
  private readonly registry: InstanceRegistry;
  /** Peers whose store mismatch was logged, so it is logged once per peer. */
  private readonly reported = new Set<string>();
  private readonly unregister: Array<() => void> = [];
  private storeId = '';
  private storeKind = '';
  private channel?: amqp.Channel;
  private timer?: NodeJS.Timeout;
  private leaving = false;

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly config: ConfigService,
    @Inject(BUS_STORE) private readonly store: BusStore,
    @Inject(BUS_OPTIONS) options: BusOptions,
  ) {
    this.heartbeatMs = options.env.BUS_HEARTBEAT_MS;
    this.exchange = options.brokerPrefix ? `${options.brokerPrefix}.${INSTANCES_EXCHANGE}` : INSTANCES_EXCHANGE;
    this.registry = new InstanceRegistry(this.instanceId);
  }

  async onModuleInit(): Promise<void> {
    this.storeId = await this.store.storeId();
    this.storeKind = this.store.kind;
    // Registered before the adapter host connects, so the first connect announces this instance too.
    this.unregister.push(this.amqp.onConnected((model) => this.attach(model)));
    this.unregister.push(this.amqp.beforeClose(() => this.leave()));
    this.timer = setInterval(() => this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.leave();
  }

  /** This instance and every live peer, this one first. */
  list(): InstanceView[] {
    const now = Date.now();
    const self: InstanceView = { ...this.identity(), lastHeardAt: new Date(now).toISOString(), self: true, sameStore: true };
    const peers = this.registry.list(now).map(({ heartbeatMs: _h, lastHeardAt, ...p }) => ({
      ...p,
      configVersion: p.configVersion ?? null,
      storeKind: p.storeKind ?? '',
      lastHeardAt: new Date(lastHeardAt).toISOString(),
      self: false,
      sameStore: p.storeId === this.storeId,
    }));
    return [self, ...peers];
  }

  /** The peers that use another store, with the text readiness reports; undefined when there are none. */
  conflict(): StoreConflict | undefined {
    const peers = this.registry.conflicts(this.storeId, Date.now());
    if (peers.length === 0) return undefined;
    return {
      message: peers.map((p) => InstancesLog.storeMismatch(this.self(), p)).join(' '),
      peers: peers.map(({ instanceId, storeId, host, pid }) => ({ instanceId, storeId, host, pid })),
    };
  }

  get ownStoreId(): string {
    return this.storeId;
  }

  private identity(): Omit<InstanceAnnouncement, 'kind'> {
    return {
      instanceId: this.instanceId,
      storeId: this.storeId,
      storeKind: this.storeKind,
      configVersion: this.config.status().version,
      startedAt: this.startedAt,
      host: this.host,
      pid: process.pid,
      heartbeatMs: this.heartbeatMs,
    };
  }

  private self() {
    return { instanceId: this.instanceId, storeId: this.storeId, host: this.host, pid: process.pid };
  }

  /** On every (re)connect: the exchange, this instance's queue, then hello. */
  private async attach(model: amqp.ChannelModel): Promise<void> {
    if (this.leaving) return;
    const channel = await model.createChannel();
    channel.on('error', () => undefined); // the 'close' that follows is what counts
    channel.once('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    try {
      await channel.assertExchange(this.exchange, 'fanout', { durable: true });
      const { queue } = await channel.assertQueue(`${this.exchange}.${this.instanceId}`, {
        exclusive: true,
        autoDelete: true,
        durable: false,
        arguments: { 'x-queue-type': 'classic' },
      });
      await channel.bindQueue(queue, this.exchange, '');
      await channel.consume(queue, (msg) => msg && this.onAnnouncement(msg.content), { noAck: true });
    } catch (err) {
      await channel.close().catch(() => undefined);
      this.logger.warn(InstancesLog.announceFailed(this.exchange, err));
      return;
    }
    this.channel = channel;
    this.announce('hello');
  }

  private onAnnouncement(body: Buffer): void {
    const announcement = parseAnnouncement(body);
    if (!announcement) return;
    const { isNew, peer } = this.registry.heard(announcement, Date.now());
    if (announcement.kind === 'goodbye') this.reported.delete(announcement.instanceId);
    // A newcomer hears this instance at once instead of one interval later.
    if (isNew && announcement.kind === 'hello') this.announce('heartbeat');
    if (peer && peer.storeId !== this.storeId && !this.reported.has(peer.instanceId)) {
      this.reported.add(peer.instanceId);
      this.logger.error(InstancesLog.storeMismatch(this.self(), peer));
    }
  }

  private beat(): void {
    for (const peer of this.registry.prune(Date.now())) {
      if (this.reported.delete(peer.instanceId)) this.logger.warn(InstancesLog.peerForgotten(peer));
    }
    if (this.channel) this.announce('heartbeat');
    else if (!this.leaving) this.reattach();
  }

  /** The channel closed while the connection stayed up (e.g. the exchange was deleted): attach again. */
  private reattach(): void {
    const model = this.amqp.current();
    if (model && this.amqp.isConnected()) this.attach(model).catch((err) => this.logger.warn(InstancesLog.announceFailed(this.exchange, err)));
  }

  private announce(kind: InstanceAnnouncement['kind']): void {
    const channel = this.channel;
    if (!channel) return;
    try {
      channel.publish(this.exchange, '', Buffer.from(JSON.stringify({ kind, ...this.identity() })), {
        contentType: 'application/json',
        // A heartbeat older than a few intervals says nothing any more.
        expiration: String(this.heartbeatMs * 3),
      });
    } catch (err) {
      this.logger.warn(InstancesLog.announceFailed(this.exchange, err));
    }
  }

  /** Goodbye, then the channel goes (its exclusive queue with it). Safe to call twice. */
  private async leave(): Promise<void> {
    if (this.leaving) return;
    this.leaving = true;
    clearInterval(this.timer);
    for (const off of this.unregister) off();
    this.announce('goodbye');
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
  }
}
