import { randomUUID } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { DEFAULT_RETENTION_MS, toIso, type BusStore, type StoreOptions } from '../bus-store';
import type * as T from '../store.types';
import { isoNow } from '../../common/iso-now';
import { JOURNAL_SCHEMA, STORE_SCHEMA, migrateStore, openDatabase } from './sqlite.schema';
import { SqliteDeadLetters } from './sqlite.dead-letters';
import { SqliteFileLeases, toFileRecord, type FileRow } from './sqlite.file-lease';
import { SqliteJournal } from './sqlite.journal';
import { JournalThread } from './sqlite.journal-thread';
import { GroupCommit } from './sqlite.group-commit';
import { SqliteJobEffects } from './sqlite.job-effects';
import { SqliteConfigHistory } from './sqlite.config-history';
import { SqliteAudit } from './sqlite.audit';
import type { AuditEntry, AuditInput, AuditSearch, WaitingMessages } from '../console.types';

export interface SqliteStoreOptions extends StoreOptions {
  /** A file path, or `:memory:` for tests. */
  filename: string;
  /** Called when a scheduled purge fails; the store keeps running. */
  onPurgeError?: (err: unknown) => void;
}

interface JobItemRow { run_id: string; item_key: string; printed: number; emailed: number; failed: number; detail: string | null; updated_at: string }

/**
 * The embedded store: SQLite files through better-sqlite3, so the bus runs with RabbitMQ alone.
 * A commit survives a crash of the process (what the idempotency ledger needs between a
 * destination's 2xx and the broker ack). The journal has a file of its own (`<name>.journal.sqlite`)
 * written by a thread of its own, so its writes cost the event loop one message post per batch;
 * reads of it (admin) and everything else run here, synchronously inside the async signatures.
 * `:memory:` (tests) keeps the journal in the one database and writes it in this thread, as an
 * in-memory database cannot be shared with another thread.
 */
