/** Key prefixes of the CRM: the first three characters of an id say what the record is. */
export const ID_PREFIX = { Account: '001', Note: '002', Contract: '800' } as const;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Mints CRM-style 18-character ids: 3-character key prefix, 2-character instance, 10-character
 * counter, 3-character checksum suffix (the real CRM's case-safe suffix; here a simple checksum).
 */
export class SalesIds {
  private counter = 0;

  constructor(private readonly instance = 'Dm') {}

  next(kind: keyof typeof ID_PREFIX): string {
    const body = `${ID_PREFIX[kind]}${this.instance}${String(++this.counter).padStart(10, '0')}`;
    let sum = 0;
    for (const c of body) sum = (sum * 31 + c.charCodeAt(0)) % (62 * 62 * 62);
    const suffix = BASE62[Math.floor(sum / 3844) % 62] + BASE62[Math.floor(sum / 62) % 62] + BASE62[sum % 62];
    return body + suffix;
  }
}

/** The CRM writes timestamps as `2026-11-28T09:00:00.000+0000`, not ISO's `Z`. */
export const crmTimestamp = (d: Date): string => d.toISOString().replace('Z', '+0000');
