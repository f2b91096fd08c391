import { BillingPeriod } from './billing-period/billing-period';
import { BillingPeriodGetV1 } from './billing-period/billing-period-get.query';
import { BillingPeriodOpenedV1 } from './billing-period/billing-period-opened.v1';
import { ConferenceBookedV1 } from './conference/conference-booked.v1';
import { ConferenceProvisionedV1 } from './conference/conference-provisioned.v1';
import { ConferenceSummarizedV1 } from './conference/conference-summarized.v1';
import { Contract } from './contract/contract';
import { ContractRatesChangedV1 } from './contract/contract-rates-changed.v1';
import { ContractRatesGetV1 } from './contract/contract-rates-get.query';
import { CustomerCreatedV1 } from './customer/customer-created.v1';
import { CustomerUpdatedV1 } from './customer/customer-updated.v1';
import { InvoiceIssuedV1 } from './invoice/invoice-issued.v1';
import { LetterRequestedV1 } from './letter/letter-requested.v1';
import { NoticeRequestedV1 } from './notice/notice-requested.v1';
import { UsagePricedV1 } from './usage/usage-priced.v1';
import { UsageRecordedV1 } from './usage/usage-recorded.v1';
import { cacheValidationMetadata, withNestedClasses } from './common/metadata-cache';
import { EnvelopeFields } from './envelope.schema';
import { CanonicalValidationError, check, problemsOf, UnknownCanonicalTypeError, withPrefix, type FieldError } from './validation';

/** A class-validator decorated class with a no-argument constructor. */
export type PayloadClass<T extends object = object> = new () => T;

/** What the bus knows about one canonical message type. */
export interface MessageTypeInfo<T extends object = object> {
  /** Version of the current payload schema; new envelopes carry it. */
  schemaVersion: number;
  /** The class that validates (and types) the payload. */
  payloadClass: PayloadClass<T>;
  /** One line for docs and the admin API. */
  summary: string;
}

/** What the bus knows about one request-reply query type. */
export interface QueryTypeInfo<Q extends object = object, A extends object = object> {
  schemaVersion: number;
  /** The query's payload (what the asker sends). */
  requestClass: PayloadClass<Q>;
  /** The answer's payload (what the answering system returns). */
  answerClass: PayloadClass<A>;
  summary: string;
}

const message = <T extends object>(schemaVersion: number, payloadClass: PayloadClass<T>, summary: string): MessageTypeInfo<T> => ({
  schemaVersion,
  payloadClass,
  summary,
});

// Null prototype: `MESSAGE_TYPES['constructor']` must be undefined, not Object's constructor.
const registry = <T extends object>(entries: T): Readonly<T> => Object.freeze(Object.assign(Object.create(null) as T, entries));

/**
 * Every canonical message type. The key is the type id, which is also the AMQP routing key.
 * Adding a type: write `<entity>/<type>.v1.ts`, register it here, run `npm run schemas` (scripts/write-json-schemas.ts).
 */
export const MESSAGE_TYPES: Readonly<Record<string, MessageTypeInfo>> = registry({
  'customer.created': message(1, CustomerCreatedV1, 'A customer was created in the source system (full state).'),
  'customer.updated': message(1, CustomerUpdatedV1, 'A customer changed (full state, not a diff).'),
  'contract.rates-changed': message(1, ContractRatesChangedV1, "A customer's contract has a new rate list."),
  'billing-period.opened': message(1, BillingPeriodOpenedV1, 'Billing opened a new billing period for a customer.'),
  'invoice.issued': message(1, InvoiceIssuedV1, 'Billing issued an invoice.'),
  'conference.booked': message(1, ConferenceBookedV1, 'A conference was booked at the booking desk.'),
  'conference.provisioned': message(1, ConferenceProvisionedV1, 'The bridge set up a booked conference.'),
  'usage.recorded': message(1, UsageRecordedV1, 'One call on the conference bridge (one CDR line), unpriced.'),
  'usage.priced': message(1, UsagePricedV1, "One call priced with the customer's contract rate."),
  'conference.summarized': message(1, ConferenceSummarizedV1, 'A conference ended: participants, billable minutes, amount.'),
  'letter.requested': message(1, LetterRequestedV1, 'A letter to print and post.'),
  'notice.requested': message(1, NoticeRequestedV1, 'An e-mail notice to send to a customer.'),
} satisfies Record<KnownMessageTypeId, MessageTypeInfo>);

