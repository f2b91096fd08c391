import { PostalAddress } from './common/postal-address';
import { ErrorCodes } from './error-codes';
import {
  isKnownMessageType,
  MESSAGE_TYPES,
  QUERY_TYPES,
  toAnswer,
  toPayload,
  toQuery,
  validateAnswer,
  validateEnvelope,
  validatePayload,
  validateQuery,
} from './message-types';
import { SAMPLE_PAYLOADS, SAMPLE_QUERIES } from './testing/canonical-samples';
import { CanonicalValidationError, UnknownCanonicalTypeError } from './validation';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** A valid sample of `type` changed by `edit` (which may delete or set nested fields). */
const sampleWith = (type: string, edit: (p: any) => void): Record<string, unknown> => {
  const payload = clone(SAMPLE_PAYLOADS[type]);
  edit(payload);
  return payload;
};

const envelope = (overrides: Record<string, unknown> = {}) => ({
  id: '0b6c5d2e-1111-4a2b-9c3d-000000000001',
  type: 'customer.updated',
  schemaVersion: 1,
  source: 'sales',
  correlationId: 'corr-1',
  occurredAt: '2026-11-20T08:15:00Z',
  payload: clone(SAMPLE_PAYLOADS['customer.updated']),
  ...overrides,
});

describe('MESSAGE_TYPES', () => {
  it('should register every message type with a sample in the fixtures', () => {
    expect(Object.keys(MESSAGE_TYPES).sort()).toEqual(Object.keys(SAMPLE_PAYLOADS).sort());
    expect(Object.keys(QUERY_TYPES).sort()).toEqual(Object.keys(SAMPLE_QUERIES).sort());
  });

  it('should not take inherited object keys for message types', () => {
    expect(isKnownMessageType('constructor')).toBe(false);
    expect(isKnownMessageType('toString')).toBe(false);
    expect(MESSAGE_TYPES['constructor']).toBeUndefined();
  });
});

