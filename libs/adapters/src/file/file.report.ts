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
  /** Records the bus had accepted before, from another file or message (its business key), and did not publish again. */
  duplicates: number;
  /** Records that did not parse or were refused; each is also a dead letter at the bus. */
  failed: number;
  /** Lines after which reading was resumed, when a reader stopped or died before the end. */
  resumedAfterLines?: number[];
  /** The first MAX_LISTED failed rows; `truncated` says whether there were more. */
  failedRows: FileReportRow[];
  truncated: boolean;
}

/** A report lists at most this many rows, so a 1 GB file of bad rows still has a small report. */
export const MAX_LISTED = 1000;

/**
 * What a reader keeps in the ledger's checkpoint: how far it got (the last line handled and the byte
 * offset after it) and what the report had counted, so a reader taking over reports the whole file.
 */
export interface FileProgress {
  line: number;
  offset: number;
  /** The header's column names, when the file has a header row. */
  columns?: string[];
  /** Fields per row, as the first row set it (files without csvColumns or header). */
  columnCount?: number;
  startedAt: string;
  rows: number;
  passed: number;
  duplicates: number;
  failed: number;
  failedRows: FileReportRow[];
  resumedAfterLines?: number[];
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The progress a ledger handed back, or undefined when it is not one (then the file is read from the start). */
export function asFileProgress(value: unknown): FileProgress | undefined {
  const p = value as Partial<FileProgress> | undefined;
  if (!p || typeof p !== 'object') return undefined;
  const counts = [p.line, p.offset, p.rows, p.passed, p.duplicates, p.failed];
  return counts.every(isCount) && typeof p.startedAt === 'string' && Array.isArray(p.failedRows) ? (p as FileProgress) : undefined;
}

/** Counts one file's rows as they stream by; resumed, it goes on from a saved progress. */
export class FileReportBuilder {
  private rows = 0;
  private passed = 0;
  private duplicates = 0;
  private failed = 0;
  private readonly failedRows: FileReportRow[] = [];
  private readonly startedAt: string;
  private readonly resumedAfterLines: number[] = [];
  private line = 0;
  private offset = 0;

  constructor(
    private readonly base: Pick<FileReport, 'system' | 'file' | 'sha256'>,
    now: Date,
    from?: FileProgress,
  ) {
    this.startedAt = from?.startedAt ?? now.toISOString();
    if (!from) return;
    ({ rows: this.rows, passed: this.passed, duplicates: this.duplicates, failed: this.failed, line: this.line, offset: this.offset } = from);
    this.failedRows.push(...from.failedRows);
    this.resumedAfterLines.push(...(from.resumedAfterLines ?? []), from.line);
  }

  /** Records counted so far. */
  get rowCount(): number {
    return this.rows;
  }

  /** The last line handled. */
  get lastLine(): number {
    return this.line;
  }

  pass(): void {
    this.rows++;
    this.passed++;
  }

  duplicate(): void {
    this.rows++;
    this.duplicates++;
  }

  fail(row: FileReportRow): void {
    this.rows++;
    this.failed++;
    if (this.failedRows.length < MAX_LISTED) this.failedRows.push(row);
  }

  /** Every line up to `line` is handled; `offset` is the byte just after it. */
  handled(line: number, offset: number | undefined): void {
    this.line = line;
    if (offset !== undefined) this.offset = offset;
  }

  progress(columns: { columns?: string[]; columnCount?: number }): FileProgress {
    return {
      line: this.line,
      offset: this.offset,
      ...(columns.columns ? { columns: columns.columns } : {}),
      ...(columns.columnCount !== undefined ? { columnCount: columns.columnCount } : {}),
      startedAt: this.startedAt,
      rows: this.rows,
      passed: this.passed,
      duplicates: this.duplicates,
      failed: this.failed,
      failedRows: this.failedRows,
      ...(this.resumedAfterLines.length ? { resumedAfterLines: this.resumedAfterLines } : {}),
    };
  }

  /** Failed when unreadable or when it had rows and none of them passed (a duplicate is not a failure). */
  get outcome(): 'processed' | 'failed' {
    return this.rows > 0 && this.passed + this.duplicates === 0 ? 'failed' : 'processed';
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
      duplicates: this.duplicates,
      failed: this.failed,
      ...(this.resumedAfterLines.length ? { resumedAfterLines: this.resumedAfterLines } : {}),
      failedRows: this.failedRows,
      truncated: this.failed > this.failedRows.length,
    };
  }
}

/** One line for logs and the ledger. */
export const summarize = (r: FileReport): string =>
  `${r.file}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}, ${r.rows} rows, ${r.passed} passed, ${r.duplicates} duplicates, ${r.failed} failed`;
