import { Inject, Injectable } from '@nestjs/common';
import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { DeliveryReceipt } from '@bus/adapters';
import type { SystemRuntime } from '../config/active-config';
import { BUS_STORE, type BusStore } from '../store/bus-store';
import { InboundRejection } from '../inbound/inbound-rejection';

/** Links kept in memory per instance (about 100 bytes each). */
const MAX_REMEMBERED_LINKS = 50_000;

/**
 * ID cross-reference: each system sees only its own ids. A system's `xref` setting names, per
 * entity, the payload field that carries that entity's id (`xref: { customer: customerId }`).
 * Canonical ids are those of the system of record; the bus swaps ids at the edges:
 * inbound native ids become canonical, outbound canonical ids become the destination's, and the
 * id a destination answers with on create (Location / X-Resource-Id) creates the link.
 */
@Injectable()
export class XrefService {
  /**
   * Links found in the store, by `entity, system, canonical id`. A link never changes once made (the
   * first one wins, none is removed), so every instance may keep what it found; absent links are always
   * looked up again. Bounded: the oldest entry goes first.
   */
  private readonly linked = new Map<string, string>();

  constructor(@Inject(BUS_STORE) private readonly store: BusStore) {}

  /**
   * Inbound: replace the sender's native ids by canonical ones. An id with no link is refused
   * rather than passed on, where it would mean nothing to the other systems.
   */
  async toCanonicalIds(system: SystemRuntime, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const fields = system.xref;
    if (!fields || !payload || typeof payload !== 'object') return payload;
    const out = { ...payload };
    for (const [entity, field] of Object.entries(fields)) {
      const nativeId = out[field];
      if (typeof nativeId !== 'string') continue;
      const canonicalId = await this.store.findCanonicalId(entity, system.name, nativeId);
      if (!canonicalId) {
        throw new InboundRejection(
          'XREF.UNKNOWN_ID',
          `${system.name}: ${entity} "${nativeId}" (payload.${field}) is not linked to any ${entity} the bus knows; it is linked when the bus first creates it in ${system.name}.`,
          [{ path: `payload.${field}`, message: `unknown ${entity} id "${nativeId}"` }],
        );
      }
      out[field] = canonicalId;
    }
    return out;
  }

  /** Answers to a query: canonical ids become the asking system's own, where a link exists. */
  async toNativeIds(system: SystemRuntime, payload: unknown): Promise<unknown> {
    const fields = system.xref;
    if (!fields || !payload || typeof payload !== 'object') return payload;
    const out = { ...(payload as Record<string, unknown>) };
    for (const [entity, field] of Object.entries(fields)) {
      const canonicalId = out[field];
      if (typeof canonicalId !== 'string') continue;
      out[field] = (await this.nativeId(entity, canonicalId, system.name)) ?? canonicalId;
    }
    return out;
  }

  /**
   * Serialization key for deliveries to `system` about an entity it has no id for yet (the first
   * delivery may create it and link the id the next ones need); undefined when there is nothing to
   * order: the system has no xref, or the entity's id is linked already.
   */
  async unlinkedEntityKey(system: SystemRuntime, envelope: CanonicalEnvelope): Promise<string | undefined> {
    const fields = system.xref;
    if (!fields) return undefined;
    for (const [entity, field] of Object.entries(fields)) {
      const id = (envelope.payload as Record<string, unknown>)?.[field];
      if (typeof id !== 'string') continue;
      return (await this.nativeId(entity, id, system.name)) ? undefined : `${system.name}:${entity}:${id}`;
    }
    return undefined;
  }

  /** Outbound: the destination's own id for the envelope's main entity, if the bus knows it. */
  async nativeIdFor(system: SystemRuntime, envelope: CanonicalEnvelope): Promise<string | null> {
    const fields = system.xref;
    if (!fields) return null;
    for (const [entity, field] of Object.entries(fields)) {
      const canonicalId = (envelope.payload as Record<string, unknown>)?.[field];
      if (typeof canonicalId !== 'string') continue;
      const nativeId = await this.nativeId(entity, canonicalId, system.name);
      if (nativeId) return nativeId;
    }
    return null;
  }

  /** The first successful create at a destination links its new id to the canonical one. */
  async linkFromReceipt(system: SystemRuntime, envelope: CanonicalEnvelope, receipt: DeliveryReceipt): Promise<void> {
    const fields = system.xref;
    if (!fields || !receipt.nativeId) return;
    const [entity, field] = Object.entries(fields)[0];
    const canonicalId = (envelope.payload as Record<string, unknown>)?.[field];
    if (typeof canonicalId !== 'string') return;
    const existing = await this.nativeId(entity, canonicalId, system.name);
    if (!existing) await this.store.linkXref(entity, canonicalId, system.name, receipt.nativeId);
  }

  private async nativeId(entity: string, canonicalId: string, system: string): Promise<string | null> {
    const key = `${entity}\u0000${system}\u0000${canonicalId}`;
    const known = this.linked.get(key);
    if (known !== undefined) return known;
    const found = await this.store.findNativeId(entity, canonicalId, system);
    if (found) {
      if (this.linked.size >= MAX_REMEMBERED_LINKS) this.linked.delete(this.linked.keys().next().value as string);
      this.linked.set(key, found);
    }
    return found;
  }
}
