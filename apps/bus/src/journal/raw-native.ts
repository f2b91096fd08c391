import type { NativeMessage } from '@bus/adapters';
import type { RawNative } from '../store/bus-store';

// Content types an operator can read as text in the journal; anything else is kept as base64.
const TEXTUAL = /^(text\/|application\/(json|xml|csv|x-www-form-urlencoded|[\w.-]+\+(json|xml))\b)/i;

/**
 * The native body as the journal keeps it: at most `maxBytes`, as UTF-8 text for textual
 * content types and base64 otherwise. A cut may end inside a multi-byte character; the
 * journal is for reading, and `bytes`/`truncated` say what was left out.
 */
export function captureRaw(native: NativeMessage, maxBytes: number): RawNative | undefined {
  if (maxBytes <= 0) return undefined;
  const body = native.body;
  const kept = body.length > maxBytes ? body.subarray(0, maxBytes) : body;
  const textual = TEXTUAL.test(native.contentType ?? '');
  return {
    contentType: native.contentType,
    encoding: textual ? 'utf8' : 'base64',
    data: kept.toString(textual ? 'utf8' : 'base64'),
    bytes: body.length,
    truncated: kept.length < body.length,
  };
}
