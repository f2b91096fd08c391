import { ErrorCodes } from '@bus/canonical-model';
import { CodecError } from '../adapter.errors';
import { lineAndColumn } from '../text-position';

/** Why a document is refused before parsing; the texts are part of the 400 answer the sender sees. */
export const XML_UNSAFE_REASONS = {
  doctype: 'XML DOCTYPE/DTD is not accepted (entity expansion and external entities are refused)',
  entity: 'XML ENTITY declarations are not accepted (entity expansion and external entities are refused)',
} as const;

// The five predefined entities and character references; anything else needs a DTD, which we refuse.
const REFERENCE = /&(?:lt|gt|amp|apos|quot|#[0-9]{1,10}|#x[0-9a-fA-F]{1,8});/y;

const where = (text: string, offset: number) => {
  const { line, column } = lineAndColumn(text, offset);
  return `line ${line}, column ${column}`;
};

/**
 * Refuses a document that declares a DTD or entities, or refers to an undefined entity, before any
 * parser sees it: no entity expansion (billion laughs) and no external entity (XXE) can happen.
 * Comments and CDATA sections are text and are skipped; an unterminated one is not, so markup
 * hidden behind it is still found. One linear pass (indexOf), so hostile input cannot make it slow.
 * @throws CodecError CODEC.UNSAFE_INPUT for a DOCTYPE or ENTITY, CODEC.PARSE_FAILED for an undefined entity
 */
export function assertSafeXml(text: string): void {
  // Once a terminator is known to be absent from the rest, later openers need no new search.
  let commentEndAhead = true;
  let cdataEndAhead = true;
  let i = 0;
  // Next `<!` and `&` at or after i; -1 stays -1 (none ahead), so each is searched forward only once.
  let lt = text.indexOf('<!');
  let amp = text.indexOf('&');
  for (;;) {
    if (lt >= 0 && lt < i) lt = text.indexOf('<!', i);
    if (amp >= 0 && amp < i) amp = text.indexOf('&', i);
    if (lt < 0 && amp < 0) return;
    if (amp >= 0 && (lt < 0 || amp < lt)) {
      REFERENCE.lastIndex = amp;
      if (!REFERENCE.test(text)) throw undefinedEntity(text, amp);
      i = REFERENCE.lastIndex;
      continue;
    }
    if (text.startsWith('<!--', lt)) {
      const end = commentEndAhead ? text.indexOf('-->', lt + 4) : -1;
      if (end < 0) commentEndAhead = false;
      i = end < 0 ? lt + 4 : end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = cdataEndAhead ? text.indexOf(']]>', lt + 9) : -1;
      if (end < 0) cdataEndAhead = false;
      i = end < 0 ? lt + 9 : end + 3;
      continue;
    }
    const keyword = text.slice(lt + 2, lt + 9).toUpperCase();
    if (keyword === 'DOCTYPE') {
      const location = where(text, lt);
      throw new CodecError(`${XML_UNSAFE_REASONS.doctype}; found at ${location}. Send the document without a DOCTYPE.`, ErrorCodes.CODEC_UNSAFE_INPUT, location);
    }
    if (keyword.startsWith('ENTITY')) {
      const location = where(text, lt);
      throw new CodecError(`${XML_UNSAFE_REASONS.entity}; found at ${location}. Send the document without entity declarations.`, ErrorCodes.CODEC_UNSAFE_INPUT, location);
    }
    i = lt + 2;
  }
}

function undefinedEntity(text: string, offset: number): CodecError {
  const location = where(text, offset);
  const reference = /^&[^\s<&;]{0,40};?/.exec(text.slice(offset, offset + 42))?.[0] ?? '&';
  return new CodecError(
    `XML does not parse at ${location}: "${reference}" is not a predefined entity or character reference (write & as &amp;).`,
    ErrorCodes.CODEC_PARSE_FAILED,
    location,
  );
}

/**
 * The document's text: UTF-8 (with or without BOM), UTF-16 with a BOM, or the encoding the XML
 * declaration names (ISO-8859-1 / windows-1252 are common in older billing systems).
 * @throws CodecError CODEC.PARSE_FAILED for an encoding Node cannot decode
 */
export function xmlText(body: Buffer): string {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return body.toString('utf8', 3);
  if (body[0] === 0xff && body[1] === 0xfe) return body.toString('utf16le', 2);
  if (body[0] === 0xfe && body[1] === 0xff) return Buffer.from(body.subarray(2, body.length - (body.length % 2))).swap16().toString('utf16le');
  const declared = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(body.toString('latin1', 0, 200))?.[1];
  if (declared === undefined || /^utf-?8$/i.test(declared)) return body.toString('utf8');
  let decoder: TextDecoder;
  try {
    // WHATWG encoding labels: iso-8859-1, windows-1252, iso-8859-15, …
    decoder = new TextDecoder(declared);
  } catch {
    throw new CodecError(`XML encoding "${declared}" is not supported; send UTF-8, UTF-16 with a byte-order mark, or ISO-8859-1.`, ErrorCodes.CODEC_PARSE_FAILED, 'line 1, column 1');
  }
  return decoder.decode(body);
}
