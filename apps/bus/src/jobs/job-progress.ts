import type { JobEffectCounts, JobItem, JobItemCounts, JobRun, JobRunState } from './job-state.store';
import { IN_FLIGHT_DETAILS } from './job.errors';

/** One recipient the run could not serve, with the reason (bad address, SMTP refusal, printer error, …). */
export interface JobFailure {
  customerId: string;
  printed: boolean;
  reason: string;
}

/** What `GET /admin/jobs/{name}` shows. */
export interface JobProgress {
  name: string;
  runId: string;
  /** The run key (schedule slot, the key given to run, or the day) and its pass (1, plus one per forced run). */
  runKey?: string;
  pass?: number;
  state: JobRunState;
  trigger?: string;
  owner?: string;
  startedAt: string;
  finishedAt?: string;
  /** Selected customers; known once the run has counted its source. */
  total?: number;
  printed: number;
  emailed: number;
  failed: number;
  /** Items being worked on right now. */
  inFlight: number;
  /** Items finished (e-mailed or failed) per second since this run (or its resume) started. */
  throughputPerSecond: number;
  /** Seconds left at the current throughput; null when unknown or not running. */
  etaSeconds: number | null;
  /** Why the whole run failed (source unreadable, store down), if it did. */
  error?: string;
  /** The first `limit` failed items. */
  failures: JobFailure[];
  /** The run key's effects (prints and e-mails) by ledger state. */
  effects?: JobEffectCounts;
  /** Effects of unknown outcome across all run keys of the job: an operator resolves them. */
  unknownEffects?: number;
}

/** Run data the runner keeps in `JobRun.data`. */
export interface RunData {
  letterDate: string;
  /** When this run was (re)started and how many items were finished then: the base of throughput. */
  sessionStartedAt: string;
  sessionFinishedAtStart: number;
  [key: string]: unknown;
}

/**
 * Progress from the run record, its item counts and its failed items (a run of 10,000 letters is not
 * read whole for each poll). Pure: `now` is passed in. While the run is running, an item marked with
 * an in-flight text is in flight, not failed; once the run is no longer running (stopped, crashed and
 * taken over) the same mark is a failure whose text says what to check.
 */
export function computeProgress(run: JobRun, counts: JobItemCounts, failedItems: JobItem[], now: Date, limit = 500): JobProgress {
  const running = run.state === 'running';
  const { printed, emailed } = counts;
  let flying = 0;
  const failures: JobFailure[] = [];
  for (const item of failedItems) {
    if (running && IN_FLIGHT_DETAILS.includes(item.detail ?? '')) flying++;
    else if (failures.length < limit) failures.push({ customerId: item.itemKey, printed: item.printed, reason: item.detail ?? 'unknown' });
  }
  const failed = Math.max(counts.failed - flying, 0); // two reads: a store without snapshots may see a mark land between them
  const data = (run.data ?? {}) as Partial<RunData>;
  const finished = emailed + failed;
  const since = data.sessionStartedAt ? Date.parse(data.sessionStartedAt) : Date.parse(run.startedAt);
  const end = run.finishedAt && !running ? Date.parse(run.finishedAt) : now.getTime();
  const seconds = Math.max((end - since) / 1000, 0.001);
  const throughput = Math.max(finished - (data.sessionFinishedAtStart ?? 0), 0) / seconds;
  const left = run.total === undefined ? undefined : Math.max(run.total - finished, 0);
  return {
    name: run.name,
    runId: run.id,
    state: run.state,
    trigger: run.trigger,
    owner: run.owner,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    total: run.total,
    printed,
    emailed,
    failed,
    inFlight: flying,
    throughputPerSecond: Math.round(throughput * 100) / 100,
    etaSeconds: running && left !== undefined && throughput > 0 ? Math.ceil(left / throughput) : running ? null : 0,
    error: run.error,
    failures,
  };
}
