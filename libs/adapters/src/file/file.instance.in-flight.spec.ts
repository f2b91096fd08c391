import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { plainToInstance } from 'class-transformer';
import type { InputProgress, NativeMessage } from '../adapter';
import { silentAdapterContext } from '../testing/adapter-conformance';
import { fileAdapter } from './file.adapter';
import { FileInboundConfig } from './file.config';
import type { FileInstance } from './file.instance';
import { MemoryFileLedger, type FileLedger } from './file.ledger';
import { TempFolders, waitFor } from './testing/file-test-kit';

const COLUMNS = ['account', 'minutes', 'ref'];
const rows = (n: number) => Array.from({ length: n }, (_, i) => `"C-${i + 1}","${i + 1}","BK-${i + 1}"`).join('\n') + '\n';

/** Records handed over and held until the test answers them, in any order. */
class HeldAnswers {
  readonly lines: number[] = [];
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
  /** Most records with the bus at once, and the farthest a record started past the oldest unanswered one. */
  maxPending = 0;
  maxAhead = 0;

  readonly onNative = (msg: NativeMessage): Promise<void> => {
    const line = msg.meta!.line as number;
    this.lines.push(line);
    const oldest = Math.min(line, ...this.waiting.keys());
    this.maxAhead = Math.max(this.maxAhead, line - oldest);
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(line, { resolve, reject });
      this.maxPending = Math.max(this.maxPending, this.waiting.size);
    });
  };

  answer(line: number, error?: Error): void {
    const held = this.waiting.get(line)!;
    this.waiting.delete(line);
    if (error) held.reject(error);
    else held.resolve();
  }

  /** Answers every held record, newest first. */
  answerAllBackwards(): void {
    for (const line of [...this.waiting.keys()].sort((a, b) => b - a)) this.answer(line);
  }

  isHeld(line: number): boolean {
    return this.waiting.has(line);
  }
}

/** A memory ledger that records every checkpoint's line. */
const recording = (ledger: MemoryFileLedger, saved: InputProgress[]): FileLedger => ({
  claim: (sha) => ledger.claim(sha),
  checkpoint: async (sha, leaseMs, progress) => {
    if (progress) saved.push(progress);
    return ledger.checkpoint(sha, leaseMs, progress);
  },
  complete: (sha, outcome) => ledger.complete(sha, outcome),
  release: (sha) => ledger.release(sha),
});

