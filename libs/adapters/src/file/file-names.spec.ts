import { alternativeName, extensionFor, fillFileName, globToRegExp, isBookkeepingName, unsafeNameReason } from './file-names';

describe('file names', () => {
  it.each([
    ['cdr-2026-11-28.csv', undefined],
    ['Master.csv', undefined],
    ['', 'empty'],
    ['../etc/passwd', 'path separator'],
    ['..', '".."'],
    ['a..b.csv', '".."'],
    ['sub\\x.csv', 'path separator'],
    ['bad\u0001name.csv', 'control character'],
    ['line\nbreak.csv', 'control character'],
    ['.hidden.csv', 'dot'],
    ['x'.repeat(256), '255 bytes'],
  ])('should judge %j as %s', (name, reason) => {
    const found = unsafeNameReason(name);
    if (reason === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(reason);
  });

  it.each([
    ['*.csv', 'Master.csv', true],
    ['*.csv', 'Master.csv.part', false],
    ['cdr-????.csv', 'cdr-0001.csv', true],
    ['cdr-????.csv', 'cdr-01.csv', false],
    ['a+b(1).csv', 'a+b(1).csv', true],
    ['*', 'anything at all', true],
  ])('should match pattern %p against %p as %p', (pattern, name, expected) => {
    expect(globToRegExp(pattern).test(name)).toBe(expected);
  });

  it('should treat markers, reports and in-progress files as bookkeeping', () => {
    expect(['a.csv.done', 'a.csv.report.json', 'a.csv.part', 'a.csv.tmp', 'a.csv'].map(isBookkeepingName)).toEqual([true, true, true, true, false]);
  });

  it('should fill a template with values reduced to safe characters', () => {
    expect(fillFileName('{type}-{id}.{ext}', { type: 'usage.priced', id: '../../etc/passwd', ext: 'csv' })).toBe('usage.priced-etc_passwd.csv');
    expect(fillFileName('{type}-{missing}.txt', { type: 'a b/c' })).toBe('a_b_c-.txt');
  });

  it('should refuse a template whose result is still unsafe', () => {
    expect(() => fillFileName('{id}', { id: '..' })).toThrow(/unsafe: the name is empty/);
    expect(() => fillFileName('../{id}', { id: 'x' })).toThrow(/path separator/);
  });

  it('should number alternatives before the extension', () => {
    expect(alternativeName('cdr.csv', 2)).toBe('cdr~2.csv');
    expect(alternativeName('Master', 3)).toBe('Master~3');
  });

  it.each([
    ['text/csv; charset=utf-8', 'csv'],
    ['application/json', 'json'],
    ['application/xml', 'xml'],
    ['application/octet-stream', 'bin'],
  ])('should name the extension of %s %s', (type, ext) => {
    expect(extensionFor(type)).toBe(ext);
  });
});
