import { SCENARIOS, type Dimension, type MessageScenario } from '../scenarios';
import { median, spread } from './stats';
import type { RunFigures } from './run-once';

export interface ScenarioResult {
  id: string;
  title: string;
  baseline: RunFigures[];
  bus: RunFigures[];
  /** the second bus build of `--bus-entry-b`, in every message scenario */
  'bus-b'?: RunFigures[];
  /** the peer of `--peers`, in the headline only */
  'node-red'?: RunFigures[];
  /** set when the scenario did not run */
  skipped?: string;
  /** rate of the latency run (msgs/s), when fixed */
  rate?: number;
}

export interface ReportMeta {
  date: string;
  machine: string;
  node: string;
  rabbitmq: string;
  command: string;
  rounds: number;
  bus: string;
  queueType: string;
  prefetch: number;
  /** Node-RED's version when `--peers` ran it */
  nodeRed?: string;
  /** what `--bus-entry-b` ran, when given */
  busB?: string;
}

type Figure = { key: keyof RunFigures; label: string; digits: number; better: 'higher' | 'lower' };

export const FIGURES: Figure[] = [
  { key: 'ingressPerS', label: 'ingress accepted msgs/s', digits: 0, better: 'higher' },
  { key: 'deliveredPerS', label: 'end-to-end delivered msgs/s', digits: 0, better: 'higher' },
  { key: 'p50', label: 'latency p50 ms', digits: 1, better: 'lower' },
  { key: 'p95', label: 'latency p95 ms', digits: 1, better: 'lower' },
  { key: 'p99', label: 'latency p99 ms', digits: 1, better: 'lower' },
  { key: 'peakRssMb', label: 'peak RSS MB (pipeline process)', digits: 0, better: 'lower' },
  { key: 'cpuMsPerMsg', label: 'CPU ms per message (pipeline process)', digits: 3, better: 'lower' },
  { key: 'mainCpuMsPerMsg', label: 'of it, main thread (event loop)', digits: 3, better: 'lower' },
  { key: 'journalCpuMsPerMsg', label: 'of it, journal writer thread (bus-journal)', digits: 3, better: 'lower' },
  { key: 'brokerCpuMsPerMsg', label: 'RabbitMQ CPU ms per message', digits: 3, better: 'lower' },
];

const counted = (runs: RunFigures[]) => runs.filter((r) => !r.problem);

/** Median over the rounds that delivered everything. */
export function med(runs: RunFigures[], key: keyof RunFigures): number {
  return median(counted(runs).map((r) => Number(r[key])));
}

function cell(runs: RunFigures[], f: Figure): string {
  const ok = counted(runs);
  if (ok.length === 0) return runs.length ? 'failed' : '–';
  const values = ok.map((r) => Number(r[f.key]));
  const m = median(values);
  if (!Number.isFinite(m)) return '–';
  const { min, max } = spread(values);
  return ok.length > 1 ? `${m.toFixed(f.digits)} (${min.toFixed(f.digits)}–${max.toFixed(f.digits)})` : m.toFixed(f.digits);
}

/** `of` / `other` on one figure, from their medians. */
function ratio(f: Figure, of: RunFigures[], other: RunFigures[]): string {
  const r = med(of, f.key) / med(other, f.key);
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : '–';
}

/** A pipeline beside baseline and bus in a scenario's table: its medians, and one ratio against the bus. */
interface ExtraColumn {
  name: string;
  runs: RunFigures[];
  ratioHead: string;
  ratio: (f: Figure) => string;
}

function extraColumns(s: ScenarioResult): ExtraColumn[] {
  const columns: ExtraColumn[] = [];
  const busB = s['bus-b'];
  if (busB?.length) columns.push({ name: 'bus B', runs: busB, ratioHead: 'bus B / bus', ratio: (f) => ratio(f, busB, s.bus) });
  const nodeRed = s['node-red'];
  if (nodeRed?.length) columns.push({ name: 'Node-RED', runs: nodeRed, ratioHead: 'bus / Node-RED', ratio: (f) => ratio(f, s.bus, nodeRed) });
  return columns;
}

