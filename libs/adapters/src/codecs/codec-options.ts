// class-transformer reads design-time types through the Reflect metadata API.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsOptional, IsString, Length, ValidateBy, validateSync } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { flattenValidationErrors, type ConfigProblem } from '../config-validators';

/** `codecOptions:` for `codec: json`: none. */
export class JsonCodecOptionsConfig {}

/** `codecOptions:` for `codec: xml`. */
export class XmlCodecOptionsConfig {
  /**
   * Strip namespace prefixes so mappings read `Invoice.ID` rather than `Invoice.'cbc:ID'` (the
   * `xmlns` attributes go too). Set false when two namespaces use the same local name.
   * @default true
   */
  @IsOptional() @IsBoolean()
  removeNSPrefix?: boolean;

  /**
   * Element paths (dotted from the root, prefixes stripped) that are always arrays, even with one
   * element; otherwise one child is an object and two are an array.
   * @example ["Invoice.InvoiceLine"]
   */
  @IsOptional() @IsArray() @IsString({ each: true })
  arrayPaths?: string[];

  /** Indent encoded XML (two spaces). @default false */
  @IsOptional() @IsBoolean()
  pretty?: boolean;
}

/** `true`, or a list of column names. */
const IsColumns = () =>
  ValidateBy({
    name: 'isColumns',
    validator: {
      validate: (v) => v === true || (Array.isArray(v) && v.length > 0 && v.every((c) => typeof c === 'string')),
      defaultMessage: (args) => `${args?.property} must be true (the first line names the columns) or a list of column names`,
    },
  });

/** `codecOptions:` for `codec: csv` (decode and encode). */
export class CsvCodecOptionsConfig {
  /**
   * Decode: `true` = the first line is a header naming the columns; a list = column names for a
   * file without a header (e.g. Asterisk's Master.csv); absent = each row is a list of strings.
   * Encode: the columns (keys of row objects) to write, in order.
   * @example ["accountcode", "src", "dst", "start", "billsec"]
   */
  @IsOptional() @IsColumns()
  @JSONSchema(() => ({ oneOf: [{ type: 'boolean', enum: [true] }, { type: 'array', items: { type: 'string' }, minItems: 1 }] }))
  columns?: string[] | true;

  /** Field separator. @default "," @example ";" */
  @IsOptional() @IsString() @Length(1, 1)
  delimiter?: string;

  /** Text encoding of the bytes. @default "utf8" */
  @IsOptional() @IsIn(['utf8', 'latin1'])
  encoding?: 'utf8' | 'latin1';

  /** Encode: write a header line with the column names (files that get appended to have none). @default false */
  @IsOptional() @IsBoolean()
  header?: boolean;

  /** Encode: line ending; `\r\n` for systems that want RFC 4180 strictly. @default "\n" */
  @IsOptional() @IsIn(['\n', '\r\n'])
  eol?: '\n' | '\r\n';

  /**
   * Encode: prefix `'` to cells starting with = + - @ (tab, CR) so spreadsheets show them as text
   * (CSV injection). Set false only for a destination that is a program, never a person with a
   * spreadsheet: the quote changes values such as `+4930…`.
   * @default true
   */
  @IsOptional() @IsBoolean()
  neutraliseFormulas?: boolean;
}

/** Codec id -> the class its `codecOptions:` are checked with. */
export const CODEC_OPTIONS: Readonly<Record<string, new () => object>> = {
  json: JsonCodecOptionsConfig,
  xml: XmlCodecOptionsConfig,
  csv: CsvCodecOptionsConfig,
};

/**
 * Checks a system's `codecOptions:` against its codec's class. Unknown keys are errors, as in
 * `inbound:`/`outbound:`: a misspelt `delimeter` must not silently fall back to `,`.
 */
export function validateCodecOptions(codecId: string, plain: unknown): ConfigProblem[] {
  const cls = CODEC_OPTIONS[codecId];
  if (!cls || plain === undefined) return [];
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) return [{ path: '', message: `must be an object of ${codecId} codec options` }];
  if (cls === JsonCodecOptionsConfig && Object.keys(plain).length) return [{ path: '', message: 'the json codec takes no options; remove codecOptions' }];
  return flattenValidationErrors(validateSync(plainToInstance(cls, plain), { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }));
}
