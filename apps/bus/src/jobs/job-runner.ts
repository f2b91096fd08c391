import { randomBytes } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { MergeRecipient } from '@bus/adapters/mail-merge/merge-recipient';
import type { SourceRecord } from './customer-source';
import { JobItemProcessor, type ItemRun } from './job-item.processor';
import { computeProgress, type JobProgress, type RunData } from './job-progress';
import type { JobItem, JobRun, JobStateStore } from './job-state.store';
import { JobTexts, UnknownJobError } from './job.errors';
import type { MailMergeJob } from './mail-merge.job';

/** Time for the runner: `now` for run records, `sleep` between attempts. */
export interface JobClock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: JobClock = { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export interface JobRunnerDeps {
  store: JobStateStore;
  /** The configured jobs, by name. */
  jobs: ReadonlyMap<string, MailMergeJob>;
  /** This bus instance's id (host + pid + random); the lock owner. */
  owner: string;
  clock?: JobClock;
  logger?: Pick<LoggerService, 'log' | 'warn' | 'error'>;
}

export interface StartOptions {
  trigger?: 'manual' | 'schedule';
  /** The cron time a scheduled start belongs to: one run per slot across all instances. */
  slot?: Date;
  /** Process only the items that failed in the latest run. */
  retryFailed?: boolean;
}

/** The answer to a start request. `finished` resolves with the final progress (never rejects). */
export interface JobStart {
  started: boolean;
  runId?: string;
  /** Why it did not start (already running, another instance has the lock, …). */
  reason?: string;
  finished: Promise<JobProgress | null>;
}

interface ActiveRun {
  runId: string;
  controller: AbortController;
}

const UNFINISHED = new Set(['running', 'stopped', 'interrupted']);

/**
 * Runs mail-merge jobs: streams the job's customers and, for each selected one, renders the
 * letter, prints it, renders the notice and e-mails it, with per-item state in the store.
 *
 * - Only the instance holding the store lease `job:<name>` runs a job (scheduled or on demand).
 * - A run that was stopped, or whose instance died (lease expired), is resumed by the next start:
 *   printed letters are not printed again, sent notices not sent again.
 * - One failing customer never stops the others; failures are listed with reasons and can be retried.
 * - Memory is bounded by `concurrency` letters in flight, not by the number of customers.
 */
export class JobRunner {
  private readonly clock: JobClock;
  private readonly items: JobItemProcessor;
  private readonly active = new Map<string, ActiveRun>();

  constructor(private readonly deps: JobRunnerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.items = new JobItemProcessor(deps.store, (ms) => this.clock.sleep(ms));
  }

  /** Starts (or resumes) a job in the background once the lock is held. Throws UnknownJobError. */
  async start(name: string, options: StartOptions = {}): Promise<JobStart> {
    const job = this.job(name);
    const notStarted = (reason: string): JobStart => ({ started: false, reason, finished: Promise.resolve(null) });
    if (this.active.has(name)) return notStarted(JobTexts.notStartedBusy);
    // Claimed before the first await: two starts on this instance share the lock owner, so the
    // store lease alone would let both through.
    const active: ActiveRun = { runId: '', controller: new AbortController() };
    this.active.set(name, active);
    const lock = `job:${name}`;
    let run: JobRun | string;
    try {
      if (!(await this.deps.store.tryAcquireLock(lock, this.deps.owner, job.lockTtlMs))) {
        this.active.delete(name);
        return notStarted(JobTexts.notStartedLocked);
      }
      run = await this.pickRun(job, options);
    } catch (error) {
      this.active.delete(name);
      await this.deps.store.releaseLock(lock, this.deps.owner).catch(() => undefined);
      throw error;
    }
    if (typeof run === 'string') {
      this.active.delete(name);
      await this.deps.store.releaseLock(lock, this.deps.owner);
      return notStarted(run);
    }
    active.runId = run.id;
    const finished = this.execute(job, run, active, options.retryFailed === true).finally(() => {
      this.active.delete(name);
      return this.deps.store.releaseLock(lock, this.deps.owner).catch(() => undefined);
    });
    return { started: true, runId: run.id, finished };
  }

  /** Starts and waits for the end; the progress, or null when it did not start. */
  async run(name: string, options: StartOptions = {}): Promise<JobProgress | null> {
    return (await this.start(name, options)).finished;
  }

  /** Re-processes the failed items of the latest run (a bad address fixed, the printer back). */
  retryFailed(name: string): Promise<JobStart> {
    return this.start(name, { trigger: 'manual', retryFailed: true });
  }

  /** Asks a run on this instance to stop after its in-flight items; a later start resumes it. */
  stop(name: string): boolean {
    const active = this.active.get(name);
    active?.controller.abort();
    return active !== undefined;
  }

  /** Progress of the latest run of the job (from the store, so any instance can answer). */
  async progress(name: string): Promise<JobProgress | null> {
    this.job(name);
    const run = await this.deps.store.latestJobRun(name);
    return run ? computeProgress(run, await this.deps.store.jobItems(run.id), this.clock.now()) : null;
  }

  /** Names of the configured jobs. */
  names(): string[] {
    return [...this.deps.jobs.keys()];
  }

  private job(name: string): MailMergeJob {
    const job = this.deps.jobs.get(name);
    if (!job) throw new UnknownJobError(name, this.names());
    return job;
  }

