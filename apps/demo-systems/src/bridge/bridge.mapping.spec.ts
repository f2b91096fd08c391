import { loadJsonataMapping, type SystemMapping } from '@bus/adapters';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readConferenceRequest } from './bridge.validation';

const MAPPING = path.resolve(__dirname, '../../../../config/mappings/bridge');
const FIXTURES = path.join(MAPPING, '__fixtures__');
const fixture = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
const cases = readdirSync(FIXTURES).filter((n) => n.startsWith('outbound-') && n.endsWith('.canonical.json')).map((n) => n.replace('.canonical.json', ''));

describe('config/mappings/bridge', () => {
  let sut: SystemMapping;
  beforeAll(async () => {
    sut = await loadJsonataMapping(MAPPING);
  });

  it('should deliver conference.booked only', () => {
    expect(sut.outboundTypes).toEqual(['conference.booked']);
  });

  it.each(cases)('should map canonical sample %s to the bridge provisioning request', async (name) => {
    const native = await sut.fromCanonical(fixture(`${name}.canonical.json`));
    expect(native).toEqual(fixture(`${name}.native.json`));
  });

  it.each(cases)('should produce a request the bridge accepts from %s', async (name) => {
    const native = await sut.fromCanonical(fixture(`${name}.canonical.json`));
    expect(() => readConferenceRequest(JSON.stringify(native))).not.toThrow();
  });
});
