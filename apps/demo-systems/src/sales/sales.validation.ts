import { HttpError } from '../shared/http-kit';
import type { Rate } from './sales.types';

/** Field checks the CRM applies to its own API; errors name the field like the CRM's `FIELD_INTEGRITY_EXCEPTION`. */

export const ACCOUNT_FIELDS = ['Name', 'BillingStreet', 'BillingPostalCode', 'BillingCity', 'BillingCountry', 'Email__c', 'Status__c'] as const;
export const CONTRACT_FIELDS = ['AccountId', 'CurrencyIsoCode', 'StartDate', 'Rates__c'] as const;
const STATUSES = ['Active', 'Inactive', 'Blocked'];

export function parseJsonObject(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    throw new HttpError(400, `JSON_PARSER_ERROR: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'JSON_PARSER_ERROR: expected a JSON object');
  return value as Record<string, unknown>;
}

/** Only known fields, each a string; `creating` requires Name. */
export function accountFields(input: Record<string, unknown>, creating: boolean): Record<string, string> {
  const unknown = Object.keys(input).filter((k) => !(ACCOUNT_FIELDS as readonly string[]).includes(k) && k !== 'attributes');
  if (unknown.length) throw new HttpError(400, `INVALID_FIELD: No such column '${unknown[0]}' on sobject of type Account`);
  const out: Record<string, string> = {};
  for (const k of ACCOUNT_FIELDS) {
    if (input[k] === undefined) continue;
    if (typeof input[k] !== 'string') throw new HttpError(400, `FIELD_INTEGRITY_EXCEPTION: Account.${k} must be a string`);
    out[k] = input[k] as string;
  }
  if (creating && !out.Name?.trim()) throw new HttpError(400, 'REQUIRED_FIELD_MISSING: Account.Name');
  if (out.Status__c !== undefined && !STATUSES.includes(out.Status__c)) {
    throw new HttpError(400, `INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Account.Status__c must be one of ${STATUSES.join(', ')}`);
  }
  if (out.Email__c !== undefined && out.Email__c !== '' && !/^[^@\s]+@[^@\s]+$/.test(out.Email__c)) {
    throw new HttpError(400, `INVALID_EMAIL_ADDRESS: Account.Email__c: ${out.Email__c}`);
  }
  return out;
}

export interface ContractInput {
  AccountId?: string;
  CurrencyIsoCode?: string;
  StartDate?: string;
  Rates__c?: Rate[];
}

export function contractFields(input: Record<string, unknown>, creating: boolean): ContractInput {
  const unknown = Object.keys(input).filter((k) => !(CONTRACT_FIELDS as readonly string[]).includes(k) && k !== 'attributes');
  if (unknown.length) throw new HttpError(400, `INVALID_FIELD: No such column '${unknown[0]}' on sobject of type Contract`);
  const out: ContractInput = {};
  for (const k of ['AccountId', 'CurrencyIsoCode', 'StartDate'] as const) {
    if (input[k] === undefined) continue;
    if (typeof input[k] !== 'string') throw new HttpError(400, `FIELD_INTEGRITY_EXCEPTION: Contract.${k} must be a string`);
    out[k] = input[k] as string;
  }
  if (creating) {
    for (const k of CONTRACT_FIELDS) if (input[k] === undefined) throw new HttpError(400, `REQUIRED_FIELD_MISSING: Contract.${k}`);
  }
  if (out.CurrencyIsoCode !== undefined && !/^[A-Z]{3}$/.test(out.CurrencyIsoCode)) {
    throw new HttpError(400, `FIELD_INTEGRITY_EXCEPTION: Contract.CurrencyIsoCode must be a 3-letter ISO code, got ${out.CurrencyIsoCode}`);
  }
  if (out.StartDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(out.StartDate)) {
    throw new HttpError(400, `FIELD_INTEGRITY_EXCEPTION: Contract.StartDate must be YYYY-MM-DD, got ${out.StartDate}`);
  }
  if (input.Rates__c !== undefined) out.Rates__c = rates(input.Rates__c);
  return out;
}

function rates(value: unknown): Rate[] {
  if (!Array.isArray(value)) throw new HttpError(400, 'FIELD_INTEGRITY_EXCEPTION: Contract.Rates__c must be an array');
  return value.map((r, i) => {
    const rate = r as Partial<Rate>;
    if (typeof rate?.ProductCode !== 'string' || !rate.ProductCode) throw new HttpError(400, `FIELD_INTEGRITY_EXCEPTION: Contract.Rates__c[${i}].ProductCode must be a non-empty string`);
    if (typeof rate.UnitPrice !== 'number' || !Number.isFinite(rate.UnitPrice) || rate.UnitPrice < 0) {
      throw new HttpError(400, `FIELD_INTEGRITY_EXCEPTION: Contract.Rates__c[${i}].UnitPrice must be a non-negative number`);
    }
    if (typeof rate.Unit !== 'string' || !rate.Unit) throw new HttpError(400, `FIELD_INTEGRITY_EXCEPTION: Contract.Rates__c[${i}].Unit must be a non-empty string`);
    return { ProductCode: rate.ProductCode, UnitPrice: rate.UnitPrice, Unit: rate.Unit };
  });
}
