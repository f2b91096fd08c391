import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Chaos } from './chaos';
import { HttpError, readBody, toRequest, write, type Reply, type Router } from './http-kit';

/** Answers in the stand-in's own error format (JSON for sales, XML for billing). */
export type ErrorFormatter = (status: number, message: string) => Reply;

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Runs a router on node:http with the chaos switch in front of everything but `/admin/*`
 * (so a test can always turn chaos off again).
 */
export async function serve(router: Router, chaos: Chaos, formatError: ErrorFormatter, port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  const closing = new AbortController();
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const base = toRequest(req, body);
      if (!base.path.startsWith('/admin/')) {
        await chaos.delay(closing.signal);
        const { failWith } = chaos.current;
        if (failWith === 'close') return void res.destroy();
        if (failWith) return write(res, formatError(failWith, `chaos: answering ${failWith} as configured by POST /admin/chaos`));
      }
      const found = router.match(base.method, base.path);
      if (!found) return write(res, formatError(404, `no such resource: ${base.method} ${base.path}`));
      if ('allowed' in found) {
        const reply = formatError(405, `${base.method} not allowed on ${base.path} (allowed: ${found.allowed.join(', ')})`);
        return write(res, { ...reply, headers: { ...reply.headers, Allow: found.allowed.join(', ') } });
      }
      write(res, await found.handler({ ...base, params: found.params }));
    } catch (e) {
      if (e instanceof HttpError) return write(res, formatError(e.status, e.message));
      write(res, formatError(500, `internal error: ${(e as Error).message}`));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${actual}`,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
