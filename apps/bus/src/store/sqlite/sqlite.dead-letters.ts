import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { pageLimit, toIso } from '../bus-store';
import { pageOf } from '../keyset-page';
import { isoNow } from '../../common/iso-now';
import { SqliteSearch } from './sqlite.search';
import type * as T from '../store.types';

interface DeadLetterRow {
  id: string; message_id: string; destination: string; type: string; source: string; error_code: string; error_message: string;
  attempts: number; at: string; envelope: string; headers: string | null; state: T.DeadLetterState; reason: string | null; resolved_at: string | null;
  claimed_by: string | null; claimed_at: string | null;
}

/**
 * The dead-letter part of the embedded store. Every state change is one UPDATE with the expected
 * state in its WHERE clause, so two replays (in this process or in another one sharing the file)
 * cannot both take an entry: SQLite serialises writers, and the loser sees `changes = 0`.
 */
export class SqliteDeadLetters {

  /** `stmt` is the store's prepared-statement cache. */
  constructor(
    private readonly stmt: (sql: string) => Statement,
  ) {}

  record(input: T.DeadLetterInput): T.DeadLetter {
    const { id = randomUUID(), at, ...rest } = input;
    const letter: T.DeadLetter = { ...rest, id, at: toIso(at, 'at') ?? isoNow(), state: 'dead' };
    const inserted = this.stmt(`INSERT OR IGNORE INTO dead_letters (id, message_id, destination, type, source, error_code, error_message, attempts, at, envelope, headers, state)
      VALUES (@id, @messageId, @destination, @type, @source, @errorCode, @errorMessage, @attempts, @at, @envelope, @headers, 'dead')`).run({
      ...letter,
      envelope: JSON.stringify(letter.envelope),
      headers: letter.headers ? JSON.stringify(letter.headers) : null,
    }).changes === 1;
    // The same broker copy indexed twice (consumer and reconciler): the first entry stands, whatever its state now.
    return inserted ? letter : this.get(id)!;
  }

  list(query: T.DeadLetterSearch): T.Page<T.DeadLetter> {
    const limit = pageLimit(query.limit);
    const state = query.state ?? 'dead';
    const search = new SqliteSearch(limit)
      .filter('state = @state', 'state', state === 'all' ? undefined : state)
      .filter('destination = @system', 'system', query.system)
      .filter('message_id = @messageId', 'messageId', query.messageId)
      .filter('source = @source', 'source', query.source)
      .filter('type = @type', 'type', query.type)
      .filter('at >= @since', 'since', toIso(query.since, 'since'))
      .filter('at <= @until', 'until', toIso(query.until, 'until'))
      .afterCursor('at', query.cursor);
    const rows = this.stmt(`SELECT * FROM dead_letters ${search.where} ORDER BY at DESC, id DESC LIMIT @limit`).all(search.params) as DeadLetterRow[];
    const page = pageOf(rows, limit, (row) => row);
    const items = page.rows.map(toDeadLetter);
    return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
  }

  get(id: string): T.DeadLetter | null {
    const row = this.stmt('SELECT * FROM dead_letters WHERE id = ?').get(id) as DeadLetterRow | undefined;
    return row ? toDeadLetter(row) : null;
  }

  getMany(ids: readonly string[]): T.DeadLetter[] {
    const found: T.DeadLetter[] = [];
    // SQLite binds at most 32,766 parameters per statement; 500 keeps statements small and cached.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.stmt(`SELECT * FROM dead_letters WHERE id IN (${chunk.map(() => '?').join(', ')})`).all(...chunk) as DeadLetterRow[];
      found.push(...rows.map(toDeadLetter));
    }
    return found;
  }

  mark(id: string, state: 'replayed' | 'discarded', reason?: string): boolean {
    return this.stmt(`UPDATE dead_letters SET state = ?, reason = ?, resolved_at = ? WHERE id = ? AND state = 'dead'`)
      .run(state, reason ?? null, isoNow(), id).changes === 1;
  }

  claim(id: string, owner: string, leaseMs: number): T.DeadLetterClaim {
    const at = new Date();
    const staleBefore = new Date(at.getTime() - leaseMs).toISOString();
    const claimed = this.stmt(`UPDATE dead_letters SET state = 'replaying', claimed_by = @owner, claimed_at = @at
      WHERE id = @id AND (state = 'dead' OR (state = 'replaying' AND claimed_at < @staleBefore))`)
      .run({ id, owner, at: at.toISOString(), staleBefore }).changes === 1;
    return { claimed, letter: this.get(id) };
  }

  complete(id: string, owner: string): boolean {
    return this.stmt(`UPDATE dead_letters SET state = 'replayed', reason = NULL, resolved_at = ? WHERE id = ? AND state = 'replaying' AND claimed_by = ?`)
      .run(isoNow(), id, owner).changes === 1;
  }

  release(id: string, owner: string, reason: string): boolean {
    return this.stmt(`UPDATE dead_letters SET state = 'dead', reason = ? WHERE id = ? AND state = 'replaying' AND claimed_by = ?`)
      .run(reason, id, owner).changes === 1;
  }

  releaseStale(olderThan: T.TimeInput, reason: string): number {
    return this.stmt(`UPDATE dead_letters SET state = 'dead', reason = ? WHERE state = 'replaying' AND claimed_at < ?`)
      .run(reason, toIso(olderThan, 'olderThan')).changes;
  }

  countOpen(): Record<string, number> {
    const rows = this.stmt(`SELECT destination, count(*) AS n FROM dead_letters WHERE state IN ('dead', 'replaying') GROUP BY destination`)
      .all() as Array<{ destination: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.destination, r.n]));
  }

}


function toDeadLetter(row: DeadLetterRow): T.DeadLetter {
  const letter: T.DeadLetter = {
    id: row.id, messageId: row.message_id, destination: row.destination, type: row.type, source: row.source, errorCode: row.error_code,
    errorMessage: row.error_message, attempts: row.attempts, at: row.at, envelope: JSON.parse(row.envelope) as T.DeadLetter['envelope'], state: row.state,
  };
  // Absent fields stay absent, so both stores answer with the same shapes.
  if (row.headers) letter.headers = JSON.parse(row.headers) as Record<string, unknown>;
  if (row.reason !== null) letter.reason = row.reason;
  if (row.resolved_at !== null) letter.resolvedAt = row.resolved_at;
  if (row.claimed_by !== null) letter.claimedBy = row.claimed_by;
  if (row.claimed_at !== null) letter.claimedAt = row.claimed_at;
  return letter;
}
