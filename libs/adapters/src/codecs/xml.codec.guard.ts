import { ErrorCodes } from '@bus/canonical-model';
import { CodecError } from '../adapter.errors';
import { lineAndColumn } from '../text-position';

/** Why a document is refused before parsing; the texts are part of the 400 answer the sender sees. */
export const XML_UNSAFE_REASONS = {
  doctype: 'XML DOCTYPE/DTD is not accepted (entity expansion and external entities are refused)',
  entity: 'XML ENTITY declarations are not accepted (entity expansion and external entities are refused)',
} as const;

// Skips CDATA sections and comments (their content is text, not markup), and finds what we refuse:
// a DOCTYPE (the only place entities, external or not, can be declared), an ENTITY declaration, and
// an entity reference other than the five predefined ones or a character reference. An unterminated
// CDATA or comment does not match its branch, so markup hidden behind it is still found.
const SCAN = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<!DOCTYPE|<!ENTITY|&(?!(?:lt|gt|amp|apos|quot|#[0-9]+|#x[0-9a-fA-F]+);)/gi;

const where = (text: string, offset: number) => {
  const { line, column } = lineAndColumn(text, offset);
  return `line ${line}, column ${column}`;
};

/**
 * Refuses a document that declares a DTD or entities, or refers to an undefined entity, before any
 * parser sees it: no entity expansion (billion laughs) and no external entity (XXE) can happen.
 * @throws CodecError CODEC.UNSAFE_INPUT for a DOCTYPE or ENTITY, CODEC.PARSE_FAILED for an undefined entity
 */
export function assertSafeXml(text: string): void {
  SCAN.lastIndex = 0;
  for (let m = SCAN.exec(text); m; m = SCAN.exec(text)) {
    const token = m[0];
    if (token.startsWith('<![') || token.startsWith('<!--')) continue;
    const location = where(text, m.index);
    if (token.toUpperCase() === '<!DOCTYPE') {
      throw new CodecError(`${XML_UNSAFE_REASONS.doctype}; found at ${location}. Send the document without a DOCTYPE.`, ErrorCodes.CODEC_UNSAFE_INPUT, location);
    }
    if (token.toUpperCase() === '<!ENTITY') {
      throw new CodecError(`${XML_UNSAFE_REASONS.entity}; found at ${location}. Send the document without entity declarations.`, ErrorCodes.CODEC_UNSAFE_INPUT, location);
    }
    const reference = /^&[^\s<&;]{0,40};?/.exec(text.slice(m.index, m.index + 42))?.[0] ?? '&';
    throw new CodecError(
      `XML does not parse at ${location}: "${reference}" is not a predefined entity or character reference (write & as &amp;).`,
      ErrorCodes.CODEC_PARSE_FAILED,
      location,
    );
  }
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
