/**
 * The benchmark's scenarios. Each message scenario runs the same way on both pipelines (baseline
 * and bus); the batch scenarios (CDR file, mail merge) run on the bus only and report a skip reason
 * while the pieces they need are missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export type Codec = 'json' | 'xml' | 'csv';

/** How the bus's cost grows: message size (KB), routes in the file, destinations per message. */
export type Dimension = 'size' | 'routes' | 'fan-out';

export interface MessageScenario {
  kind: 'messages';
  id: string;
  title: string;
  codec: Codec;
  bodyBytes: number;
  destinations: number;
  routes: number;
  /** undefined: the bus's default journal setting */
  journal?: boolean;
  /** bus processes sharing one config and one store, competing for the same queues (default 1) */
  instances?: number;
  /** the dimension of docs/benchmarks.md's cost tables this scenario is a point of, and its value there */
  dimension?: { name: Dimension; value: number };
  /** requests in a full / quick run (throughput scenarios) */
  messages: { full: number; quick: number };
  /** latency run: fixed rate at half the peak (headline, end to end) of `rateFrom`, or `fixedRate`, for this long */
  latencySeconds?: { full: number; quick: number };
  rateFrom?: 'baseline' | 'bus';
  /** msgs/s of a latency run that does not follow a peak */
  fixedRate?: number;
  inQuick: boolean;
  /** why the scenario cannot run in this tree, or undefined */
  skip(root: string): string | undefined;
}

export interface BatchScenario {
  kind: 'batch';
  id: string;
  title: string;
  skip(root: string): string | undefined;
}

export type Scenario = MessageScenario | BatchScenario;

const read = (root: string, file: string) => (existsSync(path.join(root, file)) ? readFileSync(path.join(root, file), 'utf8') : '');
const codecMissing = (root: string, codec: string) =>
  new RegExp(`\\b${codec}Codec\\b`).test(read(root, 'libs/adapters/src/codecs/index.ts'))
    ? existsSync(path.join(root, 'bench/config/mappings', `loadgen-${codec}`)) ? undefined : `no bench mapping bench/config/mappings/loadgen-${codec}`
    : `no ${codec} codec in libs/adapters/src/codecs (CODECS)`;

const headline = { kind: 'messages' as const, codec: 'json' as const, bodyBytes: 1024, destinations: 1, routes: 1, inQuick: false, skip: () => undefined };

export const SCENARIOS: Scenario[] = [
  { ...headline, id: 'headline', title: '1 KB JSON, 1 route, 1 destination', messages: { full: 10_000, quick: 300 }, inQuick: true },
  { ...headline, id: 'routes-100', title: '1 KB JSON, 100 routes (99 never match)', routes: 100, messages: { full: 10_000, quick: 300 }, dimension: { name: 'routes', value: 100 } },
  { ...headline, id: 'routes-1000', title: '1 KB JSON, 1,000 routes (999 never match)', routes: 1000, messages: { full: 10_000, quick: 300 }, dimension: { name: 'routes', value: 1000 } },
  { ...headline, id: 'fan-out-2', title: '1 KB JSON fanned out to 2 destinations', destinations: 2, messages: { full: 5_000, quick: 100 }, dimension: { name: 'fan-out', value: 2 } },
  { ...headline, id: 'fan-out-5', title: '1 KB JSON fanned out to 5 destinations', destinations: 5, messages: { full: 3_000, quick: 100 }, dimension: { name: 'fan-out', value: 5 } },
  { ...headline, id: 'size-16k', title: '16 KB JSON, 1 route, 1 destination', bodyBytes: 16 * 1024, messages: { full: 3_000, quick: 50 }, dimension: { name: 'size', value: 16 } },
  { ...headline, id: 'size-64k', title: '64 KB JSON, 1 route, 1 destination', bodyBytes: 64 * 1024, messages: { full: 1_000, quick: 50 }, dimension: { name: 'size', value: 64 } },
  {
    ...headline, id: 'scale-out-2', title: '1 KB JSON, 2 bus instances (one config, one store, competing consumers); the baseline stays one process',
    instances: 2, messages: { full: 10_000, quick: 300 },
  },
  {
    ...headline, id: 'journal-off', title: '1 KB JSON with the journal off', journal: false, messages: { full: 10_000, quick: 300 },
    skip: (root) => (/journal/i.test(read(root, 'apps/bus/src/config/bus-config.schema.ts')) ? undefined : 'no `journal:` section in the config schema yet'),
  },
  { ...headline, id: 'latency-half', title: '1 KB JSON at half the baseline\'s peak rate (latency)', messages: { full: 0, quick: 0 }, latencySeconds: { full: 15, quick: 2 }, rateFrom: 'baseline', inQuick: true },
  {
    ...headline, id: 'latency-half-bus', title: "1 KB JSON at half the bus's own peak rate (latency both can carry)", messages: { full: 0, quick: 0 },
    latencySeconds: { full: 15, quick: 2 }, rateFrom: 'bus',
  },
  {
    ...headline, id: 'latency-100', title: "1 KB JSON at 100 msgs/s (a message's own way through, without queueing)", messages: { full: 0, quick: 0 },
    latencySeconds: { full: 15, quick: 2 }, fixedRate: 100,
  },
  { ...headline, id: 'xml', title: '1 KB XML ingress', codec: 'xml', messages: { full: 5_000, quick: 100 }, skip: (root) => codecMissing(root, 'xml') },
  { ...headline, id: 'csv', title: "1 KB CSV ingress (a row per rate line)", codec: 'csv', messages: { full: 5_000, quick: 100 }, skip: (root) => codecMissing(root, 'csv') },
  {
    kind: 'batch', id: 'cdr-1m', title: 'CDR file through the file adapter (bus only; ingress = rows read/s, delivered = rows at the sink/s)',
    skip: (root) => (existsSync(path.join(root, 'libs/adapters/src/mapping/mappers/bridge-cdr.mapper.ts')) ? undefined : 'no bridge-cdr mapper (libs/adapters/src/mapping/mappers)'),
  },
  {
    kind: 'batch', id: 'cdr-sizes', title: 'CDR files of several sizes (`--cdr-sizes`), for the cost per file size (bus only)',
    skip: (root) => (existsSync(path.join(root, 'libs/adapters/src/mapping/mappers/bridge-cdr.mapper.ts')) ? undefined : 'no bridge-cdr mapper (libs/adapters/src/mapping/mappers)'),
  },
  {
    kind: 'batch', id: 'mail-merge-10k', title: 'Mail merge of 10,000 letters',
    skip: (root) => (existsSync(path.join(root, 'apps/bus/src/jobs/mail-merge.job.ts')) ? undefined : 'no mail-merge job (apps/bus/src/jobs)'),
  },
];

