import type { Statement } from 'better-sqlite3';
import type * as T from '../store.types';

interface HistoryRow { seq: number; version: string; applied_at: string; applied_by: string; reason: string; trigger: T.ConfigTrigger; previous_version: string | null }

const entryOf = (r: HistoryRow): T.ConfigHistoryEntry => ({
  version: r.version,
  appliedAt: r.applied_at,
  appliedBy: r.applied_by,
  reason: r.reason,
  trigger: r.trigger,
  previousVersion: r.previous_version,
});

/** Config versions applied, in SQLite: one row per application, the content once per version. */
export class SqliteConfigHistory {
  constructor(
    private readonly stmt: (sql: string) => Statement,
    private readonly transaction: (fn: () => void) => void,
  ) {}

  record(entry: T.ConfigHistoryEntry, files: Record<string, string>): void {
    this.transaction(() => {
      this.stmt('INSERT OR IGNORE INTO config_versions (version, files) VALUES (?, ?)').run(entry.version, JSON.stringify(files));
      this.stmt('INSERT INTO config_history (version, applied_at, applied_by, reason, trigger, previous_version) VALUES (?, ?, ?, ?, ?, ?)')
        .run(entry.version, entry.appliedAt, entry.appliedBy, entry.reason, entry.trigger, entry.previousVersion);
    });
  }

  list(search: T.ConfigHistorySearch = {}): T.Page<T.ConfigHistoryEntry> {
    const limit = Math.min(Math.max(1, search.limit ?? 50), 500);
    const before = search.cursor ? Number(search.cursor) : Number.MAX_SAFE_INTEGER;
    const rows = this.stmt('SELECT * FROM config_history WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(Number.isFinite(before) ? before : 0, limit + 1) as HistoryRow[];
    const items = rows.slice(0, limit).map(entryOf);
    return rows.length > limit ? { items, nextCursor: String(rows[limit - 1].seq) } : { items };
  }

  get(version: string): T.ConfigVersionRecord | null {
    const files = this.stmt('SELECT files FROM config_versions WHERE version = ?').pluck().get(version) as string | undefined;
    if (files === undefined) return null;
    const row = this.stmt('SELECT * FROM config_history WHERE version = ? ORDER BY seq DESC LIMIT 1').get(version) as HistoryRow;
    const { previousVersion: _previous, ...entry } = entryOf(row);
    return { ...entry, files: JSON.parse(files) as Record<string, string> };
  }
}
