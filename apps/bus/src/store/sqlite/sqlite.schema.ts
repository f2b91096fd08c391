import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';

/**
 * The embedded store's schema, created on open. Times are ISO-8601 strings, which sort in time
 * order as text. Small-row tables keyed by text are WITHOUT ROWID (the key is the only lookup
 * path, so a second b-tree would be wasted); tables with large rows (raw payloads, envelopes,
 * job data) keep their rowid, as SQLite advises for rows that are not small.
 */

/** The message journal: in its own file next to the store's, written by its own thread (sqlite.journal-thread.ts). */
export const JOURNAL_SCHEMA = `
CREATE TABLE IF NOT EXISTS journal_messages (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  source TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  causation_id TEXT,
  config_version TEXT,
  received_at TEXT NOT NULL,
  initial_status TEXT NOT NULL,
  status TEXT NOT NULL,
  raw_native TEXT,
  canonical TEXT,
  routes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_jm_received ON journal_messages (received_at, id);
CREATE INDEX IF NOT EXISTS ix_jm_correlation ON journal_messages (correlation_id, received_at);
-- No (source, received_at) index: the search by system matches the source or a destination, which SQLite answers
-- by walking ix_jm_received, so that index was written on every message and never read.
DROP INDEX IF EXISTS ix_jm_source;
CREATE INDEX IF NOT EXISTS ix_jm_type ON journal_messages (type, received_at);
CREATE INDEX IF NOT EXISTS ix_jm_status ON journal_messages (status, received_at);

CREATE TABLE IF NOT EXISTS journal_destinations (
  message_id TEXT NOT NULL,
  destination TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (message_id, destination)
) WITHOUT ROWID;
-- No (destination, message_id) index: every query reaches a message's destinations by the key, and
-- "waiting per destination" by ix_jd_waiting; files of earlier versions lose theirs here.
DROP INDEX IF EXISTS ix_jd_destination;
CREATE INDEX IF NOT EXISTS ix_jd_updated ON journal_destinations (updated_at);
-- Partial: it holds the backlog only (a row leaves it when delivered), not every row ever written. The full
-- (status, destination) index it replaces cost the journal thread about 8 µs a message (docs/benchmarks.md).
DROP INDEX IF EXISTS ix_jd_status;
CREATE INDEX IF NOT EXISTS ix_jd_waiting ON journal_destinations (destination) WHERE status IN ('pending', 'retrying');

-- Business key values (booking ref, customer id) of each message, for "everything about booking 123".
CREATE TABLE IF NOT EXISTS journal_keys (
  key TEXT NOT NULL,
  message_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (key, message_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_jk_message ON journal_keys (message_id);
CREATE INDEX IF NOT EXISTS ix_jk_received ON journal_keys (received_at);

CREATE TABLE IF NOT EXISTS journal_hops (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL,
  at TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_jh_message ON journal_hops (message_id, seq);
CREATE INDEX IF NOT EXISTS ix_jh_at ON journal_hops (at);
`;

/** Everything else: the store's id, the idempotency ledger, dead letters, cross-references, file and job state, locks. */
export const STORE_SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  message_id TEXT NOT NULL,
  destination TEXT NOT NULL,
  delivered_at TEXT NOT NULL,
  receipt TEXT,
  PRIMARY KEY (message_id, destination)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_deliveries_at ON deliveries (delivered_at);

