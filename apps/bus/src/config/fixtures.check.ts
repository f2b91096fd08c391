import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import * as path from 'node:path';
import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { ActiveConfig, SystemRuntime } from './active-config';
import { EnvelopeFactory } from '../inbound/envelope.factory';
import { envelopeOf } from './message-trace';

/** One fixture case of one system: passed, failed (and why), or skipped (and why). */
export interface FixtureResult {
  system: string;
  /** `inbound-account-created`, `outbound-usage-priced`, … */
  case: string;
  /** The native sample, relative to the working directory. */
  file: string;
  outcome: 'passed' | 'failed' | 'skipped';
  message?: string;
}

const NATIVE = /^(.*)\.native\.[A-Za-z0-9]+$/;
const factory = new EnvelopeFactory();

/**
 * Runs the `__fixtures__` folder of every system of a config version, by file names alone, so a
 * new system's fixtures are checked the moment they exist:
 *
 * - `inbound-<case>.native.<ext>` + `inbound-<case>.canonical.json`: the native sample decoded with
 *   the system's codec and mapped gives these drafts (a list, or one draft), each a valid message;
 * - `outbound-<case>.canonical.json` + `outbound-<case>.native.<ext>` (+ optional
 *   `outbound-<case>.bindings.json`, default `{"xref": null}`): the envelope mapped for the system
 *   gives this native value (`.json`: the value before encoding; any other extension: the encoded text);
 * - `<case>.native.<ext>` + `<case>.canonical.json` without a prefix: an inbound case.
 *
 * A native sample with no partner is skipped, with the reason.
 */
export async function checkFixtures(config: ActiveConfig): Promise<FixtureResult[]> {
  const results: FixtureResult[] = [];
  for (const system of config.systems.values()) {
    if (!system.config.mapping) continue;
    const dir = path.resolve(path.dirname(config.file), system.config.mapping, '__fixtures__');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const match = NATIVE.exec(name);
      if (!match) continue;
      results.push(await runCase(system, dir, match[1], name));
    }
  }
  return results;
}

async function runCase(system: SystemRuntime, dir: string, caseName: string, nativeName: string): Promise<FixtureResult> {
  const file = display(path.join(dir, nativeName));
  const result = (outcome: FixtureResult['outcome'], message?: string): FixtureResult => ({ system: system.name, case: caseName, file, outcome, ...(message ? { message } : {}) });
  const canonicalFile = path.join(dir, `${caseName}.canonical.json`);
  if (!existsSync(canonicalFile)) return result('skipped', `no partner ${caseName}.canonical.json beside it`);
  const native = readFileSync(path.join(dir, nativeName));
  let canonical: unknown;
  try {
    canonical = JSON.parse(readFileSync(canonicalFile, 'utf8'));
  } catch (err) {
    return result('failed', `${display(canonicalFile)} is not JSON: ${(err as Error).message}`);
  }
  try {
    if (caseName.startsWith('outbound-')) {
      const bindingsFile = path.join(dir, `${caseName}.bindings.json`);
      const bindings = existsSync(bindingsFile) ? (JSON.parse(readFileSync(bindingsFile, 'utf8')) as Record<string, unknown>) : { xref: null };
      // JSONata results carry sequence flags and prototypes a fixture cannot have: compare as JSON.
      const value = plain(await system.mapping.fromCanonical(envelopeOf(canonical as CanonicalEnvelope), bindings));
      if (nativeName.endsWith('.json')) {
        const expected = JSON.parse(native.toString('utf8'));
        return isDeepStrictEqual(value, expected) ? result('passed') : result('failed', difference('mapped value', expected, value));
      }
      const body = system.codec.encode(value, system.codecOptions).toString('utf8');
      return body.trim() === native.toString('utf8').trim() ? result('passed') : result('failed', difference('encoded body', native.toString('utf8'), body));
    }
    const decoded = nativeName.endsWith('.json') && system.codec.id !== 'json' ? JSON.parse(native.toString('utf8')) : system.codec.decode(native, system.codecOptions);
    const drafts = await system.mapping.toCanonical(decoded, { system: system.name });
    const expected = Array.isArray(canonical) ? canonical : [canonical];
    if (!isDeepStrictEqual(plain(drafts), expected)) return result('failed', difference('drafts', expected, drafts));
    const invalid = drafts.flatMap((d) => factory.validate(d).map((p) => `${d.type} ${p.path}: ${p.message}`));
    return invalid.length ? result('failed', `not a valid canonical message: ${invalid.join('; ')}`) : result('passed');
  } catch (err) {
    return result('failed', (err as Error).message);
  }
}

const plain = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** The first path where two values differ, so a failed fixture points at the field. */
function difference(what: string, expected: unknown, actual: unknown): string {
  const at = firstDifference(expected, actual, '');
  return `${what} differs from the fixture at ${at.path || '(root)'}: expected ${short(at.expected)}, got ${short(at.actual)}`;
}

function firstDifference(a: unknown, b: unknown, at: string): { path: string; expected: unknown; actual: unknown } {
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const x = (a as Record<string, unknown>)[key];
      const y = (b as Record<string, unknown>)[key];
      if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, Array.isArray(a) ? `${at}[${key}]` : at ? `${at}.${key}` : key);
    }
  }
  return { path: at, expected: a, actual: b };
}

const short = (v: unknown) => {
  const text = v === undefined ? 'nothing' : typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

const display = (p: string) => {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
};
