import { runAdapterConformance } from '../testing/adapter-conformance';
import { validateAdapterConfig } from '../adapter-config.validator';
import { fileAdapter } from './file.adapter';

const MASTER_CSV = ['accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata', 'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'uniqueid', 'userfield'];

describe('fileAdapter', () => {
  runAdapterConformance(fileAdapter, {
    validInbound: [
      { dropDir: '/var/spool/bus/nonexistent-cdr' },
      { dropDir: '/data/cdr', schedule: '*/1 * * * *', pattern: '*.csv', readiness: 'marker', encoding: 'latin1', csvColumns: MASTER_CSV, meta: { timeZone: 'Europe/Berlin' } },
      { dropDir: '/data/erp', schedule: '*/10 * * * * *', readiness: 'stable-size', stableMs: '2000', processedDir: '/archive/erp', failedDir: 'rejected', delimiter: ';', headerRow: true },
      { dropDir: '/data/cdr', recordsInFlight: 1 },
      { dropDir: '/data/cdr', recordsInFlight: '1024' },
    ],
    validOutbound: [{ outDir: '/var/spool/bus/nonexistent-out' }, { outDir: '/data/out', fileName: '{type}-{id}.{ext}' }],
  });

  it('should apply the documented defaults', () => {
    expect(validateAdapterConfig(fileAdapter, 'inbound', { dropDir: '/d' }).value).toMatchObject({
      pattern: '*',
      readiness: 'stable-size',
      stableMs: 1000,
      processedDir: 'processed',
      failedDir: 'failed',
      encoding: 'utf8',
      delimiter: ',',
      headerRow: false,
      recordsInFlight: 32,
    });
    expect(validateAdapterConfig(fileAdapter, 'outbound', { outDir: '/o' }).value).toMatchObject({ fileName: '{type}-{id}.{ext}' });
  });

  it.each([
    [{ dropDir: '/d', schedule: 'every minute' }, 'schedule'],
    [{ dropDir: '/d', readiness: 'size' }, 'readiness'],
    [{ dropDir: '/d', encoding: 'utf16le' }, 'encoding'],
    [{ dropDir: '/d', csvColumns: [] }, 'csvColumns'],
    [{ dropDir: '/d', csvColumns: ['a b'] }, 'csvColumns'],
    [{ dropDir: '/d', delimiter: ';;' }, 'delimiter'],
    [{ dropDir: '/d', meta: { offset: 2 } }, 'meta'],
    [{ dropDir: '' }, 'dropDir'],
    [{ dropDir: '/d', recordsInFlight: 0 }, 'recordsInFlight'],
    [{ dropDir: '/d', recordsInFlight: 1025 }, 'recordsInFlight'],
    [{ dropDir: '/d', recordsInFlight: 2.5 }, 'recordsInFlight'],
  ])('should reject inbound settings %j at %s', (plain, at) => {
    expect(validateAdapterConfig(fileAdapter, 'inbound', plain).errors.map((e) => e.path)).toEqual([at]);
  });

  it('should report recordsInFlight out of range at its path, with the bound', () => {
    const [error] = validateAdapterConfig(fileAdapter, 'inbound', { dropDir: '/d', recordsInFlight: 5000 }).errors;

    expect(error).toMatchObject({ path: 'recordsInFlight', message: expect.stringMatching(/^must be at most 1024/) });
  });
});