describe('FileInstance records in flight', () => {
  const temp = new TempFolders();
  afterAll(() => temp.removeAll());

  const create = async (inbound: Partial<FileInboundConfig>, rowCount: number) => {
    const dropDir = await temp.make();
    await writeFile(path.join(dropDir, 'cdr.csv'), rows(rowCount));
    const sut = fileAdapter.create(
      { inbound: plainToInstance(FileInboundConfig, { dropDir, readiness: 'rename', csvColumns: COLUMNS, ...inbound }) },
      silentAdapterContext('bridge'),
    ) as FileInstance;
    return { sut, dropDir };
  };

  it('should hand over up to recordsInFlight lines past the oldest unanswered one, and no more', async () => {
    const { sut } = await create({ recordsInFlight: 4 }, 12);
    const bus = new HeldAnswers();

    const scanning = sut.scan(bus.onNative, new MemoryFileLedger());
    await waitFor('four records with the bus', () => bus.lines.length === 4);
    // Lines 2-4 answered: line 1 still bounds the window, so line 5 must not start.
    [2, 3, 4].forEach((l) => bus.answer(l));
    await new Promise((r) => setImmediate(r));
    expect(bus.lines).toEqual([1, 2, 3, 4]);

    bus.answer(1);
    await waitFor('lines 5-8 with the bus', () => bus.lines.length === 8);
    const finish = setInterval(() => bus.answerAllBackwards(), 5);
    const [report] = await scanning.finally(() => clearInterval(finish));

    expect(bus.maxAhead).toBeLessThan(4);
    expect(bus.maxPending).toBe(4);
    expect(report).toMatchObject({ outcome: 'processed', rows: 12, passed: 12 });
  });

  it('should checkpoint only through the first unanswered line while later lines are answered first', async () => {
    const { sut } = await create({ recordsInFlight: 8, checkpointEvery: 1 }, 5);
    const bus = new HeldAnswers();
    const saved: InputProgress[] = [];

    const scanning = sut.scan(bus.onNative, recording(new MemoryFileLedger(), saved));
    await waitFor('every line with the bus', () => bus.lines.length === 5);
    [5, 4, 3].forEach((l) => bus.answer(l));
    await new Promise((r) => setImmediate(r));
    expect(saved).toEqual([]);

    bus.answer(1);
    await waitFor('the checkpoint of line 1', () => saved.length === 1);
    expect(bus.isHeld(2)).toBe(true);
    expect(saved.map((p) => p.line)).toEqual([1]);

    bus.answer(2);
    const [report] = await scanning;

    expect(saved.map((p) => [p.line, p.rows])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
      [5, 5], // the last word before the file is moved
    ]);
    expect(report).toMatchObject({ rows: 5, passed: 5 });
  });

  it('should read again after a stop only the lines from the first unanswered one, and report the file once', async () => {
    const { sut } = await create({ recordsInFlight: 8, checkpointEvery: 1 }, 6);
    const ledger = new MemoryFileLedger();
    const first = new HeldAnswers();

    const stopping = sut.scan(first.onNative, ledger);
    await waitFor('every line with the bus', () => first.lines.length === 6);
    [1, 4, 5, 6].forEach((l) => first.answer(l));
    first.answer(3, new Error('broker unavailable'));
    first.answer(2);
    expect(await stopping).toEqual([]);
    const again: number[] = [];

    const [report] = await sut.scan(async (m) => void again.push(m.meta!.line as number), ledger);

    // Lines 4-6 were answered too, but after line 3, which the bus could not take: they are read again.
    expect(again).toEqual([3, 4, 5, 6]);
    expect(report).toMatchObject({ outcome: 'processed', rows: 6, passed: 6, duplicates: 0, failed: 0, resumedAfterLines: [2] });
  });

  it('should hand over one record at a time, in file order, with recordsInFlight 1', async () => {
    const { sut } = await create({ recordsInFlight: 1 }, 5);
    const bus = new HeldAnswers();
    const answering = setInterval(() => bus.answerAllBackwards(), 2);

    const [report] = await sut.scan(bus.onNative, new MemoryFileLedger()).finally(() => clearInterval(answering));

    expect(bus.maxPending).toBe(1);
    expect(bus.lines).toEqual([1, 2, 3, 4, 5]);
    expect(report).toMatchObject({ rows: 5, passed: 5 });
  });

  it('should list refused and bad rows in line order whatever order the bus answered them in', async () => {
    const dropDir = await temp.make();
    await writeFile(path.join(dropDir, 'cdr.csv'), '"C-1","1","BK-1"\n"C-2","2\n"C-3","3","BK-3"\n"C-4","4","BK-4"\n');
    const sut = fileAdapter.create({ inbound: plainToInstance(FileInboundConfig, { dropDir, readiness: 'rename', csvColumns: COLUMNS }) }, silentAdapterContext('bridge')) as FileInstance;
    const bus = new HeldAnswers();
    const refused = Object.assign(new Error('mapping failed at column 2'), { retryable: false });

    const scanning = sut.scan(bus.onNative, new MemoryFileLedger());
    await waitFor('every line with the bus', () => bus.lines.length === 4);
    bus.answer(4, refused);
    bus.answer(3);
    bus.answer(2, Object.assign(new Error('bad row'), { retryable: false }));
    bus.answer(1);
    const [report] = await scanning;

    expect(report).toMatchObject({ rows: 4, passed: 2, failed: 2 });
    expect(report.failedRows.map((r) => [r.line, r.kind])).toEqual([
      [2, 'parse'],
      [4, 'rejected'],
    ]);
  });
});
