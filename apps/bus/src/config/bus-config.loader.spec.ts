import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { IsInt, IsNotEmpty, IsOptional, IsString, IsUrl } from 'class-validator';
import { CODECS, defineAdapter, MAPPERS, type AdapterDefinition } from '@bus/adapters';
import { versionOfFiles } from './config-files';
import { loadBusConfig } from './bus-config.loader';
import { ConfigError } from './config.errors';

class DropInbound {
  @IsString() @IsNotEmpty({ message: 'must be a non-empty string' }) dropDir!: string;
}
class PipeInbound {
  @IsString() @IsNotEmpty() apiKey!: string;
}
class PipeOutbound {
  @IsUrl({ require_tld: false, require_protocol: true }) url!: string;
  @IsOptional() @IsInt() timeoutMs = 5000;
}
const instance = () => ({ checkHealth: async () => ({ status: 'up' as const }) });
/** Stand-ins with every capability combination the checks care about. */
const ADAPTERS: AdapterDefinition<any, any>[] = [
  defineAdapter({ id: 'pipe', summary: 'in, out, query', capabilities: { inbound: true, outbound: { idempotent: true }, query: true, maturity: 'stable' }, config: { inbound: PipeInbound, outbound: PipeOutbound }, create: instance }),
  defineAdapter({ id: 'sink', summary: 'out only', capabilities: { outbound: { idempotent: true }, maturity: 'stable' }, config: { outbound: PipeOutbound }, create: instance }),
  defineAdapter({ id: 'drop', summary: 'in only', capabilities: { inbound: true, maturity: 'stable' }, config: { inbound: DropInbound }, create: instance }),
];
const ENV = { SALES_KEY: 'sales-secret', BILLING_URL: 'http://billing.test:8080', UNUSED: 'x' };

const SALES_MAPPING = {
  'mappings/sales/inbound.jsonata': '{ "type": kind, "payload": data }',
  'mappings/sales/outbound/customer.updated.jsonata': 'payload',
};
const BILLING_MAPPING = {
  'mappings/billing/outbound/customer.updated.jsonata': 'payload',
  'mappings/billing/outbound/customer.created.jsonata': 'payload',
  'mappings/billing/answers/billing-period.get.request.jsonata': '$',
  'mappings/billing/answers/billing-period.get.response.jsonata': '$',
};

const VALID = `
systems:
  sales:
    adapter: pipe
    codec: json
    mapping: mappings/sales
    inbound: { apiKey: "\${SALES_KEY}" }
  billing:
    adapter: pipe
    mapping: mappings/billing
    outbound: { url: "\${BILLING_URL}/api", timeoutMs: 3000 }
  archive: { adapter: sink, mapper: passthrough, outbound: { url: "http://archive.test" } }
  bridge: { adapter: drop, mapper: passthrough, inbound: { dropDir: /var/cdr } }
routes:
  - name: customers
    from: sales
    types: [customer.created, customer.updated]
    to: [billing, { system: archive, transform: "$merge([payload, {'archived': true}])" }]
  - name: everything-archived
    types: ["#"]
    to: [archive]
queries:
  - { type: billing-period.get, answeredBy: billing, timeoutMs: 2s }
delivery: { redeliveryDelays: [500ms, 10s, 1m] }
ingress: { bodyLimit: 512kb }
`;

