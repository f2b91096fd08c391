/**
 * The destination systems of the benchmark: one HTTP server (its own process, so its CPU is never
 * counted as the bus's) that answers every POST with 200 and records, per path, how many distinct
 * messages arrived and the latency from the load generator's send stamp (`sentAt` in the body) to now.
 *
 * Driven by the harness over the fork IPC channel: `reset`, `wait` (until the expected counts arrived
 * or a deadline passed) and `report`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { nowMs, quantile } from './lib/stats';

export interface SinkPathReport {
  received: number;
  distinct: number;
  duplicates: number;
}

export interface SinkReport {
  paths: Record<string, SinkPathReport>;
  firstAt: number;
  lastAt: number;
  latency: { n: number; p50: number; p95: number; p99: number; max: number };
}

export type SinkCommand =
  | { cmd: 'reset'; id: number }
  | { cmd: 'wait'; id: number; expected: Record<string, number>; timeoutMs: number }
  | { cmd: 'report'; id: number };

interface PathState {
  received: number;
  keys: Set<string>;
}

// The stamp is found without parsing the whole body: the sink must stay cheap next to the bus.
const SENT_AT = /"sentAt"\s*:\s*"?([0-9.]+)|<sentAt>([0-9.]+)</;

let paths = new Map<string, PathState>();
let latencies: number[] = [];
let firstAt = NaN;
let lastAt = NaN;
let waiters: Array<() => void> = [];
let accounts = 0;

function record(req: IncomingMessage, body: string): void {
  const path = (req.url ?? '/').split('?')[0];
  let state = paths.get(path);
  if (!state) paths.set(path, (state = { received: 0, keys: new Set() }));
  // A batch (outbound.batches) is a JSON array of records, each with its own key.
  if (req.headers['x-batch-records']) {
    for (const r of JSON.parse(body) as Array<{ idempotencyKey: string }>) count(state, r.idempotencyKey, JSON.stringify(r));
  } else {
    count(state, String(req.headers['idempotency-key'] ?? req.headers['x-message-id'] ?? state.received + 1), body);
  }
}

function count(state: PathState, key: string, body: string): void {
  const at = nowMs();
  state.received++;
  if (state.keys.has(key)) return;
  state.keys.add(key);
  const match = SENT_AT.exec(body);
  const sentAt = match ? Number(match[1] ?? match[2]) : NaN;
  if (Number.isFinite(sentAt)) latencies.push(at - sentAt);
  if (Number.isNaN(firstAt)) firstAt = at;
  lastAt = at;
  if (waiters.length) for (const check of waiters.slice()) check();
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    record(req, Buffer.concat(chunks).toString('utf8'));
    // What a billing system does when it takes a new account: answer with its id (the bus links it, xref).
    const created = req.url?.startsWith('/accounts') ? { 'x-resource-id': `A-${++accounts}` } : {};
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2, ...created });
    res.end('{}');
  });
}

function report(): SinkReport {
  const sorted = Float64Array.from(latencies).sort();
  const out: Record<string, SinkPathReport> = {};
  for (const [path, s] of paths) out[path] = { received: s.received, distinct: s.keys.size, duplicates: s.received - s.keys.size };
  return {
    paths: out,
    firstAt,
    lastAt,
    latency: {
      n: sorted.length,
      p50: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      p99: quantile(sorted, 0.99),
      max: sorted.length ? sorted[sorted.length - 1] : NaN,
    },
  };
}

function reached(expected: Record<string, number>): boolean {
  return Object.entries(expected).every(([path, n]) => (paths.get(path)?.keys.size ?? 0) >= n);
}

function onCommand(msg: SinkCommand): void {
  const reply = (body: object): void => {
    process.send?.({ id: msg.id, ...body });
  };
  if (msg.cmd === 'reset') {
    paths = new Map();
    latencies = [];
    firstAt = lastAt = NaN;
    reply({ ok: true });
  } else if (msg.cmd === 'report') {
    reply({ ok: true, report: report() });
  } else if (msg.cmd === 'wait') {
    if (reached(msg.expected)) {
      reply({ ok: true });
      return;
    }
    const timer = setTimeout(() => done(false), msg.timeoutMs);
    const check = () => {
      if (reached(msg.expected)) done(true);
    };
    const done = (ok: boolean) => {
      clearTimeout(timer);
      waiters = waiters.filter((w) => w !== check);
      reply({ ok });
    };
    waiters.push(check);
  }
}

const server = createServer(handle);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (msg) => onCommand(msg as SinkCommand));
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
