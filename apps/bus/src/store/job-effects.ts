import type { JobEffectCounts } from './store.types';

/** Both stores' helpers for the job effects ledger. */
export const noEffectCounts = (): JobEffectCounts => ({ started: 0, done: 0, failed: 0, unknown: 0, retry: 0 });

/** Page size of listJobEffects within [1, 10000]; default 500. */
export const effectLimit = (limit: number | undefined): number =>
  limit === undefined || !Number.isFinite(limit) ? 500 : Math.min(10_000, Math.max(1, Math.floor(limit)));
