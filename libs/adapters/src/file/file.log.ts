import type { AdapterContext } from '../adapter';
import { summarize, type FileReport } from './file.report';

/** Every text the file adapter logs, in one place. Quiet when healthy: a clean file logs nothing. */
export class FileLog {
  private readonly warnedNames = new Set<string>();

  constructor(private readonly ctx: AdapterContext) {}

  private get where() {
    return `file ${this.ctx.instanceName}`;
  }

  scanFailed(e: unknown): void {
    this.ctx.logger.warn?.(`${this.where}: scanning the drop folder failed: ${(e as Error).message}; retrying on the next scan`);
  }

  watchFailed(e: unknown): void {
    this.ctx.logger.warn?.(`${this.where}: watching the drop folder failed: ${(e as Error).message}; set inbound.schedule to poll instead`);
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

  finished(report: FileReport): void {
    const text = `${this.where}: ${summarize(report)}; see ${report.storedAs}.report.json`;
    if (report.outcome === 'failed') this.ctx.logger.error(text);
    else this.ctx.logger.warn?.(text);
  }
}
