import type { CanonicalEnvelope } from '@bus/canonical-model';
import { ErrorCodes } from '@bus/canonical-model';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MappingError } from '../adapter.errors';
import { loadJsonataMapping } from './jsonata-mapping';
import type { SystemMapping } from './mapping';
import { MappingLoadError } from './mapping.errors';

const SAMPLE = path.join(__dirname, '__fixtures__', 'sample');
const CASES = path.join(SAMPLE, 'cases');
const fixture = (name: string): any => JSON.parse(readFileSync(path.join(CASES, name), 'utf8'));
const optionalFixture = (name: string): any => (readdirSync(CASES).includes(name) ? fixture(name) : undefined);
const caseNames = (prefix: string) =>
  readdirSync(CASES)
    .filter((n) => n.startsWith(prefix) && n.endsWith('.native.json'))
    .map((n) => n.slice(0, -'.native.json'.length));

const envelope = (overrides: Partial<CanonicalEnvelope> = {}): CanonicalEnvelope => ({
  id: 'msg-1',
  type: 'customer.updated',
  schemaVersion: 1,
  source: 'sales',
  correlationId: 'corr-1',
  occurredAt: '2026-11-20T08:15:00Z',
  payload: {},
  ...overrides,
});

/** Writes a throwaway mapping folder: keys are paths inside it. */
async function mappingFolder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bus-mapping-'));
  const root = path.join(dir, 'crm');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
  made.push(dir);
  return root;
}
const made: string[] = [];
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

