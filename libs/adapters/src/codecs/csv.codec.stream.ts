import { ErrorCodes } from '@bus/canonical-model';
import { StringDecoder } from 'node:string_decoder';
import { Transform } from 'node:stream';
import { CodecError } from '../adapter.errors';
import { splitFields } from './csv.codec.record';

/** Options of {@link createCsvRecordStream}. */
export interface CsvRecordStreamOptions {
  /** `true`: the first record is a header naming the columns; a list: the names; absent: records are arrays. */
  columns?: string[] | true;
  /** Field separator (one character); default `,`. */
  delimiter?: string;
  /** Default `utf8`. */
  encoding?: 'utf8' | 'latin1';
  /**
   * Fields every record must have; a record with another count is an error item. Defaults to the
   * number of columns when `columns` is given; otherwise any count is accepted.
   */
  expectedColumns?: number;
  /**
   * A quoted field may span lines; one that is still open after this many lines is taken for a
   * stray quote: that record is reported and reading resumes on its second line. Default 100.
   */
  maxRecordLines?: number;
  /** A record longer than this (characters) is reported and skipped, to keep memory flat. Default 1 MiB. */
  maxRecordLength?: number;
}

/** One good record, with the line it starts on (1-based) and its text. */
export interface CsvRecordItem {
  line: number;
  record: string[] | Record<string, string>;
  raw: string;
}

/** One bad record: where, why (a CodecError naming line and column) and its text, to park and fix. */
export interface CsvErrorItem {
  line: number;
  error: CodecError;
  raw: string;
}

export type CsvStreamItem = CsvRecordItem | CsvErrorItem;

const LF = 10;
const QUOTE = 34;
const CR_AT_END = /\r$/;

/**
 * A Transform from CSV bytes to {@link CsvStreamItem}s (object mode) that never stops on a bad row:
 * each record comes out as `{line, record}` or `{line, error}`, in file order, with memory bounded
 * by the longest record. Made for the file adapter's large drops (Asterisk Master.csv and the like).
 *
 * Why not csv-parse's streaming parser (used by `csvCodec.decode`): its `skip_records_with_error`
 * loses the good record after a stray quote, and it is several times slower on wide files; this
 * splitter resynchronises on the next line and keeps csv-parse's dialect (RFC 4180 quoting).
 *
 * @example
 * for await (const item of createReadStream(file).pipe(createCsvRecordStream({ columns: MASTER_CSV_COLUMNS }))) {
 *   if ('error' in item) park(item.line, item.error.message, item.raw); else map(item.record);
 * }
 */
export function createCsvRecordStream(options: CsvRecordStreamOptions = {}): Transform {
  return new CsvRecordSplitter(options);
}

class CsvRecordSplitter extends Transform {
  private readonly decoder: StringDecoder;
  private readonly delimiter: string;
  private readonly maxLines: number;
  private readonly maxLength: number;
  private columns: string[] | undefined;
  private expected: number | undefined;
  private wantHeader: boolean;
  private buf = '';
  /** Scan position in `buf`; `buf[0]` is always the start of the current record. */
  private pos = 0;
  private inQuotes = false;
  /** Line number of `buf[0]`. */
  private line = 1;
  /** Line breaks inside the current (quoted) record so far. */
  private breaks = 0;
  private first = true;