/** One rate line of the native contract: about 50 bytes of JSON. */
const line = (i: number) => ({ sku: `CONF-P${String(i).padStart(4, '0')}`, price: ((i % 97) + 1) / 100, uom: ['MIN', 'HUR', 'MON', 'C62'][i % 4] });

/**
 * Body of request `n` sent at `sentAt`: a contract with as many rate lines as make about `bytes`.
 * Size comes from real content (rate lines), because the canonical model refuses unknown fields.
 */
export function bodyTemplate(codec: Codec, bytes: number, runId: string): { contentType: string; body: (n: number, sentAt: number) => string } {
  // The rate lines are the same in every request; rendered once per line count (the generator is not measured, but shares the cores).
  const cache = new Map<number, { json: string; xml: string; rows: ReturnType<typeof line>[] }>();
  const linesOf = (count: number) => {
    let hit = cache.get(count);
    if (!hit) {
      const rows = Array.from({ length: count }, (_, i) => line(i));
      hit = { rows, json: JSON.stringify(rows), xml: rows.map((r) => `<line><sku>${r.sku}</sku><price>${r.price}</price><uom>${r.uom}</uom></line>`).join('') };
      cache.set(count, hit);
    }
    return hit;
  };
  const render = (n: number, sentAt: number, lines: number): string => {
    // One contract per customer that each message replaces: the bus keeps every contract it sees (its rate
    // book for usage pricing), and a customer does not gain a new contract with every rate change.
    const head = { eventId: `${runId}-${n}`, id: `K-${n % 1000}`, account: `C-${n % 1000}`, cur: 'EUR', from: '2026-12-01' };
    const { rows, json, xml: xmlLines } = linesOf(lines);
    const stamp = sentAt.toFixed(3);
    if (codec === 'json') {
      return `{"sentAt":${stamp},"event":"contract.rates-changed","eventId":"${head.eventId}","contract":{"id":"${head.id}","account":"${head.account}","cur":"EUR","from":"${head.from}","lines":${json}}}`;
    }
    if (codec === 'xml') {
      return `<?xml version="1.0" encoding="UTF-8"?><contractEvent><sentAt>${stamp}</sentAt><event>contract.rates-changed</event><eventId>${head.eventId}</eventId><contract><id>${head.id}</id><account>${head.account}</account><cur>EUR</cur><from>${head.from}</from><lines>${xmlLines}</lines></contract></contractEvent>`;
    }
    const csvRows = rows.map((r) => `${stamp},${head.eventId},contract.rates-changed,${head.id},${head.account},EUR,${head.from},${r.sku},${r.price},${r.uom}`);
    return `sentAt,eventId,event,contractId,account,cur,from,sku,price,uom\n${csvRows.join('\n')}\n`;
  };
  const one = render(99999, 1e12, 1).length;
  const per = render(99999, 1e12, 2).length - one;
  const lines = Math.max(1, 1 + Math.round((bytes - one) / per));
  const contentType = codec === 'json' ? 'application/json' : codec === 'xml' ? 'application/xml' : 'text/csv';
  return { contentType, body: (n, sentAt) => render(n, sentAt, lines) };
}
