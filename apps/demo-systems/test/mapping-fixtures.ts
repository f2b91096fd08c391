import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findCodec, type Codec } from '@bus/adapters';

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