describe(loadBusConfig.name, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bus-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(yaml: string, files: Record<string, string> = { ...SALES_MAPPING, ...BILLING_MAPPING }): Promise<string> {
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content);
    }
    await writeFile(path.join(dir, 'bus.yaml'), yaml);
    return path.join(dir, 'bus.yaml');
  }

  // Fixed lists, so the spec does not change whenever a codec or mapper is installed.
  const deps = { adapters: ADAPTERS, codecs: CODECS.filter((c) => c.id === 'json'), mappers: { passthrough: MAPPERS.passthrough } };
  const load = (file: string, env: Record<string, string | undefined> = ENV) => loadBusConfig(file, env, deps);

  async function problemsOf(yaml: string, env?: Record<string, string | undefined>, files?: Record<string, string>): Promise<string[]> {
    const file = await write(yaml, files);
    const err = await load(file, env).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }

  describe('a valid file', () => {
    it('should load systems, routes and queries with durations in ms and sizes in bytes', async () => {
      const sut = await load(await write(VALID));
      expect([...sut.systems.keys()]).toEqual(['sales', 'billing', 'archive', 'bridge']);
      expect(sut.config.delivery.redeliveryDelays).toEqual([500, 10_000, 60_000]);
      expect(sut.config.delivery).toMatchObject({ queueType: 'quorum', prefetch: 50, immediateRetries: 2 });
      expect(sut.config.ingress.bodyLimit).toBe(512 * 1024);
      expect(sut.routeTable.queryRoute('billing-period.get')).toEqual({ type: 'billing-period.get', answeredBy: 'billing', timeoutMs: 2000 });
      expect(sut.config.jobs).toEqual({});
    });

    it('should give each system its adapter, codec, mapping and checked settings with defaults applied', async () => {
      const sut = await load(await write(VALID));
      const billing = sut.systems.get('billing')!;
      expect(billing.adapter.id).toBe('pipe');
      expect(billing.codec.id).toBe('json');
      expect(billing.outbound).toBeInstanceOf(PipeOutbound);
      expect(billing.outbound).toEqual({ url: 'http://billing.test:8080/api', timeoutMs: 3000 });
      expect(billing.mapping.outboundTypes).toEqual(['customer.created', 'customer.updated']);
      expect(sut.systems.get('sales')!.inbound).toEqual({ apiKey: 'sales-secret' });
      expect(sut.systems.get('archive')!.mapping.outboundTypes).toEqual(['#']);
    });

    it('should name the version by the first 12 hex digits of the sha256 of the file and every file it references', async () => {
      const sut = await load(await write(VALID));
      expect(sut.version).toBe(versionOfFiles(sut.files));
      expect(sut.files['bus.yaml']).toBe(VALID);
      expect(sut.loadedAt).toBeInstanceOf(Date);
      expect(sut.file).toBe(path.join(dir, 'bus.yaml'));
    });

    it('should route with the compiled table', async () => {
      const sut = await load(await write(VALID));
      const { matches } = await sut.routeTable.match({ type: 'customer.updated', source: 'sales', payload: { id: 1 } });
      expect(matches.map((m) => [m.destination, m.routes])).toEqual([
        ['billing', ['customers']],
        ['archive', ['customers', 'everything-archived']],
      ]);
    });

    it('should redact every value that came from an environment variable, and only those', async () => {
      const sut = await load(await write(VALID));
      const redacted = sut.redactedConfig() as { systems: Record<string, { inbound?: object; outbound?: object }> };
      expect(redacted.systems.sales.inbound).toEqual({ apiKey: '***' });
      expect(redacted.systems.billing.outbound).toEqual({ url: '***', timeoutMs: 3000 });
      expect(redacted.systems.bridge.inbound).toEqual({ dropDir: '/var/cdr' });
      expect(JSON.stringify(redacted)).not.toContain('sales-secret');
      expect(sut.systems.get('sales')!.inbound).toEqual({ apiKey: 'sales-secret' });
    });

    it('should accept YAML anchors and merge keys', async () => {
      const yaml = VALID.replace('  archive: { adapter: sink,', '  archive: &sink { adapter: sink,').replace('routes:', '  archive-2: { <<: *sink, mapper: passthrough }\nroutes:');
      const sut = await load(await write(yaml));
      expect(sut.systems.get('archive-2')!.outbound).toEqual({ url: 'http://archive.test', timeoutMs: 5000 });
    });

    it('should read `$${` as a literal `${`', async () => {
      const sut = await load(await write(VALID.replace('/var/cdr', () => '"/var/$${HOME}"')));
      expect(sut.systems.get('bridge')!.inbound).toEqual({ dropDir: '/var/${HOME}' });
      expect((sut.redactedConfig() as any).systems.bridge.inbound.dropDir).toBe('/var/${HOME}');
    });
  });

  describe('layer 1: environment', () => {
    it('should refuse an invalid environment before reading the file, listing every problem', async () => {
      const err = await load(path.join(dir, 'missing.yaml'), { PORT: 'eighty', LOG_LEVEL: 'loud' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).source).toBe('environment');
      expect((err as ConfigError).problems.map((p) => p.path)).toEqual(['PORT', 'LOG_LEVEL']);
    });
  });

  describe('layer 2: YAML and structure', () => {
    it('should report a file that cannot be read', async () => {
      const err = (await load(path.join(dir, 'nope.yaml')).catch((e: unknown) => e)) as ConfigError;
      expect(err.problems[0]).toEqual({ path: '(file)', message: expect.stringContaining('cannot be read') });
    });

    it('should report YAML syntax errors with line and column', async () => {
      expect(await problemsOf('systems:\n  sales: { adapter: pipe\nroutes: []\n')).toEqual([expect.stringMatching(/^line \d+, column \d+: /)]);
    });

    it('should report an empty file', async () => {
      expect(await problemsOf('# nothing yet\n')).toEqual(['(file): is empty; it needs at least a "systems:" section']);
    });

    it('should name the path and the variable of every reference to an unset variable', async () => {
      const problems = await problemsOf(VALID, { BILLING_URL: 'http://b' });
      expect(problems).toEqual(['systems.sales.inbound.apiKey: environment variable SALES_KEY is not set; set it or change the value']);
    });

    it('should report every structural problem at once, each with its path', async () => {
      const yaml = `
systems:
  sales: { adapter: pipe, mapping: mappings/sales, mapper: passthrough, colour: blue }
  Bad_Name: { adapter: pipe, mapper: passthrough }
  unrouted: { adapter: pipe, mapper: passthrough }
  lost: { adapter: "" }
routes:
  - name: r1
    types: []
    to: [billing]
  - name: r1
    types: ["customer.**"]
    to: [{ sytem: billing }]
queries:
  - { type: "billing.*", answeredBy: billing }
delivery: { queueType: fifo, prefetch: 0, redeliveryDelays: [1s, soon] }
ingress: { bodyLimit: huge }
extra: 1
`;
      expect(await problemsOf(yaml)).toEqual([
        'extra: unknown key (allowed: businessKeys, delivery, ingress, jobs, journal, processors, queries, routes, sensitive, systems)',
        'routes[0].types: must name at least one message type',
        'routes[1].types: each value must be a message type or pattern (segments separated by ".", "*" = one segment, "#" = any rest)',
        'routes[1].to[0].sytem: unknown key (allowed: system, transform)',
        'routes[1].to[0].system: must be a non-empty string',
        'queries[0].type: must be a query type such as billing-period.get (no wildcards)',
        'delivery.queueType: must be quorum or classic',
        'delivery.prefetch: must not be less than 1',
        'delivery.redeliveryDelays: each value must be a duration such as 500ms, 10s, 1m or 1h (got "soon")',
        'ingress.bodyLimit: must be a size such as 512kb or 1mb (got "huge")',
        'systems.sales.colour: unknown key (allowed: adapter, codec, codecOptions, dedupKey, inbound, mapper, mapping, outbound, xref)',
        'systems.sales: has both mapping and mapper; keep one',
        'systems.Bad_Name: system names must be lowercase letters, digits and dashes, starting with a letter (they name queues and URLs)',
        'systems.unrouted: "unrouted" is reserved: the bus\'s own queue bus.unrouted has that name; choose another',
        'systems.lost.adapter: must be a non-empty string',
        'systems.lost: needs a mapping (a folder of JSONata files, e.g. mappings/<system>) or a mapper (e.g. passthrough)',
        'routes[1].name: "r1" is already used by routes[0]; route names must be unique',
      ]);
    });

    it('should name the entry of journal.levels that is not a level, or not a type', async () => {
      expect(await problemsOf(VALID.replace('ingress: { bodyLimit: 512kb }', 'ingress: { bodyLimit: 512kb }\njournal: { levels: { usage.#: failures, customer.*: some } }'))).toEqual([
        'journal.levels: must map message types or patterns to full or failures, e.g. { usage.#: failures }; "customer.*" has "some"',
      ]);
      expect(await problemsOf(VALID.replace('ingress: { bodyLimit: 512kb }', 'ingress: { bodyLimit: 512kb }\njournal: { levels: { "usage..x": failures } }'))).toEqual([
        'journal.levels: must map message types or patterns to full or failures, e.g. { usage.#: failures }; "usage..x" is not a message type or pattern (segments separated by ".", "*" = one segment, "#" = any rest)',
      ]);
    });

    it('should not check adapter settings while the structure is invalid', async () => {
      const problems = await problemsOf(VALID.replace('ingress: { bodyLimit: 512kb }', 'ingress: { bodyLimit: lots }').replace('adapter: drop', 'adapter: nope'));
      expect(problems).toEqual(['ingress.bodyLimit: must be a size such as 512kb or 1mb (got "lots")']);
    });
  });

  describe('layer 3: adapter kinds and their settings', () => {
    it('should list the known ids for an unknown adapter, codec or mapper', async () => {
      const yaml = VALID.replace('adapter: sink', 'adapter: snik').replace('codec: json', 'codec: yaml').replace('mapper: passthrough, inbound', 'mapper: magic, inbound');
      expect(await problemsOf(yaml)).toEqual([
        'systems.sales.codec: unknown codec "yaml" (known: json)',
        'systems.archive.adapter: unknown adapter "snik" (known: drop, pipe, sink); did you mean "sink"?',
        'systems.bridge.mapper: unknown mapper "magic" (known: passthrough)',
      ]);
    });

    it("should check inbound and outbound settings against the adapter's config classes, with full paths", async () => {
      const yaml = VALID.replace('dropDir: /var/cdr', 'dropDir: ""').replace('timeoutMs: 3000', 'timeoutMs: 3000, retries: 3').replace('adapter: drop, mapper: passthrough, inbound', 'adapter: drop, mapper: passthrough, outbound: {}, inbound');
      expect(await problemsOf(yaml)).toEqual([
        expect.stringMatching(/^systems\.billing\.outbound\.retries: /),
        expect.stringMatching(/^systems\.bridge\.inbound\.dropDir: must be a non-empty string$/),
        expect.stringMatching(/^systems\.bridge\.outbound: adapter drop has no outbound side/),
      ]);
    });

    it('should ask the adapter which outbound settings the codec cannot carry, with full paths', async () => {
      const picky = defineAdapter({
        ...(ADAPTERS[1] as AdapterDefinition<object, PipeOutbound>),
        id: 'picky',
        codecProblems: (_outbound: PipeOutbound, codec: string) => [{ path: 'batches["usage.priced"]', message: `needs another codec than ${codec}` }],
      });
      const file = await write(VALID.replace('adapter: sink', 'adapter: picky'));
      const err = await loadBusConfig(file, ENV, { ...deps, adapters: [...ADAPTERS, picky] }).catch((e: ConfigError) => e);
      expect((err as ConfigError).problems).toEqual([{ path: 'systems.archive.outbound.batches["usage.priced"]', message: 'needs another codec than json' }]);
    });
  });

  describe('layer 4: cross-references', () => {
    it('should report unknown systems in routes and queries with the known names and the closest one', async () => {
      const yaml = VALID.replace('from: sales', 'from: sale').replace('to: [billing,', 'to: [billling,').replace('answeredBy: billing', 'answeredBy: nobody');
      const file = await write(yaml);
      const err = (await load(file).catch((e: unknown) => e)) as ConfigError;
      expect(err.message).toBe(
        [
          `Invalid configuration (${file}):`,
          '  routes[0].from: unknown system "sale" (known: archive, billing, bridge, sales); did you mean "sales"?',
          '  routes[0].to[0]: unknown system "billling" (known: archive, billing, bridge, sales); did you mean "billing"?',
          '  queries[0].answeredBy: unknown system "nobody" (known: archive, billing, bridge, sales)',
        ].join('\n'),
      );
    });

    it('should refuse destinations that cannot receive what their routes send', async () => {
      const yaml = VALID.replace('to: [archive]', 'to: [archive, bridge]').replace('types: [customer.created, customer.updated]', 'types: [customer.created, customer.updated, customer.deleted, "contract.*"]').replace('{ system: archive, transform', '{ system: sales, transform');
      expect(await problemsOf(yaml)).toEqual([
        'routes[0]: "billing" does not accept customer.deleted (consumes: customer.created, customer.updated)',
        'routes[0].to[1]: "sales" has no outbound settings; add systems.sales.outbound',
        'routes[1].to[1]: "bridge" cannot receive messages: adapter drop is inbound only',
      ]);
    });

    it('should refuse a query whose answering system has no answer mapping or no query capability', async () => {
      const yaml = VALID.replace('answeredBy: billing, timeoutMs: 2s }', 'answeredBy: billing }\n  - { type: contract.get, answeredBy: billing }\n  - { type: usage.get, answeredBy: archive }\n  - { type: usage.sum, answeredBy: sales }');
      expect(await problemsOf(yaml)).toEqual([
        'queries[1]: "billing" has no answer mapping for contract.get (answers: billing-period.get); add answers/contract.get.request.jsonata and answers/contract.get.response.jsonata to its mapping',
        'queries[2].answeredBy: "archive" cannot answer queries: adapter sink has no query capability',
        'queries[3].answeredBy: "sales" has no outbound settings to ask it with; add systems.sales.outbound',
        'queries[3]: "sales" has no answer mapping for usage.sum (answers: nothing); add answers/usage.sum.request.jsonata and answers/usage.sum.response.jsonata to its mapping',
      ]);
    });

    it('should compile a system dedupKey, and name the setting when it does not parse', async () => {
      const good = await load(await write(VALID.replace('    inbound: { apiKey: "${SALES_KEY}" }', '    inbound: { apiKey: "${SALES_KEY}" }\n    dedupKey: payload.id')));
      expect(good.systems.get('sales')?.dedupKey?.source).toBe('payload.id');

      const problems = await problemsOf(VALID.replace('    inbound: { apiKey: "${SALES_KEY}" }', '    inbound: { apiKey: "${SALES_KEY}" }\n    dedupKey: "payload.(id"'));

      expect(problems).toEqual([expect.stringMatching(/^systems\.sales\.dedupKey: is not a valid JSONata expression: .*\(a JSONata expression over the canonical message, e\.g\. payload\.usageId\)$/)]);
    });

    it('should report mapping folders that are missing or do not compile, and route expressions that do not parse', async () => {
      const files = { ...BILLING_MAPPING, 'mappings/sales/inbound.jsonata': '{ "type": ' };
      const yaml = VALID.replace('mapping: mappings/billing', 'mapping: mappings/billng').replace(`transform: "$merge([payload, {'archived': true}])"`, 'transform: "$merge(["');
      const problems = await problemsOf(yaml, ENV, files);
      expect(problems).toEqual([
        expect.stringMatching(/^systems\.sales\.mapping: .*mappings\/sales\/inbound\.jsonata \(line 1, column \d+\): /),
        expect.stringMatching(/^systems\.billing\.mapping: .*cannot read the mapping folder/),
        expect.stringMatching(/^routes\[0\]\.to\[1\]\.transform: is not a valid JSONata expression: /),
      ]);
    });
  });
});
