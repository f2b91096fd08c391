import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { readConfigFiles, versionOfFiles } from './config-files';
import { ConfigVersionMovedError } from './config.errors';
import { ConfigService } from './config.service';
import type { ReloadPlan } from './reload-plan';

const BUS_YAML = `
systems:
  crm: { adapter: http, codec: json, mapping: mappings/crm, inbound: { apiKey: "\${file:SECRET}" } }
  erp: { adapter: http, codec: json, mapping: mappings/erp, outbound: { url: "http://erp.test" } }
routes:
  - { name: to-erp, from: crm, types: [customer.updated], to: [erp] }
`;
const INBOUND = `{ "type": "customer.updated", "payload": { "id": id, "name": name } }`;
const OUTBOUND = `{ "customerId": payload.id, "name": payload.name }`;

/** A config version is bus.yaml and every file it references; a change to any of them is a new version. */
describe('config files', () => {
  let dir: string;
  let file: string;
  let sut: ConfigService | undefined;
  const put = async (name: string, text: string) => {
    const full = path.join(dir, name);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(`${full}.tmp`, text);
    await rename(`${full}.tmp`, full);
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bus-config-files-'));
    file = path.join(dir, 'bus.yaml');
    await put('secret', 'k1\n');
    await put('bus.yaml', BUS_YAML.replace('SECRET', path.join(dir, 'secret')));
    await put('mappings/crm/inbound.jsonata', INBOUND);
    await put('mappings/crm/__fixtures__/a.native.json', '{}');
    await put('mappings/erp/outbound/customer.updated.jsonata', OUTBOUND);
  });

  afterEach(async () => {
    sut?.onApplicationShutdown();
    sut = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const start = async () => {
    sut = new ConfigService({ file, env: {}, debounceMs: 20, logger: { log: jest.fn(), warn: jest.fn(), error: jest.fn() } as LoggerService });
    await sut.init();
    return sut;
  };

  it('should hold bus.yaml and every mapping file, without fixtures', async () => {
    const files = await readConfigFiles(file);

    expect(Object.keys(files).sort()).toEqual(['bus.yaml', 'mappings/crm/inbound.jsonata', 'mappings/erp/outbound/customer.updated.jsonata']);
  });

  it('should name a new version when only a mapping changes, and not when a fixture does', async () => {
    const before = versionOfFiles(await readConfigFiles(file));
    await put('mappings/crm/__fixtures__/a.native.json', '{"changed": true}');
    expect(versionOfFiles(await readConfigFiles(file))).toBe(before);

    await put('mappings/erp/outbound/customer.updated.jsonata', `{ "id": payload.id }`);

    expect(versionOfFiles(await readConfigFiles(file))).not.toBe(before);
  });

  it('should apply an edited mapping by itself when watching, as a change of its system', async () => {
    const service = await start();
    const before = service.active().version;
    service.startWatching();
    const changed = new Promise<ReloadPlan>((resolve) => service.onChange((plan) => resolve(plan)));

    await put('mappings/erp/outbound/customer.updated.jsonata', `{ "id": payload.id }`);
    const plan = await changed;

    expect(plan).toMatchObject({ previousVersion: before, trigger: 'watch', systems: { changed: ['erp'] }, files: { changed: ['mappings/erp/outbound/customer.updated.jsonata'] } });
    const envelope = { id: 'm', type: 'customer.updated', source: 'crm', schemaVersion: 1, correlationId: 'm', occurredAt: '2026-01-01T00:00:00Z', payload: { id: 7, name: 'A' } };
    expect(await service.active().systems.get('erp')!.mapping.fromCanonical(envelope as never)).toEqual({ id: 7 });
  });

  it('should watch a folder created after start, so a new outbound mapping in it applies by itself', async () => {
    const service = await start();
    service.startWatching();
    const changed = new Promise<ReloadPlan>((resolve) => service.onChange((plan) => resolve(plan)));

    await mkdir(path.join(dir, 'mappings/crm/outbound'));
    await put('mappings/crm/outbound/customer.updated.jsonata', OUTBOUND);

    expect((await changed).files.added).toEqual(['mappings/crm/outbound/customer.updated.jsonata']);
    expect(service.active().systems.get('crm')!.mapping.outboundTypes).toEqual(['customer.updated']);
  });

  it('should read a ${file:…} secret again on reload, so a new secret needs no restart', async () => {
    const service = await start();
    expect(service.active().systems.get('crm')!.inbound).toEqual({ apiKey: 'k1' });

    await put('secret', 'k2\n');
    const plan = await service.reload('rotated');

    expect(plan.systems.changed).toEqual(['crm']);
    expect(service.active().systems.get('crm')!.inbound).toEqual({ apiKey: 'k2' });
    expect(JSON.stringify(service.active().redactedConfig())).not.toContain('k2');
  });

  it('should refuse a ${file:…} secret that cannot be read, naming the path and the file', async () => {
    await rm(path.join(dir, 'secret'));
    const service = new ConfigService({ file, env: {}, logger: { log: jest.fn(), warn: jest.fn(), error: jest.fn() } as LoggerService });

    await expect(service.init()).rejects.toThrow(/systems\.crm\.inbound\.apiKey: secret file .*secret cannot be read \(ENOENT\); create it or change the value/);
  });

  it('should refuse to replace files planned against another version, and put the files back when the new ones are refused', async () => {
    const service = await start();
    const active = service.active();
    const request = { reason: 'test', trigger: 'apply' as const, appliedBy: 'ops' };

    await expect(service.replaceFiles(active.files, request, 'not-the-active')).rejects.toBeInstanceOf(ConfigVersionMovedError);
    await expect(service.replaceFiles({ ...active.files, 'bus.yaml': active.files['bus.yaml'].replace('to: [erp]', 'to: [erpp]') }, request, active.version)).rejects.toThrow(/unknown system "erpp"/);

    expect(await readFile(file, 'utf8')).toBe(active.files['bus.yaml']);
    expect(service.active()).toBe(active);
  });

  it('should write a whole version, deleting the files it no longer has', async () => {
    const service = await start();
    const { files, version } = service.active();
    const next = { ...files, 'mappings/crm/inbound.jsonata': INBOUND.replace('name', 'fullName') };

    const plan = await service.replaceFiles(next, { reason: 'test', trigger: 'apply', appliedBy: 'ops' }, version);

    expect(plan.files.changed).toEqual(['mappings/crm/inbound.jsonata']);
    expect(await readFile(path.join(dir, 'mappings/crm/inbound.jsonata'), 'utf8')).toContain('fullName');
    expect(service.active().version).toBe(versionOfFiles(next));
  });
});
