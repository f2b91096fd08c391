import type { RunData } from './job-progress';
import type { JobRun, JobStateStore } from './job-state.store';
import { JobTexts } from './job.errors';
import type { MailMergeJob } from './mail-merge.job';
import { defaultRunKey, itemsIdOf, runIdOf, slotRunKey } from './run-key';

export interface StartOptions {
  trigger?: 'manual' | 'schedule' | 'resume';
  /** The cron time a scheduled start belongs to: its run key, so one run per slot across all instances. */
  slot?: Date;
  /** The run key of a manual start; default: the day (see defaultRunKey). */
  runKey?: string;
  /** Send every effect of a completed run key again (a new pass); effects of unknown outcome stay. */
  force?: boolean;
  /** Process only the items that failed in the latest run. */
  retryFailed?: boolean;
}

/** Why a start did not start. */
export type NotStartedCode = 'busy' | 'locked' | 'completed' | 'unfinished' | 'slot-done' | 'nothing-to-retry' | 'nothing-to-resume';

export interface Refusal {
  code: NotStartedCode;
  reason: string;
  runKey?: string;
  completedAt?: string;
}

const UNFINISHED = new Set(['running', 'stopped', 'interrupted']);
/** Left by an instance that died or lost its lease: any instance resumes these by itself. */
export const ABANDONED = new Set(['running', 'interrupted']);

/*
 * Which run a start works on: an unfinished run first (stopped, or left by a dead instance); else
 * the run of its key (the schedule slot, the key given, or the day). A completed key is refused
 * unless forced, which starts the key's next pass; a key that failed as a whole goes on.
 * Called with the job's lease held.
 */
export async function pickRun(store: JobStateStore, owner: string, job: MailMergeJob, options: StartOptions, now: Date): Promise<JobRun | Refusal> {
  const latest = await store.latestJobRun(job.name);
  const resumed = (run: JobRun, trigger: JobRun['trigger']) => resume(store, owner, run, now, trigger);
  if (options.retryFailed) {
    if (!latest || (await store.jobItemCounts(itemsIdOf(latest.id, latest.pass ?? 1))).failed === 0) {
      return { code: 'nothing-to-retry', reason: JobTexts.notStartedNothingToRetry };
    }
    return resumed(latest, 'manual');
  }
  if (options.trigger === 'resume' && !(latest && ABANDONED.has(latest.state))) return { code: 'nothing-to-resume', reason: 'no abandoned run to resume' };
  // An unfinished run (stopped, or its instance died while running) is finished first.
  if (latest && UNFINISHED.has(latest.state)) {
    if (options.runKey !== undefined && options.runKey !== latest.runKey) {
      return { code: 'unfinished', reason: JobTexts.notStartedUnfinished(latest.runKey, latest.state), runKey: latest.runKey };
    }
    return resumed(latest, options.trigger === 'resume' ? 'resume' : (options.trigger ?? 'manual'));
  }
  const runKey = options.slot ? slotRunKey(options.slot) : (options.runKey ?? defaultRunKey(now, job.timezone));
  const existing = await store.getJobRun(runIdOf(job.name, runKey));
  if (existing && options.slot) return { code: 'slot-done', reason: JobTexts.notStartedSlotDone(options.slot.toISOString()), runKey };
  if (existing?.state === 'completed' && !options.force) {
    return { code: 'completed', reason: JobTexts.notStartedCompleted(job.name, runKey, existing.finishedAt), runKey, completedAt: existing.finishedAt };
  }
  // A run that failed as a whole (source unreadable, store down) goes on where it stopped.
  if (existing && existing.state !== 'completed') return resumed(existing, options.trigger ?? 'manual');
  const pass = existing ? (existing.pass ?? 1) + 1 : 1;
  const data: RunData = { letterDate: utcDay(now).toISOString(), sessionStartedAt: now.toISOString(), sessionFinishedAtStart: 0 };
  const run: JobRun = {
    id: runIdOf(job.name, runKey), name: job.name, runKey, pass, state: 'running', startedAt: now.toISOString(), trigger: options.trigger ?? 'manual', owner: owner, data,
  };
  await store.saveJobRun(run);
  return run;
}

async function resume(store: JobStateStore, owner: string, run: JobRun, now: Date, trigger: JobRun['trigger']): Promise<JobRun> {
  const counts = await store.jobItemCounts(itemsIdOf(run.id, run.pass ?? 1));
  const data = { ...(run.data as RunData), sessionStartedAt: now.toISOString(), sessionFinishedAtStart: counts.emailed + counts.failed };
  const next: JobRun = { ...run, state: 'running', owner: owner, trigger, finishedAt: undefined, error: undefined, data };
  await store.saveJobRun(next);
  return next;
}

const utcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