CREATE TABLE IF NOT EXISTS delivery_claims (
  message_id TEXT NOT NULL,
  destination TEXT NOT NULL,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (message_id, destination)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS ingress_keys (
  system TEXT NOT NULL,
  key TEXT NOT NULL,
  message_id TEXT NOT NULL,
  claimed_at TEXT NOT NULL,
  correlation_id TEXT,
  state TEXT NOT NULL DEFAULT 'confirmed',
  PRIMARY KEY (system, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_ingress_claimed ON ingress_keys (claimed_at);

CREATE TABLE IF NOT EXISTS audit_trail (
  id TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_audit_at ON audit_trail (at, id);

CREATE TABLE IF NOT EXISTS dead_letters (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL,
  destination TEXT NOT NULL,
  type TEXT NOT NULL,
  source TEXT NOT NULL,
  error_code TEXT NOT NULL,
  error_message TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  at TEXT NOT NULL,
  envelope TEXT NOT NULL,
  headers TEXT,
  state TEXT NOT NULL,
  reason TEXT,
  resolved_at TEXT,
  claimed_by TEXT,
  claimed_at TEXT
);
CREATE INDEX IF NOT EXISTS ix_dl_state ON dead_letters (state, at, id);
CREATE INDEX IF NOT EXISTS ix_dl_destination ON dead_letters (destination, at);
CREATE INDEX IF NOT EXISTS ix_dl_message ON dead_letters (message_id);

CREATE TABLE IF NOT EXISTS xrefs (
  entity TEXT NOT NULL,
  system TEXT NOT NULL,
  canonical_id TEXT NOT NULL,
  native_id TEXT NOT NULL,
  linked_at TEXT NOT NULL,
  PRIMARY KEY (entity, system, canonical_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS ux_xrefs_native ON xrefs (entity, system, native_id);

CREATE TABLE IF NOT EXISTS files (
  sha256 TEXT PRIMARY KEY,
  system TEXT NOT NULL,
  file_name TEXT NOT NULL,
  claimed_at TEXT NOT NULL,
  status TEXT NOT NULL,
  detail TEXT,
  completed_at TEXT,
  owner TEXT,
  lease_until INTEGER,
  checkpoint TEXT
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS job_runs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_job_runs_name ON job_runs (name, started_at);

CREATE TABLE IF NOT EXISTS job_items (
  run_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  printed INTEGER NOT NULL DEFAULT 0,
  emailed INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  detail TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (run_id, item_key)
) WITHOUT ROWID;

-- One row per effect a job cannot undo (a print, an e-mail): written 'started' before it, 'done' after.
CREATE TABLE IF NOT EXISTS job_effects (
  job TEXT NOT NULL,
  run_key TEXT NOT NULL,
  recipient TEXT NOT NULL,
  effect TEXT NOT NULL,
  state TEXT NOT NULL,
  target TEXT NOT NULL,
  pass INTEGER NOT NULL,
  owner TEXT,
  detail TEXT,
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (job, run_key, recipient, effect)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_job_effects_state ON job_effects (job, state, run_key);

CREATE TABLE IF NOT EXISTS kv (
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  expires_at INTEGER,
  PRIMARY KEY (namespace, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS store_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS config_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  version TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  applied_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  trigger TEXT NOT NULL,
  previous_version TEXT
);
CREATE INDEX IF NOT EXISTS ix_config_history_version ON config_history (version, seq);

CREATE TABLE IF NOT EXISTS config_versions (
  version TEXT PRIMARY KEY,
  files TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS locks (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * Columns added after a table first shipped: added to an existing file when it lacks them. An ingress
 * claim written before `state` existed was only kept once its publish was confirmed (or in flight),
 * hence its default.
 */
const ADDED_COLUMNS: Array<{ table: string; column: string; type: string }> = [
  { table: 'ingress_keys', column: 'correlation_id', type: 'TEXT' },
  { table: 'ingress_keys', column: 'state', type: "TEXT NOT NULL DEFAULT 'confirmed'" },
  { table: 'dead_letters', column: 'claimed_by', type: 'TEXT' },
  { table: 'dead_letters', column: 'claimed_at', type: 'TEXT' },
  { table: 'files', column: 'owner', type: 'TEXT' },
  { table: 'files', column: 'lease_until', type: 'INTEGER' },
  { table: 'files', column: 'checkpoint', type: 'TEXT' },
];

/** Brings a store file made by an older version up to STORE_SCHEMA. */
export function migrateStore(db: Database): void {
  // IMMEDIATE: instances opening one old file at once must not both see a column missing and both add it.
  db.transaction(() => {
    for (const { table, column, type } of ADDED_COLUMNS) {
      const columns = db.pragma(`table_info(${table})`) as Array<{ name: string }>;
      if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
  }).immediate();
}

/**
 * Opens a file (or `:memory:`) with the settings every connection of the embedded store uses.
 * WAL with synchronous=NORMAL: a commit survives a crash of the process; only an OS crash may
 * lose the last commits. Several connections (threads, bus instances) may share a file; a writer
 * waits up to 5 s for another's transaction instead of failing.
 */
export function openDatabase(filename: string, schema: string): Database {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const db = new BetterSqlite3(filename);
  db.pragma('busy_timeout = 5000');
  // SQLite does not always call the busy handler for these (connections opening one new file at once
  // race for the WAL switch and the first schema write), so they are retried here, with the same 5 s.
  retryWhileBusy(() => db.pragma('journal_mode = WAL'));
  db.pragma('synchronous = NORMAL');
  retryWhileBusy(() => db.exec(schema));
  return db;
}

const BUSY_WAIT_MS = 5000;
const pause = new Int32Array(new SharedArrayBuffer(4));

function retryWhileBusy<T>(step: () => T): T {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    try {
      return step();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      // Opening is synchronous (a constructor), so the pause is too; jittered so racers spread out.
      Atomics.wait(pause, 0, 0, 5 + Math.random() * 20);
    }
  }
}
