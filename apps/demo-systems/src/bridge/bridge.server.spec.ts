import { MAPPERS } from '@bus/adapters';
import { validatePayload } from '@bus/canonical-model';
import { MASTER_CSV_COLUMNS as MAPPER_COLUMNS } from '@bus/adapters/mapping/mappers/bridge-cdr.mapper';
import { readCsvRecords } from '@bus/adapters/file/file.records';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MASTER_CSV_COLUMNS } from './bridge.cdr';
import { startBridge, type RunningBridge } from './bridge.server';

const BOOKING = {
  bookingRef: 'R-2026-000001',
  accountCode: '001Dm0000000001wtn',
  title: 'Quarterly review',
  start: '2026-12-03T09:00:00Z',
  durationMin: 30,
  participantPin: '482913',
  recording: true,
  participants: [{ name: 'Ada Lovelace', phone: '+49301112223' }, { name: 'Charles "CB" Babbage' }, { name: 'Grace Hopper' }],
};

describe(startBridge.name, () => {
  let cdrDir: string;
  let sut: RunningBridge;

  beforeEach(async () => {
    cdrDir = await mkdtemp(path.join(tmpdir(), 'bus-bridge-'));
    sut = await startBridge({ cdrDir, timeZone: 'Europe/Berlin' });
  });
  afterEach(async () => {
    await sut.close();
    await rm(cdrDir, { recursive: true, force: true });
  });

  const call = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(sut.url + p, { method, headers: { 'Content-Type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const provision = async () => (await (await call('POST', '/conferences', BOOKING)).json()).conferenceId as string;

  it('should provision a conference and answer 201 with its CONF id in Location and X-Resource-Id', async () => {
    const res = await call('POST', '/conferences', BOOKING);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/conferences/CONF-0001');
    expect(res.headers.get('x-resource-id')).toBe('CONF-0001');
    expect(await res.json()).toEqual({ conferenceId: 'CONF-0001', dialIn: '+49 30 5555 8000', participantPin: '482913', status: 'scheduled' });
  });

  it('should provision once for a repeated Idempotency-Key', async () => {
    await call('POST', '/conferences', BOOKING, { 'Idempotency-Key': 'm-1:bridge' });
    const again = await call('POST', '/conferences', BOOKING, { 'Idempotency-Key': 'm-1:bridge' });
    expect(again.headers.get('x-resource-id')).toBe('CONF-0001');
    expect(sut.store.list()).toHaveLength(1);
    expect(sut.replayed()).toBe(1);
  });

  it('should make a PIN when the booking brings none', async () => {
    const { participantPin: _, ...withoutPin } = BOOKING;
    const body = await (await call('POST', '/conferences', withoutPin)).json();
    expect(body.participantPin).toMatch(/^\d{6}$/);
  });

  it.each([
    ['start must be ISO-8601 UTC', { ...BOOKING, start: '2026-12-03 10:00' }],
    ['durationMin must be a whole number', { ...BOOKING, durationMin: 0 }],
    ['accountCode must be a non-empty string', { ...BOOKING, accountCode: '' }],
    ['recording must be true or false', { ...BOOKING, recording: 'yes' }],
  ])('should refuse a provisioning request with 400 in its own format: %s', async (message, body) => {
    const res = await call('POST', '/conferences', body);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain(message);
  });

  it('should drop one quoted Master.csv line per participant, times in the bridge local zone, no header', async () => {
    const id = await provision();
    const res = await call('POST', `/admin/simulate-call/${id}`);
    expect(res.status).toBe(201);
    const { file } = await res.json();
    expect(await readdir(cdrDir)).toEqual([file]);
    const lines = (await readFile(path.join(cdrDir, file), 'utf8')).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines[0]).toBe(
      '"001Dm0000000001wtn","+49301112223","8000","conferences","""Ada Lovelace"" <+49301112223>","SIP/trunk-00000001","","ConfBridge","CONF-0001,default_bridge,default_user",' +
        '"2026-12-03 10:00:00","2026-12-03 10:00:03","2026-12-03 10:30:03","1803","1800","ANSWERED","DOCUMENTATION","1796288400.1","R-2026-000001"',
    );
    expect(lines[1]).toContain('"""Charles ""CB"" Babbage"" <');
  });

  it('should write the file as .part and rename it, or in two steps when told to', async () => {
    const direct = await startBridge({ cdrDir, cdrWriteMode: 'direct' });
    try {
      const res = await fetch(`${direct.url}/conferences`, { method: 'POST', body: JSON.stringify(BOOKING) });
      const { conferenceId } = await res.json();
      const { file } = await (await fetch(`${direct.url}/admin/simulate-call/${conferenceId}`, { method: 'POST' })).json();
      expect(await readdir(cdrDir)).toEqual([file]);
    } finally {
      await direct.close();
    }
  });

  it('should write calls as asked, with raw extra lines for bad-row tests', async () => {
    const id = await provision();
    const res = await call('POST', `/admin/simulate-call/${id}`, {
      calls: [{ src: '+4930999', talkSec: 90 }, { src: '+4930888', disposition: 'NO ANSWER' }],
      extraLines: ['"broken","row"'],
    });
    const { file, records } = await res.json();
    expect(records.map((r: Record<string, string>) => [r.billsec, r.answer === '', r.disposition])).toEqual([
      ['90', false, 'ANSWERED'],
      ['0', true, 'NO ANSWER'],
    ]);
    expect((await readFile(path.join(cdrDir, file), 'utf8')).trimEnd().split('\n').pop()).toBe('"broken","row"');
  });

  it('should answer 404 for a conference it does not know', async () => {
    expect((await call('POST', '/admin/simulate-call/CONF-9999')).status).toBe(404);
  });

  it('should write records the file adapter and the bridge-cdr mapper turn into valid usage.recorded', async () => {
    expect([...MASTER_CSV_COLUMNS]).toEqual([...MAPPER_COLUMNS]);
    const id = await provision();
    const { file } = await (await call('POST', `/admin/simulate-call/${id}`)).json();
    const mapper = MAPPERS['bridge-cdr']();
    const drafts = [];
    for await (const record of readCsvRecords(createReadStream(path.join(cdrDir, file), 'utf8'), { columns: MASTER_CSV_COLUMNS })) {
      if (record.kind !== 'row') throw new Error(`unexpected ${record.kind} record at line ${record.line}`);
      const value = Object.fromEntries(MASTER_CSV_COLUMNS.map((c, i) => [c, record.fields[i]]));
      drafts.push(...(await mapper.toCanonical(value, { fileName: file, line: record.line, timeZone: 'Europe/Berlin' })));
    }
    expect(drafts).toHaveLength(3);
    expect(drafts.map((d) => validatePayload(d.type, d.payload))).toEqual([[], [], []]);
    expect(drafts[0].payload).toMatchObject({
      customerId: '001Dm0000000001wtn',
      bookingId: 'R-2026-000001',
      conferenceId: 'CONF-0001',
      startedAt: '2026-12-03T09:00:00.000Z',
      endedAt: '2026-12-03T09:30:03.000Z',
      billableSeconds: 1800,
    });
  });
});
