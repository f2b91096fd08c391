import type { CanonicalEnvelope } from '@bus/canonical-model';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { SelectionDiscardDto } from './dto/console.dto';
import type { DeadLetter, MessageHistory } from '../store/bus-store';
import { businessKeysOf } from '../journal/business-keys';
import { faultKeyOf, groupFaults, normaliseFault } from './fault-grouping';
import { jsonDiff } from './json-diff';
import { REDACTED, redactHistory } from './sensitive-redaction';

const envelope = (type: string, payload: object) => ({ id: 'm1', type, schemaVersion: 1, source: 'booking', correlationId: 'c1', occurredAt: '2026-12-04T10:00:00Z', payload }) as unknown as CanonicalEnvelope;

describe(businessKeysOf.name, () => {
  it('should read every declared path of every pattern the type matches, once each', () => {
    const map = { 'conference.booked': ['payload.bookingRef', 'payload.customerId'], 'conference.*': ['payload.bookingRef'], 'customer.*': ['payload.customerId'] };
    expect(businessKeysOf(map, envelope('conference.booked', { bookingRef: 'B-123', customerId: 42 }))).toEqual(['B-123', '42']);
  });

  it('should skip paths that are missing, empty or not scalar', () => {
    expect(businessKeysOf({ '#': ['payload.a', 'payload.b', 'payload.c.d'] }, envelope('x.y', { a: '', b: { nested: 1 } }))).toEqual([]);
  });
});

describe(normaliseFault.name, () => {
  it('should put messages of one fault that differ in ids, numbers and quoted values in one group', () => {
    const a = normaliseFault('HTTP 503 from http://billing:4001/x after 1200 ms for "C-1"');
    const b = normaliseFault('HTTP 503 from http://billing:4001/y after 87 ms for "C-2"');
    expect(a).toBe(b);
    expect(a).toBe('HTTP # from <url> after # ms for "…"');
  });
});

describe(groupFaults.name, () => {
  const letter = (id: string, at: string, over: Partial<DeadLetter> = {}) =>
    ({ id, at, errorCode: 'DELIVERY.TRANSIENT', destination: 'billing', type: 'invoice.created', errorMessage: `timeout after ${id.length * 100} ms`, ...over }) as DeadLetter;

  it('should count each fault with its first and last time, the largest group first', () => {
    const sut = groupFaults([
      letter('c', '2026-12-04T10:03:00Z'),
      letter('bb', '2026-12-04T10:02:00Z', { errorCode: 'DELIVERY.REJECTED', errorMessage: 'HTTP 422' }),
      letter('a', '2026-12-04T10:01:00Z'),
    ]);
    expect(sut.map((g) => [g.errorCode, g.count, g.firstSeen, g.lastSeen, g.ids])).toEqual([
      ['DELIVERY.TRANSIENT', 2, '2026-12-04T10:01:00Z', '2026-12-04T10:03:00Z', ['c', 'a']],
      ['DELIVERY.REJECTED', 1, '2026-12-04T10:02:00Z', '2026-12-04T10:02:00Z', ['bb']],
    ]);
    expect(sut[0].key).toBe(faultKeyOf(letter('zzz', '2026-12-04T11:00:00Z')));
  });
});

describe(jsonDiff.name, () => {
  it('should list changed, added and removed leaves by path', () => {
    expect(jsonDiff({ name: 'A', lines: [{ n: 1 }], old: true }, { name: 'B', lines: [{ n: 2 }], added: 'x' })).toEqual({
      name: { from: 'A', to: 'B' },
      'lines[0].n': { from: 1, to: 2 },
      old: { from: true },
      added: { to: 'x' },
    });
  });
});

describe(redactHistory.name, () => {
  const history = (data: string, contentType = 'application/json') =>
    ({
      message: { canonical: envelope('customer.updated', { name: 'Acme', email: 'a@b.c', bank: { iban: 'DE00' } }), rawNative: { contentType, encoding: 'utf8', data, bytes: data.length, truncated: false } },
      hops: [],
    }) as unknown as MessageHistory;

  it('should hide sensitive names at any depth and dotted paths from the root, in canonical and JSON native bodies', () => {
    const sut = redactHistory(history('{"customer":{"email":"a@b.c","name":"Acme"}}'), ['email', 'payload.bank.iban']);
    expect(sut.message.canonical?.payload).toEqual({ name: 'Acme', email: REDACTED, bank: { iban: REDACTED } });
    expect(JSON.parse(sut.message.rawNative!.data)).toEqual({ customer: { email: REDACTED, name: 'Acme' } });
  });

  it('should hide XML elements by name, and a CSV body that holds a sensitive name whole', () => {
    expect(redactHistory(history('<c><email>a@b.c</email><n>x</n></c>', 'application/xml'), ['email']).message.rawNative!.data).toBe(`<c><email>${REDACTED}</email><n>x</n></c>`);
    expect(redactHistory(history('name;email\nAcme;a@b.c', 'text/csv'), ['email']).message.rawNative!.data).toMatch(/^\[redacted\]/);
  });
});

describe(SelectionDiscardDto.name, () => {
  it('should require a reason and at least one id', async () => {
    const problems = await validate(plainToInstance(SelectionDiscardDto, { ids: [] }));
    expect(problems.map((p) => p.property).sort()).toEqual(['ids', 'reason']);
  });
});