export function scenarioTable(s: ScenarioResult): string {
  const head = `### ${s.id}: ${s.title}${s.rate ? ` (fixed ${s.rate.toFixed(0)} msgs/s)` : ''}`;
  if (s.skipped) return `${head}\n\nskipped: ${s.skipped}\n`;
  const extras = extraColumns(s);
  const lines = [
    head,
    '',
    `| figure | baseline median (min–max) | bus median (min–max) |${extras.map((e) => ` ${e.name} median (min–max) |`).join('')} bus / baseline |${extras.map((e) => ` ${e.ratioHead} |`).join('')}`,
    `|---|---:|---:|${extras.map(() => '---:|').join('')}---:|${extras.map(() => '---:|').join('')}`,
    ...FIGURES.map((f) => `| ${f.label} | ${cell(s.baseline, f)} | ${cell(s.bus, f)} |${extras.map((e) => ` ${cell(e.runs, f)} |`).join('')} ${ratio(f, s.bus, s.baseline)} |${extras.map((e) => ` ${e.ratio(f)} |`).join('')}`),
  ];
  const problems = [
    ...s.baseline.map((r, i) => ['baseline', i, r] as const),
    ...s.bus.map((r, i) => ['bus', i, r] as const),
    ...extras.flatMap((e) => e.runs.map((r, i) => [e.name, i, r] as const)),
  ]
    .filter(([, , r]) => r.problem)
    .map(([who, i, r]) => `- ${who}, round ${i + 1}: ${r.problem}`);
  if (problems.length) lines.push('', 'Runs left out of the medians:', ...problems);
  return lines.join('\n') + '\n';
}

/** The performance issue's targets (ratios from one run's medians), judged. */
export function targetsTable(results: Map<string, ScenarioResult>): string {
  const get = (id: string) => results.get(id);
  const row = (target: string, measured: string, met: boolean | undefined) => `| ${target} | ${measured} | ${met === undefined ? 'not measured' : met ? 'met' : 'missed'} |`;
  const vsBaseline = (id: string, key: keyof RunFigures) => {
    const s = get(id);
    return s && !s.skipped ? med(s.bus, key) / med(s.baseline, key) : NaN;
  };
  const h = get('headline');
  const lat = get('latency-half');
  const flat = h && get('routes-1000') ? med(get('routes-1000')!.bus, 'deliveredPerS') / med(h.bus, 'deliveredPerS') : NaN;
  const rss = h ? med(h.bus, 'peakRssMb') : NaN;
  const peer = h?.['node-red']?.length ? med(h.bus, 'deliveredPerS') / med(h['node-red'], 'deliveredPerS') : NaN;
  const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');
  const judge = (v: number, ok: (v: number) => boolean) => (Number.isFinite(v) ? ok(v) : undefined);
  const e2e = vsBaseline('headline', 'deliveredPerS');
  const cpu = vsBaseline('headline', 'cpuMsPerMsg');
  const big = vsBaseline('size-64k', 'deliveredPerS');
  const p99 = vsBaseline('latency-half', 'p99');
  const fan = vsBaseline('fan-out-5', 'deliveredPerS');
  return [
    '| target | measured (medians) | |',
    '|---|---|---|',
    row('headline delivered rate, bus / baseline ≥ 0.8×', x(e2e), judge(e2e, (v) => v >= 0.8)),
    row('bus CPU per message / baseline\'s ≤ 1.5× (headline)', x(cpu), judge(cpu, (v) => v <= 1.5)),
    row('64 KB delivered rate, bus / baseline ≥ 0.6×', x(big), judge(big, (v) => v >= 0.6)),
    row('p99 at half the baseline\'s peak rate, bus / baseline ≤ 2×', `${x(p99)}${saturated(lat)}`, judge(p99, (v) => v <= 2)),
    row('peak RSS under the headline load < 150 MB', Number.isFinite(rss) ? `${rss.toFixed(0)} MB` : '–', judge(rss, (v) => v < 150)),
    row('fan-out 5, bus / baseline ≥ 0.8×', x(fan), judge(fan, (v) => v >= 0.8)),
    row('1,000 routes within 10 % of 1 route (bus delivered msgs/s)', x(flat), judge(flat, (v) => v >= 0.9)),
    cdrRow(get('cdr-1m'), row),
    mailRow(get('mail-merge-10k'), row),
    row('bus / Node-RED doing the same job, same run ≥ 3.5× (headline delivered, `--peers`)', x(peer), judge(peer, (v) => v >= 3.5)),
  ].join('\n');
}

type Row = (target: string, measured: string, met: boolean | undefined) => string;

/** Says so when the bus could not take the latency run's fixed rate: its p99 is then a queueing figure. */
function saturated(s: ScenarioResult | undefined): string {
  const accepted = s ? med(s.bus, 'ingressPerS') : NaN;
  return s?.rate && accepted < 0.9 * s.rate ? ` (bus saturated: it accepted ${accepted.toFixed(0)} of ${s.rate.toFixed(0)} msgs/s)` : '';
}

