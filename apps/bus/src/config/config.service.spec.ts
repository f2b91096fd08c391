import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LoggerService } from '@nestjs/common';
import type { ActiveConfig } from './active-config';
import { ConfigError } from './config.errors';
import { ConfigService, type RejectedChange } from './config.service';
import type { ReloadPlan } from './reload-plan';

const ENV = { ERP_URL: 'http://erp.test', CRM_KEY: 'k1' };

const system = (extra = '') => `{ adapter: http, mapper: passthrough${extra} }`;
const CONFIG_A = `
systems:
  crm: ${system(', inbound: { apiKey: "${CRM_KEY}" }')}
  erp: ${system(', outbound: { url: "${ERP_URL}" }')}
  archive: ${system(', outbound: { url: "http://archive.test" }')}
routes:
  - { name: to-erp, from: crm, types: [customer.updated], to: [erp] }
  - { name: to-archive, types: ["#"], to: [archive] }
`;
const CONFIG_B = `
systems:
  crm: ${system(', inbound: { apiKey: "${CRM_KEY}" }')}
  erp: ${system(', outbound: { url: "${ERP_URL}", timeoutMs: 900 }')}
  billing: ${system(', outbound: { url: "http://billing.test" }')}
routes:
  - { name: to-erp, from: crm, types: [customer.updated, customer.created], to: [erp] }
  - { name: to-billing, types: ["customer.*"], to: [billing] }
delivery: { prefetch: 10 }
`;

