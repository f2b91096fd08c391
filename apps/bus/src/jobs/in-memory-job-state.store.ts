import type { JobItem, JobItemCounts, JobItemStep, JobRun, JobStateStore } from './job-state.store';

/**
 * JobStateStore in memory, with the same semantics as the SQLite store (a success mark clears an
 * earlier failure; the lease lock is renewable by its owner). For specs and single-process demos;
 * `now` is injectable so lease expiry is testable without waiting.
 */
export class InMemoryJobStateStore implements JobStateStore {
  private readonly runs = new Map<string, JobRun>();
  private readonly items = new Map<string, Map<string, JobItem>>();
  private readonly locks = new Map<string, { owner: string; expiresAt: number }>();

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

  async jobItems(runId: string): Promise<JobItem[]> {
    return [...(this.items.get(runId)?.values() ?? [])].map((i) => ({ ...i })).sort((a, b) => a.itemKey.localeCompare(b.itemKey));
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
