import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of the real broker, for faults the broker alone cannot stage: `holdReplies()`
 * drops what the broker sends on the connections open now (confirms, deliveries), while what the
 * client sends still reaches the broker. A publish is then stored but its confirm never arrives;
 * `cut()` then drops those connections as a network failure would: a confirm lost with the
 * connection. Connections opened later (the client's reconnect) pass both ways.
 */
export interface TcpProxy {
  /** The target URL with its host and port replaced by the proxy's. */
  url: string;
  holdReplies(): void;
  /** Closes the held connections on both sides at once, so neither waits for a close handshake. */
  cut(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  held: boolean;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const pairs = new Set<Pair>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: target.hostname || '127.0.0.1', port: Number(target.port) || 5672 });
    const pair: Pair = { client, upstream, held: false };
    pairs.add(pair);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!pair.held) client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    holdReplies() {
      for (const pair of pairs) pair.held = true;
    },
    cut() {
      for (const pair of [...pairs].filter((p) => p.held)) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
