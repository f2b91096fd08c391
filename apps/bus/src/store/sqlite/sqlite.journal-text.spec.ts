import { describe, expect, it } from '@jest/globals';
import { gunzipSync } from 'node:zlib';
import { message } from '../store.fixtures';
import type { RawNative } from '../store.types';
import { SqliteJournal } from './sqlite.journal';
import { PACK_FROM_CHARS, packCanonical, packRaw, unpackCanonical, unpackRaw } from './sqlite.journal-text';
import { JOURNAL_SCHEMA, openDatabase } from './sqlite.schema';

/** A body of about `chars` characters with line breaks, quotes, backslashes and non-ASCII text in it. */
function body(chars: number): string {
  const line = '{"customer":"Müller \\"& Söhne\\"","note":"line\\nbreak","rate":"0.0123"}\r\n';
  return line.repeat(Math.ceil(chars / line.length));
}

const raw = (data: string, over: Partial<RawNative> = {}): RawNative => ({ contentType: 'application/json', encoding: 'utf8', data, bytes: Buffer.byteLength(data), truncated: false, ...over });

describe('journal texts', () => {
  it('should keep a short canonical text and raw body as JSON text', () => {
    const short = raw('{"a":1}');
    expect(packRaw(short)).toBe(JSON.stringify(short));
    expect(packCanonical('{"id":"m-1"}')).toBe('{"id":"m-1"}');
  });

  it('should gzip a long canonical text and give it back unchanged', () => {
    const json = JSON.stringify({ id: 'm-1', payload: { text: body(PACK_FROM_CHARS * 4) } });
    const packed = packCanonical(json);

    expect(Buffer.isBuffer(packed)).toBe(true);
    expect((packed as Buffer).length).toBeLessThan(json.length / 4);
    expect(gunzipSync(packed as Buffer).toString('utf8')).toBe(json);
    expect(unpackCanonical(packed)).toEqual(JSON.parse(json));
  });

  it('should gzip a long raw body as a header line and the body as sent, and give back every field', () => {
    for (const original of [raw(body(PACK_FROM_CHARS * 3)), raw(Buffer.from(body(PACK_FROM_CHARS * 3)).toString('base64'), { contentType: 'application/octet-stream', encoding: 'base64', truncated: true, bytes: 1_000_000 })]) {
      const packed = packRaw(original);

      expect(Buffer.isBuffer(packed)).toBe(true);
      const text = gunzipSync(packed as Buffer).toString('utf8');
      // What an operator sees with zcat: the fields, then the body exactly as the system sent it.
      expect(text.slice(0, text.indexOf('\n'))).toBe(JSON.stringify({ contentType: original.contentType, encoding: original.encoding, bytes: original.bytes, truncated: original.truncated }));
      expect(text.slice(text.indexOf('\n') + 1)).toBe(original.data);
      expect(unpackRaw(packed)).toEqual(original);
    }
  });

  it('should store long texts gzipped in the journal and read them back, beside rows written as JSON text before', () => {
    const db = openDatabase(':memory:', JOURNAL_SCHEMA);
    const journal = new SqliteJournal(db);
    const long = message({ rawNative: raw(body(PACK_FROM_CHARS * 2)) });
    long.canonicalJson = JSON.stringify({ ...long.canonical, payload: { note: body(PACK_FROM_CHARS * 2) } });
    const short = message({ rawNative: raw('{"Id":"1"}') });
    journal.append([
      { kind: 'message', message: long },
      { kind: 'message', message: short },
    ]);
    // A row as versions before packing wrote it: both texts as JSON, whatever their length.
    const before = message({ rawNative: raw(body(PACK_FROM_CHARS * 2)) });
    journal.append([{ kind: 'message', message: { ...before, rawNative: undefined, canonical: undefined } }]);
    db.prepare('UPDATE journal_messages SET raw_native = ?, canonical = ? WHERE id = ?').run(JSON.stringify(before.rawNative), JSON.stringify(before.canonical), before.id);

    const stored = (id: string) => db.prepare('SELECT typeof(raw_native) AS raw, typeof(canonical) AS canonical FROM journal_messages WHERE id = ?').get(id);
    expect(stored(long.id)).toEqual({ raw: 'blob', canonical: 'blob' });
    expect(stored(short.id)).toEqual({ raw: 'text', canonical: 'text' });
    expect(stored(before.id)).toEqual({ raw: 'text', canonical: 'text' });
    expect(journal.get(long.id)?.message).toMatchObject({ rawNative: long.rawNative, canonical: JSON.parse(long.canonicalJson) });
    expect(journal.get(short.id)?.message).toMatchObject({ rawNative: short.rawNative, canonical: short.canonical });
    expect(journal.get(before.id)?.message).toMatchObject({ rawNative: before.rawNative, canonical: before.canonical });
  });
});