/** The count in a batch scenario's title ("… of 1,000,000 rows …"). */
const countIn = (title: string) => Number(/of ([\d,]+) /.exec(title)?.[1]?.replace(/,/g, '') ?? NaN);

function cdrRow(s: ScenarioResult | undefined, row: Row): string {
  const target = '1,000,000-row Master.csv priced into billing in < 60 s with bus RSS < 200 MB';
  if (!s) return row(target, 'not run', undefined);
  if (s.skipped) return row(target, `skipped: ${s.skipped}`, undefined);
  const rows = countIn(s.title);
  const seconds = rows / med(s.bus, 'deliveredPerS');
  const rss = med(s.bus, 'peakRssMb');
  if (!Number.isFinite(seconds) || !Number.isFinite(rss)) return row(target, 'failed', undefined);
  const measured = `${seconds.toFixed(0)} s, ${rss.toFixed(0)} MB (${rows.toLocaleString('en')} rows)`;
  return row(target, measured, rows >= 1_000_000 ? seconds < 60 && rss < 200 : undefined);
}

function mailRow(s: ScenarioResult | undefined, row: Row): string {
  const target = '10,000-letter mail merge (PDF + e-mail each) ≥ 150 letters/s';
  if (!s) return row(target, 'not run', undefined);
  if (s.skipped) return row(target, `skipped: ${s.skipped}`, undefined);
  const letters = countIn(s.title);
  const rate = med(s.bus, 'deliveredPerS');
  if (!Number.isFinite(rate)) return row(target, 'failed', undefined);
  const measured = `${rate.toFixed(0)} letters/s, peak RSS ${med(s.bus, 'peakRssMb').toFixed(0)} MB (${letters.toLocaleString('en')} letters)`;
  return row(target, measured, letters >= 10_000 ? rate >= 150 : undefined);
}

export const ANALYSIS_START = '<!-- analysis: kept across runs -->';
export const ANALYSIS_END = '<!-- /analysis -->';

export function renderReport(meta: ReportMeta, results: Map<string, ScenarioResult>, profile: string, analysis: string): string {
  return [
    '# Benchmarks',
    '',
    'Produced by `npm run bench` (bench/run.ts); see bench/README.md for how it measures. The bus and a',
    'minimal hand-written node:http + amqplib pipeline (bench/baseline/pipeline.ts) do the same job against',
    'the same RabbitMQ and the same HTTP sink, interleaved (baseline, bus, baseline, bus, …); each figure is',
    'the median over the rounds with the spread (min–max) in brackets, and the ratio is bus / baseline.',
    '',
    `- Date: ${meta.date}`,
    `- Machine: ${meta.machine}. Shared: other people's builds and tests ran on it at the same time, so`,
    '  absolute figures move between runs; the ratios from one run are the figures that count.',
    `- Node ${meta.node}, RabbitMQ ${meta.rabbitmq}`,
    `- Command: \`${meta.command}\` (${meta.rounds} rounds)`,
    `- Bus: ${meta.bus}; queues ${meta.queueType}, prefetch ${meta.prefetch}, 50 concurrent HTTP clients (autocannon)`,
    ...(meta.busB ? [`- Bus B (\`--bus-entry-b\`): ${meta.busB}, right after the bus in every message scenario and round; "bus B / bus" compares the two builds`] : []),
    ...(meta.nodeRed ? [`- Peers: Node-RED ${meta.nodeRed} (bench/peers/node-red) in the headline, after baseline and bus in each round`] : []),
    '- Latency: from the load generator stamping `sentAt` into the body to the sink receiving the delivery.',
    '- CPU and RSS: /proc of the pipeline process alone (utime+stime, VmHWM); the load generator, the sink',
    '  and the broker are other processes. CPU per message counts accepted ingress messages.',
    '',
    '## Targets (issue 15)',
    '',
    targetsTable(results),
    '',
    '## What limits it',
    '',
    ANALYSIS_START,
    analysis.trim() || '_Not written yet: run `npm run bench -- --profile` and read the profile below._',
    ANALYSIS_END,
    '',
    ...costTables(results),
    '## Scenarios',
    '',
    ...[...results.values()].map(scenarioTable),
    profile ? '## CPU profiles\n\n' + profile : '',
  ].join('\n');
}

/** The hand-written analysis of an earlier report, so a new run does not erase it. */
export function keptAnalysis(previous: string): string {
  const start = previous.indexOf(ANALYSIS_START);
  const end = previous.indexOf(ANALYSIS_END);
  return start >= 0 && end > start ? previous.slice(start + ANALYSIS_START.length, end) : '';
}

