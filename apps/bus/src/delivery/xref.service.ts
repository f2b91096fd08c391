import { Inject, Injectable } from '@nestjs/common';
import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { DeliveryReceipt } from '@bus/adapters';
import type { SystemRuntime } from '../config/active-config';
import { BUS_STORE, type BusStore } from '../store/bus-store';

/**
 * ID cross-reference: each system sees only its own ids. A system's `xref` setting names, per
 * entity, the payload field that carries that entity's id (`xref: { customer: customerId }`).
 * Canonical ids are those of the system of record; the bus swaps ids at the edges:
 * inbound native ids become canonical, outbound canonical ids become the destination's, and the
 * id a destination answers with on create (Location / X-Resource-Id) creates the link.
 */
@Injectable()
export class XrefService {
  constructor(@Inject(BUS_STORE) private readonly store: BusStore) {}

  /** Inbound: replace the sender's native ids by canonical ones where a link exists. */
  async toCanonicalIds(system: SystemRuntime, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const fields = system.xref;
    if (!fields) return payload;
    const out = { ...payload };
    for (const [entity, field] of Object.entries(fields)) {
      const nativeId = out[field];
      if (typeof nativeId !== 'string') continue;
      const canonicalId = await this.store.findCanonicalId(entity, system.name, nativeId);
      if (canonicalId) out[field] = canonicalId;
    }
    return out;
  }

  /** Outbound: the destination's own id for the envelope's main entity, if the bus knows it. */
  async nativeIdFor(system: SystemRuntime, envelope: CanonicalEnvelope): Promise<string | null> {
    const fields = system.xref;
    if (!fields) return null;
    for (const [entity, field] of Object.entries(fields)) {
      const canonicalId = (envelope.payload as Record<string, unknown>)?.[field];
      if (typeof canonicalId !== 'string') continue;
      const nativeId = await this.store.findNativeId(entity, canonicalId, system.name);
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
    const existing = await this.store.findNativeId(entity, canonicalId, system.name);
    if (!existing) await this.store.linkXref(entity, canonicalId, system.name, receipt.nativeId);
  }
}
