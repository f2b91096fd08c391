import type { AdapterContext } from '../adapter';
import { summarize, type FileReport } from './file.report';

/** Every text the file adapter logs, in one place. Quiet when healthy: a clean file logs nothing. */
export class FileLog {
  private readonly warnedNames = new Set<string>();

  constructor(private readonly ctx: AdapterContext) {}

  private get where() {
    return `file ${this.ctx.instanceName}`;
  }

  private lastScanError?: string;

  /** Once per distinct problem, not on every tick of the schedule. */
  scanFailed(e: unknown): void {
    const message = (e as Error).message;
    if (message === this.lastScanError) return;
    this.lastScanError = message;
    this.ctx.logger.warn?.(`${this.where}: scanning the drop folder failed: ${message}; retrying on every scan`);
  }

  scanSucceeded(): void {
    if (this.lastScanError) this.ctx.logger.log(`${this.where}: scanning the drop folder works again`);
    this.lastScanError = undefined;
  }

  watchFailed(e: unknown): void {
    this.ctx.logger.warn?.(`${this.where}: cannot watch the drop folder: ${(e as Error).message}; polling every 10 s instead (set inbound.schedule to choose)`);
  }

  /** Once per name: the file stays where it is until an operator renames or removes it. */
  unsafeName(name: string, reason: string): void {
    if (this.warnedNames.has(name)) return;
    this.warnedNames.add(name);
    this.ctx.logger.warn?.(`${this.where}: ignoring dropped file ${JSON.stringify(name)}: ${reason}; rename it to read it`);
  }

  unreadable(name: string, e: unknown): void {
    this.ctx.logger.warn?.(`${this.where}: cannot read ${name}: ${(e as Error).message}; trying again on the next scan`);
  }

  recordFailed(name: string, line: number, e: unknown): void {
    this.ctx.logger.warn?.(`${this.where}: the bus did not take ${name} line ${line}: ${(e as Error).message}; the file stays in the drop folder and is read again on the next scan`);
  }

  claimLost(name: string): void {
    this.ctx.logger.warn?.(`${this.where}: stopped reading ${name}: another reader took it over after this one's lease ran out (a stall longer than inbound.leaseMs); it resumes the file from the last checkpoint`);
  }

  renewalFailed(name: string, e: unknown): void {
    this.ctx.logger.warn?.(`${this.where}: could not renew the claim on ${name}: ${(e as Error).message}; reading on, trying again shortly`);
  }

  checkpointFailed(name: string, e: unknown): void {
    this.ctx.logger.warn?.(`${this.where}: could not save the progress of ${name}: ${(e as Error).message}; the file stays in the drop folder and is resumed on the next scan`);
  }

  finished(report: FileReport): void {
    const text = `${this.where}: ${summarize(report)}; see ${report.storedAs}.report.json`;
    if (report.outcome === 'failed') this.ctx.logger.error(text);
    else this.ctx.logger.warn?.(text);
  }
}
