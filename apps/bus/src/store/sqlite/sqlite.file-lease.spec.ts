import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStore } from './sqlite.store';

describe('SqliteStore file leases', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bus-store-lease-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should add the lease columns to a store file made before them and take over the claim it left processing', async () => {
    const filename = join(dir, 'bus.sqlite');
    const old = new BetterSqlite3(filename);
    old.exec(`CREATE TABLE files (sha256 TEXT PRIMARY KEY, system TEXT NOT NULL, file_name TEXT NOT NULL, claimed_at TEXT NOT NULL,
      status TEXT NOT NULL, detail TEXT, completed_at TEXT) WITHOUT ROWID`);
    old.prepare(`INSERT INTO files VALUES ('abc', 'bridge', 'Master.csv', '2026-12-03T10:00:00.000Z', 'processing', NULL, NULL)`).run();
    old.close();

    const sut = new SqliteStore({ filename, purgeIntervalMs: 0 });

    expect(await sut.claimFileLease('abc', 'bridge', 'Master.csv', 'bus-a', 60_000)).toEqual({ outcome: 'resume' });
    expect(await sut.getFile('abc')).toMatchObject({ fileName: 'Master.csv', status: 'processing', owner: 'bus-a' });
    await sut.close();
  });

  it('should give a file to one of two bus instances sharing the store file', async () => {
    const filename = join(dir, 'bus.sqlite');
    const a = new SqliteStore({ filename, purgeIntervalMs: 0 });
    const b = new SqliteStore({ filename, purgeIntervalMs: 0 });

    const claims = await Promise.all([a.claimFileLease('f1', 'bridge', 'x.csv', 'bus-a', 60_000), b.claimFileLease('f1', 'bridge', 'x.csv', 'bus-b', 60_000)]);

    expect(claims.map((c) => c.outcome).sort()).toEqual(['busy', 'new']);
    await Promise.all([a.close(), b.close()]);
  });
});
