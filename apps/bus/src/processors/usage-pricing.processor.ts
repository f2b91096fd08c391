import type { CanonicalEnvelope, UsageRecord } from '@bus/canonical-model';
import { priceUsage, tallyKey } from '@bus/adapters/enrich';
import type { RateBook } from './rate-book';
import type { Processor, ProcessorContext, ProcessorOutcome } from './processor';
import type { UsagePricingProcessorConfig } from './processor.config';

/**
 * Usage records the pricing step parked, by usage id (value: the conference's tally key). The
 * conference-summary processor holds a conference's summary back while one of its records is here:
 * a summary without that call would be wrong.
 */
export const PARKED_USAGE_NAMESPACE = 'pricing.parked';

/** `kind: usage-pricing`: usage.recorded + the rate book -> usage.priced, or parked with the reason. */
export class UsagePricingProcessor implements Processor {
  constructor(
    private readonly config: UsagePricingProcessorConfig,
    private readonly rates: RateBook,
    private readonly ctx: ProcessorContext,
  ) {}

  async handle(input: CanonicalEnvelope): Promise<ProcessorOutcome> {
    const usage = input.payload as UsageRecord;
    const result = priceUsage(usage, await this.rates.contractsOf(usage.customerId), { productCode: this.config.productCode, rounding: this.config.rounding });
    if ('parked' in result) {
      await this.ctx.store.setValue(PARKED_USAGE_NAMESPACE, usage.usageId, tallyKey(usage));
      return { kind: 'park', code: result.code, reason: `${this.ctx.name}: message ${input.id}: ${result.reason} (POST /admin/dead-letters/:id/replay)` };
    }
    await this.ctx.emit({ type: 'usage.priced', occurredAt: input.occurredAt, payload: result.priced }, `${this.ctx.name}:${input.id}`, {
      correlationId: input.correlationId,
      causationId: input.id,
    });
    await this.ctx.store.deleteValue(PARKED_USAGE_NAMESPACE, usage.usageId);
    return { kind: 'done' };
  }
}
