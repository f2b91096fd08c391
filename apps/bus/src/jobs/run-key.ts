/**
 * Run keys: what makes two starts of a job the same run. A scheduled start's key is its cron slot, an
 * operator's start takes the key it is given, or the day's date. The ledger of effects is kept per
 * run key, so a run key that completed sends nothing new when it is started again.
 */

/** Letters, digits and `._:-`, starting with a letter or digit; it becomes part of CUPS job names. */
export const RUN_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** `slot-202601150600`: the cron time in UTC to the minute, the same on every instance. */
export const slotRunKey = (slot: Date): string => `slot-${slot.toISOString().replace(/[-:T]/g, '').slice(0, 12)}`;

/**
 * A manual start without a key runs the day's key, `2026-01-15` in the job's time zone (UTC when it has
 * none): a second manual start the same day sends nothing new; the next day is a new run.
 */
export function defaultRunKey(now: Date, timezone?: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone ?? 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** The run record's id: one run per (job, run key). */
export const runIdOf = (job: string, runKey: string): string => `${job}@${runKey}`;

/**
 * What sends of one pass carry as their run (idempotency keys, CUPS job names): the run id, with
 * `#<pass>` from the second pass on, so a forced pass is a new send to every destination.
 */
export const sendRunOf = (runId: string, pass: number): string => (pass > 1 ? `${runId}#${pass}` : runId);

/** Item marks (progress) are kept per pass. */
export const itemsIdOf = sendRunOf;
