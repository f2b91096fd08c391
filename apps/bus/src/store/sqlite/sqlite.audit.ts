import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { pageLimit, toIso } from '../bus-store';
import { decodeCursor, encodeCursor } from '../message-status';
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
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      if (value === undefined || value === '') return;
      where.push(clause);
      params.push(value);
    };
    add('actor = ?', query.actor);
    add('action = ?', query.action);
    add('target = ?', query.target);
    add('at >= ?', toIso(query.since, 'since'));
    add('at <= ?', toIso(query.until, 'until'));
    const cursor = decodeCursor(query.cursor);
    if (cursor) {
      where.push('(at < ? OR (at = ? AND id < ?))');
      params.push(cursor.at, cursor.at, cursor.id);
    }
    const sql = `SELECT data FROM audit_trail ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ${limit + 1}`;
    const rows = (this.stmt(sql).pluck().all(...params) as string[]).map((d) => JSON.parse(d) as AuditEntry);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.at, last.id) } : { items };
  }
}
