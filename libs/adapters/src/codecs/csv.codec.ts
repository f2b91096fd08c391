import { ErrorCodes } from '@bus/canonical-model';
import { parse, type CsvError } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { CodecError } from '../adapter.errors';
import type { Codec } from './codec';

/** `codecOptions:` for `codec: csv` in bus.yaml (decode and encode). */
export interface CsvCodecOptions {
  /**
   * Decode: `true` = the first line is a header naming the columns; a list = column names for a file
   * without a header (e.g. Asterisk's Master.csv); absent = each row is an array of strings.
   * Encode: the columns (keys of row objects) to write, in order.
   */
  columns?: string[] | true;
  /** Field separator; default `,`. */
  delimiter?: string;
  /** Text encoding of the bytes; default `utf8`. */
  encoding?: 'utf8' | 'latin1';
  /** Encode: write a header line with the column names. Default false (files that get appended to have none). */
  header?: boolean;
  /**
   * Encode: line ending; default `\n`. Use `\r\n` for systems that want RFC 4180 strictly. Either way a value
   * holding `\r` or `\n` is quoted.
   */
  eol?: '\n' | '\r\n';
  /**
   * Encode: prefix `'` to cells starting with = + - @ (tab, CR) so spreadsheets show them as text.
   * Default true. Set false only for a destination that is a program, never a person with a
   * spreadsheet (the quote would change values such as `+4930…`).
   */
  neutraliseFormulas?: boolean;
}

/**
 * Cells a spreadsheet would run as a formula (=, +, -, @) or that some treat so after a tab or CR.
 * OWASP "CSV injection": prefix a single quote so the cell is shown as text.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Neutralises a cell a spreadsheet would evaluate: `=HYPERLINK(…)` -> `'=HYPERLINK(…)`. */
export const neutraliseFormula = (cell: string): string => (FORMULA_START.test(cell) ? `'${cell}` : cell);

/**
 * The 1-based column (field number) of a csv-parse error: its `column` is a 0-based index, or a
 * name when columns are named, and `index` is the field index (but the field count for a length error).
 */
function columnOf(error: CsvError, columns: string[] | true | undefined): number | undefined {
  if (error.code === 'CSV_RECORD_INCONSISTENT_COLUMNS' || error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') return undefined;
  const { column, index } = error as unknown as { column?: number | string | null; index?: number };
  if (typeof column === 'number') return column + 1;
  if (typeof column === 'string' && Array.isArray(columns) && columns.includes(column)) return columns.indexOf(column) + 1;
  return typeof index === 'number' ? index + 1 : undefined;
}

function decodeError(error: unknown, columns: string[] | true | undefined): CodecError {
  const csvError = error as CsvError & { lines?: number };
  if (typeof csvError?.code !== 'string' || typeof csvError.lines !== 'number') {
    return new CodecError(`CSV does not parse: ${(error as Error).message}`, ErrorCodes.CODEC_PARSE_FAILED, undefined, { cause: error });
  }
  const column = columnOf(csvError, columns);
  const location = column === undefined ? `line ${csvError.lines}` : `line ${csvError.lines}, column ${column}`;
  // csv-parse ends its messages with "at line N" or "on line N"; the location says it once, first.
  const reason = csvError.message.replace(/ (at|on) line \d+/, '');
  return new CodecError(`CSV does not parse at ${location}: ${reason}. Fix the sender's file.`, ErrorCodes.CODEC_PARSE_FAILED, location, { cause: error });
}

const isRow = (v: unknown) => typeof v === 'object' && v !== null;

function rowsOf(value: unknown): unknown[] {
  if (Array.isArray(value) && value.every(isRow)) return value;
  if (isRow(value) && !Array.isArray(value)) return [value];
  throw new CodecError('Value cannot be encoded as CSV: the mapping must return a row object or a list of rows (objects or arrays).');
}

/**
 * CSV <-> rows on csv-parse / csv-stringify. Decoding takes the whole body (ingress); large files
 * go through {@link createCsvRecordStream} instead. Encoding neutralises spreadsheet formulas and quotes
 * every value holding a line break, `\r` as well as `\n`, whatever `eol` is.
 *
 * @example
 * csvCodec.decode(Buffer.from('id,name\n1,Acme\n'), { columns: true })  // [{ id: '1', name: 'Acme' }]
 * csvCodec.encode([{ id: 1, name: '=cmd' }], { columns: ['id', 'name'], header: true })  // "id,name\n1,'=cmd\n"
 */
export const csvCodec: Codec = {
  id: 'csv',
  contentTypes: ['text/csv', 'application/csv'],
  decode(body: Buffer, options: CsvCodecOptions = {}): unknown {
    try {
      return parse(body.toString(options.encoding ?? 'utf8'), {
        bom: true,
        columns: options.columns,
        delimiter: options.delimiter ?? ',',
        skip_empty_lines: true,
      }) as unknown;
    } catch (error) {
      throw decodeError(error, options.columns);
    }
  },
  encode(value: unknown, options: CsvCodecOptions = {}): Buffer {
    const text = stringify(rowsOf(value) as never[], {
      columns: Array.isArray(options.columns) ? options.columns : undefined,
      header: options.header ?? false,
      delimiter: options.delimiter ?? ',',
      record_delimiter: options.eol ?? '\n',
      // csv-stringify quotes only the configured line ending: a bare \r (or a \n under \r\n) would reach a
      // spreadsheet unquoted and be read as a row break.
      quoted_match: /[\r\n]/,
      cast: {
        // Applies to header labels as well as cells.
        string: options.neutraliseFormulas === false ? (v: string) => v : neutraliseFormula,
        date: (d: Date) => d.toISOString(),
        boolean: (b: boolean) => String(b),
      },
    });
    return Buffer.from(text, options.encoding ?? 'utf8');
  },
};
