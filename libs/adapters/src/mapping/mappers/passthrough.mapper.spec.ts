import type { CanonicalEnvelope } from '@bus/canonical-model';
import { MappingError } from '../../adapter.errors';
import { MAPPERS, findMapper } from './index';
import { passthroughMapper } from './passthrough.mapper';

describe(passthroughMapper.name, () => {
  const sut = passthroughMapper();

  it('should be registered by name in MAPPERS', () => {
    expect(findMapper('passthrough')).toBe(passthroughMapper);
    expect(Object.keys(MAPPERS)).toContain('passthrough');
    expect(findMapper('toString')).toBeUndefined();
  });

  it('should accept canonical JSON as drafts, one or many', async () => {
    const draft = { type: 'customer.updated', payload: { customerId: 'C-1' }, nativeId: 7, occurredAt: '2026-11-28T09:00:00Z' };
    await expect(sut.toCanonical(draft)).resolves.toEqual([{ ...draft, nativeId: '7' }]);
    await expect(sut.toCanonical([draft, draft])).resolves.toHaveLength(2);
  });

  it('should refuse a body that is not canonical JSON with a MappingError', async () => {
    await expect(sut.toCanonical({ customerId: 'C-1' })).rejects.toBeInstanceOf(MappingError);
    await expect(sut.toCanonical('text')).rejects.toThrow(/passthrough mapper/);
  });

  it('should deliver the envelope as it is, for every type', async () => {
    const envelope: CanonicalEnvelope = {
      id: 'm-1', type: 'any.thing', schemaVersion: 1, source: 'crm', correlationId: 'm-1', occurredAt: '2026-11-28T09:00:00Z', payload: { a: 1 },
    };
    await expect(sut.fromCanonical(envelope)).resolves.toBe(envelope);
    expect(sut.outboundTypes).toEqual(['#']);
  });
});
