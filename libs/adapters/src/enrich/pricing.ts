import type { Contract, PricedUsageRecord, RateRounding, UsageRecord } from '@bus/canonical-model';

/** How billable seconds become billed units. */
export type Rounding = 'per-started-unit' | 'exact';

export interface PricingOptions {
  /** The contract rate that prices conference calls. @default 'CONF-DIALIN-MIN' */
  productCode?: string;
  /**
   * For rates whose contract sets no rounding rule: `per-started-unit`: every started minute counts
   * (telecom custom); `exact`: seconds / 60. A rate's own `rounding` always wins. @default 'per-started-unit'
   */
  rounding?: Rounding;
}

/** Why a record could not be priced: it is parked (kept, not guessed) until the cause is fixed and it is replayed. */
export type ParkReason = 'PRICING.UNKNOWN_CUSTOMER' | 'PRICING.NOT_IN_FORCE' | 'PRICING.NO_RATE' | 'PRICING.UNKNOWN_UNIT';

export type PricingResult =
  | { priced: PricedUsageRecord; quantity: number }
  | { parked: true; code: ParkReason; reason: string };

/** Seconds per rate unit (UN/ECE Rec 20 codes, as contract rates carry them). */
export const SECONDS_PER_UNIT: Record<string, number> = { SEC: 1, MIN: 60, HUR: 3600 };

/** Billed quantity of one call in a rate unit; undefined for a unit that is not a time unit. */
export function billedQuantity(billableSeconds: number, unit: string, rounding: Rounding = 'per-started-unit'): number | undefined {
  const per = SECONDS_PER_UNIT[unit];
  if (!per) return undefined;
  return rounding === 'per-started-unit' ? Math.ceil(billableSeconds / per) : round(billableSeconds / per, 4);
}

/**
 * Billed quantity and amount of one call under a contract rate's rounding rule: the free minutes are
 * taken off, the rest is charged in whole increments (default: one rate unit), and a charged call costs
 * at least the minimum charge. Undefined for a unit that is not a time unit.
 */
export function chargeCall(billableSeconds: number, unit: string, unitPrice: number, rule: RateRounding): { quantity: number; amount: number } | undefined {
  const per = SECONDS_PER_UNIT[unit];
  if (!per) return undefined;
  const charged = Math.max(0, billableSeconds - (rule.freeMinutes ?? 0) * 60);
  const step = rule.incrementSeconds ?? per;
  const quantity = round((Math.ceil(charged / step) * step) / per, 4);
  const amount = round(quantity * unitPrice);
  return { quantity, amount: quantity > 0 && rule.minimumCharge !== undefined && amount < rule.minimumCharge ? rule.minimumCharge : amount };
}

/** Half-up rounding to `digits` decimals that is not fooled by binary fractions (0.05 × 31 = 1.55, not 1.5500000000000003). */
export const round = (value: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(value * f + Math.sign(value) * 1e-7) / f;
};

/** The contract in force on `day` (YYYY-MM-DD): the one with the latest validFrom not after it. */
export function contractInForce(contracts: readonly Contract[], day: string): Contract | undefined {
  return contracts.filter((c) => c.validFrom <= day).sort((a, b) => (a.validFrom < b.validFrom ? 1 : -1))[0];
}

/**
 * Content enricher: one usage record + the customer's contracts the bus knows (from `contract.rates-changed`)
 * -> the priced record, or a parked result with a reason an operator can act on. Pure: no I/O, no clock.
 * The contract is chosen by the call's start date (UTC day).
 *
 * @example
 * const result = priceUsage(usage, rateBook.contractsOf(usage.customerId));
 * if ('parked' in result) deadLetter(result.code, result.reason); else publish('usage.priced', result.priced);
 */
export function priceUsage(usage: UsageRecord, contracts: readonly Contract[], options: PricingOptions = {}): PricingResult {
  const productCode = options.productCode ?? 'CONF-DIALIN-MIN';
  const mine = contracts.filter((c) => c.customerId === usage.customerId);
  if (!mine.length) {
    return park('PRICING.UNKNOWN_CUSTOMER', `usage ${usage.usageId}: the bus knows no contract rates for customer ${usage.customerId} (no contract.rates-changed seen); replay it once sales has sent the contract`);
  }
  const day = usage.startedAt.slice(0, 10);
  const contract = contractInForce(mine, day);
  if (!contract) {
    const first = mine.map((c) => c.validFrom).sort()[0];
    return park('PRICING.NOT_IN_FORCE', `usage ${usage.usageId}: no contract of customer ${usage.customerId} is in force on ${day} (the earliest starts ${first}); fix the contract's validFrom in sales, then replay`);
  }
  const rate = contract.rates.find((r) => r.productCode === productCode);
  if (!rate) {
    return park('PRICING.NO_RATE', `usage ${usage.usageId}: contract ${contract.contractId} of customer ${usage.customerId} has no rate for ${productCode} (it has: ${contract.rates.map((r) => r.productCode).join(', ')}); add the rate in sales, then replay`);
  }
  const rule: RateRounding = rate.rounding ?? (options.rounding === 'exact' ? { incrementSeconds: 1 } : {});
  const charge = chargeCall(usage.billableSeconds, rate.unit, rate.unitPrice, rule);
  if (charge === undefined) {
    return park('PRICING.UNKNOWN_UNIT', `usage ${usage.usageId}: rate ${productCode} of contract ${contract.contractId} is priced per ${rate.unit}, not per time unit (SEC, MIN, HUR)`);
  }
  const { pricing: _ignored, ...fields } = usage;
  return {
    priced: { ...fields, pricing: { productCode, unit: rate.unit, unitPrice: rate.unitPrice, quantity: charge.quantity, currency: contract.currency, amount: charge.amount } },
    quantity: charge.quantity,
  };
}

const park = (code: ParkReason, reason: string): PricingResult => ({ parked: true, code, reason });
