import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Deletes the queues and exchanges of the demo's broker namespace, so a run leaves nothing behind.
 * Uses rabbitmqctl (a local broker); without it, says what is left and how to remove it.
 */
export async function removeNamespace(namespace: string): Promise<string | undefined> {
  const list = async (kind: 'list_queues' | 'list_exchanges') =>
    (await run('rabbitmqctl', [kind, '-q', '--no-table-headers', 'name'], { timeout: 30_000 })).stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((name) => name.startsWith(`${namespace}.`));
  try {
    for (const queue of await list('list_queues')) await run('rabbitmqctl', ['delete_queue', queue], { timeout: 30_000 });
    for (const exchange of await list('list_exchanges')) {
      await run('rabbitmqctl', ['eval', `rabbit_exchange:delete(rabbit_misc:r(<<"/">>, exchange, <<"${exchange}">>), false, <<"demo">>).`], { timeout: 30_000 });
    }
    return undefined;
  } catch (err) {
    return `the broker queues of namespace "${namespace}" were left (${(err as Error).message.split('\n')[0]}); delete the queues named "${namespace}.*" on the broker`;
  }
}
