import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { SystemRuntime } from '../config/active-config';
import { SqliteStore } from '../store/sqlite/sqlite.store';
import { XrefService } from './xref.service';

const billing = { name: 'billing', xref: { customer: 'customerId' } } as unknown as SystemRuntime;
const about = (customerId: string): CanonicalEnvelope =>
  ({ id: 'm1', type: 'usage.priced', schemaVersion: 1, source: 'pricing', correlationId: 'c1', occurredAt: '2026-12-01T00:00:00.000Z', payload: { customerId } }) as CanonicalEnvelope;

describe(XrefService.name, () => {
  let store: SqliteStore;
  let sut: XrefService;

  beforeEach(() => {
    store = new SqliteStore({ filename: ':memory:', purgeIntervalMs: 0 });
    sut = new XrefService(store);
  });
  afterEach(() => store.close());

  it('should order deliveries about an entity the system has no id for, and not once it is linked', async () => {
    expect(await sut.unlinkedEntityKey(billing, about('C-1'))).toBe('billing:customer:C-1');
    await store.linkXref('customer', 'C-1', 'billing', 'ACC-1');

    expect(await sut.unlinkedEntityKey(billing, about('C-1'))).toBeUndefined();
    expect(await sut.unlinkedEntityKey({ ...billing, xref: undefined } as SystemRuntime, about('C-1'))).toBeUndefined();
  });

  it('should ask the store once for a link it found, and every time for one that is absent', async () => {
    const lookups = jest.spyOn(store, 'findNativeId');
    await store.linkXref('customer', 'C-1', 'billing', 'ACC-1');

    expect(await sut.nativeIdFor(billing, about('C-1'))).toBe('ACC-1');
    expect(await sut.nativeIdFor(billing, about('C-1'))).toBe('ACC-1');
    expect(await sut.nativeIdFor(billing, about('C-2'))).toBeNull();
    // Another instance links C-2 meanwhile: found on the next look.
    await store.linkXref('customer', 'C-2', 'billing', 'ACC-2');
    expect(await sut.nativeIdFor(billing, about('C-2'))).toBe('ACC-2');

    expect(lookups.mock.calls.map((c) => c[1])).toEqual(['C-1', 'C-2', 'C-2']);
  });

  it('should keep the first link when a second create answers with another id', async () => {
    await sut.linkFromReceipt(billing, about('C-1'), { status: 201, nativeId: 'ACC-1' });
    await sut.linkFromReceipt(billing, about('C-1'), { status: 201, nativeId: 'ACC-9' });

    expect(await store.findNativeId('customer', 'C-1', 'billing')).toBe('ACC-1');
    expect(await sut.nativeIdFor(billing, about('C-1'))).toBe('ACC-1');
  });
});
