import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpTestServer, type HttpTestServer } from '@bus/adapters/testing';
import { run } from '../../cli/src/cli';
import { startTestBus, type TestBus } from './support/bus-harness';
import { coreYaml, CRM_KEY, crmCustomer, postJson } from './support/core-config';
import { waitFor } from './support/broker';

const ERP_MAPPING = 'mappings/erp/outbound/customer.updated.jsonata';

/** The integrator's toolchain against a real bus: a mapping edit hot-reloaded; plan, apply, history, rollback, dry-run. */
describe('config toolchain', () => {
  let erp: HttpTestServer;
  let bus: TestBus;
  let work: string | undefined;
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${bus.url}/admin/${path}`, { ...init, headers: { authorization: `Bearer ${bus.adminToken}`, 'content-type': 'application/json', ...init.headers } }).then(async (r) => ({
      status: r.status,
      json: await r.json(),
    }));
  const activeVersion = async () => (await admin('config')).json.version as string;
  const post = (name: string) => postJson(`${bus.url}/adapters/crm/messages`, crmCustomer({ customer: { name } }), { 'x-api-key': CRM_KEY });
  const nextAtErp = async () => JSON.parse((await erp.nextRequest()).body.toString());
  const cli = async (...args: string[]) => {
    const { exitCode, output } = await run([...args, '--url', bus.url, '--token', bus.adminToken, '--json']);
    return { exitCode, json: JSON.parse(output) };
  };
  /** The integrator's working copy of the bus's config folder. */
  const workingCopy = async () => {
    work = await mkdtemp(join(tmpdir(), 'bpi-bus-work-'));
    await cp(join(bus.dir, 'bus.yaml'), join(work, 'bus.yaml'));
    await cp(join(bus.dir, 'mappings'), join(work, 'mappings'), { recursive: true });
    return work;
  };

  beforeEach(async () => {
    erp = await startHttpTestServer();
  });

  afterEach(async () => {
    await bus?.close();
    await erp.close();
    if (work) await rm(work, { recursive: true, force: true });
    work = undefined;
  });

  it('should apply an edited mapping by itself (watch on), as a version in the history', async () => {
    bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }), vars: { CRM_API_KEY: CRM_KEY }, watch: true });
    const before = await activeVersion();
    await post('Before AG');
    expect((await nextAtErp()).via).toBeUndefined();

    const mapping = join(bus.dir, ERP_MAPPING);
    await writeFile(mapping, (await readFile(mapping, 'utf8')).replace('"erpId": $xref', '"erpId": $xref, "via": "edited"'));
    await waitFor('the edited mapping applied', async () => ((await activeVersion()) !== before ? true : undefined));
    await post('After AG');

    expect(await nextAtErp()).toEqual(expect.objectContaining({ name: 'After AG', via: 'edited' }));
    const history = (await admin('config/history')).json;
    expect(history.items[0]).toEqual(expect.objectContaining({ trigger: 'watch', appliedBy: 'bus', reason: 'file changed', previousVersion: before }));
    expect(history.items[1]).toEqual(expect.objectContaining({ version: before, trigger: 'startup' }));
  });

  it('should plan, apply, refuse a stale apply, list the history and roll back, through bpi-bus', async () => {
    bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }), vars: { CRM_API_KEY: CRM_KEY } });
    const original = await activeVersion();
    const dir = await workingCopy();
    await writeFile(join(dir, ERP_MAPPING), (await readFile(join(dir, ERP_MAPPING), 'utf8')).replace('"erpId": $xref', '"erpId": $xref, "via": "applied"'));

    const plan = await cli('plan', dir);
    expect(plan.exitCode).toBe(0);
    expect(plan.json).toEqual(expect.objectContaining({ againstVersion: original, systems: { added: [], removed: [], changed: ['erp'] }, files: { added: [], removed: [], changed: [ERP_MAPPING] } }));

    const dryRunReload = await admin('config/reload?dryRun=true', { method: 'POST' });
    expect(dryRunReload.json).toEqual(expect.objectContaining({ version: original, previousVersion: original }));

    const applied = await cli('apply', dir, '--reason', 'erp wants to know the sender', '--expected-version', plan.json.againstVersion);
    expect(applied.exitCode).toBe(0);
    expect(await activeVersion()).toBe(applied.json.version);
    expect(await readFile(join(bus.dir, ERP_MAPPING), 'utf8')).toContain('"via": "applied"');
    await post('Applied AG');
    expect(await nextAtErp()).toEqual(expect.objectContaining({ name: 'Applied AG', via: 'applied' }));

    const stale = await cli('apply', dir, '--reason', 'planned against the old version', '--expected-version', original);
    expect(stale.exitCode).toBe(3);
    expect(stale.json).toEqual(expect.objectContaining({ status: 409, code: 'CONFIG.VERSION_MOVED' }));

    const history = await cli('history');
    expect(history.json.items.slice(0, 2)).toEqual([
      expect.objectContaining({ version: applied.json.version, trigger: 'apply', appliedBy: 'admin', reason: 'erp wants to know the sender', previousVersion: original }),
      expect.objectContaining({ version: original, trigger: 'startup' }),
    ]);
    const content = (await admin(`config/versions/${applied.json.version}`)).json;
    expect(content.files[ERP_MAPPING]).toContain('"via": "applied"');
    expect(Object.keys(content.files)).toContain('bus.yaml');

    const rolledBack = await cli('rollback', '--reason', 'the erp was not ready');
    expect(rolledBack.exitCode).toBe(0);
    expect(rolledBack.json).toEqual(expect.objectContaining({ version: original, trigger: 'rollback' }));
    expect(await activeVersion()).toBe(original);
    await post('Rolled Back AG');
    expect((await nextAtErp()).via).toBeUndefined();
  });

  it('should refuse an apply whose files the bus rejects or that leave the config folder, and keep the files and the version it had', async () => {
    bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }), vars: { CRM_API_KEY: CRM_KEY } });
    const original = await activeVersion();
    const dir = await workingCopy();
    await writeFile(join(dir, ERP_MAPPING), '{ "broken": ');

    const res = await admin('config/apply', { method: 'POST', body: JSON.stringify({ files: { 'bus.yaml': await readFile(join(dir, 'bus.yaml'), 'utf8'), [ERP_MAPPING]: '{ "broken": ' }, reason: 'x', expectedVersion: original }) });

    expect(res.status).toBe(422);
    expect(res.json.details[0].path).toBe('systems.erp.mapping');
    expect(await activeVersion()).toBe(original);
    expect(await readFile(join(bus.dir, ERP_MAPPING), 'utf8')).not.toContain('broken');

    const outside = await admin('config/apply', { method: 'POST', body: JSON.stringify({ files: { 'bus.yaml': 'x', '../escape.txt': 'x' }, reason: 'x', expectedVersion: original }) });
    expect(outside.status).toBe(400);
    expect(outside.json).toEqual(expect.objectContaining({ code: 'CONFIG.FILE_REJECTED', details: [expect.objectContaining({ path: 'files.../escape.txt' })] }));
  });

  it('should replay journal messages through a proposed config without sending them', async () => {
    bus = await startTestBus({ yaml: coreYaml({ erp: erp.url }), vars: { CRM_API_KEY: CRM_KEY } });
    await post('Journal AG');
    await nextAtErp();
    const dir = await workingCopy();
    await writeFile(join(dir, ERP_MAPPING), (await readFile(join(dir, ERP_MAPPING), 'utf8')).replace('"erpId": $xref', '"erpId": $xref, "via": "proposed"'));

    const sut = await cli('dry-run', dir, '--last', '5');

    expect(sut.exitCode).toBe(0);
    expect(sut.json.summary).toEqual(expect.objectContaining({ messages: 1, outputsChanged: 1, recipientsChanged: 0 }));
    expect(JSON.parse(sut.json.messages[0].after.outputs.erp)).toEqual(expect.objectContaining({ name: 'Journal AG', via: 'proposed' }));
    expect(erp.requests).toHaveLength(1);
  });
});
