import { ErrorCodes } from '@bus/canonical-model';
import { XMLBuilder, XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser';
import { CodecError } from '../adapter.errors';
import type { Codec } from './codec';
import { assertSafeXml, xmlText } from './xml.codec.guard';

/**
 * `codecOptions:` for `codec: xml` in bus.yaml.
 *
 * Decoded documents keep attributes as `@_name` and a text node beside attributes as `#text`:
 * `<Qty unitCode="MIN">120</Qty>` -> `{ Qty: { '#text': '120', '@_unitCode': 'MIN' } }`.
 * Values stay strings (`0012` keeps its zeros); mappings convert with `$number()`.
 */
export interface XmlCodecOptions {
  /**
   * Strip namespace prefixes so mappings read `Invoice.ID` rather than `Invoice.'cbc:ID'`
   * (the `xmlns` attributes go too). Default true. Set false when two namespaces use the same local name.
   */
  removeNSPrefix?: boolean;
  /**
   * Element paths (dotted from the root, prefixes stripped as above) that are always arrays, even
   * with one element, e.g. `['Invoice.InvoiceLine']`; otherwise one child is an object and two are an array.
   */
  arrayPaths?: string[];
  /** Indent encoded XML (two spaces). Default false. */
  pretty?: boolean;
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const ATTRIBUTE_PREFIX = '@_';

// XML 1.0 forbids these characters even escaped; customer data occasionally carries them.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const clean = (_name: string, value: unknown) => (typeof value === 'string' ? value.replace(INVALID_XML_CHARS, '') : value);

function createParser(options: XmlCodecOptions): XMLParser {
  const arrayPaths = new Set(options.arrayPaths ?? []);
  const parserOptions: Partial<X2jOptions> = {
    ignoreAttributes: false,
    attributeNamePrefix: ATTRIBUTE_PREFIX,
    removeNSPrefix: options.removeNSPrefix ?? true,
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    // Decodes character references (&#169;); named entities other than the five XML ones never get
    // here, the guard refuses them first.
    htmlEntities: true,
  };
  if (arrayPaths.size) parserOptions.isArray = (_name, jPath, _leaf, isAttribute) => !isAttribute && arrayPaths.has(String(jPath));
  return new XMLParser(parserOptions);
}

function createBuilder(options: XmlCodecOptions): XMLBuilder {
  return new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: ATTRIBUTE_PREFIX,
    format: options.pretty ?? false,
    processEntities: true,
    suppressEmptyNode: false,
    tagValueProcessor: clean,
    attributeValueProcessor: clean,
  });
}

// Parsers and builders are built once per options object (bus.yaml's codecOptions of one system).
const DEFAULTS: XmlCodecOptions = {};
const parsers = new WeakMap<object, XMLParser>();
const builders = new WeakMap<object, XMLBuilder>();
const cached = <T>(cache: WeakMap<object, T>, options: XmlCodecOptions, create: (o: XmlCodecOptions) => T): T => {
  let value = cache.get(options);
  if (!value) cache.set(options, (value = create(options)));
  return value;
};

/** Where and why a text is not well-formed XML, or undefined when it is. */
function wellFormednessProblem(text: string): { location: string; reason: string } | undefined {
  const result = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (result === true) return undefined;
  const { line, col, msg } = result.err;
  return { location: col === undefined ? `line ${line}` : `line ${line}, column ${col}`, reason: msg };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * XML <-> JS values on fast-xml-parser. Safe by construction: a DOCTYPE, an ENTITY declaration or
 * an undefined entity reference is refused before parsing (CODEC.UNSAFE_INPUT / CODEC.PARSE_FAILED),
 * so neither entity expansion nor external entities can happen. See {@link XmlCodecOptions}.
 *
 * @example
 * xmlCodec.decode(Buffer.from('<cbc:ID xmlns:cbc="urn:x">7</cbc:ID>'))  // { ID: '7' }
 * xmlCodec.encode({ Account: { '@_no': 'B-1', Name: 'Acme & Co' } })
 * // <?xml version="1.0" encoding="UTF-8"?>\n<Account no="B-1"><Name>Acme &amp; Co</Name></Account>
 */
export const xmlCodec: Codec = {
  id: 'xml',
  contentTypes: ['application/xml', 'text/xml'],
  decode(body: Buffer, options: XmlCodecOptions = DEFAULTS): unknown {
    const text = xmlText(body);
    assertSafeXml(text);
    const problem = wellFormednessProblem(text);
    if (problem) {
      throw new CodecError(`XML does not parse at ${problem.location}: ${problem.reason} Fix the sender's XML.`, ErrorCodes.CODEC_PARSE_FAILED, problem.location);
    }
    try {
      return cached(parsers, options, createParser).parse(text);
    } catch (cause) {
      throw new CodecError(`XML does not parse: ${(cause as Error).message}`, ErrorCodes.CODEC_PARSE_FAILED, undefined, { cause });
    }
  },
  encode(value: unknown, options: XmlCodecOptions = DEFAULTS): Buffer {
    const roots = isPlainObject(value) ? Object.keys(value).filter((k) => k !== '?xml' && value[k] !== undefined) : [];
    if (roots.length !== 1) {
      throw new CodecError(
        `Value cannot be encoded as XML: a document needs exactly one root element, got ${isPlainObject(value) ? `${roots.length} (${roots.join(', ') || 'none'})` : typeof value}; the mapping must return { Root: { … } }.`,
      );
    }
    const xml = cached(builders, options, createBuilder).build({ [roots[0]]: (value as Record<string, unknown>)[roots[0]] }) as string;
    // Keys the builder cannot make into names (spaces, leading digits) give XML nobody could read back.
    const problem = wellFormednessProblem(xml);
    if (problem) throw new CodecError(`Value cannot be encoded as XML: ${problem.reason} Check the element and attribute names the mapping returns.`);
    return Buffer.from(`${DECLARATION}\n${xml.trimEnd()}`, 'utf8');
  },
};
