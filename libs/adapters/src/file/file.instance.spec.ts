import { ErrorCodes } from '@bus/canonical-model';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { once } from 'node:events';
import { plainToInstance } from 'class-transformer';
import type { NativeMessage } from '../adapter';
import { MappingError, PermanentDeliveryError } from '../adapter.errors';
import { silentAdapterContext } from '../testing/adapter-conformance';
import { fileAdapter } from './file.adapter';
import { FileClient } from './file.client';
import { FileInstance as FileInstanceClass } from './file.instance';
import { FileInboundConfig, FileOutboundConfig } from './file.config';
import { MemoryFileLedger } from './file.ledger';
import type { FileInstance } from './file.instance';
import { namesIn, readJson, Received, TempFolders, waitFor } from './testing/file-test-kit';

const COLUMNS = ['account', 'minutes', 'ref'];

describe('FileInstance', () => {
  jest.setTimeout(30_000);
  const temp = new TempFolders();
  const running: { stop: AbortController; done: Promise<void> }[] = [];
  afterEach(async () => {
    for (const r of running.splice(0)) {
      r.stop.abort();
      await r.done;
    }
  });
  afterAll(() => temp.removeAll());

  const create = async (inbound: Partial<FileInboundConfig> = {}, outbound?: Partial<FileOutboundConfig>) => {
    const dropDir = await temp.make();
    const sut = fileAdapter.create(
      {
        inbound: plainToInstance(FileInboundConfig, { dropDir, readiness: 'rename', csvColumns: COLUMNS, ...inbound }),
        outbound: outbound && plainToInstance(FileOutboundConfig, outbound),
      },
      silentAdapterContext('bridge'),
    ) as FileInstance;
    return { sut, dropDir, processed: path.join(dropDir, 'processed'), failed: path.join(dropDir, 'failed') };
  };

  const listen = (sut: FileInstance, onNative: (m: NativeMessage) => Promise<void>, ledger = new MemoryFileLedger()) => {
    const stop = new AbortController();
    const done = sut.listen(onNative, stop.signal, ledger);
    running.push({ stop, done });
    return { stop, done, ledger };
  };

  const reportOf = (dir: string, name: string) => waitFor(`${name}.report.json in ${dir}`, async () => (await namesIn(dir)).includes(`${name}.report.json`) && readJson(path.join(dir, `${name}.report.json`)));

  it('should hand over each row as JSON with file name, line and hash, then move the file to processed/', async () => {
    const { sut, dropDir, processed } = await create();
    const received = new Received();
    listen(sut, received.onNative);
    await writeFile(path.join(dropDir, 'cdr.csv'), '"C-1","12","BK-1"\n"C-2","3","BK-2"\n');
    const report = await reportOf(processed, 'cdr.csv');
    expect(received.messages.map((m) => [JSON.parse(m.body.toString()), m.contentType, m.meta?.fileName, m.meta?.line])).toEqual([
      [{ account: 'C-1', minutes: '12', ref: 'BK-1' }, 'application/json', 'cdr.csv', 1],
      [{ account: 'C-2', minutes: '3', ref: 'BK-2' }, 'application/json', 'cdr.csv', 2],
    ]);
    expect(received.messages[0].meta?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report).toMatchObject({ system: 'bridge', file: 'cdr.csv', outcome: 'processed', rows: 2, passed: 2, failed: 0, failedRows: [] });
    expect(await namesIn(dropDir)).toEqual(['failed', 'processed']);
    expect(await namesIn(processed)).toEqual(['cdr.csv', 'cdr.csv.report.json']);
  });

  it('should report bad rows with line and column and pass them on while the good rows flow', async () => {
    const { sut, dropDir, processed } = await create();
    const received = new Received();
    listen(sut, received.onNative);
    await writeFile(path.join(dropDir, 'mixed.csv'), '"C-1","12","BK-1"\n"C-2","3"\n"C-3","4","BK-3"\n"C-4","5"x,"BK-4"\n');
    const report = await reportOf(processed, 'mixed.csv');
    expect(received.good.map((m) => m.meta?.line)).toEqual([1, 3]);
    expect(received.bad.map((m) => [m.meta?.line, m.meta?.errorColumn, m.meta?.error, m.body.toString(), m.contentType])).toEqual([
      [2, 3, 'expected 3 columns, found 2', '"C-2","3"', 'text/csv'],
      [4, 2, 'unexpected "x" after the closing quote', '"C-4","5"x,"BK-4"', 'text/csv'],
    ]);
    expect(report).toMatchObject({
      outcome: 'processed',
      rows: 4,
      passed: 2,
      failed: 2,
      failedRows: [
        { line: 2, column: 3, kind: 'parse', reason: 'expected 3 columns, found 2', raw: '"C-2","3"' },
        { line: 4, column: 2, kind: 'parse', reason: 'unexpected "x" after the closing quote', raw: '"C-4","5"x,"BK-4"' },
      ],
    });
  });

  it('should list a row the bus refuses (mapping) in the report and go on with the next', async () => {
    const { sut, dropDir, processed } = await create();
    const taken: number[] = [];
    listen(sut, async (msg) => {
      if (JSON.parse(msg.body.toString()).minutes === '-5') throw new MappingError('bridge: minutes must not be negative', 'line 2, column 2');
      taken.push(msg.meta?.line as number);
    });
    await writeFile(path.join(dropDir, 'neg.csv'), '"C-1","1","BK-1"\n"C-1","-5","BK-1"\n"C-1","2","BK-1"\n');
    const report = await reportOf(processed, 'neg.csv');
    expect(taken).toEqual([1, 3]);
    expect(report.failedRows).toEqual([{ line: 2, column: 2, kind: 'rejected', reason: 'bridge: minutes must not be negative' }]);
  });

  it('should move a file whose every row failed to failed/ with its report', async () => {
    const { sut, dropDir, failed } = await create();
    listen(sut, async (msg) => {
      if (!msg.meta?.error) throw Object.assign(new Error('invalid'), { code: ErrorCodes.CANONICAL_INVALID });
    });
    await writeFile(path.join(dropDir, 'all-bad.csv'), '"only","two"\n"C-1","1","BK"\n');
    const report = await reportOf(failed, 'all-bad.csv');
    expect(report).toMatchObject({ outcome: 'failed', rows: 2, passed: 0, failed: 2 });
  });

  it('should treat a re-dropped file as a no-op through the ledger', async () => {
    const { sut, dropDir, processed } = await create();
    const received = new Received();
    const { ledger } = listen(sut, received.onNative);
    await writeFile(path.join(dropDir, 'cdr.csv'), '"C-1","12","BK-1"\n');
    await reportOf(processed, 'cdr.csv');
    await writeFile(path.join(dropDir, 'cdr.csv'), '"C-1","12","BK-1"\n');
    const second = await reportOf(processed, 'cdr~2.csv');
    expect(second).toMatchObject({ outcome: 'duplicate', rows: 0, reason: expect.stringContaining('read before') });
    expect(received.messages).toHaveLength(1);
    await expect(ledger.claim(second.sha256)).resolves.toEqual({ outcome: 'done' });
  });

  it('should not read a half-written file before its marker arrives', async () => {
    const { sut, dropDir, processed } = await create({ readiness: 'marker' });
    const received = new Received();
    const seen: string[] = [];
    listen(sut, async (m) => {
      seen.push(String(m.meta?.line));
      await received.onNative(m);
    });
    await writeFile(path.join(dropDir, 'cdr.csv'), '"C-1","12","BK-1"\n');
    // A second file with its marker proves a scan ran past the first one while it had none.
    await writeFile(path.join(dropDir, 'other.csv'), '"C-9","1","BK-9"\n');
    await writeFile(path.join(dropDir, 'other.csv.done'), '');
    await reportOf(processed, 'other.csv');
    expect(received.messages.map((m) => m.meta?.fileName)).toEqual(['other.csv']);
    await writeFile(path.join(dropDir, 'cdr.csv'), '"C-2","3","BK-2"\n', { flag: 'a' });
    await writeFile(path.join(dropDir, 'cdr.csv.done'), '');
    await reportOf(processed, 'cdr.csv');
    expect(received.messages.filter((m) => m.meta?.fileName === 'cdr.csv')).toHaveLength(2);
    expect(await namesIn(dropDir)).toEqual(['failed', 'processed']);
  });

  it('should not read a file that grows between the two size checks, and read all of it once it stopped (stable-size)', async () => {
    const dropDir = await temp.make();
    let writerBusy = true;
    const client = new FileClient(
      { dropDir, processedDir: path.join(dropDir, 'processed'), failedDir: path.join(dropDir, 'failed') },
      {
        pause: async () => {
          // The legacy system is still writing while the adapter waits between its checks.
          if (writerBusy) await writeFile(path.join(dropDir, 'cdr.csv'), '"C-2","3","BK-2"\n', { flag: 'a' });
        },
      },
    );
    const inbound = plainToInstance(FileInboundConfig, { dropDir, readiness: 'stable-size', stableMs: 10, csvColumns: COLUMNS });
    const sut = new FileInstanceClass(inbound, undefined, client, silentAdapterContext('bridge'));
    await writeFile(path.join(dropDir, 'cdr.csv'), '"C-1","12","BK-1"\n');
    const received = new Received();
    expect(await sut.scan(received.onNative)).toEqual([]);
    expect(received.messages).toEqual([]);
    expect(await namesIn(dropDir)).toContain('cdr.csv');
    writerBusy = false;
    const [report] = await sut.scan(received.onNative);
    expect(report).toMatchObject({ outcome: 'processed', rows: 2 });
    expect(received.messages.map((m) => m.meta?.line)).toEqual([1, 2]);
  });

  it('should ignore in-progress files under the rename convention', async () => {
    const { sut, dropDir, processed } = await create({ readiness: 'rename', pattern: '*.csv' });
    const received = new Received();
    listen(sut, received.onNative);
    await writeFile(path.join(dropDir, 'cdr.csv.part'), '"C-1","12","BK-1"\n');
    await writeFile(path.join(dropDir, 'ready.csv'), '"C-1","12","BK-1"\n');
    await reportOf(processed, 'ready.csv');
    expect(await namesIn(dropDir)).toEqual(['cdr.csv.part', 'failed', 'processed']);
  });

  it('should leave a file whose name is unsafe where it is, unread', async () => {
    const { sut, dropDir, processed } = await create();
    const received = new Received();
    await writeFile(path.join(dropDir, 'evil\u0001.csv'), '"C-1","12","BK-1"\n');
    await writeFile(path.join(dropDir, 'ok.csv'), '"C-1","12","BK-1"\n');
    const reports = await sut.scan(received.onNative);
    expect(reports.map((r) => r.file)).toEqual(['ok.csv']);
    expect(await namesIn(dropDir)).toContain('evil\u0001.csv');
    expect(await namesIn(processed)).toEqual(['ok.csv', 'ok.csv.report.json']);
  });

  it('should keep a file and release its claim when the bus cannot take a record', async () => {
    const { sut, dropDir } = await create();
    const ledger = new MemoryFileLedger();
    await writeFile(path.join(dropDir, 'cdr.csv'), '"C-1","12","BK-1"\n"C-2","3","BK-2"\n');
    const broken = async () => {
      throw new Error('broker unavailable');
    };
    expect(await sut.scan(broken, ledger)).toEqual([]);
    expect(await namesIn(dropDir)).toContain('cdr.csv');
    const received = new Received();
    const [report] = await sut.scan(received.onNative, ledger);
    expect(report).toMatchObject({ outcome: 'processed', passed: 2 });
  });

  it('should create a missing drop folder and watch it', async () => {
    const root = await temp.make();
    const dropDir = path.join(root, 'cdr', 'incoming');
    const sut = fileAdapter.create({ inbound: plainToInstance(FileInboundConfig, { dropDir, readiness: 'rename', csvColumns: COLUMNS }) }, silentAdapterContext('bridge')) as FileInstance;
    const received = new Received();
    listen(sut, received.onNative);
    await waitFor('the drop folder', async () => (await namesIn(dropDir)).includes('processed'));
    await writeFile(path.join(dropDir, 'late.csv'), '"C-1","1","BK-1"\n');
    await reportOf(path.join(dropDir, 'processed'), 'late.csv');
    expect(received.messages).toHaveLength(1);
  });

  it('should poll on a node-cron schedule', async () => {
    const { sut, dropDir, processed } = await create({ schedule: '* * * * * *' });
    const received = new Received();
    // The first scan runs at start; a file dropped after it is found only by a scheduled one (no watch).
    await writeFile(path.join(dropDir, 'first.csv'), '"C-1","1","BK-1"\n');
    listen(sut, received.onNative);
    await reportOf(processed, 'first.csv');
    await writeFile(path.join(dropDir, 'cdr.csv'), '"C-1","12","BK-1"\n');
    await reportOf(processed, 'cdr.csv');
    expect(received.messages.map((m) => m.meta?.fileName)).toEqual(['first.csv', 'cdr.csv']);
  });

  it('should stop listening when close() is called', async () => {
    const { sut } = await create();
    const { done } = listen(sut, async () => undefined);
    await sut.close();
    await expect(done).resolves.toBeUndefined();
  });

  it('should stream a generated 200,000-row file record by record', async () => {
    const { sut, dropDir, processed } = await create();
    const file = path.join(dropDir, 'big.csv.part');
    const out = createWriteStream(file);
    for (let i = 1; i <= 200_000; i++) {
      if (!out.write(`"C-${i % 97}","${i % 60}","BK-${i % 1000}"\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const { rename } = await import('node:fs/promises');
    await rename(file, path.join(dropDir, 'big.csv'));
    let count = 0;
    const [report] = await sut.scan(async () => {
      count++;
    });
    expect(count).toBe(200_000);
    expect(report).toMatchObject({ outcome: 'processed', rows: 200_000, passed: 200_000, failed: 0 });
    expect(await namesIn(processed)).toEqual(['big.csv', 'big.csv.report.json']);
  });

  describe('outbound', () => {
    const ctx = (id: string) => ({ idempotencyKey: `${id}:archive`, messageId: id, correlationId: 'corr-1', type: 'usage.priced' });

    it('should write each message once as a file named from the template', async () => {
      const outDir = await temp.make();
      const { sut } = await create({}, { outDir, fileName: '{type}-{id}.{ext}' });
      const msg = { body: Buffer.from('a,b\n'), contentType: 'text/csv' };
      const first = await sut.send(msg, ctx('m-1'));
      const again = await sut.send(msg, ctx('m-1'));
      expect(first).toEqual({ status: 201, nativeId: 'usage.priced-m-1.csv' });
      expect(again).toEqual(first);
      expect(await namesIn(outDir)).toEqual(['usage.priced-m-1.csv']);
      expect(await readFile(path.join(outDir, 'usage.priced-m-1.csv'), 'utf8')).toBe('a,b\n');
    });

    it('should keep a traversal attempt in a message field inside outDir', async () => {
      const outDir = await temp.make();
      const { sut } = await create({}, { outDir, fileName: '{customer}.json' });
      const receipt = await sut.send({ body: Buffer.from('{}'), contentType: 'application/json', meta: { customer: '../../etc/cron.d/x' } }, ctx('m-2'));
      expect(receipt.nativeId).toBe('etc_cron.d_x.json');
      expect(await namesIn(outDir)).toEqual(['etc_cron.d_x.json']);
    });

    it('should refuse a message whose file name comes out empty as permanent', async () => {
      const outDir = await temp.make();
      const { sut } = await create({}, { outDir, fileName: '{customer}' });
      await expect(sut.send({ body: Buffer.from('{}'), contentType: 'application/json', meta: { customer: '..' } }, ctx('m-3'))).rejects.toThrow(PermanentDeliveryError);
    });
  });
});
