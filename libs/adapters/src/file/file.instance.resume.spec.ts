import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { plainToInstance } from 'class-transformer';
import type { InputClaim, InputProgress, NativeMessage } from '../adapter';
import { silentAdapterContext } from '../testing/adapter-conformance';
import { fileAdapter } from './file.adapter';
import { FileInboundConfig } from './file.config';
import type { FileInstance } from './file.instance';
import { MemoryFileLedger, type FileLedger } from './file.ledger';
import type { FileProgress } from './file.report';
import { namesIn, readJson, TempFolders, waitFor } from './testing/file-test-kit';

const COLUMNS = ['account', 'minutes', 'ref'];
const ROWS = ['"C-1","1","BK-1"', '"C-2","2","BK-2"', '"C-3","3","BK-3"', '"C-4","4","BK-4"', '"C-5","5","BK-5"'];
const TEXT = ROWS.join('\n') + '\n';
/** Byte offset just after line `n`. */
const after = (n: number, text = TEXT) => Buffer.byteLength(text.split('\n').slice(0, n).join('\n') + '\n');

/** A ledger that answers every claim as told and records what the reader saves. */
class ScriptedLedger implements FileLedger {
  readonly saved: InputProgress[] = [];
  renewals = 0;
  released = 0;
  completed: string[] = [];
  constructor(
    private readonly answer: InputClaim,
    private readonly holdFor = Infinity,
  ) {}
  async claim(): Promise<InputClaim> {
    return this.answer;
  }
  async checkpoint(_sha: string, _leaseMs: number, progress?: InputProgress): Promise<boolean> {
    if (progress) this.saved.push(progress);
    else this.renewals++;
    return this.saved.length <= this.holdFor;
  }
  async complete(_sha: string, outcome: string): Promise<void> {
    this.completed.push(outcome);
  }
  async release(): Promise<void> {
    this.released++;
  }
}

const progress = (line: number, counts: Partial<FileProgress> = {}): FileProgress => ({
  line,
  offset: after(line),
  startedAt: '2026-12-03T10:00:00.000Z',
  rows: line,
  passed: line,
  duplicates: 0,
  failed: 0,
  failedRows: [],
  ...counts,
});

/** The ledger's methods, bound, to build a variant of it. */
const bind = (l: MemoryFileLedger): FileLedger => ({
  claim: (sha) => l.claim(sha),
  checkpoint: (sha, leaseMs, progress) => l.checkpoint(sha, leaseMs, progress),
  complete: (sha, outcome) => l.complete(sha, outcome),
  release: (sha) => l.release(sha),
});

