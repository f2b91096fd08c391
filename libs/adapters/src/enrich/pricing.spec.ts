import { validatePayload, type Contract, type UsageRecord } from '@bus/canonical-model';
import { SAMPLE_PAYLOADS } from '@bus/canonical-model/testing/canonical-samples';
import { billedQuantity, chargeCall, priceUsage, round } from './pricing';

// The canonical model's sample contract: 0.05 EUR per dial-in minute, 19.90 EUR base per month.
const CONTRACT = SAMPLE_PAYLOADS['contract.rates-changed'] as unknown as Contract;

const usage = (overrides: Partial<UsageRecord> = {}): UsageRecord => ({
  usageId: '1796288400.1',
  conferenceId: 'CONF-0001',
  bookingId: 'R-2026-000001',
  customerId: '001Dm0000000001wtn',
  caller: '+49301112223',
  startedAt: '2026-12-03T09:00:00.000Z',
  answeredAt: '2026-12-03T09:00:03.000Z',
  endedAt: '2026-12-03T09:30:04.000Z',
  durationSeconds: 1804,
  billableSeconds: 1801,
  disposition: 'answered',
  ...overrides,
});

describe(priceUsage.name, () => {
  it('should price every started minute with the contract rate in force', () => {
    const result = priceUsage(usage(), [CONTRACT]);
    expect(result).toEqual({
      quantity: 31,
      priced: { ...usage(), pricing: { productCode: 'CONF-DIALIN-MIN', unit: 'MIN', unitPrice: 0.05, quantity: 31, currency: 'EUR', amount: 1.55 } },
    });
    if ('priced' in result) expect(validatePayload('usage.priced', result.priced)).toEqual([]);
  });

  it('should price exactly when told to', () => {
    const result = priceUsage(usage({ billableSeconds: 90 }), [CONTRACT], { rounding: 'exact' });
    expect(result).toMatchObject({ quantity: 1.5, priced: { pricing: { amount: 0.08 } } });
  });

  it('should take the newest contract that was in force on the call day', () => {
    const newer = { ...CONTRACT, contractId: '800-new', validFrom: '2026-12-03', rates: [{ productCode: 'CONF-DIALIN-MIN', unitPrice: 0.04, unit: 'MIN' }] };
    const future = { ...CONTRACT, contractId: '800-future', validFrom: '2027-01-01', rates: [{ productCode: 'CONF-DIALIN-MIN', unitPrice: 0.01, unit: 'MIN' }] };
    expect(priceUsage(usage(), [CONTRACT, future, newer])).toMatchObject({ priced: { pricing: { unitPrice: 0.04, amount: 1.24 } } });
  });

  it('should price an unanswered call at zero', () => {
    expect(priceUsage(usage({ billableSeconds: 0, disposition: 'no-answer' }), [CONTRACT])).toMatchObject({ quantity: 0, priced: { pricing: { amount: 0 } } });
  });

  it("should apply the contract rate's own rounding rule over the processor's default", () => {
    const perSecond = { ...CONTRACT, rates: [{ productCode: 'CONF-DIALIN-MIN', unitPrice: 0.06, unit: 'MIN', rounding: { incrementSeconds: 1, freeMinutes: 1 } }] };
    expect(priceUsage(usage({ billableSeconds: 90 }), [perSecond])).toMatchObject({ quantity: 0.5, priced: { pricing: { quantity: 0.5, unitPrice: 0.06, amount: 0.03 } } });
  });

  it.each([
    ['PRICING.UNKNOWN_CUSTOMER', [], 'no contract rates for customer 001Dm0000000001wtn'],
    ['PRICING.UNKNOWN_CUSTOMER', [{ ...CONTRACT, customerId: 'someone-else' }], 'replay it once sales has sent the contract'],
    ['PRICING.NOT_IN_FORCE', [{ ...CONTRACT, validFrom: '2027-01-01' }], 'in force on 2026-12-03 (the earliest starts 2027-01-01)'],
    ['PRICING.NO_RATE', [{ ...CONTRACT, rates: [CONTRACT.rates[1]] }], 'has no rate for CONF-DIALIN-MIN (it has: CONF-BASE)'],
    ['PRICING.UNKNOWN_UNIT', [{ ...CONTRACT, rates: [{ productCode: 'CONF-DIALIN-MIN', unitPrice: 1, unit: 'C62' }] }], 'per C62'],
  ])('should park the record with %s rather than guess', (code, contracts, reason) => {
    expect(priceUsage(usage(), contracts as Contract[])).toEqual({ parked: true, code, reason: expect.stringContaining(reason) });
  });
});

describe(chargeCall.name, () => {
  it.each([
    ['per started minute', 61, {}, { quantity: 2, amount: 0.1 }],
    ['per second', 61, { incrementSeconds: 1 }, { quantity: 1.0167, amount: 0.05 }],
    ['free first 5 minutes, then per started minute', 301, { freeMinutes: 5 }, { quantity: 1, amount: 0.05 }],
    ['a call within the free minutes', 299, { freeMinutes: 5, minimumCharge: 0.2 }, { quantity: 0, amount: 0 }],
    ['minimum charge', 10, { minimumCharge: 0.2 }, { quantity: 1, amount: 0.2 }],
    ['per started 30 seconds', 31, { incrementSeconds: 30 }, { quantity: 1, amount: 0.05 }],
  ])('should charge %s', (_rule, seconds, rule, expected) => {
    expect(chargeCall(seconds, 'MIN', 0.05, rule)).toEqual(expected);
  });

  it('should charge nothing it cannot count in time', () => {
    expect(chargeCall(60, 'C62', 1, {})).toBeUndefined();
  });
});

describe(billedQuantity.name, () => {
  it.each([
    [0, 'MIN', 0],
    [1, 'MIN', 1],
    [60, 'MIN', 1],
    [61, 'MIN', 2],
    [3601, 'HUR', 2],
    [45, 'SEC', 45],
  ])('should bill %p seconds per %s as %p', (seconds, unit, quantity) => {
    expect(billedQuantity(seconds as number, unit as string)).toBe(quantity);
  });

  it('should round money half up without binary noise', () => {
    expect([round(0.05 * 31), round(1.005), round(2.675)]).toEqual([1.55, 1.01, 2.68]);
  });
});
