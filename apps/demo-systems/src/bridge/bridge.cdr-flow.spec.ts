import { findCodec, MAPPERS, type NativeMessage } from '@bus/adapters';
import { fileAdapter, FileInboundConfig, type FileInstance } from '@bus/adapters/file';
import { silentAdapterContext } from '@bus/adapters/testing';
import { validatePayload, type CanonicalDraft } from '@bus/canonical-model';
import { plainToInstance } from 'class-transformer';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MASTER_CSV_COLUMNS } from './bridge.cdr';
import { startBridge, type RunningBridge } from './bridge.server';
import type { CdrWriteMode } from './bridge.cdr-writer';

const BOOKING = {
  bookingRef: 'R-2026-000001',
  accountCode: '001Dm0000000001wtn',
  start: '2026-12-03T09:00:00Z',
  durationMin: 20,
  recording: false,
  participants: [{ name: 'Ada' }, { name: 'Charles' }],
};

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The bridge's CDR files as the bus reads them: the file adapter listening on the bridge's drop folder,
 * the json codec and the bridge-cdr mapper, as `bridge-cdr` in config/examples/booking-bridge.yaml.
 */
describe('bridge CDR files read by the file adapter', () => {
  let dir: string;
  let bridge: RunningBridge;
  let sut: FileInstance;
  let stop: AbortController;
  let listening: Promise<void>;
  const drafts: CanonicalDraft[] = [];
  const refused: { line: unknown; message: string }[] = [];

  const setUp = async (mode: CdrWriteMode, readiness: 'rename' | 'marker') => {
    stop = new AbortController();
    drafts.length = 0;
    refused.length = 0;
    dir = await mkdtemp(path.join(tmpdir(), 'bus-cdr-flow-'));
    bridge = await startBridge({ cdrDir: dir, cdrWriteMode: mode, timeZone: 'Europe/Berlin' });
    const inbound = plainToInstance(FileInboundConfig, { dropDir: dir, pattern: '*.csv', readiness, csvColumns: [...MASTER_CSV_COLUMNS], meta: { timeZone: 'Europe/Berlin' } });
    sut = fileAdapter.create({ inbound }, silentAdapterContext('bridge-cdr')) as FileInstance;
    const mapper = MAPPERS['bridge-cdr']();
    // What the bus's inbound pipeline does per record, without the broker.
    const onNative = async (msg: NativeMessage) => {
      try {
        drafts.push(...(await mapper.toCanonical(findCodec('json')!.decode(msg.body), { ...msg.meta })));
      } catch (e) {
        refused.push({ line: msg.meta?.line, message: (e as Error).message });
        throw e;
      }
    };
    listening = sut.listen(onNative, stop.signal);
  };

  afterEach(async () => {
    stop.abort();
    await listening;
    await bridge.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should turn a simulated call into one valid usage.recorded per leg, and report a bad row by line and column', async () => {
    await setUp('rename', 'rename');
    const conf = await (await fetch(`${bridge.url}/conferences`, { method: 'POST', body: JSON.stringify(BOOKING) })).json();
    const sim = await fetch(`${bridge.url}/admin/simulate-call/${conf.conferenceId}`, {
      method: 'POST',
      body: JSON.stringify({ extraLines: ['"001Dm0000000001wtn","+4930","8000","conferences","","SIP/x","","ConfBridge","CONF-0001","2026-12-03 10:00:00","","2026-12-03 10:00:05","-5","0","NO ANSWER","DOCUMENTATION","1.9","R-2026-000001"'] }),
    });
    const { file } = await sim.json();
    const processed = path.join(dir, 'processed');
    const report = await waitFor('the report', async () =>
      (await readdir(processed).catch((): string[] => [])).includes(`${file}.report.json`) ? JSON.parse(await readFile(path.join(processed, `${file}.report.json`), 'utf8')) : undefined,
    );
    expect(report).toMatchObject({ outcome: 'processed', rows: 3, passed: 2, failed: 1 });
    expect(report.failedRows).toEqual([{ line: 3, column: 13, kind: 'rejected', reason: expect.stringContaining('-5 is negative') }]);
    expect(drafts.map((d) => [d.type, (d.payload as { startedAt: string }).startedAt, validatePayload(d.type, d.payload)])).toEqual([
      ['usage.recorded', '2026-12-03T09:00:00.000Z', []],
      ['usage.recorded', '2026-12-03T09:00:07.000Z', []],
    ]);
    expect(refused).toEqual([{ line: 3, message: expect.stringContaining(`file ${file} line 3 column 13 (duration)`) }]);
  });

  it('should read a file the bridge marks complete with a .done file, and remove the marker', async () => {
    await setUp('marker', 'marker');
    const conf = await (await fetch(`${bridge.url}/conferences`, { method: 'POST', body: JSON.stringify(BOOKING) })).json();
    const { file } = await (await fetch(`${bridge.url}/admin/simulate-call/${conf.conferenceId}`, { method: 'POST' })).json();
    await waitFor('the file to be moved', async () => ((await readdir(dir)).includes(file) ? undefined : true));
    expect(await readdir(dir)).toEqual(['failed', 'processed']);
    expect(drafts).toHaveLength(2);
  });
});
