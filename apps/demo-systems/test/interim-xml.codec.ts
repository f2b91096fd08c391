import { CODECS, CodecError, type Codec } from '@bus/adapters';
import { ErrorCodes } from '@bus/canonical-model';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * Stands in for the bus's XML codec in these specs until `xml` is in CODECS; then the real one is
 * used and this file can go. Attributes as `@_name`, text kept as text, and no DOCTYPE at all.
 */
const interimXml: Codec = (() => {
  const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, parseAttributeValue: false, processEntities: false });
  const builder = new XMLBuilder({ ignoreAttributes: false });
  return {
    id: 'xml',
    contentTypes: ['application/xml', 'text/xml'],
    decode: (body: Buffer) => {
      const text = body.toString('utf8');
      if (/<!DOCTYPE/i.test(text)) throw new CodecError('XML with a DOCTYPE is refused (no DTDs, no entities)', ErrorCodes.CODEC_UNSAFE_INPUT);
      const valid = XMLValidator.validate(text);
      if (valid !== true) throw new CodecError(`XML does not parse: ${valid.err.msg}`, ErrorCodes.CODEC_PARSE_FAILED, `line ${valid.err.line}, column ${valid.err.col}`);
      const doc = parser.parse(text) as Record<string, unknown>;
      delete doc['?xml'];
      return doc;
    },
    encode: (value: unknown) => Buffer.from(builder.build(value) as string),
  };
})();

/** The installed XML codec, else the interim one. */
export const xmlCodec: Codec = CODECS.find((c) => c.id === 'xml') ?? interimXml;

/** CODECS with an XML codec in it, for loading the sales-billing config. */
export const codecsWithXml: readonly Codec[] = CODECS.some((c) => c.id === 'xml') ? CODECS : [...CODECS, interimXml];
