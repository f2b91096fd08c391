import type { LoggerService } from '@nestjs/common';
import { JobItemProcessor, type ItemRun } from './job-item.processor';
import { computeProgress, type JobProgress, type RunData } from './job-progress';
import { countSelected, runPool } from './job-pool';
import { JobRecovery } from './job-recovery';
import { ABANDONED, pickRun, type NotStartedCode, type Refusal, type StartOptions } from './run-picker';
import type { JobRun, JobStateStore } from './job-state.store';
import { IN_FLIGHT_DETAILS, InvalidRunKeyError, JobBusyError, JobTexts, UnknownJobError } from './job.errors';
import type { MailMergeJob } from './mail-merge.job';
import { RUN_KEY_PATTERN, itemsIdOf, sendRunOf } from './run-key';

/** Time for the runner: `now` for run records, `sleep` between attempts. */
export interface JobClock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

const NO_COUNTS = { total: 0, printed: 0, emailed: 0, failed: 0 };

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

export type { NotStartedCode, StartOptions } from './run-picker';

/** The answer to a start request. `finished` resolves with the final progress (never rejects). */
export interface JobStart {
  started: boolean;
  runId?: string;
  runKey?: string;
  pass?: number;
  /** Why it did not start (already running, another instance has the lock, run key completed, …). */
  reason?: string;
  code?: NotStartedCode;
  /** For `completed`: when the run key completed. */
  completedAt?: string;
  finished: Promise<JobProgress | null>;
}

interface ActiveRun {
  runId: string;
  controller: AbortController;
  /** The run settled what a crash left started; an operator's resolve may go ahead. */
  recovered: boolean;
  /** Settles when the run has ended and released the lease. */
  finished?: Promise<unknown>;
}

/**
 * Runs mail-merge jobs: streams the job's customers and, for each selected one, renders the
 * letter, prints it, renders the notice and e-mails it, with a ledger of effects in the store.
 *
 * - A run has a key (schedule slot, given, or the day); a run key that completed sends nothing new
 *   unless forced, and even then never repeats an effect whose outcome is unknown.
 * - Only the instance holding the store lease `job:<name>` runs a job; the lease is short and renewed
 *   at a third, so `resumeAbandoned()` on any instance takes over a dead instance's run within seconds.
 * - A resumed run first settles the effects the crash left started (JobRecovery), then goes on.
 * - One failing customer never stops the others; failures are listed with reasons and can be retried.
 * - Memory is bounded by `concurrency` letters in flight, not by the number of customers.
 */
export class JobRunner {
  private readonly clock: JobClock;
  private readonly items: JobItemProcessor;
  private readonly recovery: JobRecovery;
  private readonly active = new Map<string, ActiveRun>();

  constructor(private readonly deps: JobRunnerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.items = new JobItemProcessor(deps.store, (ms) => this.clock.sleep(ms));
    this.recovery = new JobRecovery(deps.store, deps.logger);
  }

  get owner(): string {
    return this.deps.owner;
  }

  /** Starts (or resumes) a job in the background once the lock is held. Throws UnknownJobError, InvalidRunKeyError. */
  async start(name: string, options: StartOptions = {}): Promise<JobStart> {
    const job = this.job(name);
    if (options.runKey !== undefined && !RUN_KEY_PATTERN.test(options.runKey)) throw new InvalidRunKeyError(options.runKey);
    const notStarted = (r: Refusal): JobStart => ({ started: false, ...r, finished: Promise.resolve(null) });
    if (this.active.has(name)) return notStarted({ code: 'busy', reason: JobTexts.notStartedBusy });
    // Claimed before the first await: two starts on this instance share the lock owner, so the
    // store lease alone would let both through.
    const active: ActiveRun = { runId: '', controller: new AbortController(), recovered: false };
    this.active.set(name, active);
    const lock = `job:${name}`;
    let run: JobRun | Refusal;
    try {
      if (!(await this.deps.store.tryAcquireLock(lock, this.deps.owner, job.lockTtlMs))) {
        this.active.delete(name);
        return notStarted({ code: 'locked', reason: JobTexts.notStartedLocked });
      }
      run = await pickRun(this.deps.store, this.deps.owner, job, options, this.clock.now());
    } catch (error) {
      this.active.delete(name);
      await this.deps.store.releaseLock(lock, this.deps.owner).catch(() => undefined);
      throw error;
    }
    if (!('id' in run)) {
      this.active.delete(name);
      await this.deps.store.releaseLock(lock, this.deps.owner);
      return notStarted(run);
    }
    active.runId = run.id;
    const finished = this.execute(job, run, active, options.retryFailed === true).finally(() => {
      this.active.delete(name);
      return this.deps.store.releaseLock(lock, this.deps.owner).catch(() => undefined);
    });
    active.finished = finished;
    return { started: true, runId: run.id, runKey: run.runKey, pass: run.pass, finished };
  }

