// class-transformer's @Type reads design-time types through the Reflect metadata API.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Length, Matches, Max, Min, ValidateBy } from 'class-validator';
import { validate as isCronExpression } from 'node-cron';
import { IsStringRecord } from '../config-validators';

/** How the adapter tells a complete file from one still being written. */
export type FileReadiness = 'stable-size' | 'marker' | 'rename';

const IsCronExpression = () =>
  ValidateBy({
    name: 'isCronExpression',
    validator: {
      validate: (v) => typeof v === 'string' && isCronExpression(v),
      defaultMessage: () => 'schedule must be a node-cron expression such as "*/1 * * * *" (or omit it to watch the folder)',
    },
  });

/**
 * Settings under `inbound:` for an `adapter: file` system: a folder a legacy system drops CSV files into.
 *
 * @example
 * inbound: { dropDir: "${BRIDGE_CDR_DIR}", pattern: "*.csv", readiness: rename, csvColumns: [accountcode, src, …] }
 */
export class FileInboundConfig {
  /** Folder the legacy system drops its files into. */
  @IsString() @IsNotEmpty()
  dropDir!: string;

  /** node-cron expression for polling (5 fields, or 6 with seconds); omit to watch the folder instead. */
  @IsOptional() @IsCronExpression()
  schedule?: string;

  /** Which file names are read: `*` = any run of characters, `?` = one character; matched against the name only. @default `*` */
  @IsString() @IsNotEmpty()
  pattern: string = '*';

  /**
   * `stable-size`: size and mtime unchanged across two checks `stableMs` apart; `marker`: a `<name>.done`
   * file exists; `rename`: the writer renames `.part`/`.tmp` to the final name (ready at once). @default `stable-size`
   */
  @IsIn(['stable-size', 'marker', 'rename'])
  readiness: FileReadiness = 'stable-size';

  /** Gap between the two size checks of `stable-size`, in ms. @default 1000 */
  @Type(() => Number) @IsInt() @Min(0) @Max(600_000)
  stableMs: number = 1000;

  /** Where read files go; relative paths are under dropDir. @default `processed` (i.e. `<dropDir>/processed`) */
  @IsString() @IsNotEmpty()
  processedDir: string = 'processed';

  /** Where unreadable files and files whose every row failed go, with their report. @default `failed` */
  @IsString() @IsNotEmpty()
  failedDir: string = 'failed';

  /** @default `utf8` */
  @IsIn(['utf8', 'latin1'])
  encoding: 'utf8' | 'latin1' = 'utf8';

  /** One character between fields. @default `,` */
  @IsString() @Length(1, 1)
  delimiter: string = ',';

  /** Names of the columns, in file order; each record is then a JSON object with these keys. */
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsString({ each: true }) @Matches(/^\S+$/, { each: true, message: 'csvColumns entries must be names without spaces' })
  csvColumns?: string[];

  /** The first line holds the column names (used when csvColumns is not set). @default false */
  @IsBoolean()
  headerRow: boolean = false;

  /**
   * How long a reader's claim on a file lasts without renewal, in ms; the reader renews it every third of
   * this while it reads. A claim whose reader died is taken over (and resumed) this long after its last renewal.
   * @default 30000
   */
  @Type(() => Number) @IsInt() @Min(100) @Max(3_600_000)
  leaseMs: number = 30_000;

  /** Records between two saved checkpoints; a reader taking over a file re-reads at most this many. @default 100 */
  @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000)
  checkpointEvery: number = 100;

  /**
   * Records handed to the bus before the oldest unanswered one is answered, counted in lines from that one;
   * `1` hands them over one at a time, in file order. Counts and checkpoints never pass an unanswered line.
   * @default 32
   */
  @Type(() => Number)
  @IsInt({ message: 'recordsInFlight must be an integer from 1 to 1024 (1 = one record at a time, in file order)' })
  @Min(1, { message: 'recordsInFlight must be at least 1 (1 = one record at a time, in file order)' })
  @Max(1024, { message: 'recordsInFlight must be at most 1024 (records handed to the bus before the oldest is answered)' })
  recordsInFlight: number = 32;

  /** Constant values added to every record's meta, e.g. `{ timeZone: Europe/Berlin }` for the system's mapper. */
  @IsOptional() @IsStringRecord()
  meta?: Record<string, string>;
}

/**
 * Settings under `outbound:` for an `adapter: file` system: each delivered message becomes one file,
 * written as `<name>.tmp` and renamed, so a reader never sees half a file.
 */
export class FileOutboundConfig {
  /** Folder the files are written to. */
  @IsString() @IsNotEmpty()
  outDir!: string;

  /**
   * File name; `{type}`, `{id}` (message id), `{correlationId}`, `{ext}` (from the codec's content type) and
   * `{<meta field>}` are filled in, each reduced to safe characters. @default `{type}-{id}.{ext}`
   */
  @IsString() @IsNotEmpty()
  fileName: string = '{type}-{id}.{ext}';
}
