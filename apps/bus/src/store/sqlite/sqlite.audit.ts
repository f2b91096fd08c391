import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { pageLimit, toIso } from '../bus-store';
import { pageOf } from '../keyset-page';
import { SqliteSearch } from './sqlite.search';
import type { AuditEntry, AuditInput, AuditSearch } from '../console.types';
import type { Page } from '../store.types';

/** The audit trail of the embedded store: one row per operator action, the entry as JSON beside its search columns. */
export class SqliteAudit {
  constructor(private readonly stmt: (sql: string) => Statement) {}

  record(input: AuditInput): AuditEntry {
    const entry: AuditEntry = { ...input, id: randomUUID(), at: toIso(input.at, 'at') ?? new Date().toISOString() };
    this.stmt('INSERT INTO audit_trail (id, at, actor, action, target, data) VALUES (?, ?, ?, ?, ?, ?)').run(
      entry.id, entry.at, entry.actor, entry.action, entry.target ?? null, JSON.stringify(entry),
    );
    return entry;
  }

  list(query: AuditSearch): Page<AuditEntry> {
    const limit = pageLimit(query.limit);
    const search = new SqliteSearch(limit)
      .filter('actor = @actor', 'actor', query.actor)
      .filter('action = @action', 'action', query.action)
      .filter('target = @target', 'target', query.target)
      .filter('at >= @since', 'since', toIso(query.since, 'since'))
      .filter('at <= @until', 'until', toIso(query.until, 'until'))
      .afterCursor('at', query.cursor);
    const sql = `SELECT data FROM audit_trail ${search.where} ORDER BY at DESC, id DESC LIMIT @limit`;
    const entries = (this.stmt(sql).pluck().all(search.params) as string[]).map((d) => JSON.parse(d) as AuditEntry);
    const page = pageOf(entries, limit, (entry) => entry);
    return page.nextCursor ? { items: page.rows, nextCursor: page.nextCursor } : { items: page.rows };
  }
}
