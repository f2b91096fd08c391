import type { Database, Statement } from 'better-sqlite3';
import { pageLimit, toIso } from '../bus-store';
import { pageOf } from '../keyset-page';
import { SqliteSearch } from './sqlite.search';
import { packCanonical, packRaw, unpackCanonical, unpackRaw } from './sqlite.journal-text';
import { applyDestinationChange, deriveMessageStatus, destinationChange, entryHops } from '../message-status';
import type {
  DestinationState,
  Hop,
  JournalEvent,
  JournalMessage,
  JournalMessageInput,
  MessageHistory,
  MessageSearch,
  MessageSummary,
  Page,
} from '../store.types';

interface MessageRow {
  id: string;
  type: string;
  source: string;
  correlation_id: string;
  causation_id: string | null;
  config_version: string | null;
  received_at: string;
  initial_status: 'accepted' | 'unrouted';
  status: JournalMessage['status'];
  /** JSON text, or gzipped when long (sqlite.journal-text.ts). */
  raw_native: string | Buffer | null;
  canonical: string | Buffer | null;
  routes: string;
}

interface DestinationRow {
  destination: string;
  status: DestinationState['status'];
  attempts: number;
}

const SUMMARY_COLUMNS = 'id, type, source, correlation_id, causation_id, config_version, received_at, initial_status, status, NULL AS raw_native, NULL AS canonical, routes';

/** The journal tables of the embedded store: messages, their per-destination state and hops. */
export class SqliteJournal {
  private readonly insertMessage: Statement;
  private readonly upsertMessage: Statement;
  private readonly insertDestination: Statement;
  private readonly upsertDestination: Statement;
  private readonly insertHop: Statement;
  private readonly insertKey: Statement;
  private readonly selectKeys: Statement;
  private readonly selectMessage: Statement;
  private readonly selectInitialStatus: Statement;
  private readonly selectDestinations: Statement;
  private readonly selectHops: Statement;
  private readonly updateStatus: Statement;
  private readonly searchStatements = new Map<string, Statement>();
  private readonly appendTx: (events: JournalEvent[]) => void;

  constructor(private readonly db: Database) {
    const insert = `
      INSERT INTO journal_messages (id, type, source, correlation_id, causation_id, config_version, received_at, initial_status, status, raw_native, canonical, routes)
      VALUES (@id, @type, @source, @correlationId, @causationId, @configVersion, @receivedAt, @initialStatus, @status, @rawNative, @canonical, @routes)`;
    this.insertMessage = db.prepare(`${insert} ON CONFLICT (id) DO NOTHING`);
    // A message seen again (the same id journalled twice) keeps what the first record had and the latter lacks.
    this.upsertMessage = db.prepare(`${insert}
      ON CONFLICT (id) DO UPDATE SET type = excluded.type, source = excluded.source, correlation_id = excluded.correlation_id,
        causation_id = excluded.causation_id, config_version = excluded.config_version, received_at = excluded.received_at,
        initial_status = excluded.initial_status, raw_native = coalesce(excluded.raw_native, raw_native),
        canonical = coalesce(excluded.canonical, canonical), routes = excluded.routes`);
    this.insertDestination = db.prepare(
      `INSERT OR IGNORE INTO journal_destinations (message_id, destination, status, attempts, updated_at) VALUES (?, ?, ?, ?, ?)`,
    );
    // One statement for every hop kind: `inc` counts an attempt the hop does not number.
    this.upsertDestination = db.prepare(`
      INSERT INTO journal_destinations (message_id, destination, status, attempts, updated_at)
      VALUES (@messageId, @destination, coalesce(@status, 'pending'), CASE WHEN @inc = 1 THEN 1 ELSE coalesce(@attempts, 0) END, @at)
      ON CONFLICT (message_id, destination) DO UPDATE SET
        status = coalesce(@status, status),
        attempts = CASE WHEN @inc = 1 THEN attempts + 1 WHEN @attempts IS NULL THEN attempts ELSE max(attempts, @attempts) END,
        updated_at = @at`);
    this.insertHop = db.prepare('INSERT INTO journal_hops (message_id, at, data) VALUES (?, ?, ?)');
    this.insertKey = db.prepare('INSERT OR IGNORE INTO journal_keys (key, message_id, received_at) VALUES (?, ?, ?)');
    this.selectKeys = db.prepare('SELECT key FROM journal_keys WHERE message_id = ? ORDER BY key').pluck();
    this.selectMessage = db.prepare('SELECT * FROM journal_messages WHERE id = ?');
    this.selectInitialStatus = db.prepare('SELECT initial_status FROM journal_messages WHERE id = ?').pluck();
    this.selectDestinations = db.prepare('SELECT destination, status, attempts FROM journal_destinations WHERE message_id = ? ORDER BY destination');
    this.selectHops = db.prepare('SELECT data FROM journal_hops WHERE message_id = ? ORDER BY seq').pluck();
    this.updateStatus = db.prepare('UPDATE journal_messages SET status = ? WHERE id = ?');
    this.appendTx = db.transaction((events: JournalEvent[]) => this.applyAll(events));
  }