describe(ConfigService.name, () => {
  let dir: string;
  let file: string;
  let logger: jest.Mocked<LoggerService>;
  let sut: ConfigService;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bus-config-service-'));
    file = path.join(dir, 'bus.yaml');
    await writeFile(file, CONFIG_A);
    logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };
    sut = new ConfigService({ file, env: ENV, logger, debounceMs: 20 });
    await sut.init();
  });

  afterEach(async () => {
    sut.onApplicationShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  /** Write-then-rename, as editors save: the watcher never sees a half-written file. */
  const replaceFile = async (text: string) => {
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  };

  const nextChange = () => new Promise<[ReloadPlan, ActiveConfig]>((resolve) => {
    const off = sut.onChange((plan, next) => {
      off();
      resolve([plan, next]);
    });
  });
  const nextRejection = () => new Promise<RejectedChange>((resolve) => {
    const off = sut.onReject((rejected) => {
      off();
      resolve(rejected);
    });
  });

  it('should answer a reload with the systems and routes added, removed and changed', async () => {
    const before = sut.active().version;
    await writeFile(file, CONFIG_B);
    const plan = await sut.reload('test');
    expect(plan).toEqual({
      version: sut.active().version,
      previousVersion: before,
      reason: 'test',
      trigger: 'reload',
      appliedBy: 'bus',
      systems: { added: ['billing'], removed: ['archive'], changed: ['erp'] },
      routes: { added: ['to-billing'], removed: ['to-archive'], changed: ['to-erp'] },
      sections: ['delivery'],
      files: { added: [], removed: [], changed: ['bus.yaml'] },
      retired: ['archive'],
      atNextStart: [],
    });
    expect(sut.active().config.delivery.prefetch).toBe(10);
  });

  it('should count a changed secret as a changed system', async () => {
    sut = new ConfigService({ file, env: { ...ENV, CRM_KEY: 'k2' }, logger, initial: sut.active() });
    const plan = await sut.reload('secret rotated');
    expect(plan.systems).toEqual({ added: [], removed: [], changed: ['crm'] });
    expect(sut.active().systems.get('crm')!.inbound).toEqual({ apiKey: 'k2' });
  });

  it('should keep the active version and record the errors when a reload is invalid', async () => {
    const before = sut.active();
    await writeFile(file, CONFIG_A.replace('to: [erp]', 'to: [ep]'));
    const err = await sut.reload('POST /admin/config/reload').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(sut.active()).toBe(before);
    const status = sut.status();
    expect(status).toEqual({
      version: before.version,
      loadedAt: before.loadedAt.toISOString(),
      file,
      lastRejected: {
        at: expect.any(String),
        reason: 'POST /admin/config/reload',
        version: expect.stringMatching(/^[0-9a-f]{12}$/),
        errors: [{ path: 'routes[0].to[0]', message: 'unknown system "ep" (known: archive, crm, erp); did you mean "erp"?' }],
      },
    });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toContain(`keeping version ${before.version}`);
    expect(logger.warn.mock.calls[0][0]).toContain('routes[0].to[0]: unknown system "ep"');
  });

  it('should return an empty plan and notify nobody when nothing changed', async () => {
    const listener = jest.fn();
    sut.onChange(listener);
    const plan = await sut.reload('again');
    expect(plan.systems).toEqual({ added: [], removed: [], changed: [] });
    expect(plan.routes).toEqual({ added: [], removed: [], changed: [] });
    expect(listener).not.toHaveBeenCalled();
  });

  it('should await change listeners in order, before-change ones before the switch', async () => {
    const calls: string[] = [];
    const previous = sut.active().version;
    sut.onBeforeChange(async () => {
      calls.push(`before (active ${sut.active().version === previous ? 'old' : 'new'})`);
    });
    sut.onChange(async () => {
      await Promise.resolve();
      calls.push('first');
    });
    sut.onChange(() => {
      calls.push(`second (active ${sut.active().version === previous ? 'old' : 'new'})`);
    });
    await writeFile(file, CONFIG_B);
    await sut.reload('test');
    expect(calls).toEqual(['before (active old)', 'first', 'second (active new)']);
  });

  it('should reject a reload that a before-change listener refuses', async () => {
    const before = sut.active();
    sut.onBeforeChange(() => {
      throw new Error('cannot declare queue bus.billing');
    });
    await writeFile(file, CONFIG_B);
    await expect(sut.reload('test')).rejects.toBeInstanceOf(ConfigError);
    expect(sut.active()).toBe(before);
    expect(sut.status().lastRejected?.errors).toEqual([{ path: '(apply)', message: 'cannot declare queue bus.billing' }]);
  });

  it('should keep recent versions reachable by hash for messages they routed', async () => {
    const first = sut.active();
    await writeFile(file, CONFIG_B);
    await sut.reload('test');
    expect(sut.getVersion(first.version)).toBe(first);
    expect(sut.getVersion(sut.active().version)).toBe(sut.active());
    expect(sut.getVersion('000000000000')).toBeUndefined();
  });

  it('should forget the oldest versions beyond the history size', async () => {
    sut = new ConfigService({ file, env: ENV, logger, history: 2, initial: sut.active() });
    const first = sut.active();
    for (const prefetch of [11, 12]) {
      await writeFile(file, `${CONFIG_A}\ndelivery: { prefetch: ${prefetch} }\n`);
      await sut.reload('test');
    }
    expect(sut.getVersion(first.version)).toBeUndefined();
    expect(sut.active().config.delivery.prefetch).toBe(12);
  });

  it('should reload when the watched file changes', async () => {
    sut.startWatching();
    const changed = nextChange();
    await replaceFile(CONFIG_B);
    const [plan, next] = await changed;
    expect(plan.reason).toBe('file changed');
    expect(plan.systems.added).toEqual(['billing']);
    expect(sut.active()).toBe(next);
  });

  it('should reject an invalid change of the watched file and keep the active version', async () => {
    const before = sut.active();
    sut.startWatching();
    const rejected = nextRejection();
    await replaceFile('systems: [');
    expect((await rejected).errors[0].path).toMatch(/^line \d+, column \d+$/);
    expect(sut.active()).toBe(before);
  });

  it('should refuse to be used before a version is loaded', () => {
    const fresh = new ConfigService({ file, env: ENV, logger });
    expect(() => fresh.active()).toThrow(/No configuration is loaded/);
    expect(fresh.status()).toEqual({ version: null, loadedAt: null, file });
  });
});
