import { validatePayload } from '@bus/canonical-model';
import { createReadStream, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MappingError } from '../../adapter.errors';
import { readCsvRecords } from '../../file/file.records';
import { bridgeCdrMapper, MASTER_CSV_COLUMNS, MASTER_CSV_COLUMNS_LONG, type MasterCsvRecord } from './bridge-cdr.mapper';

const META = { fileName: 'Master-CONF-0001-1.csv', line: 3, sha256: 'ab'.repeat(32), timeZone: 'Europe/Berlin' };

const row = (overrides: Partial<MasterCsvRecord> = {}): MasterCsvRecord => ({
  accountcode: '001Dm0000000001wtn',
  src: '+4930111222',
  dst: '8000',
  dcontext: 'conferences',
  clid: '"Ann Example" <+4930111222>',
  channel: 'SIP/trunk-0000000a',
  dstchannel: '',
  lastapp: 'ConfBridge',
  lastdata: 'CONF-0001',
  start: '2026-12-03 10:00:00',
  answer: '2026-12-03 10:00:04',
  end: '2026-12-03 10:30:04',
  duration: '1804',
  billsec: '1800',
  disposition: 'ANSWERED',
  amaflags: 'DOCUMENTATION',
  uniqueid: '1764752400.17',
  userfield: 'R-2026-000123',
  ...overrides,
});

async function rejection(p: Promise<unknown>): Promise<MappingError> {
  try {
    await p;
  } catch (e) {
    return e as MappingError;
  }
  throw new Error('expected a MappingError');
}

