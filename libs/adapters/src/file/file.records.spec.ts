import { Readable } from 'node:stream';
import { parseCsvLine, readCsvRecords, readLines, type CsvRecord, type CsvHeader } from './file.records';

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const chunks = (...parts: string[]) => Readable.from(parts);

describe(parseCsvLine.name, () => {
  it.each([
    ['"a","b","c"', ['a', 'b', 'c']],
    ['a,b,,d', ['a', 'b', '', 'd']],
    ['"""Bob"" <+4930123>","x"', ['"Bob" <+4930123>', 'x']],
    ['"a,b",c', ['a,b', 'c']],
    ['"",""', ['', '']],
    ['x,', ['x', '']],
  ])('should split %s', (line, fields) => {
    expect(parseCsvLine(line)).toEqual({ fields });
  });

  it('should name the column of an unclosed quote', () => {
    expect(parseCsvLine('"a","b","c')).toEqual({ column: 3, reason: expect.stringContaining('quote not closed') });
  });

  it('should name the column of text after a closing quote', () => {
    expect(parseCsvLine('"a","b"x,"c"')).toEqual({ column: 2, reason: 'unexpected "x" after the closing quote' });
  });

  it('should use another delimiter', () => {
    expect(parseCsvLine('a;"b;c"', ';')).toEqual({ fields: ['a', 'b;c'] });
  });
});

describe(readCsvRecords.name, () => {
  it('should number lines across chunk borders and CRLF endings, skipping empty lines', async () => {
    const records = await collect(readCsvRecords(chunks('"a","b"\r\n"c",', '"d"\r\n\r\n"e","f"')));
    expect(records).toEqual([
      { kind: 'row', line: 1, fields: ['a', 'b'], end: 9 },
      { kind: 'row', line: 2, fields: ['c', 'd'], end: 18 },
      { kind: 'row', line: 4, fields: ['e', 'f'], end: 27 },
    ]);
  });

  it('should report a wrong column count at the first missing or extra column while the good rows flow', async () => {
    const records = await collect(readCsvRecords(chunks('a,b,c\nd,e\nf,g,h,i\nj,k,l\n'), { columns: ['x', 'y', 'z'] }));
    expect(records).toEqual([
      { kind: 'row', line: 1, fields: ['a', 'b', 'c'], end: 6 },
      { kind: 'bad', line: 2, column: 3, reason: 'expected 3 columns, found 2', raw: 'd,e', end: 10 },
      { kind: 'bad', line: 3, column: 4, reason: 'expected 3 columns, found 4', raw: 'f,g,h,i', end: 18 },
      { kind: 'row', line: 4, fields: ['j', 'k', 'l'], end: 24 },
    ]);
  });

  it('should keep reading after a line with a stray quote', async () => {
    const records = await collect(readCsvRecords(chunks('"a","b"\n"c\n"d","e"\n')));
    expect(records.map((r) => [r.kind, r.line])).toEqual([
      ['row', 1],
      ['bad', 2],
      ['row', 3],
    ]);
  });

  it('should take the column count from a header row', async () => {
    const records = await collect(readCsvRecords(chunks('id,name\n1,A\n2\n'), { headerRow: true }));
    expect(records).toEqual<(CsvRecord | CsvHeader)[]>([
      { kind: 'header', line: 1, columns: ['id', 'name'], end: 8 },
      { kind: 'row', line: 2, fields: ['1', 'A'], end: 12 },
      { kind: 'bad', line: 3, column: 2, reason: 'expected 2 columns, found 1', raw: '2', end: 14 },
    ]);
  });

  it('should count byte offsets of multi-byte text and resume from one with the line numbers and column count it had', async () => {
    const text = '"Müller","1"\n"Zoë","2"\n"Ana","3"\n';
    const all = await collect(readCsvRecords(chunks(text)));
    const cut = all[0].end!;
    expect(cut).toBe(Buffer.byteLength('"Müller","1"\n'));

    const rest = await collect(readCsvRecords(chunks(Buffer.from(text).subarray(cut).toString()), { columnCount: 2, start: { line: 1, offset: cut } }));

    expect(rest).toEqual([
      { kind: 'row', line: 2, fields: ['Zoë', '2'], end: Buffer.byteLength('"Müller","1"\n"Zoë","2"\n') },
      { kind: 'row', line: 3, fields: ['Ana', '3'], end: Buffer.byteLength(text) },
    ]);
  });
});

describe(readLines.name, () => {
  it('should report an overlong line once and go on with the next', async () => {
    const lines = await collect(readLines(chunks('ok\n', 'x'.repeat(30), 'y'.repeat(30), 'z\nnext\n'), 40));
    expect(lines).toEqual([
      { line: 1, text: 'ok', end: 3 },
      { line: 2, text: 'x'.repeat(30) + 'y'.repeat(30), tooLong: true, end: 3 },
      { line: 3, text: 'next', end: 70 },
    ]);
  });
});
