import { ErrorCodes } from '@bus/canonical-model';
import { CodecError } from '../adapter.errors';
import type { Codec } from './codec';
import { lineAndColumn } from '../text-position';
import { findJsonErrorOffset } from './json-error-location';

const BOM = 0xfeff;

/** Shortened source excerpt around an error offset, so the message stays one readable line. */
const excerptAt = (text: string, offset: number) =>
  JSON.stringify(text.slice(Math.max(0, offset - 20), offset + 20));

function parseError(text: string, cause: unknown): CodecError {
  const offset = findJsonErrorOffset(text);
  const at = offset < 0 ? text.length : offset;
  const { line, column } = lineAndColumn(text, at);
  const location = `line ${line}, column ${column} (position ${at})`;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new CodecError(
    `JSON does not parse at ${location}: ${reason}; near ${excerptAt(text, at)}. Fix the sender's JSON.`,
    ErrorCodes.CODEC_PARSE_FAILED,
    location,
    { cause },
  );
}

/**
 * JSON <-> JS values. Decoding is a plain `JSON.parse` of the UTF-8 text (the hot path);
 * only when that fails is the text re-scanned to name the line and column.
 */
export const jsonCodec: Codec = {
  id: 'json',
  contentTypes: ['application/json'],
  decode(body: Buffer): unknown {
    let text = body.toString('utf8');
    // Some Windows-based senders prefix a byte-order mark, which JSON.parse rejects.
    if (text.charCodeAt(0) === BOM) text = text.slice(1);
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw parseError(text, cause);
    }
  },
  encode(value: unknown): Buffer {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (cause) {
      throw new CodecError(`Value cannot be encoded as JSON: ${(cause as Error).message}`, ErrorCodes.CODEC_PARSE_FAILED, undefined, { cause });
    }
    // JSON.stringify returns undefined for undefined, functions and symbols: there is nothing to send.
    if (text === undefined) {
      throw new CodecError(`Value of type ${typeof value} cannot be encoded as JSON; the mapping must return a JSON value.`);
    }
    return Buffer.from(text, 'utf8');
  },
};
