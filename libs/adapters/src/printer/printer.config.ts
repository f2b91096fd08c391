import { Secret } from '../secret';
import { IsInt, IsNotEmpty, IsOptional, IsString, Matches, Min, ValidateIf } from 'class-validator';

/**
 * Outbound settings of one `adapter: printer` system: an IPP print queue (CUPS), or a spool
 * folder where no CUPS is configured. Exactly one of `ippUrl` and `spoolDir`.
 */
export class PrinterOutboundConfig {
  /** IPP queue URL, e.g. `ipp://127.0.0.1:631/printers/bus-pdf`. */
  @Secret('url')
  @ValidateIf((c: PrinterOutboundConfig) => c.spoolDir === undefined || c.ippUrl !== undefined)
  @IsString()
  @Matches(/^ipps?:\/\/[^/\s]+\/\S+$/, { message: 'ippUrl must look like ipp://host:631/printers/<queue> (or set spoolDir instead)' })
  ippUrl?: string;

  /** Fallback without CUPS: each job is written here as `<job name>.pdf`. */
  @ValidateIf((c: PrinterOutboundConfig) => c.ippUrl === undefined)
  @IsString()
  @IsNotEmpty({ message: 'spoolDir must be a folder path (or set ippUrl instead)' })
  spoolDir?: string;

  /**
   * Job name (the title CUPS shows and CUPS-PDF uses as file name). Handlebars over the send's
   * `messageId`, `idempotencyKey`, `type` and the message's `meta` fields. @default `bus-{{messageId}}`
   */
  @IsString() @IsNotEmpty() jobNameTemplate: string = 'bus-{{messageId}}';

  /** `requesting-user-name` sent with each job. @default `bpi-bus` */
  @IsString() @IsNotEmpty() requestingUserName: string = 'bpi-bus';

  /** How long to wait for CUPS to report the job completed; 0 = accept once queued. @default 30000 */
  @IsInt() @Min(0) completionTimeoutMs: number = 30_000;

  /** Timeout of one IPP request in ms. @default 10000 */
  @IsOptional() @IsInt() @Min(100) requestTimeoutMs: number = 10_000;
}
