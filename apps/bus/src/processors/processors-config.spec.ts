import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadBusConfig } from '../config/bus-config.loader';
import { ConfigError } from '../config/config.errors';

const SYSTEMS = `
systems:
  cdr: { adapter: http, codec: json, mapper: passthrough, inbound: { apiKey: k } }
  billing: { adapter: http, codec: json, mapper: passthrough, outbound: { url: "http://billing.test" } }
`;

const PROCESSORS = `
processors:
  pricing: { kind: usage-pricing, productCode: CONF-DIALIN-MIN }
  summary: { kind: conference-summary, quietTime: 2m }
routes:
  - { name: usage-to-pricing, from: cdr, types: [usage.recorded], to: [pricing] }
  - { name: priced, from: pricing, types: [usage.priced], to: [billing, summary] }
  - { name: summaries, from: summary, types: [conference.summarized], to: [billing] }
`;

describe('processors in bus.yaml', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), 'processors-config-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const load = async (yaml: string) => {
    const file = path.join(dir, 'bus.yaml');
    await writeFile(file, yaml);
    return loadBusConfig(file, {});
  };
  const problemsOf = async (yaml: string) => {
    try {
      await load(yaml);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
      throw err;
    }
    return [];
  };

  it('should accept processors as route sources and destinations, with durations in ms and defaults applied', async () => {
    const sut = await load(SYSTEMS + PROCESSORS);

    expect(sut.config.processors).toEqual({
      pricing: { kind: 'usage-pricing', productCode: 'CONF-DIALIN-MIN', rounding: 'per-started-unit' },
      summary: { kind: 'conference-summary', quietTime: 120_000, checkEvery: 60_000, rounding: 'per-started-unit' },
    });
    expect(sut.fingerprints.sections.has('processors')).toBe(true);
  });

  it('should report unknown keys, an unknown kind and a name taken by a system', async () => {
    const yaml = `${SYSTEMS}
processors:
  pricing: { kind: usage-pricing, quietTime: 2m }
  rating: { kind: usage-rating }
  billing: { kind: usage-pricing }
`;
    expect(await problemsOf(yaml)).toEqual([
      'processors.pricing.quietTime: unknown key (allowed: kind, productCode, rounding)',
      'processors.rating.kind: must be one of usage-pricing, conference-summary (got "usage-rating")',
      'processors.billing: "billing" is already the name of a system; processors and systems share queue and route names, choose another',
    ]);
  });

  it('should refuse a route that sends a processor a type it does not take', async () => {
    const yaml = SYSTEMS + PROCESSORS.replace('types: [usage.recorded], to: [pricing]', 'types: [usage.recorded, usage.priced], to: [pricing]');

    expect(await problemsOf(yaml)).toEqual(['routes[0].to[0]: processor "pricing" (usage-pricing) does not accept usage.priced (consumes: usage.recorded)']);
  });
});
