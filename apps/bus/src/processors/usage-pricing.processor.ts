import type { CanonicalEnvelope, UsageRecord } from '@bus/canonical-model';
import { priceUsage, tallyKey } from '@bus/adapters/enrich';
import type { RateBook } from './rate-book';
import type { Processor, ProcessorContext, ProcessorOutcome } from './processor';
import type { UsagePricingProcessorConfig } from './processor.config';
import { ParkedUsage } from './parked-usage';

/**
 * Usage records the pricing step parked, by usage id (value: the conference's tally key). The
 * conference-summary processor holds a conference's summary back while one of its records is here:
 * a summary without that call would be wrong.
 */
export const PARKED_USAGE_NAMESPACE = 'pricing.parked';

/**
 * `kind: usage-pricing`: usage.recorded + the rate book -> usage.priced, or parked with the reason.
 *
 * A record parked for want of its customer's rates is priced again automatically when a
 * `contract.rates-changed` of that customer is stored (and at start, for rates that came while it was
 * stopped). Exactly once however often rates arrive: the emit's dedup key `<name>:<input id>` is
 * claimed in the store before publishing, whichever path (queue, re-pricing, replay) prices the input.
 */
export class UsagePricingProcessor implements Processor {
  private readonly parked: ParkedUsage;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly config: UsagePricingProcessorConfig,
    private readonly rates: RateBook,
    private readonly ctx: ProcessorContext,
  ) {
    this.parked = new ParkedUsage(ctx.store, ctx.name);
    this.unsubscribe = rates.onChanged(async (customerId) => void (await this.repriceParked(customerId)));
  }

  async handle(input: CanonicalEnvelope): Promise<ProcessorOutcome> {
    return this.price(input, true);
  }

  /** Re-prices what was parked while the processor was stopped and rates arrived meanwhile. */
  async start(): Promise<void> {
    await this.repriceParked();
  }

  async stop(): Promise<void> {
    this.unsubscribe();
  }

  /**
   * Prices the parked inputs of one customer (or all) again; an input priced now is recorded as delivered
   * to the processor and its dead letter resolved. One that still cannot be priced stays parked.
   */
  async repriceParked(customerId?: string): Promise<number> {
    let priced = 0;
    for (const entry of await this.parked.list(customerId)) {
      try {
        if ((await this.price(entry.input, false)).kind !== 'done') continue;
        await this.ctx.store.recordDelivered(entry.input.id, this.ctx.name);
        await this.parked.resolveDeadLetter(entry.input.id);
        priced++;
      } catch (err) {
        // It stays parked: the next rate change, the next start or an operator's replay prices it.
        this.ctx.logger.warn(`${this.ctx.name}: re-pricing parked message ${entry.input.id} failed: ${(err as Error).message}; it stays parked (POST /admin/dead-letters/:id/replay)`);
      }
    }
    return priced;
  }

  private async price(input: CanonicalEnvelope, recheck: boolean): Promise<ProcessorOutcome> {
    const usage = input.payload as UsageRecord;
    // A leg the bridge's config does not bill (an ordinary Dial leg) is recorded, not priced.
    if (usage.billable === false) return { kind: 'done' };
    const contracts = await this.rates.contractsOf(usage.customerId);
    const result = priceUsage(usage, contracts, { productCode: this.config.productCode, rounding: this.config.rounding });
    if ('parked' in result) {
      await this.ctx.store.setValue(PARKED_USAGE_NAMESPACE, usage.usageId, tallyKey(usage));
      await this.parked.park(usage.customerId, input);
      // Rates stored between our read and the park would not find this entry: look once more.
      if (recheck && JSON.stringify(await this.rates.contractsOf(usage.customerId)) !== JSON.stringify(contracts)) return this.price(input, false);
      return { kind: 'park', code: result.code, reason: `${this.ctx.name}: message ${input.id}: ${result.reason} (priced automatically when rates for customer ${usage.customerId} arrive; or POST /admin/dead-letters/:id/replay)` };
    }
    await this.ctx.emit({ type: 'usage.priced', occurredAt: input.occurredAt, payload: result.priced }, `${this.ctx.name}:${input.id}`, {
      correlationId: input.correlationId,
      causationId: input.id,
    });
    // Read before clearing: only an input parked here clears its marks. The usage-id mark may have been set by
    // another input of the same usage (records in flight together) still waiting for rates; a blind clear would
    // let its conference be summarized without it. Most inputs were never parked: no store write for them.
    if (await this.parked.has(input.id)) {
      await this.parked.forget(input.id);
      await this.ctx.store.deleteValue(PARKED_USAGE_NAMESPACE, usage.usageId);
    }
    return { kind: 'done' };
  }
}
