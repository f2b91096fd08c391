import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { until } from './narrator';

const MAIN = resolve(__dirname, '../../../../dist/apps/bus/apps/bus/src/main.js');

/** The bus as `npm start` runs it (the compiled build), in a child process with the demo's config. */
export async function startDemoBus(env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  if (!existsSync(MAIN)) throw new Error(`demo: ${MAIN} is missing; run "npx nest build bus" first (npm run demo does)`);
  const child: ChildProcess = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env, LOG_LEVEL: 'warn', LOG_FORMAT: 'pretty' }, stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${env.PORT}`;
  let exited = false;
  child.once('exit', () => (exited = true));
  await until('the bus to be ready', async () => {
    if (exited) throw new Error('demo: the bus exited during start-up (see its output above)');
    return fetch(`${url}/health/ready`).then((r) => r.ok).catch(() => false);
  });
  return {
    url,
    stop: () =>
      new Promise<void>((done) => {
        if (exited) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
