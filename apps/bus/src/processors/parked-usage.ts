import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { BusStore } from '../store/bus-store';

/**
 * kv namespace of usage the pricing step parked for want of its customer's rates, with the input to price
 * again: key `<processor>:<input id>`. (`pricing.parked`, keyed by usage id, is what conference summaries
 * wait on; this one is what re-pricing reads.)
 */
export const AWAITING_RATES_NAMESPACE = 'pricing.awaiting-rates';

export interface AwaitingRates {
  processor: string;
  customerId: string;
  input: CanonicalEnvelope;
}

/** Reason kept on a dead letter that re-pricing resolved. */
export const REPRICED_REASON = 'priced automatically when the contract rates arrived';

/** Dead letters are searched in pages of this size when a re-priced one is resolved. */
const PAGE = 200;

/** The parked inputs of one pricing processor. */
export class ParkedUsage {
  constructor(
    private readonly store: BusStore,
    private readonly processor: string,
  ) {}

  async park(customerId: string, input: CanonicalEnvelope): Promise<void> {
    const entry: AwaitingRates = { processor: this.processor, customerId, input };
    await this.store.setValue(AWAITING_RATES_NAMESPACE, this.key(input.id), entry);
  }

  /** Whether this input is parked here (read before it is forgotten, so the caller knows what to clear). */
  async has(inputId: string): Promise<boolean> {
    return (await this.store.getValue<AwaitingRates>(AWAITING_RATES_NAMESPACE, this.key(inputId))) !== null;
  }

  async forget(inputId: string): Promise<void> {
    await this.store.deleteValue(AWAITING_RATES_NAMESPACE, this.key(inputId));
  }

  /** This processor's parked inputs, of one customer or of all. */
  async list(customerId?: string): Promise<AwaitingRates[]> {
    const all = await this.store.listValues<AwaitingRates>(AWAITING_RATES_NAMESPACE);
    return all.map((e) => e.value).filter((v) => v?.processor === this.processor && (customerId === undefined || v.customerId === customerId) && !!v.input?.id);
  }

  /**
   * Marks the dead letter the input became as replayed, so operators do not see it waiting. Atomic in
   * the store: of two re-pricings of one input, one marks it. Absent when the consumer had not indexed it
   * yet; replaying it later is a no-op (the input is recorded as delivered to the processor).
   */
  async resolveDeadLetter(inputId: string): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.store.listDeadLetters({ system: this.processor, type: 'usage.recorded', state: 'dead', limit: PAGE, cursor });
      const dead = page.items.find((d) => d.messageId === inputId);
      if (dead) return void (await this.store.markDeadLetter(dead.id, 'replayed', REPRICED_REASON));
      cursor = page.nextCursor;
    } while (cursor);
  }

  private key(inputId: string): string {
    return `${this.processor}:${inputId}`;
  }
}
