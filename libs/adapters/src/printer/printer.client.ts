import { constants } from 'node:fs';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IppResponse } from 'ipp';

/** A job as CUPS reports it. */
export interface PrintJobStatus {
  jobId: number;
  /** IPP job-state keyword: pending, pending-held, processing, processing-stopped, canceled, aborted, completed. */
  state: string;
  reasons: string;
  message?: string;
}

export interface PrinterStatus {
  /** IPP printer-state: idle, processing, stopped. */
  state: string;
  acceptingJobs: boolean;
  reasons: string;
  message?: string;
}

/** An IPP answer other than successful-ok, e.g. `client-error-not-found`. */
export class IppStatusError extends Error {
  constructor(readonly operation: string, readonly statusCode: string, readonly detail?: string) {
    super(`${operation} answered ${statusCode}${detail ? `: ${detail}` : ''}`);
    this.name = 'IppStatusError';
  }
}

/** The only file that talks IPP or writes the spool folder. */
export class IppPrinterClient {
  constructor(
    private readonly url: string,
    private readonly user: string,
    private readonly timeoutMs: number,
  ) {}

  async printPdf(pdf: Buffer, jobName: string): Promise<PrintJobStatus> {
    const res = await this.execute('Print-Job', {
      'operation-attributes-tag': { 'requesting-user-name': this.user, 'job-name': jobName, 'document-format': 'application/pdf' },
      data: pdf,
    });
    return toJob(res.ipp['job-attributes-tag'] ?? {});
  }

  async jobStatus(jobId: number): Promise<PrintJobStatus> {
    const res = await this.execute('Get-Job-Attributes', {
      'operation-attributes-tag': { 'job-id': jobId, 'requested-attributes': ['job-id', 'job-state', 'job-state-reasons', 'job-state-message'] },
    });
    return toJob({ 'job-id': jobId, ...(res.ipp['job-attributes-tag'] ?? {}) });
  }

  /**
   * Every job the queue still lists (`which-jobs: all`: pending, held, printing and its history)
   * with the job name as far as CUPS shows it. CUPS answers Get-Jobs for a job it has not loaded
   * since it finished without the name, so nameless jobs are asked for one by one.
   */
  async listJobs(): Promise<ListedJob[]> {
    const res = await this.execute('Get-Jobs', {
      'operation-attributes-tag': {
        'requesting-user-name': this.user,
        'which-jobs': 'all',
        'requested-attributes': ['job-id', 'job-name', 'job-state', 'job-originating-user-name'],
      },
    });
    const groups = [res.ipp['job-attributes-tag'] ?? []].flat() as Array<Record<string, unknown>>;
    const jobs = groups.filter((a) => a['job-id'] !== undefined).map(toListed);
    for (const job of jobs.filter((j) => j.name === undefined && (j.user === undefined || j.user === this.user)).reverse()) {
      const attrs = await this.execute('Get-Job-Attributes', {
        'operation-attributes-tag': { 'requesting-user-name': this.user, 'job-id': job.jobId, 'requested-attributes': ['job-id', 'job-name', 'job-state'] },
      });
      Object.assign(job, { ...toListed({ 'job-id': job.jobId, ...(attrs.ipp['job-attributes-tag'] ?? {}) }), user: job.user });
    }
    return jobs;
  }

  async printerStatus(): Promise<PrinterStatus> {
    const res = await this.execute('Get-Printer-Attributes', {
      'operation-attributes-tag': { 'requested-attributes': ['printer-state', 'printer-state-reasons', 'printer-state-message', 'printer-is-accepting-jobs'] },
    });
    const a = res.ipp['printer-attributes-tag'] ?? {};
    return {
      state: String(a['printer-state'] ?? 'unknown'),
      acceptingJobs: a['printer-is-accepting-jobs'] !== false,
      reasons: [a['printer-state-reasons'] ?? 'none'].flat().join(','),
      message: a['printer-state-message'] ? String(a['printer-state-message']) : undefined,
    };
  }

  private async execute(operation: string, message: Record<string, unknown>): Promise<{ ipp: IppResponse }> {
    // Loaded on first use: the bus starts without it when no printer is configured.
    const ipp = await import('ipp');
    const printer = ipp.Printer(this.url);
    const res = await new Promise<IppResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(Object.assign(new Error(`${operation} timed out after ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })), this.timeoutMs);
      printer.execute(operation, message, (error, response) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(response);
      });
    });
    if (!res.statusCode.startsWith('successful-ok')) {
      const detail = res['operation-attributes-tag']?.['status-message'];
      throw new IppStatusError(operation, res.statusCode, detail ? String(detail) : undefined);
    }
    return { ipp: res };
  }
}

/** A job in the queue's list; `name` and `user` are absent when CUPS keeps them private. */
export interface ListedJob {
  jobId: number;
  name?: string;
  state: string;
  user?: string;
}

const toListed = (a: Record<string, unknown>): ListedJob => ({
  jobId: Number(a['job-id']),
  state: String(a['job-state'] ?? 'unknown'),
  ...(a['job-name'] !== undefined ? { name: String(a['job-name']) } : {}),
  ...(a['job-originating-user-name'] !== undefined ? { user: String(a['job-originating-user-name']) } : {}),
});

const toJob = (a: Record<string, unknown>): PrintJobStatus => ({
  jobId: Number(a['job-id']),
  state: String(a['job-state'] ?? 'unknown'),
  reasons: [a['job-state-reasons'] ?? 'none'].flat().join(','),
  message: a['job-state-message'] ? String(a['job-state-message']) : undefined,
});

/** Fallback where no CUPS is configured: one `<job name>.pdf` per job in a folder. */
export class SpoolFolderClient {
  private made?: Promise<unknown>;

  constructor(private readonly dir: string) {}

  /** Writes atomically (temp file + rename) so a reader never sees half a PDF; false when it existed. */
  async write(pdf: Buffer, jobName: string): Promise<{ path: string; created: boolean }> {
    // The folder is made once, not per letter; made again if someone removed it meanwhile.
    this.made ??= mkdir(this.dir, { recursive: true }).catch((error: unknown) => {
      this.made = undefined;
      throw error;
    });
    await this.made;
    const path = join(this.dir, `${jobName}.pdf`);
    if (await exists(path)) return { path, created: false };
    const tmp = join(this.dir, `.${jobName}.pdf.partial`);
    try {
      await writeFile(tmp, pdf);
    } catch (error) {
      this.made = undefined;
      throw error;
    }
    await rename(tmp, path);
    return { path, created: true };
  }

  /** `<job name>.pdf` is in the folder (it appears whole, by rename, or not at all). */
  has(jobName: string): Promise<boolean> {
    return exists(join(this.dir, `${jobName}.pdf`));
  }

  /** The folder exists and is writable. */
  async writable(): Promise<boolean> {
    try {
      await mkdir(this.dir, { recursive: true });
      await access(this.dir, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }
}

const exists = (path: string) => access(path).then(() => true, () => false);