describe('FileInstance resume', () => {
  const temp = new TempFolders();
  afterAll(() => temp.removeAll());

  const create = async (inbound: Partial<FileInboundConfig> = {}) => {
    const dropDir = await temp.make();
    const sut = fileAdapter.create(
      { inbound: plainToInstance(FileInboundConfig, { dropDir, readiness: 'rename', csvColumns: COLUMNS, ...inbound }) },
      silentAdapterContext('bridge'),
    ) as FileInstance;
    return { sut, dropDir, processed: path.join(dropDir, 'processed') };
  };
  const lines = (received: NativeMessage[]) => received.map((m) => m.meta?.line);
  const collect = () => {
    const received: NativeMessage[] = [];
    return { received, onNative: async (m: NativeMessage) => void received.push(m) };
  };

  it('should resume after the line the ledger names, at its byte offset, and report the whole file', async () => {
    const { sut, dropDir, processed } = await create();
    await writeFile(path.join(dropDir, 'cdr.csv'), TEXT);
    const ledger = new ScriptedLedger({ outcome: 'resume', progress: { ...progress(3, { passed: 2, failed: 1, failedRows: [{ line: 2, reason: 'bad', kind: 'rejected' }] }) } });
    const { received, onNative } = collect();

    const [report] = await sut.scan(onNative, ledger);

    expect(lines(received)).toEqual([4, 5]);
    expect(JSON.parse(received[0].body.toString())).toEqual({ account: 'C-4', minutes: '4', ref: 'BK-4' });
    expect(report).toMatchObject({ outcome: 'processed', rows: 5, passed: 4, failed: 1, duplicates: 0, startedAt: '2026-12-03T10:00:00.000Z', resumedAfterLines: [3] });
    expect(report.failedRows).toEqual([{ line: 2, reason: 'bad', kind: 'rejected' }]);
    expect(await readJson(path.join(processed, 'cdr.csv.report.json'))).toMatchObject({ rows: 5, passed: 4 });
    expect(ledger.completed).toEqual(['processed']);
  });

  it('should read from the top and skip the handled lines when no line starts at the saved offset', async () => {
    const { sut, dropDir } = await create();
    await writeFile(path.join(dropDir, 'cdr.csv'), TEXT);
    const ledger = new ScriptedLedger({ outcome: 'resume', progress: { ...progress(2), offset: after(2) - 3 } });
    const { received, onNative } = collect();

    const [report] = await sut.scan(onNative, ledger);

    expect(lines(received)).toEqual([3, 4, 5]);
    expect(report).toMatchObject({ rows: 5, passed: 5 });
  });

  it('should take the header columns from the checkpoint when it resumes past the header', async () => {
    const { sut, dropDir } = await create({ csvColumns: undefined, headerRow: true });
    const text = 'id,name\n1,A\n2,B\n3,C\n';
    await writeFile(path.join(dropDir, 'h.csv'), text);
    const ledger = new ScriptedLedger({ outcome: 'resume', progress: { ...progress(2, { rows: 1, passed: 1 }), offset: after(2, text), columns: ['id', 'name'] } });
    const { received, onNative } = collect();

    await sut.scan(onNative, ledger);

    expect(received.map((m) => JSON.parse(m.body.toString()))).toEqual([{ id: '2', name: 'B' }, { id: '3', name: 'C' }]);
  });

  it('should save line, byte offset and counts every checkpointEvery records', async () => {
    const { sut, dropDir } = await create({ checkpointEvery: 2 });
    await writeFile(path.join(dropDir, 'cdr.csv'), TEXT);
    const ledger = new ScriptedLedger({ outcome: 'new' });

    await sut.scan(async () => undefined, ledger);

    expect(ledger.saved.map((p) => [p.line, p.offset, p.rows])).toEqual([
      [2, after(2), 2],
      [4, after(4), 4],
      [5, after(5), 5], // the last word before the file is moved
    ]);
  });

  it('should count a record the bus had accepted before as a duplicate, and call a file of duplicates processed', async () => {
    const { sut, dropDir } = await create();
    await writeFile(path.join(dropDir, 'cdr.csv'), TEXT);

    const [report] = await sut.scan(async (m) => ({ duplicate: m.meta?.line !== 5 }), new MemoryFileLedger());

    expect(report).toMatchObject({ outcome: 'processed', rows: 5, passed: 1, duplicates: 4, failed: 0 });
    const [again] = await (async () => {
      await writeFile(path.join(dropDir, 'all-old.csv'), ROWS[0] + '\n');
      return sut.scan(async () => ({ duplicate: true }), new MemoryFileLedger());
    })();
    expect(again).toMatchObject({ file: 'all-old.csv', outcome: 'processed', duplicates: 1 });
  });

  it('should leave a file another live reader holds where it is, unread', async () => {
    const { sut, dropDir } = await create();
    await writeFile(path.join(dropDir, 'cdr.csv'), TEXT);
    const { received, onNative } = collect();

    expect(await sut.scan(onNative, new ScriptedLedger({ outcome: 'busy', owner: 'bus-b' }))).toEqual([]);

    expect(received).toEqual([]);
    expect(await namesIn(dropDir)).toContain('cdr.csv');
  });

  it('should renew its lease while a record waits on the bus', async () => {
    const { sut, dropDir } = await create({ leaseMs: 150 });
    await writeFile(path.join(dropDir, 'cdr.csv'), ROWS[0] + '\n');
    const ledger = new ScriptedLedger({ outcome: 'new' });

    const [report] = await sut.scan(() => waitFor('two lease renewals', () => ledger.renewals >= 2).then(() => undefined), ledger);

    expect(report).toMatchObject({ passed: 1 });
  });

  it('should look again at a file another reader held once its lease could have run out, with no folder event', async () => {
    const { sut, dropDir, processed } = await create({ leaseMs: 150 });
    await writeFile(path.join(dropDir, 'cdr.csv'), TEXT);
    let claims = 0;
    const ledger = new MemoryFileLedger();
    const heldElsewhereFirst: FileLedger = { ...bind(ledger), claim: async (sha) => (++claims === 1 ? { outcome: 'busy', owner: 'bus-b' } : ledger.claim(sha)) };
    const stop = new AbortController();
    const done = sut.listen(async () => undefined, stop.signal, heldElsewhereFirst);

    const report = await waitFor('the report', async () => (await namesIn(processed)).includes('cdr.csv.report.json') && readJson(path.join(processed, 'cdr.csv.report.json')));

    stop.abort();
    await done;
    expect(claims).toBe(2);
    expect(report).toMatchObject({ rows: 5, passed: 5 });
  });

  it('should stop without releasing or moving the file once the ledger says another reader took it over', async () => {
    const { sut, dropDir } = await create({ checkpointEvery: 1 });
    await writeFile(path.join(dropDir, 'cdr.csv'), TEXT);
    const ledger = new ScriptedLedger({ outcome: 'new' }, 2);
    const { received, onNative } = collect();

    expect(await sut.scan(onNative, ledger)).toEqual([]);

    expect(lines(received)).toEqual([1, 2, 3]);
    expect(ledger.released).toBe(0);
    expect(ledger.completed).toEqual([]);
    expect(await namesIn(dropDir)).toContain('cdr.csv');
  });

  it('should keep the progress of a file whose reading stopped and go on from it on the next scan', async () => {
    const { sut, dropDir } = await create({ checkpointEvery: 1 });
    await writeFile(path.join(dropDir, 'cdr.csv'), TEXT);
    const ledger = new MemoryFileLedger();
    const first = collect();
    const brokerDownAt3 = async (m: NativeMessage) => {
      if (m.meta?.line === 3) throw new Error('broker unavailable');
      await first.onNative(m);
    };
    expect(await sut.scan(brokerDownAt3, ledger)).toEqual([]);
    const second = collect();

    const [report] = await sut.scan(second.onNative, ledger);

    expect(lines(first.received)).toEqual([1, 2]);
    expect(lines(second.received)).toEqual([3, 4, 5]);
    expect(report).toMatchObject({ outcome: 'processed', rows: 5, passed: 5, resumedAfterLines: [2] });
  });
});
