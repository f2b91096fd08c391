import { CODECS, type Codec } from '@bus/adapters';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Fixture helpers for the sales and billing mapping specs: native samples beside the mappings in config/. */

export const MAPPINGS = path.resolve(__dirname, '../../../config/mappings');

export const fixturesOf = (system: string) => path.join(MAPPINGS, system, '__fixtures__');

export function readFixture(system: string, name: string): any {
  const file = path.join(fixturesOf(system), name);
  return name.endsWith('.json') ? JSON.parse(readFileSync(file, 'utf8')) : readFileSync(file);
}

export const optionalFixture = (system: string, name: string): any =>
  existsSync(path.join(fixturesOf(system), name)) ? readFixture(system, name) : undefined;

/** `inbound-x.native.xml` -> `inbound-x.native.xml`; lists the native sample files of one direction. */
export const nativeSamples = (system: string, prefix: string): string[] =>
  readdirSync(fixturesOf(system)).filter((n) => n.startsWith(prefix) && /\.native\.(json|xml)$/.test(n));

export const caseName = (file: string) => file.replace(/\.native\.(json|xml)$/, '');

/**
 * The bus's XML codec once it is installed; until then a parser configured the way billing's
 * documents need it (attributes kept as `@_name`, text kept as text). The billing mapping is written
 * to read both prefixed (cbc:ID) and unprefixed element names.
 */
const interimXml: Codec = (() => {
  const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, parseAttributeValue: false });
  const builder = new XMLBuilder({ ignoreAttributes: false });
  return {
    id: 'xml',
    contentTypes: ['application/xml'],
    decode: (body: Buffer) => parser.parse(body.toString('utf8')),
    encode: (value: unknown) => Buffer.from(builder.build(value) as string),
  };
})();

export const xmlCodec: Codec = CODECS.find((c) => c.id === 'xml') ?? interimXml;

export const decodeNative = (file: string, bytes: Buffer | object): unknown =>
  file.endsWith('.xml') ? xmlCodec.decode(bytes as Buffer) : bytes;
