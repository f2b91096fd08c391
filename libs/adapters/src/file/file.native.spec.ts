import { nativeFromLine } from './file.native';

describe(nativeFromLine.name, () => {
  const config = { delimiter: ',', csvColumns: ['account', 'minutes', 'ref'], meta: { timeZone: 'Europe/Berlin' } };
  const meta = { fileName: 'cdr.csv', sha256: 'ab', line: 7 };

  it('should turn a fixed line into the record the adapter would have read', () => {
    const msg = nativeFromLine('"C-1","12","BK-1"', config, meta);
    expect(JSON.parse(msg.body.toString())).toEqual({ account: 'C-1', minutes: '12', ref: 'BK-1' });
    expect(msg).toMatchObject({ contentType: 'application/json', meta: { fileName: 'cdr.csv', sha256: 'ab', line: 7, timeZone: 'Europe/Berlin' } });
  });

  it('should say again what is wrong with a line that still does not fit', () => {
    expect(nativeFromLine('"C-1","12"', config, meta).meta).toMatchObject({ error: 'expected 3 columns, found 2', errorLine: 7, errorColumn: 3 });
    expect(nativeFromLine('"C-1,"12","x"', config, meta).meta).toMatchObject({ errorColumn: 1 });
  });
});