async function rejection<T>(promise: Promise<T>): Promise<any> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe(loadJsonataMapping.name, () => {
  describe('with the sample fixture folder', () => {
    let sut: SystemMapping;
    beforeAll(async () => {
      sut = await loadJsonataMapping(SAMPLE);
    });

    it('should list outbound types, asks and answers from the file names', () => {
      expect(sut.outboundTypes).toEqual(['customer.updated']);
      expect(sut.asks).toEqual(['billing-period']);
      expect(sut.answers).toEqual(['billing-period.get']);
    });

    it.each(caseNames('inbound-'))('should map native sample %s to the expected canonical drafts', async (name) => {
      const drafts = await sut.toCanonical(fixture(`${name}.native.json`), optionalFixture(`${name}.meta.json`));
      expect(drafts).toEqual(fixture(`${name}.canonical.json`));
    });

    it.each(caseNames('outbound-'))('should map canonical sample %s to the expected native value', async (name) => {
      const native = await sut.fromCanonical(fixture(`${name}.canonical.json`), optionalFixture(`${name}.bindings.json`));
      expect(native).toEqual(fixture(`${name}.native.json`));
    });

    it('should map an asked question to a canonical query and the canonical answer back', async () => {
      await expect(sut.askToCanonical!('billing-period', { customer: 4711, month: '2026-10' })).resolves.toEqual({
        type: 'billing-period.get',
        payload: { customerId: 'SALES-4711', period: '2026-10' },
      });
      await expect(
        sut.answerToNative!('billing-period', { period: '2026-10', from: '2026-10-01', to: '2026-10-31', status: 'closed' }),
      ).resolves.toEqual({ von: '2026-10-01', bis: '2026-10-31', abgeschlossen: true });
    });

    it('should map a canonical query to the native request and the native answer to canonical', async () => {
      const query = { customerId: 'SALES-4711', period: '2026-10' };
      await expect(sut.queryToNative!('billing-period.get', query, { xref: 'K-1' })).resolves.toEqual({ kunde: 'K-1', monat: '2026-10' });
      await expect(
        sut.answerFromNative!('billing-period.get', { monat: '2026-10', von: '2026-10-01', bis: '2026-10-31', status: 'OFFEN' }),
      ).resolves.toEqual({ period: '2026-10', from: '2026-10-01', to: '2026-10-31', status: 'open' });
    });

    it('should throw a MappingError naming the file to add for a type without an outbound mapping', async () => {
      const error = await rejection(sut.fromCanonical(envelope({ type: 'invoice.issued', id: 'msg-9' })));
      expect(error).toBeInstanceOf(MappingError);
      expect(error.code).toBe(ErrorCodes.ADAPTER_MAPPING_FAILED);
      expect(error.message).toContain('outbound/invoice.issued.jsonata');
      expect(error.message).toContain('msg-9');
      expect(error.message).toContain('System sample');
    });
  });

  describe('at load', () => {
    it('should name the file, line and column of a syntax error', async () => {
      const dir = await mappingFolder({ 'outbound/customer.updated.jsonata': "{\n  'a': payload.name,\n  'b': (1 + \n}" });
      const error = await rejection(loadJsonataMapping(dir));
      expect(error).toBeInstanceOf(MappingLoadError);
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0].file).toMatch(/crm[/\\]outbound[/\\]customer\.updated\.jsonata$/);
      expect(error.problems[0].location).toMatch(/^line 4, column \d+$/);
      expect(error.message).toContain('customer.updated.jsonata');
    });

    it('should report every problem of the folder at once', async () => {
      const dir = await mappingFolder({
        'inbound.jsonata': '{ "type": }',
        'outbound/a.b.jsonata': '$$$(',
        'outbound.jsonata': '$',
        'asks/lonely.jsonata': '$',
        'answers/x.get.jsonata': '$',
      });
      const error: MappingLoadError = await rejection(loadJsonataMapping(dir));
      const files = error.problems.map((p) => path.basename(p.file)).sort();
      expect(files).toEqual(['a.b.jsonata', 'inbound.jsonata', 'lonely.jsonata', 'outbound.jsonata', 'x.get.jsonata']);
    });

    it('should refuse a folder that does not exist', async () => {
      await expect(loadJsonataMapping(path.join(tmpdir(), 'no-such-mapping-folder'))).rejects.toBeInstanceOf(MappingLoadError);
    });

    it('should load a folder with outbound mappings only', async () => {
      const sut = await loadJsonataMapping(await mappingFolder({ 'outbound/x.y.jsonata': 'payload' }));
      expect(sut.outboundTypes).toEqual(['x.y']);
      await expect(sut.toCanonical({})).rejects.toThrow(/inbound\.jsonata/);
    });
  });

  describe('at run time', () => {
    it('should throw a MappingError naming the system, file and place of an evaluation error', async () => {
      const sut = await loadJsonataMapping(await mappingFolder({ 'inbound.jsonata': "{\n 'type': 'a.b',\n 'payload': $number(amount)\n}" }), {
        system: 'sales',
      });
      const error = await rejection(sut.toCanonical({ amount: 'twelve' }));
      expect(error).toBeInstanceOf(MappingError);
      expect(error.message).toContain('inbound.jsonata');
      expect(error.message).toContain('system sales');
      expect(error.message).toContain('line 3');
    });

    it.each([
      ['a string', '"hello"', /must be an object/],
      ['nothing', 'nosuchfield', /returned nothing/],
      ['no type', "{ 'payload': {} }", /type must be a non-empty string/],
      ['no payload', "{ 'type': 'a.b' }", /payload is missing/],
      ['an unknown key', "{ 'type': 'a.b', 'payload': {}, 'occuredAt': 'x' }", /unknown key\(s\) occuredAt/],
    ])('should throw a MappingError when inbound returns %s', async (_what, source, message) => {
      const sut = await loadJsonataMapping(await mappingFolder({ 'inbound.jsonata': source }));
      const error = await rejection(sut.toCanonical({ a: 1 }));
      expect(error).toBeInstanceOf(MappingError);
      expect(error.message).toMatch(message);
      expect(error.message).toContain('inbound.jsonata');
    });

    it('should return no drafts when inbound returns an empty array', async () => {
      const sut = await loadJsonataMapping(await mappingFolder({ 'inbound.jsonata': '[]' }));
      await expect(sut.toCanonical({})).resolves.toEqual([]);
    });

    it('should refuse $now() when the host gives no time, because mappings have no clock', async () => {
      const sut = await loadJsonataMapping(await mappingFolder({ 'outbound/a.b.jsonata': "{ 'at': $now() }" }));
      await expect(sut.fromCanonical(envelope({ type: 'a.b' }))).rejects.toThrow(/no clock/);
    });

    it('should answer $now() and $millis() with the time the host binds', async () => {
      const sut = await loadJsonataMapping(await mappingFolder({ 'outbound/a.b.jsonata': "{ 'at': $now(), 'ms': $millis() }" }));
      const native = await sut.fromCanonical(envelope({ type: 'a.b' }), { now: '2026-11-28T09:00:00.000Z' });
      expect(native).toEqual({ at: '2026-11-28T09:00:00.000Z', ms: Date.parse('2026-11-28T09:00:00.000Z') });
    });

    it('should give the same result for the same input twice', async () => {
      const sut = await loadJsonataMapping(SAMPLE);
      const input = fixture('inbound-single.native.json');
      expect(await sut.toCanonical(input)).toEqual(await sut.toCanonical(input));
    });
  });
});