/** Every request-reply query type; the key is the query type id (`<entity>.get`). */
export const QUERY_TYPES: Readonly<Record<string, QueryTypeInfo>> = registry({
  'billing-period.get': {
    schemaVersion: 1,
    requestClass: BillingPeriodGetV1,
    answerClass: BillingPeriod,
    summary: "A customer's current billing period (answered by billing).",
  },
  'contract-rates.get': {
    schemaVersion: 1,
    requestClass: ContractRatesGetV1,
    answerClass: Contract,
    summary: "A customer's current contract and rates (answered by sales).",
  },
} satisfies Record<KnownQueryTypeId, QueryTypeInfo>);

cacheValidationMetadata(
  withNestedClasses([
    EnvelopeFields,
    ...Object.values(MESSAGE_TYPES).map((t) => t.payloadClass),
    ...Object.values(QUERY_TYPES).flatMap((q) => [q.requestClass, q.answerClass]),
  ]),
);

/** Ids of the message types registered above. */
export type KnownMessageTypeId =
  | 'customer.created'
  | 'customer.updated'
  | 'contract.rates-changed'
  | 'billing-period.opened'
  | 'invoice.issued'
  | 'conference.booked'
  | 'conference.provisioned'
  | 'usage.recorded'
  | 'usage.priced'
  | 'conference.summarized'
  | 'letter.requested'
  | 'notice.requested';

/** Ids of the query types registered above. */
export type KnownQueryTypeId = 'billing-period.get' | 'contract-rates.get';

/** Payload class instance type of a message type, e.g. `PayloadOf<'customer.updated'>` = CustomerUpdatedV1. */
export type PayloadOf<T extends KnownMessageTypeId> = {
  'customer.created': CustomerCreatedV1;
  'customer.updated': CustomerUpdatedV1;
  'contract.rates-changed': ContractRatesChangedV1;
  'billing-period.opened': BillingPeriodOpenedV1;
  'invoice.issued': InvoiceIssuedV1;
  'conference.booked': ConferenceBookedV1;
  'conference.provisioned': ConferenceProvisionedV1;
  'usage.recorded': UsageRecordedV1;
  'usage.priced': UsagePricedV1;
  'conference.summarized': ConferenceSummarizedV1;
  'letter.requested': LetterRequestedV1;
  'notice.requested': NoticeRequestedV1;
}[T];

const has = (o: object, key: unknown): boolean => typeof key === 'string' && Object.prototype.hasOwnProperty.call(o, key);

/** True when `type` is a registered message type (own key only: `toString` is not a type). */
export const isKnownMessageType = (type: unknown): type is KnownMessageTypeId => has(MESSAGE_TYPES, type);

/** True when `type` is a registered query type. */
export const isKnownQueryType = (type: unknown): type is KnownQueryTypeId => has(QUERY_TYPES, type);

/** Registered message type ids, in registration order. */
export const knownMessageTypes = (): string[] => Object.keys(MESSAGE_TYPES);

/** Registered query type ids, in registration order. */
export const knownQueryTypes = (): string[] => Object.keys(QUERY_TYPES);

// ---- validation ------------------------------------------------------------------------------

/** `CANONICAL.UNKNOWN_TYPE` for a message type, listing the known ones. */
const unknownMessageType = (type: unknown) => new UnknownCanonicalTypeError(type, knownMessageTypes(), 'message type');
const unknownQueryType = (type: unknown) => new UnknownCanonicalTypeError(type, knownQueryTypes(), 'query type');

