import { MappingError } from '../adapter.errors';

/**
 * Header safety for e-mail built from customer data. A CR or LF inside a header value would let
 * a customer name such as `Eve\r\nBcc: all@example.com` add headers of its own, so:
 * display texts (subject, names) have every control character collapsed to one space, and
 * addresses are validated and refused outright, because a "cleaned" address is a different address.
 */

/** A customer's e-mail address (or a display text) cannot be used safely in a mail header. */
export class InvalidMailAddressError extends MappingError {
  constructor(readonly field: string, readonly value: string, reason: string) {
    super(`${field}: ${reason} (got ${JSON.stringify(value.slice(0, 80))}); correct the customer's e-mail address in the source`, field);
  }
}

/** One mailbox: an address with an optional display name, both header-safe. */
export interface Mailbox {
  name?: string;
  address: string;
}

// Control characters (C0 incl. CR/LF/TAB, DEL, C1) and the Unicode line/paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
// Deliberately stricter than RFC 5322: no quoted local parts, no comments, no IP literals.
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Collapses CR, LF and every other control character to single spaces; use for subjects and names. */
export const cleanHeaderText = (value: string): string => value.replace(CONTROL, ' ').replace(/ {2,}/g, ' ').trim();

/** Returns the trimmed address or throws InvalidMailAddressError; never repairs an address. */
export function validateMailAddress(value: unknown, field = 'email'): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidMailAddressError(field, String(value ?? ''), 'no e-mail address');
  }
  const address = value.trim();
  if (/[\r\n]/.test(address)) throw new InvalidMailAddressError(field, address, 'line break in an e-mail address');
  if (address.length > 254) throw new InvalidMailAddressError(field, address, 'e-mail address longer than 254 characters');
  if (!ADDRESS.test(address) || address.split('@')[0].length > 64) {
    throw new InvalidMailAddressError(field, address, 'not a valid e-mail address');
  }
  return address;
}

/** Validates the address and cleans the display name. */
export const toMailbox = (address: unknown, name?: string, field = 'email'): Mailbox => {
  const cleanName = name === undefined ? undefined : cleanHeaderText(name);
  return { address: validateMailAddress(address, field), ...(cleanName ? { name: cleanName } : {}) };
};
