/**
 * The peers of `--peers`: other products doing the headline job with the same guarantees, in the same
 * run. Node-RED (bench/peers/node-red/) has its own package.json and lock file and is installed there on
 * demand, never as a dependency of the bus.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import type { MessageScenario } from '../scenarios';
import { ROOT } from './build';
import { freePort, spawnHttpReady, type Child } from './children';

export const NODE_RED_DIR = path.join(ROOT, 'bench', 'peers', 'node-red');

const installedVersion = (dir: string, pkg: string): string | undefined => {
  const file = path.join(dir, 'node_modules', pkg, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined;
};

/** Installs bench/peers/node-red's pinned packages unless they are there already; returns Node-RED's version. */
export function ensureNodeRed(log: (s: string) => void): string {
  const wanted = JSON.parse(readFileSync(path.join(NODE_RED_DIR, 'package.json'), 'utf8')).dependencies as Record<string, string>;
  const stale = Object.entries(wanted).filter(([pkg, version]) => installedVersion(NODE_RED_DIR, pkg) !== version);
  if (stale.length) {
    log(`installing Node-RED for --peers into bench/peers/node-red/node_modules (${stale.map(([p, v]) => `${p}@${v}`).join(', ')}) ...`);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--omit=optional'], { cwd: NODE_RED_DIR, stdio: 'pipe', timeout: 600_000 });
  }
  return installedVersion(NODE_RED_DIR, 'node-red')!;
}

export interface NodeRedRun {
  scenario: MessageScenario;
  amqpUrl: string;
  /** exchange name and queue prefix, deleted by the harness after the run */
  name: string;
  source: string;
  apiKey: string;
  destination: { name: string; url: string };
  queueType: string;
  prefetch: number;
  /** a fresh folder for Node-RED's user dir */
  userDir: string;
}

/**
 * Starts Node-RED on the committed flow (bench/peers/node-red/flows.json). Its user dir is a temp folder
 * linking this folder's package.json and node_modules, where the function nodes find amqplib.
 */
export async function startNodeRed(o: NodeRedRun): Promise<Child> {
  if (o.scenario.destinations !== 1 || o.scenario.codec !== 'json') {
    throw new Error(`the Node-RED flow does the headline job (JSON, 1 destination); ${o.scenario.id} is not it`);
  }
  mkdirSync(o.userDir, { recursive: true });
  for (const entry of ['package.json', 'node_modules']) symlinkSync(path.join(NODE_RED_DIR, entry), path.join(o.userDir, entry));
  const port = await freePort();
  const redJs = path.join(NODE_RED_DIR, 'node_modules', 'node-red', 'red.js');
  return spawnHttpReady('node-red', [redJs, '--settings', path.join(NODE_RED_DIR, 'settings.js'), '--userDir', o.userDir], {
    PORT: String(port),
    AMQP_URL: o.amqpUrl,
    BENCH_NAME: o.name,
    BENCH_SOURCE: o.source,
    BENCH_API_KEY: o.apiKey,
    BENCH_DEST_NAME: o.destination.name,
    BENCH_DEST_URL: o.destination.url,
    BENCH_QUEUE_TYPE: o.queueType,
    BENCH_PREFETCH: String(o.prefetch),
  }, port, '/bench/ready');
}