  constructor(options: CsvRecordStreamOptions) {
    super({ readableObjectMode: true });
    this.decoder = new StringDecoder(options.encoding ?? 'utf8');
    this.delimiter = options.delimiter ?? ',';
    this.maxLines = options.maxRecordLines ?? 100;
    this.maxLength = options.maxRecordLength ?? 1 << 20;
    this.columns = Array.isArray(options.columns) ? options.columns : undefined;
    this.wantHeader = options.columns === true;
    this.expected = options.expectedColumns ?? this.columns?.length;
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error) => void): void {
    let text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buf += text;
    this.scan();
    done();
  }

  override _flush(done: (error?: Error) => void): void {
    this.buf += this.decoder.end();
    this.scan();
    if (this.discard) this.discardToLineEnd(true);
    while (this.buf.length > 0) {
      if (this.inQuotes) this.strayQuote();
      else this.takeRecord(this.buf.length, this.buf.length);
      this.scan();
    }
    done();
  }

  /** Emits every complete record in `buf` (a loop, not recursion: a chunk can hold thousands). */
  private scan(): void {
    for (;;) {
      if (this.discard && !this.discardToLineEnd(false)) return;
      if (!this.scanOne()) return;
    }
  }

  /** Scans on from `pos`; true when it consumed a record, false when it needs more text. */
  private scanOne(): boolean {
    const buf = this.buf;
    for (let i = this.pos; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c === QUOTE) this.inQuotes = !this.inQuotes; // `""` toggles twice: still inside
      else if (c === LF) {
        if (!this.inQuotes) {
          this.takeRecord(i, i + 1);
          return true;
        }
        if (++this.breaks >= this.maxLines) {
          this.strayQuote();
          return true;
        }
      }
      if (i >= this.maxLength) {
        this.startDiscarding(i);
        return true;
      }
    }
    this.pos = buf.length;
    return false;
  }

  /** Emits `buf[0, end)` as a record and drops `buf[0, next)`. */
  private takeRecord(end: number, next: number): void {
    const raw = this.buf.slice(0, end).replace(CR_AT_END, '');
    const line = this.line;
    this.advance(next, this.breaks + 1);
    if (raw.length > 0) this.emitRecord(line, raw);
  }

  /** The current record's quote never closed: report its first line, go on with the second. */
  private strayQuote(): void {
    const firstBreak = this.buf.indexOf('\n');
    const end = firstBreak < 0 ? this.buf.length : firstBreak;
    const raw = this.buf.slice(0, end).replace(CR_AT_END, '');
    const line = this.line;
    this.advance(end + 1, 1);
    const column = splitFields(raw, this.delimiter);
    this.emitError(line, column.ok ? 1 : column.column, 'a quoted field is not closed on this line or the ones after it', raw);
  }

  /** A record longer than maxRecordLength: drop it up to the next line break, then report it. */
  private startDiscarding(at: number): void {
    this.discard = { line: this.line, raw: this.buf.slice(0, 200), breaks: this.breaks };
    this.buf = this.buf.slice(at);
    this.pos = 0;
    this.inQuotes = false;
  }

  /** Drops text of an over-long record; true once its end (a line break) was found. */
  private discardToLineEnd(final: boolean): boolean {
    const d = this.discard!;
    const lf = this.buf.indexOf('\n');
    if (lf < 0 && !final) {
      this.buf = ''; // memory stays at one chunk however long the record is
      return false;
    }
    this.buf = lf < 0 ? '' : this.buf.slice(lf + 1);
    this.line = d.line + d.breaks + 1;
    this.discard = undefined;
    this.emitError(d.line, 1, `the record is longer than ${this.maxLength} characters`, d.raw);
    return true;
  }

  private discard: { line: number; raw: string; breaks: number } | undefined;

  private advance(next: number, lines: number): void {
    this.buf = this.buf.slice(next);
    this.pos = 0;
    this.inQuotes = false;
    this.line += lines;
    this.breaks = 0;
  }

  private emitRecord(line: number, raw: string): void {
    const result = splitFields(raw, this.delimiter);
    if (!result.ok) return this.emitError(line, result.column, result.reason, raw);
    const fields = result.fields;
    if (this.wantHeader) {
      this.wantHeader = false;
      this.columns = fields;
      this.expected ??= fields.length;
      return;
    }
    if (this.expected !== undefined && fields.length !== this.expected) {
      const column = Math.min(fields.length, this.expected) + 1;
      return this.emitError(line, column, `expected ${this.expected} fields, got ${fields.length}`, raw);
    }
    const columns = this.columns;
    if (!columns) {
      this.push({ line, record: fields, raw } satisfies CsvRecordItem);
      return;
    }
    const record: Record<string, string> = {};
    for (let k = 0; k < columns.length; k++) record[columns[k]] = fields[k];
    this.push({ line, record, raw } satisfies CsvRecordItem);
  }

  private emitError(line: number, column: number, reason: string, raw: string): void {
    const location = `line ${line}, column ${column}`;
    const error = new CodecError(`CSV record at ${location} does not parse: ${reason}.`, ErrorCodes.CODEC_PARSE_FAILED, location);
    this.push({ line, error, raw } satisfies CsvErrorItem);
  }
}

