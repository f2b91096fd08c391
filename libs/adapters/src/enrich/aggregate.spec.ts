import { validatePayload, type PricedUsageRecord, type UsageRecord } from '@bus/canonical-model';
import { addParked, addPriced, expectRecords, markSummarized, summaryDue, tallyKey, toSummary, type ConferenceTally } from './aggregate';

const T0 = new Date('2026-12-03T10:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const QUIET = { quietMs: 600_000 };

const call = (usageId: string, billableSeconds: number, amount: number, overrides: Partial<PricedUsageRecord> = {}): PricedUsageRecord => ({
  usageId,
  conferenceId: 'CONF-0001',
  bookingId: 'R-2026-000001',
  customerId: '001Dm0000000001wtn',
  caller: '+4930111',
  startedAt: '2026-12-03T09:00:00.000Z',
  endedAt: '2026-12-03T09:30:00.000Z',
  durationSeconds: billableSeconds + 3,
  billableSeconds,
  disposition: billableSeconds ? 'answered' : 'no-answer',
  pricing: { productCode: 'CONF-DIALIN-MIN', unit: 'MIN', unitPrice: 0.05, currency: 'EUR', amount },
  ...overrides,
});

const tallyOf = (...calls: PricedUsageRecord[]) => calls.reduce<ConferenceTally | undefined>((t, c) => addPriced(t, c, T0), undefined)!;

describe(addPriced.name, () => {
  it('should add up answered participants, started minutes and the amount', () => {
    const sut = tallyOf(call('u1', 1800, 1.5), call('u2', 61, 0.1), call('u3', 0, 0));
    expect(toSummary(sut)).toEqual({ conferenceId: 'CONF-0001', bookingId: 'R-2026-000001', customerId: '001Dm0000000001wtn', participants: 2, billableMinutes: 32, amount: 1.6, currency: 'EUR' });
    expect(validatePayload('conference.summarized', toSummary(sut))).toEqual([]);
    expect(tallyKey(call('u1', 1, 0))).toBe('conference:CONF-0001');
  });

  it('should count a redelivered record once', () => {
    const sut = tallyOf(call('u1', 1800, 1.5), call('u1', 1800, 1.5));
    expect(sut).toMatchObject({ participants: 1, amountMinor: 150, usageIds: ['u1'] });
  });

  it('should refuse to mix currencies in one conference', () => {
    expect(() => tallyOf(call('u1', 60, 0.05), call('u2', 60, 0.05, { pricing: { unitPrice: 0.05, currency: 'USD', amount: 0.05 } }))).toThrow(/cannot mix currencies/);
  });
});

describe(summaryDue.name, () => {
  it('should be due once every expected record is in', () => {
    const sut = expectRecords(tallyOf(call('u1', 60, 0.05)), 2);
    expect(summaryDue(sut, T0, QUIET)).toBeUndefined();
    expect(summaryDue(addPriced(sut, call('u2', 60, 0.05), T0), T0, QUIET)).toBe('all-records-in');
  });

  it('should be due after the quiet time when the count is unknown', () => {
    const sut = tallyOf(call('u1', 60, 0.05));
    expect(summaryDue(sut, later(599_999), QUIET)).toBeUndefined();
    expect(summaryDue(sut, later(600_000), QUIET)).toBe('quiet');
  });

  it('should hold the summary back while a record is parked, and release it when that record is priced', () => {
    const parked: UsageRecord = (({ pricing: _p, ...u }) => u)(call('u2', 120, 0));
    const sut = addParked(tallyOf(call('u1', 60, 0.05)), parked, T0);
    expect(summaryDue(sut, later(3_600_000), QUIET)).toBeUndefined();
    const healed = addPriced(sut, call('u2', 120, 0.1), later(3_600_000));
    expect(healed).toMatchObject({ parkedIds: [], usageIds: ['u1', 'u2'], participants: 2, amountMinor: 15 });
    expect(summaryDue(healed, later(3_600_000 + 600_000), QUIET)).toBe('quiet');
  });

  it('should not be due twice', () => {
    expect(summaryDue(markSummarized(tallyOf(call('u1', 60, 0.05))), later(10_000_000), QUIET)).toBeUndefined();
  });
});
