/**
 * What the journal's writer thread spends per message, by message size: the real SqliteJournal writing
 * messages (a raw native body and a canonical text of about the given size each, one route) and their
 * delivered hops in batches of 16 (what a 100 ms flush holds at about 160 msgs/s), into a file of its own.
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

const MESSAGES = 1500;
const BATCH = 16;

/** Rate lines as the bench's messages carry them, about `kb` KB of JSON. */
function lines(kb: number) {
  return Array.from({ length: Math.max(1, Math.round((kb * 1024) / 114)) }, (_, i) => ({
    productCode: `P-${i}`,
    unitPrice: { amount: (i * 1.37).toFixed(2), currency: 'EUR' },
    unit: 'minute',
    validFrom: '2026-01-01',
  }));
}

function measure(kb: number): { cpuMs: number; fileKb: number } {
  const rates = lines(kb);
  const native = JSON.stringify({ customer: 'C-1', rates });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'journal-writes-'));
  const file = path.join(dir, 'journal.sqlite');
  const db = openDatabase(file, JOURNAL_SCHEMA);
  const journal = new SqliteJournal(db);
  // Built once: the texts are what the writer is handed, not part of its work.
  const canonicalJson = JSON.stringify({ type: 'contract.rates-changed', payload: { customerId: 'C-1', lines: rates } });
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