export class SqliteStore implements BusStore {
  readonly kind = 'sqlite';
  private readonly db: Database;
  /** Reads the journal; writes it too for `:memory:`. */
  private readonly journal: SqliteJournal;
  private readonly journalDb?: Database;
  private readonly journalWriter?: JournalThread;
  /** Hot-path writes (claims, delivery records, job ledger and item marks) share one transaction per event-loop turn. */
  private readonly commits: GroupCommit;
  private readonly deadLetters: SqliteDeadLetters;
  private readonly fileLeases: SqliteFileLeases;
  private readonly statements = new Map<string, Statement>();
  private readonly effects = new SqliteJobEffects((sql) => this.stmt(sql));
  private readonly configHistory = new SqliteConfigHistory((sql) => this.stmt(sql), (fn) => this.db.transaction(fn)());
  private readonly audit = new SqliteAudit((sql) => this.stmt(sql));
  private readonly purgeTimer?: NodeJS.Timeout;
  private readonly id: string;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    if (options.filename === ':memory:') {
      this.db = openDatabase(options.filename, STORE_SCHEMA + JOURNAL_SCHEMA);
      this.journal = new SqliteJournal(this.db);
    } else {
      this.db = openDatabase(options.filename, STORE_SCHEMA);
      const journalFile = journalFileOf(options.filename);
      this.journalDb = openDatabase(journalFile, JOURNAL_SCHEMA);
      this.journal = new SqliteJournal(this.journalDb);
      this.journalWriter = new JournalThread(journalFile);
    }
    migrateStore(this.db);
    this.commits = new GroupCommit(this.db);
    // First writer wins: another process opening the same new file at the same moment reads the same id.
    this.stmt(`INSERT OR IGNORE INTO store_meta (key, value) VALUES ('store_id', ?)`).run(randomUUID());
    this.id = this.stmt(`SELECT value FROM store_meta WHERE key = 'store_id'`).pluck().get() as string;
    this.deadLetters = new SqliteDeadLetters((sql) => this.stmt(sql));
    this.fileLeases = new SqliteFileLeases(this.db);
    const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    const intervalMs = options.purgeIntervalMs ?? 60 * 60 * 1000;
    if (intervalMs > 0) {
      this.purgeTimer = setInterval(() => {
        this.purgeOlderThan(new Date(Date.now() - retentionMs)).catch((err) => options.onPurgeError?.(err));
      }, intervalMs);
      this.purgeTimer.unref();
    }
  }

  async storeId(): Promise<string> {
    return this.id;
  }

  async appendEvents(events: T.JournalEvent[]): Promise<void> {
    if (this.journalWriter) await this.journalWriter.append(events);
    else this.journal.append(events);
  }

  async getMessage(id: string): Promise<T.MessageHistory | null> {
    return this.journal.get(id);
  }

  async searchMessages(query: T.MessageSearch): Promise<T.Page<T.MessageSummary>> {
    return this.journal.search(query);
  }

  async isDelivered(messageId: string, destination: string): Promise<boolean> {
    return this.stmt('SELECT 1 FROM deliveries WHERE message_id = ? AND destination = ?').get(messageId, destination) !== undefined;
  }

  async recordDelivered(messageId: string, destination: string, receipt?: T.DeliveryRecordReceipt): Promise<void> {
    await this.commits.write(() => {
      this.stmt('INSERT OR IGNORE INTO deliveries (message_id, destination, delivered_at, receipt) VALUES (?, ?, ?, ?)')
        .run(messageId, destination, isoNow(), receipt ? JSON.stringify(receipt) : null);
      this.stmt('DELETE FROM delivery_claims WHERE message_id = ? AND destination = ?').run(messageId, destination);
    });
  }

  claimDelivery(messageId: string, destination: string, owner: string, ttlMs: number): Promise<T.DeliveryClaim> {
    return this.commits.write((): T.DeliveryClaim => {
      const at = Date.now();
      // Writes before reads: the write lock is taken first, so no other connection changes the pair in between.
      const won = this.stmt(`INSERT INTO delivery_claims (message_id, destination, owner, expires_at) VALUES (@messageId, @destination, @owner, @expiresAt)
        ON CONFLICT (message_id, destination) DO UPDATE SET owner = @owner, expires_at = @expiresAt
        WHERE delivery_claims.owner = @owner OR delivery_claims.expires_at <= @now`)
        .run({ messageId, destination, owner, expiresAt: at + ttlMs, now: at }).changes === 1;
      if (this.stmt('SELECT 1 FROM deliveries WHERE message_id = ? AND destination = ?').get(messageId, destination) !== undefined) {
        if (won) this.stmt('DELETE FROM delivery_claims WHERE message_id = ? AND destination = ? AND owner = ?').run(messageId, destination, owner);
        return { state: 'delivered' };
      }
      if (won) return { state: 'claimed', expiresAt: at + ttlMs };
      const holder = this.stmt('SELECT owner, expires_at FROM delivery_claims WHERE message_id = ? AND destination = ?').get(messageId, destination) as { owner: string; expires_at: number };
      return { state: 'held', owner: holder.owner, expiresAt: holder.expires_at };
    });
  }

  async releaseDelivery(messageId: string, destination: string, owner: string): Promise<void> {
    await this.commits.write(() => this.stmt('DELETE FROM delivery_claims WHERE message_id = ? AND destination = ? AND owner = ?').run(messageId, destination, owner));
  }

  claimIngressKey(system: string, key: string, messageId: string, correlationId?: string): Promise<T.IngressClaim> {
    return this.commits.write((): T.IngressClaim => {
      const inserted = this.stmt(`INSERT OR IGNORE INTO ingress_keys (system, key, message_id, correlation_id, state, claimed_at) VALUES (?, ?, ?, ?, 'claimed', ?)`)
        .run(system, key, messageId, correlationId ?? null, isoNow()).changes === 1;
      if (inserted) return compact({ messageId, correlationId, duplicate: false, state: 'claimed' as const });
      const holder = this.stmt('SELECT message_id, correlation_id, state FROM ingress_keys WHERE system = ? AND key = ?').get(system, key) as {
        message_id: string; correlation_id: string | null; state: T.IngressClaimState;
      };
      return compact({ messageId: holder.message_id, correlationId: holder.correlation_id, duplicate: holder.message_id !== messageId, state: holder.state });
    });
  }

  async confirmIngressKey(system: string, key: string, messageId: string): Promise<void> {
    await this.commits.write(() =>
      this.stmt(`UPDATE ingress_keys SET state = 'confirmed' WHERE system = ? AND key = ? AND message_id = ?`).run(system, key, messageId),
    );
  }

  async releaseIngressKey(system: string, key: string, messageId?: string): Promise<void> {
    if (messageId) this.stmt('DELETE FROM ingress_keys WHERE system = ? AND key = ? AND message_id = ?').run(system, key, messageId);
    else this.stmt('DELETE FROM ingress_keys WHERE system = ? AND key = ?').run(system, key);
  }

  async recordDeadLetter(input: T.DeadLetterInput): Promise<T.DeadLetter> {
    return this.deadLetters.record(input);
  }

  async listDeadLetters(query: T.DeadLetterSearch): Promise<T.Page<T.DeadLetter>> {
    return this.deadLetters.list(query);
  }

  async getDeadLetter(id: string): Promise<T.DeadLetter | null> {
    return this.deadLetters.get(id);
  }

  async getDeadLetters(ids: readonly string[]): Promise<T.DeadLetter[]> {
    return this.deadLetters.getMany(ids);
  }

  async markDeadLetter(id: string, state: 'replayed' | 'discarded', reason?: string): Promise<boolean> {
    return this.deadLetters.mark(id, state, reason);
  }

  async claimDeadLetter(id: string, owner: string, leaseMs: number): Promise<T.DeadLetterClaim> {
    return this.deadLetters.claim(id, owner, leaseMs);
  }

  async completeDeadLetterClaim(id: string, owner: string): Promise<boolean> {
    return this.deadLetters.complete(id, owner);
  }

  async releaseDeadLetterClaim(id: string, owner: string, reason: string): Promise<boolean> {
    return this.deadLetters.release(id, owner, reason);
  }

  async releaseStaleDeadLetterClaims(olderThan: T.TimeInput, reason: string): Promise<number> {
    return this.deadLetters.releaseStale(olderThan, reason);
  }

  async countOpenDeadLetters(): Promise<Record<string, number>> {
    return this.deadLetters.countOpen();
  }

  async linkXref(entity: string, canonicalId: string, system: string, nativeId: string): Promise<boolean> {
    return this.stmt('INSERT OR IGNORE INTO xrefs (entity, system, canonical_id, native_id, linked_at) VALUES (?, ?, ?, ?, ?)')
      .run(entity, system, canonicalId, nativeId, isoNow()).changes === 1;
  }

  async findNativeId(entity: string, canonicalId: string, system: string): Promise<string | null> {
    return (this.stmt('SELECT native_id FROM xrefs WHERE entity = ? AND system = ? AND canonical_id = ?').pluck().get(entity, system, canonicalId) as string) ?? null;
  }

  async findCanonicalId(entity: string, system: string, nativeId: string): Promise<string | null> {
    return (this.stmt('SELECT canonical_id FROM xrefs WHERE entity = ? AND system = ? AND native_id = ?').pluck().get(entity, system, nativeId) as string) ?? null;
  }

  async claimFile(sha256: string, system: string, fileName: string): Promise<boolean> {
    return this.stmt(`INSERT OR IGNORE INTO files (sha256, system, file_name, claimed_at, status) VALUES (?, ?, ?, ?, 'processing')`)
      .run(sha256, system, fileName, isoNow()).changes === 1;
  }

  async completeFile(sha256: string, outcome: T.FileOutcome, detail?: string): Promise<void> {
    this.stmt('UPDATE files SET status = ?, detail = ?, completed_at = ?, owner = NULL, lease_until = NULL, checkpoint = NULL WHERE sha256 = ?').run(outcome, detail ?? null, isoNow(), sha256);
  }

  async getFile(sha256: string): Promise<T.FileRecord | null> {
    const row = this.stmt('SELECT * FROM files WHERE sha256 = ?').get(sha256) as FileRow | undefined;
    return row ? toFileRecord(row) : null;
  }

  async claimFileLease(sha256: string, system: string, fileName: string, owner: string, leaseMs: number): Promise<T.FileLease> {
    return this.fileLeases.claim(sha256, system, fileName, owner, leaseMs);
  }

  async saveFileCheckpoint(sha256: string, owner: string, leaseMs: number, checkpoint?: T.FileCheckpoint): Promise<boolean> {
    return this.fileLeases.save(sha256, owner, leaseMs, checkpoint);
  }

  async releaseFileLease(sha256: string, owner: string): Promise<void> {
    this.fileLeases.release(sha256, owner);
  }

  async releaseFile(sha256: string): Promise<void> {
    this.stmt('DELETE FROM files WHERE sha256 = ?').run(sha256);
  }

  async saveJobRun(run: T.JobRun): Promise<void> {
    this.stmt(`INSERT INTO job_runs (id, name, state, started_at, finished_at, data) VALUES (@id, @name, @state, @startedAt, @finishedAt, @data)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, state = excluded.state, started_at = excluded.started_at,
        finished_at = excluded.finished_at, data = excluded.data`)
      .run({ id: run.id, name: run.name, state: run.state, startedAt: run.startedAt, finishedAt: run.finishedAt ?? null, data: JSON.stringify(run) });
  }

  async getJobRun(id: string): Promise<T.JobRun | null> {
    const data = this.stmt('SELECT data FROM job_runs WHERE id = ?').pluck().get(id) as string | undefined;
    return data ? (JSON.parse(data) as T.JobRun) : null;
  }

  async latestJobRun(name: string): Promise<T.JobRun | null> {
    const data = this.stmt('SELECT data FROM job_runs WHERE name = ? ORDER BY started_at DESC, id DESC LIMIT 1').pluck().get(name) as string | undefined;
    return data ? (JSON.parse(data) as T.JobRun) : null;
  }

  async markJobItem(runId: string, itemKey: string, step: T.JobItemStep, detail?: string): Promise<void> {
    // A success clears an earlier failure (a retried item); a failure keeps what already succeeded.
    const column = step === 'printed' ? 'printed = 1, failed = 0' : step === 'emailed' ? 'emailed = 1, failed = 0' : 'failed = 1';
    await this.commits.write(() => this.stmt(`INSERT INTO job_items (run_id, item_key, printed, emailed, failed, detail, updated_at) VALUES (@runId, @itemKey, @printed, @emailed, @failed, @detail, @at)
      ON CONFLICT (run_id, item_key) DO UPDATE SET ${column}, detail = coalesce(@detail, detail), updated_at = @at`).run({
      runId, itemKey, printed: step === 'printed' ? 1 : 0, emailed: step === 'emailed' ? 1 : 0, failed: step === 'failed' ? 1 : 0, detail: detail ?? null, at: isoNow(),
    }));
  }

  async jobItems(runId: string, filter: T.JobItemFilter = {}): Promise<T.JobItem[]> {
    const failed = filter.failed === undefined ? null : filter.failed ? 1 : 0;
    const rows = this.stmt('SELECT * FROM job_items WHERE run_id = ? AND (? IS NULL OR failed = ?) ORDER BY item_key').all(runId, failed, failed) as JobItemRow[];
    return rows.map((r) =>
      compact({ runId: r.run_id, itemKey: r.item_key, printed: r.printed === 1, emailed: r.emailed === 1, failed: r.failed === 1, detail: r.detail, updatedAt: r.updated_at }),
    );
  }

  async jobItemCounts(runId: string): Promise<T.JobItemCounts> {
    const row = this.stmt(`SELECT count(*) AS total, coalesce(sum(printed), 0) AS printed, coalesce(sum(emailed), 0) AS emailed, coalesce(sum(failed), 0) AS failed
      FROM job_items WHERE run_id = ?`).get(runId) as T.JobItemCounts;
    return { ...row };
  }

  async tryAcquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const at = Date.now();
    // One statement, so two instances sharing the file cannot both see the lock free.
    return this.stmt(`INSERT INTO locks (name, owner, expires_at) VALUES (@name, @owner, @expiresAt)
      ON CONFLICT (name) DO UPDATE SET owner = @owner, expires_at = @expiresAt WHERE locks.owner = @owner OR locks.expires_at <= @now`)
      .run({ name, owner, expiresAt: at + ttlMs, now: at }).changes === 1;
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    this.stmt('DELETE FROM locks WHERE name = ? AND owner = ?').run(name, owner);
  }

  // The ledger and the item marks are written per letter, several times each: they share the hot path's group commit.
  claimJobEffect(key: T.JobEffectKey, start: T.JobEffectStart): Promise<T.JobEffectClaim> {
    return this.commits.write(() => this.effects.claim(key, start));
  }

  transitionJobEffect(key: T.JobEffectKey, from: readonly T.JobEffectState[], to: T.JobEffectState, detail?: string, owner?: string): Promise<boolean> {
    return this.commits.write(() => this.effects.transition(key, from, to, detail, owner));
  }

  async listJobEffects(job: string, search?: T.JobEffectSearch): Promise<T.JobEffect[]> {
    return this.effects.list(job, search);
  }

  async jobEffectCounts(job: string, runKey?: string): Promise<T.JobEffectCounts> {
    return this.effects.counts(job, runKey);
  }

  async waitingByDestination(): Promise<Record<string, WaitingMessages>> {
    return this.journal.waiting();
  }

  async recordAudit(entry: AuditInput): Promise<AuditEntry> {
    return this.audit.record(entry);
  }

  async listAudit(query: AuditSearch): Promise<T.Page<AuditEntry>> {
    return this.audit.list(query);
  }

  async getValue<V = unknown>(namespace: string, key: string): Promise<V | null> {
    const value = this.stmt('SELECT value FROM kv WHERE namespace = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)').pluck().get(namespace, key, Date.now()) as string | undefined;
    return value === undefined ? null : (JSON.parse(value) as V);
  }

  async setValue(namespace: string, key: string, value: unknown, ttlMs?: number): Promise<void> {
    this.stmt('INSERT INTO kv (namespace, key, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at')
      .run(namespace, key, JSON.stringify(value ?? null), ttlMs === undefined ? null : Date.now() + ttlMs);
  }

  async deleteValue(namespace: string, key: string): Promise<void> {
    this.stmt('DELETE FROM kv WHERE namespace = ? AND key = ?').run(namespace, key);
  }

  async listValues<V = unknown>(namespace: string): Promise<Array<{ key: string; value: V }>> {
    const rows = this.stmt('SELECT key, value FROM kv WHERE namespace = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key').all(namespace, Date.now()) as { key: string; value: string }[];
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as V }));
  }

  async recordConfigVersion(entry: T.ConfigHistoryEntry, files: Record<string, string>): Promise<void> {
    this.configHistory.record(entry, files);
  }

  async listConfigHistory(search?: T.ConfigHistorySearch): Promise<T.Page<T.ConfigHistoryEntry>> {
    return this.configHistory.list(search);
  }

  async getConfigVersion(version: string): Promise<T.ConfigVersionRecord | null> {
    return this.configHistory.get(version);
  }

  async purgeOlderThan(date: T.TimeInput): Promise<void> {
    const cutoff = toIso(date, 'date')!;
    if (this.journalWriter) await this.journalWriter.purge(cutoff);
    this.db.transaction(() => {
      if (!this.journalWriter) this.journal.purge(cutoff);
      this.stmt('DELETE FROM deliveries WHERE delivered_at < ?').run(cutoff);
      this.stmt('DELETE FROM ingress_keys WHERE claimed_at < ?').run(cutoff);
      this.stmt('DELETE FROM delivery_claims WHERE expires_at < ?').run(Date.parse(cutoff));
      this.stmt(`DELETE FROM dead_letters WHERE state <> 'dead' AND resolved_at < ?`).run(cutoff);
      this.stmt(`DELETE FROM job_items WHERE run_id IN (SELECT id FROM job_runs WHERE state <> 'running' AND started_at < ?)`).run(cutoff);
      this.stmt(`DELETE FROM job_runs WHERE state <> 'running' AND started_at < ?`).run(cutoff);
      this.effects.purge(cutoff);
      this.stmt('DELETE FROM kv WHERE expires_at <= ?').run(Date.now());
    })();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.commits.flush();
    this.db.close();
    try {
      await this.journalWriter?.close();
    } finally {
      this.journalDb?.close();
    }
  }

  /** Prepared once per SQL text. */
  private stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** `data/bus.sqlite` -> `data/bus.journal.sqlite`. */
function journalFileOf(filename: string): string {
  const ext = extname(filename);
  return join(dirname(filename), `${basename(filename, ext)}.journal${ext || '.sqlite'}`);
}


/** Drops null fields, so both stores answer with the same shapes. */
function compact<R extends object>(record: R): { [K in keyof R]: Exclude<R[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value !== null) out[key] = value;
  return out as { [K in keyof R]: Exclude<R[K], null> };
}
