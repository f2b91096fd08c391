/**
 * The journal's writer thread (started by JournalThread). It owns the only write connection to the
 * journal file, so the SQLite work of journalling (statements, index updates, WAL checkpoints and
 * their fsyncs) never runs on the bus's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
// A relative path, not `@bus/adapters`: a thread starts without the main thread's path mapping (the bench's
// tsc build resolves `@bus/*` at run time), and the whole library would load with the index.
import { nameThisThread } from '../../../../../libs/adapters/src/thread-name';
import type { JournalEvent } from '../store.types';
import { SqliteJournal } from './sqlite.journal';
import { JOURNAL_SCHEMA, openDatabase } from './sqlite.schema';

/** A request from JournalThread; every one is answered with its id, and `error` if it failed. */
export type JournalRequest = { id: number } & ({ op: 'append'; events: JournalEvent[] } | { op: 'purge'; cutoff: string } | { op: 'close' });
export interface JournalReply {
  id: number;
  error?: string;
}

if (parentPort) {
  const port = parentPort;
  nameThisThread('bus-journal');
  const db = openDatabase((workerData as { filename: string }).filename, JOURNAL_SCHEMA);
  const journal = new SqliteJournal(db);
  port.on('message', (request: JournalRequest) => {
    const reply: JournalReply = { id: request.id };
    try {
      if (request.op === 'append') journal.append(request.events);
      else if (request.op === 'purge') db.transaction(() => journal.purge(request.cutoff))();
      else db.close();
    } catch (err) {
      reply.error = (err as Error)?.message ?? String(err);
    }
    port.postMessage(reply);
  });
}
