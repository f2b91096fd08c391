import { noEffectCounts } from '../store/job-effects';
import type {
  JobEffect, JobEffectClaim, JobEffectCounts, JobEffectKey, JobEffectSearch, JobEffectStart, JobEffectState, JobItem, JobItemCounts, JobItemFilter, JobItemStep, JobRun, JobStateStore,
} from './job-state.store';

/**
 * JobStateStore in memory, with the same semantics as the SQLite store (a success mark clears an
 * earlier failure; the effects ledger claims by the same rules; the lease lock is renewable by its
 * owner). For specs and single-process demos; `now` is injectable so lease expiry is testable
 * without waiting.
 */
export class InMemoryJobStateStore implements JobStateStore {
  private readonly runs = new Map<string, JobRun>();
  private readonly items = new Map<string, Map<string, JobItem>>();
  private readonly locks = new Map<string, { owner: string; expiresAt: number }>();
  private readonly effects = new Map<string, JobEffect>();

  constructor(private readonly now: () => number = Date.now) {}

  async saveJobRun(run: JobRun): Promise<void> {
    this.runs.set(run.id, structuredClone(run));
  }

  async getJobRun(id: string): Promise<JobRun | null> {
    const run = this.runs.get(id);
    return run ? structuredClone(run) : null;
  }

  async latestJobRun(name: string): Promise<JobRun | null> {
    const runs = [...this.runs.values()].filter((r) => r.name === name);
    runs.sort((a, b) => (a.startedAt === b.startedAt ? a.id.localeCompare(b.id) : a.startedAt.localeCompare(b.startedAt)));
    const latest = runs.at(-1);
    return latest ? structuredClone(latest) : null;
  }

  async markJobItem(runId: string, itemKey: string, step: JobItemStep, detail?: string): Promise<void> {
    const run = this.items.get(runId) ?? new Map<string, JobItem>();
    this.items.set(runId, run);
    const item = run.get(itemKey) ?? { runId, itemKey, printed: false, emailed: false, failed: false, updatedAt: '' };
    if (step === 'printed') Object.assign(item, { printed: true, failed: false });
    if (step === 'emailed') Object.assign(item, { emailed: true, failed: false });
    if (step === 'failed') item.failed = true;
    if (detail !== undefined) item.detail = detail;
    item.updatedAt = new Date(this.now()).toISOString();
    run.set(itemKey, item);
  }

  async jobItems(runId: string, filter: JobItemFilter = {}): Promise<JobItem[]> {
    return [...(this.items.get(runId)?.values() ?? [])]
      .filter((i) => filter.failed === undefined || i.failed === filter.failed)
      .map((i) => ({ ...i }))
      .sort((a, b) => a.itemKey.localeCompare(b.itemKey));
  }

  async jobItemCounts(runId: string): Promise<JobItemCounts> {
    const items = [...(this.items.get(runId)?.values() ?? [])];
    return {
      total: items.length,
      printed: items.filter((i) => i.printed).length,
      emailed: items.filter((i) => i.emailed).length,
      failed: items.filter((i) => i.failed).length,
    };
  }

  async claimJobEffect(key: JobEffectKey, start: JobEffectStart): Promise<JobEffectClaim> {
    const id = effectId(key);
    const found = this.effects.get(id);
    const claimable = !found || found.state === 'retry' || (['done', 'failed'].includes(found.state) && found.pass < start.pass) || (found.state === 'failed' && start.retryFailed === true);
    if (!claimable) return { claimed: false, effect: { ...found! } };
    const at = new Date(this.now()).toISOString();
    const { job, runKey, recipient, effect } = key;
    const row: JobEffect = { job, runKey, recipient, effect, state: 'started', target: start.target, pass: start.pass, owner: start.owner, startedAt: at, updatedAt: at };
    this.effects.set(id, row);
    return { claimed: true, effect: { ...row } };
  }

  async transitionJobEffect(key: JobEffectKey, from: readonly JobEffectState[], to: JobEffectState, detail?: string, owner?: string): Promise<boolean> {
    const row = this.effects.get(effectId(key));
    if (!row || !from.includes(row.state)) return false;
    const at = new Date(this.now()).toISOString();
    Object.assign(row, { state: to, updatedAt: at }, detail !== undefined ? { detail } : {}, owner !== undefined ? { owner } : {}, to === 'started' ? { startedAt: at } : {});
    return true;
  }

  async listJobEffects(job: string, search: JobEffectSearch = {}): Promise<JobEffect[]> {
    return [...this.effects.values()]
      .filter((e) => e.job === job && (search.runKey === undefined || e.runKey === search.runKey) && (search.state === undefined || e.state === search.state))
      .sort((a, b) => effectId(a).localeCompare(effectId(b)))
      .slice(0, search.limit ?? 500)
      .map((e) => ({ ...e }));
  }

  async jobEffectCounts(job: string, runKey?: string): Promise<JobEffectCounts> {
    const counts = noEffectCounts();
    for (const e of this.effects.values()) if (e.job === job && (runKey === undefined || e.runKey === runKey)) counts[e.state]++;
    return counts;
  }

  async tryAcquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.locks.get(name);
    if (held && held.owner !== owner && held.expiresAt > this.now()) return false;
    this.locks.set(name, { owner, expiresAt: this.now() + ttlMs });
    return true;
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    if (this.locks.get(name)?.owner === owner) this.locks.delete(name);
  }
}

const effectId = (k: JobEffectKey) => [k.job, k.runKey, k.recipient, k.effect].join('\u0000');
