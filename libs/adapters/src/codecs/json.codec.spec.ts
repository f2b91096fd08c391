import { ErrorCodes } from '@bus/canonical-model';
import { CodecError } from '../adapter.errors';
import { jsonCodec } from './json.codec';

const decodeError = (text: string): CodecError => {
  try {
    sut.decode(Buffer.from(text, 'utf8'));
  } catch (e) {
    return e as CodecError;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
};

const sut = jsonCodec;

describe('jsonCodec', () => {
  it('should declare id json and application/json', () => {
    expect(sut.id).toBe('json');
    expect(sut.contentTypes[0]).toBe('application/json');
  });

  it('should decode a UTF-8 JSON body', () => {
    expect(sut.decode(Buffer.from('{"name":"Müller","n":[1,2]}'))).toEqual({ name: 'Müller', n: [1, 2] });
  });

  it('should decode a body that starts with a byte-order mark', () => {
    expect(sut.decode(Buffer.from('\uFEFF{"a":1}', 'utf8'))).toEqual({ a: 1 });
  });

  it('should encode a value as UTF-8 JSON that decodes to the same value', () => {
    const value = { name: 'Ærø', items: [{ q: 1 }], nothing: null };
    const body = sut.encode(value);
    expect(body.toString('utf8')).toBe(JSON.stringify(value));
    expect(sut.decode(body)).toEqual(value);
  });

  it('should refuse to encode undefined with a CodecError', () => {
    expect(() => sut.encode(undefined)).toThrow(CodecError);
  });

  it.each([
    ['{"a":}', 1, 6],
    ['{\n  "a": 1,\n}', 3, 1],
    ['[1,2,,]', 1, 6],
    ['{"a":1', 1, 7],
    ['', 1, 1],
    ['{"a":1} x', 1, 9],
    ['{\n"a": "x\ny"}', 2, 8],
  ])('should report %j as CODEC.PARSE_FAILED at line %i, column %i', (text, line, column) => {
    const error = decodeError(text);
    expect(error).toBeInstanceOf(CodecError);
    expect(error.code).toBe(ErrorCodes.CODEC_PARSE_FAILED);
    expect(error.retryable).toBe(false);
    expect(error.location).toContain(`line ${line}, column ${column}`);
    expect(error.message).toContain(`line ${line}, column ${column}`);
  });
});
