/** One row the file's report lists: where it is and what is wrong with it. */
export interface FileReportRow {
  line: number;
  column?: number;
  reason: string;
  /** `parse`: the adapter could not split the line; `rejected`: the bus refused the record (mapping, validation). */
  kind: 'parse' | 'rejected';
  /** The line as in the file (parse errors only), cut at 500 characters. */
  raw?: string;
}

/** `<name>.report.json`, written beside every file moved to `processed/` or `failed/`. */
export interface FileReport {
  system: string;
  file: string;
  /** The name the file got in its folder (differs from `file` when that name was taken). */
  storedAs: string;
  sha256: string;
  outcome: 'processed' | 'failed' | 'duplicate';
  /** Why the file failed as a whole (unreadable), when it did. */
  reason?: string;
  startedAt: string;
  finishedAt: string;
  /** Records found (header and empty lines not counted). */
  rows: number;
  /** Records the bus accepted. */
  passed: number;
  /** Records that did not parse or were refused; each is also a dead letter at the bus. */
  failed: number;
  /** The first MAX_LISTED failed rows; `truncated` says whether there were more. */
  failedRows: FileReportRow[];
  truncated: boolean;
}

/** A report lists at most this many rows, so a 1 GB file of bad rows still has a small report. */
export const MAX_LISTED = 1000;

/** Counts one file's rows as they stream by. */
export class FileReportBuilder {
  private rows = 0;
  private passed = 0;
  private failed = 0;
  private readonly failedRows: FileReportRow[] = [];
  private readonly startedAt: string;

  constructor(
    private readonly base: Pick<FileReport, 'system' | 'file' | 'sha256'>,
    now: Date,
  ) {
    this.startedAt = now.toISOString();
  }

  /** Records counted so far. */
  get rowCount(): number {
    return this.rows;
  }

  pass(): void {
    this.rows++;
    this.passed++;
  }

  fail(row: FileReportRow): void {
    this.rows++;
    this.failed++;
    if (this.failedRows.length < MAX_LISTED) this.failedRows.push(row);
  }

  /** Failed when unreadable or when it had rows and none of them passed. */
  get outcome(): 'processed' | 'failed' {
    return this.rows > 0 && this.passed === 0 ? 'failed' : 'processed';
  }

  build(storedAs: string, outcome: FileReport['outcome'], now: Date, reason?: string): FileReport {
    return {
      ...this.base,
      storedAs,
      outcome,
      ...(reason ? { reason } : {}),
      startedAt: this.startedAt,
      finishedAt: now.toISOString(),
      rows: this.rows,
      passed: this.passed,
      failed: this.failed,
      failedRows: this.failedRows,
      truncated: this.failed > this.failedRows.length,
    };
  }
}

/** One line for logs and the ledger. */
export const summarize = (r: FileReport): string =>
  `${r.file}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}, ${r.rows} rows, ${r.passed} passed, ${r.failed} failed`;
