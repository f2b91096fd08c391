import { randomFillSync } from 'node:crypto';

/** Random bytes drawn in bulk: one system call per 512 ids instead of one per id. */
const pool = Buffer.alloc(16 * 512);
let offset = pool.length;

/**
 * A new message id: an RFC 9562 version 7 UUID, the Unix time in milliseconds in its first 48 bits and
 * 74 random bits after it. Ids minted later sort later, so the store's and the journal's indexes keyed
 * by message id grow at their right edge instead of at random pages: about half the journal's write cost
 * per message with random (version 4) ids (docs/benchmarks.md). As unique as a version 4 id for all
 * practical purposes (74 random bits per millisecond).
 */
export function timeOrderedId(now = Date.now()): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const b = pool.subarray(offset, offset + 16);
  offset += 16;
  // 48-bit big-endian milliseconds (below 2^53, so the division is exact enough for the high part).
  const high = Math.floor(now / 2 ** 16);
  b.writeUInt32BE(high >>> 0, 0);
  b.writeUInt16BE(now & 0xffff, 4);
  b[6] = (b[6] & 0x0f) | 0x70; // version 7
  b[8] = (b[8] & 0x3f) | 0x80; // RFC variant
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The milliseconds a version 7 id was minted at (its first 48 bits); undefined for any other id. */
export function timeOfOrderedId(id: string): number | undefined {
  if (id.length !== 36 || id[14] !== '7') return undefined;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
