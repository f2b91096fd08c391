import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, ValidateBy, ValidateIf, ValidateNested } from 'class-validator';
import { validate as isCronExpression } from 'node-cron';

/**
 * Where a job's customers come from: a CSV file, or a system from bus.yaml asked over HTTP
 * (`query` is the path of its JSON list, `mapping` a JSONata expression turning the answer into
 * `[{customerId, name, street, postalCode, city, country?, email?}]`). Exactly one of `csv`, `system`.
 */
export class JobSourceConfig {
  /** CSV with a header line: customerId,name,street,postalCode,city,country,email (more columns are kept). */
  @ValidateIf((s: JobSourceConfig) => s.system === undefined)
  @IsString()
  @IsNotEmpty({ message: 'source needs csv (a file path) or system (a system name)' })
  csv?: string;

  /** A system in bus.yaml whose outbound url serves the customer list, e.g. `sales`. */
  @ValidateIf((s: JobSourceConfig) => s.csv === undefined)
  @IsString()
  @IsNotEmpty()
  system?: string;

  /** Path under the system's url, e.g. `/accounts?status=active`. @default `/` */
  @IsOptional() @IsString() query?: string;

  /** JSONata over the system's answer, returning the recipient list. @default `$` (the answer is the list) */
  @IsOptional() @IsString() mapping?: string;
}

/** The sender printed in the letterhead and the window's return-address line. */
export class LetterSenderConfig {
  @IsString() @IsNotEmpty() name!: string;
  @IsString() @IsNotEmpty() street!: string;
  @IsString() @IsNotEmpty() postalCode!: string;
  @IsString() @IsNotEmpty() city!: string;
  @IsOptional() @IsString() country?: string;
}

export class LetterConfig {
  /** Handlebars file under config/, e.g. `templates/letter.hbs`; optional first line `Subject: …`. */
  @IsString() @IsNotEmpty() template!: string;
  @ValidateNested() @Type(() => LetterSenderConfig) sender!: LetterSenderConfig;
  /** Locale of the date line. @default de-DE */
  @IsOptional() @IsString() locale?: string;
  /** TrueType font for names beyond Latin-1 (e.g. /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf). */
  @IsOptional() @IsString() font?: string;
}

export class NoticeConfig {
  /** Handlebars file under config/, e.g. `templates/notice.hbs`: `Subject: …`, a blank line, the text. */
  @IsString() @IsNotEmpty() template!: string;
}

/**
 * One mail-merge job under `jobs:` in bus.yaml: customers → letter PDF → printer → e-mail notice.
 *
 * @example
 * jobs:
 *   contract-letters:
 *     source: { csv: data/customers.csv }
 *     selection: "status = 'active'"
 *     letter: { template: templates/letter.hbs, sender: { name: Acme, street: Hauptstr. 1, postalCode: "10115", city: Berlin } }
 *     printer: letters
 *     notice: { template: templates/notice.hbs }
 *     email: mailer
 *     schedule: "0 6 * * 1"
 */
export class MailMergeJobConfig {
  @ValidateNested() @Type(() => JobSourceConfig) source!: JobSourceConfig;
  /** JSONata condition over one customer record; only customers for which it is true get a letter. */
  @IsOptional() @IsString() selection?: string;
  @ValidateNested() @Type(() => LetterConfig) letter!: LetterConfig;
  /** System name (adapter: printer) that prints the letters. */
  @IsString() @IsNotEmpty() printer!: string;
  @ValidateNested() @Type(() => NoticeConfig) notice!: NoticeConfig;
  /** System name (adapter: smtp) that sends the notices. */
  @IsString() @IsNotEmpty() email!: string;
  /** node-cron expression (5 or 6 fields); omit to run only on demand (POST /admin/jobs/{name}/run). */
  @IsOptional()
  @ValidateBy({ name: 'isCron', validator: { validate: (v) => typeof v === 'string' && isCronExpression(v), defaultMessage: () => 'schedule must be a node-cron expression, e.g. "0 6 * * 1"' } })
  schedule?: string;
  /** IANA time zone of the schedule, e.g. Europe/Berlin. @default the server's */
  @IsOptional() @IsString() timezone?: string;
  /** Letters in flight at once; memory stays bounded by this, not by the number of customers. @default 2 */
  @IsInt() @Min(1) @Max(32) concurrency: number = 2;
  /**
   * Worker threads that render the letters (pdfkit), off the event loop; 0 renders on the event loop.
   * @default the machine's cores
   */
  @IsOptional() @IsInt() @Min(0) @Max(64) renderThreads?: number;
  /** Attempts per step on transient errors (printer busy, SMTP 4xx) before the item is marked failed. @default 3 */
  @IsInt() @Min(1) @Max(10) attempts: number = 3;
  /** First wait between attempts in ms, doubled each time. @default 1000 */
  @IsInt() @Min(0) retryDelayMs: number = 1000;
  /**
   * Lease of the job lock in ms, renewed at a third of it while the job runs: a run whose instance died
   * is taken over this long after its last renewal (plus up to resumeCheckMs). @default 10000
   */
  @IsInt() @Min(1000) lockTtlMs: number = 10_000;
  /** How often every instance looks for a run left running under an expired lease, to resume it; 0 = never. @default 5000 */
  @IsInt() @Min(0) resumeCheckMs: number = 5_000;
}
