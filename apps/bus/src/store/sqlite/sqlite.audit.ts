import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { pageLimit, toIso } from '../bus-store';
import { pageOf, sqlAfterCursor } from '../keyset-page';
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
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: limit + 1 };
    const add = (clause: string, name: string, value: unknown) => {
      if (value === undefined || value === '') return;
      where.push(clause);
      params[name] = value;
    };
    add('actor = @actor', 'actor', query.actor);
    add('action = @action', 'action', query.action);
    add('target = @target', 'target', query.target);
    add('at >= @since', 'since', toIso(query.since, 'since'));
    add('at <= @until', 'until', toIso(query.until, 'until'));
    const after = sqlAfterCursor('at', query.cursor);
    if (after) {
      where.push(after.clause);
      Object.assign(params, after.params);
    }
    const sql = `SELECT data FROM audit_trail ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT @limit`;
    const entries = (this.stmt(sql).pluck().all(params) as string[]).map((d) => JSON.parse(d) as AuditEntry);
    const page = pageOf(entries, limit, (entry) => entry);
    return page.nextCursor ? { items: page.rows, nextCursor: page.nextCursor } : { items: page.rows };
  }
}
