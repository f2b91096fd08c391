/** A job's settings cannot be used; names the job and the setting. */
export class JobConfigError extends Error {
  constructor(readonly job: string, readonly setting: string, reason: string) {
    super(`jobs.${job}.${setting}: ${reason}`);
    this.name = 'JobConfigError';
  }
}

/** A run key that is not `[A-Za-z0-9][A-Za-z0-9._:-]{0,63}` (the controller answers 400). */
export class InvalidRunKeyError extends Error {
  constructor(readonly runKey: string) {
    super(`runKey "${runKey}" is not usable: letters, digits and ._:- only, starting with a letter or digit, at most 64 characters`);
    this.name = 'InvalidRunKeyError';
  }
}

/** `POST /admin/jobs/{name}/run` for a name not under `jobs:` (the controller answers 404). */
export class UnknownJobError extends Error {
  constructor(readonly job: string, known: string[]) {
    super(`unknown job "${job}" (known: ${known.join(', ') || 'none'})`);
    this.name = 'UnknownJobError';
  }
}

/** A job's lease is held by another instance, or its run is starting here; the controller answers 409. */
export class JobBusyError extends Error {
  constructor(readonly job: string, reason: string) {
    super(`job ${job}: ${reason}`);
    this.name = 'JobBusyError';
  }
}

/** Texts the runner writes into item details; the in-flight ones double as the failure reason after a crash. */
export const JobTexts = {
  inFlightPrint: 'interrupted while printing: the run, when resumed, asks the printer whether this letter came out',
  inFlightEmail: 'interrupted while e-mailing: the run, when resumed, marks the notice unknown for an operator to resolve',
  duplicateKey: (key: string, position: string) => `customer ${key} appears again at ${position}; only its first record gets a letter`,
  notStartedBusy: 'the job is already running on this instance',
  notStartedLocked: 'another bus instance holds the job lock and runs it',
  notStartedSlotDone: (slot: string) => `the run for the schedule slot ${slot} has already finished`,
  notStartedCompleted: (job: string, runKey: string, at: string | undefined) =>
    `run key ${runKey} of job ${job} completed at ${at ?? 'an unknown time'}; nothing new was sent. Start it with {"force": true} to send every letter and notice again (effects of unknown outcome stay for an operator), or use another runKey`,
  notStartedUnfinished: (runKey: string | undefined, state: string) =>
    `run key ${runKey ?? '?'} is ${state} and is finished first: start it without a runKey or with {"runKey": "${runKey ?? ''}"} to resume it`,
  unknownOutcome: (what: string, job: string, detail: string | undefined) =>
    `${what} outcome unknown${detail ? `: ${detail}` : ''}; an operator decides: GET /admin/jobs/${job}/effects?state=unknown, then POST /admin/jobs/${job}/effects/resolve with "send" or "done"`,
  effectBusy: (what: string, owner: string | undefined) => `${what} is being sent right now by ${owner ?? 'another instance'} (an operator's resolve); retry the item once that has finished`,
  unknownNotFound: 'no effect of unknown outcome with this run key, recipient and effect (resolved already, or never unknown)',
  recipientGone: (source: string) => `the recipient is no longer in ${source}; resolve with "done", or add it back`,
  notStartedNothingToRetry: 'the job has no run with failed items to retry',
  recovered: (what: string, detail: string) => `${what} found after a crash: ${detail}`,
  resendAfterCrash: (what: string, detail: string) => `${what} not received after a crash (${detail}); the run sends it again`,
  cannotAsk: (what: string, target: string) => `${what} via ${target} left started by a crash; ${target} cannot be asked whether it arrived`,
  legacyInFlight: (what: string) => `${what} was in flight when a bus without the effects ledger stopped; whether it arrived is not known`,
  targetChanged: (what: string, was: string, now: string) => `${what} was started via ${was}, the job now sends via ${now}; ${was} cannot be asked`,
  shutDown: 'the bus instance running it shut down or reloaded its jobs; the next instance to check resumes it',
  lockLost: 'the job lock was lost (the store was unreachable longer than the lease); another instance may resume the run',
} as const;

export const IN_FLIGHT_DETAILS: readonly string[] = [JobTexts.inFlightPrint, JobTexts.inFlightEmail];
