import { ErrorCodes } from '@bus/canonical-model';
import { Readable } from 'node:stream';
import { csvCodec } from './csv.codec';
import { MASTER_CSV, MASTER_CSV_COLUMNS } from './csv.codec.samples';
import { createCsvRecordStream, type CsvRecordStreamOptions, type CsvStreamItem } from './csv.codec.stream';

/** Runs `chunks` through a fresh stream and collects the items. */
async function run(chunks: (string | Buffer)[], options?: CsvRecordStreamOptions): Promise<CsvStreamItem[]> {
  const items: CsvStreamItem[] = [];
  const sut = createCsvRecordStream(options);
  for await (const item of Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))).pipe(sut)) items.push(item as CsvStreamItem);
  return items;
}

/** `[line, record]` or `[line, 'error: <location>: <reason>']`, compact for comparisons. */
const summary = (items: CsvStreamItem[]) =>
  items.map((i) => ('error' in i ? [i.line, `error at ${i.error.location}`] : [i.line, i.record]));

const byteByByte = (text: string) => [...Buffer.from(text)].map((b) => Buffer.from([b]));

describe(createCsvRecordStream.name, () => {
  it('should yield each Master.csv record with its line and named fields, like csvCodec.decode', async () => {
    const items = await run([MASTER_CSV], { columns: MASTER_CSV_COLUMNS });
    expect(items.map((i) => i.line)).toEqual([1, 2]);
    expect(items.map((i) => ('record' in i ? i.record : i))).toEqual(csvCodec.decode(Buffer.from(MASTER_CSV), { columns: MASTER_CSV_COLUMNS }));
    expect(items[0].raw).toBe(MASTER_CSV.split('\n')[0]);
  });

  it('should report bad rows with line and column and keep yielding the good rows in file order', async () => {
    const text = [
      '"a","b"', //                    1 good
      '"x"y,"2"', //                   2 text after a closing quote
      '"c","d"', //                    3 good
      '1,2,3', //                      4 three fields
      '"multi', //                     5 good, spans two lines
      'line","5"',
      '1,2 "x"', //                    7 quote in a plain field
      '"open,1', //                    8 quote never closed
      '"k","l"', //                    9 good
      '', //                           10 empty: skipped
      '"last","1"', //                 11 good, no final line break
    ].join('\n');
    expect(summary(await run([text], { expectedColumns: 2, maxRecordLines: 3 }))).toEqual([
      [1, ['a', 'b']],
      [2, 'error at line 2, column 1'],
      [3, ['c', 'd']],
      [4, 'error at line 4, column 3'],
      [5, ['multi\nline', '5']],
      [7, 'error at line 7, column 2'],
      [8, 'error at line 8, column 1'],
      [9, ['k', 'l']],
      [11, ['last', '1']],
    ]);
  });

  it('should give bad rows a CODEC.PARSE_FAILED error and their raw text for parking', async () => {
    const [item] = await run(['"10001","+49"x\n']);
    expect(item).toMatchObject({ line: 1, raw: '"10001","+49"x' });
    expect('error' in item && item.error).toMatchObject({
      code: ErrorCodes.CODEC_PARSE_FAILED,
      location: 'line 1, column 2',
      message: 'CSV record at line 1, column 2 does not parse: unexpected "x" after the closing quote (expected "," or the end of the line).',
    });
  });

  it('should resume after a quote left open at the end of the file', async () => {
    expect(summary(await run(['"a",1\n"b,2\n"c",3\n']))).toEqual([
      [1, ['a', '1']],
      [2, 'error at line 2, column 1'],
      [3, ['c', '3']],
    ]);
  });

  it('should give the same items whatever the chunk boundaries (CRLF, multi-byte characters, quotes)', async () => {
    const text = '\uFEFFid;name\r\n1;"Müller; ""Ærø"""\r\n2;Zoë\r\n3;"x"y\r\n4;"a\r\nb"\r\n';
    const whole = await run([text], { columns: true, delimiter: ';' });
    expect(summary(whole)).toEqual([
      [2, { id: '1', name: 'Müller; "Ærø"' }],
      [3, { id: '2', name: 'Zoë' }],
      [4, 'error at line 4, column 2'],
      [5, { id: '4', name: 'a\r\nb' }],
    ]);
    expect(await run(byteByByte(text), { columns: true, delimiter: ';' })).toEqual(whole);
  });

  it('should decode latin1 files', async () => {
    expect(summary(await run([Buffer.from('"Zürich","CH"\n', 'latin1')], { encoding: 'latin1' }))).toEqual([[1, ['Zürich', 'CH']]]);
  });

  it('should report a record longer than maxRecordLength and go on with the next line', async () => {
    const long = `"${'x'.repeat(500)}`;
    const items = await run([`a,b\n${long.slice(0, 100)}`, `${long.slice(100)}\n`, 'c,d\n'], { maxRecordLength: 50 });
    expect(summary(items)).toEqual([
      [1, ['a', 'b']],
      [2, 'error at line 2, column 1'],
      [3, ['c', 'd']],
    ]);
    expect('error' in items[1] && items[1].error.message).toContain('longer than 50 characters');
  });

  it('should stream many records from one chunk without running out of stack', async () => {
    const rows = 50_000;
    const text = Array.from({ length: rows }, (_, n) => `"${n}","row ${n}"`).join('\n');
    const items = await run([text]);
    expect(items).toHaveLength(rows);
    expect(items[rows - 1]).toEqual({ line: rows, record: [`${rows - 1}`, `row ${rows - 1}`], raw: `"${rows - 1}","row ${rows - 1}"` });
  });
});
