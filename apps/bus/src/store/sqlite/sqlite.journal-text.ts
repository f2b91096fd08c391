import { constants, gunzipSync, gzipSync } from 'node:zlib';
import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { RawNative } from '../store.types';

/**
 * A message's canonical JSON or raw native body of at least this many characters is stored gzipped.
 * As JSON, a message of 64 KB cost the journal thread 1.27 ms of CPU, most of it SQLite moving the pages
 * through the WAL and the raw body escaped inside JSON; gzipped (level 1, a ninth of the bytes) with the body
 * unescaped, 0.39-0.44 ms (bench/journal-writes.ts; docs/benchmarks.md, 2026-12-07, near midnight). A gzip
 * costs about 60 µs however short the text, so below about 8 KB it costs more than it saves.
 */
export const PACK_FROM_CHARS = 8192;

const gzip = (bytes: string | Buffer): Buffer => gzipSync(bytes, { level: constants.Z_BEST_SPEED });

/** The canonical JSON as the journal stores it: the text when short, else gzipped (`zcat` reads it). */
export function packCanonical(json: string): string | Buffer {
  return json.length < PACK_FROM_CHARS ? json : gzip(json);
}

/** What `packCanonical` stored; a TEXT value (short, or written before texts were packed) is the JSON itself. */
export function unpackCanonical(stored: string | Buffer): CanonicalEnvelope {
  return JSON.parse(typeof stored === 'string' ? stored : gunzipSync(stored).toString('utf8')) as CanonicalEnvelope;
}

/**
 * The raw body as the journal stores it: JSON when short; else gzipped, a line of JSON with everything
 * but the data, then the data as it came (not escaped into JSON, so `zcat` shows the body as sent).
 */
export function packRaw(raw: RawNative): string | Buffer {
  if (raw.data.length < PACK_FROM_CHARS) return JSON.stringify(raw);
  const { data, ...rest } = raw;
  // Two buffers, not one joined string: encoding a joined (cons) string took 0.7 against 0.2 ms at 128 KB.
  return gzip(Buffer.concat([Buffer.from(`${JSON.stringify(rest)}\n`), Buffer.from(data)]));
}

/** What `packRaw` stored; a TEXT value (short, or written before bodies were packed) is JSON. */
export function unpackRaw(stored: string | Buffer): RawNative {
  if (typeof stored === 'string') return JSON.parse(stored) as RawNative;
  const text = gunzipSync(stored).toString('utf8');
  // JSON.stringify escapes every line break, so the first one ends the header line.
  const end = text.indexOf('\n');
  return { ...(JSON.parse(text.slice(0, end)) as Omit<RawNative, 'data'>), data: text.slice(end + 1) };
}
