import 'reflect-metadata';
import { loadJsonataMapping, MappingError, type SystemMapping } from '@bus/adapters';
import * as path from 'node:path';
import { caseName, decodeNative, describeCanonicalFixtures, MAPPINGS, nativeSamples, optionalFixture, readFixture } from './mapping-fixtures';

const SYSTEM = 'sales';
const queries = readFixture(SYSTEM, 'queries.json');

describe('sales mapping (config/mappings/sales)', () => {
  let sut: SystemMapping;
  beforeAll(async () => {
    sut = await loadJsonataMapping(path.join(MAPPINGS, SYSTEM));
  });

  it('should declare what sales receives, asks and answers', () => {
    expect(sut.outboundTypes).toEqual(['billing-period.opened', 'invoice.issued']);
    expect(sut.asks).toEqual(['billing-period']);
    expect(sut.answers).toEqual(['contract-rates.get']);
  });

  it.each(nativeSamples(SYSTEM, 'inbound-'))('should map the CRM event %s to the expected canonical drafts', async (file) => {
    const native = decodeNative(file, readFixture(SYSTEM, file));
    await expect(sut.toCanonical(native)).resolves.toEqual(readFixture(SYSTEM, `${caseName(file)}.canonical.json`));
  });

  it.each(nativeSamples(SYSTEM, 'outbound-'))('should map canonical %s to the account-status body the CRM expects', async (file) => {
    const name = caseName(file);
    const native = await sut.fromCanonical(readFixture(SYSTEM, `${name}.canonical.json`), optionalFixture(SYSTEM, `${name}.bindings.json`));
    expect(native).toEqual(readFixture(SYSTEM, file));
  });

  it.each<any>(queries.ask)('should ask $name as a canonical query and map the answer to CRM JSON', async (q) => {
    await expect(sut.askToCanonical!(q.name, q.native)).resolves.toEqual(q.canonical);
    await expect(sut.answerToNative!(q.name, q.answer)).resolves.toEqual(q.reply);
  });

  it.each<any>(queries.answer)('should answer $type from the CRM API', async (q) => {
    await expect(sut.queryToNative!(q.type, q.query, q.bindings)).resolves.toEqual(q.request);
    const native = decodeNative(q.nativeFile, readFixture(SYSTEM, q.nativeFile));
    await expect(sut.answerFromNative!(q.type, native)).resolves.toEqual(q.response);
  });

  it('should refuse an event it does not know, naming it', async () => {
    const error = await sut.toCanonical({ event: 'AccountMerged', Id: '001Dm0000000009AAA' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingError);
    expect((error as Error).message).toContain('unknown sales event "AccountMerged"');
  });

  it('should refuse a rate unit it cannot translate, naming the unit', async () => {
    const native = { ...readFixture(SYSTEM, 'inbound-contract-rates-changed.native.json') };
    native.Rates__c = [{ ProductCode: 'X', UnitPrice: 1, Unit: 'Fortnight' }];
    await expect(sut.toCanonical(native)).rejects.toThrow('unknown Rates__c Unit "Fortnight"');
  });
  describeCanonicalFixtures(SYSTEM);
});