  /** Starts and waits for the end; the progress, or null when it did not start. */
  async run(name: string, options: StartOptions = {}): Promise<JobProgress | null> {
    return (await this.start(name, options)).finished;
  }

  /** Re-processes the failed items of the latest run (a bad address fixed, the printer back). */
  retryFailed(name: string): Promise<JobStart> {
    return this.start(name, { trigger: 'manual', retryFailed: true });
  }

  /**
   * Resumes here every job whose latest run is `running` or `interrupted` while no live instance
   * holds its lease (its instance died, or lost the store). Every instance calls it periodically;
   * the lease lets exactly one of them win. Returns the runs it resumed.
   */
  async resumeAbandoned(): Promise<JobStart[]> {
    const resumed: JobStart[] = [];
    for (const name of this.names()) {
      if (this.active.has(name)) continue;
      const latest = await this.deps.store.latestJobRun(name);
      if (!latest || !ABANDONED.has(latest.state)) continue;
      const start = await this.start(name, { trigger: 'resume' });
      if (!start.started) continue;
      this.deps.logger?.warn(`job ${name}: took over run ${start.runId} (${latest.state}, last owner ${latest.owner ?? '?'})`);
      resumed.push(start);
    }
    return resumed;
  }

  /** Asks a run on this instance to stop after its in-flight items; a later start resumes it. */
  stop(name: string): boolean {
    const active = this.active.get(name);
    active?.controller.abort();
    return active !== undefined;
  }

