import type { BusStore } from '../store/bus-store';

/**
 * The part of the BusStore the job runner uses: runs, per-item marks, the effects ledger and the lease lock.
 * Both the SQLite and the MongoDB store satisfy it; specs use InMemoryJobStateStore.
 */
export type JobStateStore = Pick<
  BusStore,
  | 'saveJobRun' | 'getJobRun' | 'latestJobRun' | 'markJobItem' | 'jobItems' | 'jobItemCounts' | 'tryAcquireLock' | 'releaseLock'
  | 'claimJobEffect' | 'transitionJobEffect' | 'listJobEffects' | 'jobEffectCounts'
>;

export type {
  JobEffect, JobEffectClaim, JobEffectCounts, JobEffectKey, JobEffectKind, JobEffectSearch, JobEffectStart, JobEffectState,
  JobItem, JobItemCounts, JobItemFilter, JobItemStep, JobRun, JobRunState,
} from '../store/bus-store';