const typeError = (path: string, error: UnknownCanonicalTypeError): FieldError[] => [{ path, message: error.message }];

/**
 * Field-level problems of a payload for `type`; empty when valid. Paths are relative to the
 * payload (`address.postalCode`, `lines[2].amount`; `''` for the payload itself).
 * An unknown type gives one error at path `type`.
 */
export function validatePayload(type: string, payload: unknown): FieldError[] {
  if (!isKnownMessageType(type)) return typeError('type', unknownMessageType(type));
  return problemsOf(MESSAGE_TYPES[type].payloadClass, payload);
}

/**
 * Field-level problems of a whole envelope; paths from the envelope root (`payload.address.city`).
 * Checks the envelope fields, that the type is known, that `schemaVersion` is the registered one,
 * and the payload.
 */
export function validateEnvelope(envelope: unknown): FieldError[] {
  const fields = check(EnvelopeFields, envelope);
  const errors = fields.ok ? [] : fields.errors.filter((e) => !e.path.startsWith('payload.'));
  if (errors.some((e) => e.path === '')) return errors;
  const { type, schemaVersion, payload } = envelope as Record<string, unknown>;
  if (typeof type !== 'string') return errors;
  if (!isKnownMessageType(type)) return [...errors, ...typeError('type', unknownMessageType(type))];
  const expected = MESSAGE_TYPES[type].schemaVersion;
  if (typeof schemaVersion === 'number' && schemaVersion !== expected) {
    errors.push({ path: 'schemaVersion', message: `must be ${expected} for ${type} (got ${schemaVersion})` });
  }
  if (payload !== undefined) errors.push(...withPrefix('payload', validatePayload(type, payload)));
  return errors;
}

/**
 * The payload as an instance of its type's class.
 * @throws UnknownCanonicalTypeError (code CANONICAL.UNKNOWN_TYPE) for an unregistered type
 * @throws CanonicalValidationError (code CANONICAL.INVALID) with payload-relative paths
 */
export function toPayload<T extends KnownMessageTypeId>(type: T, plain: unknown): PayloadOf<T>;
export function toPayload(type: string, plain: unknown): object;
export function toPayload(type: string, plain: unknown): object {
  if (!isKnownMessageType(type)) throw unknownMessageType(type);
  const result = check(MESSAGE_TYPES[type].payloadClass, plain);
  if (!result.ok) throw new CanonicalValidationError(`${type} payload`, result.errors);
  return result.value;
}

/** Field-level problems of a query's request payload; paths relative to the payload. */
export function validateQuery(type: string, payload: unknown): FieldError[] {
  if (!isKnownQueryType(type)) return typeError('type', unknownQueryType(type));
  return problemsOf(QUERY_TYPES[type].requestClass, payload);
}

/** Field-level problems of a query's answer payload; paths relative to the answer. */
export function validateAnswer(type: string, answer: unknown): FieldError[] {
  if (!isKnownQueryType(type)) return typeError('type', unknownQueryType(type));
  return problemsOf(QUERY_TYPES[type].answerClass, answer);
}

/** The query request as an instance of its class; throws like {@link toPayload}. */
export function toQuery(type: string, plain: unknown): object {
  if (!isKnownQueryType(type)) throw unknownQueryType(type);
  const result = check(QUERY_TYPES[type].requestClass, plain);
  if (!result.ok) throw new CanonicalValidationError(`${type} query`, result.errors);
  return result.value;
}

/** The query answer as an instance of its class; throws like {@link toPayload}. */
export function toAnswer(type: string, plain: unknown): object {
  if (!isKnownQueryType(type)) throw unknownQueryType(type);
  const result = check(QUERY_TYPES[type].answerClass, plain);
  if (!result.ok) throw new CanonicalValidationError(`${type} answer`, result.errors);
  return result.value;
}
