/**
 * What one embedded store file carries, for docs/benchmarks.md "Scale-out on paper": the bus's four hot-path
 * rows per message (ingress claim, its confirm, delivery claim, delivery record) written into one SQLite WAL
 * file (synchronous=NORMAL, busy_timeout 5000, as apps/bus/src/store/sqlite), by one process committing each
 * message alone, in 50-message transactions, and by one against two processes sharing the file.
 *
 *   node -r ts-node/register/transpile-only bench/store-writes.ts
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';

const SCHEMA = `create table ingress(system text, key text, id text, state text, primary key(system, key));
  create table claims(id text, dest text, owner text, until int, primary key(id, dest));
  create table delivered(id text, dest text, at int, primary key(id, dest));`;

/** Writes messages in transactions of `batch` for `ms`; returns messages/s and the longest transaction. */
function write(file: string, tag: string, batch: number, ms: number): { perS: number; worstMs: number } {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  const claim = db.prepare('insert or ignore into ingress values (?, ?, ?, ?)');
  const confirm = db.prepare("update ingress set state = 'confirmed' where system = ? and key = ?");
  const claimDelivery = db.prepare('insert or replace into claims values (?, ?, ?, ?)');
  const record = db.prepare('insert or ignore into delivered values (?, ?, ?)');
  const tx = db.transaction((from: number) => {
    for (let i = from; i < from + batch; i++) {
      const key = `${tag}${i}`;
      claim.run('s', key, key, 'claimed');
      confirm.run('s', key);
      claimDelivery.run(key, 'd', 'o', 1);
      record.run(key, 'd', 1);
    }
  });
  let n = 0;
  let worstMs = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    const t = performance.now();
    tx(n);
    n += batch;
    worstMs = Math.max(worstMs, performance.now() - t);
  }
  const perS = n / ((performance.now() - start) / 1000);
  db.close();
  return { perS, worstMs };
}

function freshFile(): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-store-'));
  const file = path.join(dir, 'bus.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  db.close();
  return { file, dir };
}

async function main(): Promise<void> {
  for (const batch of [1, 50]) {
    const { file, dir } = freshFile();
    const r = write(file, 'm', batch, 2000);
    console.log(`1 process, ${batch} message(s) per transaction: ${r.perS.toFixed(0)} msgs/s (${(1000 / r.perS).toFixed(3)} ms each)`);
    rmSync(dir, { recursive: true, force: true });
  }
  for (const processes of [1, 2]) {
    const { file, dir } = freshFile();
    const runs = await Promise.all(Array.from({ length: processes }, (_, i) => new Promise<{ perS: number; worstMs: number }>((resolve, reject) => {
      const child = fork(__filename, ['writer', file, `p${i}-`]);
      child.once('message', (m) => resolve(m as { perS: number; worstMs: number }));
      child.once('error', reject);
    })));
    const together = runs.reduce((a, r) => a + r.perS, 0);
    console.log(`${processes} process(es) on one file, 20 messages per transaction: ${together.toFixed(0)} msgs/s together, longest transaction ${Math.max(...runs.map((r) => r.worstMs)).toFixed(1)} ms`);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'writer') {
  process.send!(write(process.argv[3], process.argv[4], 20, 4000));
  process.disconnect();
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
