import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { threadsNamed } from '@bus/adapters/testing';
import { message } from '../store.fixtures';
import { SqliteJournal } from './sqlite.journal';
import { JournalThread } from './sqlite.journal-thread';
import { JOURNAL_SCHEMA, openDatabase } from './sqlite.schema';

describe(JournalThread.name, () => {
  let dir: string;
  let file: string;
  let sut: JournalThread;
  const read = (id: string) => {
    const db = openDatabase(file, JOURNAL_SCHEMA);
    try {
      return new SqliteJournal(db).get(id);
    } finally {
      db.close();
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bus-journal-thread-'));
    file = join(dir, 'bus.journal.sqlite');
    sut = new JournalThread(file);
  });
  afterEach(async () => {
    await sut.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should have written a batch to the file when the call resolves', async () => {
    const m = message();
    await sut.append([{ kind: 'message', message: m }]);
    expect(read(m.id)?.message.id).toBe(m.id);
  });

  it('should keep the canonical message from its JSON text when the caller has it', async () => {
    const m = message();
    await sut.append([{ kind: 'message', message: { ...m, canonicalJson: JSON.stringify(m.canonical) } }]);
    expect(read(m.id)?.message.canonical).toEqual(m.canonical);
  });

  it('should name the file when a write fails', async () => {
    const bad = { kind: 'message', message: { ...message(), type: null } } as never;
    await expect(sut.append([bad])).rejects.toThrow(`journal file ${file}: NOT NULL constraint failed: journal_messages.type`);
  });

  it('should fail only the batch it cannot hand to its thread, and take the next one', async () => {
    const unclonable = { kind: 'message', message: { ...message(), canonical: { toJSON: () => ({}) } } } as never;
    await expect(sut.append([unclonable])).rejects.toThrow(`journal file ${file}: `);
    const m = message();
    await sut.append([{ kind: 'message', message: m }]);
    expect(read(m.id)?.message.id).toBe(m.id);
  });

  it('should start a new thread for the next batch when its thread died', async () => {
    await sut.append([{ kind: 'message', message: message() }]);
    await (sut as unknown as { worker: Worker }).worker.terminate();
    const m = message();
    await sut.append([{ kind: 'message', message: m }]);
    expect(read(m.id)?.message.id).toBe(m.id);
  });

  (process.platform === 'linux' ? it : it.skip)('should run on a thread named bus-journal, as top -H and ps -L show it', async () => {
    // Counted before and after: a test file run earlier in this process may have left one of its own.
    const before = threadsNamed('bus-journal');
    await sut.append([{ kind: 'message', message: message() }]);
    expect(threadsNamed('bus-journal')).toBe(before + 1);
  });
});
