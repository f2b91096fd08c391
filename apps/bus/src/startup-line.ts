import { join } from 'node:path';
import type { ActiveConfig } from './config/active-config';
import type { BusEnv } from './config/env.schema';
import { logLine } from './logging/log-line';

/** `host:port` and vhost of an AMQP or MongoDB URL, never its user or password. */
export function whereOf(url: string): { host: string; path: string } {
  try {
    const parsed = new URL(url);
    return { host: parsed.host, path: decodeURIComponent(parsed.pathname.replace(/^\//, '')) };
  } catch {
    return { host: '(unparsable URL)', path: '' };
  }
}

/**
 * The one line that says what this bus process is: where it listens, which config version, which
 * store and which broker (host, vhost, namespace). Also as fields, for a log search.
 */
export function startupLine(env: BusEnv, initial: ActiveConfig, version: string, port: number) {
  const broker = whereOf(env.AMQP_URL);
  const vhost = broker.path || '/';
  const mongo = env.MONGODB_URI ? whereOf(env.MONGODB_URI) : undefined;
  const store = mongo ? `mongodb ${mongo.host}/${mongo.path}` : `sqlite ${join(env.BUS_DATA_DIR, 'bus.sqlite')}`;
  const namespace = env.BUS_NAMESPACE;
  const text =
    `bpi-bus ${version} listening on port ${port}; config ${initial.file} version ${initial.version}; store ${store}; ` +
    `broker ${broker.host} vhost "${vhost}"${namespace ? ` namespace "${namespace}"` : ' (no namespace)'}`;
  return logLine(text, { port, configVersion: initial.version, store, brokerHost: broker.host, vhost, namespace, version });
}
