import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { createBusApp } from '../../src/app.factory';
import { loadBusConfig } from '../../src/config/bus-config.loader';
import { loadEnv } from '../../src/config/env.schema';
import { BUS_STORE, type BusStore } from '../../src/store/bus-store';
import { deleteByPrefix, requireBroker, testPrefix, TEST_AMQP_URL } from './broker';

const REPO_CONFIG = resolve(__dirname, '../../../../config');

export interface TestBus {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Folder holding bus.yaml (and a copy of the repo's mappings and templates). */
  dir: string;
  configFile: string;
  prefix: string;
  adminToken: string;
  store: BusStore;
  /** Rewrites bus.yaml (the watcher or POST /admin/config/reload picks it up). */
  writeConfig(yaml: string): Promise<void>;
  /** Stops the bus; `keepBroker` leaves queues for a second bus instance. */
  close(options?: { keepBroker?: boolean; keepDir?: boolean }): Promise<void>;
}

export interface TestBusOptions {
  /** The bus.yaml text; mapping folders are relative to its folder (repo mappings are copied there). */
  yaml: string;
  /** `${VAR}`s for the config and the bus's own variables. */
  vars?: Record<string, string>;
  /** Extra files to write beside bus.yaml, e.g. `{ 'mappings/x/inbound.jsonata': '…' }`. */
  files?: Record<string, string>;
  watch?: boolean;
  /** Reuse a folder and broker prefix (a second instance, or a restart after a crash). */
  dir?: string;
  prefix?: string;
}

/** Starts a real bus (HTTP on a free port, the real RabbitMQ, the embedded store) for one test. */
export async function startTestBus(options: TestBusOptions): Promise<TestBus> {
  await requireBroker();
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'bus-e2e-')));
  const prefix = options.prefix ?? testPrefix();
  if (!options.dir) {
    await cp(join(REPO_CONFIG, 'mappings'), join(dir, 'mappings'), { recursive: true });
    await cp(join(REPO_CONFIG, 'templates'), join(dir, 'templates'), { recursive: true }).catch(() => undefined);
  }
  for (const [file, text] of Object.entries(options.files ?? {})) {
    await writeText(join(dir, file), text);
  }
  const configFile = join(dir, 'bus.yaml');
  await writeFile(configFile, options.yaml);
  const adminToken = 'test-admin-token';
  const vars: Record<string, string | undefined> = {
    AMQP_URL: TEST_AMQP_URL,
    BUS_CONFIG: configFile,
    BUS_DATA_DIR: dir,
    BUS_CONFIG_WATCH: String(options.watch ?? false),
    ADMIN_TOKEN: adminToken,
    PATH: process.env.PATH,
    ...options.vars,
  };
  const env = loadEnv(vars);
  const initial = await loadBusConfig(configFile, vars);
  const app = await createBusApp({ env, initial, vars, brokerPrefix: prefix, logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  let closed = false;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    dir,
    configFile,
    prefix,
    adminToken,
    store: app.get<BusStore>(BUS_STORE),
    writeConfig: (yaml) => writeFile(configFile, yaml),
    async close(closeOptions = {}) {
      if (closed) return;
      closed = true;
      await closeNamingSlowHooks(app, prefix);
      if (!closeOptions.keepBroker) await deleteByPrefix(prefix);
      if (!closeOptions.keepDir && !options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `app.close()`, naming every 20 s the lifecycle hooks (onModuleDestroy, beforeApplicationShutdown,
 * onApplicationShutdown) that have not finished yet, so a close that hangs says where in the test's log.
 */
async function closeNamingSlowHooks(app: INestApplication, prefix: string): Promise<void> {
  const pending = new Set<string>();
  const container = (app as unknown as { container: { getModules(): Map<string, { providers: Map<unknown, { instance: unknown }> }> } }).container;
  for (const module of container.getModules().values()) {
    for (const { instance } of module.providers.values()) {
      if (!instance || typeof instance !== 'object') continue;
      const target = instance as Record<string, unknown>;
      for (const hook of ['onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown']) {
        const original = target[hook];
        if (typeof original !== 'function') continue;
        const name = `${instance.constructor.name}.${hook}`;
        target[hook] = async (...args: unknown[]) => {
          pending.add(name);
          try {
            return await original.apply(instance, args);
          } finally {
            pending.delete(name);
          }
        };
      }
    }
  }
  const started = Date.now();
  const report = setInterval(() => console.error(`bus ${prefix} still closing after ${Math.round((Date.now() - started) / 1000)} s, waiting on: ${[...pending].join(', ') || 'no lifecycle hook (the HTTP server?)'}`), 20_000);
  try {
    await app.close();
  } finally {
    clearInterval(report);
  }
}

async function writeText(file: string, text: string): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, text);
}
