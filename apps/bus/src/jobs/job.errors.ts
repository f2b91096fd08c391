/** A job's settings cannot be used; names the job and the setting. */
export class JobConfigError extends Error {
  constructor(readonly job: string, readonly setting: string, reason: string) {
    super(`jobs.${job}.${setting}: ${reason}`);
    this.name = 'JobConfigError';
  }
}

/** `POST /admin/jobs/{name}/run` for a name not under `jobs:` (the controller answers 404). */
export class UnknownJobError extends Error {
  constructor(readonly job: string, known: string[]) {
    super(`unknown job "${job}" (known: ${known.join(', ') || 'none'})`);
    this.name = 'UnknownJobError';
  }
}

/** Texts the runner writes into item details; the in-flight ones double as the failure reason after a crash. */
export const JobTexts = {
  inFlightPrint: 'interrupted while printing: the printer may have printed this letter; check it, then retry the item to print again',
  inFlightEmail: 'interrupted while e-mailing: the notice may have been sent; retry the item to send it again',
  duplicateKey: (key: string, position: string) => `customer ${key} appears again at ${position}; only its first record gets a letter`,
  notStartedBusy: 'the job is already running on this instance',
  notStartedLocked: 'another bus instance holds the job lock and runs it',
  notStartedSlotDone: (slot: string) => `the run for the schedule slot ${slot} has already finished`,
  notStartedNothingToRetry: 'the job has no run with failed items to retry',
  lockLost: 'the job lock was lost (the store was unreachable longer than the lease); another instance may resume the run',
} as const;

export const IN_FLIGHT_DETAILS: readonly string[] = [JobTexts.inFlightPrint, JobTexts.inFlightEmail];
