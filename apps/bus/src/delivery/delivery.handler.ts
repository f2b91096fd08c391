import { Inject, Injectable, Logger } from '@nestjs/common';
import { BusHeaders, routeOf, type CanonicalEnvelope } from '@bus/canonical-model';
import { BusError, MappingError, TransientDeliveryError, type DeliveryReceipt, type NativeMessage } from '@bus/adapters';
import type { SystemRuntime } from '../config/active-config';
import { ConfigService } from '../config/config.service';
import type { Delivery, Outcome } from '../messaging/consumer';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { Journal } from '../journal/journal.service';
import { MetricsService } from '../metrics/metrics.service';
import type { AdapterInstance } from '@bus/adapters';
import { XrefService } from './xref.service';
import { StoreKeyedLock } from './store-keyed-lock';
import { DeliveryLeases } from './delivery-lease';

/** A destination as the delivery handler needs it: its config and its connected transport. */
export interface Destination {
  system: SystemRuntime;
  instance: AdapterInstance;
}

/**
 * Delivers one queued message to one destination: take the delivery lease of (message, destination)
 * (skip when the ledger has it), apply the route's transform, map and encode to the destination's
 * native format, send, record the delivery, then ack. The lease keeps two copies of a message from
 * sending at once; the record, written right after the destination's 2xx, keeps later copies from
 * sending again. A crash after the 2xx and before the record is durable is the one way a destination
 * gets a message twice, always with the same Idempotency-Key (`<messageId>:<system>`).
 */
@Injectable()
export class DeliveryHandler {
  private readonly logger = new Logger('delivery');
  private readonly entities: StoreKeyedLock;

  constructor(
    private readonly config: ConfigService,
    @Inject(BUS_STORE) private readonly store: BusStore,
    private readonly journal: Journal,
    private readonly metrics: MetricsService,
    private readonly xref: XrefService,
    private readonly leases: DeliveryLeases,
  ) {
    this.entities = new StoreKeyedLock(this.store, 'delivery.entity');
  }

  async handle(destination: Destination, delivery: Delivery): Promise<Outcome> {
    // Deliveries about an entity a system that links ids has no id for yet go one at a time, across every
    // instance on the store, so the first create has linked its id before the next message about it is mapped.
    // Once linked there is nothing to order: those deliveries run side by side (and share batches).
    const key = await this.xref.unlinkedEntityKey(destination.system, delivery.envelope);
    return key ? this.entities.run(key, () => this.deliver(destination, delivery)) : this.deliver(destination, delivery);
  }

  private async deliver(destination: Destination, delivery: Delivery): Promise<Outcome> {
    const { envelope } = delivery;
    const name = destination.system.name;
    const attempt = delivery.attempt;
    const permit = await this.leases.acquire(envelope.id, name);
    if (permit.kind === 'delivered') {
      this.journal.step(envelope, delivery.headers, { kind: 'duplicate-skipped', destination: name, attempt });
      return { kind: 'ack' };
    }
    const startedAt = Date.now();
    let receipt: DeliveryReceipt;
    try {
      receipt = await permit.lease.hold(async () => {
        const native = await this.toNative(destination.system, envelope, delivery.headers);
        return destination.instance.send!(native, {
          idempotencyKey: `${envelope.id}:${name}`,
          messageId: envelope.id,
          correlationId: envelope.correlationId,
          type: envelope.type,
        });
      });
    } catch (err) {
      await permit.lease.release();
      const error = toBusError(err, name, envelope);
      this.metrics.failed(name, envelope.type, error);
      this.journal.step(envelope, delivery.headers, {
        kind: 'attempt',
        destination: name,
        attempt,
        outcome: 'failed',
        statusCode: (error as { status?: number }).status,
        error: `${error.code}: ${error.message}`,
        durationMs: Date.now() - startedAt,
      });
      return error.retryable ? { kind: 'retry', error } : { kind: 'deadLetter', error };
    }
    // First thing after the 2xx: the window in which a crash makes a copy send again is this one write.
    await this.store.recordDelivered(envelope.id, name, { status: receipt.status, nativeId: receipt.nativeId });
    await this.linkIds(destination.system, envelope, receipt);
    const acceptedAt = Number(delivery.headers[BusHeaders.ACCEPTED_AT]);
    this.metrics.delivered(name, envelope.type, Number.isFinite(acceptedAt) ? (Date.now() - acceptedAt) / 1000 : undefined);
    this.journal.step(envelope, delivery.headers, { kind: 'delivered', destination: name, attempt, statusCode: receipt.status, durationMs: Date.now() - startedAt });
    return { kind: 'ack' };
  }

  /** Delivered and recorded: a failed link must not send the message again, so it is only reported. */
  private async linkIds(system: SystemRuntime, envelope: CanonicalEnvelope, receipt: DeliveryReceipt): Promise<void> {
    try {
      await this.xref.linkFromReceipt(system, envelope, receipt);
    } catch (err) {
      this.logger.warn(
        `Message ${envelope.id} (${envelope.type}) was delivered to ${system.name}, but linking its id ${receipt.nativeId ?? '(none)'} failed: ${(err as Error).message}. ` +
          `Later messages about this entity reach ${system.name} without its id until it is linked.`,
      );
    }
  }

  /** Route transform (if any), then the destination's mapping and codec. */
  private async toNative(system: SystemRuntime, envelope: CanonicalEnvelope, headers: Record<string, unknown>): Promise<NativeMessage> {
    const transformed = await this.applyRouteTransform(system.name, envelope, headers);
    const bindings = { xref: await this.xref.nativeIdFor(system, transformed) };
    const value = await system.mapping.fromCanonical(transformed, bindings);
    return { body: system.codec.encode(value, system.codecOptions), contentType: system.codec.contentTypes[0], value };
  }

  private async applyRouteTransform(destination: string, envelope: CanonicalEnvelope, headers: Record<string, unknown>): Promise<CanonicalEnvelope> {
    const routeName = routeOf(headers, destination);
    if (!routeName) return envelope;
    // The version that routed the message decides its transform; a reload must not change queued work.
    const version = this.config.getVersion(String(headers[BusHeaders.CONFIG_VERSION] ?? '')) ?? this.config.active();
    const transform = version.routeTable.transformFor(routeName, destination);
    if (!transform) return envelope;
    try {
      return { ...envelope, payload: await transform.evaluate(envelope) };
    } catch (err) {
      throw new MappingError(`route "${routeName}" transform for ${destination} failed: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
}

/** Anything unclassified is treated as transient: a retry is safe, a lost message is not. */
function toBusError(err: unknown, destination: string, envelope: CanonicalEnvelope): BusError {
  if (err instanceof BusError) return err;
  const reason = (err as Error)?.message ?? String(err);
  return new TransientDeliveryError(`unexpected error delivering ${envelope.id} (${envelope.type}) to ${destination}: ${reason}`, undefined, { cause: err });
}
