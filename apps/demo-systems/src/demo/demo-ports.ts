import { createServer } from 'node:net';

/**
 * The port a demo part listens on: `DEMO_<NAME>_PORT` when set (to reach it from outside at a known
 * address), else 0 (a free one), so the demo never fails because a port is taken.
 */
export function demoPort(name: string, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[`DEMO_${name.toUpperCase()}_PORT`];
  if (!value) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`demo: DEMO_${name.toUpperCase()}_PORT must be a port number, got "${value}"`);
  return port;
}

/** A port free right now, for a part that must be told its port before it starts (the bus process). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
