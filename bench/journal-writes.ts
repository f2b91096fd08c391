/**
 * What the journal's writer thread spends per message, by message size: the real SqliteJournal writing
 * messages (the bench's request body of that size as the raw body, the draft its mapping makes as the
 * canonical text, one route) and their delivered hops in batches of 16 (what a 100 ms flush holds at about
 * 160 msgs/s), into a file of its own.
 * For docs/benchmarks.md; the bus's own numbers come from `npm run bench`.
 *
 *   node -r ts-node/register/transpile-only bench/journal-writes.ts [kb ...]   (default: 1 8 64 128)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteJournal } from '../apps/bus/src/store/sqlite/sqlite.journal';
import { JOURNAL_SCHEMA, openDatabase } from '../apps/bus/src/store/sqlite/sqlite.schema';
import type { JournalEvent } from '../apps/bus/src/store/store.types';
import { toDraft, type NativeContractEvent } from './baseline/native-format';
import { bodyTemplate } from './scenarios';

const MESSAGES = 1500;
const BATCH = 16;

function measure(kb: number): { cpuMs: number; fileKb: number } {
  // The bench's own request body of that size and the draft its mapping makes of it (as size-64k sends).
  const native = bodyTemplate('json', kb * 1024, 'journal-writes').body(1, Date.now());
  const canonicalJson = JSON.stringify(toDraft(JSON.parse(native) as NativeContractEvent));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'journal-writes-'));
  const file = path.join(dir, 'journal.sqlite');
  const db = openDatabase(file, JOURNAL_SCHEMA);
  const journal = new SqliteJournal(db);
  const idOf = (i: number) => `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`;
  const message = (i: number): JournalEvent => ({
    kind: 'message',
    message: {
      id: idOf(i), type: 'contract.rates-changed', source: 'pricing', correlationId: idOf(i), receivedAt: new Date().toISOString(),
      initialStatus: 'accepted', routes: [{ route: 'rates-to-billing', destination: 'billing' }],
      rawNative: { contentType: 'application/json', encoding: 'utf8', data: native, bytes: native.length, truncated: false },
      canonicalJson,
    },
  });
  const delivered = (i: number): JournalEvent => ({ kind: 'hop', messageId: idOf(i), hop: { kind: 'delivered', at: new Date().toISOString(), destination: 'billing', attempt: 1 } });
  let seq = 0;
  // Each batch: the hops of the batch before (delivered since) and new messages.
  const batch = (withHops: number[]) => {
    const events = withHops.map(delivered);
    const ids: number[] = [];
    for (let k = 0; k < BATCH; k++, seq++) {
      ids.push(seq);
      events.push(message(seq));
    }
    journal.append(events);
    return ids;
  };
  let previous: number[] = [];
  for (let b = 0; b < 20; b++) previous = batch(previous); // warm-up
  const start = process.cpuUsage();
  for (let b = 0; b < MESSAGES / BATCH; b++) previous = batch(previous);
  const used = process.cpuUsage(start);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const fileKb = statSync(file).size / 1024;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { cpuMs: (used.user + used.system) / 1000 / MESSAGES, fileKb: fileKb / (seq || 1) };
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
console.log('| message size | journal CPU ms per message | journal file KB per message |\n|---:|---:|---:|');
for (const kb of sizes.length ? sizes : [1, 8, 64, 128]) {
  const { cpuMs, fileKb } = measure(kb);
  console.log(`| ${kb} KB | ${cpuMs.toFixed(3)} | ${fileKb.toFixed(1)} |`);
}
