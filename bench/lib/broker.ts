import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as amqp from 'amqplib';

/** RabbitMQ's version as `rabbitmqctl version` prints it, or why it is unknown. */
export function rabbitVersion(): string {
  try {
    return execFileSync('rabbitmqctl', ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }).trim();
  } catch (err) {
    return `unknown (${(err as Error).message.split('\n')[0]})`;
  }
}

/**
 * The default broker node's Erlang VM process, so its CPU can be reported next to the bus's (read only).
 * Other Erlang VMs run here too (rabbitmqctl, test brokers on their own node names such as faults@localhost):
 * the default node boots with `-s rabbit` and has no other RABBITMQ_NODENAME than rabbit@....
 */
export function brokerPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'beam.smp') continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!args.some((a, i) => a === '-s' && args[i + 1] === 'rabbit')) continue;
      const node = /(?:^|\0)RABBITMQ_NODENAME=([^\0]*)/.exec(readFileSync(`/proc/${entry}/environ`, 'utf8'))?.[1];
      if (!node || node.startsWith('rabbit@')) return Number(entry);
    } catch {
      // the process ended while we looked, or is not ours to read
    }
  }
  return undefined;
}

/**
 * A vhost of the bench run's own, so its pipelines never meet another bus or bench on the same broker
 * (the bus's instance announcements and dead-letter exchanges have fixed names); returns its URL.
 */
export function createVhost(amqpUrl: string, name: string): string {
  const url = new URL(amqpUrl);
  rabbitmqctl(['add_vhost', name]);
  rabbitmqctl(['set_permissions', '-p', name, decodeURIComponent(url.username || 'guest'), '.*', '.*', '.*']);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/** Deletes the run's vhost with whatever is left in it; quiet when it is already gone. */
export function deleteVhost(name: string): void {
  try {
    rabbitmqctl(['delete_vhost', name]);
  } catch {
    // already deleted, or the broker is down: nothing of ours is left to clean
  }
}

function rabbitmqctl(args: string[]): string {
  return execFileSync('rabbitmqctl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

function vhostOf(amqpUrl: string): string {
  const path = new URL(amqpUrl).pathname.slice(1);
  return path ? decodeURIComponent(path) : '/';
}

/** Deletes every queue whose name starts with one of `prefixes` (the bench's own names only). */
export async function deleteQueues(amqpUrl: string, prefixes: string[]): Promise<string[]> {
  let names: string[];
  try {
    names = rabbitmqctl(['list_queues', '-p', vhostOf(amqpUrl), '-q', '--no-table-headers', 'name'])
      .split('\n')
      .map((s) => s.trim())
      .filter((n) => prefixes.some((p) => n.startsWith(p)));
  } catch {
    return [];
  }
  if (names.length === 0) return [];
  const connection = await amqp.connect(amqpUrl);
  try {
    for (const name of names) {
      // A failed delete closes the channel; use a fresh one per queue.
      const channel = await connection.createChannel();
      await channel.deleteQueue(name).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
  return names;
}

/** Deletes one exchange of the bench's own (a peer's, when it could not delete it at its exit). */
export async function deleteExchange(amqpUrl: string, name: string): Promise<void> {
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    await channel.deleteExchange(name).catch(() => undefined);
  } finally {
    await connection.close().catch(() => undefined);
  }
}
