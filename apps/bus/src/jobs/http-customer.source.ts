import jsonata from 'jsonata';
import type { MergeRecipient } from '@bus/adapters/mail-merge/merge-recipient';
import { CustomerSourceError, type CustomerSource, type SourceRecord } from './customer-source';

/** Fetches a system's JSON answer; the integrator wires it (plain GET, or the system's http adapter). */
export type FetchJson = (signal?: AbortSignal) => Promise<unknown>;

/**
 * Customers from a system's JSON list (e.g. the sales system's `GET /accounts`), turned into
 * recipients by a JSONata mapping written in the system's own field names.
 *
 * @example
 * new HttpJsonCustomerSource('system sales GET /accounts', httpGetJson('http://sales/accounts'),
 *   "$.{ 'customerId': accountNo, 'name': displayName, 'street': address.line1, … }")
 */
export class HttpJsonCustomerSource implements CustomerSource {
  private readonly mapping: jsonata.Expression;

  constructor(readonly description: string, private readonly fetchJson: FetchJson, mapping = '$') {
    try {
      this.mapping = jsonata(mapping);
    } catch (error) {
      throw new CustomerSourceError(`${description}: mapping does not compile: ${(error as Error).message}`, { cause: error });
    }
  }

  async *read(signal?: AbortSignal): AsyncIterable<SourceRecord> {
    let list: unknown;
    try {
      const answer = await this.fetchJson(signal);
      list = await this.mapping.evaluate(answer);
    } catch (error) {
      throw new CustomerSourceError(`${this.description}: ${(error as Error).message}`, { cause: error });
    }
    const records = list === undefined ? [] : Array.isArray(list) ? list : [list];
    for (const [index, recipient] of records.entries()) {
      yield { recipient: stringify(recipient), position: `${this.description} item ${index}` };
    }
  }
}

// Postal codes and ids arrive as numbers from JSON systems; templates and checks expect text.
const stringify = (r: unknown): MergeRecipient =>
  Object.fromEntries(Object.entries((r ?? {}) as object).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v])) as MergeRecipient;

/** A FetchJson doing a plain GET with optional headers (e.g. an API key from the environment). */
export const httpGetJson = (url: string, headers: Record<string, string> = {}, timeoutMs = 30_000): FetchJson => async (signal) => {
  const res = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.json();
};
