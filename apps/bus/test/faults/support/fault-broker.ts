import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The second RabbitMQ node the drills run on (scripts/ci/start-fault-broker.sh starts it), so a drill
 * that stops its broker never touches the default node everything else uses.
 */
export const FAULT_BROKER = {
  node: process.env.BUS_FAULT_BROKER_NODE || 'faults@localhost',
  port: Number(process.env.BUS_FAULT_BROKER_PORT || 5673),
};

/** `rabbitmqctl -n <fault node> …`; returns stdout. */
export async function faultCtl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-n', FAULT_BROKER.node, ...args], { timeout: 120_000 });
  return stdout;
}

/** Fails with the way to fix it when the fault node does not answer. */
export async function requireFaultBroker(): Promise<void> {
  try {
    await run('rabbitmq-diagnostics', ['-n', FAULT_BROKER.node, '-q', 'ping', '-t', '10'], { timeout: 30_000 });
  } catch {
    throw new Error(
      `The fault drills' RabbitMQ node ${FAULT_BROKER.node} does not answer. Start it with ` +
        `"bash scripts/ci/start-fault-broker.sh" (or set BUS_FAULT_BROKER_NODE / BUS_FAULT_BROKER_PORT to one that runs).`,
    );
  }
}

/** One drill's own vhost on the fault node. */
export interface DrillVhost {
  name: string;
  /** `amqp://guest:guest@127.0.0.1:<port>/<vhost>` */
  amqpUrl: string;
  delete(): Promise<void>;
}

export async function createVhost(label: string): Promise<DrillVhost> {
  const name = `drill-${label}-${randomUUID().slice(0, 8)}`;
  await faultCtl('add_vhost', name);
  await faultCtl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  return {
    name,
    amqpUrl: `amqp://guest:guest@127.0.0.1:${FAULT_BROKER.port}/${encodeURIComponent(name)}`,
    delete: async () => {
      await faultCtl('delete_vhost', name).catch(() => undefined);
    },
  };
}

/** Stops the RabbitMQ application on the fault node (the Erlang node stays up, clients lose their connections). */
export async function stopBrokerApp(): Promise<void> {
  await faultCtl('stop_app');
}

/** Starts it again and waits until it accepts connections. */
export async function startBrokerApp(): Promise<void> {
  await faultCtl('start_app');
  await faultCtl('await_startup');
}

/**
 * Messages per queue of a vhost: ready + unacknowledged. A queue whose count the broker could not
 * give (a busy quorum queue leader) is NaN, never 0, so nobody mistakes "unknown" for "empty".
 */
export async function queueDepths(vhost: string): Promise<Map<string, number>> {
  const out = await faultCtl('list_queues', '-p', vhost, '-q', '--no-table-headers', 'name', 'messages');
  const depths = new Map<string, number>();
  for (const line of out.split('\n')) {
    const [name, messages] = line.trim().split(/\s+/);
    if (name) depths.set(name, /^\d+$/.test(messages ?? '') ? Number(messages) : NaN);
  }
  return depths;
}