describe(validatePayload.name, () => {
  it.each(Object.keys(SAMPLE_PAYLOADS))('should accept the valid %s sample', (type) => {
    expect(validatePayload(type, clone(SAMPLE_PAYLOADS[type]))).toEqual([]);
  });

  it.each<[string, string, string, string, (p: any) => void]>([
    ['customer.created', 'a missing name', 'name', 'is required', (p) => delete p.name],
    ['customer.created', 'a numeric postal code', 'address.postalCode', 'must be a string', (p) => (p.address.postalCode = 1067)],
    ['customer.created', 'an unknown country', 'address.country', 'must be a valid ISO31661 Alpha2 code', (p) => (p.address.country = 'XX')],
    ['customer.created', 'a lower-case country', 'address.country', 'must be two upper-case letters (ISO 3166-1 alpha-2)', (p) => (p.address.country = 'de')],
    ['customer.created', 'an unknown status', 'status', 'must be one of the following values: active, inactive, blocked', (p) => (p.status = 'gone')],
    ['customer.created', 'a malformed e-mail', 'email', 'must be an email', (p) => (p.email = 'not-an-address')],
    ['customer.created', 'a missing address', 'address', 'is required', (p) => delete p.address],
    ['customer.created', 'an address that is a string', 'address', 'must be an object', (p) => (p.address = 'Hauptstr. 1')],
    ['contract.rates-changed', 'an unknown currency', 'currency', 'must be a valid ISO4217 currency code', (p) => (p.currency = 'XYZ')],
    ['contract.rates-changed', 'a lower-case currency', 'currency', 'must be three upper-case letters (ISO 4217)', (p) => (p.currency = 'eur')],
    ['contract.rates-changed', 'a negative unit price', 'rates[1].unitPrice', 'must not be less than 0', (p) => (p.rates[1].unitPrice = -1)],
    ['contract.rates-changed', 'a price sent as text', 'rates[0].unitPrice', 'must be a number conforming to the specified constraints', (p) => (p.rates[0].unitPrice = '0.05')],
    ['contract.rates-changed', 'an empty rate list', 'rates', 'must contain at least 1 elements', (p) => (p.rates = [])],
    ['billing-period.opened', 'an impossible date', 'to', 'must be a valid calendar date', (p) => (p.to = '2026-02-30')],
    ['billing-period.opened', 'a date-time for a date', 'from', 'must be a calendar date YYYY-MM-DD', (p) => (p.from = '2026-12-01T00:00:00Z')],
    ['invoice.issued', 'a negative unit price', 'lines[1].unitPrice', 'must not be less than 0', (p) => (p.lines[1].unitPrice = -19.9)],
    ['invoice.issued', 'a total that is not the sum of its lines', 'totalAmount', "the invoice's sums disagree: totalAmount 30.00 is not the tax-inclusive amount less prepaid plus rounding (25.90)", (p) => (p.totalAmount = 30)],
    ['invoice.issued', 'a line that is not an object', 'lines[1]', 'must be an object', (p) => (p.lines[1] = 'CONF-BASE')],
    ['invoice.issued', 'a missing total', 'totalAmount', 'is required', (p) => delete p.totalAmount],
    ['conference.booked', 'a start without offset', 'startsAt', 'must be an ISO-8601 date-time with offset, e.g. 2026-11-28T09:00:00Z', (p) => (p.startsAt = '2026-12-03T15:00:00')],
    ['conference.booked', 'a fractional duration', 'durationMinutes', 'must be an integer number', (p) => (p.durationMinutes = 30.5)],
    ['conference.booked', "a participant's bad e-mail", 'participants[1].email', 'must be an email', (p) => (p.participants[1].email = 'x@')],
    ['conference.booked', 'a short PIN', 'dialIn.pin', 'must be 4 to 12 digits', (p) => (p.dialIn.pin = '12')],
    ['usage.recorded', 'an unknown disposition', 'disposition', 'must be one of the following values: answered, no-answer, busy, failed, congestion', (p) => (p.disposition = 'NO ANSWER')],
    ['usage.recorded', 'negative seconds', 'billableSeconds', 'must not be less than 0', (p) => (p.billableSeconds = -3)],
    ['usage.priced', 'no pricing', 'pricing', 'is required', (p) => delete p.pricing],
    ['usage.priced', 'pricing without a currency', 'pricing.currency', 'is required', (p) => delete p.pricing.currency],
    ['conference.summarized', 'a fractional participant count', 'participants', 'must be an integer number', (p) => (p.participants = 2.5)],
    ['letter.requested', "a recipient's missing city", 'recipient.address.city', 'is required', (p) => delete p.recipient.address.city],
    ['notice.requested', 'an empty subject', 'subject', 'should not be empty', (p) => (p.subject = '')],
  ])('should refuse a %s payload with %s at path %s (%s)', (type, _what, path, message, edit) => {
    expect(validatePayload(type, sampleWith(type, edit))).toEqual([{ path, message }]);
  });

  it.each([
    ['customer.created', (p: any) => (p.colour = 'red'), 'colour'],
    ['customer.created', (p: any) => (p.address.floor = 3), 'address.floor'],
    ['invoice.issued', (p: any) => (p.lines[0].discount = 1), 'lines[0].discount'],
    ['conference.booked', (p: any) => (p.dialIn.music = true), 'dialIn.music'],
  ])('should refuse an unknown field in %s, naming it', (type, edit, path) => {
    expect(validatePayload(type, sampleWith(type, edit))).toEqual([{ path, message: 'is not a known field' }]);
  });

  it('should refuse a __proto__ key as an unknown field without touching any prototype', () => {
    const payload = JSON.parse(
      '{"customerId":"C-1","name":"A","status":"active","__proto__":{"polluted":true},' +
        '"address":{"street":"s","postalCode":"1","city":"c","country":"DE","__proto__":{"x":1}}}',
    );
    expect(validatePayload('customer.updated', payload)).toEqual([
      { path: '__proto__', message: 'is not a known field' },
      { path: 'address.__proto__', message: 'is not a known field' },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('should report every problem of a payload at once, with nested paths', () => {
    const payload = sampleWith('invoice.issued', (p) => {
      delete p.invoiceId;
      p.lines[0].lineNo = 0;
      p.lines[1].unitPrice = 'x';
    });
    expect(validatePayload('invoice.issued', payload)).toEqual([
      { path: 'invoiceId', message: 'is required' },
      { path: 'lines[0].lineNo', message: 'must not be less than 1' },
      { path: 'lines[1].unitPrice', message: 'must be a number conforming to the specified constraints' },
    ]);
  });

  it.each([null, 'text', [1, 2], 42])('should refuse a payload that is not an object (%j) at the root path', (payload) => {
    const errors = validatePayload('customer.updated', payload);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: '', message: expect.stringMatching(/^must be an object/) });
  });

  it('should refuse an unknown type at path type, listing the known types', () => {
    const [error] = validatePayload('customer.deleted', {});
    expect(error.path).toBe('type');
    expect(error.message).toContain('unknown message type "customer.deleted" (known: customer.created, customer.updated,');
  });
});

describe(validateEnvelope.name, () => {
  it('should accept a complete envelope', () => {
    expect(validateEnvelope(envelope({ causationId: 'm-0', nativeId: '17', configVersion: 'sha256:ab12' }))).toEqual([]);
  });

  it('should name payload fields from the envelope root', () => {
    const env = envelope();
    (env.payload as any).address.postalCode = 1067;
    expect(validateEnvelope(env)).toEqual([{ path: 'payload.address.postalCode', message: 'must be a string' }]);
  });

  it.each<[string, Record<string, unknown>, { path: string; message: string }]>([
    ['an unknown envelope field', { priority: 'high' }, { path: 'priority', message: 'is not a known field' }],
    ['a wrong schema version', { schemaVersion: 2 }, { path: 'schemaVersion', message: 'must be 1 for customer.updated (got 2)' }],
    ['a missing id', { id: undefined }, { path: 'id', message: 'is required' }],
    ['an occurredAt without offset', { occurredAt: '2026-11-20 08:15' }, { path: 'occurredAt', message: 'must be an ISO-8601 date-time with offset, e.g. 2026-11-28T09:00:00Z' }],
    ['a missing payload', { payload: undefined }, { path: 'payload', message: 'is required' }],
  ])('should refuse %s', (_what, overrides, expected) => {
    expect(validateEnvelope(JSON.parse(JSON.stringify(envelope(overrides))))).toEqual([expected]);
  });

  it('should refuse an unknown type with CANONICAL.UNKNOWN_TYPE wording', () => {
    expect(validateEnvelope(envelope({ type: 'customer.deleted' }))).toEqual([
      { path: 'type', message: expect.stringContaining('unknown message type "customer.deleted" (known: ') },
    ]);
  });

  it('should refuse an envelope that is not an object', () => {
    expect(validateEnvelope('{}')).toEqual([{ path: '', message: 'must be an object, got string' }]);
  });
});

describe(toPayload.name, () => {
  it('should return an instance of the registered payload class', () => {
    const sut = toPayload('customer.created', clone(SAMPLE_PAYLOADS['customer.created']));
    expect(sut).toBeInstanceOf(MESSAGE_TYPES['customer.created'].payloadClass);
    expect(sut.address).toBeInstanceOf(PostalAddress);
    expect(sut.address.city).toBe('Dresden');
  });

  it('should throw CANONICAL.INVALID with the field errors', () => {
    const payload = sampleWith('customer.created', (p) => (p.address.country = 'XX'));
    const error = captured(() => toPayload('customer.created', payload));
    expect(error).toBeInstanceOf(CanonicalValidationError);
    expect(error).toMatchObject({ code: ErrorCodes.CANONICAL_INVALID, retryable: false, errors: [{ path: 'address.country', message: 'must be a valid ISO31661 Alpha2 code' }] });
    expect((error as Error).message).toBe('customer.created payload is invalid: address.country: must be a valid ISO31661 Alpha2 code');
  });

  it('should throw CANONICAL.UNKNOWN_TYPE listing the known types', () => {
    const error = captured(() => toPayload('customer.deleted', {}));
    expect(error).toBeInstanceOf(UnknownCanonicalTypeError);
    expect(error).toMatchObject({ code: ErrorCodes.CANONICAL_UNKNOWN_TYPE, known: Object.keys(MESSAGE_TYPES) });
  });
});

describe('query validation', () => {
  it.each(Object.keys(SAMPLE_QUERIES))('should accept the valid %s request and answer', (type) => {
    expect(validateQuery(type, clone(SAMPLE_QUERIES[type].request))).toEqual([]);
    expect(validateAnswer(type, clone(SAMPLE_QUERIES[type].answer))).toEqual([]);
    expect(toQuery(type, clone(SAMPLE_QUERIES[type].request))).toBeInstanceOf(QUERY_TYPES[type].requestClass);
    expect(toAnswer(type, clone(SAMPLE_QUERIES[type].answer))).toBeInstanceOf(QUERY_TYPES[type].answerClass);
  });

  it('should refuse a query payload with an unknown field and an answer with a missing one', () => {
    expect(validateQuery('billing-period.get', { customerId: 'C-1', at: 'now' })).toEqual([{ path: 'at', message: 'is not a known field' }]);
    const { periodId: _omitted, ...answer } = SAMPLE_QUERIES['billing-period.get'].answer;
    expect(validateAnswer('billing-period.get', answer)).toEqual([{ path: 'periodId', message: 'is required' }]);
  });

  it('should throw CANONICAL.INVALID for an invalid answer and CANONICAL.UNKNOWN_TYPE for an unknown query', () => {
    expect(captured(() => toAnswer('contract-rates.get', {}))).toMatchObject({ code: ErrorCodes.CANONICAL_INVALID });
    expect(captured(() => toQuery('invoice.get', {}))).toMatchObject({ code: ErrorCodes.CANONICAL_UNKNOWN_TYPE });
    expect(validateQuery('invoice.get', {})).toEqual([{ path: 'type', message: 'unknown query type "invoice.get" (known: billing-period.get, contract-rates.get)' }]);
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
