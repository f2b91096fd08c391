import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findCodec, type Codec } from '@bus/adapters';
import { validateAnswer, validatePayload, validateQuery } from '@bus/canonical-model';

/** The bus's own XML codec: the fixtures are decoded exactly as ingress decodes billing's posts. */
export const xmlCodec: Codec = findCodec('xml')!;

/** Fixture helpers for the sales and billing mapping specs: native samples beside the mappings in config/. */

export const MAPPINGS = path.resolve(__dirname, '../../../config/mappings');

export const fixturesOf = (system: string) => path.join(MAPPINGS, system, '__fixtures__');

export function readFixture(system: string, name: string): any {
  const file = path.join(fixturesOf(system), name);
  return name.endsWith('.json') ? JSON.parse(readFileSync(file, 'utf8')) : readFileSync(file);
}

export const optionalFixture = (system: string, name: string): any =>
  existsSync(path.join(fixturesOf(system), name)) ? readFixture(system, name) : undefined;

/** Lists the native sample files of one direction. */
export const nativeSamples = (system: string, prefix: string): string[] =>
  readdirSync(fixturesOf(system)).filter((n) => n.startsWith(prefix) && /\.native\.(json|xml)$/.test(n));

export const caseName = (file: string) => file.replace(/\.native\.(json|xml)$/, '');

export const decodeNative = (file: string, bytes: Buffer | object): unknown =>
  file.endsWith('.xml') ? xmlCodec.decode(bytes as Buffer) : bytes;

/** Every canonical fixture of a system (messages, envelopes, queries and answers) passes the canonical model. */
export function describeCanonicalFixtures(system: string): void {
  describe('the canonical side of every fixture', () => {
    it.each(nativeSamples(system, 'inbound-'))('should be a valid canonical message for %s', (file) => {
      for (const draft of readFixture(system, `${caseName(file)}.canonical.json`)) expect(validatePayload(draft.type, draft.payload)).toEqual([]);
    });

    it.each(nativeSamples(system, 'outbound-'))('should be a valid canonical envelope payload for %s', (file) => {
      const envelope = readFixture(system, `${caseName(file)}.canonical.json`);
      expect(validatePayload(envelope.type, envelope.payload)).toEqual([]);
    });

    it('should hold valid canonical queries and answers', () => {
      const queries = readFixture(system, 'queries.json');
      for (const q of queries.ask) {
        expect(validateQuery(q.canonical.type, q.canonical.payload)).toEqual([]);
        expect(validateAnswer(q.canonical.type, q.answer)).toEqual([]);
      }
      for (const q of queries.answer) {
        expect(validateQuery(q.type, q.query)).toEqual([]);
        expect(validateAnswer(q.type, q.response)).toEqual([]);
      }
    });
  });
}
