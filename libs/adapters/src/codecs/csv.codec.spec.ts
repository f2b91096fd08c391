import { ErrorCodes } from '@bus/canonical-model';
import { CodecError } from '../adapter.errors';
import { csvCodec, neutraliseFormula } from './csv.codec';
import { MASTER_CSV, MASTER_CSV_COLUMNS } from './csv.codec.samples';

const sut = csvCodec;

function decodeError(text: string, options?: Record<string, unknown>): CodecError {
  try {
    sut.decode(Buffer.from(text), options);
  } catch (e) {
    if (e instanceof CodecError) return e;
    throw e;
  }
  throw new Error('expected the CSV to be refused');
}

describe('csvCodec', () => {
  it('should declare id csv and the CSV media types', () => {
    expect(sut.id).toBe('csv');
    expect(sut.contentTypes).toEqual(['text/csv', 'application/csv']);
  });

  describe('decode', () => {
    it('should decode Asterisk Master.csv rows with named columns, quotes and embedded commas', () => {
      const rows = sut.decode(Buffer.from(MASTER_CSV), { columns: MASTER_CSV_COLUMNS }) as Record<string, string>[];
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({
        accountcode: '10001',
        clid: '"Ada Lovelace" <+4935112345>',
        lastdata: '8812,default_bridge',
        answer: '2026-12-03 15:00:05',
        billsec: '2700',
        disposition: 'ANSWERED',
        userfield: '',
      });
      expect(rows[1]).toMatchObject({ answer: '', disposition: 'NO ANSWER' });
    });

    it('should decode rows as arrays without columns, skipping empty lines and a byte-order mark', () => {
      expect(sut.decode(Buffer.from('\uFEFFa,b\r\n\r\n"c ""d""",\r\n'))).toEqual([['a', 'b'], ['c "d"', '']]);
    });

    it('should take column names from a header line', () => {
      expect(sut.decode(Buffer.from('id;name\n1;Müller\n'), { columns: true, delimiter: ';' })).toEqual([{ id: '1', name: 'Müller' }]);
    });

    it('should decode latin1 when configured', () => {
      expect(sut.decode(Buffer.from('Zürich\n', 'latin1'), { encoding: 'latin1' })).toEqual([['Zürich']]);
    });

    it.each([
      ['a row with too many fields', 'line 3', 'a,b\n1,2\n3,4,5\n', { columns: true }, 'Invalid Record Length'],
      ['text after a closing quote', 'line 2, column 1', '"a","b"\n"x"y,"2"\n', undefined, 'Invalid Closing Quote'],
      ['a quote inside a plain field', 'line 2, column 2', 'a,b\n1,2 "x"\n', { columns: true }, 'Invalid Opening Quote'],
      ['a quote inside a plain named field', 'line 2, column 2', 'a,b\n1,2 "x"\n', { columns: ['id', 'name'] }, 'Invalid Opening Quote'],
      ['a quote that is never closed', 'line 2, column 1', 'a,b\n"1,2\n', undefined, 'Quote Not Closed'],
    ])('should report %s as CODEC.PARSE_FAILED at %s', (_what, location, text, options, reason) => {
      const error = decodeError(text, options);
      expect(error.code).toBe(ErrorCodes.CODEC_PARSE_FAILED);
      expect(error.location).toBe(location);
      expect(error.message).toContain(`CSV does not parse at ${location}: ${reason}`);
    });
  });

  describe('encode', () => {
    it.each([
      ['=HYPERLINK("http://evil.example","x")', `'=HYPERLINK("http://evil.example","x")`],
      ['+49 30 1234', `'+49 30 1234`],
      ['-2+3', `'-2+3`],
      ['@SUM(A1:A2)', `'@SUM(A1:A2)`],
      ['\t=1', `'\t=1`],
      ['\r=1', `'\r=1`],
      ['plain', 'plain'],
      ['a=b', 'a=b'],
    ])('should neutralise the formula start of %j', (cell, expected) => {
      expect(neutraliseFormula(cell)).toBe(expected);
    });

    it('should neutralise formula injection in cells and header labels on encode, leaving numbers alone', () => {
      const body = sut.encode([{ name: '=cmd|"/c calc"!A1', amount: -5, note: '@x' }], { columns: ['name', 'amount', 'note'], header: true });
      expect(body.toString('utf8')).toBe(`name,amount,note\n"'=cmd|""/c calc""!A1",-5,'@x\n`);
      expect(sut.encode([{ '=evil': 1 }], { header: true }).toString('utf8')).toBe(`'=evil\n1\n`);
    });

    it('should leave cells as they are when neutraliseFormulas is false', () => {
      expect(sut.encode([['+4930999', '=1']], { neutraliseFormulas: false }).toString('utf8')).toBe('+4930999,=1\n');
    });

    it('should write one row object, dates as ISO-8601, CRLF when asked, and decode back to the same rows', () => {
      const body = sut.encode({ id: 'C-1', at: new Date('2026-12-03T14:00:00Z'), ok: true, text: 'a, "b"\nc' }, { eol: '\r\n' });
      expect(body.toString('utf8')).toBe('C-1,2026-12-03T14:00:00.000Z,true,"a, ""b""\nc"\r\n');
      expect(sut.decode(body)).toEqual([['C-1', '2026-12-03T14:00:00.000Z', 'true', 'a, "b"\nc']]);
    });

    it.each([
      ['\n', '\n'],
      ['\r\n', '\n'],
      ['\n', '\r\n'],
    ])('should quote a value holding a bare carriage return or line feed (eol %j), which a spreadsheet reads as a row break', (_label, eol) => {
      const body = sut.encode([['a\rb', 'c\nd', 'e']], { eol: eol as '\n' | '\r\n' });
      expect(body.toString('utf8')).toBe(`"a\rb","c\nd",e${eol}`);
      expect(sut.decode(body)).toEqual([['a\rb', 'c\nd', 'e']]);
    });

    it.each([['a string', 'x'], ['a list of strings', ['a', 'b']], ['null', null]])('should refuse to encode %s', (_what, value) => {
      expect(() => sut.encode(value)).toThrow(CodecError);
    });
  });
});
