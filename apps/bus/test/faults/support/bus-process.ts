import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

// Bus processes still running when the test process exits (a drill that timed out) die with it.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The repository root, and the entry `npm start` runs after `nest build bus`. */
export const REPO_ROOT = resolve(__dirname, '../../../../..');
export const BUS_MAIN = join(REPO_ROOT, 'dist/apps/bus/apps/bus/src/main.js');

export interface BusProcessOptions {
  /** Names the log file: `<logDir>/<name>.<run>.log`. */
  name: string;
  configFile: string;
  /** BUS_DATA_DIR: kept across restarts, shared by instances of one store. */
  dataDir: string;
  amqpUrl: string;
  adminToken: string;
  logDir: string;
  /** Secrets bus.yaml reads (`${CRM_API_KEY}` …) and any other variable. */
  vars?: Record<string, string>;
  /** How long to wait for /health/ready. @default 60000 */
  readyTimeoutMs?: number;
}

/**
 * One real bus process, started as the README starts it (`node dist/apps/bus/apps/bus/src/main.js`)
 * with its own environment. It keeps its port across restarts so senders and a config that point
 * at it stay valid; each run's stdout and stderr go to a log file of their own.
 */
export class BusProcess {
  private child?: ChildProcess;
  private exit?: Promise<void>;
  private runs = 0;
  readonly logFiles: string[] = [];

  private constructor(
    private readonly options: BusProcessOptions,
    readonly port: number,
  ) {}

  /** Spawns the bus on a free port and waits until /health/ready answers 200. */
  static async start(options: BusProcessOptions): Promise<BusProcess> {
    const bus = new BusProcess(options, await freePort());
    await bus.spawn();
    return bus;
  }

  get name(): string {
    return this.options.name;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed; resolves once the process is gone. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM (graceful shutdown), then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.signal('SIGTERM');
    clearTimeout(timer);
  }

  /** Starts the same bus again: same port, same data dir, same config; waits for ready. */
  async restart(): Promise<void> {
    if (this.running) throw new Error(`bus ${this.name} (pid ${this.pid}) is still running; kill or stop it first`);
    await this.spawn();
  }

  /** The last `lines` lines of every run's log, newest run last. */
  async tail(lines = 40): Promise<string> {
    const parts: string[] = [];
    for (const file of this.logFiles) {
      const text = await readFile(file, 'utf8').catch(() => '(no log)');
      // Nest's route and module listing at start-up says nothing about a fault.
      const kept = text.split('\n').filter((l) => !/\[(RouterExplorer|RoutesResolver|InstanceLoader)\]/.test(l));
      parts.push(`--- ${file}\n${kept.slice(-lines).join('\n')}`);
    }
    return parts.join('\n');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    this.child!.kill(sig);
    await this.exit;
  }

  private async spawn(): Promise<void> {
    const o = this.options;
    const logFile = join(o.logDir, `${o.name}.${++this.runs}.log`);
    this.logFiles.push(logFile);
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, [BUS_MAIN], {
      cwd: REPO_ROOT,
      stdio: ['ignore', fd, fd],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(this.port),
        AMQP_URL: o.amqpUrl,
        BUS_CONFIG: o.configFile,
        BUS_DATA_DIR: o.dataDir,
        BUS_CONFIG_WATCH: 'false',
        ADMIN_TOKEN: o.adminToken,
        LOG_LEVEL: 'log',
        NO_COLOR: '1',
        ...o.vars,
      },
    });
    closeSync(fd);
    this.child = child;
    live.add(child);
    this.exit = new Promise((done) =>
      child.once('exit', () => {
        live.delete(child);
        done();
      }),
    );
    await this.waitReady(o.readyTimeoutMs ?? 60_000);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`bus ${this.name} exited (code ${this.child?.exitCode}, signal ${this.child?.signalCode}) before it was ready:\n${await this.tail()}`);
      }
      const ok = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`bus ${this.name} was not ready on ${this.url} within ${timeoutMs} ms:\n${await this.tail()}`);
  }
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}
