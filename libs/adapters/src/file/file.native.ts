import type { NativeMessage } from '../adapter';
import type { FileInboundConfig } from './file.config';
import { parseCsvLine, type CsvBadRow, type CsvRow } from './file.records';

/** Metadata every record of one file carries. */
export type FileRecordMeta = Record<string, string | number | undefined> & { fileName: string; sha256: string };

/**
 * One record as the bus receives it. A good row is a JSON object keyed by the column names (or an
 * array of its fields without names); a bad row is its raw text with `meta.error`, `errorLine`, `errorColumn`.
 */
export function toNativeRecord(record: CsvRow | CsvBadRow, columns: readonly string[] | undefined, meta: FileRecordMeta): NativeMessage {
  if (record.kind === 'bad') {
    return {
      body: Buffer.from(record.raw),
      contentType: 'text/csv',
      meta: { ...meta, line: record.line, error: record.reason, errorLine: record.line, errorColumn: record.column },
    };
  }
  const value = columns ? Object.fromEntries(columns.map((c, i) => [c, record.fields[i]])) : record.fields;
  return { body: Buffer.from(JSON.stringify(value)), contentType: 'application/json', meta: { ...meta, line: record.line } };
}

/**
 * For replaying a bad row an operator fixed: the corrected line, split and checked with the system's
 * settings exactly as the adapter would have read it. Returns a bad record again when it still does not fit.
 *
 * @example
 * const msg = nativeFromLine(fixedLine, system.inbound as FileInboundConfig, { fileName, sha256, line });
 * if (msg.meta?.error) throw new Error(String(msg.meta.error)); else await pipeline.receive(system, msg);
 */
export function nativeFromLine(text: string, config: Pick<FileInboundConfig, 'delimiter' | 'csvColumns' | 'meta'>, meta: FileRecordMeta & { line: number }): NativeMessage {
  const fixed: FileRecordMeta = { ...(config.meta ?? {}), ...meta };
  const parsed = parseCsvLine(text.replace(/\r?\n$/, ''), config.delimiter ?? ',');
  if ('reason' in parsed) return toNativeRecord({ kind: 'bad', line: meta.line, column: parsed.column, reason: parsed.reason, raw: text }, config.csvColumns, fixed);
  const expected = config.csvColumns?.length;
  if (expected !== undefined && parsed.fields.length !== expected) {
    const column = Math.min(parsed.fields.length, expected) + 1;
    return toNativeRecord({ kind: 'bad', line: meta.line, column, reason: `expected ${expected} columns, found ${parsed.fields.length}`, raw: text }, config.csvColumns, fixed);
  }
  return toNativeRecord({ kind: 'row', line: meta.line, fields: parsed.fields }, config.csvColumns, fixed);
}
