import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CanonicalDraft, CanonicalEnvelope, Contract, UsageRecord } from '@bus/canonical-model';
import { createStore } from '../store/create-store';
import type { BusStore } from '../store/bus-store';
import { ConferenceSummaryProcessor } from './conference-summary.processor';
import type { ProcessorContext } from './processor';
import { ConferenceSummaryProcessorConfig, UsagePricingProcessorConfig } from './processor.config';
import type { ConfigService } from '../config/config.service';
import { RateBook } from './rate-book';
import { EXPECTED_RECORDS_NAMESPACE, FileUsageCounter } from './file-usage.counter';
import { PARKED_USAGE_NAMESPACE, UsagePricingProcessor } from './usage-pricing.processor';

const CONTRACT: Contract = {
  contractId: 'K-1',
  customerId: 'C-1',
  currency: 'EUR',
  validFrom: '2026-12-01',
  rates: [{ productCode: 'CONF-DIALIN-MIN', unitPrice: 0.05, unit: 'MIN' }],
};
const usage = (usageId: string, billableSeconds = 300): UsageRecord => ({
  usageId,
  conferenceId: 'CONF-1',
  bookingId: 'R-1',
  customerId: 'C-1',
  caller: '+4930100',
  startedAt: '2026-12-03T09:00:00.000Z',
  endedAt: '2026-12-03T09:05:03.000Z',
  durationSeconds: billableSeconds + 3,
  billableSeconds,
  disposition: 'answered',
});
const envelope = <P>(id: string, type: string, payload: P): CanonicalEnvelope<P> => ({
  id,
  type,
  schemaVersion: 1,
  source: 'test',
  correlationId: `corr-${id}`,
  occurredAt: '2026-12-03T09:05:03.000Z',
  payload,
});