  /** The run to work on, or the reason not to start. Called with the lock held. */
  private async pickRun(job: MailMergeJob, options: StartOptions): Promise<JobRun | string> {
    const latest = await this.deps.store.latestJobRun(job.name);
    const now = this.clock.now();
    if (options.retryFailed) {
      if (!latest || (await this.deps.store.jobItemCounts(latest.id)).failed === 0) return JobTexts.notStartedNothingToRetry;
      return this.resumed(latest, now, 'manual');
    }
    // An unfinished run (stopped, or its instance died while running) is finished first.
    if (latest && UNFINISHED.has(latest.state)) return this.resumed(latest, now, 'resume');
    let id = `${job.name}-${stamp(now)}-${randomBytes(2).toString('hex')}`;
    if (options.slot) {
      id = `${job.name}-${stamp(options.slot).slice(0, 12)}`;
      if (await this.deps.store.getJobRun(id)) return JobTexts.notStartedSlotDone(options.slot.toISOString());
    }
    const data: RunData = { letterDate: utcDay(now).toISOString(), sessionStartedAt: now.toISOString(), sessionFinishedAtStart: 0 };
    const run: JobRun = { id, name: job.name, state: 'running', startedAt: now.toISOString(), trigger: options.trigger ?? 'manual', owner: this.deps.owner, data };
    await this.deps.store.saveJobRun(run);
    return run;
  }

  private async resumed(run: JobRun, now: Date, trigger: 'resume' | 'manual'): Promise<JobRun> {
    const counts = await this.deps.store.jobItemCounts(run.id);
    const data = { ...(run.data as RunData), sessionStartedAt: now.toISOString(), sessionFinishedAtStart: counts.emailed + counts.failed };
    const next: JobRun = { ...run, state: 'running', owner: this.deps.owner, trigger, finishedAt: undefined, error: undefined, data };
    await this.deps.store.saveJobRun(next);
    return next;
  }

  private async execute(job: MailMergeJob, run: JobRun, active: ActiveRun, retryFailed: boolean): Promise<JobProgress> {
    const { signal } = active.controller;
    const renew = setInterval(() => {
      this.deps.store.tryAcquireLock(`job:${job.name}`, this.deps.owner, job.lockTtlMs).then(
        (held) => held || this.lost(job, active),
        () => undefined, // a store hiccup: the lease is long enough for the next renewal
      );
    }, Math.max(Math.floor(job.lockTtlMs / 3), 100));
    renew.unref();
    try {
      if (run.total === undefined) {
        run.total = await this.count(job, signal);
        await this.deps.store.saveJobRun(run);
      }
      const known = new Map((await this.deps.store.jobItems(run.id)).map((i) => [i.itemKey, i] as const));
      const itemRun: ItemRun = { job, runId: run.id, letterDate: new Date((run.data as RunData).letterDate), inFlight: new Set() };
      await this.pool(job, signal, async ({ recipient, position }, seen) => {
        const key = String(recipient.customerId ?? '').trim() || position;
        if (seen.has(key)) return this.deps.logger?.warn(`job ${job.name}: ${JobTexts.duplicateKey(key, position)}`);
        seen.add(key);
        const item = known.get(key);
        known.delete(key); // what is left in `known` after the run is not needed; keep memory flat
        if (retryFailed ? !item?.failed : item?.emailed || item?.failed) return;
        await this.items.process(itemRun, key, recipient, item);
      });
      run.state = signal.aborted ? (signal.reason === 'lock-lost' ? 'interrupted' : 'stopped') : 'completed';
      if (run.state === 'interrupted') run.error = JobTexts.lockLost;
    } catch (error) {
      run.state = 'failed';
      run.error = (error as Error).message;
      this.deps.logger?.error(`job ${job.name} run ${run.id} failed: ${run.error}`);
    } finally {
      clearInterval(renew);
    }
    run.finishedAt = this.clock.now().toISOString();
    await this.deps.store.saveJobRun(run).catch((error: unknown) => this.deps.logger?.error(`job ${job.name}: cannot save run ${run.id}: ${(error as Error).message}`));
    return computeProgress(run, await this.deps.store.jobItems(run.id).catch(() => []), this.clock.now());
  }

  private lost(job: MailMergeJob, active: ActiveRun): void {
    this.deps.logger?.warn(`job ${job.name} run ${active.runId}: ${JobTexts.lockLost}`);
    active.controller.abort('lock-lost');
  }

  private async count(job: MailMergeJob, signal: AbortSignal): Promise<number> {
    let total = 0;
    for await (const { recipient } of job.source.read(signal)) if (await job.selects(recipient)) total++;
    return total;
  }

  /**
   * `concurrency` workers pull from one iterator of selected records: at most that many letters
   * exist at a time. Stops taking new records once `signal` aborts; in-flight items finish.
   */
  private async pool(job: MailMergeJob, signal: AbortSignal, work: (r: SourceRecord, seen: Set<string>) => Promise<void>): Promise<void> {
    const seen = new Set<string>();
    // Async generators queue concurrent next() calls, so workers can share one iterator.
    const records = selected(job, job.source.read(signal))[Symbol.asyncIterator]();
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (!signal.aborted && !failure) {
        try {
          const { value, done } = await records.next();
          if (done) return;
          await work(value, seen);
        } catch (error) {
          // Only the source or the store get here (item problems are recorded): stop every worker.
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: job.concurrency }, worker));
    if (failure) throw failure.error;
    await records.return?.();
  }
}

async function* selected(job: MailMergeJob, records: AsyncIterable<SourceRecord>): AsyncIterable<SourceRecord> {
  for await (const record of records) if (await job.selects(record.recipient as MergeRecipient)) yield record;
}

/** `20260115093000` — sortable and safe in CUPS job names and file names. */
const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
const utcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