const DIMENSIONS: Array<{ name: Dimension; title: string; unit: string }> = [
  { name: 'size', title: 'Message size', unit: 'KB' },
  { name: 'routes', title: 'Routes in the file (all but one never match)', unit: 'routes' },
  { name: 'fan-out', title: 'Fan-out', unit: 'destinations' },
];

const num = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const times = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');

/**
 * How the bus's cost grows per dimension (message size, routes, fan-out, CDR file size) and with a second
 * instance: one small table each, from the medians of the scenarios that ran; the headline is the first
 * point of every message dimension. A dimension with fewer than two points is left out.
 */
export function costTables(results: Map<string, ScenarioResult>): string[] {
  const ran = (id: string) => {
    const r = results.get(id);
    return r && !r.skipped && r.bus.some((f) => !f.problem) ? r : undefined;
  };
  const out: string[] = [];
  const messageScenarios = SCENARIOS.filter((s): s is MessageScenario => s.kind === 'messages');
  for (const d of DIMENSIONS) {
    const points = [
      ...(ran('headline') ? [{ value: 1, r: ran('headline')! }] : []),
      ...messageScenarios.filter((s) => s.dimension?.name === d.name && ran(s.id)).map((s) => ({ value: s.dimension!.value, r: ran(s.id)! })),
    ].sort((a, b) => a.value - b.value);
    if (points.length < 2) continue;
    out.push(
      `### ${d.title}`,
      '',
      `| ${d.unit} | bus delivered msgs/s | bus CPU ms/msg | bus peak RSS MB | baseline delivered msgs/s | baseline CPU ms/msg | bus / baseline delivered | bus / baseline CPU |`,
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...points.map(({ value, r }) => {
        const bus = (k: keyof RunFigures) => med(r.bus, k);
        const base = (k: keyof RunFigures) => med(r.baseline, k);
        return `| ${value.toLocaleString('en')} | ${num(bus('deliveredPerS'), 0)} | ${num(bus('cpuMsPerMsg'), 3)} | ${num(bus('peakRssMb'), 0)} | ${num(base('deliveredPerS'), 0)} | ${num(base('cpuMsPerMsg'), 3)} | ${times(bus('deliveredPerS') / base('deliveredPerS'))} | ${times(bus('cpuMsPerMsg') / base('cpuMsPerMsg'))} |`;
      }),
      '',
    );
  }
  const files = [...results.values()]
    .filter((r) => /^cdr-\d+$/.test(r.id) && ran(r.id))
    .map((r) => ({ rows: Number(r.id.slice(4)), r }))
    .sort((a, b) => a.rows - b.rows);
  if (files.length >= 2) {
    out.push(
      '### CDR file size (bus only; the baseline has no file adapter)',
      '',
      '| rows | bus rows read/s | bus rows delivered/s | bus CPU ms/row | bus peak RSS MB |',
      '|---:|---:|---:|---:|---:|',
      ...files.map(({ rows, r }) => `| ${rows.toLocaleString('en')} | ${num(med(r.bus, 'ingressPerS'), 0)} | ${num(med(r.bus, 'deliveredPerS'), 0)} | ${num(med(r.bus, 'cpuMsPerMsg'), 3)} | ${num(med(r.bus, 'peakRssMb'), 0)} |`),
      '',
    );
  }
  const one = ran('headline');
  const two = ran('scale-out-2');
  if (one && two) {
    const row = (label: string, r: ScenarioResult, instances: number) =>
      `| ${label} | ${instances} | ${num(med(r.bus, 'ingressPerS'), 0)} | ${num(med(r.bus, 'deliveredPerS'), 0)} | ${num(med(r.bus, 'cpuMsPerMsg'), 3)} | ${num(med(r.bus, 'peakRssMb'), 0)} | ${num(med(r.bus, 'brokerCpuMsPerMsg'), 3)} | ${times(med(r.bus, 'deliveredPerS') / med(r.baseline, 'deliveredPerS'))} |`;
    out.push(
      '### Scale-out: 2 bus instances against 1 (same config, one store, competing consumers)',
      '',
      '| scenario | instances | ingress msgs/s | delivered msgs/s | CPU ms/msg (all instances) | peak RSS MB (sum) | RabbitMQ CPU ms/msg | bus / baseline delivered |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      row('headline', one, 1),
      row('scale-out-2', two, 2),
      '',
      `2 instances / 1, delivered: ${times(med(two.bus, 'deliveredPerS') / med(one.bus, 'deliveredPerS'))}.`,
      '',
    );
  }
  return out.length ? ["## How the bus's cost grows", '', ...out] : [];
}