describe('processors', () => {
  let dir: string;
  let store: BusStore;
  let now: Date;
  let emitted: Array<{ draft: CanonicalDraft; dedupKey: string; cause: object }>;
  const context = (name: string): ProcessorContext => ({
    name,
    store,
    now: () => now,
    logger: { warn: jest.fn(), error: jest.fn() },
    emit: async (draft, dedupKey, cause) => {
      // As the Dispatcher's claim does: a key seen before publishes nothing.
      if (emitted.some((e) => e.dedupKey === dedupKey)) return;
      emitted.push({ draft, dedupKey, cause });
    },
  });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'processors-'));
    store = await createStore({ BUS_DATA_DIR: dir });
    now = new Date('2026-12-03T09:06:00.000Z');
    emitted = [];
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A config service whose active version has (or has not) a usage-pricing processor. */
  const withPricing = (configured = true) =>
    ({ active: () => ({ config: { processors: configured ? { pricing: { kind: 'usage-pricing' } } : {} } }) }) as unknown as ConfigService;

  describe(RateBook.name, () => {
    it('should keep no rates while no usage-pricing processor is configured', async () => {
      const sut = new RateBook(store, withPricing(false));
      await sut.observe(envelope('m1', 'contract.rates-changed', CONTRACT));

      expect(await sut.contractsOf('C-1')).toEqual([]);
    });

    it('should keep every contract of a customer and replace one whose rates changed', async () => {
      const sut = new RateBook(store, withPricing());
      await sut.observe(envelope('m1', 'contract.rates-changed', CONTRACT));
      await sut.observe(envelope('m2', 'contract.rates-changed', { ...CONTRACT, contractId: 'K-2', validFrom: '2027-01-01' }));
      await sut.observe(envelope('m3', 'contract.rates-changed', { ...CONTRACT, rates: [{ ...CONTRACT.rates[0], unitPrice: 0.04 }] }));
      await sut.observe(envelope('m4', 'customer.updated', { customerId: 'C-1' }));

      const contracts = await sut.contractsOf('C-1');
      expect(contracts.map((c) => [c.contractId, c.rates[0].unitPrice])).toEqual([
        ['K-2', 0.05],
        ['K-1', 0.04],
      ]);
    });
  });

  describe(UsagePricingProcessor.name, () => {
    const make = () => {
      const rates = new RateBook(store, withPricing());
      const config = Object.assign(new UsagePricingProcessorConfig(), { kind: 'usage-pricing' as const });
      return { rates, sut: new UsagePricingProcessor(config, rates, context('pricing')) };
    };

    it('should emit the priced record with the input as cause and a dedup key per input', async () => {
      const { rates, sut } = make();
      await rates.observe(envelope('m0', 'contract.rates-changed', CONTRACT));

      await expect(sut.handle(envelope('u1', 'usage.recorded', usage('1764752400.1')))).resolves.toEqual({ kind: 'done' });

      expect(emitted).toEqual([
        {
          draft: expect.objectContaining({ type: 'usage.priced', payload: expect.objectContaining({ usageId: '1764752400.1', pricing: { productCode: 'CONF-DIALIN-MIN', unit: 'MIN', unitPrice: 0.05, quantity: 5, currency: 'EUR', amount: 0.25 } }) }),
          dedupKey: 'pricing:u1',
          cause: { correlationId: 'corr-u1', causationId: 'u1' },
        },
      ]);
    });

    it('should park a record of a customer with no known rates, naming the customer, and lift the mark once priced', async () => {
      const { rates, sut } = make();

      const outcome = await sut.handle(envelope('u1', 'usage.recorded', usage('1764752400.1')));

      expect(outcome).toEqual({ kind: 'park', code: 'PRICING.UNKNOWN_CUSTOMER', reason: expect.stringContaining('no contract rates for customer C-1') });
      expect(emitted).toEqual([]);
      expect(await store.getValue(PARKED_USAGE_NAMESPACE, '1764752400.1')).toBe('conference:CONF-1');

      await rates.observe(envelope('m0', 'contract.rates-changed', CONTRACT));
      await expect(sut.handle(envelope('u1', 'usage.recorded', usage('1764752400.1')))).resolves.toEqual({ kind: 'done' });
      expect(await store.getValue(PARKED_USAGE_NAMESPACE, '1764752400.1')).toBeNull();
    });

    it('should leave the mark of another input of the same usage that is still parked when it prices one', async () => {
      const { rates, sut } = make();
      await rates.observe(envelope('m0', 'contract.rates-changed', CONTRACT));
      await sut.handle(envelope('u1', 'usage.recorded', { ...usage('1764752400.1'), customerId: 'C-9' }));

      await expect(sut.handle(envelope('u2', 'usage.recorded', usage('1764752400.1')))).resolves.toEqual({ kind: 'done' });

      expect(await store.getValue(PARKED_USAGE_NAMESPACE, '1764752400.1')).toBe('conference:CONF-1');
    });
  });

  describe(ConferenceSummaryProcessor.name, () => {
    let sut: ConferenceSummaryProcessor;
    const priced = (usageId: string) => ({ ...usage(usageId), pricing: { productCode: 'CONF-DIALIN-MIN', unit: 'MIN', unitPrice: 0.05, currency: 'EUR', amount: 0.25 } });
    beforeEach(() => {
      const config = Object.assign(new ConferenceSummaryProcessorConfig(), { kind: 'conference-summary' as const, quietTime: 60_000, checkEvery: 3_600_000 });
      sut = new ConferenceSummaryProcessor(config, context('summary'));
    });
    afterEach(() => sut.stop());

    it('should emit one summary once the quiet time has passed, and none for a record arriving later', async () => {
      await sut.handle(envelope('p1', 'usage.priced', priced('a')));
      await sut.handle(envelope('p2', 'usage.priced', priced('b')));
      await sut.handle(envelope('p2', 'usage.priced', priced('b')));
      await sut.sweep();
      expect(emitted).toEqual([]);

      now = new Date(now.getTime() + 60_000);
      await sut.sweep();
      await sut.handle(envelope('p3', 'usage.priced', priced('c')));
      now = new Date(now.getTime() + 60_000);
      await sut.sweep();

      expect(emitted).toEqual([
        {
          draft: { type: 'conference.summarized', payload: { conferenceId: 'CONF-1', bookingId: 'R-1', customerId: 'C-1', participants: 2, billableMinutes: 10, amount: 0.5, currency: 'EUR' } },
          dedupKey: 'summary:conference:CONF-1',
          cause: { correlationId: 'corr-p1', causationId: 'p2' },
        },
      ]);
    });

    it('should emit the summary without waiting for the quiet time once every record its files held is in', async () => {
      const counter = new FileUsageCounter(store);
      const native = { body: Buffer.from(''), contentType: 'application/json', meta: { sha256: 'f1' } };
      counter.observe(envelope('u1', 'usage.recorded', usage('a')), native);
      counter.observe(envelope('u2', 'usage.recorded', usage('b')), native);
      await sut.handle(envelope('p1', 'usage.priced', priced('a')));
      await counter.completed('f1');
      await sut.sweep();
      expect(emitted).toEqual([]);

      await sut.handle(envelope('p2', 'usage.priced', priced('b')));

      expect(emitted.map((e) => (e.draft.payload as { participants: number }).participants)).toEqual([2]);
    });

    it('should forget the counts of a file whose reading stopped, so reading it again counts each record once', async () => {
      const counter = new FileUsageCounter(store);
      const native = { body: Buffer.from(''), contentType: 'application/json', meta: { sha256: 'f1' } };
      counter.observe(envelope('u1', 'usage.recorded', usage('a')), native);
      counter.released('f1');
      counter.observe(envelope('u1', 'usage.recorded', usage('a')), native);
      counter.observe(envelope('u2', 'usage.recorded', usage('b')), native);
      await counter.completed('f1');

      expect(await store.getValue(EXPECTED_RECORDS_NAMESPACE, 'conference:CONF-1')).toBe(2);
    });

    it('should keep in a checkpoint only the counts of the lines it covers, whatever order the lines came in', async () => {
      const counter = new FileUsageCounter(store);
      const at = (line: number) => ({ body: Buffer.from(''), contentType: 'application/json', meta: { sha256: 'f1', line } });
      counter.observe(envelope('u3', 'usage.recorded', usage('c')), at(3));
      counter.observe(envelope('u1', 'usage.recorded', usage('a')), at(1));
      counter.observe(envelope('u2', 'usage.recorded', { ...usage('b'), conferenceId: 'CONF-2' }), at(2));

      expect(counter.countsOf('f1', 1)).toEqual({ 'conference:CONF-1': 1 });
      expect(counter.countsOf('f1', 2)).toEqual({ 'conference:CONF-1': 1, 'conference:CONF-2': 1 });

      // Killed after the checkpoint through line 2; the reader taking over reads line 3 again.
      counter.resumed('f1', counter.countsOf('f1', 2));
      counter.observe(envelope('u3', 'usage.recorded', usage('c')), at(3));
      await counter.completed('f1');
      expect(await store.getValue(EXPECTED_RECORDS_NAMESPACE, 'conference:CONF-1')).toBe(2);
      expect(await store.getValue(EXPECTED_RECORDS_NAMESPACE, 'conference:CONF-2')).toBe(1);
    });

    it('should count a record dispatched twice in one reading once', async () => {
      const counter = new FileUsageCounter(store);
      const native = { body: Buffer.from(''), contentType: 'application/json', meta: { sha256: 'f1', line: 1 } };
      counter.observe(envelope('u1', 'usage.recorded', usage('a')), native);
      counter.observe(envelope('u1', 'usage.recorded', usage('a')), native);

      expect(counter.countsOf('f1')).toEqual({ 'conference:CONF-1': 1 });
    });

    it('should hold the summary back while a record of the conference is parked at pricing', async () => {
      await store.setValue(PARKED_USAGE_NAMESPACE, 'b', 'conference:CONF-1');
      await sut.handle(envelope('p1', 'usage.priced', priced('a')));
      now = new Date(now.getTime() + 120_000);

      await sut.sweep();
      expect(emitted).toEqual([]);

      await store.deleteValue(PARKED_USAGE_NAMESPACE, 'b');
      await sut.handle(envelope('p2', 'usage.priced', priced('b')));
      now = new Date(now.getTime() + 60_000);
      await sut.sweep();
      expect(emitted.map((e) => (e.draft.payload as { participants: number }).participants)).toEqual([2]);
    });
  });
});