  append(events: JournalEvent[]): void {
    if (events.length > 0) this.appendTx(events);
  }

  get(id: string): MessageHistory | null {
    const row = this.selectMessage.get(id) as MessageRow | undefined;
    if (!row) return null;
    const message = this.toMessage(row);
    const hops = (this.selectHops.all(id) as string[]).map((data) => JSON.parse(data) as Hop);
    return { message, hops: [...entryHops(message), ...hops] };
  }

  search(query: MessageSearch): Page<MessageSummary> {
    const limit = pageLimit(query.limit);
    const search = new SqliteSearch(limit)
      .filter('id = @id', 'id', query.id)
      .filter('correlation_id = @correlationId', 'correlationId', query.correlationId)
      .filter('id IN (SELECT k.message_id FROM journal_keys k WHERE k.key = @businessKey)', 'businessKey', query.businessKey)
      .filter('type = @type', 'type', query.type)
      .filter('status = @status', 'status', query.status)
      .filter('received_at >= @since', 'since', toIso(query.since, 'since'))
      .filter('received_at <= @until', 'until', toIso(query.until, 'until'))
      .filter(
        '(source = @system OR EXISTS (SELECT 1 FROM journal_destinations d WHERE d.message_id = journal_messages.id AND d.destination = @system))',
        'system',
        query.system,
      )
      .afterCursor('received_at', query.cursor);
    const sql = `SELECT ${SUMMARY_COLUMNS} FROM journal_messages ${search.where} ORDER BY received_at DESC, id DESC LIMIT @limit`;
    let statement = this.searchStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.searchStatements.set(sql, statement);
    }
    const page = pageOf(statement.all(search.params) as MessageRow[], limit, (row) => ({ at: row.received_at, id: row.id }));
    const items = page.rows.map((row) => {
      const { rawNative: _raw, canonical: _canonical, ...summary } = this.toMessage(row);
      return summary;
    });
    return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
  }

  waiting(): Record<string, { count: number; oldestReceivedAt: string }> {
    const rows = this.db
      .prepare(`SELECT d.destination AS destination, count(*) AS count, min(m.received_at) AS oldest FROM journal_destinations d
        JOIN journal_messages m ON m.id = d.message_id WHERE d.status IN ('pending', 'retrying') GROUP BY d.destination`)
      .all() as { destination: string; count: number; oldest: string }[];
    return Object.fromEntries(rows.map((r) => [r.destination, { count: r.count, oldestReceivedAt: r.oldest }]));
  }

  purge(cutoff: string): void {
    this.db.prepare('DELETE FROM journal_messages WHERE received_at < ?').run(cutoff);
    this.db.prepare('DELETE FROM journal_destinations WHERE updated_at < ?').run(cutoff);
    this.db.prepare('DELETE FROM journal_hops WHERE at < ?').run(cutoff);
    this.db.prepare('DELETE FROM journal_keys WHERE received_at < ?').run(cutoff);
  }

  private applyAll(events: JournalEvent[]): void {
    const touched = new Set<string>();
    const fold = foldableHops(events);
    events.forEach((event, i) => {
      if (event.kind === 'message') {
        const hops = fold.byMessage.get(i);
        if (hops ? this.applyMessageWithHops(event.message, hops) : this.applyMessage(event.message)) touched.add(event.message.id);
      } else if (!fold.folded.has(i)) {
        this.applyHop(event.messageId, event.hop);
        if (event.hop.destination) touched.add(event.messageId);
      }
    });
    for (const id of touched) {
      const initial = this.selectInitialStatus.get(id) as MessageRow['initial_status'] | undefined;
      // A hop may arrive before its message (another instance delivered it first); the status follows with the message.
      if (initial) this.updateStatus.run(deriveMessageStatus(initial, this.destinations(id)), id);
    }
  }

  /** Writes a message record; true when its status must be derived again (it has destination state already). */
  private applyMessage(m: JournalMessageInput): boolean {
    const row = messageRow(m, m.initialStatus);
    // The common case, a new message with new destinations, has its initial status: nothing to derive.
    let known = this.insertMessage.run(row).changes === 0;
    if (known) this.upsertMessage.run(row);
    for (const key of m.businessKeys ?? []) this.insertKey.run(key, m.id, m.receivedAt);
    for (const route of m.routes) if (this.insertDestination.run(m.id, route.destination, 'pending', 0, m.receivedAt).changes === 0) known = true;
    return known;
  }

  /**
   * A new message with the hops that follow it in the same batch (delivered within a flush of its receipt):
   * its destination rows are written once with their final state and the message with its final status,
   * instead of written pending and then updated per hop. Anything already there (the message, or a
   * destination a hop reached first from another instance) takes the general path; true when the status
   * must then be derived again.
   */
  private applyMessageWithHops(m: JournalMessageInput, hops: Hop[]): boolean {
    const states = foldedDestinations(m, hops);
    const row = messageRow(m, deriveMessageStatus(m.initialStatus, Object.fromEntries(states)));
    if (this.insertMessage.run(row).changes === 0) {
      this.applyMessage(m);
      for (const hop of hops) this.applyHop(m.id, hop);
      return true;
    }
    for (const key of m.businessKeys ?? []) this.insertKey.run(key, m.id, m.receivedAt);
    let derive = false;
    for (const [destination, state] of states) {
      if (this.insertDestination.run(m.id, destination, state.status, state.attempts, state.updatedAt).changes === 1) continue;
      derive = true;
      for (const hop of hops) if (hop.destination === destination) this.changeDestination(m.id, hop);
    }
    for (const hop of hops) this.insertHop.run(m.id, hop.at, JSON.stringify(hop));
    return derive;
  }

  private applyHop(messageId: string, hop: Hop): void {
    this.insertHop.run(messageId, hop.at, JSON.stringify(hop));
    this.changeDestination(messageId, hop);
  }

  private changeDestination(messageId: string, hop: Hop): void {
    const change = destinationChange(hop);
    if (!change) return;
    this.upsertDestination.run({
      messageId,
      destination: hop.destination,
      status: change.status ?? null,
      attempts: typeof change.attempts === 'number' ? change.attempts : null,
      inc: change.attempts === 'increment' ? 1 : 0,
      at: hop.at,
    });
  }

  private destinations(id: string): Record<string, DestinationState> {
    const out: Record<string, DestinationState> = {};
    for (const row of this.selectDestinations.all(id) as DestinationRow[]) out[row.destination] = { status: row.status, attempts: row.attempts };
    return out;
  }

  private toMessage(row: MessageRow): JournalMessage {
    const destinations = this.destinations(row.id);
    const message: JournalMessage = {
      id: row.id,
      type: row.type,
      source: row.source,
      correlationId: row.correlation_id,
      receivedAt: row.received_at,
      status: deriveMessageStatus(row.initial_status, destinations),
      routes: JSON.parse(row.routes) as JournalMessage['routes'],
      destinations,
    };
    const keys = this.selectKeys.all(row.id) as string[];
    if (keys.length) message.businessKeys = keys;
    if (row.causation_id) message.causationId = row.causation_id;
    if (row.config_version) message.configVersion = row.config_version;
    if (row.raw_native) message.rawNative = unpackRaw(row.raw_native);
    if (row.canonical) message.canonical = unpackCanonical(row.canonical);
    return message;
  }
}

