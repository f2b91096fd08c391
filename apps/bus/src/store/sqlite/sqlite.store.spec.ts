import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { runStoreContract } from '../store.contract';
import { message } from '../store.fixtures';
import { SqliteStore } from './sqlite.store';

runStoreContract('sqlite (:memory:)', async () => new SqliteStore({ filename: ':memory:', purgeIntervalMs: 0 }));

// The file store as the bus runs it: the journal in its own file, written by its own thread.
const shared = mkdtempSync(join(tmpdir(), 'bus-store-contract-'));
afterAll(() => rmSync(shared, { recursive: true, force: true }));
runStoreContract(
  'sqlite (file)',
  async () => new SqliteStore({ filename: join(shared, 'bus.sqlite'), purgeIntervalMs: 0 }),
  describe,
  async (location) => new SqliteStore({ filename: join(shared, location, 'bus.sqlite'), purgeIntervalMs: 0 }),
);

describe(SqliteStore.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bus-store-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('should create its file and folder and keep the ledger across a reopen', async () => {
    const filename = join(dir, 'data', 'bus.sqlite');
    const sut = new SqliteStore({ filename, purgeIntervalMs: 0 });
    await sut.recordDelivered('m1', 'billing');
    await sut.close();
    expect(existsSync(filename)).toBe(true);
    const reopened = new SqliteStore({ filename, purgeIntervalMs: 0 });
    expect(await reopened.isDelivered('m1', 'billing')).toBe(true);
    await reopened.close();
  });

  it('should keep the journal in its own file across a reopen', async () => {
    const filename = join(dir, 'bus.sqlite');
    const m = message();
    const sut = new SqliteStore({ filename, purgeIntervalMs: 0 });
    await sut.appendEvents([{ kind: 'message', message: m }]);
    await sut.close();
    expect(existsSync(join(dir, 'bus.journal.sqlite'))).toBe(true);
    const reopened = new SqliteStore({ filename, purgeIntervalMs: 0 });
    expect((await reopened.getMessage(m.id))?.message.id).toBe(m.id);
    await reopened.close();
  });

  it('should see a claim made through another connection to the same file', async () => {
    const filename = join(dir, 'bus.sqlite');
    const a = new SqliteStore({ filename, purgeIntervalMs: 0 });
    const b = new SqliteStore({ filename, purgeIntervalMs: 0 });
    expect((await a.claimIngressKey('sales', 'k', 'm1')).duplicate).toBe(false);
    expect(await b.claimIngressKey('sales', 'k', 'm2')).toEqual({ messageId: 'm1', duplicate: true, state: 'claimed' });
    expect((await a.claimDelivery('m1', 'billing', 'a', 60_000)).state).toBe('claimed');
    expect(await b.claimDelivery('m1', 'billing', 'b', 60_000)).toMatchObject({ state: 'held', owner: 'a' });
    expect(await a.tryAcquireLock('job', 'a', 60_000)).toBe(true);
    expect(await b.tryAcquireLock('job', 'b', 60_000)).toBe(false);
    await Promise.all([a.close(), b.close()]);
  });

  it('should agree on one store id when threads with connections of their own open a new file at once', async () => {
    const filename = join(dir, 'race', 'bus.sqlite');
    // Each thread loads the store and waits for the go, so the first opens really overlap.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { SqliteStore } = require(workerData.module);
      parentPort.once('message', async () => {
        const store = new SqliteStore({ filename: workerData.filename, purgeIntervalMs: 0 });
        const id = await store.storeId();
        await store.close();
        parentPort.postMessage(id);
      });
      parentPort.postMessage('loaded');`;
    const workers = [1, 2, 3, 4].map(
      () => new Worker(code, { eval: true, workerData: { filename, module: join(__dirname, 'sqlite.store.ts') }, execArgv: ['--require', 'ts-node/register/transpile-only'] }),
    );
    try {
      const next = (w: Worker) => new Promise<string>((resolve, reject) => w.once('message', resolve).once('error', reject));
      await Promise.all(workers.map(next));
      const ids = Promise.all(workers.map(next));
      for (const w of workers) w.postMessage('go');

      expect(new Set(await ids).size).toBe(1);
      const reopened = new SqliteStore({ filename, purgeIntervalMs: 0 });
      expect(await reopened.storeId()).toBe((await ids)[0]);
      await reopened.close();
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }, 60_000);

  it('should upgrade a store file of an earlier version, counting its ingress claims as confirmed', async () => {
    const filename = join(dir, 'bus.sqlite');
    const old = new BetterSqlite3(filename);
    old.exec(`CREATE TABLE ingress_keys (system TEXT NOT NULL, key TEXT NOT NULL, message_id TEXT NOT NULL, claimed_at TEXT NOT NULL, PRIMARY KEY (system, key)) WITHOUT ROWID;
      INSERT INTO ingress_keys VALUES ('sales', 'k', 'm1', '${new Date().toISOString()}');`);
    old.close();
    const sut = new SqliteStore({ filename, purgeIntervalMs: 0 });
    expect(await sut.claimIngressKey('sales', 'k', 'm2')).toEqual({ messageId: 'm1', duplicate: true, state: 'confirmed' });
    expect(await sut.claimIngressKey('sales', 'k2', 'm3', 'c3')).toEqual({ messageId: 'm3', correlationId: 'c3', duplicate: false, state: 'claimed' });
    await sut.close();
  });

  it('should add the claim columns to a dead-letter table made by an older version', async () => {
    const filename = join(dir, 'bus.sqlite');
    const old = new BetterSqlite3(filename);
    old.exec(`CREATE TABLE dead_letters (id TEXT PRIMARY KEY, message_id TEXT NOT NULL, destination TEXT NOT NULL, type TEXT NOT NULL, source TEXT NOT NULL,
      error_code TEXT NOT NULL, error_message TEXT NOT NULL, attempts INTEGER NOT NULL, at TEXT NOT NULL, envelope TEXT NOT NULL, headers TEXT,
      state TEXT NOT NULL, reason TEXT, resolved_at TEXT)`);
    old.prepare(`INSERT INTO dead_letters VALUES ('dl-1', 'm1', 'billing', 't', 's', 'E', 'e', 1, '2026-11-28T09:00:00.000Z', '{"id":"m1"}', NULL, 'dead', NULL, NULL)`).run();
    old.close();

    const sut = new SqliteStore({ filename, purgeIntervalMs: 0 });

    expect(await sut.claimDeadLetter('dl-1', 'replay-a', 60_000)).toMatchObject({ claimed: true, letter: { state: 'replaying', claimedBy: 'replay-a' } });
    await sut.close();
  });

  it('should purge on its schedule with the configured retention', async () => {
    const sut = new SqliteStore({ filename: ':memory:', retentionMs: 1000, purgeIntervalMs: 5 });
    const old = message({ receivedAt: new Date(Date.now() - 60_000).toISOString() });
    await sut.appendEvents([{ kind: 'message', message: old }]);
    const deadline = Date.now() + 5000;
    while ((await sut.getMessage(old.id)) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(await sut.getMessage(old.id)).toBeNull();
    await sut.close();
  });
});
