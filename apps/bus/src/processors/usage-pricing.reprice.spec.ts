import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CanonicalDraft, CanonicalEnvelope, Contract, UsageRecord } from '@bus/canonical-model';
import { createStore } from '../store/create-store';
import type { BusStore } from '../store/bus-store';
import type { ConfigService } from '../config/config.service';
import type { ProcessorContext } from './processor';
import { UsagePricingProcessorConfig } from './processor.config';
import { RateBook } from './rate-book';
import { AWAITING_RATES_NAMESPACE, REPRICED_REASON } from './parked-usage';
import { PARKED_USAGE_NAMESPACE, UsagePricingProcessor } from './usage-pricing.processor';

const contract = (customerId: string): Contract => ({
  contractId: `K-${customerId}`,
  customerId,
  currency: 'EUR',
  validFrom: '2026-12-01',
  rates: [{ productCode: 'CONF-DIALIN-MIN', unitPrice: 0.05, unit: 'MIN' }],
});
const usage = (usageId: string, customerId = 'C-1'): UsageRecord => ({
  usageId,
  conferenceId: 'CONF-1',
  bookingId: 'R-1',
  customerId,
  caller: '+4930100',
  startedAt: '2026-12-03T09:00:00.000Z',
  endedAt: '2026-12-03T09:05:03.000Z',
  durationSeconds: 303,
  billableSeconds: 300,
  disposition: 'answered',
});
const envelope = <P>(id: string, type: string, payload: P): CanonicalEnvelope<P> => ({
  id,
  type,
  schemaVersion: 1,
  source: 'bridge-cdr',
  correlationId: `corr-${id}`,
  occurredAt: '2026-12-03T09:05:03.000Z',
  payload,
});
const withPricing = { active: () => ({ config: { processors: { pricing: { kind: 'usage-pricing' } } } }) } as unknown as ConfigService;

describe('UsagePricingProcessor re-pricing parked usage', () => {
  let dir: string;
  let store: BusStore;
  let emitted: Array<{ draft: CanonicalDraft; dedupKey: string }>;
  let rates: RateBook;
  let sut: UsagePricingProcessor;
  const context = (): ProcessorContext => ({
    name: 'pricing',
    store,
    now: () => new Date('2026-12-03T09:06:00.000Z'),
    logger: { warn: jest.fn(), error: jest.fn() },
    emit: async (draft, dedupKey) => {
      // As the Dispatcher's claim in the store does: a key seen before publishes nothing.
      if (!(await store.claimIngressKey('pricing', dedupKey, randomUUID())).duplicate) emitted.push({ draft, dedupKey });
    },
  });
  const make = () => new UsagePricingProcessor(Object.assign(new UsagePricingProcessorConfig(), { kind: 'usage-pricing' as const }), rates, context());
  /** What the processor host does with a park: the consumer indexes a dead letter. */
  const parkAsHostDoes = async (input: CanonicalEnvelope) => {
    const outcome = await sut.handle(input);
    expect(outcome.kind).toBe('park');
    return store.recordDeadLetter({ messageId: input.id, destination: 'pricing', type: 'usage.recorded', source: 'bridge-cdr', errorCode: 'PRICING.UNKNOWN_CUSTOMER', errorMessage: 'x', attempts: 1, envelope: input });
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'reprice-'));
    store = await createStore({ BUS_DATA_DIR: dir });
    emitted = [];
    rates = new RateBook(store, withPricing);
    sut = make();
  });
  afterEach(async () => {
    await sut.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should price parked usage once when its customer\'s rates arrive, even when they arrive twice, and resolve its dead letter', async () => {
    const dead = await parkAsHostDoes(envelope('u1', 'usage.recorded', usage('1764752400.1')));
    await parkAsHostDoes(envelope('u2', 'usage.recorded', usage('1764752400.2')));

    await Promise.all([rates.observe(envelope('r1', 'contract.rates-changed', contract('C-1'))), rates.observe(envelope('r2', 'contract.rates-changed', contract('C-1')))]);
    await Promise.all([sut.repriceParked('C-1'), sut.repriceParked('C-1')]);

    expect(emitted.map((e) => e.dedupKey).sort()).toEqual(['pricing:u1', 'pricing:u2']);
    expect(emitted[0].draft).toMatchObject({ type: 'usage.priced', payload: { pricing: { amount: 0.25 } } });
    expect(await store.getDeadLetter(dead.id)).toMatchObject({ state: 'replayed', reason: REPRICED_REASON });
    expect(await store.isDelivered('u1', 'pricing')).toBe(true);
    expect(await store.listValues(AWAITING_RATES_NAMESPACE)).toEqual([]);
    expect(await store.listValues(PARKED_USAGE_NAMESPACE)).toEqual([]);
  });

  it('should price parked usage by itself when the rate book stores the rates', async () => {
    await parkAsHostDoes(envelope('u1', 'usage.recorded', usage('1764752400.1')));

    await rates.observe(envelope('r1', 'contract.rates-changed', contract('C-1')));

    await waitUntil(() => emitted.length === 1);
    expect(emitted[0].dedupKey).toBe('pricing:u1');
  });

  it("should leave another customer's parked usage parked", async () => {
    await parkAsHostDoes(envelope('u9', 'usage.recorded', usage('1764752400.9', 'C-9')));

    await rates.observe(envelope('r1', 'contract.rates-changed', contract('C-1')));

    expect(await sut.repriceParked('C-1')).toBe(0);
    expect(emitted).toEqual([]);
    expect(await store.listValues(AWAITING_RATES_NAMESPACE)).toHaveLength(1);
  });

  it('should price at start what was parked while the rates arrived during a stop', async () => {
    await parkAsHostDoes(envelope('u1', 'usage.recorded', usage('1764752400.1')));
    await sut.stop();
    await rates.observe(envelope('r1', 'contract.rates-changed', contract('C-1')));
    expect(emitted).toEqual([]);
    sut = make();

    await sut.start();

    expect(emitted.map((e) => e.dedupKey)).toEqual(['pricing:u1']);
  });

  it('should not price an input twice when its replay comes after the automatic re-pricing', async () => {
    const input = envelope('u1', 'usage.recorded', usage('1764752400.1'));
    await parkAsHostDoes(input);
    await rates.observe(envelope('r1', 'contract.rates-changed', contract('C-1')));
    await sut.repriceParked('C-1');

    await sut.handle(input);

    expect(emitted).toHaveLength(1);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the re-pricing');
    await new Promise((r) => setTimeout(r, 10));
  }
}
