/**
 * Splits a stream of text into CSV records, one record per line, keeping the line number of each and
 * reporting every bad line (with its column) instead of dropping it.
 *
 * Why not a general CSV parser: with a stray quote, a multi-line-capable parser reads on into the next
 * lines and, after a size limit, can lose them without a trace. One record per line keeps every line
 * accounted for and memory bounded; the files this adapter reads (Asterisk Master.csv, ERP exports)
 * never put a line break inside a field.
 */

/** A line that parsed, with its fields in file order. */
export interface CsvRow {
  kind: 'row';
  /** 1-based line number in the file. */
  line: number;
  fields: string[];
  /** Byte offset just after the line (see readLines). */
  end?: number;
}

/** A line that did not parse or has the wrong number of columns. */
export interface CsvBadRow {
  kind: 'bad';
  line: number;
  /** 1-based column (field) where the problem is. */
  column: number;
  reason: string;
  /** The line as it is in the file, cut at MAX_RAW characters. */
  raw: string;
  /** Byte offset just after the line (see readLines). */
  end?: number;
}

export type CsvRecord = CsvRow | CsvBadRow;

export interface CsvReadOptions {
  /** @default ',' */
  delimiter?: string;
  /** Expected column names; a line with another number of fields is a bad row. */
  columns?: readonly string[];
  /** The first non-empty line names the columns (when `columns` is not given). */
  headerRow?: boolean;
  /** Longer lines are bad rows (protects memory from a file that is not line-based). @default 1 MiB */
  maxLineLength?: number;
  /** Expected number of fields when neither `columns` nor a header gives it (a reader resuming past the first row). */
  columnCount?: number;
  /** Where the text starts in the file (a resumed read): line numbers and `end` offsets count from it. */
  start?: ReadStart;
}

/** What the reader found in the header line, when the options ask for one. */
export interface CsvHeader {
  kind: 'header';
  line: number;
  columns: string[];
  end?: number;
}

const MAX_RAW = 500;
const DEFAULT_MAX_LINE = 1024 * 1024;

/** Fields of one line, or where and why it does not parse. Quoting per RFC 4180: `"a ""b"""` is `a "b"`. */
export function parseCsvLine(text: string, delimiter = ','): { fields: string[] } | { column: number; reason: string } {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    const column = fields.length + 1;
    if (text[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return { column, reason: 'quote not closed (a line break inside a field is not supported)' };
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === text.length) return { fields };
      if (text[i] !== delimiter) return { column, reason: `unexpected ${JSON.stringify(text[i])} after the closing quote` };
      i++;
    } else {
      const d = text.indexOf(delimiter, i);
      if (d < 0) {
        fields.push(text.slice(i));
        return { fields };
      }
      fields.push(text.slice(i, d));
      i = d + 1;
    }
  }
}

/** Where reading starts when it does not start at the top (a resumed file). */
export interface ReadStart {
  /** Lines before the start; the first line read gets number `line + 1`. @default 0 */
  line?: number;
  /** Byte offset of the start in the file; `end` offsets count from it. @default 0 */
  offset?: number;
  /** Encoding the text was decoded with, to count bytes. @default utf8 */
  encoding?: BufferEncoding;
}

/**
 * Lines of a text stream (LF or CRLF), numbered from 1; awaits the consumer between lines. `end` is the
 * byte offset just after the line's line break, where reading can resume (exact for latin1 and for valid
 * UTF-8; a reader resuming checks that a line starts there).
 */
export async function* readLines(
  source: AsyncIterable<string | Buffer>,
  maxLineLength = DEFAULT_MAX_LINE,
  start: ReadStart = {},
): AsyncGenerator<{ line: number; text: string; tooLong?: true; end: number }> {
  const encoding = start.encoding ?? 'utf8';
  let rest = '';
  let line = start.line ?? 0;
  let offset = start.offset ?? 0;
  let skippingLongLine = false;
  for await (const chunk of source) {
    rest += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let from = 0;
    let nl: number;
    while ((nl = rest.indexOf('\n', from)) >= 0) {
      const end = nl > from && rest.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const text = rest.slice(from, end);
      offset += Buffer.byteLength(rest.slice(from, nl + 1), encoding);
      from = nl + 1;
      line++;
      if (skippingLongLine) {
        skippingLongLine = false;
        continue;
      }
      yield text.length > maxLineLength ? { line, text: text.slice(0, MAX_RAW), tooLong: true, end: offset } : { line, text, end: offset };
    }
    rest = rest.slice(from);
    if (rest.length > maxLineLength && !skippingLongLine) {
      // Report the line now and drop its remainder as it streams in, so memory stays flat.
      yield { line: line + 1, text: rest.slice(0, MAX_RAW), tooLong: true, end: offset };
      skippingLongLine = true;
    }
    if (skippingLongLine) {
      offset += Buffer.byteLength(rest, encoding);
      rest = '';
    }
  }
  if (rest.length && !skippingLongLine) yield { line: line + 1, text: rest.replace(/\r$/, ''), end: offset + Buffer.byteLength(rest, encoding) };
}

/**
 * CSV records of a text stream. Empty lines are skipped. The expected column count is `columns.length`,
 * else the header's, else the first row's.
 */
export async function* readCsvRecords(source: AsyncIterable<string | Buffer>, options: CsvReadOptions = {}): AsyncGenerator<CsvRecord | CsvHeader> {
  const delimiter = options.delimiter ?? ',';
  let expected = options.columns?.length ?? options.columnCount;
  let needHeader = !options.columns && options.headerRow === true;
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE;
  for await (const { line, text, tooLong, end } of readLines(source, maxLineLength, options.start)) {
    if (tooLong) {
      yield { kind: 'bad', line, column: 1, reason: `line longer than ${maxLineLength} characters`, raw: text, end };
      continue;
    }
    if (text.trim() === '') continue;
    const parsed = parseCsvLine(text, delimiter);
    if ('reason' in parsed) {
      yield { kind: 'bad', line, column: parsed.column, reason: parsed.reason, raw: text.slice(0, MAX_RAW), end };
      continue;
    }
    if (needHeader) {
      needHeader = false;
      expected = parsed.fields.length;
      yield { kind: 'header', line, columns: parsed.fields.map((c) => c.trim()), end };
      continue;
    }
    expected ??= parsed.fields.length;
    if (parsed.fields.length !== expected) {
      const column = Math.min(parsed.fields.length, expected) + 1;
      yield { kind: 'bad', line, column, reason: `expected ${expected} columns, found ${parsed.fields.length}`, raw: text.slice(0, MAX_RAW), end };
      continue;
    }
    yield { kind: 'row', line, fields: parsed.fields, end };
  }
}
