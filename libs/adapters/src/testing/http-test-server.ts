import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a test server received. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A real HTTP server on a free loopback port, standing in for a destination system. */
export interface HttpTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connections(): number;
  /** Resolves with the next request to arrive (or the n-th overall, when already received). */
  nextRequest(): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export type TestHandler = (req: RecordedRequest, res: http.ServerResponse) => unknown;

const ok: TestHandler = (_req, res) => {
  res.writeHead(204).end();
};

/**
 * Starts a server on port 0. The handler sees the request with its body already read.
 * `close()` also drops open keep-alive and hanging connections, so tests end cleanly.
 */
export async function startHttpTestServer(handler: TestHandler = ok): Promise<HttpTestServer> {
  const requests: RecordedRequest[] = [];
  const waiters: ((r: RecordedRequest) => void)[] = [];
  let connections = 0;
  let seen = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      waiters.shift()?.(recorded);
      Promise.resolve(handler(recorded, res)).catch((e) => {
        if (!res.headersSent) res.writeHead(500).end(String(e));
      });
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => connections,
    nextRequest: () =>
      new Promise((resolve) => {
        const index = seen++;
        if (requests[index]) resolve(requests[index]);
        else waiters.push(resolve);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port that nothing listens on (opened, then closed), for "connection refused" cases. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
