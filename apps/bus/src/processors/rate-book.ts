import { Inject, Injectable } from '@nestjs/common';
import type { CanonicalEnvelope, Contract } from '@bus/canonical-model';
import { StoreKeyedLock } from '../delivery/store-keyed-lock';
import type { ActiveConfig } from '../config/active-config';
import { ConfigService } from '../config/config.service';
import { BUS_STORE, type BusStore } from '../store/bus-store';

/** kv namespace of the rate book: key = canonical customer id, value = that customer's contracts. */
export const CONTRACTS_NAMESPACE = 'contracts';

/**
 * The contract rates the bus knows, as reference data for the pricing processor (content enricher).
 *
 * Fed by the Dispatcher rather than by a route: every accepted `contract.rates-changed` passes the
 * Dispatcher whatever its routes (or none), so the rate book cannot miss one because an integrator
 * routed rates only to billing, and no route or queue exists just to feed it.
 */
@Injectable()
export class RateBook {
  private readonly customers: StoreKeyedLock;
  private readonly pricingIn = new WeakMap<ActiveConfig, boolean>();
  private readonly listeners = new Set<(customerId: string) => Promise<void>>();

  constructor(
    @Inject(BUS_STORE) private readonly store: BusStore,
    private readonly config: ConfigService,
  ) {
    this.customers = new StoreKeyedLock(store, CONTRACTS_NAMESPACE);
  }

  /**
   * Keeps the contract of a `contract.rates-changed` while a usage-pricing processor is configured
   * (without one nobody reads it, and it is a store write per message); any other message is ignored.
   * Rates seen before a pricing processor was added are not known to it: its records park until the
   * next rate change arrives and they are replayed.
   */
  async observe(envelope: CanonicalEnvelope): Promise<void> {
    if (envelope.type !== 'contract.rates-changed' || !this.pricingConfigured()) return;
    const contract = envelope.payload as Contract;
    // Read-modify-write of one customer's list: two rate changes of one customer, at any instance, must not lose one.
    await this.customers.run(contract.customerId, async () => {
      const known = (await this.store.getValue<Contract[]>(CONTRACTS_NAMESPACE, contract.customerId)) ?? [];
      // The message carries the complete new rate list of the contract: it replaces the one kept.
      const others = known.filter((c) => c.contractId !== contract.contractId);
      await this.store.setValue(CONTRACTS_NAMESPACE, contract.customerId, [...others, contract]);
    });
    // After the write, so a listener reads the new rates; not awaited: the sender's 202 does not wait for re-pricing.
    for (const listener of this.listeners) void listener(contract.customerId).catch(() => undefined);
  }

  /** Calls `listener` with the customer id after each stored rate change; returns the unsubscribe. */
  onChanged(listener: (customerId: string) => Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private pricingConfigured(): boolean {
    const active = this.config.active();
    let configured = this.pricingIn.get(active);
    if (configured === undefined) {
      configured = Object.values(active.config.processors ?? {}).some((p) => (p as { kind?: string }).kind === 'usage-pricing');
      this.pricingIn.set(active, configured);
    }
    return configured;
  }

  /** Every contract of the customer the bus has seen; empty when none. */
  async contractsOf(customerId: string): Promise<Contract[]> {
    return (await this.store.getValue<Contract[]>(CONTRACTS_NAMESPACE, customerId)) ?? [];
  }
}