function messageRow(m: JournalMessageInput, status: JournalMessage['status']) {
  return {
    id: m.id,
    type: m.type,
    source: m.source,
    correlationId: m.correlationId,
    causationId: m.causationId ?? null,
    configVersion: m.configVersion ?? null,
    receivedAt: m.receivedAt,
    initialStatus: m.initialStatus,
    status,
    rawNative: m.rawNative ? packRaw(m.rawNative) : null,
    canonical: packCanonicalOf(m),
    routes: JSON.stringify(m.routes),
  };
}

function packCanonicalOf(m: JournalMessageInput): string | Buffer | null {
  if (m.canonicalJson !== undefined) return packCanonical(m.canonicalJson);
  return m.canonical ? packCanonical(JSON.stringify(m.canonical)) : null;
}

/** The hops of a batch that follow their message's record in it, by the index of that record (its first, if repeated). */
function foldableHops(events: JournalEvent[]): { byMessage: Map<number, Hop[]>; folded: Set<number> } {
  const first = new Map<string, number>();
  const byMessage = new Map<number, Hop[]>();
  const folded = new Set<number>();
  events.forEach((event, i) => {
    if (event.kind === 'message') {
      if (!first.has(event.message.id)) first.set(event.message.id, i);
      return;
    }
    const at = first.get(event.messageId);
    if (at === undefined) return;
    const hops = byMessage.get(at);
    if (hops) hops.push(event.hop);
    else byMessage.set(at, [event.hop]);
    folded.add(i);
  });
  return { byMessage, folded };
}

/** A new message's destination states after `hops`, as the journal's upsert would leave them one hop at a time. */
function foldedDestinations(m: JournalMessageInput, hops: Hop[]): Map<string, DestinationState & { updatedAt: string }> {
  const states = new Map<string, DestinationState & { updatedAt: string }>();
  for (const route of m.routes) if (!states.has(route.destination)) states.set(route.destination, { status: 'pending', attempts: 0, updatedAt: m.receivedAt });
  for (const hop of hops) {
    const change = destinationChange(hop);
    if (change) states.set(hop.destination!, { ...applyDestinationChange(states.get(hop.destination!), change), updatedAt: hop.at });
  }
  return states;
}
