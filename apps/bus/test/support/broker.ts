import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';

const run = promisify(execFile);

/** The broker the tests use: `AMQP_URL` or the local one. */
export const TEST_AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Fails fast, with the way to fix it, when no RabbitMQ listens where the tests expect it.
 * A broker test never skips silently.
 */
export async function requireBroker(url = TEST_AMQP_URL): Promise<void> {
  const { hostname, port } = new URL(url);
  const host = hostname || '127.0.0.1';
  const p = Number(port) || 5672;
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = tcpConnect({ host, port: p });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  if (!reachable) {
    throw new Error(
      `RabbitMQ is not reachable at ${host}:${p}. These tests need a real broker: start it with ` +
        `"rabbitmq-server -detached", wait with "rabbitmq-diagnostics -q ping && rabbitmqctl await_startup", ` +
        `or point AMQP_URL at one.`,
    );
  }
}

/** A unique name prefix for one test: `bus-test-<uuid>`. */
export const testPrefix = () => `bus-test-${randomUUID()}`;

/**
 * Runs `rabbitmqctl` with the given arguments and returns its stdout, against the node named by
 * `RABBITMQ_NODE` when it is set (`-n`), so a test points at the node it means and no other.
 */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const node = process.env.RABBITMQ_NODE;
  const { stdout } = await run('rabbitmqctl', node ? ['-n', node, ...args] : args, { timeout: 60_000 });
  return stdout;
}

/** Deletes every queue and exchange whose name starts with `prefix` (what a test declared). */
export async function deleteByPrefix(prefix: string, url = TEST_AMQP_URL): Promise<void> {
  const list = async (kind: 'list_queues' | 'list_exchanges') =>
    (await rabbitmqctl(kind, '-q', '--no-table-headers', 'name'))
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name.startsWith(prefix));
  const [all, exchanges] = await Promise.all([list('list_queues'), list('list_exchanges')]);
  // An instance's announcement queue is exclusive to its connection (and goes with it): a bus still
  // running in the same test would make the delete fail with RESOURCE_LOCKED.
  const queues = all.filter((name) => !name.startsWith(`${prefix}.bus.instances.`));
  if (queues.length === 0 && exchanges.length === 0) return;
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    for (const q of queues) await ch.deleteQueue(q);
    for (const x of exchanges) await ch.deleteExchange(x);
    await ch.close();
  } finally {
    await conn.close();
  }
}

/** Closes, on the broker's side, the one connection whose `connection_name` client property is `name`. */
export async function closeConnectionNamed(name: string, reason = 'closed by a test'): Promise<void> {
  const out = await rabbitmqctl('list_connections', '-q', '--no-table-headers', 'pid', 'client_properties');
  const line = out.split('\n').find((l) => l.includes(`"${name}"`));
  if (!line) throw new Error(`no broker connection named ${name} (rabbitmqctl list_connections shows none)`);
  const pid = line.trim().split(/\s+/)[0];
  await rabbitmqctl('close_connection', pid, reason);
}

/** Polls `probe` until it returns something truthy, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 15_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A promise with its resolve function outside, for gating handlers from a test. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A logger that keeps what it was told, so tests stay quiet and can assert warnings. */
export class RecordingLogger {
  readonly lines: Array<{ level: 'log' | 'warn' | 'error'; message: string }> = [];
  log(message: unknown) {
    this.lines.push({ level: 'log', message: String(message) });
  }
  warn(message: unknown) {
    this.lines.push({ level: 'warn', message: String(message) });
  }
  error(message: unknown) {
    this.lines.push({ level: 'error', message: String(message) });
  }
  warnings(): string[] {
    return this.lines.filter((l) => l.level !== 'log').map((l) => l.message);
  }
}

/** Reads every message currently in `queue` (acking them), for assertions on dead-letter queues. */
export async function drainQueue(queue: string, url = TEST_AMQP_URL): Promise<amqp.GetMessage[]> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    const out: amqp.GetMessage[] = [];
    for (let msg = await ch.get(queue); msg; msg = await ch.get(queue)) {
      out.push(msg);
      ch.ack(msg);
    }
    await ch.close();
    return out;
  } finally {
    await conn.close();
  }
}