  /**
   * The bus is shutting down (or reloading its jobs): every run here stops after its in-flight items
   * and is left `interrupted` with its lease released, so another instance (or this one's next
   * runner) takes it over at once. Waits for the in-flight items, at most `waitMs`.
   */
  async stopAll(waitMs = 30_000): Promise<void> {
    const runs = [...this.active.values()];
    for (const run of runs) run.controller.abort('shutdown');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.allSettled(runs.map((r) => r.finished)), timeout]);
    clearTimeout(timer);
  }

  /** Progress of the latest run of the job, with its effects (from the store, so any instance can answer). */
  async progress(name: string): Promise<JobProgress | null> {
    this.job(name);
    const run = await this.deps.store.latestJobRun(name);
    if (!run) return null;
    const effects = run.runKey ? await this.deps.store.jobEffectCounts(name, run.runKey) : undefined;
    const unknownEffects = (await this.deps.store.jobEffectCounts(name)).unknown;
    return { ...(await this.runProgress(run, itemsIdOf(run.id, run.pass ?? 1))), runKey: run.runKey, pass: run.pass ?? 1, effects, unknownEffects };
  }

  /** Names of the configured jobs. */
  names(): string[] {
    return [...this.deps.jobs.keys()];
  }

  /**
   * Runs `work` holding the job's lease (renewed while it runs), as an operator's resolve needs:
   * no run may start its recovery meanwhile. A run of this instance that has recovered covers it.
   * Throws JobBusyError when another instance holds the lease or a run here is starting.
   */
  async withLease<T>(name: string, work: () => Promise<T>): Promise<T> {
    const job = this.job(name);
    const running = this.active.get(name);
    if (running) {
      if (running.runId === 'resolve') throw new JobBusyError(name, 'another resolve is under way on this instance; try again when it has answered');
      if (!running.recovered) throw new JobBusyError(name, 'its run is starting on this instance; try again in a few seconds');
      return work();
    }
    const active: ActiveRun = { runId: 'resolve', controller: new AbortController(), recovered: true };
    this.active.set(name, active);
    const lock = `job:${name}`;
    try {
      if (!(await this.deps.store.tryAcquireLock(lock, this.deps.owner, job.lockTtlMs))) {
        throw new JobBusyError(name, `another bus instance holds its lease (it is running or resuming there); try again when GET /admin/jobs/${name} shows it finished`);
      }
      const renew = this.renewLease(job, active);
      try {
        return await work();
      } finally {
        clearInterval(renew);
        await this.deps.store.releaseLock(lock, this.deps.owner).catch(() => undefined);
      }
    } finally {
      this.active.delete(name);
    }
  }

  /** The per-run facts items need, for a run of `job`. */
  itemRun(job: MailMergeJob, run: JobRun, retryFailed = false): ItemRun {
    const pass = run.pass ?? 1;
    return {
      job, runId: run.id, runKey: run.runKey ?? run.id, pass, itemsId: itemsIdOf(run.id, pass), sendRun: sendRunOf(run.id, pass),
      letterDate: new Date((run.data as RunData).letterDate), owner: this.deps.owner, retryFailed, inFlight: new Set(),
    };
  }

  /** The processor, for an operator's resolve. */
  get processor(): JobItemProcessor {
    return this.items;
  }

  job(name: string): MailMergeJob {
    const job = this.deps.jobs.get(name);
    if (!job) throw new UnknownJobError(name, this.names());
    return job;
  }

  private renewLease(job: MailMergeJob, active: ActiveRun): NodeJS.Timeout {
    const renew = setInterval(() => {
      this.deps.store.tryAcquireLock(`job:${job.name}`, this.deps.owner, job.lockTtlMs).then(
        (held) => held || this.lost(job, active),
        () => undefined, // a store hiccup: the lease is long enough for the next renewal
      );
    }, Math.max(Math.floor(job.lockTtlMs / 3), 100));
    renew.unref();
    return renew;
  }

  private async execute(job: MailMergeJob, run: JobRun, active: ActiveRun, retryFailed: boolean): Promise<JobProgress> {
    const { signal } = active.controller;
    const renew = this.renewLease(job, active);
    const itemRun = { ...this.itemRun(job, run, retryFailed), signal };
    try {
      await this.recovery.settle(job, run);
      active.recovered = true;
      if (run.total === undefined) {
        run.total = await countSelected(job, signal);
        await this.deps.store.saveJobRun(run);
      }
      const known = new Map((await this.deps.store.jobItems(itemRun.itemsId)).map((i) => [i.itemKey, i] as const));
      await runPool(job, signal, async ({ recipient, position }, seen) => {
        const key = String(recipient.customerId ?? '').trim() || position;
        if (seen.has(key)) return this.deps.logger?.warn(`job ${job.name}: ${JobTexts.duplicateKey(key, position)}`);
        seen.add(key);
        const item = known.get(key);
        known.delete(key); // what is left in `known` after the run is not needed; keep memory flat
        // An in-flight mark is a send a crash interrupted: the recovery left it `retry`, so it is processed.
        const settled = item?.emailed || (item?.failed && !IN_FLIGHT_DETAILS.includes(item.detail ?? ''));
        if (retryFailed ? !item?.failed : settled) return;
        await this.items.process(itemRun, key, recipient, item);
      });
      const handedOver = signal.reason === 'lock-lost' || signal.reason === 'shutdown';
      run.state = signal.aborted ? (handedOver ? 'interrupted' : 'stopped') : 'completed';
      if (run.state === 'interrupted') run.error = signal.reason === 'shutdown' ? JobTexts.shutDown : JobTexts.lockLost;
    } catch (error) {
      run.state = 'failed';
      run.error = (error as Error).message;
      this.deps.logger?.error(`job ${job.name} run ${run.id} failed: ${run.error}`);
    } finally {
      clearInterval(renew);
    }
    run.finishedAt = this.clock.now().toISOString();
    await this.deps.store.saveJobRun(run).catch((error: unknown) => this.deps.logger?.error(`job ${job.name}: cannot save run ${run.id}: ${(error as Error).message}`));
    const progress = await this.progress(job.name).catch(() => null);
    return progress ?? (await this.runProgress(run, itemRun.itemsId).catch(() => computeProgress(run, NO_COUNTS, [], this.clock.now())));
  }

  /** Counts and the failed items only: a poll does not read every item of a large run. */
  private async runProgress(run: JobRun, itemsId: string): Promise<JobProgress> {
    const [counts, failed] = await Promise.all([this.deps.store.jobItemCounts(itemsId), this.deps.store.jobItems(itemsId, { failed: true })]);
    return computeProgress(run, counts, failed, this.clock.now());
  }

  private lost(job: MailMergeJob, active: ActiveRun): void {
    this.deps.logger?.warn(`job ${job.name} run ${active.runId}: ${JobTexts.lockLost}`);
    active.controller.abort('lock-lost');
  }
}
