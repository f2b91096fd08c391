import type { Database } from 'better-sqlite3';
import type { FileCheckpoint, FileLease, FileRecord } from '../store.types';

interface LeaseRow {
  status: string;
  owner: string | null;
  lease_until: number | null;
  checkpoint: string | null;
}

/**
 * The file lease operations of the embedded store. Each runs in an IMMEDIATE transaction, so two bus
 * instances sharing the file cannot both see a claim free: the second waits for the first's write lock.
 */
export class SqliteFileLeases {
  constructor(private readonly db: Database) {}

  claim(sha256: string, system: string, fileName: string, owner: string, leaseMs: number): FileLease {
    return this.db
      .transaction((): FileLease => {
        const now = Date.now();
        const row = this.db.prepare('SELECT status, owner, lease_until, checkpoint FROM files WHERE sha256 = ?').get(sha256) as LeaseRow | undefined;
        if (!row) {
          this.db
            .prepare(`INSERT INTO files (sha256, system, file_name, claimed_at, status, owner, lease_until) VALUES (?, ?, ?, ?, 'processing', ?, ?)`)
            .run(sha256, system, fileName, new Date(now).toISOString(), owner, now + leaseMs);
          return { outcome: 'new' };
        }
        if (row.status !== 'processing') return { outcome: 'done' };
        // A claim without a lease was left by a reader that did not keep one (or released it): free.
        if (row.owner && row.owner !== owner && (row.lease_until ?? 0) > now) return { outcome: 'busy', owner: row.owner };
        this.db.prepare('UPDATE files SET owner = ?, lease_until = ? WHERE sha256 = ?').run(owner, now + leaseMs, sha256);
        return row.checkpoint ? { outcome: 'resume', checkpoint: JSON.parse(row.checkpoint) as FileCheckpoint } : { outcome: 'resume' };
      })
      .immediate();
  }

  save(sha256: string, owner: string, leaseMs: number, checkpoint: FileCheckpoint | undefined): boolean {
    const leaseUntil = Date.now() + leaseMs;
    const changed =
      checkpoint === undefined
        ? this.db.prepare(`UPDATE files SET lease_until = ? WHERE sha256 = ? AND owner = ? AND status = 'processing'`).run(leaseUntil, sha256, owner)
        : this.db
            .prepare(`UPDATE files SET lease_until = ?, checkpoint = ? WHERE sha256 = ? AND owner = ? AND status = 'processing'`)
            .run(leaseUntil, JSON.stringify(checkpoint), sha256, owner);
    return changed.changes === 1;
  }

  release(sha256: string, owner: string): void {
    this.db.prepare(`UPDATE files SET owner = NULL, lease_until = NULL WHERE sha256 = ? AND owner = ? AND status = 'processing'`).run(sha256, owner);
  }
}

export interface FileRow {
  sha256: string;
  system: string;
  file_name: string;
  claimed_at: string;
  status: FileRecord['status'];
  detail: string | null;
  completed_at: string | null;
  owner: string | null;
  lease_until: number | null;
  checkpoint: string | null;
}

export function toFileRecord(row: FileRow): FileRecord {
  const record: FileRecord = { sha256: row.sha256, system: row.system, fileName: row.file_name, claimedAt: row.claimed_at, status: row.status };
  if (row.detail !== null) record.detail = row.detail;
  if (row.completed_at !== null) record.completedAt = row.completed_at;
  if (row.owner !== null) record.owner = row.owner;
  if (row.lease_until !== null) record.leaseUntil = new Date(row.lease_until).toISOString();
  if (row.checkpoint !== null) record.checkpoint = JSON.parse(row.checkpoint) as FileCheckpoint;
  return record;
}