describe('bridgeCdrMapper', () => {
  const sut = bridgeCdrMapper();

  it('should name the 18 Master.csv columns in file order', () => {
    expect(MASTER_CSV_COLUMNS).toHaveLength(18);
    expect([MASTER_CSV_COLUMNS[0], MASTER_CSV_COLUMNS[9], MASTER_CSV_COLUMNS[17]]).toEqual(['accountcode', 'start', 'userfield']);
  });

  it('should map an answered call leg to usage.recorded with UTC times', async () => {
    expect(await sut.toCanonical(row(), META)).toEqual([
      {
        type: 'usage.recorded',
        occurredAt: '2026-12-03T09:30:04.000Z',
        nativeId: 'cdr-1764752400.17',
        payload: {
          usageId: '1764752400.17',
          customerId: '001Dm0000000001wtn',
          bookingId: 'R-2026-000123',
          conferenceId: 'CONF-0001',
          caller: '+4930111222',
          startedAt: '2026-12-03T09:00:00.000Z',
          answeredAt: '2026-12-03T09:00:04.000Z',
          endedAt: '2026-12-03T09:30:04.000Z',
          durationSeconds: 1804,
          billableSeconds: 1800,
          disposition: 'answered',
        },
      },
    ]);
  });

  it('should map the sample Master.csv, read as the file adapter reads it, to the expected drafts', async () => {
    const dir = path.join(__dirname, '__fixtures__', 'bridge-cdr');
    const drafts = [];
    for await (const record of readCsvRecords(createReadStream(path.join(dir, 'Master.csv'), 'utf8'), { columns: MASTER_CSV_COLUMNS })) {
      if (record.kind !== 'row') throw new Error(`line ${record.line}: ${record.kind}`);
      const value = Object.fromEntries(MASTER_CSV_COLUMNS.map((c, i) => [c, record.fields[i]]));
      drafts.push(...(await sut.toCanonical(value, { fileName: 'Master.csv', line: record.line, timeZone: 'Europe/Berlin' })));
    }
    expect(drafts).toEqual(JSON.parse(readFileSync(path.join(dir, 'Master.canonical.json'), 'utf8')));
  });

  it('should produce payloads the canonical model accepts', async () => {
    const [answered] = await sut.toCanonical(row(), META);
    const [missed] = await sut.toCanonical(row({ answer: '', billsec: '0', disposition: 'BUSY', duration: '5', end: '2026-12-03 10:00:05' }), META);
    expect([validatePayload(answered.type, answered.payload), validatePayload(missed.type, missed.payload)]).toEqual([[], []]);
  });

  it('should keep an unanswered call with no answer time and nothing billable', async () => {
    const [draft] = await sut.toCanonical(row({ answer: '', billsec: '0', disposition: 'NO ANSWER', end: '2026-12-03 10:00:20', duration: '20' }), META);
    expect(draft.payload).toMatchObject({ disposition: 'no-answer', billableSeconds: 0 });
    expect(draft.payload).not.toHaveProperty('answeredAt');
  });

  it.each([
    [{ start: '03.12.2026 10:00' }, 'column 10 (start)', 'YYYY-MM-DD HH:MM:SS'],
    [{ duration: '-5' }, 'column 13 (duration)', 'negative'],
    [{ billsec: 'abc' }, 'column 14 (billsec)', 'not a whole number'],
    [{ billsec: '2000' }, 'column 14 (billsec)', 'more than the 1804 s duration'],
    [{ end: '2026-12-03 09:00:00' }, 'column 12 (end)', 'before it starts'],
    [{ accountcode: ' ' }, 'column 1 (accountcode)', 'customer id'],
    [{ disposition: 'MAYBE' }, 'column 15 (disposition)', 'ANSWERED'],
  ])('should refuse %j naming file, line and %s', async (overrides, column, reason) => {
    const error = await rejection(sut.toCanonical(row(overrides), META));
    expect(error).toBeInstanceOf(MappingError);
    expect(error.location).toBe(`file Master-CONF-0001-1.csv line 3 ${column}`);
    expect(error.message).toContain(reason);
  });

  it('should take the conference id from the first argument of ConfBridge(...) and MeetMe(...)', async () => {
    const [confBridge] = await sut.toCanonical(row({ lastdata: 'CONF-1001,default_bridge,default_user' }), META);
    const [meetMe] = await sut.toCanonical(row({ lastapp: 'MeetMe', lastdata: 'CONF-1002|dM' }), META);
    expect([confBridge.payload, meetMe.payload]).toMatchObject([{ conferenceId: 'CONF-1001' }, { conferenceId: 'CONF-1002' }]);
  });

  it('should record an ordinary Dial leg as not billable and without a conference', async () => {
    const [draft] = await sut.toCanonical(row({ lastapp: 'Dial', lastdata: 'SIP/trunk/+4935199999,60,tT', dcontext: 'from-internal' }), META);
    expect(draft.payload).toMatchObject({ billable: false });
    expect(draft.payload).not.toHaveProperty('conferenceId');
    expect(validatePayload('usage.recorded', draft.payload)).toEqual([]);
  });

  it('should bill the legs the system config names by application, disposition and context', async () => {
    const meta = { ...META, billableApps: 'ConfBridge, Dial', billableDispositions: 'ANSWERED', billableContexts: 'conferences,from-trunk' };
    const billable = async (overrides: Partial<MasterCsvRecord>) => !('billable' in ((await sut.toCanonical(row(overrides), meta))[0].payload as object));
    expect(await billable({})).toBe(true);
    expect(await billable({ lastapp: 'Dial', dcontext: 'from-trunk' })).toBe(true);
    expect(await billable({ lastapp: 'MeetMe' })).toBe(false);
    expect(await billable({ disposition: 'NO ANSWER', billsec: '0', answer: '' })).toBe(false);
    expect(await billable({ dcontext: 'from-internal' })).toBe(false);
  });

  it('should accept an empty userfield, as most real rows have, and leave the booking out', async () => {
    const [draft] = await sut.toCanonical(row({ userfield: '' }), META);
    expect(draft.payload).not.toHaveProperty('bookingId');
    expect(validatePayload('usage.recorded', draft.payload)).toEqual([]);
  });

  it('should read the longer column set with peeraccount, linkedid and sequence', async () => {
    expect(MASTER_CSV_COLUMNS_LONG.slice(18)).toEqual(['peeraccount', 'linkedid', 'sequence']);
    const [long] = await sut.toCanonical({ ...row(), peeraccount: '', linkedid: '1764752400.17', sequence: '42' }, META);
    const [classic] = await sut.toCanonical(row(), META);
    expect(long).toEqual(classic);
  });

  it('should refuse a record without a known time zone, saying where to set it', async () => {
    const error = await rejection(sut.toCanonical(row(), { ...META, timeZone: 'CET+1' }));
    expect(error.message).toContain('set inbound.meta.timeZone');
  });

  it('should refuse a line the file adapter could not parse, with its reason', async () => {
    const error = await rejection(sut.toCanonical('"x","y"', { ...META, error: 'expected 18 columns, found 2' }));
    expect(error.message).toContain('expected 18 columns, found 2');
  });

  it('should send nothing', async () => {
    await expect(sut.fromCanonical({ id: 'm', type: 'conference.booked', schemaVersion: 1, source: 'booking', correlationId: 'c', occurredAt: '', payload: {} })).rejects.toThrow(MappingError);
    expect(sut.outboundTypes).toEqual([]);
  });
});
