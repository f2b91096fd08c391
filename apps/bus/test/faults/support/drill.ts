import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BusProcess, REPO_ROOT } from './bus-process';
import { CountingDestination, type CountingDestinationOptions } from './counting-destination';
import { createVhost, requireFaultBroker, type DrillVhost } from './fault-broker';
import { CRM_INGRESS, CRM_KEY } from './drill-config';
import { Sender, type SenderOptions } from './sender';

/** Time kept for killing processes and deleting the vhost after a drill that ran out of time. */
const CLEANUP_MS = 20_000;

/** What a drill gets: its own vhost and folder, and helpers that clean up after it. */
export interface DrillContext {
  vhost: DrillVhost;
  /** Temp folder: bus.yaml, mappings and templates (copies of config/), `data/` (BUS_DATA_DIR), `logs/`. */
  dir: string;
  dataDir: string;
  adminToken: string;
  /** A counting stand-in destination, closed after the drill. */
  destination(options?: CountingDestinationOptions): Promise<CountingDestination>;
  /** Writes bus.yaml (config/mappings and config/templates are already beside it); returns its path. */
  writeConfig(yaml: string): Promise<string>;
  /** Writes a file beside bus.yaml (a mapping, a template, a file to drop), creating its folder. */
  writeFile(relativePath: string, text: string | Buffer): Promise<string>;
  /** Starts a bus process on this drill's vhost, store and config; killed after the drill. `vars` add to the environment. */
  startBus(name?: string, options?: { dataDir?: string; vars?: Record<string, string> }): Promise<BusProcess>;
  /** A sender posting CRM messages to the given buses (read at every send, so a list can change). */
  sender(urls: () => string[], options?: Partial<SenderOptions>): Sender;
  /** Calls the admin API of a bus. */
  admin(bus: BusProcess, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** What a bus's journal says of a message (`GET /admin/messages/{id}`), for settle's `explain`. */
  journalStatus(bus: BusProcess): (messageId: string) => Promise<string>;
  /** Prints a line to the drill log (the figures, what was done when). */
  note(line: string): void;
}

/**
 * Registers one drill as a jest test. On failure the error carries the tail of every bus process's
 * log and the folder with the full logs is kept; on success everything is removed.
 */
export function drill(title: string, body: (ctx: DrillContext) => Promise<void>, timeoutMs = 240_000): void {
  it(
    title,
    async () => {
      await requireFaultBroker();
      const label = basename(expect.getState().testPath ?? title, '.drill-spec.ts').replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 24);
      const dir = await mkdtemp(join(tmpdir(), `bus-drill-${label}-`));
      const dataDir = join(dir, 'data');
      const logDir = join(dir, 'logs');
      await mkdir(dataDir);
      await mkdir(logDir);
      await cp(join(REPO_ROOT, 'config/mappings'), join(dir, 'mappings'), { recursive: true });
      await cp(join(REPO_ROOT, 'config/templates'), join(dir, 'templates'), { recursive: true });
      const vhost = await createVhost(label);
      const buses: BusProcess[] = [];
      const destinations: CountingDestination[] = [];
      const senders: Sender[] = [];
      const configFile = join(dir, 'bus.yaml');
      const adminToken = 'drill-admin-token';
      const notes: string[] = [];
      const ctx: DrillContext = {
        vhost,
        dir,
        dataDir,
        adminToken,
        async destination(options) {
          const d = await CountingDestination.start(options);
          destinations.push(d);
          return d;
        },
        async writeConfig(yaml) {
          await writeFile(configFile, yaml);
          return configFile;
        },
        async writeFile(relativePath, text) {
          const file = join(dir, relativePath);
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, text);
          return file;
        },
        async startBus(name = `bus${buses.length + 1}`, options = {}) {
          const bus = await BusProcess.start({
            name,
            configFile,
            dataDir: options.dataDir ?? dataDir,
            amqpUrl: vhost.amqpUrl,
            adminToken,
            logDir,
            vars: { CRM_API_KEY: CRM_KEY, ...options.vars },
          });
          buses.push(bus);
          return bus;
        },
        sender(urls, options = {}) {
          const s = new Sender({ urls, path: CRM_INGRESS, headers: { 'x-api-key': CRM_KEY }, ...options });
          senders.push(s);
          return s;
        },
        async admin(bus, method, path, payload) {
          const res = await fetch(`${bus.url}/admin/${path}`, {
            method,
            headers: { authorization: `Bearer ${adminToken}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
            body: payload === undefined ? undefined : JSON.stringify(payload),
          });
          const text = await res.text();
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {
            // plain text answer
          }
          return { status: res.status, json };
        },
        journalStatus(bus) {
          return async (messageId) => {
            const res = await ctx.admin(bus, 'GET', `messages/${messageId}`);
            if (res.status === 404) return 'not in the journal';
            const hops = (res.json.hops ?? []).map((h: { kind: string }) => h.kind).join(' > ');
            return `journal status ${res.json.message?.status ?? res.status}${hops ? `, hops ${hops}` : ''}`;
          };
        },
        note(line) {
          notes.push(line);
          process.stdout.write(`${line}\n`);
        },
      };
      let failed = false;
      let timer: NodeJS.Timeout | undefined;
      // Give up a little before jest does, so the cleanup below still runs and the logs are shown.
      const overtime = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`drill did not finish within ${timeoutMs - CLEANUP_MS} ms`)), timeoutMs - CLEANUP_MS);
      });
      try {
        await Promise.race([body(ctx), overtime]);
      } catch (err) {
        failed = true;
        const tails = await Promise.all(buses.map((b) => b.tail(30)));
        const error = err as Error;
        error.message = `${error.message}\n\nDrill notes:\n${notes.join('\n')}\n\nBus logs (full logs kept in ${logDir}):\n${tails.join('\n')}`;
        throw error;
      } finally {
        clearTimeout(timer);
        for (const s of senders) s.stop();
        await Promise.all(buses.map((b) => b.kill()));
        await Promise.all(destinations.map((d) => d.close()));
        await vhost.delete();
        if (!failed) await rm(dir, { recursive: true, force: true });
      }
    },
    timeoutMs,
  );
}
