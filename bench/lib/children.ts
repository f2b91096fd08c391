import { fork, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';

/** A process the harness started; always stopped by the harness, also when a run fails. */
export interface Child {
  label: string;
  proc: ChildProcess;
  pid: number;
  port: number;
  /** last lines the child wrote to stderr/stdout, for error messages */
  output(): string;
  /** request/response over the fork IPC channel (sink only) */
  call<T = any>(msg: object, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

const running = new Set<Child>();

/** Kills what is still running; for the harness's exit paths. */
export function killAll(): void {
  for (const c of running) c.proc.kill('SIGKILL');
  running.clear();
}

function tail(proc: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return () => text;
}

function makeChild(label: string, proc: ChildProcess, port: number, output: () => string): Child {
  let seq = 0;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = {
    label,
    proc,
    pid: proc.pid!,
    port,
    output,
    call(msg, timeoutMs = 600_000) {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label}: no answer to ${JSON.stringify(msg)} within ${timeoutMs} ms`)), timeoutMs);
        const onMessage = (m: any) => {
          if (m?.id !== id) return;
          clearTimeout(timer);
          proc.off('message', onMessage);
          resolve(m);
        };
        proc.on('message', onMessage);
        proc.send({ ...msg, id });
      });
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(child);
    },
  };
  running.add(child);
  return child;
}

/** Forks a compiled bench script that reports `{ ready: true, port }` over IPC once it listens. */
export function forkReady(label: string, file: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000, execArgv: string[] = []): Promise<Child> {
  // execArgv is explicit: fork() would otherwise pass on the harness's ts-node loader and its memory.
  const proc = fork(file, [], { env: { ...process.env, ...env }, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const output = tail(proc);
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      proc.kill('SIGKILL');
      reject(new Error(`${label} did not start: ${why}\n${output()}`));
    };
    const timer = setTimeout(() => fail(`no ready message within ${timeoutMs} ms`), timeoutMs);
    proc.once('exit', (code) => fail(`exited with ${code}`));
    proc.on('message', (m: any) => {
      if (!m?.ready) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      resolve(makeChild(label, proc, m.port, output));
    });
  });
}

/** Spawns a node process serving HTTP on `port` and waits until `readyPath` answers 200. */
export async function spawnHttpReady(
  label: string,
  nodeArgs: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  readyPath: string,
  timeoutMs = 60_000,
): Promise<Child> {
  const proc = spawn(process.execPath, nodeArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail(proc);
  const child = makeChild(label, proc, port, output);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      running.delete(child);
      throw new Error(`${label} exited with ${proc.exitCode ?? proc.signalCode} before it was ready:\n${output()}`);
    }
    if ((await httpStatus(port, readyPath)) === 200) return child;
    await new Promise((r) => setTimeout(r, 200)); // poll interval, bounded by the deadline above
  }
  await child.stop();
  throw new Error(`${label} was not ready on :${port}${readyPath} within ${timeoutMs} ms:\n${output()}`);
}

function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** A free TCP port on loopback (the bus takes its port from the environment). */
export function freePort(): Promise<number> {
  const { createServer } = require('node:net') as typeof import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
