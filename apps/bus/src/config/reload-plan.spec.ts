import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ActiveConfig } from './active-config';
import { loadBusConfig } from './bus-config.loader';
import { destinationsOf, planReload, retiredDestinations } from './reload-plan';

const ENV = { CRM_KEY: 'k1' };
const system = (extra = '') => `{ adapter: http, mapper: passthrough${extra} }`;
const yaml = (systems: Record<string, string>, processors = '') => `
systems:
${Object.entries(systems)
  .map(([name, s]) => `  ${name}: ${s}`)
  .join('\n')}
routes:
  - { name: everything, types: ["customer.*"], to: [${Object.keys(systems).filter((n) => n !== 'crm').join(', ')}] }
${processors}`;
const CRM = system(', inbound: { apiKey: "${CRM_KEY}" }');
const outbound = (url: string) => system(`, outbound: { url: "${url}" }`);

describe('planReload', () => {
  let dir: string;
  let n = 0;
  const load = async (text: string): Promise<ActiveConfig> => {
    const file = path.join(dir, `bus-${n++}.yaml`);
    await writeFile(file, text);
    return loadBusConfig(file, ENV);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bus-reload-plan-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should retire a removed destination system, and not a changed or added one', async () => {
    const previous = await load(yaml({ crm: CRM, erp: outbound('http://erp.test'), billing: outbound('http://billing.test') }));
    const next = await load(yaml({ crm: CRM, erp: outbound('http://erp-2.test'), archive: outbound('http://archive.test') }));

    const sut = planReload(next, previous, 'test');

    expect(sut.retired).toEqual(['billing']);
    expect(sut.systems).toEqual({ added: ['archive'], removed: ['billing'], changed: ['erp'] });
  });

  it('should retire a system that keeps its name but no longer delivers outbound', async () => {
    const previous = await load(yaml({ crm: CRM, erp: outbound('http://erp.test'), billing: outbound('http://billing.test') }));
    const next = await load(yaml({ crm: CRM, erp: outbound('http://erp.test'), billing: system(', inbound: { apiKey: "${CRM_KEY}" }') }).replace('to: [erp, billing]', 'to: [erp]'));

    expect(planReload(next, previous, 'test').retired).toEqual(['billing']);
  });

  it('should retire a removed processor', async () => {
    const processor = 'processors:\n  pricing: { kind: usage-pricing }\n';
    const previous = await load(yaml({ crm: CRM, erp: outbound('http://erp.test') }, processor));
    const next = await load(yaml({ crm: CRM, erp: outbound('http://erp.test') }));

    expect(destinationsOf(previous)).toEqual(['erp', 'pricing']);
    expect(planReload(next, previous, 'test').retired).toEqual(['pricing']);
  });

  it('should name the changed settings that take effect only at the next start', async () => {
    const base = yaml({ crm: CRM, erp: outbound('http://erp.test') });
    const previous = await load(`${base}delivery: { queueType: quorum, bundleRecords: 32, prefetch: 50 }\njournal: { enabled: true, retention: 30d }\n`);
    const next = await load(`${base}delivery: { queueType: classic, bundleRecords: 32, prefetch: 20 }\njournal: { enabled: false, retention: 7d }\n`);

    const sut = planReload(next, previous, 'test');

    expect(sut.sections).toEqual(['delivery', 'journal']);
    expect(sut.atNextStart).toEqual(['delivery.queueType', 'journal.retention']);
    expect(planReload(next, next, 'test').atNextStart).toEqual([]);
    expect(planReload(next, undefined, 'startup').atNextStart).toEqual([]);
  });

  it('should retire nothing on the first version', async () => {
    const first = await load(yaml({ crm: CRM, erp: outbound('http://erp.test') }));
    expect(planReload(first, undefined, 'startup').retired).toEqual([]);
  });
});

describe(retiredDestinations.name, () => {
  it.each([
    [['a', 'b'], ['a', 'b'], []],
    [['a'], ['a', 'b'], ['b']],
    [['a', 'c'], ['b', 'a', 'd'], ['b', 'd']],
    [[], ['a'], ['a']],
  ])('should retire, when %j replaces %j, the destinations %j', (next, previous, retired) => {
    expect(retiredDestinations(next, previous)).toEqual(retired);
  });
});
